import { own } from '@touchpoint/domain';
import type { Document } from '../store/port';
import type { DocumentAccess, ProjectedEvent, Projection } from './types';

/** What the sales desk knows of each competitor: the offers customers told of, and the deals lost to it. */
export interface CompetitorStats {
  /** the name as first written (competitors are matched by their trimmed, lower-cased name) */
  competitor: string;
  offersSeen: number;
  /** sums of the offers that named an amount, per currency (minor units) */
  offeredAmount: Record<string, number>;
  lastOfferAt: string | null;
  dealsLost: number;
  /** the amounts of the deals lost to it, per currency */
  lostAmount: Record<string, number>;
  lastLostAt: string | null;
}

export interface CompetitionDoc extends Document {
  competitors: Record<string, CompetitorStats>;
}

export const COMPETITION = 'competition';
export const COMPETITION_ID = 'competition';

const keyOf = (name: string) => name.trim().toLowerCase();
const later = (a: string | null, b: string) => (a === null || b > a ? b : a);
const add = (map: Record<string, number>, currency: string, amount: number) => ({ ...map, [currency]: (own(map, currency) ?? 0) + amount });

export function evolveCompetition(doc: CompetitionDoc | undefined, event: ProjectedEvent): CompetitionDoc {
  const d: CompetitionDoc = doc ?? { _id: COMPETITION_ID, _position: 0, competitors: {} };
  const name = event.type === 'CompetitorOfferRecorded' ? event.data.competitor : event.type === 'DealLost' ? event.data.competitor : undefined;
  if (name === undefined || name.trim() === '') return { ...d, _position: event.globalPosition };
  const key = keyOf(name);
  const current: CompetitorStats = own(d.competitors, key) ?? { competitor: name.trim(), offersSeen: 0, offeredAmount: {}, lastOfferAt: null, dealsLost: 0, lostAmount: {}, lastLostAt: null };
  let next = current;
  if (event.type === 'CompetitorOfferRecorded') {
    const { amount, currency, occurredAt } = event.data;
    next = { ...current, offersSeen: current.offersSeen + 1, offeredAmount: amount !== undefined && currency !== undefined ? add(current.offeredAmount, currency, amount) : current.offeredAmount, lastOfferAt: later(current.lastOfferAt, occurredAt) };
  } else if (event.type === 'DealLost') {
    const { amount, currency, occurredAt } = event.data;
    next = { ...current, dealsLost: current.dealsLost + 1, lostAmount: add(current.lostAmount, currency, amount), lastLostAt: later(current.lastLostAt, occurredAt) };
  }
  const competitors = { ...d.competitors };
  // defineProperty: a competitor called "__proto__" must become a key, not a prototype.
  Object.defineProperty(competitors, key, { value: next, enumerable: true, writable: true, configurable: true });
  return { ...d, _position: event.globalPosition, competitors };
}

/** The report: competitors by deals lost to them, then by offers seen. */
export function competitionReport(doc: CompetitionDoc | undefined): CompetitorStats[] {
  return Object.values(doc?.competitors ?? {}).sort((a, b) => b.dealsLost - a.dealsLost || b.offersSeen - a.offersSeen || a.competitor.localeCompare(b.competitor));
}

export const competitionProjection: Projection = {
  name: 'competition',
  collections: [{ name: COMPETITION, cached: true, fields: {}, indexes: [] }],
  handles: new Set(['CompetitorOfferRecorded', 'DealLost']),
  apply(event: ProjectedEvent, docs: DocumentAccess): void {
    docs.update<CompetitionDoc>(COMPETITION, COMPETITION_ID, (doc) => evolveCompetition(doc, event));
  },
};
