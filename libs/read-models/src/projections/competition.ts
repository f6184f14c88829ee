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

/** One document per competitor (id: the matching key), so the report grows by documents, not one ever-larger one. */
export type CompetitorDoc = Document & CompetitorStats;

export const COMPETITION = 'competition';

const keyOf = (name: string) => name.trim().toLowerCase();
const later = (a: string | null, b: string) => (a === null || b > a ? b : a);
const add = (map: Record<string, number>, currency: string, amount: number) => ({ ...map, [currency]: (own(map, currency) ?? 0) + amount });

/** The competitor an event names, if any. */
export function competitorOf(event: ProjectedEvent): string | undefined {
  const name = event.type === 'CompetitorOfferRecorded' ? event.data.competitor : event.type === 'DealLost' ? event.data.competitor : undefined;
  return name !== undefined && name.trim() !== '' ? name : undefined;
}

export function evolveCompetitor(doc: CompetitorDoc | undefined, event: ProjectedEvent): CompetitorDoc | undefined {
  const name = competitorOf(event);
  if (name === undefined) return doc;
  const current: CompetitorDoc = doc ?? { _id: keyOf(name), _position: 0, competitor: name.trim(), offersSeen: 0, offeredAmount: {}, lastOfferAt: null, dealsLost: 0, lostAmount: {}, lastLostAt: null };
  const d = { ...current, _position: event.globalPosition };
  if (event.type === 'CompetitorOfferRecorded') {
    const { amount, currency, occurredAt } = event.data;
    return { ...d, offersSeen: d.offersSeen + 1, offeredAmount: amount !== undefined && currency !== undefined ? add(d.offeredAmount, currency, amount) : d.offeredAmount, lastOfferAt: later(d.lastOfferAt, occurredAt) };
  }
  if (event.type === 'DealLost') {
    const { amount, currency, occurredAt } = event.data;
    return { ...d, dealsLost: d.dealsLost + 1, lostAmount: add(d.lostAmount, currency, amount), lastLostAt: later(d.lastLostAt, occurredAt) };
  }
  return doc;
}

/** The report's order: competitors by deals lost to them, then by offers seen, then by name. */
export function competitionReport(docs: CompetitorDoc[]): CompetitorStats[] {
  return docs
    .map(({ _id, _position, ...stats }) => stats)
    .sort((a, b) => b.dealsLost - a.dealsLost || b.offersSeen - a.offersSeen || a.competitor.localeCompare(b.competitor));
}

export const competitionProjection: Projection = {
  name: 'competition',
  collections: [
    {
      name: COMPETITION,
      cached: true,
      fields: { dealsLost: { path: 'dealsLost', type: 'number' }, offersSeen: { path: 'offersSeen', type: 'number' } },
      indexes: [['dealsLost', 'offersSeen']],
    },
  ],
  handles: new Set(['CompetitorOfferRecorded', 'DealLost']),
  apply(event: ProjectedEvent, docs: DocumentAccess): void {
    const name = competitorOf(event);
    if (name !== undefined) docs.update<CompetitorDoc>(COMPETITION, keyOf(name), (doc) => evolveCompetitor(doc, event));
  },
};
