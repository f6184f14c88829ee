import { SqliteEventStore, WrongExpectedRevisionError, type AppendResult } from '@touchpoint/event-store';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const meta = { actor: 'user:alice', correlationId: 'c', causationId: 'c' };
const ev = (n: number) => ({ type: 'TouchpointRecorded', schemaVersion: 1, data: { n, text: 'x'.repeat(200) } });

describe('SqliteEventStore on a writer thread', () => {
  let dir: string;
  let store: SqliteEventStore;
  // The record time is taken once per group commit: counting distinct times counts groups.
  let groups = 0;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tp-commit-thread-'));
    groups = 0;
    store = new SqliteEventStore({ filename: join(dir, 'events.db'), now: () => new Date(Date.UTC(2026, 0, 1) + 1000 * groups++), writerThread: true });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps group commit: appends arriving while a group is on disk form the next group, not one commit each', async () => {
    const big = store.append('big', Array.from({ length: 5000 }, (_, i) => ev(i)), { expectedRevision: 'no_stream', metadata: meta });
    const small: Array<Promise<AppendResult>> = [];
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setImmediate(r)); // a new event-loop turn for each: each would have been its own group
      small.push(store.append(`s-${i}`, [ev(i)], { expectedRevision: 'no_stream', metadata: meta }));
    }
    await big;
    const results = await Promise.all(small);
    expect(new Set(results.map((r) => r.events[0].recordedAt)).size).toBe(1);
    expect(groups).toBe(2);
  });

  it('fails only the conflicting append of a group, with the same error class as without the thread', async () => {
    await store.append('a', [ev(1)], { expectedRevision: 'no_stream', metadata: meta });
    const [ok, conflict] = await Promise.allSettled([
      store.append('b', [ev(2)], { expectedRevision: 'no_stream', metadata: meta }),
      store.append('a', [ev(3)], { expectedRevision: 'no_stream', metadata: meta }),
    ]);
    expect(ok.status).toBe('fulfilled');
    expect(conflict).toMatchObject({ status: 'rejected', reason: expect.any(WrongExpectedRevisionError) });
    expect((conflict as PromiseRejectedResult).reason).toMatchObject({ streamId: 'a', expected: 'no_stream', actual: 0 });
  });

  it('close() waits for the group on disk and the one queued behind it', async () => {
    const first = store.append('x', Array.from({ length: 2000 }, (_, i) => ev(i)), { expectedRevision: 'no_stream', metadata: meta });
    await new Promise((r) => setImmediate(r));
    const second = store.append('y', [ev(1)], { expectedRevision: 'no_stream', metadata: meta });
    await store.close();
    await expect(first).resolves.toMatchObject({ streamRevision: 1999 });
    await expect(second).resolves.toMatchObject({ streamRevision: 0 });
    const reopened = new SqliteEventStore({ filename: join(dir, 'events.db') });
    expect(await reopened.headPosition()).toBe(2001);
    await reopened.close();
  });
});
