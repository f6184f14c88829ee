import { chainLink, GENESIS_HASH, verifyCheckpoint, type ChainedEventStore, type Checkpointer, type EventStore } from '@touchpoint/event-store';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import request from 'supertest';
import { CHECKPOINTER } from '../../apps/api/src/audit/checkpoints';
import { call, person, send } from '../commands/helpers';
import { startTestApp, type TestApp } from '../support/app';

describe('audit: periodic signed checkpoints (SQLite files)', () => {
  let t: TestApp;
  let checkpointer: Checkpointer;
  beforeEach(async () => {
    t = await startTestApp({ engine: 'sqlite' });
    checkpointer = t.app.get<Checkpointer>(CHECKPOINTER);
  });
  afterEach(() => t.close());

  async function touchpoints(id: string, n: number) {
    for (let i = 0; i < n; i += 1) await send(t, 'post', `/v1/customers/${id}/touchpoints`, call()).expect(201);
  }

  it('stores a signed checkpoint per tick when the head moved, pages them, and verify checks each against the chain', async () => {
    const id = (await send(t, 'post', '/v1/customers', person()).expect(201)).headers.location!.split('/').pop()!;
    await touchpoints(id, 3);
    expect(await checkpointer.tick()).toMatchObject({ position: 4 });
    t.clock.advance(3_600_000);
    expect(await checkpointer.tick()).toBeUndefined(); // head did not move
    await touchpoints(id, 2);
    await checkpointer.tick();
    await touchpoints(id, 1);
    await checkpointer.tick();

    const { publicKey } = (await request(t.http).get('/v1/audit/checkpoints/public-key').expect(200)).body;
    const first = (await request(t.http).get('/v1/audit/checkpoints?limit=2').expect(200)).body;
    expect(first.checkpoints.map((c: { position: number }) => c.position)).toEqual([4, 6]);
    expect(first.nextAfter).toBe(6);
    expect(first.checkpoints[1]).toMatchObject({ at: '2026-03-02T11:00:00.000Z', algorithm: 'Ed25519' });
    for (const c of first.checkpoints) expect(verifyCheckpoint(publicKey, c)).toBe(true);
    const rest = (await request(t.http).get(`/v1/audit/checkpoints?after=${first.nextAfter}&limit=2`).expect(200)).body;
    expect(rest).toEqual({ checkpoints: [expect.objectContaining({ position: 7 })] });

    const ok = (await request(t.http).get('/v1/audit/verify').expect(200)).body;
    expect(ok).toMatchObject({ ok: true, checked: 7, checkpoints: { ok: true, total: 3, matched: 3, failed: 0 } });
    expect(ok.checkpoints.results[2]).toEqual({ position: 7, at: expect.any(String), headHash: ok.headHash, recomputed: ok.headHash, signatureValid: true, status: 'match' });

    // Rewrite event 5 and recompute every hash after it, as someone with write access to events.db could.
    const raw = new Database(join(t.dataDir, 'events.db'));
    raw.prepare(`UPDATE events SET data = json_set(data, '$.channel', 'email') WHERE global_position = 5`).run();
    const update = raw.prepare(`UPDATE events SET stream_hash = ?, global_hash = ? WHERE global_position = ?`);
    const heads = new Map<string, string>();
    let prev = GENESIS_HASH;
    for (const { event } of await (t.rawStore as EventStore & ChainedEventStore).readChain({ after: 0, maxCount: 100 })) {
      const link = chainLink(event, heads.get(event.streamId) ?? GENESIS_HASH, prev);
      update.run(link.streamHash, link.globalHash, event.globalPosition);
      heads.set(event.streamId, link.streamHash);
      prev = link.globalHash;
    }
    raw.close();

    const rewritten = (await request(t.http).get('/v1/audit/verify').expect(200)).body;
    expect(rewritten.broken).toBeUndefined(); // the chains alone are consistent again
    expect(rewritten).toMatchObject({ ok: false, checked: 7, checkpoints: { ok: false, matched: 1, failed: 2 } });
    expect(rewritten.checkpoints.results.map((r: { position: number; status: string }) => [r.position, r.status])).toEqual([
      [4, 'match'],
      [6, 'mismatch'],
      [7, 'mismatch'],
    ]);
  });

  it('rejects bad paging parameters with a problem naming the field', async () => {
    const res = await request(t.http).get('/v1/audit/checkpoints?limit=0&after=-1').expect(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(JSON.stringify(res.body)).toContain('limit');
    expect(JSON.stringify(res.body)).toContain('after');
    await request(t.http).get('/v1/audit/checkpoints?position=1').expect(400);
  });
});
