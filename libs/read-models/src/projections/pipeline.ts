import { ERASED, type ForecastCategory, type ForecastSubmitted } from '@touchpoint/domain';
import type { Document } from '../store/port';
import { encodeDayView, viewOf, type PipelineDayDoc } from './forecasting';
import { DAY_MS, msBetween, type DocumentAccess, type ProjectedEvent, type Projection } from './types';

export interface DealDoc extends Document {
  dealId: string;
  customerId: string;
  title: string;
  owner: string;
  stage: string;
  status: 'open' | 'won' | 'lost';
  amount: number;
  currency: string;
  expectedCloseDate: string;
  openedAt: string;
  closedAt: string | null;
  lostReason?: string;
  competitor?: string;
  stagesVisited: string[];
  /** the owner's call (`pipeline` until set); `closed` once won or lost */
  forecastCategory: ForecastCategory | 'closed';
}

/** One open deal as the forecast needs it. */
export interface OpenDealEntry {
  currency: string;
  amount: number;
  owner: string;
  stage: string;
  /** YYYY-MM-DD */
  closeDate: string;
  visited: string[];
  /** absent: `pipeline` */
  category?: ForecastCategory;
  /** business time the deal was opened and entered its current stage (absent on entries projected before they were kept) */
  openedAt?: string;
  stageSince?: string;
  /** its expected close date was ever pushed later */
  slipped?: boolean;
  /** stage → the expected close date the deal had when it left that stage (for the in-period win rates) */
  dueWhenLeft?: Record<string, string>;
}

/** Closed deals that had visited a stage, and when the won ones closed against the date they were expected to. */
export interface StageOutcome {
  won: number;
  lost: number;
  /**
   * Won deals by close-month offset: the month they were won minus the month of the close date they had when they left
   * the stage (−1: a month early, 2: two months late), clamped to ±12. Deals projected before this was kept are absent.
   */
  wonOffsets?: Record<string, number>;
}

/** Months from `a` to `b` (YYYY-MM…). */
export const monthsBetween = (a: string, b: string) => (Number(b.slice(0, 4)) - Number(a.slice(0, 4))) * 12 + Number(b.slice(5, 7)) - Number(a.slice(5, 7));
export const MAX_OFFSET_MONTHS = 12;

/** The latest forecast submission for one scope, name, period and currency. */
export interface SubmissionEntry {
  submissionId: string;
  scope: 'owner' | 'team';
  name: string;
  period: string;
  currency: string;
  amounts: ForecastSubmitted['data']['amounts'];
  comment?: string;
  submittedAt: string;
  by: string;
}

/** Sales-cycle counts for one owner; day counts are whole days of business time. */
export interface CycleStats {
  opened: number;
  /** from stage → to stage, `won` or `lost` → deals */
  transitions: Record<string, Record<string, number>>;
  /** stage → whole days spent in it → deals that left it after that long */
  daysInStage: Record<string, Record<string, number>>;
  /** whole days from opened to won → deals */
  wonCycleDays: Record<string, number>;
  /** deals whose expected close date was pushed later, the pushes, and the days pushed in all */
  slips: { deals: number; pushes: number; daysPushed: number };
}

export interface Outcome {
  count: number;
  amount: number;
}

/**
 * The whole pipeline in one self-contained document, so each event updates it
 * from its own contents (idempotent by position, no cross-document reads).
 */
export interface PipelineDoc extends Document {
  open: Record<string, OpenDealEntry>;
  /** closed deals by close month (YYYY-MM) and currency */
  closed: Record<string, Record<string, { won: Outcome; lost: Outcome }>>;
  /** of the closed deals that passed through a stage, how many were won or lost */
  stageOutcomes: Record<string, { won: number; lost: number }>;
  /**
   * The knowledge clock: the latest min(occurredAt, recordedAt) seen in log order. It follows the record time of live
   * work and the business time of history imported in order; a late, backdated event is known when it arrives.
   */
  knownAt?: string;
  /** won and lost deals by close month (YYYY-MM), currency and owner */
  closedByOwner?: Record<string, Record<string, Record<string, { won: Outcome; lost: Outcome }>>>;
  /** stageOutcomes by close month: what the learned probabilities' look-back window needs */
  stageOutcomesByMonth?: Record<string, Record<string, StageOutcome>>;
  /** latest submission per `scope|name|period|currency` */
  submissions?: Record<string, SubmissionEntry>;
  /** owner → sales-cycle counts */
  cycle?: Record<string, CycleStats>;
}

export const DEALS = 'deals';
export const PIPELINE = 'pipeline';
export const PIPELINE_ID = 'pipeline';
/** the pipeline as it stood at the end of each knowledge day that had events (forecast as-of and accuracy) */
export const PIPELINE_DAYS = 'pipeline_days';

export function evolveDeal(doc: DealDoc | undefined, event: ProjectedEvent): DealDoc | undefined {
  if (event.type === 'DealOpened') {
    const e = event.data;
    return {
      _id: e.dealId,
      _position: event.globalPosition,
      dealId: e.dealId,
      customerId: e.customerId,
      title: e.title,
      owner: e.owner,
      stage: e.stage,
      status: 'open',
      amount: e.amount,
      currency: e.currency,
      expectedCloseDate: e.expectedCloseDate,
      openedAt: e.occurredAt,
      closedAt: null,
      stagesVisited: [e.stage],
      forecastCategory: 'pipeline',
    };
  }
  if (!doc) return doc;
  const d = { ...doc, _position: event.globalPosition };
  switch (event.type) {
    case 'DealStageChanged':
      return { ...d, stage: event.data.to, stagesVisited: d.stagesVisited.includes(event.data.to) ? d.stagesVisited : [...d.stagesVisited, event.data.to] };
    case 'DealAmountChanged':
      return { ...d, amount: event.data.amount, currency: event.data.currency };
    case 'DealCloseDateChanged':
      return { ...d, expectedCloseDate: event.data.expectedCloseDate };
    case 'DealForecastCategoryChanged':
      return { ...d, forecastCategory: event.data.to };
    case 'DealWon':
      return { ...d, status: 'won', amount: event.data.amount, closedAt: event.data.occurredAt, forecastCategory: 'closed' };
    case 'DealLost':
      return { ...d, status: 'lost', forecastCategory: 'closed', closedAt: event.data.occurredAt, lostReason: event.data.reason, ...(event.data.competitor && { competitor: event.data.competitor }) };
    default:
      return d;
  }
}

const emptyPipeline = (): PipelineDoc => ({ _id: PIPELINE_ID, _position: 0, open: {}, closed: {}, stageOutcomes: {}, closedByOwner: {}, stageOutcomesByMonth: {}, submissions: {}, cycle: {} });

/** When the pipeline learns of an event: the knowledge clock never runs backwards, and never ahead of the record. */
export function knownAt(previous: string | undefined, event: ProjectedEvent): string {
  const occurredAt = (event.data as { occurredAt?: string }).occurredAt;
  const at = occurredAt !== undefined && occurredAt < event.recordedAt ? occurredAt : event.recordedAt;
  return previous !== undefined && previous > at ? previous : at;
}

const wholeDays = (from: string | undefined, to: string) => (from === undefined ? undefined : Math.max(0, Math.floor(msBetween(from, to) / DAY_MS)));

const emptyCycle = (): CycleStats => ({ opened: 0, transitions: {}, daysInStage: {}, wonCycleDays: {}, slips: { deals: 0, pushes: 0, daysPushed: 0 } });

/** A deal left `entry.stage` for `to` (a stage, `won` or `lost`) at `at`. */
function leftStage(p: PipelineDoc, entry: OpenDealEntry, to: string, at: string): void {
  const c = ((p.cycle ??= {})[entry.owner] ??= emptyCycle());
  const row = (c.transitions[entry.stage] ??= {});
  row[to] = (row[to] ?? 0) + 1;
  const days = wholeDays(entry.stageSince, at);
  if (days !== undefined) {
    const h = (c.daysInStage[entry.stage] ??= {});
    h[days] = (h[days] ?? 0) + 1;
  }
}

/**
 * Updates the pipeline document in place: it holds every open deal, and
 * copying it per event would make a rebuild quadratic. The projector hands
 * evolve a document it owns.
 */
export function evolvePipeline(doc: PipelineDoc | undefined, event: ProjectedEvent): PipelineDoc {
  const p = doc ?? emptyPipeline();
  p._position = event.globalPosition;
  p.knownAt = knownAt(p.knownAt, event);
  switch (event.type) {
    case 'DealOpened': {
      const e = event.data;
      p.open[e.dealId] = { currency: e.currency, amount: e.amount, owner: e.owner, stage: e.stage, closeDate: e.expectedCloseDate, visited: [e.stage], openedAt: e.occurredAt, stageSince: e.occurredAt };
      ((p.cycle ??= {})[e.owner] ??= emptyCycle()).opened += 1;
      return p;
    }
    case 'DealStageChanged': {
      const entry = p.open[event.data.dealId];
      if (entry) {
        leftStage(p, entry, event.data.to, event.data.occurredAt);
        (entry.dueWhenLeft ??= {})[entry.stage] = entry.closeDate;
        entry.stage = event.data.to;
        entry.stageSince = event.data.occurredAt;
        if (!entry.visited.includes(event.data.to)) entry.visited.push(event.data.to);
      }
      return p;
    }
    case 'DealAmountChanged': {
      const entry = p.open[event.data.dealId];
      if (entry) Object.assign(entry, { amount: event.data.amount, currency: event.data.currency });
      return p;
    }
    case 'DealCloseDateChanged': {
      const entry = p.open[event.data.dealId];
      if (!entry) return p;
      const pushed = Math.round(msBetween(`${entry.closeDate}T00:00:00Z`, `${event.data.expectedCloseDate}T00:00:00Z`) / DAY_MS);
      if (pushed > 0) {
        const slips = ((p.cycle ??= {})[entry.owner] ??= emptyCycle()).slips;
        if (!entry.slipped) slips.deals += 1;
        slips.pushes += 1;
        slips.daysPushed += pushed;
        entry.slipped = true;
      }
      entry.closeDate = event.data.expectedCloseDate;
      return p;
    }
    case 'DealForecastCategoryChanged': {
      const entry = p.open[event.data.dealId];
      if (!entry) return p;
      if (event.data.to === 'pipeline') delete entry.category;
      else entry.category = event.data.to;
      return p;
    }
    case 'DealWon':
    case 'DealLost': {
      const entry = p.open[event.data.dealId];
      if (!entry) return p;
      delete p.open[event.data.dealId];
      const outcome = event.type === 'DealWon' ? 'won' : 'lost';
      const month = event.data.occurredAt.slice(0, 7);
      const byCurrency = (p.closed[month] ??= {});
      const cell = (byCurrency[event.data.currency] ??= { won: { count: 0, amount: 0 }, lost: { count: 0, amount: 0 } });
      cell[outcome].count += 1;
      cell[outcome].amount += event.data.amount;
      const ownerCell = (((p.closedByOwner ??= {})[month] ??= {})[event.data.currency] ??= {})[entry.owner] ??= { won: { count: 0, amount: 0 }, lost: { count: 0, amount: 0 } };
      ownerCell[outcome].count += 1;
      ownerCell[outcome].amount += event.data.amount;
      const monthOutcomes = ((p.stageOutcomesByMonth ??= {})[month] ??= {});
      (entry.dueWhenLeft ??= {})[entry.stage] = entry.closeDate;
      for (const stage of entry.visited) {
        (p.stageOutcomes[stage] ??= { won: 0, lost: 0 })[outcome] += 1;
        const o = (monthOutcomes[stage] ??= { won: 0, lost: 0, wonOffsets: {} });
        o[outcome] += 1;
        const due = entry.dueWhenLeft[stage];
        if (outcome === 'won' && due !== undefined) {
          const offset = Math.max(-MAX_OFFSET_MONTHS, Math.min(MAX_OFFSET_MONTHS, monthsBetween(due, month)));
          const offsets = (o.wonOffsets ??= {});
          offsets[offset] = (offsets[offset] ?? 0) + 1;
        }
      }
      leftStage(p, entry, outcome, event.data.occurredAt);
      const cycleDays = outcome === 'won' ? wholeDays(entry.openedAt, event.data.occurredAt) : undefined;
      if (cycleDays !== undefined) {
        const h = p.cycle![entry.owner].wonCycleDays;
        h[cycleDays] = (h[cycleDays] ?? 0) + 1;
      }
      return p;
    }
    case 'ForecastSubmitted': {
      const e = event.data;
      // Log order, not occurredAt: a later submission replaces an earlier one even when backdated.
      (p.submissions ??= {})[`${e.scope}|${e.name}|${e.period}|${e.currency}`] = {
        submissionId: e.submissionId,
        scope: e.scope,
        name: e.name,
        period: e.period,
        currency: e.currency,
        amounts: e.amounts,
        ...(e.comment !== undefined && { comment: e.comment }),
        submittedAt: e.occurredAt,
        by: event.metadata.actor,
      };
      return p;
    }
    default:
      return p;
  }
}

const DEAL_EVENTS = ['DealOpened', 'DealStageChanged', 'DealAmountChanged', 'DealCloseDateChanged', 'DealForecastCategoryChanged', 'DealWon', 'DealLost'];
const PIPELINE_EVENTS = [...DEAL_EVENTS, 'ForecastSubmitted'];

export const pipelineProjection: Projection = {
  name: 'pipeline',
  collections: [
    {
      name: DEALS,
      cached: true,
      fields: {
        customerId: { path: 'customerId', type: 'string' },
        owner: { path: 'owner', type: 'string' },
        stage: { path: 'stage', type: 'string' },
        forecastCategory: { path: 'forecastCategory', type: 'string' },
        status: { path: 'status', type: 'string' },
        currency: { path: 'currency', type: 'string' },
        amount: { path: 'amount', type: 'number' },
        expectedCloseDate: { path: 'expectedCloseDate', type: 'string' },
        closedAt: { path: 'closedAt', type: 'string' },
      },
      indexes: [['customerId'], ['status', 'expectedCloseDate'], ['owner', 'status'], ['status', 'closedAt'], ['owner', 'status', 'closedAt']],
    },
    { name: PIPELINE, cached: true, fields: {}, indexes: [] },
    // Written once per day that had events, never changed after: not kept in memory.
    { name: PIPELINE_DAYS, cached: false, fields: { day: { path: 'day', type: 'string' } }, indexes: [['day']] },
  ],
  handles: new Set(PIPELINE_EVENTS),
  apply(event: ProjectedEvent, docs: DocumentAccess): void {
    const current = docs.read<PipelineDoc>(PIPELINE, PIPELINE_ID);
    if (current?.knownAt !== undefined && current._position < event.globalPosition) {
      // The first event of a later day closes the previous one: keep the pipeline as it stood then.
      const day = current.knownAt.slice(0, 10);
      if (knownAt(current.knownAt, event).slice(0, 10) > day) {
        const view = { ...viewOf(current), day };
        docs.update<PipelineDayDoc>(PIPELINE_DAYS, day, () => ({ _id: day, _position: event.globalPosition, ...encodeDayView(view, view.position) }));
      }
    }
    if (event.type !== 'ForecastSubmitted') docs.update<DealDoc>(DEALS, (event.data as { dealId: string }).dealId, (doc) => evolveDeal(doc, event));
    docs.update<PipelineDoc>(PIPELINE, PIPELINE_ID, (doc) => evolvePipeline(doc, event));
  },
  needs(event: ProjectedEvent): Array<[string, string]> {
    const dealId = (event.data as { dealId?: string }).dealId;
    return [[PIPELINE, PIPELINE_ID], ...(dealId === undefined ? [] : [[DEALS, dealId] as [string, string]])];
  },
  erase: [{ collection: DEALS, field: 'customerId', scrub: (doc) => scrubDeal(doc as DealDoc) }],
};

/** The deal with its free-text fields read as erased. */
export function scrubDeal(doc: DealDoc): DealDoc {
  return { ...doc, title: ERASED, ...(doc.lostReason !== undefined && { lostReason: ERASED }) };
}
