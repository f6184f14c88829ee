/**
 * GET /v1/pipeline/forecast: open deals bucketed by expected close period,
 * owner and stage, weighted by the default stage probabilities
 * (lead .1, qualified .25, proposal .5, negotiation .75); win rates per
 * stage; won/lost totals per period; currencies never summed together.
 * Every figure below is worked out by hand from the deals opened here.
 */
import { startTestApp, type TestApp } from '../support/app';
import { Crm, expectProblem, type DealSpec, type Query } from './helpers';

const OPENED = '2025-12-01T10:00:00Z';
const PROBABILITIES = { lead: 0.1, qualified: 0.25, proposal: 0.5, negotiation: 0.75 };

const cell = (period: string, currency: string, count: number, amount: number, weightedAmount: number) => ({ period, currency, count, amount, weightedAmount });
const outcome = (period: string, currency: string, won: [number, number], lost: [number, number]) => ({
  period,
  currency,
  won: { count: won[0], amount: won[1] },
  lost: { count: lost[0], amount: lost[1] },
});

describe('pipeline forecast (memory engine)', () => {
  let t: TestApp;
  let crm: Crm;

  beforeAll(async () => {
    t = await startTestApp({ engine: 'memory' });
    crm = new Crm(t);
  });
  afterAll(() => t.close());

  const forecast = (query: Query = {}) => crm.get('/v1/pipeline/forecast', query);

  it('is empty, with no win rates, before any deal', async () => {
    const { asOf, forecasts, ...legacy } = await forecast();
    expect(asOf).toEqual({ day: null, position: 0 });
    expect(forecasts).toMatchObject({ byPeriod: [], byPeriodOwner: [], byPeriodStage: [], teamSubmissions: [] });
    expect(legacy).toEqual({
      period: 'month',
      stageProbabilities: PROBABILITIES,
      byPeriod: [],
      byPeriodOwner: [],
      byPeriodStage: [],
      totals: [],
      winRates: Object.keys(PROBABILITIES).map((stage) => ({ stage, won: 0, lost: 0, winRate: null })),
      closed: [],
    });
  });

  describe('with open and closed deals in EUR and USD', () => {
    beforeAll(async () => {
      const customerId = await crm.register({ kind: 'company', name: 'Pipeline Co', occurredAt: '2025-11-01T10:00:00Z' });
      const open = (spec: Omit<DealSpec, 'customerId' | 'occurredAt'>) => crm.openDeal({ customerId, occurredAt: OPENED, ...spec });

      // ---- open deals (weighted = round(amount × p(stage)))
      await open({ title: 'd1', owner: 'anna', amount: 100_000, currency: 'EUR', stage: 'lead', expectedCloseDate: '2026-03-15' }); // 10 000
      const d2 = await open({ title: 'd2', owner: 'anna', amount: 200_000, currency: 'EUR', stage: 'lead', expectedCloseDate: '2026-04-10' });
      await crm.dealStage(d2, 'qualified'); // 50 000
      await open({ title: 'd3', owner: 'boris', amount: 300_000, currency: 'EUR', stage: 'proposal', expectedCloseDate: '2026-04-20' }); // 150 000
      await open({ title: 'd4', owner: 'boris', amount: 400_000, currency: 'USD', stage: 'negotiation', expectedCloseDate: '2026-05-05' }); // 300 000
      await open({ title: 'd5', owner: 'anna', amount: 50_000, currency: 'USD', stage: 'proposal', expectedCloseDate: '2026-07-01' }); // 25 000
      await open({ title: 'd6', owner: 'boris', amount: 10_001, currency: 'EUR', stage: 'lead', expectedCloseDate: '2026-06-30' }); // 1 000.1 → 1 000
      const d7 = await open({ title: 'd7', owner: 'anna', amount: 12_345, currency: 'EUR', stage: 'negotiation', expectedCloseDate: '2026-05-31' });
      await crm.dealCloseDate(d7, '2026-08-15'); // moves to August: 9 258.75 → 9 259
      const d8 = await open({ title: 'd8', owner: 'boris', amount: 70_000, currency: 'EUR', stage: 'qualified', expectedCloseDate: '2026-03-20' });
      await crm.dealAmount(d8, 80_000, 'USD'); // re-priced in USD: 20 000 USD

      // ---- closed deals
      const w1 = await open({ title: 'w1', owner: 'anna', amount: 150_000, currency: 'EUR', stage: 'lead', expectedCloseDate: '2026-01-31' });
      for (const stage of ['qualified', 'proposal', 'negotiation']) await crm.dealStage(w1, stage);
      await crm.winDeal(w1, '2026-01-20T10:00:00Z');
      const w2 = await open({ title: 'w2', owner: 'boris', amount: 100_000, currency: 'EUR', stage: 'lead', expectedCloseDate: '2026-02-28' });
      await crm.dealStage(w2, 'negotiation');
      await crm.dealStage(w2, 'qualified'); // back from negotiation
      await crm.winDeal(w2, '2026-02-10T10:00:00Z', 90_000); // won below the quote
      const l1 = await open({ title: 'l1', owner: 'anna', amount: 60_000, currency: 'EUR', stage: 'lead', expectedCloseDate: '2026-02-28' });
      await crm.dealStage(l1, 'qualified');
      await crm.loseDeal(l1, '2026-02-15T10:00:00Z');
      const l2 = await open({ title: 'l2', owner: 'boris', amount: 30_000, currency: 'USD', stage: 'proposal', expectedCloseDate: '2026-02-28' });
      await crm.loseDeal(l2, '2026-02-25T10:00:00Z');
      const w3 = await open({ title: 'w3', owner: 'anna', amount: 20_000, currency: 'USD', stage: 'lead', expectedCloseDate: '2026-03-31' });
      await crm.winDeal(w3, '2026-03-01T10:00:00Z');
    });

    /*
     * Closed deals and the stages they passed through:
     *   w1 won:  lead, qualified, proposal, negotiation
     *   w2 won:  lead, negotiation, qualified (the move back counts qualified once)
     *   l1 lost: lead, qualified
     *   l2 lost: proposal
     *   w3 won:  lead
     */
    const WIN_RATES = [
      { stage: 'lead', won: 3, lost: 1, winRate: 0.75 },
      { stage: 'qualified', won: 2, lost: 1, winRate: 0.6667 },
      { stage: 'proposal', won: 1, lost: 1, winRate: 0.5 },
      { stage: 'negotiation', won: 2, lost: 0, winRate: 1 },
    ];
    const TOTALS = [
      // d1 + d2 + d3 + d6 + d7
      { currency: 'EUR', count: 5, amount: 622_346, weightedAmount: 220_259 },
      // d4 + d5 + d8
      { currency: 'USD', count: 3, amount: 530_000, weightedAmount: 345_000 },
    ];

    it('period=month (the default): open deals by close month, owner and stage; win rates; won/lost per month', async () => {
      const body = await forecast();
      expect(body).toEqual(await forecast({ period: 'month' }));
      const { asOf: _asOf, forecasts: _forecasts, ...legacy } = body;
      expect(legacy).toEqual({
        period: 'month',
        stageProbabilities: PROBABILITIES,
        byPeriod: [
          cell('2026-03', 'EUR', 1, 100_000, 10_000),
          cell('2026-03', 'USD', 1, 80_000, 20_000),
          cell('2026-04', 'EUR', 2, 500_000, 200_000),
          cell('2026-05', 'USD', 1, 400_000, 300_000),
          cell('2026-06', 'EUR', 1, 10_001, 1_000),
          cell('2026-07', 'USD', 1, 50_000, 25_000),
          cell('2026-08', 'EUR', 1, 12_345, 9_259),
        ],
        byPeriodOwner: [
          { ...cell('2026-03', 'EUR', 1, 100_000, 10_000), owner: 'anna' },
          { ...cell('2026-03', 'USD', 1, 80_000, 20_000), owner: 'boris' },
          { ...cell('2026-04', 'EUR', 1, 200_000, 50_000), owner: 'anna' },
          { ...cell('2026-04', 'EUR', 1, 300_000, 150_000), owner: 'boris' },
          { ...cell('2026-05', 'USD', 1, 400_000, 300_000), owner: 'boris' },
          { ...cell('2026-06', 'EUR', 1, 10_001, 1_000), owner: 'boris' },
          { ...cell('2026-07', 'USD', 1, 50_000, 25_000), owner: 'anna' },
          { ...cell('2026-08', 'EUR', 1, 12_345, 9_259), owner: 'anna' },
        ],
        byPeriodStage: [
          { ...cell('2026-03', 'EUR', 1, 100_000, 10_000), stage: 'lead' },
          { ...cell('2026-03', 'USD', 1, 80_000, 20_000), stage: 'qualified' },
          { ...cell('2026-04', 'EUR', 1, 300_000, 150_000), stage: 'proposal' },
          { ...cell('2026-04', 'EUR', 1, 200_000, 50_000), stage: 'qualified' },
          { ...cell('2026-05', 'USD', 1, 400_000, 300_000), stage: 'negotiation' },
          { ...cell('2026-06', 'EUR', 1, 10_001, 1_000), stage: 'lead' },
          { ...cell('2026-07', 'USD', 1, 50_000, 25_000), stage: 'proposal' },
          { ...cell('2026-08', 'EUR', 1, 12_345, 9_259), stage: 'negotiation' },
        ],
        totals: TOTALS,
        winRates: WIN_RATES,
        closed: [
          outcome('2026-01', 'EUR', [1, 150_000], [0, 0]),
          outcome('2026-02', 'EUR', [1, 90_000], [1, 60_000]),
          outcome('2026-02', 'USD', [0, 0], [1, 30_000]),
          outcome('2026-03', 'USD', [1, 20_000], [0, 0]),
        ],
      });
    });

    it('period=quarter: the same deals by quarter', async () => {
      const body = await forecast({ period: 'quarter' });
      expect(body.period).toBe('quarter');
      expect(body.byPeriod).toEqual([
        cell('2026-Q1', 'EUR', 1, 100_000, 10_000),
        cell('2026-Q1', 'USD', 1, 80_000, 20_000),
        cell('2026-Q2', 'EUR', 3, 510_001, 201_000),
        cell('2026-Q2', 'USD', 1, 400_000, 300_000),
        cell('2026-Q3', 'EUR', 1, 12_345, 9_259),
        cell('2026-Q3', 'USD', 1, 50_000, 25_000),
      ]);
      expect(body.byPeriodOwner).toEqual([
        { ...cell('2026-Q1', 'EUR', 1, 100_000, 10_000), owner: 'anna' },
        { ...cell('2026-Q1', 'USD', 1, 80_000, 20_000), owner: 'boris' },
        { ...cell('2026-Q2', 'EUR', 1, 200_000, 50_000), owner: 'anna' },
        { ...cell('2026-Q2', 'EUR', 2, 310_001, 151_000), owner: 'boris' },
        { ...cell('2026-Q2', 'USD', 1, 400_000, 300_000), owner: 'boris' },
        { ...cell('2026-Q3', 'EUR', 1, 12_345, 9_259), owner: 'anna' },
        { ...cell('2026-Q3', 'USD', 1, 50_000, 25_000), owner: 'anna' },
      ]);
      expect(body.totals).toEqual(TOTALS);
      expect(body.winRates).toEqual(WIN_RATES);
      expect(body.closed).toEqual([outcome('2026-Q1', 'EUR', [2, 240_000], [1, 60_000]), outcome('2026-Q1', 'USD', [1, 20_000], [1, 30_000])]);
    });

    it('from/to bound the periods (inclusive), for open and closed deals alike', async () => {
      const months = await forecast({ period: 'month', from: '2026-04', to: '2026-06' });
      expect(months.byPeriod).toEqual([cell('2026-04', 'EUR', 2, 500_000, 200_000), cell('2026-05', 'USD', 1, 400_000, 300_000), cell('2026-06', 'EUR', 1, 10_001, 1_000)]);
      expect(months.totals).toEqual([
        { currency: 'EUR', count: 3, amount: 510_001, weightedAmount: 201_000 },
        { currency: 'USD', count: 1, amount: 400_000, weightedAmount: 300_000 },
      ]);
      expect(months.closed).toEqual([]);

      const february = await forecast({ from: '2026-02', to: '2026-02' });
      expect(february.byPeriod).toEqual([]);
      expect(february.closed).toEqual([outcome('2026-02', 'EUR', [1, 90_000], [1, 60_000]), outcome('2026-02', 'USD', [0, 0], [1, 30_000])]);

      const laterQuarters = await forecast({ period: 'quarter', from: '2026-Q2' });
      expect(laterQuarters.byPeriod.map((c: { period: string }) => c.period)).toEqual(['2026-Q2', '2026-Q2', '2026-Q3', '2026-Q3']);
      expect(laterQuarters.closed).toEqual([]);

      const firstQuarter = await forecast({ period: 'quarter', to: '2026-Q1' });
      expect(firstQuarter.byPeriod).toEqual([cell('2026-Q1', 'EUR', 1, 100_000, 10_000), cell('2026-Q1', 'USD', 1, 80_000, 20_000)]);
      expect(firstQuarter.closed).toHaveLength(2);
    });

    it('owner=… keeps that owner\'s open deals only', async () => {
      const anna = await forecast({ owner: 'anna' });
      expect(anna.byPeriod).toEqual([
        cell('2026-03', 'EUR', 1, 100_000, 10_000),
        cell('2026-04', 'EUR', 1, 200_000, 50_000),
        cell('2026-07', 'USD', 1, 50_000, 25_000),
        cell('2026-08', 'EUR', 1, 12_345, 9_259),
      ]);
      expect(anna.byPeriodOwner.every((c: { owner: string }) => c.owner === 'anna')).toBe(true);
      expect(anna.totals).toEqual([
        { currency: 'EUR', count: 3, amount: 312_345, weightedAmount: 69_259 },
        { currency: 'USD', count: 1, amount: 50_000, weightedAmount: 25_000 },
      ]);
      const borisEurQuarters = await forecast({ owner: 'boris', currency: 'EUR', period: 'quarter' });
      expect(borisEurQuarters.byPeriod).toEqual([cell('2026-Q2', 'EUR', 2, 310_001, 151_000)]);
      expect((await forecast({ owner: 'nobody' })).byPeriod).toEqual([]);
    });

    it('currency=USD keeps USD cells and USD outcomes only', async () => {
      const usd = await forecast({ currency: 'USD' });
      expect(usd.byPeriod).toEqual([cell('2026-03', 'USD', 1, 80_000, 20_000), cell('2026-05', 'USD', 1, 400_000, 300_000), cell('2026-07', 'USD', 1, 50_000, 25_000)]);
      expect(usd.totals).toEqual([TOTALS[1]]);
      expect(usd.closed).toEqual([outcome('2026-02', 'USD', [0, 0], [1, 30_000]), outcome('2026-03', 'USD', [1, 20_000], [0, 0])]);
    });

    it('never sums currencies: a period with EUR and USD deals has one cell per currency', async () => {
      for (const period of ['month', 'quarter']) {
        const body = await forecast({ period });
        for (const list of [body.byPeriod, body.byPeriodOwner, body.byPeriodStage, body.closed]) {
          const keys = list.map((c: { period: string; currency: string; owner?: string; stage?: string }) => `${c.period}|${c.currency}|${c.owner ?? ''}|${c.stage ?? ''}`);
          expect(new Set(keys).size).toBe(keys.length);
          for (const c of list) expect(['EUR', 'USD']).toContain(c.currency);
        }
        const sum = (currency: string) => body.byPeriod.filter((c: { currency: string }) => c.currency === currency).reduce((s: number, c: { amount: number }) => s + c.amount, 0);
        expect(body.totals).toEqual([expect.objectContaining({ currency: 'EUR', amount: sum('EUR') }), expect.objectContaining({ currency: 'USD', amount: sum('USD') })]);
      }
    });

    describe('bad queries → 400 naming the field', () => {
      it.each([
        [{ period: 'month', from: '2026-Q1' }, 'from'],
        [{ from: '2026-Q1' }, 'from'],
        [{ period: 'quarter', from: '2026-04' }, 'from'],
        [{ period: 'quarter', from: '2026-Q1', to: '2026-06' }, 'to'],
      ] as Array<[Query, string]>)('period/from mismatch %j', async (query, field) => {
        const res = await crm.read('/v1/pipeline/forecast', query);
        expectProblem(res, 422, [field], 'period_mismatch');
        expect(res.body.errors).toEqual([{ field, code: 'period_mismatch', message: expect.any(String) }]);
      });

      it.each([
        [{ period: 'week' }, 'period'],
        [{ from: '2026-13' }, 'from'],
        [{ period: 'quarter', from: '2026-Q5' }, 'from'],
        [{ to: '26-01' }, 'to'],
        [{ from: '2026-01-01' }, 'from'],
        [{ currency: 'EURO' }, 'currency'],
        [{ owner: '' }, 'owner'],
        [{ stage: 'lead' }, 'stage'],
        [{ 'owner[$ne]': 'x' }, 'owner[$ne]'],
      ] as Array<[Query, string]>)('%j', async (query, field) => {
        expectProblem(await crm.read('/v1/pipeline/forecast', query), 400, [field], 'validation_failed');
      });
    });
  });
});
