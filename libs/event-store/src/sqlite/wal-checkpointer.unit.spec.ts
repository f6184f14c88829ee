import { SqliteEventStore } from '@touchpoint/event-store';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const meta = { actor: 'a', correlationId: 'c', causationId: 'c' };

describe('WalCheckpointer (SqliteEventStore backgroundCheckpoints)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tp-walcp-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('copies committed pages into the database file from a worker thread; the log survives close and reopen', async () => {
    const filename = join(dir, 'events.db');
    const store = new SqliteEventStore({ filename, backgroundCheckpoints: true });
    expect(store.database.pragma('wal_autocheckpoint', { simple: true })).toBe(0); // the connection no longer checkpoints in its commits
    const before = statSync(filename).size;
    const payload = 'x'.repeat(2000);
    for (let i = 0; i < 20; i += 1) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => store.append(`s-${i}-${j}`, [{ type: 'TouchpointRecorded', schemaVersion: 1, data: { payload } }], { expectedRevision: 'no_stream', metadata: meta })));
    }
    // Only a checkpoint writes pages into the main file; the commits above wrote the WAL alone.
    const deadline = Date.now() + 5000;
    while (statSync(filename).size <= before + 1_000_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(statSync(filename).size).toBeGreaterThan(before + 1_000_000);
    await store.close();

    const reopened = new SqliteEventStore({ filename });
    expect(await reopened.headPosition()).toBe(1000);
    expect((await reopened.readAll({ maxCount: 2000 })).every((e) => e.data.payload === payload)).toBe(true);
    await reopened.close();
  });
});
