import { ERASED } from '@touchpoint/domain';
import type { Document } from '../store/port';
import type { DocumentAccess, ProjectedEvent, Projection } from './types';

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
}

export const DEALS = 'deals';
export const PIPELINE = 'pipeline';
export const PIPELINE_ID = 'pipeline';

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
    case 'DealWon':
      return { ...d, status: 'won', amount: event.data.amount, closedAt: event.data.occurredAt };
    case 'DealLost':
      return { ...d, status: 'lost', closedAt: event.data.occurredAt, lostReason: event.data.reason, ...(event.data.competitor && { competitor: event.data.competitor }) };
    default:
      return d;
  }
}

const emptyPipeline = (): PipelineDoc => ({ _id: PIPELINE_ID, _position: 0, open: {}, closed: {}, stageOutcomes: {} });

/**
 * Updates the pipeline document in place: it holds every open deal, and
 * copying it per event would make a rebuild quadratic. The projector hands
 * evolve a document it owns.
 */
export function evolvePipeline(doc: PipelineDoc | undefined, event: ProjectedEvent): PipelineDoc {
  const p = doc ?? emptyPipeline();
  p._position = event.globalPosition;
  switch (event.type) {
    case 'DealOpened': {
      const e = event.data;
      p.open[e.dealId] = { currency: e.currency, amount: e.amount, owner: e.owner, stage: e.stage, closeDate: e.expectedCloseDate, visited: [e.stage] };
      return p;
    }
    case 'DealStageChanged': {
      const entry = p.open[event.data.dealId];
      if (entry) {
        entry.stage = event.data.to;
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
      if (entry) entry.closeDate = event.data.expectedCloseDate;
      return p;
    }
    case 'DealWon':
    case 'DealLost': {
      const entry = p.open[event.data.dealId];
      if (!entry) return p;
      delete p.open[event.data.dealId];
      const outcome = event.type === 'DealWon' ? 'won' : 'lost';
      const byCurrency = (p.closed[event.data.occurredAt.slice(0, 7)] ??= {});
      const cell = (byCurrency[event.data.currency] ??= { won: { count: 0, amount: 0 }, lost: { count: 0, amount: 0 } });
      cell[outcome].count += 1;
      cell[outcome].amount += event.data.amount;
      for (const stage of entry.visited) (p.stageOutcomes[stage] ??= { won: 0, lost: 0 })[outcome] += 1;
      return p;
    }
    default:
      return p;
  }
}

const DEAL_EVENTS = ['DealOpened', 'DealStageChanged', 'DealAmountChanged', 'DealCloseDateChanged', 'DealWon', 'DealLost'];

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
        status: { path: 'status', type: 'string' },
        currency: { path: 'currency', type: 'string' },
        amount: { path: 'amount', type: 'number' },
        expectedCloseDate: { path: 'expectedCloseDate', type: 'string' },
      },
      indexes: [['customerId'], ['status', 'expectedCloseDate'], ['owner', 'status']],
    },
    { name: PIPELINE, cached: true, fields: {}, indexes: [] },
  ],
  handles: new Set(DEAL_EVENTS),
  apply(event: ProjectedEvent, docs: DocumentAccess): void {
    const dealId = (event.data as { dealId: string }).dealId;
    docs.update<DealDoc>(DEALS, dealId, (doc) => evolveDeal(doc, event));
    docs.update<PipelineDoc>(PIPELINE, PIPELINE_ID, (doc) => evolvePipeline(doc, event));
  },
  erase: [{ collection: DEALS, field: 'customerId', scrub: (doc) => scrubDeal(doc as DealDoc) }],
};

/** The deal with its free-text fields read as erased. */
export function scrubDeal(doc: DealDoc): DealDoc {
  return { ...doc, title: ERASED, ...(doc.lostReason !== undefined && { lostReason: ERASED }) };
}
