import { SqliteEventStore, verifyChains } from '@touchpoint/event-store';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The events table as it was before tamper evidence (no hash columns). */
const OLD_SCHEMA = `
CREATE TABLE events (
  global_position INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, stream_id TEXT NOT NULL,
  stream_revision INTEGER NOT NULL, type TEXT NOT NULL, schema_version INTEGER NOT NULL, recorded_at TEXT NOT NULL,
  data TEXT NOT NULL, metadata TEXT NOT NULL, UNIQUE (stream_id, stream_revision));
CREATE TABLE streams (stream_id TEXT PRIMARY KEY, revision INTEGER NOT NULL) WITHOUT ROWID;`;

describe('SQLite event store opened on a file from before hash chains', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tp-migrate-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('adds the hash columns, leaves old rows unchained, chains new appends after them, and still finds tampering', async () => {
    const file = join(dir, 'events.db');
    const old = new Database(file);
    old.exec(OLD_SCHEMA);
    const insert = old.prepare(`INSERT INTO events (event_id, stream_id, stream_revision, type, schema_version, recorded_at, data, metadata) VALUES (?, ?, ?, 'TouchpointRecorded', 1, '2025-01-01T00:00:00.000Z', '{"n":1}', '{"actor":"a","correlationId":"c","causationId":"c"}')`);
    for (let i = 0; i < 3; i += 1) insert.run(`old-${i}`, 's-1', i);
    old.prepare(`INSERT INTO streams VALUES ('s-1', 2)`).run();
    old.close();

    const store = new SqliteEventStore({ filename: file, now: () => new Date('2026-03-01T00:00:00.000Z') });
    await store.append('s-1', [{ type: 'TouchpointRecorded', schemaVersion: 1, data: { n: 2 } }], { expectedRevision: 2, metadata: { actor: 'a', correlationId: 'c', causationId: 'c' } });
    await store.append('s-2', [{ type: 'TouchpointRecorded', schemaVersion: 1, data: { n: 3 } }], { expectedRevision: 'no_stream', metadata: { actor: 'a', correlationId: 'c', causationId: 'c' } });
    expect(await verifyChains(store)).toMatchObject({ ok: true, unchained: 3, checked: 2, to: 5 });

    const raw = new Database(file);
    raw.prepare(`UPDATE events SET global_hash = NULL WHERE global_position = 5`).run();
    raw.close();
    expect((await verifyChains(store)).broken).toMatchObject({ globalPosition: 5, chain: 'missing' });
    await store.close();
  });
});
