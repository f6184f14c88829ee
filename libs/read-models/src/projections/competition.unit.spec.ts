import type { DomainEvent } from '@touchpoint/domain';
import { competitionProjection, competitionReport, type CompetitorDoc, type DocumentAccess, type ProjectedEvent } from '@touchpoint/read-models';

let position = 0;
const at = (e: DomainEvent): ProjectedEvent =>
  ({ ...e, eventId: `e${++position}`, streamId: 's', streamRevision: 0, globalPosition: position, recordedAt: '2026-03-02T10:00:00.000Z', metadata: { actor: 'a', correlationId: 'c', causationId: 'c' } }) as ProjectedEvent;
const offer = (competitor: string, occurredAt: string, amount?: number): DomainEvent =>
  ({ type: 'CompetitorOfferRecorded', data: { customerId: 'c1', offerId: `o${position}`, competitor, ...(amount !== undefined && { amount, currency: 'EUR' }), occurredAt } }) as DomainEvent;
const lost = (competitor: string | undefined, amount: number, occurredAt: string): DomainEvent =>
  ({ type: 'DealLost', data: { dealId: `d${position}`, customerId: 'c1', stage: 'proposal', amount, currency: 'EUR', reason: 'price', ...(competitor !== undefined && { competitor }), occurredAt } }) as DomainEvent;

describe('competition report', () => {
  it('counts offers and deals lost per competitor, matching names trimmed and case-blind, ranked by deals lost', () => {
    const events = [
      offer('Rival Corp', '2026-01-05T09:00:00.000Z', 90000),
      offer('  rival corp ', '2026-02-05T09:00:00.000Z'),
      offer('Initech', '2026-01-10T09:00:00.000Z', 50000),
      lost('RIVAL CORP', 120000, '2026-02-20T09:00:00.000Z'),
      lost('Rival Corp', 30000, '2026-01-20T09:00:00.000Z'),
      lost(undefined, 70000, '2026-02-21T09:00:00.000Z'), // lost to no one named: not in the report
      offer('__proto__', '2026-02-01T09:00:00.000Z'),
    ];
    const store = new Map<string, CompetitorDoc>();
    const docs: DocumentAccess = {
      update: (_c, id, evolve) => {
        const next = evolve(store.get(id) as never) as CompetitorDoc | undefined;
        if (next) store.set(id, next);
      },
      read: (_c, id) => store.get(id) as never,
      remove: (_c, id) => void store.delete(id),
    };
    for (const e of events.map(at)) competitionProjection.apply(e, docs);
    const report = competitionReport([...store.values()]);
    // ties by name, in locale order (an underscore sorts before letters)
    expect(report.map((r) => r.competitor)).toEqual(['Rival Corp', '__proto__', 'Initech']);
    expect(report[0]).toEqual({ competitor: 'Rival Corp', offersSeen: 2, offeredAmount: { EUR: 90000 }, lastOfferAt: '2026-02-05T09:00:00.000Z', dealsLost: 2, lostAmount: { EUR: 150000 }, lastLostAt: '2026-02-20T09:00:00.000Z' });
    // One document per competitor, keyed by the matching name ('__proto__' is a key like any other).
    expect([...store.keys()].sort()).toEqual(['__proto__', 'initech', 'rival corp']);
  });
});
