/**
 * GET /v1/customers/:id (the customer 360) and GET /v1/customers/:id/lifetime-value.
 *
 * One company with a full history, every figure computed by hand below. The
 * clock stands at T0 = 2026-03-02T10:00Z; the customer was registered exactly
 * 365 days earlier.
 */
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { Crm, DAY, expectProblem, line, orderOf, T0 } from './helpers';

const UNKNOWN_ID = '11111111-1111-4111-8111-111111111111';

describe('customer 360 and lifetime value (memory engine)', () => {
  let t: TestApp;
  let crm: Crm;
  let acme: string;
  let bigSpender: string;
  let newcomer: string;
  let pilotDeal: string;
  let renewalDeal: string;

  beforeAll(async () => {
    t = await startTestApp({ engine: 'memory' });
    crm = new Crm(t);

    acme = await crm.register({
      kind: 'company',
      name: 'Acme Ltd',
      email: 'office@acme.example',
      phone: '+380441234567',
      address: { line1: 'Khreshchatyk 1', city: 'Kyiv', country: 'UA' },
      tags: ['Key-Account', 'wholesale'],
      owner: 'anna',
      occurredAt: '2025-03-02T10:00:00Z',
    });
    await crm.changeProfile(acme, { name: 'Acme Holdings', owner: 'boris', phone: null, occurredAt: '2025-03-03T10:00:00Z' });

    // contacts: two added, one removed
    const ivan = (await crm.command('post', `/v1/customers/${acme}/contacts`, { name: 'Ivan Petrenko', role: 'CFO', email: 'ivan@acme.example', occurredAt: '2025-03-04T10:00:00Z' })).body.ids
      .contactId;
    await crm.command('post', `/v1/customers/${acme}/contacts`, { name: 'Maria Shevchenko', role: 'Buyer', phone: '+380501112233', occurredAt: '2025-03-04T11:00:00Z' });
    await crm.command('delete', `/v1/customers/${acme}/contacts/${ivan}`);

    // consent granted, then withdrawn; preferred channel email, then phone
    await crm.command('put', `/v1/customers/${acme}/marketing-consent`, { granted: true, source: 'web form', occurredAt: '2025-03-05T12:00:00Z' });
    await crm.command('put', `/v1/customers/${acme}/marketing-consent`, { granted: false, source: 'call', occurredAt: '2025-11-01T09:30:00Z' });
    await crm.command('put', `/v1/customers/${acme}/preferred-channel`, { channel: 'email', occurredAt: '2025-03-05T12:00:00Z' });
    await crm.command('put', `/v1/customers/${acme}/preferred-channel`, { channel: 'phone', occurredAt: '2025-11-01T09:30:00Z' });

    // touchpoints, recorded out of business-time order
    await crm.touchpoint(acme, { type: 'call', direction: 'inbound', occurredAt: '2025-10-01T08:00:00Z' });
    await crm.touchpoint(acme, { type: 'email', direction: 'outbound', occurredAt: '2025-04-01T08:00:00Z' }); // first contact
    await crm.touchpoint(acme, { type: 'meeting', direction: 'outbound', occurredAt: '2026-02-20T15:00:00Z' }); // last contact
    await crm.touchpoint(acme, { type: 'call', channel: 'video', direction: 'inbound', occurredAt: '2025-12-15T08:00:00Z' });
    await crm.touchpoint(acme, { type: 'chat', direction: 'inbound', occurredAt: '2026-01-10T08:00:00Z' });

    // orders: SO-1 kept; SO-2 partly returned; SO-3 cancelled; SO-4 in another currency
    await crm.order(acme, { orderId: 'SO-1', currency: 'EUR', lines: [line('A', 2, 10_000, 6_000)], occurredAt: '2025-06-01T10:00:00Z' }); // 20 000 / cost 12 000
    await crm.order(acme, { orderId: 'SO-2', currency: 'EUR', lines: [line('A', 1, 5_000, 2_000), line('B', 4, 2_500, 1_000)], occurredAt: '2025-09-01T10:00:00Z' }); // 15 000 / 6 000
    await crm.returnOrder(acme, 'SO-2', [{ sku: 'B', quantity: 2 }], '2025-09-10T10:00:00Z'); // −5 000 / −2 000
    await crm.order(acme, { orderId: 'SO-3', ...orderOf('EUR', 30_000, 10_000), occurredAt: '2026-01-10T10:00:00Z' });
    await crm.cancelOrder(acme, 'SO-3', '2026-01-11T10:00:00Z');
    await crm.order(acme, { orderId: 'SO-4', ...orderOf('USD', 7_000, 3_000), occurredAt: '2026-02-01T10:00:00Z' });

    // complaints: one resolved, one escalated and open
    await crm.complaint(acme, { complaintId: 'CASE-1', category: 'delivery', severity: 'high', channel: 'phone', orderId: 'SO-1', occurredAt: '2025-06-05T10:00:00Z' });
    await crm.complaint(acme, { complaintId: 'CASE-2', category: 'billing', severity: 'low', channel: 'email', occurredAt: '2025-09-12T10:00:00Z' });
    await crm.resolve(acme, 'CASE-1', 4, '2025-06-07T10:00:00Z');
    await crm.escalate(acme, 'CASE-2', '2025-09-13T10:00:00Z');
    await crm.escalate(acme, 'CASE-2', '2025-09-14T10:00:00Z'); // level 2: not a second escalated complaint

    // deals: renewal moves to negotiation; add-on won; pilot re-priced
    renewalDeal = await crm.openDeal({ customerId: acme, title: 'Fleet renewal', amount: 500_000, currency: 'EUR', stage: 'proposal', expectedCloseDate: '2026-04-30', owner: 'boris' });
    const addOn = await crm.openDeal({ customerId: acme, title: 'Add-on', amount: 100_000, currency: 'EUR', expectedCloseDate: '2026-03-31', owner: 'boris' });
    pilotDeal = await crm.openDeal({ customerId: acme, title: 'Pilot', amount: 20_000, currency: 'USD', expectedCloseDate: '2026-06-30', owner: 'anna' });
    await crm.dealStage(renewalDeal, 'negotiation');
    await crm.winDeal(addOn, T0);
    await crm.dealAmount(pilotDeal, 25_000);

    // a second EUR customer who out-spends Acme, and one with no orders at all
    bigSpender = await crm.register({ kind: 'person', name: 'Big Spender', occurredAt: '2025-12-01T10:00:00Z' });
    await crm.order(bigSpender, { ...orderOf('EUR', 200_000, 150_000), occurredAt: '2026-02-15T10:00:00Z' });
    newcomer = await crm.register({ kind: 'person', name: 'New Comer', occurredAt: '2026-03-01T10:00:00Z' });
  });
  afterAll(() => t.close());

  /*
   * Acme's value, by hand:
   *   EUR: SO-1 20 000 (cost 12 000) + SO-2 15 000 − 5 000 returned (cost 6 000 − 2 000); SO-3 cancelled → 0
   *        revenue 30 000, cost 16 000, margin 14 000, 2 orders
   *   USD: SO-4 7 000, cost 3 000, margin 4 000, 1 order (primary currency stays EUR: the first order's)
   * Lifetime value at T0 (365 days of tenure, last counted EUR order 2025-09-01 → 182 days ago):
   *   2 purchase occasions: frequency = 2 / 365 × 365 = 2 per year; the customer's own interval between them is
   *   2025-06-01 → 2025-09-01 = 92 days, recency 182 > 92 → pActive = exp(−(182 − 92)/92) = 0.37596
   *   per occasion 30 000 / 2 = 15 000; predicted(365 d) = 15 000 × 2 × 1 × 0.37596 = 11 278.8 → 11 279;
   *   margin rate 14/30 → 5 263.5 → 5 264
   * Tier: EUR revenue 200 000 (Big Spender) + 30 000; Acme's share before it is 200/230 = 0.87 ≥ 0.8 → B.
   * RFM (2 EUR customers): recency 182 d vs 15 d → 1; frequency 2 vs 1 orders → 3; monetary 30 000 vs 200 000 → 1
   *   → "131": r ≤ 2 and f ≥ 3 → at_risk.
   */
  const acmeEur = { revenue: 30_000, cost: 16_000, margin: 14_000, orders: 2 };
  const acmeUsd = { revenue: 7_000, cost: 3_000, margin: 4_000, orders: 1 };

  it('GET /v1/customers/:id shows the whole 360, computed from the events', async () => {
    const body = await crm.get(`/v1/customers/${acme}`);
    expect(body).toEqual({
      customerId: acme,
      externalId: null,
      kind: 'company',
      name: 'Acme Holdings',
      email: 'office@acme.example',
      address: { line1: 'Khreshchatyk 1', city: 'Kyiv', country: 'UA' },
      tags: ['key-account', 'wholesale'],
      owner: 'boris',
      preferredChannel: 'phone',
      preferredChannelChangedAt: '2025-11-01T09:30:00.000Z',
      marketingConsent: { granted: false, source: 'call', changedAt: '2025-11-01T09:30:00.000Z' },
      contacts: [{ contactId: expect.any(String), name: 'Maria Shevchenko', role: 'Buyer', phone: '+380501112233' }],
      registeredAt: '2025-03-02T10:00:00.000Z',
      touchpoints: {
        total: 5,
        inbound: 3,
        outbound: 2,
        byChannel: { phone: 1, email: 1, in_person: 1, video: 1, chat: 1 },
        byType: { call: 2, email: 1, meeting: 1, chat: 1 },
      },
      firstContactAt: '2025-04-01T08:00:00.000Z',
      lastContactAt: '2026-02-20T15:00:00.000Z',
      // the contact removal and the deal commands happen "now"
      lastActivityAt: T0,
      complaints: { filed: 2, open: 1, resolved: 1, escalated: 1, openIds: ['CASE-2'] },
      deals: {
        openCount: 2,
        won: 1,
        lost: 0,
        open: {
          [renewalDeal]: { amount: 500_000, currency: 'EUR', stage: 'negotiation', title: 'Fleet renewal' },
          [pilotDeal]: { amount: 25_000, currency: 'USD', stage: 'lead', title: 'Pilot' },
        },
      },
      orders: { placed: 4, cancelled: 1, withReturns: 1 },
      // No tasks and no invoices yet: the figures are zeros and nulls, never absent.
      tasks: { open: 0, overdue: 0, nextDueAt: null },
      payments: {
        invoices: 0,
        openInvoices: 0,
        outstanding: {},
        overdueInvoices: 0,
        overdueAmount: {},
        daysOverdue: 0,
        paid: 0,
        averageDaysToPay: null,
        paidLateShare: null,
        writtenOff: 0,
        writtenOffAmount: {},
        reliability: null,
        asOf: T0,
        method: expect.stringContaining('reliability = invoices paid in full by the end of their due date'),
      },
      value: { currency: 'EUR', revenue: 30_000, margin: 14_000, orders: 2 },
      // predictedValue: what lists sort by; no model is fitted here, so the heuristic's 365-day prediction
      segment: { tier: 'B', rfm: { recency: 1, frequency: 3, monetary: 1, code: '131', segment: 'at_risk' }, predictedValue: 11_279, predictedBy: 'heuristic' },
      lifetimeValue: {
        customerId: acme,
        asOf: T0,
        currency: 'EUR',
        ...{ revenue: 30_000, cost: 16_000, grossMargin: 14_000, orders: 2 },
        purchaseOccasions: 2,
        averageOrderValue: 15_000,
        firstOrderAt: '2025-06-01T10:00:00.000Z',
        lastOrderAt: '2025-09-01T10:00:00.000Z',
        tenureDays: 365,
        recencyDays: 182,
        purchaseFrequencyPerYear: 2,
        pActive: 0.376,
        horizonDays: 365,
        predictedRevenue: 11_279,
        predictedMargin: 5_264,
        // 2/yr × 0.37596
        predictedPurchases: 0.75,
        method: 'heuristic',
        byCurrency: { EUR: acmeEur, USD: acmeUsd },
        predicted: { method: 'heuristic', reason: 'no model fitted for EUR with data up to 2026-03-02 (POST /v1/analytics/lifetime-value/fits)', horizonDays: 365, revenue: 11_279, margin: 5_264, purchases: 0.75, pAlive: 0.376 },
      },
      projectedThrough: expect.any(Number),
    });
  });

  it('keeps internals (order book, positions) out of the 360', async () => {
    const body = await crm.get(`/v1/customers/${acme}`);
    for (const internal of ['_id', '_position', 'orderBook', 'valueByCurrency']) expect(body).not.toHaveProperty(internal);
    expect(body.projectedThrough).toBeLessThanOrEqual(crm.position);
  });

  it('ranks the bigger spender A and gives a customer without orders tier C and no RFM', async () => {
    expect((await crm.get(`/v1/customers/${bigSpender}`)).segment).toEqual({
      tier: 'A',
      rfm: { recency: 3, frequency: 1, monetary: 3, code: '313', segment: 'needs_attention' },
      // one order of 200 000 two weeks after a 91-day tenure: the heuristic extrapolates 365/91 × 200 000 = 802 198
      predictedValue: 802_198,
      predictedBy: 'heuristic',
    });
    const fresh = await crm.get(`/v1/customers/${newcomer}`);
    expect(fresh).toMatchObject({
      segment: { tier: 'C', rfm: null, predictedValue: null, predictedBy: null },
      value: { currency: '', revenue: 0, margin: 0, orders: 0 },
      touchpoints: { total: 0, inbound: 0, outbound: 0, byChannel: {}, byType: {} },
      firstContactAt: null,
      lastContactAt: null,
      lastActivityAt: '2026-03-01T10:00:00.000Z',
      preferredChannel: null,
      marketingConsent: { granted: null },
      contacts: [],
      deals: { openCount: 0, won: 0, lost: 0, open: {} },
    });
    expect(fresh.lifetimeValue).toEqual({
      customerId: newcomer,
      asOf: T0,
      currency: '',
      revenue: 0,
      cost: 0,
      grossMargin: 0,
      orders: 0,
      purchaseOccasions: 0,
      averageOrderValue: 0,
      firstOrderAt: null,
      lastOrderAt: null,
      tenureDays: 1,
      recencyDays: null,
      purchaseFrequencyPerYear: 0,
      pActive: 0,
      horizonDays: 365,
      predictedRevenue: 0,
      predictedMargin: 0,
      predictedPurchases: 0,
      method: 'heuristic',
      byCurrency: {},
      predicted: { method: 'heuristic', reason: 'the customer has no order yet', horizonDays: 365, revenue: 0, margin: 0, purchases: 0, pAlive: 0 },
    });
  });

  it('accepts the id in upper case', async () => {
    expect((await crm.get(`/v1/customers/${acme.toUpperCase()}`)).customerId).toBe(acme);
  });

  it.each(['', '/lifetime-value'])('GET /v1/customers/<unknown>%s → 404 after waiting for the latest write', async (suffix) => {
    const res = await crm.read(`/v1/customers/${UNKNOWN_ID}${suffix}`);
    expectProblem(res, 404, [], 'not_found');
    expect(res.body.detail).toContain(UNKNOWN_ID);
  });

  it.each(['not-a-uuid', '123', '00000000-0000-4000-8000-00000000000g', "x' OR '1'='1"])('GET /v1/customers/%s → 400 naming path:id', async (bad) => {
    for (const suffix of ['', '/history', '/lifetime-value']) {
      expectProblem(await request(t.http).get(`/v1/customers/${encodeURIComponent(bad)}${suffix}`), 400, ['path:id'], 'validation_failed');
    }
  });

  describe('GET /v1/customers/:id/lifetime-value', () => {
    const ltv = (horizonDays: number, predictedRevenue: number, predictedMargin: number, predictedPurchases: number) => ({
      customerId: acme,
      asOf: T0,
      currency: 'EUR',
      revenue: 30_000,
      cost: 16_000,
      grossMargin: 14_000,
      orders: 2,
      purchaseOccasions: 2,
      averageOrderValue: 15_000,
      firstOrderAt: '2025-06-01T10:00:00.000Z',
      lastOrderAt: '2025-09-01T10:00:00.000Z',
      tenureDays: 365,
      recencyDays: 182,
      purchaseFrequencyPerYear: 2,
      pActive: 0.376,
      horizonDays,
      predictedRevenue,
      predictedMargin,
      predictedPurchases,
      method: 'heuristic',
      byCurrency: { EUR: acmeEur, USD: acmeUsd },
      predicted: { method: 'heuristic', reason: 'no model fitted for EUR with data up to 2026-03-02 (POST /v1/analytics/lifetime-value/fits)', horizonDays, revenue: predictedRevenue, margin: predictedMargin, purchases: predictedPurchases, pAlive: 0.376 },
    });

    it('defaults to the configured 365-day horizon and equals the 360 figure', async () => {
      const body = await crm.get(`/v1/customers/${acme}/lifetime-value`);
      expect(body).toEqual(ltv(365, 11_279, 5_264, 0.75));
      expect(body).toEqual((await crm.get(`/v1/customers/${acme}`)).lifetimeValue);
    });

    it.each([
      // 15 000 × 2/yr × h/365 × pActive 0.37596; margin × 14/30; purchases 2 × h/365 × 0.37596
      [90, 2_781, 1_298, 0.19],
      [1, 31, 14, 0],
      [3650, 112_789, 52_635, 7.52],
    ])('horizonDays=%i → predicted revenue %i, margin %i', async (horizonDays, revenue, margin, purchases) => {
      expect(await crm.get(`/v1/customers/${acme}/lifetime-value`, { horizonDays })).toEqual(ltv(horizonDays, revenue, margin, purchases));
    });

    it.each(['0', '3651', '-5', 'abc', '1.5'])('horizonDays=%s → 400 naming horizonDays', async (value) => {
      expectProblem(await crm.read(`/v1/customers/${acme}/lifetime-value`, { horizonDays: value }), 400, ['horizonDays'], 'validation_failed');
    });

    it('rejects unknown query parameters', async () => {
      expectProblem(await crm.read(`/v1/customers/${acme}/lifetime-value`, { horizon: 90 }), 400, ['horizon']);
      expectProblem(await crm.read(`/v1/customers/${acme}`, { fields: 'name' }), 400, ['fields']);
    });

    // last: moves the clock
    it('ages with the clock: 60 days later recency is further past the interval and pActive falls', async () => {
      t.clock.advance(60 * DAY);
      const asOf = new Date(Date.parse(T0) + 60 * DAY).toISOString();
      /*
       * tenure 425 d, recency 242 d; frequency = 2/425 × 365 = 1.7176 (1.72); interval 92 d
       * pActive = exp(−(242 − 92)/92) = 0.1958; predicted(365) = 15 000 × 1.7176 × 0.1958 = 5 046; × 14/30 = 2 355
       */
      const body = await crm.get(`/v1/customers/${acme}/lifetime-value`);
      expect(body).toMatchObject({ asOf, tenureDays: 425, recencyDays: 242, purchaseFrequencyPerYear: 1.72, pActive: 0.196, predictedRevenue: 5_046, predictedMargin: 2_355 });
      expect(await crm.get(`/v1/customers/${acme}/lifetime-value`, { horizonDays: 30 })).toMatchObject({ predictedRevenue: 415, predictedMargin: 194 });
      expect((await crm.get(`/v1/customers/${acme}`)).lifetimeValue).toEqual(body);
    });
  });
});

describe('customer 360: primary currency (memory engine)', () => {
  let t: TestApp;
  let crm: Crm;
  beforeAll(async () => {
    t = await startTestApp({ engine: 'memory' });
    crm = new Crm(t);
  });
  afterAll(() => t.close());

  it.each([
    ['cancelled', (id: string, orderId: string) => crm.cancelOrder(id, orderId, '2025-01-02T00:00:00Z')],
    ['fully returned', (id: string, orderId: string) => crm.returnOrder(id, orderId, undefined, '2025-01-02T00:00:00Z')],
  ])('is that of the earliest order that still counts: a %s first order in USD does not hide the EUR value', async (_fate, undo) => {
    const id = await crm.register({ kind: 'person', name: 'Currency Switcher', occurredAt: '2024-12-01T00:00:00Z' });
    const first = await crm.order(id, { ...orderOf('USD', 1_000, 100), occurredAt: '2025-01-01T00:00:00Z' });
    await undo(id, first);
    await crm.order(id, { ...orderOf('EUR', 50_000, 20_000), occurredAt: '2025-02-01T00:00:00Z' });
    const body = await crm.get(`/v1/customers/${id}`);
    expect(body.value).toEqual({ currency: 'EUR', revenue: 50_000, margin: 30_000, orders: 1 });
    expect(body.lifetimeValue).toMatchObject({ currency: 'EUR', revenue: 50_000, orders: 1, firstOrderAt: '2025-02-01T00:00:00.000Z' });
    const { items } = await crm.get('/v1/customers', { currency: 'EUR' });
    expect(items.map((i: { customerId: string }) => i.customerId)).toContain(id);
  });
});
