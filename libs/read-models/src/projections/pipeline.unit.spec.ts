import type { DealEvent, DealStage } from '@touchpoint/domain';
import {
  DEFAULT_STAGE_PROBABILITIES,
  evolveDeal,
  evolvePipeline,
  forecast,
  periodOf,
  PIPELINE_ID,
  type DealDoc,
  type ForecastOptions,
  type PipelineDoc,
  type ProjectedEvent,
} from '@touchpoint/read-models';

// ---------------------------------------------------------------- helpers

/** Wraps domain events into the projector's envelope with increasing log positions. */
function logOf() {
  let position = 0;
  return (event: DealEvent): ProjectedEvent => {
    position += 1;
    return {
      ...event,
      eventId: `evt-${position}`,
      streamId: `deal-${event.data.dealId}`,
      streamRevision: position - 1,
      globalPosition: position,
      recordedAt: new Date(Date.UTC(2026, 0, 1) + position * 1000).toISOString(),
      metadata: { actor: 'sales:ivan', correlationId: `corr-${position}`, causationId: `cmd-${position}` },
    } as ProjectedEvent;
  };
}

const C = 'c-1';
const at = (day: string) => `${day}T12:00:00.000Z`;

const opened = (dealId: string, o: { amount: number; currency: string; stage: DealStage; owner: string; close: string; on?: string; customerId?: string }): DealEvent => ({
  type: 'DealOpened',
  data: {
    dealId,
    customerId: o.customerId ?? C,
    title: `Deal ${dealId}`,
    amount: o.amount,
    currency: o.currency,
    stage: o.stage,
    expectedCloseDate: o.close,
    owner: o.owner,
    occurredAt: at(o.on ?? '2025-12-01'),
  },
});
const moved = (dealId: string, from: DealStage, to: DealStage, on = '2025-12-10'): DealEvent => ({ type: 'DealStageChanged', data: { dealId, customerId: C, from, to, occurredAt: at(on) } });
/** A chain of stage changes: lead → qualified → … */
const path = (dealId: string, ...stages: DealStage[]): DealEvent[] => stages.slice(1).map((to, i) => moved(dealId, stages[i], to));
const amountChanged = (dealId: string, amount: number, currency: string): DealEvent => ({ type: 'DealAmountChanged', data: { dealId, customerId: C, amount, currency, occurredAt: at('2025-12-15') } });
const closeDateChanged = (dealId: string, expectedCloseDate: string): DealEvent => ({ type: 'DealCloseDateChanged', data: { dealId, customerId: C, expectedCloseDate, occurredAt: at('2025-12-16') } });
const won = (dealId: string, stage: DealStage, amount: number, currency: string, on: string): DealEvent => ({ type: 'DealWon', data: { dealId, customerId: C, stage, amount, currency, occurredAt: at(on) } });
const lost = (dealId: string, stage: DealStage, amount: number, currency: string, on: string, competitor?: string): DealEvent => ({
  type: 'DealLost',
  data: { dealId, customerId: C, stage, amount, currency, reason: 'price', ...(competitor && { competitor }), occurredAt: at(on) },
});

function projectDeal(events: DealEvent[]): DealDoc | undefined {
  const wrap = logOf();
  return events.reduce<DealDoc | undefined>((doc, e) => evolveDeal(doc, wrap(e)), undefined);
}

function projectPipeline(events: DealEvent[]): PipelineDoc {
  const wrap = logOf();
  return events.reduce<PipelineDoc | undefined>((doc, e) => evolvePipeline(doc, wrap(e)), undefined) as PipelineDoc;
}

/**
 * Five open deals and three closed ones:
 *   d1 ann  EUR 100 000 lead         closes 2026-01-15
 *   d2 bob  EUR 200 000 proposal     closes 2026-02-10  (went back from negotiation to qualified; amount raised from 150 000)
 *   d3 ann  EUR  33 333 qualified    closes 2026-03-31  (moved from 2026-05-01)
 *   d4 ann  USD  50 000 negotiation  closes 2026-02-01  (re-quoted from EUR to USD)
 *   d5 bob  EUR  80 000 negotiation  closes 2026-04-01
 *   d6 won  EUR 120 000 on 2026-01-20 (lead → qualified → proposal; opened at 100 000)
 *   d7 lost EUR  40 000 on 2026-02-05 (lead → qualified → negotiation → qualified)
 *   d8 won  USD  30 000 on 2026-03-03 (opened at proposal)
 */
const PIPELINE_EVENTS: DealEvent[] = [
  opened('d1', { amount: 100_000, currency: 'EUR', stage: 'lead', owner: 'ann', close: '2026-01-15' }),
  opened('d2', { amount: 150_000, currency: 'EUR', stage: 'lead', owner: 'bob', close: '2026-02-10' }),
  opened('d3', { amount: 33_333, currency: 'EUR', stage: 'qualified', owner: 'ann', close: '2026-05-01' }),
  opened('d4', { amount: 50_000, currency: 'EUR', stage: 'negotiation', owner: 'ann', close: '2026-02-01' }),
  opened('d5', { amount: 80_000, currency: 'EUR', stage: 'negotiation', owner: 'bob', close: '2026-04-01' }),
  opened('d6', { amount: 100_000, currency: 'EUR', stage: 'lead', owner: 'ann', close: '2026-01-31' }),
  opened('d7', { amount: 40_000, currency: 'EUR', stage: 'lead', owner: 'bob', close: '2026-02-28' }),
  opened('d8', { amount: 30_000, currency: 'USD', stage: 'proposal', owner: 'ann', close: '2026-03-15' }),
  ...path('d2', 'lead', 'qualified', 'proposal', 'negotiation', 'qualified', 'proposal'),
  amountChanged('d2', 200_000, 'EUR'),
  closeDateChanged('d3', '2026-03-31'),
  amountChanged('d4', 50_000, 'USD'),
  ...path('d6', 'lead', 'qualified', 'proposal'),
  won('d6', 'proposal', 120_000, 'EUR', '2026-01-20'),
  ...path('d7', 'lead', 'qualified', 'negotiation', 'qualified'),
  lost('d7', 'qualified', 40_000, 'EUR', '2026-02-05'),
  won('d8', 'proposal', 30_000, 'USD', '2026-03-03'),
];

// ---------------------------------------------------------------- evolveDeal

describe('evolveDeal', () => {
  const open = opened('d1', { amount: 100_000, currency: 'EUR', stage: 'lead', owner: 'ann', close: '2026-03-31', on: '2026-01-05' });

  it('creates the deal document when opened', () => {
    expect(projectDeal([open])).toEqual<DealDoc>({
      _id: 'd1',
      _position: 1,
      dealId: 'd1',
      customerId: C,
      title: 'Deal d1',
      owner: 'ann',
      stage: 'lead',
      status: 'open',
      amount: 100_000,
      currency: 'EUR',
      expectedCloseDate: '2026-03-31',
      openedAt: at('2026-01-05'),
      closedAt: null,
      stagesVisited: ['lead'],
      forecastCategory: 'pipeline',
    });
  });

  it('follows stage changes, keeping each visited stage once even when the deal goes back', () => {
    const doc = projectDeal([open, ...path('d1', 'lead', 'qualified', 'proposal', 'negotiation', 'qualified')]);
    expect(doc).toMatchObject({ stage: 'qualified', status: 'open', stagesVisited: ['lead', 'qualified', 'proposal', 'negotiation'], _position: 5 });
  });

  it('takes amount, currency and close date changes', () => {
    const doc = projectDeal([open, amountChanged('d1', 90_000, 'USD'), closeDateChanged('d1', '2026-06-30')]);
    expect(doc).toMatchObject({ amount: 90_000, currency: 'USD', expectedCloseDate: '2026-06-30', _position: 3 });
  });

  it('is won with the final amount and close time', () => {
    const doc = projectDeal([open, moved('d1', 'lead', 'proposal'), won('d1', 'proposal', 110_000, 'EUR', '2026-03-20')]);
    expect(doc).toMatchObject({ status: 'won', amount: 110_000, currency: 'EUR', stage: 'proposal', closedAt: at('2026-03-20') });
    expect(doc).not.toHaveProperty('lostReason');
  });

  it('is lost with reason and competitor; the competitor is left out when not named', () => {
    expect(projectDeal([open, lost('d1', 'lead', 100_000, 'EUR', '2026-02-01', 'Initech')])).toMatchObject({
      status: 'lost',
      amount: 100_000,
      closedAt: at('2026-02-01'),
      lostReason: 'price',
      competitor: 'Initech',
    });
    expect(projectDeal([open, lost('d1', 'lead', 100_000, 'EUR', '2026-02-01')])).not.toHaveProperty('competitor');
  });

  it('ignores events of a deal it never saw opened', () => {
    expect(projectDeal([moved('d9', 'lead', 'qualified'), won('d9', 'lead', 1, 'EUR', '2026-01-01')])).toBeUndefined();
  });
});

// ---------------------------------------------------------------- evolvePipeline

describe('evolvePipeline', () => {
  it('starts the single pipeline document on the first deal event', () => {
    const doc = projectPipeline([opened('d1', { amount: 100, currency: 'EUR', stage: 'lead', owner: 'ann', close: '2026-01-15' })]);
    expect(doc).toEqual<PipelineDoc>({
      _id: PIPELINE_ID,
      _position: 1,
      open: { d1: { currency: 'EUR', amount: 100, owner: 'ann', stage: 'lead', closeDate: '2026-01-15', visited: ['lead'], openedAt: at('2025-12-01'), stageSince: at('2025-12-01') } },
      closed: {},
      stageOutcomes: {},
      knownAt: at('2025-12-01'),
      closedByOwner: {},
      stageOutcomesByMonth: {},
      submissions: {},
      cycle: { ann: { opened: 1, transitions: {}, daysInStage: {}, wonCycleDays: {}, slips: { deals: 0, pushes: 0, daysPushed: 0 } } },
    });
  });

  it('holds open deals with their current stage, amount, currency, close date and visited stages', () => {
    const doc = projectPipeline(PIPELINE_EVENTS);
    expect(doc.open).toMatchObject({
      d1: { currency: 'EUR', amount: 100_000, owner: 'ann', stage: 'lead', closeDate: '2026-01-15', visited: ['lead'] },
      d2: { currency: 'EUR', amount: 200_000, owner: 'bob', stage: 'proposal', closeDate: '2026-02-10', visited: ['lead', 'qualified', 'proposal', 'negotiation'] },
      d3: { currency: 'EUR', amount: 33_333, owner: 'ann', stage: 'qualified', closeDate: '2026-03-31', visited: ['qualified'] },
      d4: { currency: 'USD', amount: 50_000, owner: 'ann', stage: 'negotiation', closeDate: '2026-02-01', visited: ['negotiation'] },
      d5: { currency: 'EUR', amount: 80_000, owner: 'bob', stage: 'negotiation', closeDate: '2026-04-01', visited: ['negotiation'] },
    });
    expect(doc._position).toBe(PIPELINE_EVENTS.length);
  });

  it('moves won and lost deals to closed totals by close month and currency, with the outcome amount', () => {
    expect(projectPipeline(PIPELINE_EVENTS).closed).toEqual({
      '2026-01': { EUR: { won: { count: 1, amount: 120_000 }, lost: { count: 0, amount: 0 } } },
      '2026-02': { EUR: { won: { count: 0, amount: 0 }, lost: { count: 1, amount: 40_000 } } },
      '2026-03': { USD: { won: { count: 1, amount: 30_000 }, lost: { count: 0, amount: 0 } } },
    });
  });

  it('counts each closed deal once per stage it visited (a stage visited twice counts once)', () => {
    expect(projectPipeline(PIPELINE_EVENTS).stageOutcomes).toEqual({
      lead: { won: 1, lost: 1 },
      qualified: { won: 1, lost: 1 },
      proposal: { won: 2, lost: 0 },
      negotiation: { won: 0, lost: 1 },
    });
  });

  it('adds up several deals closed in the same month and currency', () => {
    const doc = projectPipeline([
      opened('a', { amount: 10, currency: 'EUR', stage: 'lead', owner: 'ann', close: '2026-01-15' }),
      opened('b', { amount: 20, currency: 'EUR', stage: 'lead', owner: 'ann', close: '2026-01-15' }),
      opened('c', { amount: 40, currency: 'EUR', stage: 'lead', owner: 'ann', close: '2026-01-15' }),
      won('a', 'lead', 11, 'EUR', '2026-01-01'),
      won('b', 'lead', 22, 'EUR', '2026-01-31'),
      lost('c', 'lead', 40, 'EUR', '2026-01-15'),
    ]);
    expect(doc.closed).toEqual({ '2026-01': { EUR: { won: { count: 2, amount: 33 }, lost: { count: 1, amount: 40 } } } });
    expect(doc.open).toEqual({});
  });

  it('ignores changes and outcomes of deals that are not open (never opened, or already closed)', () => {
    const events = [...PIPELINE_EVENTS, moved('d6', 'proposal', 'negotiation'), amountChanged('d7', 1, 'EUR'), closeDateChanged('d9', '2030-01-01'), won('d6', 'proposal', 999, 'EUR', '2026-01-21'), lost('d9', 'lead', 1, 'EUR', '2026-01-21')];
    const doc = projectPipeline(events);
    const reference = projectPipeline(PIPELINE_EVENTS);
    expect({ ...doc, _position: 0, knownAt: '' }).toEqual({ ...reference, _position: 0, knownAt: '' });
    expect(doc._position).toBe(events.length);
  });

  it('updates the document it was given in place (the projector owns it)', () => {
    const wrap = logOf();
    const doc = evolvePipeline(undefined, wrap(opened('d1', { amount: 1, currency: 'EUR', stage: 'lead', owner: 'ann', close: '2026-01-15' })));
    expect(evolvePipeline(doc, wrap(moved('d1', 'lead', 'qualified')))).toBe(doc);
    expect(doc.open.d1.stage).toBe('qualified');
  });
});

// ---------------------------------------------------------------- forecast

describe('periodOf', () => {
  it.each([
    ['2026-01-01', 'month', '2026-01'],
    ['2026-12-31', 'month', '2026-12'],
    ['2026-01-01', 'quarter', '2026-Q1'],
    ['2026-03-31', 'quarter', '2026-Q1'],
    ['2026-04-01', 'quarter', '2026-Q2'],
    ['2026-06-30', 'quarter', '2026-Q2'],
    ['2026-07-01', 'quarter', '2026-Q3'],
    ['2026-09-30', 'quarter', '2026-Q3'],
    ['2026-10-01', 'quarter', '2026-Q4'],
    ['2026-12-31', 'quarter', '2026-Q4'],
  ] as const)('%s by %s is %s', (date, period, expected) => {
    expect(periodOf(date, period)).toBe(expected);
  });
});

describe('forecast', () => {
  const pipeline = projectPipeline(PIPELINE_EVENTS);
  const options = (o: Partial<ForecastOptions> = {}): ForecastOptions => ({ period: 'month', stageProbabilities: DEFAULT_STAGE_PROBABILITIES, ...o });
  const cell = (period: string, currency: string, count: number, amount: number, weightedAmount: number) => ({ period, currency, count, amount, weightedAmount });
  const closedCell = (period: string, currency: string, won: [number, number], lostOutcome: [number, number]) => ({
    period,
    currency,
    won: { count: won[0], amount: won[1] },
    lost: { count: lostOutcome[0], amount: lostOutcome[1] },
  });
  const ALL_WIN_RATES = [
    { stage: 'lead', won: 1, lost: 1, winRate: 0.5 },
    { stage: 'qualified', won: 1, lost: 1, winRate: 0.5 },
    { stage: 'proposal', won: 2, lost: 0, winRate: 1 },
    { stage: 'negotiation', won: 0, lost: 1, winRate: 0 },
  ];

  it('buckets open deals by month and currency, weighting each deal by its stage probability', () => {
    const f = forecast(pipeline, options());
    expect(f.period).toBe('month');
    expect(f.stageProbabilities).toBe(DEFAULT_STAGE_PROBABILITIES);
    expect(f.byPeriod).toEqual([
      cell('2026-01', 'EUR', 1, 100_000, 10_000), // lead 0.1
      cell('2026-02', 'EUR', 1, 200_000, 100_000), // proposal 0.5
      cell('2026-02', 'USD', 1, 50_000, 37_500), // negotiation 0.75
      cell('2026-03', 'EUR', 1, 33_333, 8_333), // qualified 0.25: 8 333.25 rounded
      cell('2026-04', 'EUR', 1, 80_000, 60_000),
    ]);
    expect(f.byPeriodOwner).toEqual([
      { ...cell('2026-01', 'EUR', 1, 100_000, 10_000), owner: 'ann' },
      { ...cell('2026-02', 'EUR', 1, 200_000, 100_000), owner: 'bob' },
      { ...cell('2026-02', 'USD', 1, 50_000, 37_500), owner: 'ann' },
      { ...cell('2026-03', 'EUR', 1, 33_333, 8_333), owner: 'ann' },
      { ...cell('2026-04', 'EUR', 1, 80_000, 60_000), owner: 'bob' },
    ]);
    expect(f.byPeriodStage).toEqual([
      { ...cell('2026-01', 'EUR', 1, 100_000, 10_000), stage: 'lead' },
      { ...cell('2026-02', 'EUR', 1, 200_000, 100_000), stage: 'proposal' },
      { ...cell('2026-02', 'USD', 1, 50_000, 37_500), stage: 'negotiation' },
      { ...cell('2026-03', 'EUR', 1, 33_333, 8_333), stage: 'qualified' },
      { ...cell('2026-04', 'EUR', 1, 80_000, 60_000), stage: 'negotiation' },
    ]);
  });

  it('keeps per-currency totals apart (never adds EUR to USD)', () => {
    expect(forecast(pipeline, options()).totals).toEqual([
      { currency: 'EUR', count: 4, amount: 413_333, weightedAmount: 178_333 },
      { currency: 'USD', count: 1, amount: 50_000, weightedAmount: 37_500 },
    ]);
  });

  it('reports closed deals per month and currency', () => {
    expect(forecast(pipeline, options()).closed).toEqual([
      closedCell('2026-01', 'EUR', [1, 120_000], [0, 0]),
      closedCell('2026-02', 'EUR', [0, 0], [1, 40_000]),
      closedCell('2026-03', 'USD', [1, 30_000], [0, 0]),
    ]);
  });

  it('groups months into quarters (2026-01..03 → 2026-Q1)', () => {
    const f = forecast(pipeline, options({ period: 'quarter' }));
    expect(f.period).toBe('quarter');
    expect(f.byPeriod).toEqual([
      cell('2026-Q1', 'EUR', 3, 333_333, 118_333), // d1 + d2 + d3: 10 000 + 100 000 + 8 333
      cell('2026-Q1', 'USD', 1, 50_000, 37_500),
      cell('2026-Q2', 'EUR', 1, 80_000, 60_000),
    ]);
    expect(f.byPeriodOwner).toEqual([
      { ...cell('2026-Q1', 'EUR', 2, 133_333, 18_333), owner: 'ann' },
      { ...cell('2026-Q1', 'EUR', 1, 200_000, 100_000), owner: 'bob' },
      { ...cell('2026-Q1', 'USD', 1, 50_000, 37_500), owner: 'ann' },
      { ...cell('2026-Q2', 'EUR', 1, 80_000, 60_000), owner: 'bob' },
    ]);
    expect(f.closed).toEqual([closedCell('2026-Q1', 'EUR', [1, 120_000], [1, 40_000]), closedCell('2026-Q1', 'USD', [1, 30_000], [0, 0])]);
    expect(f.totals).toEqual(forecast(pipeline, options()).totals);
  });

  it('bounds periods by from and to, both inclusive, for open and closed deals', () => {
    const f = forecast(pipeline, options({ from: '2026-02', to: '2026-03' }));
    expect(f.byPeriod).toEqual([cell('2026-02', 'EUR', 1, 200_000, 100_000), cell('2026-02', 'USD', 1, 50_000, 37_500), cell('2026-03', 'EUR', 1, 33_333, 8_333)]);
    expect(f.totals).toEqual([
      { currency: 'EUR', count: 2, amount: 233_333, weightedAmount: 108_333 },
      { currency: 'USD', count: 1, amount: 50_000, weightedAmount: 37_500 },
    ]);
    expect(f.closed).toEqual([closedCell('2026-02', 'EUR', [0, 0], [1, 40_000]), closedCell('2026-03', 'USD', [1, 30_000], [0, 0])]);

    expect(forecast(pipeline, options({ from: '2026-04' })).byPeriod).toEqual([cell('2026-04', 'EUR', 1, 80_000, 60_000)]);
    expect(forecast(pipeline, options({ to: '2026-01' })).byPeriod).toEqual([cell('2026-01', 'EUR', 1, 100_000, 10_000)]);
    expect(forecast(pipeline, options({ to: '2026-01' })).closed).toEqual([closedCell('2026-01', 'EUR', [1, 120_000], [0, 0])]);

    const q2 = forecast(pipeline, options({ period: 'quarter', from: '2026-Q2', to: '2026-Q2' }));
    expect(q2.byPeriod).toEqual([cell('2026-Q2', 'EUR', 1, 80_000, 60_000)]);
    expect(q2.closed).toEqual([]);
    const q1 = forecast(pipeline, options({ period: 'quarter', from: '2026-Q1', to: '2026-Q1' }));
    expect(q1.byPeriod.map((c) => c.period)).toEqual(['2026-Q1', '2026-Q1']);
  });

  it('filters open deals by owner; closed totals and win rates stay for everyone (they carry no owner)', () => {
    const all = forecast(pipeline, options());
    const ann = forecast(pipeline, options({ owner: 'ann' }));
    expect(ann.byPeriod).toEqual([cell('2026-01', 'EUR', 1, 100_000, 10_000), cell('2026-02', 'USD', 1, 50_000, 37_500), cell('2026-03', 'EUR', 1, 33_333, 8_333)]);
    expect(ann.byPeriodOwner.every((c) => c.owner === 'ann')).toBe(true);
    expect(ann.totals).toEqual([
      { currency: 'EUR', count: 2, amount: 133_333, weightedAmount: 18_333 },
      { currency: 'USD', count: 1, amount: 50_000, weightedAmount: 37_500 },
    ]);
    expect(ann.closed).toEqual(all.closed);
    expect(ann.winRates).toEqual(all.winRates);
    expect(forecast(pipeline, options({ owner: 'nobody' })).byPeriod).toEqual([]);
  });

  it('filters open and closed deals by currency; win rates stay across currencies', () => {
    const usd = forecast(pipeline, options({ currency: 'USD' }));
    expect(usd.byPeriod).toEqual([cell('2026-02', 'USD', 1, 50_000, 37_500)]);
    expect(usd.totals).toEqual([{ currency: 'USD', count: 1, amount: 50_000, weightedAmount: 37_500 }]);
    expect(usd.closed).toEqual([closedCell('2026-03', 'USD', [1, 30_000], [0, 0])]);
    expect(usd.winRates).toEqual(ALL_WIN_RATES);
  });

  it('gives win rates per stage from the closed deals that visited it, in the order of the probabilities', () => {
    expect(forecast(pipeline, options()).winRates).toEqual(ALL_WIN_RATES);
  });

  it('weights by the given probabilities; a stage without one weighs 0 and gets no win rate', () => {
    const f = forecast(pipeline, options({ stageProbabilities: { proposal: 0.6, lead: 0.05 } }));
    expect(f.byPeriod).toEqual([
      cell('2026-01', 'EUR', 1, 100_000, 5_000),
      cell('2026-02', 'EUR', 1, 200_000, 120_000),
      cell('2026-02', 'USD', 1, 50_000, 0),
      cell('2026-03', 'EUR', 1, 33_333, 0),
      cell('2026-04', 'EUR', 1, 80_000, 0),
    ]);
    expect(f.winRates).toEqual([
      { stage: 'proposal', won: 2, lost: 0, winRate: 1 },
      { stage: 'lead', won: 1, lost: 1, winRate: 0.5 },
    ]);
  });

  it('rounds the weighted amount (half up) once per cell of the view (month, currency, owner, stage, category)', () => {
    const doc = projectPipeline([
      opened('x', { amount: 3, currency: 'EUR', stage: 'proposal', owner: 'ann', close: '2026-01-10' }), // x and y share a cell: 3 → 3
      opened('y', { amount: 3, currency: 'EUR', stage: 'proposal', owner: 'ann', close: '2026-01-20' }),
      opened('z', { amount: 1, currency: 'EUR', stage: 'lead', owner: 'ann', close: '2026-01-20' }), // 0.1 → 0
      opened('w', { amount: 3, currency: 'EUR', stage: 'proposal', owner: 'bob', close: '2026-01-20' }), // 1.5 → 2
    ]);
    expect(forecast(doc, options()).byPeriod).toEqual([cell('2026-01', 'EUR', 4, 10, 5)]);
  });

  it('has null win rates when no deal has closed, and nothing at all without a pipeline', () => {
    const openOnly = projectPipeline(PIPELINE_EVENTS.filter((e) => e.type !== 'DealWon' && e.type !== 'DealLost'));
    expect(forecast(openOnly, options()).winRates).toEqual(['lead', 'qualified', 'proposal', 'negotiation'].map((stage) => ({ stage, won: 0, lost: 0, winRate: null })));
    expect(forecast(openOnly, options()).closed).toEqual([]);
    expect(forecast(undefined, options())).toMatchObject({
      period: 'month',
      asOf: { day: null, position: 0 },
      stageProbabilities: DEFAULT_STAGE_PROBABILITIES,
      byPeriod: [],
      byPeriodOwner: [],
      byPeriodStage: [],
      totals: [],
      winRates: ['lead', 'qualified', 'proposal', 'negotiation'].map((stage) => ({ stage, won: 0, lost: 0, winRate: null })),
      closed: [],
    });
  });

  it('rounds win rates to four decimals', () => {
    const doc = projectPipeline([
      ...['a', 'b', 'c'].map((id) => opened(id, { amount: 1, currency: 'EUR', stage: 'lead', owner: 'ann', close: '2026-01-15' })),
      won('a', 'lead', 1, 'EUR', '2026-01-01'),
      lost('b', 'lead', 1, 'EUR', '2026-01-01'),
      lost('c', 'lead', 1, 'EUR', '2026-01-01'),
    ]);
    expect(forecast(doc, options()).winRates[0]).toEqual({ stage: 'lead', won: 1, lost: 2, winRate: 0.3333 });
  });

  it('does not change the pipeline document', () => {
    const copy = structuredClone(pipeline);
    forecast(pipeline, options({ period: 'quarter', owner: 'ann' }));
    forecast(pipeline, options({ currency: 'EUR', from: '2026-01', to: '2026-12' }));
    expect(pipeline).toEqual(copy);
  });
});
