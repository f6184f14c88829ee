import { Client } from 'pg';
import { PostgresEventStore, PostgresKeyStore, type RecordedEvent } from '@touchpoint/event-store';
import { chainContract, describeWith, eventStoreContract, keyStoreContract, freshPostgresDatabase, serverUrl, snapshotStoreContract } from '@touchpoint/testing';

const PG = serverUrl('TOUCHPOINT_TEST_PG_URL', 'PostgreSQL event store suite');
const FIXED = '2026-03-01T12:00:00.000Z';

if (PG) {
  eventStoreContract('postgresql', async () => {
    const db = await freshPostgresDatabase(PG);
    return { store: await PostgresEventStore.connect({ connectionString: db.url, now: () => new Date(FIXED) }), fixedRecordedAt: FIXED, teardown: db.drop };
  });
  chainContract('postgresql (raw UPDATE with pg)', async () => {
    const db = await freshPostgresDatabase(PG);
    const store = await PostgresEventStore.connect({ connectionString: db.url, now: () => new Date(FIXED) });
    // A separate client, as someone with database access would use.
    const raw = async (sql: string, params: unknown[]) => {
      const client = new Client({ connectionString: db.url });
      await client.connect();
      await client.query(sql, params);
      await client.end();
    };
    return {
      store,
      tamperData: (p) => raw(`UPDATE tp_events SET data = json_build_object('n', 999) WHERE global_position = $1`, [p]),
      tamperGlobalHash: (p) => raw(`UPDATE tp_events SET global_hash = $1 WHERE global_position = $2`, ['f'.repeat(64), p]),
      teardown: db.drop,
    };
  });
  keyStoreContract(
    'postgresql (tp_data_keys)',
    async () => {
      const db = await freshPostgresDatabase(PG);
      return { keys: await PostgresKeyStore.connect(db.url), reopen: () => PostgresKeyStore.connect(db.url), teardown: db.drop };
    },
    { durable: true },
  );
  snapshotStoreContract('postgresql', async () => {
    const db = await freshPostgresDatabase(PG);
    const store = await PostgresEventStore.connect({ connectionString: db.url });
    return { snapshots: store, teardown: async () => (await store.close(), await db.drop()) };
  });
}

describeWith(PG)('PostgreSQL global order under concurrent appenders', () => {
  jest.setTimeout(120_000);

  it('never lets a live subscriber skip an event committed late by a slower transaction', async () => {
    const db = await freshPostgresDatabase(PG!);
    // Several store instances = several processes with their own pools, all racing.
    const writers = await Promise.all(Array.from({ length: 6 }, () => PostgresEventStore.connect({ connectionString: db.url, poolSize: 4 })));
    const reader = await PostgresEventStore.connect({ connectionString: db.url, pollIntervalMs: 5 });
    const seen: RecordedEvent[] = [];
    const subscription = reader.subscribeToAll({ after: 0, batchSize: 50 }, (batch) => {
      seen.push(...batch);
    });
    const perWriter = 150;
    await Promise.all(
      writers.map(async (store, w) => {
        for (let i = 0; i < perWriter; i += 1) {
          // Mix of single and multi-event appends on distinct and shared streams.
          const stream = i % 5 === 0 ? `shared-${i % 3}` : `w${w}-s${i % 10}`;
          await store.append(stream, Array.from({ length: (i % 3) + 1 }, (_, k) => ({ type: 'TouchpointRecorded', schemaVersion: 1, data: { w, i, k } })), {
            expectedRevision: 'any',
            metadata: { actor: `writer-${w}`, correlationId: 'race', causationId: `${w}-${i}` },
          });
        }
      }),
    );
    const all = await reader.readAll({ after: 0 });
    const deadline = Date.now() + 30_000;
    while (seen.length < all.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await subscription.stop();
    expect(all).toHaveLength(writers.length * perWriter * 2); // (1+2+3)/3 = 2 events per append on average
    expect(seen.map((e) => e.globalPosition)).toEqual(all.map((e) => e.globalPosition));
    expect(all.map((e) => e.globalPosition)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    await Promise.all([...writers, reader].map((s) => s.close()));
    await db.drop();
  });

  it('lets exactly one of many processes win the same expected revision', async () => {
    const db = await freshPostgresDatabase(PG!);
    const stores = await Promise.all(Array.from({ length: 8 }, () => PostgresEventStore.connect({ connectionString: db.url })));
    await stores[0].append('contended', [{ type: 'CustomerRegistered', schemaVersion: 1, data: {} }], { expectedRevision: 'no_stream', metadata: { actor: 'a', correlationId: 'c', causationId: 'c' } });
    for (let round = 0; round < 10; round += 1) {
      const outcomes = await Promise.allSettled(
        stores.map((s, i) => s.append('contended', [{ type: 'TouchpointRecorded', schemaVersion: 1, data: { round, i } }], { expectedRevision: round, metadata: { actor: 'a', correlationId: 'c', causationId: 'c' } })),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    }
    expect(await stores[0].streamRevision('contended')).toBe(10);
    await Promise.all(stores.map((s) => s.close()));
    await db.drop();
  });
});
