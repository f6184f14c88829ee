import { InMemoryEventStore, SqliteEventStore } from '@touchpoint/event-store';
import { chainContract, eventStoreContract, snapshotStoreContract } from '@touchpoint/testing';
import Database from 'better-sqlite3';
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
}, { textLog: true });

// As the app opens it: commits on a writer thread with its own connection, WAL checkpoints on another.
eventStoreContract('sqlite (writer thread, background checkpoints)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tp-es-thread-'));
  const store = new SqliteEventStore({ filename: join(dir, 'events.db'), now: () => new Date(FIXED), writerThread: true, backgroundCheckpoints: true });
  return {
    store,
    fixedRecordedAt: FIXED,
    teardown: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}, { textLog: true });

snapshotStoreContract('in-memory', async () => ({ snapshots: new InMemoryEventStore(), teardown: async () => undefined }));
snapshotStoreContract('sqlite', async () => {
  const store = new SqliteEventStore({ filename: ':memory:' });
  return { snapshots: store, teardown: () => store.close() };
});

chainContract('in-memory', async () => {
  const store = new InMemoryEventStore(() => new Date(FIXED));
  return {
    store,
    tamperData: async (p) => store.tamper(p, (e) => (e.data = { ...e.data, n: 999 })),
    tamperGlobalHash: async (p) => store.tamper(p, () => undefined, 'f'.repeat(64)),
  };
});

describe.each([false, true])('hash chains, sqlite (writer thread: %s)', (writerThread) => chainContract('sqlite (raw UPDATE with better-sqlite3)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tp-chain-'));
  const filename = join(dir, 'events.db');
  const store = new SqliteEventStore({ filename, now: () => new Date(FIXED), writerThread });
  // A second, independent connection: the tamperer does not go through the adapter.
  const raw = () => new Database(filename);
  return {
    store,
    tamperData: async (p) => {
      const db = raw();
      db.prepare(`UPDATE events SET data = json_set(data, '$.n', 999) WHERE global_position = ?`).run(p);
      db.close();
    },
    tamperGlobalHash: async (p) => {
      const db = raw();
      db.prepare(`UPDATE events SET global_hash = ? WHERE global_position = ?`).run('f'.repeat(64), p);
      db.close();
    },
    teardown: async () => rmSync(dir, { recursive: true, force: true }),
  };
}));
