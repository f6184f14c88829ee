import type { DealStage, DomainEvent, ForecastCategory, ForecastSubmitted } from '@touchpoint/domain';
import {
  DEALS,
  DEFAULT_STAGE_PROBABILITIES,
  FORECAST_METHODS,
  PIPELINE,
  PIPELINE_DAYS,
  PIPELINE_ID,
  accuracyPlan,
  addDays,
  emptyView,
  evolvePipeline,
  forecast,
  forecastAccuracy,
  forecastMethods,
  histogramMedian,
  knownAt,
  learnedProbabilities,
  periodEnd,
  pipelineProjection,
  salesCycle,
  shiftPeriod,
  viewOf,
  type AccuracyOptions,
  type Document,
  type DocumentAccess,
  type ForecastMethod,
  type ForecastSettings,
  type MethodAccuracy,
  type PipelineDayDoc,
  type PipelineDoc,
  type PipelineView,
  type ProjectedEvent,
  decodeDayView,
  dayView,
} from '@touchpoint/read-models';

// ---------------------------------------------------------------- helpers

const C = 'c-1';
/** An instant on a day (UTC), noon unless a time is given. */
const t = (day: string, time = '12:00') => `${day}T${time}:00.000Z`;
const plusSeconds = (instant: string, s: number) => new Date(Date.parse(instant) + s * 1000).toISOString();
const occurredAtOf = (event: DomainEvent) => (event.data as { occurredAt: string }).occurredAt;

/**
 * Wraps domain events into the projector's envelope with increasing log positions. Unless told otherwise an event is
 * recorded when it occurred (history imported in order), by `sales:ivan`.
 */
function logOf() {
  let position = 0;
  return (event: DomainEvent, o: { recordedAt?: string; actor?: string } = {}): ProjectedEvent => {
    position += 1;
    const data = event.data as { dealId?: string; submissionId?: string };
    return {
      ...event,
      eventId: `evt-${position}`,
      streamId: data.dealId !== undefined ? `deal-${data.dealId}` : `forecast-${data.submissionId}`,
      streamRevision: 0,
      globalPosition: position,
      recordedAt: o.recordedAt ?? occurredAtOf(event),
      metadata: { actor: o.actor ?? 'sales:ivan', correlationId: `corr-${position}`, causationId: `cmd-${position}` },
    } as ProjectedEvent;
  };
}

/** Wraps a list of events in log order (recorded as they occurred). */
const inLog = (events: DomainEvent[]): ProjectedEvent[] => {
  const wrap = logOf();
  return events.map((e) => wrap(e));
};

const project = (events: ProjectedEvent[]): PipelineDoc => events.reduce<PipelineDoc | undefined>((doc, e) => evolvePipeline(doc, e), undefined) as PipelineDoc;

// ---- deal and forecast events

const opened = (dealId: string, o: { owner: string; stage: DealStage; amount: number; close: string; at: string; currency?: string }): DomainEvent => ({
  type: 'DealOpened',
  data: { dealId, customerId: C, title: `Deal ${dealId}`, amount: o.amount, currency: o.currency ?? 'EUR', stage: o.stage, expectedCloseDate: o.close, owner: o.owner, occurredAt: o.at },
});
const moved = (dealId: string, from: DealStage, to: DealStage, at: string): DomainEvent => ({ type: 'DealStageChanged', data: { dealId, customerId: C, from, to, occurredAt: at } });
const categorised = (dealId: string, owner: string, to: ForecastCategory, at: string, from: ForecastCategory = 'pipeline'): DomainEvent => ({
  type: 'DealForecastCategoryChanged',
  data: { dealId, customerId: C, owner, from, to, occurredAt: at },
});
const closeDateMoved = (dealId: string, expectedCloseDate: string, at: string): DomainEvent => ({ type: 'DealCloseDateChanged', data: { dealId, customerId: C, expectedCloseDate, occurredAt: at } });
const amountChanged = (dealId: string, amount: number, at: string, currency = 'EUR'): DomainEvent => ({ type: 'DealAmountChanged', data: { dealId, customerId: C, amount, currency, occurredAt: at } });
const won = (dealId: string, stage: DealStage, amount: number, at: string, currency = 'EUR'): DomainEvent => ({ type: 'DealWon', data: { dealId, customerId: C, stage, amount, currency, occurredAt: at } });
const lost = (dealId: string, stage: DealStage, amount: number, at: string, currency = 'EUR'): DomainEvent => ({
  type: 'DealLost',
  data: { dealId, customerId: C, stage, amount, currency, reason: 'price', occurredAt: at },
});
const submission = (submissionId: string, o: { name: string; period: string; commit: number; bestCase?: number; at: string; scope?: 'owner' | 'team'; currency?: string }): ForecastSubmitted => ({
  type: 'ForecastSubmitted',
  data: {
    submissionId,
    scope: o.scope ?? 'owner',
    name: o.name,
    period: o.period,
    currency: o.currency ?? 'EUR',
    amounts: { commit: o.commit, bestCase: o.bestCase ?? o.commit },
    occurredAt: o.at,
  },
});

const SETTINGS: ForecastSettings = { stageProbabilities: DEFAULT_STAGE_PROBABILITIES, priorStrength: 10, lookbackMonths: 0 };

/** Published probabilities are rounded to four decimals. */
const r4 = (x: number) => Math.round(x * 10_000) / 10_000;

// ---------------------------------------------------------------- periods and days

describe('periodEnd, shiftPeriod, addDays', () => {
  it.each([
    ['2026-01', '2026-01-31'],
    ['2026-02', '2026-02-28'],
    ['2028-02', '2028-02-29'],
    ['2026-04', '2026-04-30'],
    ['2026-12', '2026-12-31'],
    ['2026-Q1', '2026-03-31'],
    ['2026-Q2', '2026-06-30'],
    ['2026-Q4', '2026-12-31'],
  ])('%s ends on %s', (period, end) => {
    expect(periodEnd(period)).toBe(end);
  });

  it.each([
    ['2026-01', -1, '2025-12'],
    ['2026-12', 1, '2027-01'],
    ['2026-03', -14, '2025-01'],
    ['2026-06', 0, '2026-06'],
    ['2026-Q1', -1, '2025-Q4'],
    ['2026-Q4', 1, '2027-Q1'],
    ['2026-Q2', -9, '2024-Q1'],
  ] as const)('%s shifted by %p is %s', (period, n, shifted) => {
    expect(shiftPeriod(period, n)).toBe(shifted);
  });

  it.each([
    ['2026-02-28', 1, '2026-03-01'],
    ['2028-02-28', 1, '2028-02-29'],
    ['2026-03-01', -1, '2026-02-28'],
    ['2026-03-29', 2, '2026-03-31'],
    ['2026-12-31', 1, '2027-01-01'],
    ['2026-04-30', -14, '2026-04-16'],
  ] as const)('%s plus %p days is %s', (day, n, result) => {
    expect(addDays(day, n)).toBe(result);
  });
});

// ---------------------------------------------------------------- learned probabilities

describe('learnedProbabilities', () => {
  const view = (stageOutcomes: PipelineView['stageOutcomes'], day: string | null = '2026-06-15'): PipelineView => ({ ...emptyView(), day, stageOutcomes });
  const settings = (o: Partial<ForecastSettings>): ForecastSettings => ({ ...SETTINGS, ...o });
  const of = (v: PipelineView, s: ForecastSettings, stage: string) => {
    const found = learnedProbabilities(v, s).find((l) => l.stage === stage);
    if (!found) throw new Error(`no ${stage}`);
    return found;
  };

  it('is the configured probability exactly when nothing has closed', () => {
    for (const k of [10, 7, 1]) {
      const learned = learnedProbabilities(view({}), settings({ priorStrength: k }));
      expect(learned.map((l) => [l.stage, l.configured, l.won, l.lost, l.closedDeals, l.learned])).toEqual([
        ['lead', 0.1, 0, 0, 0, 0.1],
        ['qualified', 0.25, 0, 0, 0, 0.25],
        ['proposal', 0.5, 0, 0, 0, 0.5],
        ['negotiation', 0.75, 0, 0, 0, 0.75],
      ]);
    }
  });

  it('moves one won deal from p₀ to (k·p₀ + 1) / (k + 1), one lost deal to k·p₀ / (k + 1)', () => {
    const v = view({ '2026-05': { qualified: { won: 1, lost: 0 }, proposal: { won: 0, lost: 1 } } });
    const qualified = of(v, SETTINGS, 'qualified');
    expect(qualified).toMatchObject({ configured: 0.25, won: 1, lost: 0, closedDeals: 1 });
    expect(qualified.learned).toBe(r4((10 * 0.25 + 1) / 11));
    expect(qualified.learned).toBe(0.3182);
    const proposal = of(v, SETTINGS, 'proposal');
    expect(proposal).toMatchObject({ won: 0, lost: 1, closedDeals: 1 });
    expect(proposal.learned).toBe(r4((10 * 0.5) / 11));
    expect(proposal.learned).toBe(0.4545);
  });

  it('comes close to the observed rate with many closed deals (600 won, 400 lost)', () => {
    const learned = of(view({ '2026-05': { lead: { won: 600, lost: 400 } } }), SETTINGS, 'lead');
    expect(learned.closedDeals).toBe(1000);
    expect(Math.abs(learned.learned - 0.6)).toBeLessThan(0.01);
    expect(learned.learned).toBe(r4((10 * 0.1 + 600) / 1010));
  });

  it('adds up the same stage over several months', () => {
    const learned = of(view({ '2026-04': { lead: { won: 2, lost: 1 } }, '2026-05': { lead: { won: 1, lost: 4 } } }), SETTINGS, 'lead');
    expect(learned).toMatchObject({ won: 3, lost: 5, closedDeals: 8, learned: r4((1 + 3) / 18) });
  });

  it('trusts the data alone with a prior strength of 0', () => {
    const v = view({ '2026-05': { proposal: { won: 3, lost: 1 } } });
    expect(of(v, settings({ priorStrength: 0 }), 'proposal').learned).toBe(0.75);
    // …and without data still gives the configured probability, not 0/0.
    expect(of(v, settings({ priorStrength: 0 }), 'lead').learned).toBe(0.1);
  });

  it('has the quantiles of the posterior as its 90 % interval (Beta(1,1) and Beta(2,1) in closed form)', () => {
    const flat = settings({ stageProbabilities: { lead: 0.5 }, priorStrength: 2 });
    // Beta(1, 1) is uniform: its 5 % and 95 % quantiles are 0.05 and 0.95.
    expect(of(view({}), flat, 'lead').interval).toEqual([0.05, 0.95]);
    // Beta(2, 1) has CDF x², so its quantiles are √0.05 and √0.95.
    expect(of(view({ '2026-05': { lead: { won: 1, lost: 0 } } }), flat, 'lead').interval).toEqual([r4(Math.sqrt(0.05)), r4(Math.sqrt(0.95))]);
  });

  it('holds the learned probability inside an interval that narrows as closed deals grow', () => {
    const widths = [10, 100, 1000].map((n) => {
      const l = of(view({ '2026-05': { proposal: { won: 0.6 * n, lost: 0.4 * n } } }), SETTINGS, 'proposal');
      expect(l.interval[0]).toBeLessThanOrEqual(l.learned);
      expect(l.learned).toBeLessThanOrEqual(l.interval[1]);
      expect(l.interval[0]).toBeGreaterThan(0);
      expect(l.interval[1]).toBeLessThan(1);
      return l.interval[1] - l.interval[0];
    });
    expect(widths[0]).toBeGreaterThan(widths[1]);
    expect(widths[1]).toBeGreaterThan(widths[2]);
    expect(widths[2]).toBeLessThan(0.06);
  });

  describe('look-back', () => {
    const months = {
      '2025-12': { proposal: { won: 7, lost: 0 } },
      '2026-01': { proposal: { won: 5, lost: 0 } },
      '2026-04': { proposal: { won: 1, lost: 1 } },
      '2026-06': { proposal: { won: 0, lost: 2 } },
    };
    const counts = (lookbackMonths: number, day: string | null = '2026-06-15') => {
      const l = of(view(months, day), settings({ priorStrength: 0, lookbackMonths }), 'proposal');
      return [l.won, l.lost, l.learned];
    };

    it.each([
      [1, [0, 2, 0]],
      [3, [1, 3, 0.25]],
      [5, [1, 3, 0.25]],
      [6, [6, 3, r4(6 / 9)]],
      [7, [13, 3, r4(13 / 16)]],
      [0, [13, 3, r4(13 / 16)]],
    ] as const)('counts the close months of the last %p months, the view’s own month included (0 = all)', (lookbackMonths, expected) => {
      expect(counts(lookbackMonths)).toEqual(expected);
    });

    it('counts back across a year end', () => {
      const winter = view({ '2025-10': { proposal: { won: 0, lost: 4 } }, '2025-12': { proposal: { won: 7, lost: 0 } }, '2026-01': { proposal: { won: 5, lost: 0 } } }, '2026-01-20');
      expect(of(winter, settings({ priorStrength: 0, lookbackMonths: 2 }), 'proposal')).toMatchObject({ won: 12, lost: 0, learned: 1 });
      expect(of(winter, settings({ priorStrength: 0, lookbackMonths: 4 }), 'proposal')).toMatchObject({ won: 12, lost: 4, learned: 0.75 });
    });

    it('counts everything when the view has no day', () => {
      expect(counts(1, null)).toEqual([13, 3, r4(13 / 16)]);
    });
  });

  it('lists the configured stages in pipeline order, then stages only seen in the data, with p₀ = 0', () => {
    const learned = learnedProbabilities(view({ '2026-05': { discovery: { won: 1, lost: 1 }, lead: { won: 1, lost: 0 }, demo: { won: 0, lost: 1 } } }), SETTINGS);
    expect(learned.map((l) => l.stage)).toEqual(['lead', 'qualified', 'proposal', 'negotiation', 'demo', 'discovery']);
    expect(learned.find((l) => l.stage === 'discovery')).toMatchObject({ configured: 0, won: 1, lost: 1, learned: r4(1 / 12) });
  });

  it('never gives NaN for p₀ = 0 or 1, with or without data and prior strength', () => {
    const stageProbabilities = { lead: 0, negotiation: 1 };
    for (const priorStrength of [0, 10]) {
      const cases: Array<PipelineView['stageOutcomes']> = [{}, { '2026-05': { lead: { won: 3, lost: 2 }, negotiation: { won: 3, lost: 2 } } }];
      for (const outcomes of cases) {
        for (const l of learnedProbabilities(view(outcomes), { stageProbabilities, priorStrength, lookbackMonths: 0 })) {
          for (const x of [l.learned, ...l.interval]) expect(Number.isFinite(x)).toBe(true);
          expect(l.interval[0]).toBeLessThanOrEqual(l.learned);
          expect(l.learned).toBeLessThanOrEqual(l.interval[1]);
        }
      }
    }
    const noData = learnedProbabilities(view({}), { stageProbabilities, priorStrength: 10, lookbackMonths: 0 });
    expect(noData.map((l) => [l.stage, l.learned, l.interval])).toEqual([
      ['lead', 0, [0, 0]],
      ['negotiation', 1, [1, 1]],
    ]);
    const withData = learnedProbabilities(view({ '2026-05': { lead: { won: 3, lost: 2 }, negotiation: { won: 3, lost: 2 } } }), { stageProbabilities, priorStrength: 10, lookbackMonths: 0 });
    // Beta(3, 12) and Beta(13, 2)
    expect(withData.map((l) => l.learned)).toEqual([0.2, r4(13 / 15)]);
    const onlyWins = learnedProbabilities(view({ '2026-05': { lead: { won: 4, lost: 0 } } }), { stageProbabilities, priorStrength: 0, lookbackMonths: 0 });
    // Beta(4, 0) is all at 1: a point interval
    expect(onlyWins[0]).toMatchObject({ stage: 'lead', learned: 1, interval: [1, 1] });
  });
});

// ---------------------------------------------------------------- forecast methods

/**
 * Two owners, EUR and USD, July and August 2026 (learned probabilities from w1 won via lead → proposal and l1 lost in qualified):
 *   w1 ann EUR 100 000 won 2026-07-05                       (won so far in July)
 *   l1 bob EUR  50 000 lost 2026-06-20 in qualified
 *   o1 ann EUR 200 000 proposal     closes 07-20  commit
 *   o2 ann EUR  40 000 lead         closes 07-25  best_case
 *   o3 bob EUR  80 000 negotiation  closes 07-31  omitted
 *   o4 bob EUR  60 000 qualified    closes 07-10  pipeline
 *   o5 ann EUR  30 000 negotiation  closes 08-15  commit
 *   o6 ann USD 500 000 proposal     closes 07-15  commit
 * Submissions: ann July 250 000 then 280 000, bob July 70 000, ann Q3 900 000; team emea July 500 000 and Q3 1 500 000.
 */
const METHOD_EVENTS: DomainEvent[] = [
  opened('w1', { owner: 'ann', stage: 'lead', amount: 100_000, close: '2026-07-05', at: t('2026-05-01') }),
  opened('l1', { owner: 'bob', stage: 'qualified', amount: 50_000, close: '2026-06-20', at: t('2026-05-02') }),
  opened('o1', { owner: 'ann', stage: 'proposal', amount: 200_000, close: '2026-07-20', at: t('2026-05-03') }),
  opened('o2', { owner: 'ann', stage: 'lead', amount: 40_000, close: '2026-07-25', at: t('2026-05-04') }),
  opened('o3', { owner: 'bob', stage: 'negotiation', amount: 80_000, close: '2026-07-31', at: t('2026-05-05') }),
  opened('o4', { owner: 'bob', stage: 'qualified', amount: 60_000, close: '2026-07-10', at: t('2026-05-06') }),
  opened('o5', { owner: 'ann', stage: 'negotiation', amount: 30_000, close: '2026-08-15', at: t('2026-05-07') }),
  opened('o6', { owner: 'ann', stage: 'proposal', amount: 500_000, close: '2026-07-15', at: t('2026-05-08'), currency: 'USD' }),
  moved('w1', 'lead', 'proposal', t('2026-05-10')),
  categorised('o1', 'ann', 'commit', t('2026-06-01')),
  categorised('o2', 'ann', 'best_case', t('2026-06-01')),
  categorised('o3', 'bob', 'omitted', t('2026-06-01')),
  categorised('o5', 'ann', 'commit', t('2026-06-01')),
  categorised('o6', 'ann', 'commit', t('2026-06-01')),
  lost('l1', 'qualified', 50_000, t('2026-06-20')),
  submission('s1', { name: 'ann', period: '2026-07', commit: 250_000, bestCase: 300_000, at: t('2026-06-25') }),
  submission('s5', { name: 'ann', period: '2026-Q3', commit: 900_000, bestCase: 1_000_000, at: t('2026-06-26') }),
  submission('s6', { scope: 'team', name: 'emea', period: '2026-Q3', commit: 1_500_000, at: t('2026-06-26') }),
  submission('s4', { scope: 'team', name: 'emea', period: '2026-07', commit: 500_000, bestCase: 650_000, at: t('2026-06-27') }),
  submission('s3', { name: 'bob', period: '2026-07', commit: 70_000, at: t('2026-06-28') }),
  submission('s2', { name: 'ann', period: '2026-07', commit: 280_000, bestCase: 320_000, at: t('2026-06-30') }),
  won('w1', 'proposal', 100_000, t('2026-07-05')),
];

function methodsView(events: DomainEvent[] = METHOD_EVENTS): PipelineView {
  const wrap = logOf();
  // Team submissions come from a manager, the owners' from themselves.
  return viewOf(project(events.map((e) => wrap(e, { actor: e.type === 'ForecastSubmitted' ? (e.data.scope === 'team' ? 'admin:olena' : `sales:${e.data.name}`) : 'sales:ivan' }))));
}

// Learned from w1 (won, visited lead and proposal) and l1 (lost, visited qualified), prior strength 10:
const P_LEAD = 0.1818; // (10·0.1 + 1) / 11
const P_QUALIFIED = 0.2273; // 10·0.25 / 11
const P_PROPOSAL = 0.5455; // (10·0.5 + 1) / 11
const P_NEGOTIATION = 0.75; // no data

describe('forecastMethods', () => {
  const view = methodsView();

  it('learns the stage probabilities from the closed deals of the view', () => {
    expect(forecastMethods(view, { period: 'month' }, SETTINGS).learnedProbabilities.map((l) => [l.stage, l.won, l.lost, l.learned])).toEqual([
      ['lead', 1, 0, P_LEAD],
      ['qualified', 0, 1, P_QUALIFIED],
      ['proposal', 1, 0, P_PROPOSAL],
      ['negotiation', 0, 0, P_NEGOTIATION],
    ]);
  });

  it('gives every method per month and currency, each with what was won so far', () => {
    const m = forecastMethods(view, { period: 'month' }, SETTINGS);
    expect(m.methods).toEqual(['stage_weighted', 'learned_weighted', 'category_commit', 'category_best_case', 'submitted']);
    expect(m.settings).toEqual({ priorStrength: 10, lookbackMonths: 0 });
    expect(m.byPeriod).toEqual([
      {
        period: '2026-07',
        currency: 'EUR',
        openDeals: 4,
        openAmount: 380_000,
        wonSoFar: 100_000,
        // 100 000 + 200 000·0.5 + 40 000·0.1 + 80 000·0.75 + 60 000·0.25
        stage_weighted: 279_000,
        learned_weighted: Math.round(100_000 + 200_000 * P_PROPOSAL + 40_000 * P_LEAD + 80_000 * P_NEGOTIATION + 60_000 * P_QUALIFIED),
        // won so far + o1 (commit); o3 is omitted
        category_commit: 300_000,
        // + o2 (best case)
        category_best_case: 340_000,
        // ann's latest (280 000, not 250 000) + bob's 70 000; the team's 500 000 is not added
        submitted: 350_000,
        submissions: 2,
      },
      { period: '2026-07', currency: 'USD', openDeals: 1, openAmount: 500_000, wonSoFar: 0, stage_weighted: 250_000, learned_weighted: 272_750, category_commit: 500_000, category_best_case: 500_000, submitted: null, submissions: 0 },
      { period: '2026-08', currency: 'EUR', openDeals: 1, openAmount: 30_000, wonSoFar: 0, stage_weighted: 22_500, learned_weighted: 22_500, category_commit: 30_000, category_best_case: 30_000, submitted: null, submissions: 0 },
    ]);
    expect(m.byPeriod[0].learned_weighted).toBe(290_010);
  });

  it('splits the figures by owner; the owners add up to the period', () => {
    const m = forecastMethods(view, { period: 'month', currency: 'EUR', from: '2026-07', to: '2026-07' }, SETTINGS);
    expect(m.byPeriodOwner).toEqual([
      // o1, o2 and w1
      { period: '2026-07', currency: 'EUR', owner: 'ann', openDeals: 2, openAmount: 240_000, wonSoFar: 100_000, stage_weighted: 204_000, learned_weighted: 216_372, category_commit: 300_000, category_best_case: 340_000, submitted: 280_000, submissions: 1 },
      // o3 (omitted: weighted, but in no category) and o4
      { period: '2026-07', currency: 'EUR', owner: 'bob', openDeals: 2, openAmount: 140_000, wonSoFar: 0, stage_weighted: 75_000, learned_weighted: 73_638, category_commit: 0, category_best_case: 0, submitted: 70_000, submissions: 1 },
    ]);
    const [total] = m.byPeriod;
    for (const key of ['openDeals', 'openAmount', 'wonSoFar', 'stage_weighted', 'learned_weighted', 'category_commit', 'category_best_case', 'submitted'] as const) {
      expect(m.byPeriodOwner.reduce((s, r) => s + (r[key] ?? 0), 0)).toBe(total[key]);
    }
  });

  it('splits the open deals by stage, in pipeline order (won deals are in no stage)', () => {
    const m = forecastMethods(view, { period: 'month' }, SETTINGS);
    expect(m.byPeriodStage).toEqual([
      { period: '2026-07', currency: 'EUR', stage: 'lead', openDeals: 1, openAmount: 40_000, stage_weighted: 4_000, learned_weighted: 7_272, category_commit: 0, category_best_case: 40_000 },
      { period: '2026-07', currency: 'EUR', stage: 'qualified', openDeals: 1, openAmount: 60_000, stage_weighted: 15_000, learned_weighted: 13_638, category_commit: 0, category_best_case: 0 },
      { period: '2026-07', currency: 'EUR', stage: 'proposal', openDeals: 1, openAmount: 200_000, stage_weighted: 100_000, learned_weighted: 109_100, category_commit: 200_000, category_best_case: 200_000 },
      { period: '2026-07', currency: 'EUR', stage: 'negotiation', openDeals: 1, openAmount: 80_000, stage_weighted: 60_000, learned_weighted: 60_000, category_commit: 0, category_best_case: 0 },
      { period: '2026-07', currency: 'USD', stage: 'proposal', openDeals: 1, openAmount: 500_000, stage_weighted: 250_000, learned_weighted: 272_750, category_commit: 500_000, category_best_case: 500_000 },
      { period: '2026-08', currency: 'EUR', stage: 'negotiation', openDeals: 1, openAmount: 30_000, stage_weighted: 22_500, learned_weighted: 22_500, category_commit: 30_000, category_best_case: 30_000 },
    ]);
  });

  it('lists team submissions beside the owners’, for month periods in a month forecast', () => {
    expect(forecastMethods(view, { period: 'month' }, SETTINGS).teamSubmissions).toEqual([
      { period: '2026-07', currency: 'EUR', team: 'emea', amounts: { commit: 500_000, bestCase: 650_000 }, submittedAt: t('2026-06-27'), by: 'admin:olena' },
    ]);
  });

  it('groups months into the quarter and reads quarter submissions only', () => {
    const m = forecastMethods(view, { period: 'quarter' }, SETTINGS);
    expect(m.byPeriod).toEqual([
      {
        period: '2026-Q3',
        currency: 'EUR',
        openDeals: 5,
        openAmount: 410_000,
        wonSoFar: 100_000,
        stage_weighted: 279_000 + 22_500,
        learned_weighted: 290_010 + 22_500,
        category_commit: 330_000,
        category_best_case: 370_000,
        // ann's Q3 call; the July submissions are not read
        submitted: 900_000,
        submissions: 1,
      },
      { period: '2026-Q3', currency: 'USD', openDeals: 1, openAmount: 500_000, wonSoFar: 0, stage_weighted: 250_000, learned_weighted: 272_750, category_commit: 500_000, category_best_case: 500_000, submitted: null, submissions: 0 },
    ]);
    expect(m.teamSubmissions).toEqual([{ period: '2026-Q3', currency: 'EUR', team: 'emea', amounts: { commit: 1_500_000, bestCase: 1_500_000 }, submittedAt: t('2026-06-26'), by: 'admin:olena' }]);
  });

  it('keeps only the latest submission per owner, period and currency, by log order', () => {
    expect(view.submissions.filter((s) => s.scope === 'owner' && s.name === 'ann' && s.period === '2026-07')).toEqual([
      { submissionId: 's2', scope: 'owner', name: 'ann', period: '2026-07', currency: 'EUR', amounts: { commit: 280_000, bestCase: 320_000 }, submittedAt: t('2026-06-30'), by: 'sales:ann' },
    ]);
    // A correction recorded later replaces the earlier call even when it is dated before it.
    const backdated = methodsView([...METHOD_EVENTS, submission('s7', { name: 'ann', period: '2026-07', commit: 260_000, bestCase: 320_000, at: t('2026-06-10') })]);
    const july = forecastMethods(backdated, { period: 'month', currency: 'EUR' }, SETTINGS).byPeriodOwner.find((r) => r.owner === 'ann' && r.period === '2026-07');
    expect(july).toMatchObject({ submitted: 260_000, submissions: 1 });
  });

  it('filters by owner: the owner’s deals and submission, and no team submissions', () => {
    const m = forecastMethods(view, { period: 'month', owner: 'bob' }, SETTINGS);
    expect(m.byPeriod).toEqual([
      { period: '2026-07', currency: 'EUR', openDeals: 2, openAmount: 140_000, wonSoFar: 0, stage_weighted: 75_000, learned_weighted: 73_638, category_commit: 0, category_best_case: 0, submitted: 70_000, submissions: 1 },
    ]);
    expect(m.byPeriodOwner.map((r) => r.owner)).toEqual(['bob']);
    expect(m.teamSubmissions).toEqual([]);
    // the probabilities are learned from everyone's deals
    expect(m.learnedProbabilities.find((l) => l.stage === 'proposal')?.learned).toBe(P_PROPOSAL);
  });

  it('filters by currency', () => {
    const m = forecastMethods(view, { period: 'month', currency: 'USD' }, SETTINGS);
    expect(m.byPeriod.map((r) => [r.period, r.currency, r.openAmount, r.category_commit, r.submitted])).toEqual([['2026-07', 'USD', 500_000, 500_000, null]]);
    expect(m.teamSubmissions).toEqual([]);
  });

  it('bounds periods by from and to, for deals and submissions alike', () => {
    const m = forecastMethods(view, { period: 'month', from: '2026-08' }, SETTINGS);
    expect(m.byPeriod.map((r) => [r.period, r.currency, r.category_commit, r.submitted])).toEqual([['2026-08', 'EUR', 30_000, null]]);
    expect(m.teamSubmissions).toEqual([]);
    expect(forecastMethods(view, { period: 'month', to: '2026-06' }, SETTINGS).byPeriod).toEqual([]);
  });

  it('moves a deal back out of the categories when it is set back to pipeline', () => {
    const v = methodsView([...METHOD_EVENTS, categorised('o1', 'ann', 'pipeline', t('2026-07-06'), 'commit')]);
    const [july] = forecastMethods(v, { period: 'month', currency: 'EUR' }, SETTINGS).byPeriod;
    expect(july).toMatchObject({ stage_weighted: 279_000, category_commit: 100_000, category_best_case: 140_000 });
  });

  it('is what forecast() reports beside the stage-weighted buckets', () => {
    const doc = project(inLog(METHOD_EVENTS));
    const options = { period: 'month' as const, stageProbabilities: DEFAULT_STAGE_PROBABILITIES };
    const f = forecast(doc, options, { priorStrength: 10, lookbackMonths: 0 });
    expect(f.forecasts).toEqual(forecastMethods(viewOf(doc), options, SETTINGS));
    expect(f.asOf).toEqual({ day: '2026-07-05', position: METHOD_EVENTS.length });
    expect(forecast(viewOf(doc), options, { priorStrength: 10, lookbackMonths: 0 })).toEqual(f);
  });
});

// ---------------------------------------------------------------- the knowledge clock and daily snapshots

describe('knownAt', () => {
  const event = (occurredAt: string, recordedAt: string) => logOf()(amountChanged('d1', 1, occurredAt), { recordedAt });

  it('is the business time of history recorded later', () => {
    expect(knownAt(undefined, event(t('2025-11-03'), t('2026-03-05')))).toBe(t('2025-11-03'));
  });

  it('is the record time when the event claims to occur later than it was recorded', () => {
    expect(knownAt(undefined, event(t('2026-04-01'), t('2026-03-05', '11:00')))).toBe(t('2026-03-05', '11:00'));
    expect(knownAt(t('2026-03-05', '09:00'), event(t('2026-04-01'), t('2026-03-05', '11:00')))).toBe(t('2026-03-05', '11:00'));
  });

  it('never runs backwards: a late, backdated event is known when the clock already stands', () => {
    expect(knownAt(t('2026-03-05', '09:00'), event(t('2026-03-02', '08:00'), t('2026-03-05', '12:00')))).toBe(t('2026-03-05', '09:00'));
  });

  it('moves forward with events that are later', () => {
    expect(knownAt(t('2026-03-05', '09:00'), event(t('2026-03-05', '10:00'), plusSeconds(t('2026-03-05', '10:00'), 5)))).toBe(t('2026-03-05', '10:00'));
    expect(knownAt(t('2026-03-05', '09:00'), event(t('2026-03-06', '10:00'), t('2026-03-06', '10:00')))).toBe(t('2026-03-06', '10:00'));
  });
});

/** A Map-backed DocumentAccess with the projector's redelivery guard: a document at or past the event is left alone. */
function memoryDocs() {
  const collections = new Map<string, Map<string, Document>>();
  let position = 0;
  const docs: DocumentAccess = {
    read: <D extends Document>(collection: string, id: string) => collections.get(collection)?.get(id) as D | undefined,
    update: <D extends Document>(collection: string, id: string, evolve: (doc: D | undefined) => D | undefined) => {
      let c = collections.get(collection);
      if (!c) collections.set(collection, (c = new Map()));
      const existing = c.get(id) as D | undefined;
      if (existing && existing._position >= position) return;
      const next = evolve(existing);
      if (next) c.set(id, next);
    },
    remove: (collection: string, id: string) => void collections.get(collection)?.delete(id),
  };
  return {
    apply(events: ProjectedEvent[]): void {
      for (const event of events) {
        position = event.globalPosition;
        pipelineProjection.apply(event, docs);
      }
    },
    get<D extends Document>(collection: string, id: string): D | undefined {
      return collections.get(collection)?.get(id) as D | undefined;
    },
    ids(collection: string): string[] {
      return [...(collections.get(collection)?.keys() ?? [])].sort();
    },
    /** a deep copy of everything stored */
    snapshot(): Record<string, Record<string, Document>> {
      return structuredClone(Object.fromEntries([...collections].map(([name, c]) => [name, Object.fromEntries(c)])));
    },
  };
}

describe('pipelineProjection: the pipeline as it stood at the end of each day', () => {
  /** Recorded five seconds after it occurred, as live work is. */
  const live = (events: DomainEvent[]): ProjectedEvent[] => {
    const wrap = logOf();
    return events.map((e) => wrap(e, { recordedAt: plusSeconds(occurredAtOf(e), 5), actor: e.type === 'ForecastSubmitted' ? 'sales:ann' : 'sales:ivan' }));
  };
  const EVENTS = live([
    // 2026-03-02
    opened('x1', { owner: 'ann', stage: 'lead', amount: 10_000, close: '2026-03-20', at: t('2026-03-02', '09:00') }),
    opened('x2', { owner: 'bob', stage: 'proposal', amount: 20_000, close: '2026-04-10', at: t('2026-03-02', '10:00') }),
    moved('x1', 'lead', 'qualified', t('2026-03-02', '15:00')),
    // 2026-03-03
    categorised('x1', 'ann', 'commit', t('2026-03-03', '09:00')),
    submission('s1', { name: 'ann', period: '2026-03', commit: 10_000, at: t('2026-03-03', '11:00') }),
    won('x2', 'proposal', 20_000, t('2026-03-03', '16:00')),
    // 2026-03-05 (nothing happened on the 4th)
    opened('x3', { owner: 'ann', stage: 'negotiation', amount: 5_000, close: '2026-03-31', at: t('2026-03-05', '08:00'), currency: 'USD' }),
    closeDateMoved('x1', '2026-03-27', t('2026-03-05', '09:00')),
  ]);
  const dayOf = (e: ProjectedEvent) => occurredAtOf(e).slice(0, 10);
  /** The reference: only the events of the days up to `day`, projected on their own. */
  const asOfEndOf = (day: string) => viewOf(project(EVENTS.filter((e) => dayOf(e) <= day)));
  const firstPositionAfter = (day: string) => EVENTS.find((e) => dayOf(e) > day)!.globalPosition;
  /** One more event at the end of the log, recorded at `recordedAt`. */
  const appended = (event: DomainEvent, recordedAt: string): ProjectedEvent => ({ ...logOf()(event, { recordedAt }), eventId: 'evt-late', globalPosition: EVENTS.length + 1 });

  it('keeps one document per completed day, equal to the pipeline projected up to the end of that day', () => {
    const store = memoryDocs();
    store.apply(EVENTS);
    expect(store.ids(PIPELINE_DAYS)).toEqual(['2026-03-02', '2026-03-03']);
    for (const day of ['2026-03-02', '2026-03-03']) {
      const stored = store.get<PipelineDayDoc>(PIPELINE_DAYS, day)!;
      expect(stored._position).toBe(firstPositionAfter(day));
      expect(decodeDayView(stored)).toEqual(dayView(asOfEndOf(day)));
    }
  });

  it('holds what was true then, unchanged by what came later', () => {
    const store = memoryDocs();
    store.apply(EVENTS);
    const first = decodeDayView(store.get<PipelineDayDoc>(PIPELINE_DAYS, '2026-03-02')!);
    expect(first).toMatchObject({ day: '2026-03-02', position: 3, closed: [], submissions: [], stageOutcomes: {} });
    expect(first.open).toEqual([
      { month: '2026-03', currency: 'EUR', owner: 'ann', stage: 'qualified', category: 'pipeline', count: 1, amount: 10_000 },
      { month: '2026-04', currency: 'EUR', owner: 'bob', stage: 'proposal', category: 'pipeline', count: 1, amount: 20_000 },
    ]);
    const second = decodeDayView(store.get<PipelineDayDoc>(PIPELINE_DAYS, '2026-03-03')!);
    expect(second).toMatchObject({
      day: '2026-03-03',
      position: 6,
      open: [{ month: '2026-03', currency: 'EUR', owner: 'ann', stage: 'qualified', category: 'commit', count: 1, amount: 10_000 }],
      closed: [{ month: '2026-03', currency: 'EUR', owner: 'bob', won: { count: 1, amount: 20_000 }, lost: { count: 0, amount: 0 } }],
      stageOutcomes: { '2026-03': { proposal: { won: 1, lost: 0 } } },
    });
    expect(second.submissions.map((s) => [s.submissionId, s.amounts.commit, s.by])).toEqual([['s1', 10_000, 'sales:ann']]);
  });

  it('leaves the day in progress to the live pipeline, and writes nothing for a day without events', () => {
    const store = memoryDocs();
    store.apply(EVENTS);
    expect(store.get(PIPELINE_DAYS, '2026-03-04')).toBeUndefined();
    expect(store.get(PIPELINE_DAYS, '2026-03-05')).toBeUndefined();
    const pipeline = store.get<PipelineDoc>(PIPELINE, PIPELINE_ID)!;
    expect(pipeline.knownAt).toBe(t('2026-03-05', '09:00'));
    expect(viewOf(pipeline)).toEqual(asOfEndOf('2026-03-05'));
    expect(store.ids(DEALS)).toEqual(['x1', 'x2', 'x3']);
  });

  it('should be idempotent if run twice', () => {
    const store = memoryDocs();
    store.apply(EVENTS);
    const before = store.snapshot();
    store.apply(EVENTS);
    expect(store.snapshot()).toEqual(before);
    // and a redelivered tail of the log changes nothing either
    store.apply(EVENTS.slice(4));
    expect(store.snapshot()).toEqual(before);
  });

  it('gives the same documents when the log is applied in several runs', () => {
    const once = memoryDocs();
    once.apply(EVENTS);
    const inParts = memoryDocs();
    inParts.apply(EVENTS.slice(0, 4));
    inParts.apply(EVENTS.slice(2, 6)); // overlapping: a batch redelivered after a crash
    inParts.apply(EVENTS.slice(6));
    expect(inParts.snapshot()).toEqual(once.snapshot());
  });

  it('does not move the clock back for a late, backdated event, nor write an earlier day again', () => {
    const store = memoryDocs();
    store.apply(EVENTS);
    const daysBefore = store.snapshot()[PIPELINE_DAYS];
    // recorded on the 5th, dated on the 2nd: known on the 5th
    store.apply([appended(amountChanged('x1', 12_000, t('2026-03-02', '08:00')), t('2026-03-05', '12:00'))]);
    const pipeline = store.get<PipelineDoc>(PIPELINE, PIPELINE_ID)!;
    expect(pipeline.knownAt).toBe(t('2026-03-05', '09:00'));
    expect(pipeline.open.x1.amount).toBe(12_000);
    expect(store.snapshot()[PIPELINE_DAYS]).toEqual(daysBefore);
    expect(store.ids(PIPELINE_DAYS)).toEqual(['2026-03-02', '2026-03-03']);
  });

  it('takes the record time of an event dated in the future, which closes the day before it', () => {
    // recorded on the 6th, dated on the 9th: known on the 6th
    const events = [...EVENTS, appended(amountChanged('x1', 12_000, t('2026-03-09', '10:00')), t('2026-03-06', '10:00'))];
    const store = memoryDocs();
    store.apply(events);
    expect(store.get<PipelineDoc>(PIPELINE, PIPELINE_ID)!.knownAt).toBe(t('2026-03-06', '10:00'));
    expect(store.ids(PIPELINE_DAYS)).toEqual(['2026-03-02', '2026-03-03', '2026-03-05']);
    const stored = store.get<PipelineDayDoc>(PIPELINE_DAYS, '2026-03-05')!;
    expect(stored._position).toBe(events.length);
    expect(decodeDayView(stored)).toEqual(dayView({ ...viewOf(project(EVENTS)), day: '2026-03-05' }));
  });
});

// ---------------------------------------------------------------- accuracy

/**
 * ann and bob, EUR, January–May 2026 (all at noon, recorded as they occurred):
 *   a1 ann proposal    100 000 close 02-20, commit      → won 02-20 (100 000)
 *   a2 ann negotiation 200 000 close 03-15, best_case   → lost 03-10
 *   a3 ann lead         50 000 close 03-25               → won 03-25 (60 000)
 *   a4 ann lead         30 000 close 04-25 (opened 03-20) → lost 04-28
 *   b1 bob qualified    80 000 close 02-27               → lost 02-27
 *   b2 bob proposal    120 000 close 03-31, commit; close date pushed to 04-10 on 03-30 → won 04-05
 *   b3 bob lead         10 000 close 06-30 (opened 05-02: the live day)
 * Submissions (commit): ann 02 90 000, 03 150 000; bob 02 50 000, 03 120 000, 04 100 000.
 */
const ACCURACY_EVENTS: DomainEvent[] = [
  opened('b1', { owner: 'bob', stage: 'qualified', amount: 80_000, close: '2026-02-27', at: t('2026-01-05') }),
  opened('a1', { owner: 'ann', stage: 'proposal', amount: 100_000, close: '2026-02-20', at: t('2026-01-10') }),
  opened('a2', { owner: 'ann', stage: 'negotiation', amount: 200_000, close: '2026-03-15', at: t('2026-01-12') }),
  categorised('a1', 'ann', 'commit', t('2026-01-15')),
  categorised('a2', 'ann', 'best_case', t('2026-01-20')),
  opened('a3', { owner: 'ann', stage: 'lead', amount: 50_000, close: '2026-03-25', at: t('2026-02-01') }),
  submission('sa02', { name: 'ann', period: '2026-02', commit: 90_000, bestCase: 120_000, at: t('2026-02-01') }),
  submission('sb02', { name: 'bob', period: '2026-02', commit: 50_000, at: t('2026-02-02') }),
  opened('b2', { owner: 'bob', stage: 'proposal', amount: 120_000, close: '2026-03-31', at: t('2026-02-10') }),
  categorised('b2', 'bob', 'commit', t('2026-02-11')),
  won('a1', 'proposal', 100_000, t('2026-02-20')),
  lost('b1', 'qualified', 80_000, t('2026-02-27')),
  submission('sa03', { name: 'ann', period: '2026-03', commit: 150_000, bestCase: 200_000, at: t('2026-03-01') }),
  submission('sb03', { name: 'bob', period: '2026-03', commit: 120_000, at: t('2026-03-02') }),
  lost('a2', 'negotiation', 200_000, t('2026-03-10')),
  opened('a4', { owner: 'ann', stage: 'lead', amount: 30_000, close: '2026-04-25', at: t('2026-03-20') }),
  won('a3', 'lead', 60_000, t('2026-03-25')),
  closeDateMoved('b2', '2026-04-10', t('2026-03-30')),
  submission('sb04', { name: 'bob', period: '2026-04', commit: 100_000, at: t('2026-04-01') }),
  won('b2', 'proposal', 120_000, t('2026-04-05')),
  lost('a4', 'lead', 30_000, t('2026-04-28')),
  opened('b3', { owner: 'bob', stage: 'lead', amount: 10_000, close: '2026-06-30', at: t('2026-05-02') }),
];

/** Projects the log, keeping the view at the end of every knowledge day; viewAt reads the last day at or before. */
function projectWithDays(events: DomainEvent[]) {
  const days = new Map<string, PipelineView>();
  let doc: PipelineDoc | undefined;
  for (const e of inLog(events)) {
    doc = evolvePipeline(doc, e);
    days.set(doc.knownAt!.slice(0, 10), viewOf(doc));
  }
  const asked: string[] = [];
  const viewAt = (day: string): PipelineView => {
    asked.push(day);
    const known = [...days.keys()].filter((d) => d <= day).sort();
    return known.length ? days.get(known[known.length - 1])! : emptyView();
  };
  return { live: viewOf(doc), viewAt, asked };
}

type Figures = Record<ForecastMethod, number | null>;
const f = (stage: number, learned: number, commit: number, bestCase: number, submitted: number | null): Figures => ({
  stage_weighted: stage,
  learned_weighted: learned,
  category_commit: commit,
  category_best_case: bestCase,
  submitted,
});
const same = (x: number, submitted: number | null) => f(x, x, x, x, submitted);

/**
 * What each method said at the end of the period's last day (lead 0) and 14 days before (lead 14), worked out by hand
 * from the deals above, and what was won in the period.
 */
const EXPECTED: Array<{ period: string; owner: string | null; actual: number; lead0: Figures; lead14: Figures }> = [
  // 02-14: a1 100 000 proposal commit (ann), b1 80 000 qualified (bob); nothing closed yet, so learned = configured.
  { period: '2026-02', owner: null, actual: 100_000, lead0: same(100_000, 140_000), lead14: f(70_000, 70_000, 100_000, 100_000, 140_000) },
  // 03-17: a3 50 000 lead (ann), b2 120 000 proposal commit (bob); learned: lead 0.1 (no data), proposal (5 + 1)/11 = 0.5455.
  { period: '2026-03', owner: null, actual: 60_000, lead0: same(60_000, 270_000), lead14: f(65_000, 70_460, 120_000, 120_000, 270_000) },
  // 04-16: b2 won 120 000; a4 30 000 lead (ann); learned lead (1 + 1)/11 = 0.1818 → 5 454.
  { period: '2026-04', owner: null, actual: 120_000, lead0: same(120_000, 100_000), lead14: f(123_000, 125_454, 120_000, 120_000, 100_000) },
  { period: '2026-02', owner: 'ann', actual: 100_000, lead0: same(100_000, 90_000), lead14: f(50_000, 50_000, 100_000, 100_000, 90_000) },
  { period: '2026-03', owner: 'ann', actual: 60_000, lead0: same(60_000, 150_000), lead14: f(5_000, 5_000, 0, 0, 150_000) },
  // ann won nothing in April and submitted nothing for it: a4 was lost on 04-28.
  { period: '2026-04', owner: 'ann', actual: 0, lead0: same(0, null), lead14: f(3_000, 5_454, 0, 0, null) },
  // bob lost b1 in February: only his submission says anything.
  { period: '2026-02', owner: 'bob', actual: 0, lead0: same(0, 50_000), lead14: f(20_000, 20_000, 0, 0, 50_000) },
  // b2 slipped into April on 03-30.
  { period: '2026-03', owner: 'bob', actual: 0, lead0: same(0, 120_000), lead14: f(60_000, 65_460, 120_000, 120_000, 120_000) },
  { period: '2026-04', owner: 'bob', actual: 120_000, lead0: same(120_000, 100_000), lead14: same(120_000, 100_000) },
];

describe('accuracyPlan', () => {
  const live = (day: string | null): PipelineView => ({ ...emptyView(), day });

  it('covers the closed periods, with the as-of days of every lead time, sorted and without repeats', () => {
    expect(accuracyPlan(live('2026-05-02'), { period: 'month', from: '2026-02', leadDays: [0, 14, 0] })).toEqual({
      periods: ['2026-02', '2026-03', '2026-04'],
      days: ['2026-02-14', '2026-02-28', '2026-03-17', '2026-03-31', '2026-04-16', '2026-04-30'],
    });
  });

  it('defaults to the twelve periods that ended last, and never reaches the period in progress', () => {
    expect(accuracyPlan(live('2026-05-02'), { period: 'month', leadDays: [0] }).periods).toEqual([
      '2025-05', '2025-06', '2025-07', '2025-08', '2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04',
    ]);
    expect(accuracyPlan(live('2026-05-02'), { period: 'quarter', from: '2025-Q4', to: '2026-Q3', leadDays: [7] })).toEqual({
      periods: ['2025-Q4', '2026-Q1'],
      days: ['2025-12-24', '2026-03-24'],
    });
  });

  it('covers nothing before any event', () => {
    expect(accuracyPlan(live(null), { period: 'month', leadDays: [0] })).toEqual({ periods: [], days: [] });
  });
});

describe('forecastAccuracy', () => {
  const OPTIONS: AccuracyOptions = { period: 'month', from: '2026-02', leadDays: [0, 14] };

  /** Scored independently of the code under test: error = forecast − actual; ape and bias relative to the actual. */
  function expectScore(m: MethodAccuracy, forecastFigure: number | null, actual: number): void {
    if (forecastFigure === null) {
      expect(m).toEqual({ forecast: null, error: null, ape: null, bias: null });
      return;
    }
    expect(m.forecast).toBe(forecastFigure);
    expect(m.error).toBe(forecastFigure - actual);
    if (actual === 0) {
      expect(m.ape).toBeNull();
      expect(m.bias).toBeNull();
    } else {
      expect(m.ape).toBeCloseTo(Math.abs(forecastFigure - actual) / actual, 5);
      expect(m.bias).toBeCloseTo((forecastFigure - actual) / actual, 5);
    }
  }

  it('asks for the view of each as-of day, and nothing else', () => {
    const { live, viewAt, asked } = projectWithDays(ACCURACY_EVENTS);
    forecastAccuracy(live, viewAt, OPTIONS, SETTINGS);
    expect([...new Set(asked)].sort()).toEqual(accuracyPlan(live, OPTIONS).days);
  });

  it('scores every method per period, in total and per owner, against what was won', () => {
    const { live, viewAt } = projectWithDays(ACCURACY_EVENTS);
    const report = forecastAccuracy(live, viewAt, OPTIONS, SETTINGS);
    expect(report.periods).toEqual(['2026-02', '2026-03', '2026-04']);
    expect(report.methods).toEqual(FORECAST_METHODS);
    expect(report.rows.map((r) => [r.currency, r.owner, r.period, r.actual])).toEqual(EXPECTED.map((e) => ['EUR', e.owner, e.period, e.actual]));
    for (const [i, e] of EXPECTED.entries()) {
      const row = report.rows[i];
      expect(row.leads.map((l) => [l.leadDays, l.asOfDay, l.known])).toEqual([
        [0, periodEnd(e.period), true],
        [14, addDays(periodEnd(e.period), -14), true],
      ]);
      for (const method of FORECAST_METHODS) {
        expectScore(row.leads[0].methods[method], e.lead0[method], e.actual);
        expectScore(row.leads[1].methods[method], e.lead14[method], e.actual);
      }
    }
  });

  it('gives the numbers a reader would check (spot values)', () => {
    const { live, viewAt } = projectWithDays(ACCURACY_EVENTS);
    const rows = forecastAccuracy(live, viewAt, OPTIONS, SETTINGS).rows;
    const row = (period: string, owner: string | null) => rows.find((r) => r.period === period && r.owner === owner)!;
    // March, 14 days out: learned 70 460 against 60 000 won
    expect(row('2026-03', null).leads[1].methods.learned_weighted).toEqual({ forecast: 70_460, error: 10_460, ape: 0.174333, bias: 0.174333 });
    // March at its end: submitted 270 000 against 60 000
    expect(row('2026-03', null).leads[0].methods.submitted).toEqual({ forecast: 270_000, error: 210_000, ape: 3.5, bias: 3.5 });
    // April at its end: bob submitted 100 000, won 120 000
    expect(row('2026-04', 'bob').leads[0].methods.submitted).toEqual({ forecast: 100_000, error: -20_000, ape: 0.166667, bias: -0.166667 });
    // nothing won: no percentage
    expect(row('2026-02', 'bob').leads[0].methods.submitted).toEqual({ forecast: 50_000, error: 50_000, ape: null, bias: null });
    expect(row('2026-04', 'ann').leads[0].methods.stage_weighted).toEqual({ forecast: 0, error: 0, ape: null, bias: null });
    // no submission: null
    expect(row('2026-04', 'ann').leads[1].methods.submitted).toEqual({ forecast: null, error: null, ape: null, bias: null });
  });

  it('summarises per owner, lead time and method: MAPE, WAPE and mean bias over periods with something won', () => {
    const { live, viewAt } = projectWithDays(ACCURACY_EVENTS);
    const { summary } = forecastAccuracy(live, viewAt, OPTIONS, SETTINGS);
    expect(summary).toHaveLength(3 * 2 * FORECAST_METHODS.length);
    for (const owner of [null, 'ann', 'bob']) {
      for (const lead of [0, 14] as const) {
        for (const method of FORECAST_METHODS) {
          const scored = EXPECTED.filter((e) => e.owner === owner)
            .map((e) => ({ a: e.actual, f: (lead === 0 ? e.lead0 : e.lead14)[method] }))
            .filter((x): x is { a: number; f: number } => x.f !== null);
          const withActual = scored.filter((x) => x.a > 0);
          const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null);
          const sumActual = withActual.reduce((s, x) => s + x.a, 0);
          const expected = {
            periods: scored.length,
            mape: mean(withActual.map((x) => Math.abs(x.f - x.a) / x.a)),
            wape: sumActual > 0 ? withActual.reduce((s, x) => s + Math.abs(x.f - x.a), 0) / sumActual : null,
            meanBias: mean(withActual.map((x) => (x.f - x.a) / x.a)),
          };
          const got = summary.find((s) => s.owner === owner && s.leadDays === lead && s.method === method)!;
          expect(got).toMatchObject({ currency: 'EUR', owner, leadDays: lead, method, periods: expected.periods });
          for (const key of ['mape', 'wape', 'meanBias'] as const) {
            const want = expected[key];
            if (want === null) expect(got[key]).toBeNull();
            else expect(got[key]).toBeCloseTo(want, 5);
          }
        }
      }
    }
  });

  it('summarises to the figures worked out on paper', () => {
    const { live, viewAt } = projectWithDays(ACCURACY_EVENTS);
    const { summary } = forecastAccuracy(live, viewAt, OPTIONS, SETTINGS);
    const get = (owner: string | null, lead: number, method: ForecastMethod) => {
      const { mape, wape, meanBias, periods } = summary.find((s) => s.owner === owner && s.leadDays === lead && s.method === method)!;
      return { periods, mape, wape, meanBias };
    };
    // (0.4 + 3.5 + 1/6) / 3; (40 000 + 210 000 + 20 000) / 280 000; (0.4 + 3.5 − 1/6) / 3
    expect(get(null, 0, 'submitted')).toEqual({ periods: 3, mape: 1.355556, wape: 0.964286, meanBias: 1.244444 });
    // (0.3 + 1/12 + 0.025) / 3; (30 000 + 5 000 + 3 000) / 280 000; (−0.3 + 1/12 + 0.025) / 3
    expect(get(null, 14, 'stage_weighted')).toEqual({ periods: 3, mape: 0.136111, wape: 0.135714, meanBias: -0.063889 });
    // at the period's end the weighted methods are what was won
    expect(get(null, 0, 'learned_weighted')).toEqual({ periods: 3, mape: 0, wape: 0, meanBias: 0 });
    // bob won only in April; his other periods are scored but carry no percentage
    expect(get('bob', 0, 'submitted')).toEqual({ periods: 3, mape: 0.166667, wape: 0.166667, meanBias: -0.166667 });
    // ann submitted for two of her three periods
    expect(get('ann', 0, 'submitted')).toEqual({ periods: 2, mape: 0.8, wape: 0.625, meanBias: 0.7 });
  });

  it('filtered to one owner, the total is that owner’s', () => {
    const { live, viewAt } = projectWithDays(ACCURACY_EVENTS);
    const report = forecastAccuracy(live, viewAt, { ...OPTIONS, owner: 'ann' }, SETTINGS);
    const totals = report.rows.filter((r) => r.owner === null);
    const ann = report.rows.filter((r) => r.owner === 'ann');
    expect(report.rows.map((r) => r.owner)).toEqual([null, null, null, 'ann', 'ann', 'ann']);
    expect(totals.map((r) => ({ ...r, owner: 'ann' }))).toEqual(ann);
    expect(totals[0].leads[1].methods.stage_weighted.forecast).toBe(50_000);
  });

  it('says nothing for as-of days before the known history: every method null, actuals still scored', () => {
    const { live } = projectWithDays(ACCURACY_EVENTS);
    const report = forecastAccuracy(live, () => emptyView(), OPTIONS, SETTINGS);
    expect(report.rows.map((r) => [r.owner, r.period, r.actual])).toEqual([
      [null, '2026-02', 100_000],
      [null, '2026-03', 60_000],
      [null, '2026-04', 120_000],
      ['ann', '2026-02', 100_000],
      ['ann', '2026-03', 60_000],
      // bob's submissions for February and March make rows of the live view, with nothing won
      ['bob', '2026-02', 0],
      ['bob', '2026-03', 0],
      ['bob', '2026-04', 120_000],
    ]);
    for (const row of report.rows) {
      for (const lead of row.leads) {
        expect(lead.known).toBe(false);
        for (const method of FORECAST_METHODS) expect(lead.methods[method]).toEqual({ forecast: null, error: null, ape: null, bias: null });
      }
    }
    for (const s of report.summary) expect(s).toMatchObject({ periods: 0, mape: null, wape: null, meanBias: null });
  });

  it('reports nothing before any event', () => {
    const report = forecastAccuracy(emptyView(), () => emptyView(), OPTIONS, SETTINGS);
    expect(report).toEqual({ period: 'month', leadDays: [0, 14], methods: FORECAST_METHODS, periods: [], rows: [], summary: [] });
  });
});

// ---------------------------------------------------------------- sales cycle

describe('histogramMedian', () => {
  it.each([
    [{}, null],
    [{ 3: 1 }, 3],
    [{ 1: 1, 5: 1, 9: 1 }, 5],
    [{ 2: 1, 4: 1 }, 3],
    [{ 1: 2, 10: 2 }, 5.5],
    [{ 0: 3, 7: 1 }, 0],
    [{ 0: 1, 7: 3 }, 7],
    [{ 1: 1, 2: 1, 4: 1, 10: 1 }, 3],
    [{ 5: 0 }, null],
  ] as Array<[Record<string, number>, number | null]>)('of %p is %p', (h, median) => {
    expect(histogramMedian(h)).toBe(median);
  });

  it('orders values as numbers, not as strings', () => {
    // as strings 10 < 2 < 9 would give 2
    expect(histogramMedian({ 10: 1, 9: 1, 2: 1 })).toBe(9);
    expect(histogramMedian({ 10: 1, 9: 1, 2: 1, 100: 1 })).toBe(9.5);
  });
});

describe('salesCycle', () => {
  /**
   * ann:
   *   d1 lead 01-01 09:00 → qualified 01-04 09:00 (3 days) → proposal 01-14 08:00 (9.96 → 9) → won 01-20 09:00 (6.04 → 6); 19 days
   *   d2 lead 01-02 09:00 → qualified 01-07 09:00 (5) → back to lead 01-09 09:00 (2) → lost 01-10 09:00 (1)
   *   d3 qualified 01-05 00:00, close 02-01 pushed to 02-11 (+10), pulled to 02-05, pushed to 02-20 (+15) → won 01-30 00:00 (25); 25 days
   * bob:
   *   e1 proposal 01-01 00:00, close 01-31 pushed to 02-03 (+3) → lost 01-11 00:00 (10)
   *   e2 negotiation 01-03 00:00 → won 01-07 00:00 (4); 4 days
   */
  const doc = project(
    inLog([
      opened('d1', { owner: 'ann', stage: 'lead', amount: 1, close: '2026-02-01', at: t('2026-01-01', '09:00') }),
      opened('e1', { owner: 'bob', stage: 'proposal', amount: 1, close: '2026-01-31', at: t('2026-01-01', '00:00') }),
      opened('d2', { owner: 'ann', stage: 'lead', amount: 1, close: '2026-02-01', at: t('2026-01-02', '09:00') }),
      opened('e2', { owner: 'bob', stage: 'negotiation', amount: 1, close: '2026-02-01', at: t('2026-01-03', '00:00') }),
      moved('d1', 'lead', 'qualified', t('2026-01-04', '09:00')),
      opened('d3', { owner: 'ann', stage: 'qualified', amount: 1, close: '2026-02-01', at: t('2026-01-05', '00:00') }),
      moved('d2', 'lead', 'qualified', t('2026-01-07', '09:00')),
      won('e2', 'negotiation', 1, t('2026-01-07', '00:00')),
      closeDateMoved('d3', '2026-02-11', t('2026-01-08', '00:00')),
      moved('d2', 'qualified', 'lead', t('2026-01-09', '09:00')),
      closeDateMoved('e1', '2026-02-03', t('2026-01-09', '10:00')),
      lost('d2', 'lead', 1, t('2026-01-10', '09:00')),
      lost('e1', 'proposal', 1, t('2026-01-11', '00:00')),
      closeDateMoved('d3', '2026-02-05', t('2026-01-12', '00:00')),
      moved('d1', 'qualified', 'proposal', t('2026-01-14', '08:00')),
      closeDateMoved('d3', '2026-02-20', t('2026-01-15', '00:00')),
      won('d1', 'proposal', 1, t('2026-01-20', '09:00')),
      won('d3', 'qualified', 1, t('2026-01-30', '00:00')),
      // a change to a closed deal counts for nothing
      closeDateMoved('d3', '2026-03-31', t('2026-01-31', '00:00')),
    ]),
  );
  const stage = (c: ReturnType<typeof salesCycle>['total'], name: string) => c.stages.find((s) => s.stage === name)!;

  it('describes each owner: stage exits and conversion, median days in stage, won cycle and slips', () => {
    const { owners } = salesCycle(doc);
    expect(owners.map((o) => o.owner)).toEqual(['ann', 'bob']);
    const [ann, bob] = owners;
    expect(ann.stages).toEqual([
      // lead: d1 and d2 moved on, d2 was lost from it after going back
      { stage: 'lead', exits: 3, to: { qualified: 2, lost: 1 }, conversion: 0.6667, medianDaysInStage: 3 },
      // qualified: d1 forward, d3 won, d2 back
      { stage: 'qualified', exits: 3, to: { proposal: 1, lead: 1, won: 1 }, conversion: 0.6667, medianDaysInStage: 9 },
      { stage: 'proposal', exits: 1, to: { won: 1 }, conversion: 1, medianDaysInStage: 6 },
      { stage: 'negotiation', exits: 0, to: {}, conversion: null, medianDaysInStage: null },
    ]);
    expect(ann).toMatchObject({ opened: 3, won: 2, medianWonCycleDays: 22, slipped: { deals: 1, shareOfOpened: 0.3333, pushes: 2, meanDaysPerPush: 12.5 } });
    expect(stage(bob, 'proposal')).toEqual({ stage: 'proposal', exits: 1, to: { lost: 1 }, conversion: 0, medianDaysInStage: 10 });
    expect(stage(bob, 'negotiation')).toEqual({ stage: 'negotiation', exits: 1, to: { won: 1 }, conversion: 1, medianDaysInStage: 4 });
    expect(bob).toMatchObject({ opened: 2, won: 1, medianWonCycleDays: 4, slipped: { deals: 1, shareOfOpened: 0.5, pushes: 1, meanDaysPerPush: 3 } });
  });

  it('adds the owners up into the total', () => {
    const { total } = salesCycle(doc);
    expect(total.owner).toBeNull();
    expect(total.opened).toBe(5);
    expect(total.won).toBe(3);
    // won cycles 4, 19, 25
    expect(total.medianWonCycleDays).toBe(19);
    // 28 days over 3 pushes
    expect(total.slipped).toEqual({ deals: 2, shareOfOpened: 0.4, pushes: 3, meanDaysPerPush: 9.33 });
    // days in proposal 6 (d1) and 10 (e1): the mean of the two middle values
    expect(stage(total, 'proposal')).toEqual({ stage: 'proposal', exits: 2, to: { won: 1, lost: 1 }, conversion: 0.5, medianDaysInStage: 8 });
    expect(stage(total, 'lead')).toMatchObject({ exits: 3, conversion: 0.6667, medianDaysInStage: 3 });
  });

  it('filters to one owner', () => {
    const { total, owners } = salesCycle(doc, { owner: 'bob' });
    expect(owners.map((o) => o.owner)).toEqual(['bob']);
    expect({ ...total, owner: 'bob' }).toEqual(owners[0]);
  });

  it('gives nulls, never NaN, without any deal', () => {
    const { total, owners } = salesCycle(undefined);
    expect(owners).toEqual([]);
    expect(total).toEqual({
      owner: null,
      opened: 0,
      stages: ['lead', 'qualified', 'proposal', 'negotiation'].map((s) => ({ stage: s, exits: 0, to: {}, conversion: null, medianDaysInStage: null })),
      won: 0,
      medianWonCycleDays: null,
      slipped: { deals: 0, shareOfOpened: null, pushes: 0, meanDaysPerPush: null },
    });
  });
});

// ---------------------------------------------------------------- the worked example of docs/read-models.md

describe('the worked example in docs/read-models.md', () => {
  const proposalHistory: DomainEvent[] = [];
  // 20 closed deals that visited proposal: 4 won in their due month, 2 a month late, 14 lost.
  for (let i = 0; i < 20; i++) {
    const id = `h${i}`;
    proposalHistory.push(opened(id, { owner: 'anna', stage: 'proposal', amount: 10_000, close: '2026-02-20', at: t('2026-01-05') }));
    if (i < 4) proposalHistory.push(won(id, 'proposal', 10_000, t('2026-02-10')));
    else if (i < 6) proposalHistory.push(won(id, 'proposal', 10_000, t('2026-03-10')));
    else proposalHistory.push(lost(id, 'proposal', 10_000, t('2026-02-12')));
  }
  const EVENTS: DomainEvent[] = [
    ...proposalHistory,
    opened('d1', { owner: 'anna', stage: 'proposal', amount: 1_000_000, close: '2026-05-20', at: t('2026-04-01') }),
    categorised('d1', 'anna', 'commit', t('2026-04-02')),
    submission('s1', { name: 'anna', period: '2026-05', commit: 900_000, at: t('2026-05-01') }),
    // 200 000 won so far in May, by a deal that never was at proposal
    opened('m1', { owner: 'boris', stage: 'negotiation', amount: 200_000, close: '2026-05-15', at: t('2026-05-02') }),
    won('m1', 'negotiation', 200_000, t('2026-05-10')),
    // after the 24th: d1 slips to June, another 300 000 is opened and won in May
    closeDateMoved('d1', '2026-06-10', t('2026-05-25')),
    opened('m2', { owner: 'boris', stage: 'negotiation', amount: 300_000, close: '2026-05-31', at: t('2026-05-26') }),
    won('m2', 'negotiation', 300_000, t('2026-05-28')),
    won('d1', 'proposal', 1_000_000, t('2026-06-05')),
  ];
  const settings: ForecastSettings = { stageProbabilities: { ...DEFAULT_STAGE_PROBABILITIES, proposal: 0.5 }, priorStrength: 10, lookbackMonths: 24 };

  it('has the documented learned probability and timing shares, and May figures as of the 24th', () => {
    const { viewAt } = projectWithDays(EVENTS);
    const may24 = viewAt('2026-05-24');
    const proposal = learnedProbabilities(may24, settings).find((l) => l.stage === 'proposal')!;
    expect(proposal).toMatchObject({ won: 6, lost: 14, closedDeals: 20, learned: 0.3667 });
    expect(proposal.closeMonthOffsets).toEqual([
      { offset: 0, won: 4, share: 0.875 },
      { offset: 1, won: 2, share: 0.125 },
    ]);
    const rows = forecastMethods(may24, { period: 'month', currency: 'EUR' }, settings).byPeriod;
    expect(rows.find((r) => r.period === '2026-05')).toMatchObject({
      wonSoFar: 200_000,
      stage_weighted: 700_000,
      learned_weighted: 520_863,
      category_commit: 1_200_000,
      category_best_case: 1_200_000,
      submitted: 900_000,
    });
    expect(rows.find((r) => r.period === '2026-06')).toMatchObject({ learned_weighted: 45_838 });
  });

  it('scores May at lead 7 as documented', () => {
    const { live, viewAt } = projectWithDays(EVENTS);
    const report = forecastAccuracy(live, viewAt, { period: 'month', from: '2026-05', to: '2026-05', leadDays: [7], currency: 'EUR' }, settings);
    const may = report.rows.find((r) => r.owner === null && r.period === '2026-05')!;
    expect(may.actual).toBe(500_000);
    expect(may.leads[0].asOfDay).toBe('2026-05-24');
    expect(may.leads[0].methods.stage_weighted).toEqual({ forecast: 700_000, error: 200_000, ape: 0.4, bias: 0.4 });
    expect(may.leads[0].methods.learned_weighted.ape).toBeCloseTo(0.0417, 4);
    expect(may.leads[0].methods.category_commit.ape).toBe(1.4);
    expect(may.leads[0].methods.submitted.ape).toBe(0.8);
  });
});
