import { FixedClock } from '@touchpoint/testing';
import Database from 'better-sqlite3';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENESIS_HASH, chainLink, verifyChains } from '../chain';
import { verifyCheckpoint } from '../checkpoint';
import { InMemoryEventStore } from '../memory/memory-event-store';
import { SqliteEventStore } from '../sqlite/sqlite-event-store';
import { InMemoryCheckpointStore, SqliteCheckpointStore } from './checkpoint-store';
import { Checkpointer, type Timer } from './checkpointer';
import { verifyWithCheckpoints } from './verify-checkpoints';

const meta = { actor: 'user:alice', correlationId: 'c', causationId: 'c' };
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

/** A timer the test fires by hand: records the period and the task. */
class ManualTimer implements Timer {
  tasks: { ms: number; task: () => void; cancelled: boolean }[] = [];
  every(ms: number, task: () => void) {
    const entry = { ms, task, cancelled: false };
    this.tasks.push(entry);
    return { cancel: () => void (entry.cancelled = true) };
  }
}

async function append(store: InMemoryEventStore | SqliteEventStore, n: number, from = 0) {
  for (let i = from; i < from + n; i += 1) await store.append(`customer-${i % 3}`, [{ type: 'TouchpointRecorded', schemaVersion: 1, data: { i } }], { expectedRevision: 'any', metadata: meta });
}

describe('Checkpointer', () => {
  const clock = new FixedClock(new Date('2026-03-01T00:00:00.000Z'));

  it('signs and stores the head only when it moved, with the injected clock', async () => {
    const store = new InMemoryEventStore(() => clock.now());
    const checkpoints = new InMemoryCheckpointStore();
    const checkpointer = new Checkpointer(store, checkpoints, privateKey, { everyMs: 60_000, now: () => clock.now() });
    expect(await checkpointer.tick()).toBeUndefined(); // empty log: nothing to vouch for
    await append(store, 4);
    const first = await checkpointer.tick();
    const [head] = await store.readChain({ after: 3, maxCount: 1 });
    expect(first).toMatchObject({ position: 4, headHash: head.globalHash, at: '2026-03-01T00:00:00.000Z', algorithm: 'Ed25519' });
    expect(verifyCheckpoint(publicKeyPem, first!)).toBe(true);
    clock.advance(60_000);
    expect(await checkpointer.tick()).toBeUndefined(); // head did not move
    await append(store, 2, 4);
    expect(await checkpointer.tick()).toMatchObject({ position: 6, at: '2026-03-01T00:01:00.000Z' });
    expect((await checkpoints.list({ after: 0, limit: 10 })).map((c) => c.position)).toEqual([4, 6]);
  });

  it('runs on the injected timer every everyMs until stopped; 0 is off', async () => {
    const store = new InMemoryEventStore(() => clock.now());
    const checkpoints = new InMemoryCheckpointStore();
    const timer = new ManualTimer();
    const checkpointer = new Checkpointer(store, checkpoints, privateKey, { everyMs: 3_600_000, now: () => clock.now(), timer });
    checkpointer.start();
    expect(timer.tasks.map((t) => t.ms)).toEqual([3_600_000]);
    await append(store, 3);
    timer.tasks[0].task();
    await checkpointer.stop(); // waits for the round the timer began
    expect(timer.tasks[0].cancelled).toBe(true);
    expect((await checkpoints.latest())?.position).toBe(3);

    const off = new ManualTimer();
    new Checkpointer(store, checkpoints, privateKey, { everyMs: 0, now: () => clock.now(), timer: off }).start();
    expect(off.tasks).toEqual([]);
  });

  it('lets two processes checkpoint the same head: one checkpoint per position is kept', async () => {
    const store = new InMemoryEventStore(() => clock.now());
    const checkpoints = new InMemoryCheckpointStore();
    await append(store, 2);
    const a = new Checkpointer(store, checkpoints, privateKey, { everyMs: 1, now: () => clock.now() });
    const b = new Checkpointer(store, checkpoints, privateKey, { everyMs: 1, now: () => clock.now() });
    const results = await Promise.all([a.tick(), b.tick()]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await checkpoints.list({ after: 0, limit: 10 })).toHaveLength(1);
  });
});

describe('verify against stored checkpoints (SQLite, rows rewritten behind the store)', () => {
  let dir: string;
  let store: SqliteEventStore;
  let checkpoints: SqliteCheckpointStore;
  const clock = new FixedClock(new Date('2026-03-01T00:00:00.000Z'));
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tp-checkpointer-'));
    store = new SqliteEventStore({ filename: join(dir, 'events.db'), now: () => clock.now() });
    checkpoints = new SqliteCheckpointStore(join(dir, 'checkpoints.db'));
  });
  afterEach(async () => {
    await store.close();
    await checkpoints.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What someone with write access to events.db could do: change a row, then recompute every hash so the chain is consistent again. */
  async function tamperAndRechain(position: number) {
    const raw = new Database(join(dir, 'events.db'));
    raw.prepare(`UPDATE events SET data = json_object('i', 999) WHERE global_position = ?`).run(position);
    const update = raw.prepare(`UPDATE events SET stream_hash = ?, global_hash = ? WHERE global_position = ?`);
    const streamHeads = new Map<string, string>();
    let prevGlobal = GENESIS_HASH;
    for (const { event } of await store.readChain({ after: 0, maxCount: 10_000 })) {
      const link = chainLink(event, streamHeads.get(event.streamId) ?? GENESIS_HASH, prevGlobal);
      update.run(link.streamHash, link.globalHash, event.globalPosition);
      streamHeads.set(event.streamId, link.streamHash);
      prevGlobal = link.globalHash;
    }
    raw.close();
  }

  it('a rewritten log with recomputed hashes passes the chain check but fails every checkpoint taken after the change', async () => {
    const checkpointer = new Checkpointer(store, checkpoints, privateKey, { everyMs: 1, now: () => clock.now() });
    await append(store, 10);
    await checkpointer.tick(); // at 10
    await append(store, 10, 10);
    await checkpointer.tick(); // at 20
    await append(store, 5, 20);

    const clean = await verifyWithCheckpoints(store, checkpoints, publicKeyPem);
    expect(clean).toMatchObject({ ok: true, checked: 25, checkpoints: { ok: true, total: 2, matched: 2, failed: 0 } });

    await tamperAndRechain(15);
    expect(await verifyChains(store)).toMatchObject({ ok: true, checked: 25 }); // the chains alone are fooled
    const report = await verifyWithCheckpoints(store, checkpoints, publicKeyPem);
    expect(report.ok).toBe(false);
    expect(report.broken).toBeUndefined();
    expect(report.checkpoints).toMatchObject({ ok: false, total: 2, matched: 1, failed: 1 });
    expect(report.checkpoints.results.map((r) => [r.position, r.status, r.signatureValid])).toEqual([
      [10, 'match', true],
      [20, 'mismatch', true],
    ]);
  });

  it('reports a checkpoint beyond the head when events at the end were removed, and a forged checkpoint by its signature', async () => {
    await append(store, 6);
    await new Checkpointer(store, checkpoints, privateKey, { everyMs: 1, now: () => clock.now() }).tick();
    const raw = new Database(join(dir, 'checkpoints.db'));
    raw.prepare(`INSERT INTO audit_checkpoints (position, head_hash, at, signature) VALUES (3, ?, '2026-03-01T00:00:00.000Z', ?)`).run('e'.repeat(64), Buffer.alloc(64).toString('base64'));
    raw.close();
    const events = new Database(join(dir, 'events.db'));
    events.prepare(`DELETE FROM events WHERE global_position > 4`).run();
    events.close();
    const report = await verifyWithCheckpoints(store, checkpoints, publicKeyPem);
    expect(report.checkpoints.results.map((r) => [r.position, r.status, r.signatureValid])).toEqual([
      [3, 'mismatch', false],
      [6, 'beyond_head', true],
    ]);
    expect(report).toMatchObject({ ok: false, checkpoints: { failed: 2 } });
  });
});
