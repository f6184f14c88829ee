import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';
import { DEAL_STAGES, type ForecastCategory } from '@touchpoint/domain';
import type { Document } from '../store/port';
import type { CycleStats, OpenDealEntry, Outcome, PipelineDoc, StageOutcome, SubmissionEntry } from './pipeline';
import { DAY_MS } from './types';

// ---------- The pipeline as every forecast method needs it ----------

/** Open deals summed by expected close month, currency, owner, stage and forecast category. */
export interface OpenCell {
  month: string;
  currency: string;
  owner: string;
  stage: string;
  category: ForecastCategory;
  count: number;
  amount: number;
}

export interface ClosedCell {
  month: string;
  currency: string;
  owner: string;
  won: Outcome;
  lost: Outcome;
}

/**
 * What every forecast method reads, and nothing else: small enough to keep once per day, so that a forecast as of a
 * past day and the live one are computed by the same functions from the same shape.
 */
export interface PipelineView {
  /** the knowledge day this view closes (the live view: the day in progress); null before any deal event */
  day: string | null;
  /** global position of the last event in the view */
  position: number;
  open: OpenCell[];
  /** per owner: every month in the live view; from three months before the view's day in a day's view (see dayView) */
  closed: ClosedCell[];
  /** all owners together, every month (the forecast's `closed` list) */
  closedTotals: Array<{ month: string; currency: string; won: Outcome; lost: Outcome }>;
  /** close month → stage → closed deals that had visited it */
  stageOutcomes: Record<string, Record<string, StageOutcome>>;
  submissions: SubmissionEntry[];
}

/**
 * A day's view as stored: the open and per-owner closed cells as rows of values (a third of the size of objects:
 * an accuracy report parses one per period and lead time).
 */
export interface StoredDayView {
  day: string;
  position: number;
  /** [month, currency, owner, stage, category, count, amount] */
  openRows: Array<[string, string, string, string, ForecastCategory, number, number]>;
  /** [month, currency, owner, wonCount, wonAmount, lostCount, lostAmount] */
  closedRows: Array<[string, string, string, number, number, number, number]>;
  closedTotals: PipelineView['closedTotals'];
  stageOutcomes: PipelineView['stageOutcomes'];
  submissions: SubmissionEntry[];
}

export interface PipelineDayDoc extends Document, StoredDayView {
  day: string;
}

export const emptyView = (): PipelineView => ({ day: null, position: 0, open: [], closed: [], closedTotals: [], stageOutcomes: {}, submissions: [] });

/**
 * What a forecast reads of a view: per-owner closed cells and submissions from three months before the view's day on
 * (a period's won-so-far and its submissions; what came before is in `closedTotals` and the accuracy report). A day's
 * view is stored this way and the live view is read this way, so a forecast as of a day equals the one read then.
 */
export function dayView(view: PipelineView): PipelineView {
  if (view.day === null) return view;
  const from = shiftPeriod(view.day.slice(0, 7), -3);
  return {
    ...view,
    closed: view.closed.filter((c) => c.month >= from),
    submissions: view.submissions.filter((s) => periodEnd(s.period).slice(0, 7) >= from),
  };
}

export function encodeDayView(view: PipelineView & { day: string }, position: number): StoredDayView {
  const v = dayView(view);
  return {
    day: v.day!,
    position,
    openRows: v.open.map((c) => [c.month, c.currency, c.owner, c.stage, c.category, c.count, c.amount]),
    closedRows: v.closed.map((c) => [c.month, c.currency, c.owner, c.won.count, c.won.amount, c.lost.count, c.lost.amount]),
    closedTotals: v.closedTotals,
    stageOutcomes: v.stageOutcomes,
    submissions: v.submissions,
  };
}

export function decodeDayView(doc: StoredDayView): PipelineView {
  return {
    day: doc.day,
    position: doc.position,
    open: doc.openRows.map(([month, currency, owner, stage, category, count, amount]) => ({ month, currency, owner, stage, category, count, amount })),
    closed: doc.closedRows.map(([month, currency, owner, wc, wa, lc, la]) => ({ month, currency, owner, won: { count: wc, amount: wa }, lost: { count: lc, amount: la } })),
    closedTotals: doc.closedTotals,
    stageOutcomes: doc.stageOutcomes,
    submissions: doc.submissions,
  };
}

/** Sums the open deals into cells; copies the rest (the result shares nothing with the document). */
export function viewOf(doc: PipelineDoc | undefined): PipelineView {
  if (!doc) return emptyView();
  const cells = new Map<string, OpenCell>();
  for (const deal of Object.values(doc.open) as OpenDealEntry[]) {
    const month = deal.closeDate.slice(0, 7);
    const category = deal.category ?? 'pipeline';
    const key = `${month}|${deal.currency}|${deal.owner}|${deal.stage}|${category}`;
    const cell = cells.get(key);
    if (cell) {
      cell.count += 1;
      cell.amount += deal.amount;
    } else cells.set(key, { month, currency: deal.currency, owner: deal.owner, stage: deal.stage, category, count: 1, amount: deal.amount });
  }
  const closed: ClosedCell[] = [];
  for (const [month, byCurrency] of Object.entries(doc.closedByOwner ?? {})) {
    for (const [currency, byOwner] of Object.entries(byCurrency)) {
      for (const [owner, o] of Object.entries(byOwner)) closed.push({ month, currency, owner, won: { ...o.won }, lost: { ...o.lost } });
    }
  }
  const closedTotals: PipelineView['closedTotals'] = [];
  for (const [month, byCurrency] of Object.entries(doc.closed)) {
    for (const [currency, o] of Object.entries(byCurrency)) closedTotals.push({ month, currency, won: { ...o.won }, lost: { ...o.lost } });
  }
  return {
    day: doc.knownAt?.slice(0, 10) ?? null,
    position: doc._position,
    closedTotals: closedTotals.sort((a, b) => compareKeys([a.month, a.currency], [b.month, b.currency])),
    open: [...cells.values()].sort((a, b) => compareKeys([a.month, a.currency, a.owner, a.stage, a.category], [b.month, b.currency, b.owner, b.stage, b.category])),
    closed: closed.sort((a, b) => compareKeys([a.month, a.currency, a.owner], [b.month, b.currency, b.owner])),
    stageOutcomes: structuredClone(doc.stageOutcomesByMonth ?? {}),
    submissions: Object.values(doc.submissions ?? {}).map((s) => structuredClone(s)),
  };
}

function compareKeys(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

// ---------- Periods ----------

export type PeriodKind = 'month' | 'quarter';

export const periodOf = (date: string, period: PeriodKind) =>
  period === 'month' ? date.slice(0, 7) : `${date.slice(0, 4)}-Q${Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1}`;

/** The last day (YYYY-MM-DD) of a month (YYYY-MM) or quarter (YYYY-Qn). */
export function periodEnd(period: string): string {
  const year = Number(period.slice(0, 4));
  const lastMonth = period[5] === 'Q' ? Number(period[6]) * 3 : Number(period.slice(5, 7));
  return new Date(Date.UTC(year, lastMonth, 0)).toISOString().slice(0, 10);
}

/** The period `n` periods after `period` (n may be negative). */
export function shiftPeriod(period: string, n: number): string {
  const year = Number(period.slice(0, 4));
  if (period[5] === 'Q') {
    const q = year * 4 + Number(period[6]) - 1 + n;
    return `${Math.floor(q / 4)}-Q${(q % 4) + 1}`;
  }
  const m = year * 12 + Number(period.slice(5, 7)) - 1 + n;
  return `${Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
}

export const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);

// ---------- Win probabilities learned from closed deals ----------

export type StageProbabilities = Record<string, number>;
export const DEFAULT_STAGE_PROBABILITIES: StageProbabilities = { lead: 0.1, qualified: 0.25, proposal: 0.5, negotiation: 0.75 };

export interface ForecastSettings {
  /** configured probability of winning a deal in each stage: the `stage_weighted` method and the prior */
  stageProbabilities: StageProbabilities;
  /** weight of the configured probability, in closed deals (the Beta prior's α + β); 0 trusts the data alone */
  priorStrength: number;
  /** closed deals of the last N close months (counting the view's own) teach; 0 = all history */
  lookbackMonths: number;
}

export const DEFAULT_FORECAST_SETTINGS: ForecastSettings = { stageProbabilities: DEFAULT_STAGE_PROBABILITIES, priorStrength: 10, lookbackMonths: 24 };

export interface LearnedProbability {
  stage: string;
  configured: number;
  /** closed deals in the window that had visited the stage */
  won: number;
  lost: number;
  closedDeals: number;
  /** P(won | reached the stage): posterior mean of Beta(k·p₀ + won, k·(1 − p₀) + lost) */
  learned: number;
  /** 90 % equal-tailed credible interval of the posterior */
  interval: [number, number];
  /**
   * When the won deals closed against the month they were expected in when they left the stage: offset in months
   * (−1 a month early, 0 on time, 2 two months late) → won deals and share. The shares are shrunk toward "on time"
   * with the same prior weight k: share(o) = (won(o) + k·[o = 0]) / (won + k).
   */
  closeMonthOffsets: Array<{ offset: number; won: number; share: number }>;
}

const round4 = (x: number) => Math.round(x * 10000) / 10000;

/**
 * P(won | the deal reached the stage), from the closed deals that visited it, shrunk toward the configured
 * probability: a Beta(k·p₀, k·(1 − p₀)) prior updated with the wins and losses. With no closed deals it is p₀;
 * with many it is the observed rate.
 */
export function learnedProbabilities(view: PipelineView, settings: ForecastSettings): LearnedProbability[] {
  const firstMonth = settings.lookbackMonths > 0 && view.day ? shiftPeriod(view.day.slice(0, 7), -(settings.lookbackMonths - 1)) : '';
  const counts = new Map<string, { won: number; lost: number; offsets: Map<number, number> }>();
  for (const [month, byStage] of Object.entries(view.stageOutcomes)) {
    if (month < firstMonth) continue;
    for (const [stage, o] of Object.entries(byStage)) {
      const c = counts.get(stage) ?? { won: 0, lost: 0, offsets: new Map<number, number>() };
      c.won += o.won;
      c.lost += o.lost;
      for (const [offset, n] of Object.entries(o.wonOffsets ?? {})) c.offsets.set(Number(offset), (c.offsets.get(Number(offset)) ?? 0) + n);
      counts.set(stage, c);
    }
  }
  const known = DEAL_STAGES as readonly string[];
  const stages = [...new Set([...Object.keys(settings.stageProbabilities), ...counts.keys()])].sort((a, b) => rank(known, a) - rank(known, b) || (a < b ? -1 : 1));
  return stages.map((stage) => {
    const p0 = settings.stageProbabilities[stage] ?? 0;
    const { won, lost, offsets } = counts.get(stage) ?? { won: 0, lost: 0, offsets: new Map<number, number>() };
    const { mean, interval } = posterior(settings.priorStrength, p0, won, lost);
    const timedWins = [...offsets.values()].reduce((a, b) => a + b, 0);
    const k = settings.priorStrength;
    const closeMonthOffsets = [...new Set([0, ...offsets.keys()])]
      .sort((a, b) => a - b)
      .map((offset) => {
        const n = offsets.get(offset) ?? 0;
        // With neither prior nor data, a deal closes in the month it is expected in.
        const share = timedWins + k > 0 ? (n + (offset === 0 ? k : 0)) / (timedWins + k) : offset === 0 ? 1 : 0;
        return { offset, won: n, share: round4(share) };
      });
    return { stage, configured: p0, won, lost, closedDeals: won + lost, learned: mean, interval, closeMonthOffsets };
  });
}

/** Mean and 90 % interval of Beta(k·p₀ + successes, k·(1 − p₀) + failures); p₀ itself when there is neither prior nor data. */
function posterior(k: number, p0: number, successes: number, failures: number): { mean: number; interval: [number, number] } {
  const alpha = k * p0 + successes;
  const beta = k * (1 - p0) + failures;
  const mean = alpha + beta > 0 ? alpha / (alpha + beta) : p0;
  // A degenerate posterior (all mass at 0 or 1) has that point as its interval.
  const interval: [number, number] = alpha > 0 && beta > 0 ? [round4(betaQuantile(0.05, alpha, beta)), round4(betaQuantile(0.95, alpha, beta))] : [round4(mean), round4(mean)];
  return { mean: round4(mean), interval };
}

const rank = (order: readonly string[], s: string) => (order.includes(s) ? order.indexOf(s) : order.length);

// ---------- Forecast methods side by side ----------

export const FORECAST_METHODS = ['stage_weighted', 'learned_weighted', 'category_commit', 'category_best_case', 'submitted'] as const;
export type ForecastMethod = (typeof FORECAST_METHODS)[number];

export interface ForecastQuery {
  period: PeriodKind;
  /** inclusive period keys (YYYY-MM or YYYY-Qn) bounding expected close dates */
  from?: string;
  to?: string;
  owner?: string;
  currency?: string;
}

/** One period's (and currency's, and owner's) forecast by every method; amounts in minor units. */
export interface MethodRow {
  period: string;
  currency: string;
  openDeals: number;
  openAmount: number;
  /** won so far with a close date in the period: part of every method's figure */
  wonSoFar: number;
  stage_weighted: number;
  learned_weighted: number;
  category_commit: number;
  category_best_case: number;
  /** the latest owners' submissions' commit amounts summed; null when no owner submitted for the period */
  submitted: number | null;
  /** owners whose submission is in `submitted` */
  submissions: number;
}

/** A stage's share of the period: open deals only (won deals are in no stage). */
export interface StageMethodRow {
  period: string;
  currency: string;
  stage: string;
  openDeals: number;
  openAmount: number;
  stage_weighted: number;
  learned_weighted: number;
  category_commit: number;
  category_best_case: number;
}

export interface ForecastMethods {
  methods: readonly ForecastMethod[];
  learnedProbabilities: LearnedProbability[];
  settings: { priorStrength: number; lookbackMonths: number };
  byPeriod: MethodRow[];
  byPeriodOwner: Array<MethodRow & { owner: string }>;
  byPeriodStage: StageMethodRow[];
  /** team submissions, shown beside the owners' (not added to them) */
  teamSubmissions: Array<{ period: string; currency: string; team: string; amounts: SubmissionEntry['amounts']; submittedAt: string; by: string; comment?: string }>;
}

type Acc = { openDeals: number; openAmount: number; wonSoFar: number; stageWeighted: number; learned: number; commit: number; bestCase: number; submitted: number | null; submissions: number };
const emptyAcc = (): Acc => ({ openDeals: 0, openAmount: 0, wonSoFar: 0, stageWeighted: 0, learned: 0, commit: 0, bestCase: 0, submitted: null, submissions: 0 });

/**
 * Every method for every period in range, from one view:
 *  - stage_weighted = won so far + Σ open amount × configured stage probability
 *  - learned_weighted = won so far + Σ open amount × learned P(won | stage) × share of the stage's won deals that
 *    closed that many months from their expected month (a deal expected next month counts for this one too, when
 *    deals from its stage often close early)
 *  - category_commit = won so far + Σ open `commit`; category_best_case = that + Σ open `best_case`
 *  - submitted = Σ over owners of their latest submission's `commit` for the period
 * The weighted methods use the stage alone (a statistical baseline); the category methods are the owners' own call.
 */
export function forecastMethods(view: PipelineView, options: ForecastQuery, settings: ForecastSettings): ForecastMethods {
  const learned = learnedProbabilities(view, settings);
  const byStage = new Map(learned.map((l) => [l.stage, l]));
  const inRange = (p: string) => (!options.from || p >= options.from) && (!options.to || p <= options.to);
  const periods = new Map<string, Acc & { period: string; currency: string }>();
  const owners = new Map<string, Acc & { period: string; currency: string; owner: string }>();
  const stages = new Map<string, Acc & { period: string; currency: string; stage: string }>();
  const cell = <T extends Acc>(map: Map<string, T>, key: string, base: Omit<T, keyof Acc>): T => {
    let c = map.get(key);
    if (!c) map.set(key, (c = { ...emptyAcc(), ...base } as T));
    return c;
  };
  for (const c of view.open) {
    if ((options.owner !== undefined && c.owner !== options.owner) || (options.currency !== undefined && c.currency !== options.currency)) continue;
    // The learned method spreads the deal's expected win over the months won deals from its stage actually closed in.
    const l = byStage.get(c.stage);
    for (const { offset, share } of l?.closeMonthOffsets ?? []) {
      if (share === 0) continue;
      const period = periodOf(`${shiftPeriod(c.month, offset)}-01`, options.period);
      if (!inRange(period)) continue;
      const learnedWeighted = c.amount * l!.learned * share;
      cell(periods, `${period}|${c.currency}`, { period, currency: c.currency }).learned += learnedWeighted;
      cell(owners, `${period}|${c.currency}|${c.owner}`, { period, currency: c.currency, owner: c.owner }).learned += learnedWeighted;
      cell(stages, `${period}|${c.currency}|${c.stage}`, { period, currency: c.currency, stage: c.stage }).learned += learnedWeighted;
    }
    const period = periodOf(`${c.month}-01`, options.period);
    if (!inRange(period)) continue;
    const stageWeighted = c.amount * (settings.stageProbabilities[c.stage] ?? 0);
    const commit = c.category === 'commit' ? c.amount : 0;
    const bestCase = c.category === 'commit' || c.category === 'best_case' ? c.amount : 0;
    for (const acc of [
      cell(periods, `${period}|${c.currency}`, { period, currency: c.currency }),
      cell(owners, `${period}|${c.currency}|${c.owner}`, { period, currency: c.currency, owner: c.owner }),
      cell(stages, `${period}|${c.currency}|${c.stage}`, { period, currency: c.currency, stage: c.stage }),
    ]) {
      acc.openDeals += c.count;
      acc.openAmount += c.amount;
      acc.stageWeighted += stageWeighted;
      acc.commit += commit;
      acc.bestCase += bestCase;
    }
  }
  for (const c of view.closed) {
    if ((options.owner !== undefined && c.owner !== options.owner) || (options.currency !== undefined && c.currency !== options.currency)) continue;
    const period = periodOf(`${c.month}-01`, options.period);
    if (!inRange(period) || c.won.count === 0) continue;
    cell(periods, `${period}|${c.currency}`, { period, currency: c.currency }).wonSoFar += c.won.amount;
    cell(owners, `${period}|${c.currency}|${c.owner}`, { period, currency: c.currency, owner: c.owner }).wonSoFar += c.won.amount;
  }
  const teamSubmissions: ForecastMethods['teamSubmissions'] = [];
  for (const s of view.submissions) {
    // A month forecast reads month submissions, a quarter forecast quarter ones.
    if ((s.period[5] === 'Q') !== (options.period === 'quarter') || !inRange(s.period)) continue;
    if (options.currency !== undefined && s.currency !== options.currency) continue;
    if (s.scope === 'team') {
      if (options.owner === undefined) teamSubmissions.push({ period: s.period, currency: s.currency, team: s.name, amounts: s.amounts, submittedAt: s.submittedAt, by: s.by, ...(s.comment !== undefined && { comment: s.comment }) });
      continue;
    }
    if (options.owner !== undefined && s.name !== options.owner) continue;
    for (const acc of [cell(periods, `${s.period}|${s.currency}`, { period: s.period, currency: s.currency }), cell(owners, `${s.period}|${s.currency}|${s.name}`, { period: s.period, currency: s.currency, owner: s.name })]) {
      acc.submitted = (acc.submitted ?? 0) + s.amounts.commit;
      acc.submissions += 1;
    }
  }
  const row = (a: Acc) => ({
    openDeals: a.openDeals,
    openAmount: a.openAmount,
    wonSoFar: a.wonSoFar,
    stage_weighted: Math.round(a.wonSoFar + a.stageWeighted),
    learned_weighted: Math.round(a.wonSoFar + a.learned),
    category_commit: a.wonSoFar + a.commit,
    category_best_case: a.wonSoFar + a.bestCase,
  });
  return {
    methods: FORECAST_METHODS,
    learnedProbabilities: learned,
    settings: { priorStrength: settings.priorStrength, lookbackMonths: settings.lookbackMonths },
    byPeriod: [...periods.values()]
      .sort((a, b) => compareKeys([a.period, a.currency], [b.period, b.currency]))
      .map((a) => ({ period: a.period, currency: a.currency, ...row(a), submitted: a.submitted, submissions: a.submissions })),
    byPeriodOwner: [...owners.values()]
      .sort((a, b) => compareKeys([a.period, a.currency, a.owner], [b.period, b.currency, b.owner]))
      .map((a) => ({ period: a.period, currency: a.currency, owner: a.owner, ...row(a), submitted: a.submitted, submissions: a.submissions })),
    byPeriodStage: [...stages.values()]
      .sort((a, b) => compareKeys([a.period, a.currency], [b.period, b.currency]) || rank(DEAL_STAGES, a.stage) - rank(DEAL_STAGES, b.stage))
      .map((a) => {
        const { wonSoFar: _w, ...open } = row(a);
        return { period: a.period, currency: a.currency, stage: a.stage, ...open };
      }),
    teamSubmissions: teamSubmissions.sort((a, b) => compareKeys([a.period, a.currency, a.team], [b.period, b.currency, b.team])),
  };
}

// ---------- The stage-weighted forecast as first shipped (kept: clients read it) ----------

export interface ForecastOptions extends ForecastQuery {
  stageProbabilities: StageProbabilities;
}

export interface ForecastCell {
  period: string;
  currency: string;
  count: number;
  amount: number;
  weightedAmount: number;
}

export interface Forecast {
  period: PeriodKind;
  /** the knowledge day and log position the forecast stands at */
  asOf: { day: string | null; position: number };
  stageProbabilities: StageProbabilities;
  byPeriod: ForecastCell[];
  byPeriodOwner: Array<ForecastCell & { owner: string }>;
  byPeriodStage: Array<ForecastCell & { stage: string }>;
  totals: Array<Omit<ForecastCell, 'period'>>;
  winRates: Array<{ stage: string; won: number; lost: number; winRate: number | null }>;
  closed: Array<{ period: string; currency: string; won: { count: number; amount: number }; lost: { count: number; amount: number } }>;
  forecasts: ForecastMethods;
}

function addTo<K extends string>(map: Map<string, ForecastCell & Record<K, string>>, key: string, base: Omit<ForecastCell, 'count' | 'amount' | 'weightedAmount'> & Record<K, string>, open: OpenCell, weighted: number) {
  const cell = map.get(key) ?? ({ ...base, count: 0, amount: 0, weightedAmount: 0 } as ForecastCell & Record<K, string>);
  cell.count += open.count;
  cell.amount += open.amount;
  cell.weightedAmount += weighted;
  map.set(key, cell);
}

const isView = (x: PipelineDoc | PipelineView): x is PipelineView => Array.isArray(x.open);

/**
 * The pipeline forecast: open deals bucketed by expected close period, owner and stage, per currency, weighted by the
 * configured stage probability (rounded once per cell of the view); all-time win rates; won and lost per period; and
 * every forecast method side by side (`forecasts`). From the live pipeline or from a past day's view alike.
 */
export function forecast(source: PipelineDoc | PipelineView | undefined, options: ForecastOptions, learning: Omit<ForecastSettings, 'stageProbabilities'> = DEFAULT_FORECAST_SETTINGS): Forecast {
  const view = dayView(source === undefined ? emptyView() : isView(source) ? source : viewOf(source));
  const byPeriod = new Map<string, ForecastCell & Record<never, string>>();
  const byOwner = new Map<string, ForecastCell & { owner: string }>();
  const byStage = new Map<string, ForecastCell & { stage: string }>();
  const totals = new Map<string, ForecastCell & Record<never, string>>();
  const inRange = (p: string) => (!options.from || p >= options.from) && (!options.to || p <= options.to);
  for (const c of view.open) {
    if (options.owner !== undefined && c.owner !== options.owner) continue;
    if (options.currency !== undefined && c.currency !== options.currency) continue;
    const period = periodOf(`${c.month}-01`, options.period);
    if (!inRange(period)) continue;
    const weighted = Math.round(c.amount * (options.stageProbabilities[c.stage] ?? 0));
    addTo(byPeriod, `${period}|${c.currency}`, { period, currency: c.currency }, c, weighted);
    addTo(byOwner, `${period}|${c.currency}|${c.owner}`, { period, currency: c.currency, owner: c.owner }, c, weighted);
    addTo(byStage, `${period}|${c.currency}|${c.stage}`, { period, currency: c.currency, stage: c.stage }, c, weighted);
    addTo(totals, c.currency, { period: '', currency: c.currency }, c, weighted);
  }
  const sorted = <T extends { period: string; currency: string }>(m: Map<string, T>, extra: (t: T) => string = () => '') =>
    [...m.values()].sort((a, b) => (a.period + a.currency + extra(a) < b.period + b.currency + extra(b) ? -1 : 1));
  const closedByPeriod = new Map<string, Forecast['closed'][number]>();
  for (const c of view.closedTotals) {
    const period = periodOf(`${c.month}-01`, options.period);
    if (!inRange(period) || (options.currency !== undefined && c.currency !== options.currency)) continue;
    const key = `${period}|${c.currency}`;
    const acc = closedByPeriod.get(key) ?? { period, currency: c.currency, won: { count: 0, amount: 0 }, lost: { count: 0, amount: 0 } };
    acc.won.count += c.won.count;
    acc.won.amount += c.won.amount;
    acc.lost.count += c.lost.count;
    acc.lost.amount += c.lost.amount;
    closedByPeriod.set(key, acc);
  }
  const allTime = new Map<string, { won: number; lost: number }>();
  for (const byStage of Object.values(view.stageOutcomes)) {
    for (const [stage, o] of Object.entries(byStage)) {
      const acc = allTime.get(stage) ?? { won: 0, lost: 0 };
      acc.won += o.won;
      acc.lost += o.lost;
      allTime.set(stage, acc);
    }
  }
  const winRates = Object.keys(options.stageProbabilities).map((stage) => {
    const o = allTime.get(stage) ?? { won: 0, lost: 0 };
    return { stage, won: o.won, lost: o.lost, winRate: o.won + o.lost === 0 ? null : round4(o.won / (o.won + o.lost)) };
  });
  return {
    period: options.period,
    asOf: { day: view.day, position: view.position },
    stageProbabilities: options.stageProbabilities,
    byPeriod: sorted(byPeriod),
    byPeriodOwner: sorted(byOwner, (c) => c.owner),
    byPeriodStage: sorted(byStage, (c) => c.stage),
    totals: [...totals.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1)).map(({ period: _p, ...rest }) => rest),
    winRates,
    closed: sorted(closedByPeriod),
    forecasts: forecastMethods(view, options, { ...learning, stageProbabilities: options.stageProbabilities }),
  };
}

// ---------- Accuracy: what each method said before a period ended, against what was won in it ----------

export interface AccuracyOptions {
  period: PeriodKind;
  /** inclusive period keys; default the twelve periods that ended last */
  from?: string;
  to?: string;
  /** days before the period's last day (0 = at its end) */
  leadDays: number[];
  currency?: string;
  owner?: string;
}

/** The closed periods an accuracy report covers and the knowledge days whose views it reads. */
export function accuracyPlan(live: PipelineView, options: AccuracyOptions): { periods: string[]; days: string[] } {
  if (!live.day) return { periods: [], days: [] };
  // A period is closed once a later day is known: its last day is complete.
  let last = periodOf(live.day, options.period);
  last = shiftPeriod(last, -1);
  const to = options.to !== undefined && options.to < last ? options.to : last;
  const from = options.from ?? shiftPeriod(to, -11);
  const periods: string[] = [];
  for (let p = from; p <= to && periods.length < 120; p = shiftPeriod(p, 1)) periods.push(p);
  const days = new Set<string>();
  for (const p of periods) for (const lead of options.leadDays) days.add(addDays(periodEnd(p), -lead));
  return { periods, days: [...days].sort() };
}

export interface MethodAccuracy {
  /** null when the method said nothing then (no submission) */
  forecast: number | null;
  /** forecast − actual */
  error: number | null;
  /** |error| / actual; null when nothing was won (a percentage of zero is undefined) */
  ape: number | null;
  /** error / actual: positive means over-forecast */
  bias: number | null;
}

export interface AccuracyRow {
  period: string;
  currency: string;
  /** null for the total of all owners */
  owner: string | null;
  /** won with a close date in the period, as known now */
  actual: number;
  leads: Array<{ leadDays: number; asOfDay: string; known: boolean; methods: Record<ForecastMethod, MethodAccuracy> }>;
}

export interface AccuracySummary {
  currency: string;
  owner: string | null;
  leadDays: number;
  method: ForecastMethod;
  /** periods with a forecast to score */
  periods: number;
  /** mean absolute percentage error over periods with something won */
  mape: number | null;
  /** Σ|error| / Σ actual over the same periods: large periods weigh more */
  wape: number | null;
  /** mean of error / actual */
  meanBias: number | null;
}

export interface AccuracyReport {
  period: PeriodKind;
  leadDays: number[];
  methods: readonly ForecastMethod[];
  periods: string[];
  rows: AccuracyRow[];
  summary: AccuracySummary[];
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * For each closed period and lead time: every method's forecast for the period as it stood at the end of the day
 * `leadDays` before the period's last day (the view for that day), against what was won in the period as known now
 * (`live`). Per currency, in total and per owner.
 */
export function forecastAccuracy(live: PipelineView, viewAt: (day: string) => PipelineView, options: AccuracyOptions, settings: ForecastSettings): AccuracyReport {
  const { periods } = accuracyPlan(live, options);
  const filter = { period: options.period, currency: options.currency, owner: options.owner };
  const actuals = periods.length ? forecastMethods(live, { ...filter, from: periods[0], to: periods[periods.length - 1] }, settings) : undefined;
  const actual = new Map<string, number>();
  for (const r of actuals?.byPeriod ?? []) actual.set(`${r.period}|${r.currency}|`, r.wonSoFar);
  for (const r of actuals?.byPeriodOwner ?? []) actual.set(`${r.period}|${r.currency}|${r.owner}`, r.wonSoFar);
  type Said = { known: boolean; rows: Map<string, MethodRow> };
  const said = new Map<string, Said>();
  const rowKeys = new Set(actual.keys());
  for (const p of periods) {
    for (const lead of options.leadDays) {
      const day = addDays(periodEnd(p), -lead);
      const view = viewAt(day);
      const m = forecastMethods(view, { ...filter, from: p, to: p }, settings);
      const rows = new Map<string, MethodRow>();
      for (const r of m.byPeriod) rows.set(`${r.period}|${r.currency}|`, r);
      for (const r of m.byPeriodOwner) rows.set(`${r.period}|${r.currency}|${r.owner}`, r);
      for (const k of rows.keys()) rowKeys.add(k);
      said.set(`${p}|${lead}`, { known: view.day !== null, rows });
    }
  }
  const score = (f: number | null, a: number): MethodAccuracy => {
    if (f === null) return { forecast: null, error: null, ape: null, bias: null };
    const error = f - a;
    return { forecast: f, error, ape: a > 0 ? round6(Math.abs(error) / a) : null, bias: a > 0 ? round6(error / a) : null };
  };
  const rows: AccuracyRow[] = [...rowKeys]
    .map((key) => {
      const [period, currency, owner] = key.split('|');
      const a = actual.get(key) ?? 0;
      return {
        period,
        currency,
        owner: owner === '' ? null : owner,
        actual: a,
        leads: options.leadDays.map((lead) => {
          const s = said.get(`${period}|${lead}`)!;
          const r = s.rows.get(key);
          const figure = (method: ForecastMethod): number | null => (method === 'submitted' ? (r?.submitted ?? null) : s.known ? (r?.[method] ?? 0) : null);
          return {
            leadDays: lead,
            asOfDay: addDays(periodEnd(period), -lead),
            known: s.known,
            methods: Object.fromEntries(FORECAST_METHODS.map((m) => [m, score(figure(m), a)])) as Record<ForecastMethod, MethodAccuracy>,
          };
        }),
      };
    })
    .sort((x, y) => compareKeys([x.currency, x.owner ?? '', x.period], [y.currency, y.owner ?? '', y.period]));
  return { period: options.period, leadDays: options.leadDays, methods: FORECAST_METHODS, periods, rows, summary: summarise(rows, options.leadDays) };
}

function summarise(rows: AccuracyRow[], leadDays: number[]): AccuracySummary[] {
  const groups = new Map<string, AccuracyRow[]>();
  for (const r of rows) {
    const key = `${r.currency}|${r.owner ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const out: AccuracySummary[] = [];
  for (const [key, group] of groups) {
    const [currency, owner] = key.split('|');
    leadDays.forEach((lead, i) => {
      for (const method of FORECAST_METHODS) {
        const scored = group.map((r) => ({ a: r.actual, m: r.leads[i].methods[method] })).filter((x) => x.m.forecast !== null);
        const withActual = scored.filter((x) => x.a > 0);
        const sumActual = withActual.reduce((s, x) => s + x.a, 0);
        const mean = (xs: number[]) => (xs.length ? round6(xs.reduce((s, x) => s + x, 0) / xs.length) : null);
        out.push({
          currency,
          owner: owner === '' ? null : owner,
          leadDays: lead,
          method,
          periods: scored.length,
          mape: mean(withActual.map((x) => x.m.ape!)),
          wape: sumActual > 0 ? round6(withActual.reduce((s, x) => s + Math.abs(x.m.error!), 0) / sumActual) : null,
          meanBias: mean(withActual.map((x) => x.m.bias!)),
        });
      }
    });
  }
  return out;
}

// ---------- Sales cycle ----------

export interface StageCycle {
  stage: string;
  /** deals that left the stage, and where they went */
  exits: number;
  to: Record<string, number>;
  /** share of exits that moved to a later stage or were won */
  conversion: number | null;
  medianDaysInStage: number | null;
}

export interface SalesCycle {
  owner: string | null;
  opened: number;
  stages: StageCycle[];
  won: number;
  medianWonCycleDays: number | null;
  slipped: { deals: number; shareOfOpened: number | null; pushes: number; meanDaysPerPush: number | null };
}

/** Median of a histogram (value → count): the mean of the two middle values when the count is even. */
export function histogramMedian(h: Record<string, number>): number | null {
  const entries = Object.entries(h)
    .map(([v, c]) => [Number(v), c] as const)
    .sort((a, b) => a[0] - b[0]);
  const n = entries.reduce((s, [, c]) => s + c, 0);
  if (n === 0) return null;
  const kth = (k: number) => {
    let seen = 0;
    for (const [v, c] of entries) if ((seen += c) >= k) return v;
    return entries[entries.length - 1][0];
  };
  return n % 2 === 1 ? kth((n + 1) / 2) : (kth(n / 2) + kth(n / 2 + 1)) / 2;
}

function mergeCycles(cycles: CycleStats[]): CycleStats {
  const total: CycleStats = { opened: 0, transitions: {}, daysInStage: {}, wonCycleDays: {}, slips: { deals: 0, pushes: 0, daysPushed: 0 } };
  const add = (into: Record<string, number>, from: Record<string, number>) => {
    for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  };
  for (const c of cycles) {
    total.opened += c.opened;
    for (const [s, row] of Object.entries(c.transitions)) add((total.transitions[s] ??= {}), row);
    for (const [s, h] of Object.entries(c.daysInStage)) add((total.daysInStage[s] ??= {}), h);
    add(total.wonCycleDays, c.wonCycleDays);
    total.slips.deals += c.slips.deals;
    total.slips.pushes += c.slips.pushes;
    total.slips.daysPushed += c.slips.daysPushed;
  }
  return total;
}

function describeCycle(owner: string | null, c: CycleStats): SalesCycle {
  const order = DEAL_STAGES as readonly string[];
  const stages = [...new Set([...order, ...Object.keys(c.transitions)])].map((stage) => {
    const to = c.transitions[stage] ?? {};
    const exits = Object.values(to).reduce((s, n) => s + n, 0);
    const forward = Object.entries(to).reduce((s, [dest, n]) => s + (dest === 'won' || (order.includes(dest) && rank(order, dest) > rank(order, stage)) ? n : 0), 0);
    return { stage, exits, to, conversion: exits ? round4(forward / exits) : null, medianDaysInStage: histogramMedian(c.daysInStage[stage] ?? {}) };
  });
  const won = Object.values(c.wonCycleDays).reduce((s, n) => s + n, 0);
  return {
    owner,
    opened: c.opened,
    stages,
    won,
    medianWonCycleDays: histogramMedian(c.wonCycleDays),
    slipped: {
      deals: c.slips.deals,
      shareOfOpened: c.opened ? round4(c.slips.deals / c.opened) : null,
      pushes: c.slips.pushes,
      meanDaysPerPush: c.slips.pushes ? Math.round((c.slips.daysPushed / c.slips.pushes) * 100) / 100 : null,
    },
  };
}

/** Stage conversion, days in stage, won cycle length and slipped close dates: in total and per owner. */
export function salesCycle(doc: PipelineDoc | undefined, options: { owner?: string } = {}): { total: SalesCycle; owners: SalesCycle[] } {
  const all = Object.entries(doc?.cycle ?? {}).filter(([owner]) => options.owner === undefined || owner === options.owner);
  return {
    total: describeCycle(null, mergeCycles(all.map(([, c]) => c))),
    owners: all.sort(([a], [b]) => (a < b ? -1 : 1)).map(([owner, c]) => describeCycle(owner, c)),
  };
}
