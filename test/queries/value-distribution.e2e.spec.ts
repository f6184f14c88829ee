/**
 * GET /v1/analytics/value-distribution over the portfolio (./portfolio.ts):
 * what share of revenue and margin the top 1/5/10/20/50 % of customers bring,
 * per currency, with the ABC tiers; every figure worked out by hand.
 */
import { startTestApp, type TestApp } from '../support/app';
import { Crm, T0, orderOf } from './helpers';
import { buildPortfolio } from './portfolio';

describe('value distribution (memory engine)', () => {
  let t: TestApp;
  let crm: Crm;

  beforeAll(async () => {
    t = await startTestApp({ engine: 'memory' });
    crm = new Crm(t);
  });
  afterAll(() => t.close());

  it('is empty before any customer', async () => {
    const { asOf, ...rest } = await crm.get('/v1/analytics/value-distribution');
    expect(rest).toEqual({ currencies: {}, customersWithoutOrders: 0 });
    // asOf is null until the first ranking, then the ranking's time
    expect([null, T0]).toContain(asOf);
  });

  describe('over the portfolio', () => {
    beforeAll(() => buildPortfolio(crm), 60_000);

    /*
     * EUR, 25 customers, revenue 435 000. Margin: #1 earns 10 000 (90 % cost), everyone else 40 %:
     *   144 000 = 10 000 + 0.4 × 335 000.
     * top n = ⌈25·p/100⌉ → 1, 2, 3, 5, 13 customers:
     *   revenue 100 000 / 180 000 / 240 000 / 330 000 / 396 000  ÷ 435 000 → .2299 / .4138 / .5517 / .7586 / .9103
     *   margin   10 000 /  42 000 /  66 000 / 102 000 / 128 400  ÷ 144 000 → .0694 / .2917 / .4583 / .7083 / .8917
     * Pareto: the top 20 % (5 customers) bring 75.86 % of revenue.
     */
    const eur = {
      customers: 25,
      revenue: 435_000,
      margin: 144_000,
      top: [
        { percent: 1, customers: 1, revenueShare: 0.2299, marginShare: 0.0694 },
        { percent: 5, customers: 2, revenueShare: 0.4138, marginShare: 0.2917 },
        { percent: 10, customers: 3, revenueShare: 0.5517, marginShare: 0.4583 },
        { percent: 20, customers: 5, revenueShare: 0.7586, marginShare: 0.7083 },
        { percent: 50, customers: 13, revenueShare: 0.9103, marginShare: 0.8917 },
      ],
      curve: expect.any(Array),
      segments: expect.any(Object),
      rfmGrid: expect.any(Array),
      tiers: { A: { customers: 7, revenue: 349_500 }, B: { customers: 10, revenue: 67_500 }, C: { customers: 8, revenue: 18_000 } },
    };
    /*
     * UAH, 3 customers, 2 000 000 + 500 000 + 100 000 = 2 600 000, margin 40 % = 1 040 000.
     * top n = 1, 1, 1, 1, 2 → 2 000 000 / 2 600 000 = .7692; 2 500 000 / 2 600 000 = .9615.
     */
    const uah = {
      customers: 3,
      revenue: 2_600_000,
      margin: 1_040_000,
      top: [
        { percent: 1, customers: 1, revenueShare: 0.7692, marginShare: 0.7692 },
        { percent: 5, customers: 1, revenueShare: 0.7692, marginShare: 0.7692 },
        { percent: 10, customers: 1, revenueShare: 0.7692, marginShare: 0.7692 },
        { percent: 20, customers: 1, revenueShare: 0.7692, marginShare: 0.7692 },
        { percent: 50, customers: 2, revenueShare: 0.9615, marginShare: 0.9615 },
      ],
      // top p % = the first ⌈3p/100⌉: one customer up to 33 %, two up to 66 %, all three from 67 %
      curve: Array.from({ length: 101 }, (_, p) => ({ percent: p, revenueShare: [0, 0.7692, 0.9615, 1][Math.ceil((3 * p) / 100)] })),
      segments: expect.any(Object),
      rfmGrid: expect.any(Array),
      tiers: { A: { customers: 2, revenue: 2_500_000 }, B: { customers: 0, revenue: 0 }, C: { customers: 1, revenue: 100_000 } },
    };

    it('per currency, never mixing currencies; customers without orders counted apart', async () => {
      expect(await crm.get('/v1/analytics/value-distribution')).toEqual({ asOf: T0, currencies: { EUR: eur, UAH: uah }, customersWithoutOrders: 2 });
    });

    it('Pareto: the top 20 % of EUR customers bring 75.86 % of EUR revenue', async () => {
      const top20 = (await crm.get('/v1/analytics/value-distribution')).currencies.EUR.top.find((x: { percent: number }) => x.percent === 20);
      expect(top20).toEqual({ percent: 20, customers: 5, revenueShare: Math.round((330_000 / 435_000) * 10_000) / 10_000, marginShare: 0.7083 });
    });

    it('counts the RFM grid and segments as the customer list scores them', async () => {
      const { rfmGrid, segments, customers } = (await crm.get('/v1/analytics/value-distribution')).currencies.EUR;
      const { items } = await crm.get('/v1/customers', { currency: 'EUR', limit: 200 });
      const grid = Array.from({ length: 5 }, () => new Array(5).fill(0));
      for (const c of items) grid[c.segment.rfm.recency - 1][c.segment.rfm.frequency - 1] += 1;
      expect(rfmGrid).toEqual(grid);
      expect(Object.values(segments).reduce((s: number, x: any) => s + x.customers, 0)).toBe(customers);
    });

    it('draws the concentration curve through the top shares, rising from 0 to 1', async () => {
      const { curve, top } = (await crm.get('/v1/analytics/value-distribution')).currencies.EUR;
      expect(curve.map((point: { percent: number }) => point.percent)).toEqual(Array.from({ length: 101 }, (_, p) => p));
      for (const t of top) expect(curve[t.percent].revenueShare).toBe(t.revenueShare);
      expect(curve[0].revenueShare).toBe(0);
      expect(curve[100].revenueShare).toBe(1);
      for (let p = 1; p <= 100; p++) expect(curve[p].revenueShare).toBeGreaterThanOrEqual(curve[p - 1].revenueShare);
    });

    it('agrees with the tiers the customer list shows', async () => {
      for (const currency of ['EUR', 'UAH']) {
        const { items } = await crm.get('/v1/customers', { currency, limit: 200 });
        const dist = (await crm.get('/v1/analytics/value-distribution')).currencies[currency];
        for (const tier of ['A', 'B', 'C']) {
          const inTier = items.filter((i: { segment: { tier: string } }) => i.segment.tier === tier);
          expect({ tier, customers: inTier.length, revenue: inTier.reduce((s: number, i: { value: { revenue: number } }) => s + i.value.revenue, 0) }).toEqual({
            tier,
            ...dist.tiers[tier],
          });
        }
      }
    });

    it('follows new writes: a new customer without orders, then with a first order in a third currency', async () => {
      const id = await crm.register({ kind: 'person', name: 'Late Comer' });
      expect((await crm.get('/v1/analytics/value-distribution')).customersWithoutOrders).toBe(3);
      await crm.order(id, orderOf('GBP', 12_345, 2_345));
      const after = await crm.get('/v1/analytics/value-distribution');
      expect(after.customersWithoutOrders).toBe(2);
      expect(after.currencies.GBP).toEqual({
        customers: 1,
        revenue: 12_345,
        margin: 10_000,
        top: [1, 5, 10, 20, 50].map((percent) => ({ percent, customers: 1, revenueShare: 1, marginShare: 1 })),
        curve: Array.from({ length: 101 }, (_, p) => ({ percent: p, revenueShare: p === 0 ? 0 : 1 })),
        // one customer scores 1 on every quintile: hibernating, in the grid's first cell
        segments: { hibernating: { customers: 1, revenue: 12_345 } },
        rfmGrid: [[1, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]],
        tiers: { A: { customers: 1, revenue: 12_345 }, B: { customers: 0, revenue: 0 }, C: { customers: 0, revenue: 0 } },
      });
      expect(after.currencies.EUR).toEqual(eur);
      expect(after.currencies.UAH).toEqual(uah);
    });

    it('nets out a cancellation: cancelling the new GBP order leaves a GBP customer with zero revenue in tier C', async () => {
      const { items } = await crm.get('/v1/customers', { currency: 'GBP' });
      const [lateComer] = items;
      const history = await crm.get(`/v1/customers/${lateComer.customerId}/history`, { type: 'OrderPlaced' });
      await crm.cancelOrder(lateComer.customerId, history.items[0].details.orderId);
      const gbp = (await crm.get('/v1/analytics/value-distribution')).currencies.GBP;
      expect(gbp).toMatchObject({ customers: 1, revenue: 0, margin: 0, tiers: { A: { customers: 0 }, C: { customers: 1, revenue: 0 } } });
      expect(gbp.top.every((x: { revenueShare: number }) => x.revenueShare === 0)).toBe(true);
    });

    it('rejects unknown query parameters', async () => {
      expect((await crm.read('/v1/analytics/value-distribution', { currency: 'EUR' })).status).toBe(400);
    });
  });
});
