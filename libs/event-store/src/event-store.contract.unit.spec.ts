import { InMemoryEventStore, SqliteEventStore } from '@touchpoint/event-store';
import { eventStoreContract, snapshotStoreContract } from '@touchpoint/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FIXED = '2026-03-01T12:00:00.000Z';

eventStoreContract('in-memory', async () => ({ store: new InMemoryEventStore(() => new Date(FIXED)), fixedRecordedAt: FIXED }));

eventStoreContract('sqlite (file, WAL, synchronous=FULL)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tp-es-'));
  return {
    store: new SqliteEventStore({ filename: join(dir, 'events.db'), now: () => new Date(FIXED) }),
    fixedRecordedAt: FIXED,
    teardown: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

snapshotStoreContract('in-memory', async () => ({ snapshots: new InMemoryEventStore(), teardown: async () => undefined }));
snapshotStoreContract('sqlite', async () => {
  const store = new SqliteEventStore({ filename: ':memory:' });
  return { snapshots: store, teardown: () => store.close() };
});
