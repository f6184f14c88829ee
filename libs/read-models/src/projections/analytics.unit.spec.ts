import type { CustomerEvent } from '@touchpoint/domain';
import { expectedPurchases } from '@touchpoint/value-models';
import {
  DEFAULT_SEGMENTATION,
  evolveCustomer360,
  lifetimeValue,
  rfmSegment,
  segmentCustomers,
  VALUE_DISTRIBUTION_ID,
  type CustomerDoc,
  type ProjectedEvent,
  type SegmentationResult,
} from '@touchpoint/read-models';

// ---------------------------------------------------------------- helpers

const AS_OF = '2026-06-30T00:00:00.000Z';
const DAY = 86_400_000;
const day = (iso: string) => `${iso}T00:00:00.000Z`;
const daysBefore = (iso: string, days: number) => new Date(Date.parse(day(iso)) - days * DAY).toISOString();

/** Wraps domain events into the projector's envelope with increasing log positions. */
function logOf() {
  let position = 0;
  return (event: CustomerEvent): ProjectedEvent => {
    position += 1;
    return {
      ...event,
      eventId: `evt-${position}`,
      streamId: `customer-${event.data.customerId}`,
      streamRevision: position - 1,
      globalPosition: position,
      recordedAt: AS_OF,
      metadata: { actor: 'import', correlationId: `corr-${position}`, causationId: `cmd-${position}` },
    } as ProjectedEvent;
  };
}

/**
 * A customer 360 document built the way the projector builds it: registration,
 * then `orders` orders that add up to `revenue`/`cost`, the last one on `last`
 * and the others 30 days apart before it.
 */
function customer(id: string, spec?: { currency: string; revenue: number; cost: number; orders: number; last: string }): CustomerDoc {
  const wrap = logOf();
  const events: CustomerEvent[] = [{ type: 'CustomerRegistered', data: { customerId: id, kind: 'person', name: id, tags: [], occurredAt: day('2024-01-01') } }];
  if (spec) {
    for (let i = 0; i < spec.orders; i++) {
      const isLast = i === spec.orders - 1;
      const total = isLast ? spec.revenue - Math.floor(spec.revenue / spec.orders) * (spec.orders - 1) : Math.floor(spec.revenue / spec.orders);
      const cost = isLast ? spec.cost - Math.floor(spec.cost / spec.orders) * (spec.orders - 1) : Math.floor(spec.cost / spec.orders);
      events.push({
        type: 'OrderPlaced',
        data: {
          customerId: id,
          orderId: `${id}-o${i + 1}`,
          currency: spec.currency,
          lines: [{ sku: 'SKU', quantity: 1, unitPrice: total, unitCost: cost }],
          total,
          cost,
          occurredAt: daysBefore(spec.last, 30 * (spec.orders - 1 - i)),
        },
      });
    }
  }
  const doc = events.map(wrap).reduce<CustomerDoc | undefined>((d, e) => evolveCustomer360(d, e), undefined);
  if (!doc) throw new Error('expected a document');
  return doc;
}

/**
 * Pareto-shaped: ten EUR customers where c01 and c02 bring 80 % of the revenue,
 * two USD customers, two customers who never ordered.
 *
 *        revenue  cost     orders last order   days before AS_OF
 *   c01  500 000  400 000  5      2026-06-20    10
 *   c02  300 000  150 000  4      2026-06-10    20
 *   c03   50 000   25 000  3      2026-05-31    30
 *   c04   50 000   25 000  3      2026-05-01    60
 *   c05   20 000   10 000  2      2026-04-01    90
 *   c06   20 000   10 000  2      2026-04-01    90
 *   c07   20 000   10 000  1      2026-06-25     5
 *   c08   20 000   10 000  1      2025-12-30   182
 *   c09   10 000    5 000  1      2025-06-30   365
 *   c10   10 000    5 000  1      2025-06-30   365
 *   u1      1 000      400  1 USD 2026-06-01    29
 *   u2      9 000    3 000  1 USD 2026-03-01   121
 */
const eur = (revenue: number, cost: number, orders: number, last: string) => ({ currency: 'EUR', revenue, cost, orders, last });
const CUSTOMERS: CustomerDoc[] = [
  customer('c01', eur(500_000, 400_000, 5, '2026-06-20')),
  customer('c02', eur(300_000, 150_000, 4, '2026-06-10')),
  customer('c03', eur(50_000, 25_000, 3, '2026-05-31')),
  customer('c04', eur(50_000, 25_000, 3, '2026-05-01')),
  customer('c05', eur(20_000, 10_000, 2, '2026-04-01')),
  customer('c06', eur(20_000, 10_000, 2, '2026-04-01')),
  customer('c07', eur(20_000, 10_000, 1, '2026-06-25')),
  customer('c08', eur(20_000, 10_000, 1, '2025-12-30')),
  customer('c09', eur(10_000, 5_000, 1, '2025-06-30')),
  customer('c10', eur(10_000, 5_000, 1, '2025-06-30')),
  customer('u1', { currency: 'USD', revenue: 1_000, cost: 400, orders: 1, last: '2026-06-01' }),
  customer('u2', { currency: 'USD', revenue: 9_000, cost: 3_000, orders: 1, last: '2026-03-01' }),
  customer('n1'),
  customer('n2'),
];

const rfm = (code: string, segment: string) => ({ recency: Number(code[0]), frequency: Number(code[1]), monetary: Number(code[2]), code, segment });
const sortedSegments = (r: SegmentationResult) => [...r.segments.entries()].sort(([a], [b]) => (a < b ? -1 : 1));

// ---------------------------------------------------------------- tests

describe('segmentCustomers', () => {
  it('builds the fixture it is meant to (revenue, margin, orders per customer)', () => {
    expect(CUSTOMERS.map((c) => [c._id, c.value.currency, c.value.revenue, c.value.margin, c.value.orders])).toEqual([
      ['c01', 'EUR', 500_000, 100_000, 5],
      ['c02', 'EUR', 300_000, 150_000, 4],
      ['c03', 'EUR', 50_000, 25_000, 3],
      ['c04', 'EUR', 50_000, 25_000, 3],
      ['c05', 'EUR', 20_000, 10_000, 2],
      ['c06', 'EUR', 20_000, 10_000, 2],
      ['c07', 'EUR', 20_000, 10_000, 1],
      ['c08', 'EUR', 20_000, 10_000, 1],
      ['c09', 'EUR', 10_000, 5_000, 1],
      ['c10', 'EUR', 10_000, 5_000, 1],
      ['u1', 'USD', 1_000, 600, 1],
      ['u2', 'USD', 9_000, 6_000, 1],
      ['n1', '', 0, 0, 0],
      ['n2', '', 0, 0, 0],
    ]);
  });

  describe('tiers (ABC by cumulative revenue share before the customer)', () => {
    it('uses 80/95 by default: whoever starts below 80 % is A, below 95 % is B, the rest C', () => {
      const { segments } = segmentCustomers(CUSTOMERS, AS_OF);
      const tiers = Object.fromEntries([...segments].map(([id, s]) => [id, s.tier]));
      expect(tiers).toEqual({
        c01: 'A', // 0 % before
        c02: 'A', // 50 %
        c03: 'B', // 80 % — not below 80
        c04: 'B', // 85 %
        c05: 'B', // 90 %
        c06: 'B', // 92 %
        c07: 'B', // 94 %
        c08: 'C', // 96 %
        c09: 'C', // 98 %
        c10: 'C', // 99 %
        u2: 'A', // USD ranked on its own: 0 %
        u1: 'B', // 90 % of USD
        n1: 'C',
        n2: 'C',
      });
    });

    it('takes custom cut-offs', () => {
      const { segments, distribution } = segmentCustomers(CUSTOMERS, AS_OF, { tierCutoffs: { A: 0.5, B: 0.9 } });
      const tierOf = (id: string) => segments.get(id)?.tier;
      expect(['c01', 'c02', 'c03', 'c04', 'c05', 'c06', 'c07', 'c08', 'c09', 'c10'].map(tierOf)).toEqual(['A', 'B', 'B', 'B', 'C', 'C', 'C', 'C', 'C', 'C']);
      expect([tierOf('u2'), tierOf('u1')]).toEqual(['A', 'C']);
      expect(distribution.currencies.EUR.tiers).toEqual({ A: { customers: 1, revenue: 500_000 }, B: { customers: 3, revenue: 400_000 }, C: { customers: 6, revenue: 100_000 } });
    });

    it('puts customers with zero net revenue in C even at the top of their currency', () => {
      const wrap = logOf();
      const returnedAll = [
        { type: 'CustomerRegistered', data: { customerId: 'z', kind: 'person', name: 'z', tags: [], occurredAt: day('2026-01-01') } },
        { type: 'OrderPlaced', data: { customerId: 'z', orderId: 'o', currency: 'PLN', lines: [], total: 500, cost: 100, occurredAt: day('2026-02-01') } },
        { type: 'OrderReturned', data: { customerId: 'z', orderId: 'o', currency: 'PLN', lines: [], refund: 500, costReversed: 100, occurredAt: day('2026-02-02') } },
      ] as CustomerEvent[];
      const z = returnedAll.map(wrap).reduce<CustomerDoc | undefined>((d, e) => evolveCustomer360(d, e), undefined)!;
      const { segments, distribution } = segmentCustomers([z], AS_OF);
      expect(segments.get('z')?.tier).toBe('C');
      expect(distribution.currencies.PLN).toMatchObject({ customers: 1, revenue: 0, tiers: { A: { customers: 0, revenue: 0 }, B: { customers: 0, revenue: 0 }, C: { customers: 1, revenue: 0 } } });
      expect(distribution.currencies.PLN.top.every((t) => t.revenueShare === 0 && t.marginShare === 0)).toBe(true);
    });
  });

  it('gives customers without orders tier C and no RFM, and counts them apart', () => {
    const { segments, distribution } = segmentCustomers(CUSTOMERS, AS_OF);
    expect(segments.get('n1')).toEqual({ tier: 'C', rfm: null, predictedValue: null, predictedBy: null });
    expect(segments.get('n2')).toEqual({ tier: 'C', rfm: null, predictedValue: null, predictedBy: null });
    expect(distribution.customersWithoutOrders).toBe(2);
    expect(Object.keys(distribution.currencies)).toEqual(['EUR', 'USD']);
  });

  it('reports the value distribution per currency: top 1/5/10/20/50 % shares and tier totals', () => {
    const { distribution } = segmentCustomers(CUSTOMERS, AS_OF);
    expect(distribution).toEqual({
      _id: VALUE_DISTRIBUTION_ID,
      _position: 0,
      asOf: AS_OF,
      customersWithoutOrders: 2,
      currencies: {
        EUR: {
          customers: 10,
          revenue: 1_000_000,
          margin: 350_000,
          top: [
            // top 1 %, 5 %, 10 % of ten customers is still one customer: c01 = 500 000 of 1 000 000, margin 100 000 of 350 000
            { percent: 1, customers: 1, revenueShare: 0.5, marginShare: 0.2857 },
            { percent: 5, customers: 1, revenueShare: 0.5, marginShare: 0.2857 },
            { percent: 10, customers: 1, revenueShare: 0.5, marginShare: 0.2857 },
            // c01 + c02: 800 000, margin 250 000
            { percent: 20, customers: 2, revenueShare: 0.8, marginShare: 0.7143 },
            // c01..c05: 920 000, margin 310 000
            { percent: 50, customers: 5, revenueShare: 0.92, marginShare: 0.8857 },
          ],
          curve: expect.any(Array),
          segments: expect.any(Object),
          rfmGrid: expect.any(Array),
          tiers: { A: { customers: 2, revenue: 800_000 }, B: { customers: 5, revenue: 160_000 }, C: { customers: 3, revenue: 40_000 } },
        },
        USD: {
          customers: 2,
          revenue: 10_000,
          margin: 6_600,
          top: [1, 5, 10, 20, 50].map((percent) => ({ percent, customers: 1, revenueShare: 0.9, marginShare: 0.9091 })),
          curve: expect.any(Array),
          segments: expect.any(Object),
          rfmGrid: expect.any(Array),
          tiers: { A: { customers: 1, revenue: 9_000 }, B: { customers: 1, revenue: 1_000 }, C: { customers: 0, revenue: 0 } },
        },
      },
    });
  });

  it('draws the concentration curve: revenue share of the top p % for p = 0…100, agreeing with the top shares', () => {
    const { EUR, USD } = segmentCustomers(CUSTOMERS, AS_OF).distribution.currencies;
    // ten customers: the top p % is the first ⌈p/10⌉ of them; running revenue 500k, 800k, 850k, 900k, 920k, …, 1 000k
    const running = [0, 500_000, 800_000, 850_000, 900_000, 920_000, 940_000, 960_000, 980_000, 990_000, 1_000_000];
    expect(EUR.curve).toHaveLength(101);
    expect(EUR.curve.map((point) => point.percent)).toEqual(Array.from({ length: 101 }, (_, p) => p));
    expect(EUR.curve.map((point) => point.revenueShare)).toEqual(Array.from({ length: 101 }, (_, p) => running[Math.ceil(p / 10)] / 1_000_000));
    for (const t of EUR.top) expect(EUR.curve[t.percent].revenueShare).toBe(t.revenueShare);
    expect(USD.curve[0].revenueShare).toBe(0);
    expect(USD.curve.slice(1, 51).every((point) => point.revenueShare === 0.9)).toBe(true);
    expect(USD.curve[100].revenueShare).toBe(1);
  });

  it('counts customers in the RFM grid (recency × frequency) and by segment, as each customer was scored', () => {
    const { segments, distribution } = segmentCustomers(CUSTOMERS, AS_OF);
    for (const [currency, d] of Object.entries(distribution.currencies)) {
      const scored = CUSTOMERS.filter((c) => c.value.currency === currency).map((c) => segments.get(c._id)!.rfm!);
      const grid = Array.from({ length: 5 }, (_, r) => Array.from({ length: 5 }, (_, f) => scored.filter((x) => x.recency === r + 1 && x.frequency === f + 1).length));
      expect(d.rfmGrid).toEqual(grid);
      expect(d.rfmGrid.flat().reduce((a, b) => a + b, 0)).toBe(d.customers);
      const names = [...new Set(scored.map((x) => x.segment))].sort();
      expect(Object.keys(d.segments)).toEqual(names);
      for (const name of names) {
        const members = CUSTOMERS.filter((c) => c.value.currency === currency && segments.get(c._id)!.rfm!.segment === name);
        expect(d.segments[name]).toEqual({ customers: members.length, revenue: members.reduce((sum, c) => sum + c.value.revenue, 0) });
      }
    }
    // c01 is a champion (555): recency 5, frequency 5
    expect(distribution.currencies.EUR.rfmGrid[4][4]).toBeGreaterThanOrEqual(1);
    expect(distribution.currencies.EUR.segments.champions.customers).toBe(3);
  });

  it('scores RFM by quintile within the currency (ties share the score of their first rank) and labels the segment', () => {
    const { segments } = segmentCustomers(CUSTOMERS, AS_OF);
    const rfmOf = (id: string) => segments.get(id)?.rfm;
    // ten customers: ranks 0–1 → 1, 2–3 → 2, 4–5 → 3, 6–7 → 4, 8–9 → 5 (worst first)
    expect(rfmOf('c01')).toEqual(rfm('555', 'champions'));
    expect(rfmOf('c02')).toEqual(rfm('455', 'champions'));
    expect(rfmOf('c03')).toEqual(rfm('444', 'champions'));
    expect(rfmOf('c04')).toEqual(rfm('344', 'loyal'));
    // c05 and c06 tie on all three: recency 90 days shares rank 3 → 2; two orders share rank 4 → 3; 20 000 shares rank 2 → 2
    expect(rfmOf('c05')).toEqual(rfm('232', 'at_risk'));
    expect(rfmOf('c06')).toEqual(rfm('232', 'at_risk'));
    expect(rfmOf('c07')).toEqual(rfm('512', 'new'));
    expect(rfmOf('c08')).toEqual(rfm('212', 'hibernating'));
    expect(rfmOf('c09')).toEqual(rfm('111', 'hibernating'));
    expect(rfmOf('c10')).toEqual(rfm('111', 'hibernating'));
    // two USD customers: ranks 0 → 1, 1 → 3; both have one order (tie → 1)
    expect(rfmOf('u1')).toEqual(rfm('311', 'needs_attention'));
    expect(rfmOf('u2')).toEqual(rfm('113', 'hibernating'));
  });

  it('gives every customer the lowest score when all are equal', () => {
    const same = ['a', 'b', 'c', 'd', 'e'].map((id) => customer(id, eur(1_000, 500, 2, '2026-06-01')));
    const { segments } = segmentCustomers(same, AS_OF);
    expect([...segments.values()].map((s) => s.rfm?.code)).toEqual(['111', '111', '111', '111', '111']);
    expect([...segments.values()].map((s) => s.tier)).toEqual(['A', 'A', 'A', 'A', 'B']); // 0, 20, 40, 60 % before → A; 80 % → B
  });

  it('is deterministic: the same customers in any order give the same result', () => {
    const first = segmentCustomers(CUSTOMERS, AS_OF);
    const again = segmentCustomers(CUSTOMERS, AS_OF);
    const reversed = segmentCustomers([...CUSTOMERS].reverse(), AS_OF);
    const shuffled = segmentCustomers([7, 2, 11, 0, 13, 5, 9, 1, 12, 3, 8, 10, 4, 6].map((i) => CUSTOMERS[i]), AS_OF);
    for (const other of [again, reversed, shuffled]) {
      expect(sortedSegments(other)).toEqual(sortedSegments(first));
      expect(other.distribution).toEqual(first.distribution);
    }
  });

  it('does not change the customer documents', () => {
    const copy = structuredClone(CUSTOMERS);
    segmentCustomers(CUSTOMERS, AS_OF, DEFAULT_SEGMENTATION);
    expect(CUSTOMERS).toEqual(copy);
  });

  it('returns an empty distribution for no customers', () => {
    const { segments, distribution } = segmentCustomers([], AS_OF);
    expect(segments.size).toBe(0);
    expect(distribution).toEqual({ _id: VALUE_DISTRIBUTION_ID, _position: 0, asOf: AS_OF, currencies: {}, customersWithoutOrders: 0 });
  });
});

describe('rfmSegment', () => {
  it.each([
    [5, 5, 5, 'champions'],
    [4, 4, 4, 'champions'],
    [5, 1, 5, 'new'],
    [4, 1, 1, 'new'],
    [2, 4, 5, 'cannot_lose'],
    [1, 5, 1, 'cannot_lose'],
    [2, 3, 3, 'at_risk'],
    [1, 3, 5, 'at_risk'],
    [2, 2, 2, 'hibernating'],
    [1, 1, 1, 'hibernating'],
    [3, 4, 1, 'loyal'],
    [4, 4, 3, 'loyal'],
    [5, 5, 3, 'loyal'],
    [3, 2, 5, 'potential_loyalist'],
    [4, 3, 2, 'potential_loyalist'],
    [5, 2, 5, 'potential_loyalist'],
    [3, 1, 5, 'needs_attention'],
    [3, 1, 1, 'needs_attention'],
  ])('R%i F%i M%i → %s', (r, f, m, segment) => {
    expect(rfmSegment(r, f, m)).toBe(segment);
  });
});

describe('segmentCustomers: predicted value', () => {
  // c1: 4 orders 30 days apart, last on 2026-06-20, 100 000 in all (25 000 each); c2 the same in USD.
  const c1 = customer('c1', { currency: 'EUR', revenue: 100_000, cost: 40_000, orders: 4, last: '2026-06-20' });
  const c2 = customer('c2', { currency: 'USD', revenue: 100_000, cost: 40_000, orders: 4, last: '2026-06-20' });
  const fit = { fitId: 'fit-1', unitDays: 7, params: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, p: 6.25, q: 3.74, gamma: 1544 } };

  it('uses the fit of the customer’s currency, and the heuristic where there is none', () => {
    const { segments } = segmentCustomers([c1, c2], AS_OF, { ...DEFAULT_SEGMENTATION, fits: { EUR: fit } });
    // By hand: x = 3 repeat days, t_x = 90/7, T = 100/7 weeks (first order 2026-03-22, asOf 2026-06-30), m = 25 000;
    // revenue = E[X(365/7) | x, t_x, T] × E[spend | x, m] (libs/value-models, FHL 2005 eq. 10 and F&H 2013).
    const bgnbd = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    const spend = (6.25 * (1544 + 3 * 25_000)) / (6.25 * 3 + 3.74 - 1);
    const expected = Math.round(expectedPurchases(bgnbd, 365 / 7, 3, 90 / 7, 100 / 7) * spend);
    expect(segments.get('c1')).toMatchObject({ predictedValue: expected, predictedBy: 'bg_nbd_gamma_gamma' });
    expect(segments.get('c2')).toMatchObject({ predictedValue: lifetimeValue(c2, AS_OF, { horizonDays: 365 }).predictedRevenue, predictedBy: 'heuristic' });
  });

  it('reuses a memoised value while the customer, the fit and the day are unchanged', () => {
    const memo = new Map<string, { key: string; value: number; by: 'bg_nbd_gamma_gamma' | 'heuristic' }>();
    segmentCustomers([c1], AS_OF, { ...DEFAULT_SEGMENTATION, fits: { EUR: fit }, memo });
    const key = memo.get('c1')!.key;
    memo.set('c1', { key, value: 42, by: 'bg_nbd_gamma_gamma' });
    expect(segmentCustomers([c1], AS_OF, { ...DEFAULT_SEGMENTATION, fits: { EUR: fit }, memo }).segments.get('c1')!.predictedValue).toBe(42);
    // another fit: computed again
    expect(segmentCustomers([c1], AS_OF, { ...DEFAULT_SEGMENTATION, fits: { EUR: { ...fit, fitId: 'fit-2' } }, memo }).segments.get('c1')!.predictedValue).not.toBe(42);
  });
});

describe('segmentCustomers: tiers by predicted value (TOUCHPOINT_TIER_BY=predicted)', () => {
  it('ranks by predicted value: a big spender who stopped long ago falls behind a steady recent buyer', () => {
    // gone: 600 000 in 2 orders 30 days apart, the last 500 days ago; steady: 60 000 in 6 orders monthly, the last 5 days ago
    const gone = customer('gone', { currency: 'EUR', revenue: 600_000, cost: 0, orders: 2, last: '2025-02-15' });
    const steady = customer('steady', { currency: 'EUR', revenue: 60_000, cost: 0, orders: 6, last: '2026-06-25' });
    const byRevenue = segmentCustomers([gone, steady], AS_OF, DEFAULT_SEGMENTATION).segments;
    expect([byRevenue.get('gone')!.tier, byRevenue.get('steady')!.tier]).toEqual(['A', 'B']);
    const byPredicted = segmentCustomers([gone, steady], AS_OF, { ...DEFAULT_SEGMENTATION, tierBy: 'predicted' }).segments;
    // heuristic: gone's pActive = exp(−(500 − 30)/30) ≈ 0, steady's = 1, so steady holds all the predicted value
    expect(byPredicted.get('gone')!.predictedValue).toBe(0);
    expect([byPredicted.get('gone')!.tier, byPredicted.get('steady')!.tier]).toEqual(['C', 'A']);
  });
});
