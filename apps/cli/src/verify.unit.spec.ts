import { SqliteEventStore } from '@touchpoint/event-store';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runVerify } from './verify';

describe('cli verify', () => {
  let dir: string;
  let store: SqliteEventStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tp-cli-verify-'));
    store = new SqliteEventStore({ filename: join(dir, 'events.db'), now: () => new Date('2026-03-01T00:00:00.000Z') });
    for (let i = 0; i < 30; i += 1) {
      await store.append(`customer-${i % 3}`, [{ type: 'TouchpointRecorded', schemaVersion: 1, data: { i } }], { expectedRevision: 'any', metadata: { actor: 'a', correlationId: 'c', causationId: 'c' } });
    }
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 on an intact log and 1 with the first broken position after a raw UPDATE, drawing a progress bar', async () => {
    const out = new PassThrough();
    let drawn = '';
    out.on('data', (c: Buffer) => (drawn += c.toString()));
    expect(await runVerify(store, { stream: out })).toMatchObject({ exitCode: 0, report: { ok: true, checked: 30 } });
    expect(drawn).toContain('30/30 events');

    const raw = new Database(join(dir, 'events.db'));
    raw.prepare(`UPDATE events SET metadata = json_set(metadata, '$.actor', 'someone-else') WHERE global_position = 17`).run();
    raw.close();
    const { exitCode, report } = await runVerify(store, { progress: false });
    expect(exitCode).toBe(1);
    expect(report.broken).toMatchObject({ globalPosition: 17, streamId: 'customer-1', chain: 'stream' });
    expect((await runVerify(store, { progress: false, from: 18 })).exitCode).toBe(0);
  });
});
