/**
 * GET /v1/analytics/service: complaints per category (filed, open, resolved,
 * escalated), mean hours from filing to resolution (business time), and
 * satisfaction mean and histogram. Figures worked out by hand below.
 */
import { startTestApp, type TestApp } from '../support/app';
import { Crm, HOUR, expectProblem } from './helpers';

describe('service analytics (memory engine)', () => {
  let t: TestApp;
  let crm: Crm;

  beforeAll(async () => {
    t = await startTestApp({ engine: 'memory' });
    crm = new Crm(t);
  });
  afterAll(() => t.close());

  const service = () => crm.get('/v1/analytics/service');

  it('is empty before any complaint', async () => {
    expect(await service()).toEqual({
      categories: [],
      totals: { filed: 0, open: 0, resolved: 0, escalated: 0, meanHoursToResolution: null, meanSatisfaction: null },
    });
  });

  describe('with complaints in three categories', () => {
    beforeAll(async () => {
      const olena = await crm.register({ kind: 'person', name: 'Olena Koval', occurredAt: '2025-01-01T00:00:00Z' });
      const acme = await crm.register({ kind: 'company', name: 'Acme Ltd', occurredAt: '2025-01-01T00:00:00Z' });

      // delivery #1: filed now, resolved after the clock moved 5 hours (default business times)
      await crm.complaint(olena, { complaintId: 'D-1', category: 'delivery', severity: 'high' });
      t.clock.advance(5 * HOUR);
      await crm.resolve(olena, 'D-1', 4);
      // delivery #2: 24 h, by business time
      await crm.complaint(acme, { complaintId: 'D-2', category: 'delivery', severity: 'medium', occurredAt: '2026-02-01T08:00:00Z' });
      await crm.resolve(acme, 'D-2', 2, '2026-02-02T08:00:00Z');
      // delivery #3: escalated twice (one escalated complaint), still open
      await crm.complaint(acme, { complaintId: 'D-3', category: 'delivery', severity: 'critical', occurredAt: '2026-02-20T08:00:00Z' });
      await crm.escalate(acme, 'D-3', '2026-02-21T08:00:00Z');
      await crm.escalate(acme, 'D-3', '2026-02-22T08:00:00Z');
      // billing: 1.5 h and 36 h, both delighted; one of them escalated before resolution.
      // The same case number at another customer is another complaint.
      await crm.complaint(olena, { complaintId: 'B-1', category: 'billing', severity: 'low', occurredAt: '2026-02-10T09:00:00+01:00' });
      await crm.resolve(olena, 'B-1', 5, '2026-02-10T09:30:00Z');
      await crm.complaint(acme, { complaintId: 'B-1', category: 'billing', severity: 'low', occurredAt: '2026-02-11T00:00:00Z' });
      await crm.escalate(acme, 'B-1', '2026-02-11T06:00:00Z');
      await crm.resolve(acme, 'B-1', 5, '2026-02-12T12:00:00Z');
      // product: filed, never resolved
      await crm.complaint(olena, { complaintId: 'P-1', category: 'product', severity: 'low', occurredAt: '2026-02-25T08:00:00Z' });
    });

    /*
     * billing:  1.5 h + 36 h → mean 18.75 h; satisfaction 5, 5 → 5; escalated 1
     * delivery: 5 h + 24 h → mean 14.5 h;   satisfaction 4, 2 → 3; escalated 1 (D-3, twice)
     * product:  nothing resolved → nulls
     * totals:   (1.5 + 36 + 5 + 24) / 4 = 16.625 → 16.63 h; satisfaction (5 + 5 + 4 + 2) / 4 = 4
     */
    it('per category, sorted by name, with totals', async () => {
      expect(await service()).toEqual({
        categories: [
          {
            category: 'billing',
            filed: 2,
            open: 0,
            resolved: 2,
            escalated: 1,
            meanHoursToResolution: 18.75,
            meanSatisfaction: 5,
            satisfactionHistogram: { '5': 2 },
            bySeverity: { low: 2 },
          },
          {
            category: 'delivery',
            filed: 3,
            open: 1,
            resolved: 2,
            escalated: 1,
            meanHoursToResolution: 14.5,
            meanSatisfaction: 3,
            satisfactionHistogram: { '2': 1, '4': 1 },
            bySeverity: { high: 1, medium: 1, critical: 1 },
          },
          {
            category: 'product',
            filed: 1,
            open: 1,
            resolved: 0,
            escalated: 0,
            meanHoursToResolution: null,
            meanSatisfaction: null,
            satisfactionHistogram: {},
            bySeverity: { low: 1 },
          },
        ],
        totals: { filed: 6, open: 2, resolved: 4, escalated: 2, meanHoursToResolution: 16.63, meanSatisfaction: 4 },
      });
    });

    it('resolving the open delivery complaint updates count, mean time and histogram', async () => {
      const acme = (await crm.get('/v1/customers', { kind: 'company' })).items[0].customerId;
      // filed 2026-02-20T08:00, resolved 2026-02-23T08:00 → 72 h; delivery mean (5 + 24 + 72)/3 = 33.67 h
      await crm.resolve(acme, 'D-3', 1, '2026-02-23T08:00:00Z');
      const delivery = (await service()).categories.find((c: { category: string }) => c.category === 'delivery');
      expect(delivery).toEqual({
        category: 'delivery',
        filed: 3,
        open: 0,
        resolved: 3,
        escalated: 1,
        meanHoursToResolution: 33.67,
        meanSatisfaction: 2.33,
        satisfactionHistogram: { '1': 1, '2': 1, '4': 1 },
        bySeverity: { high: 1, medium: 1, critical: 1 },
      });
    });

    it('rejects unknown query parameters', async () => {
      expectProblem(await crm.read('/v1/analytics/service', { category: 'delivery' }), 400, ['category']);
    });
  });
});
