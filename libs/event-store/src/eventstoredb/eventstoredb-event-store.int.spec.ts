import { EventStoreDbEventStore } from '@touchpoint/event-store';
import { randomUUID } from 'node:crypto';
import { describeWith, eventStoreContract, snapshotStoreContract, serverUrl } from '@touchpoint/testing';

// No EventStoreDB/KurrentDB server can be installed on the CI machine (Docker only), so CI skips this suite.
const ESDB = serverUrl('EVENTSTORE_URL', 'EventStoreDB event store suite', { optionalInCi: 'no EventStoreDB server in CI; run it where one is, e.g. esdb://127.0.0.1:2113?tls=false' });
const FIXED = '2026-03-01T12:00:00.000Z';

if (ESDB) {
  // Streams are fresh per test and positions compared to the head, so one shared server is enough.
  eventStoreContract('eventstoredb', async () => ({
    store: await EventStoreDbEventStore.connect({ connectionString: ESDB, now: () => new Date(FIXED), pollIntervalMs: 50 }),
    fixedRecordedAt: FIXED,
  }));
  snapshotStoreContract('eventstoredb', async () => {
    const store = await EventStoreDbEventStore.connect({ connectionString: ESDB });
    return { snapshots: store, teardown: () => store.close() };
  });
}

describeWith(ESDB)('EventStoreDB bookkeeping streams', () => {
  it('keeps idempotency keys and snapshots out of the global log', async () => {
    const store = await EventStoreDbEventStore.connect({ connectionString: ESDB! });
    const head = await store.headPosition();
    const s = `test-${randomUUID()}`;
    const key = `key-${randomUUID()}`;
    await store.append(s, [{ type: 'CustomerRegistered', schemaVersion: 1, data: {} }], {
      expectedRevision: 'no_stream',
      metadata: { actor: 'a', correlationId: 'c', causationId: 'c' },
      idempotency: { key, requestHash: 'h' },
    });
    await store.save({ streamId: s, revision: 0, stateVersion: 'v1', state: { n: 1 } });
    const after = await store.readAll({ after: head });
    expect(after.map((e) => e.streamId).filter((id) => !id.startsWith('test-'))).toEqual([]);
    expect(after.filter((e) => e.streamId === s)).toHaveLength(1);
    expect(await store.headPosition()).toBe(after[after.length - 1].globalPosition);
    await store.close();
  });
});
