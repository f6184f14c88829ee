import { Checkpointer, signCheckpoint, SqliteCheckpointStore, SqliteEventStore } from '@touchpoint/event-store';
import { generateKeyPairSync } from 'node:crypto';
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

describe('cli verify with stored checkpoints', () => {
  it('fails (exit 1) on a checkpoint whose head hash no longer matches the recomputed chain, while the chain itself is intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-cli-verify-cp-'));
    const now = () => new Date('2026-03-01T00:00:00.000Z');
    const store = new SqliteEventStore({ filename: join(dir, 'events.db'), now });
    const checkpoints = new SqliteCheckpointStore(join(dir, 'checkpoints.db'));
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    try {
      for (let i = 0; i < 4; i += 1) await store.append('customer-1', [{ type: 'TouchpointRecorded', schemaVersion: 1, data: { i } }], { expectedRevision: 'any', metadata: { actor: 'a', correlationId: 'c', causationId: 'c' } });
      await new Checkpointer(store, checkpoints, privateKey, { everyMs: 1, now }).tick();
      expect(await runVerify(store, { progress: false, checkpoints: { store: checkpoints, publicKeyPem } })).toMatchObject({ exitCode: 0, report: { ok: true, checkpoints: { matched: 1 } } });
      // A checkpoint signed for a different head at position 4 (the stored one is replaced, as if the log had been rewritten after it).
      const raw = new Database(join(dir, 'checkpoints.db'));
      raw.prepare('DELETE FROM audit_checkpoints').run();
      raw.close();
      await checkpoints.save(signCheckpoint(privateKey, { position: 4, headHash: 'c'.repeat(64), at: '2026-03-01T00:00:00.000Z' }));
      const { exitCode, report } = await runVerify(store, { progress: false, checkpoints: { store: checkpoints, publicKeyPem } });
      expect(exitCode).toBe(1);
      expect(report).toMatchObject({ checked: 4, checkpoints: { ok: false, failed: 1, results: [{ position: 4, status: 'mismatch', signatureValid: true }] } });
      expect(report.broken).toBeUndefined();
    } finally {
      await store.close();
      await checkpoints.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
