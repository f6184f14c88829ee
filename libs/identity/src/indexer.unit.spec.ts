import { InMemoryEventStore } from '@touchpoint/event-store';
import { randomBytes } from 'node:crypto';
import { BlindIndexHasher, MemoryBlindIndex } from './blind-index';
import { DuplicateFinder } from './duplicates';
import { IdentityIndexer, indexerCheckpoint } from './indexer';
import type { MatchProfile } from './match';

const META = { actor: 'test', correlationId: 'c', causationId: 'c' };

/** A log of registrations and the profiles they stand for (what the customers' states would say). */
async function world() {
  const events = new InMemoryEventStore(() => new Date('2026-03-01T10:00:00Z'));
  const profiles = new Map<string, MatchProfile | null>();
  const register = async (customerId: string, profile: MatchProfile) => {
    profiles.set(customerId, profile);
    await events.append(`customer-${customerId}`, [{ type: 'CustomerRegistered', schemaVersion: 1, data: { customerId, ...profile } }], { expectedRevision: 'no_stream', metadata: META });
  };
  const erase = async (customerId: string) => {
    profiles.set(customerId, null);
    await events.append(`customer-${customerId}`, [{ type: 'CustomerErased', schemaVersion: 1, data: { customerId } }], { expectedRevision: 'stream_exists', metadata: META });
  };
  return { events, profiles, register, erase, profileOf: async (id: string) => profiles.get(id) ?? null };
}

/** Runs an indexer over the whole log once (the subscription's work, without its timing). */
async function indexAll(indexer: IdentityIndexer, events: InMemoryEventStore) {
  await indexer.handle(await events.readAll({ after: indexer.position }));
}

describe('IdentityIndexer and DuplicateFinder (memory event store and blind index)', () => {
  it('finds duplicates from the log, forgets erased customers, and keeps every match through a key rotation', async () => {
    const w = await world();
    await w.register('a', { kind: 'person', name: 'Olena Shevchenko', email: 'Olena.Shevchenko+web@gmail.com' });
    await w.register('b', { kind: 'person', name: 'Олена Шевченко', email: 'olenashevchenko@gmail.com' });
    await w.register('c', { kind: 'person', name: 'Petro Bondarenko', phone: '+380501112233' });
    await w.register('d', { kind: 'person', name: 'Петро Бондаренко', phone: '050 111 22 33' });
    await w.register('e', { kind: 'person', name: 'Someone Else', email: 'else@example.com' });
    const index = new MemoryBlindIndex();
    const v1 = new BlindIndexHasher(randomBytes(32), 1);
    const indexer = new IdentityIndexer(w.events, index, v1, w.profileOf);
    await indexAll(indexer, w.events);
    expect(await index.checkpoint(indexerCheckpoint(1))).toBe(5);
    const finder = new DuplicateFinder(index, v1, w.profileOf);
    const pairsOf = async (f: DuplicateFinder) => (await f.scan({ limit: 100, minScore: 0.5 })).pairs.map((p) => `${p.customerIds.join('+')}:${p.reasons.join(',')}`).sort();
    const before = await pairsOf(finder);
    expect(before).toEqual(['a+b:same_email,similar_name', 'c+d:same_phone,similar_name']);
    expect((await finder.candidatesFor('a'))!.map((c) => c.customerId)).toEqual(['b']);

    // Rotation: a second pass with the next key version, from position 0 under its own checkpoint, finds the same pairs.
    const v2 = new BlindIndexHasher(randomBytes(32), 2);
    const rotated = new IdentityIndexer(w.events, index, v2, w.profileOf);
    await indexAll(rotated, w.events);
    expect(await pairsOf(new DuplicateFinder(index, v2, w.profileOf))).toEqual(before);
    await index.dropVersion(1);
    expect(await index.entriesOf('a', 1)).toEqual([]);
    expect((await index.entriesOf('a', 2)).length).toBeGreaterThan(0);
    // The hashes of the two versions differ: an old backup's hashes do not match the new key.
    expect(v1.hash('email', 'olenashevchenko@gmail.com')).not.toBe(v2.hash('email', 'olenashevchenko@gmail.com'));

    // Erasure removes every entry; the pair is gone; replaying the whole log changes nothing more.
    await w.erase('b');
    await indexAll(rotated, w.events);
    expect(await index.entriesOf('b', 2)).toEqual([]);
    const afterErasure = await pairsOf(new DuplicateFinder(index, v2, w.profileOf));
    expect(afterErasure).toEqual(['c+d:same_phone,similar_name']);
    await rotated.handle(await w.events.readAll({ after: 0 }));
    expect(await pairsOf(new DuplicateFinder(index, v2, w.profileOf))).toEqual(afterErasure);
  });

  it('waitFor resolves once the index has reached a position, and times out otherwise', async () => {
    const w = await world();
    await w.register('a', { kind: 'person', name: 'Ann Smith' });
    const indexer = new IdentityIndexer(w.events, new MemoryBlindIndex(), new BlindIndexHasher(randomBytes(32), 1), w.profileOf);
    const waiting = indexer.waitFor(1, 1000);
    await indexAll(indexer, w.events);
    await expect(waiting).resolves.toBe(true);
    await expect(indexer.waitFor(5, 10)).resolves.toBe(false);
  });
});
