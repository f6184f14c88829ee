import { customerDecider, type CustomerCommand } from '@touchpoint/domain';
import { InMemoryEventStore, WrongExpectedRevisionError, type Snapshot, type SnapshotStore } from '@touchpoint/event-store';
import { AggregateRunner } from './aggregate-runner';

const spec = { decider: customerDecider, stateVersion: 'customer.v1' };
const ctx = { actor: 'user:alice', correlationId: 'corr-1', causationId: 'cmd-1' };
const at = '2026-01-01T00:00:00.000Z';
const register: CustomerCommand = { type: 'RegisterCustomer', data: { customerId: 'c1', kind: 'person', name: 'Ada', occurredAt: at } };
const erase: CustomerCommand = { type: 'EraseCustomer', data: { customerId: 'c1', occurredAt: at } };
const touch = (n: number): CustomerCommand => ({
  type: 'RecordTouchpoint',
  data: { customerId: 'c1', touchpointId: `t${n}`, touchpointType: 'call', direction: 'inbound', agent: 'agent-1', subject: `call ${n}`, occurredAt: at },
});

describe('AggregateRunner state cache', () => {
  it('catches up with events another process appended after the cached state', async () => {
    const store = new InMemoryEventStore(() => new Date(at));
    const here = new AggregateRunner(store, store);
    const elsewhere = new AggregateRunner(store, store);
    await here.execute(spec, 'customer-c1', register, ctx);
    await here.execute(spec, 'customer-c1', touch(1), ctx);
    await elsewhere.execute(spec, 'customer-c1', erase, ctx);
    await expect(here.execute(spec, 'customer-c1', touch(2), ctx)).rejects.toMatchObject({ message: expect.stringContaining('erased') });
    expect(await store.streamRevision('customer-c1')).toBe(2);
  });

  it('decides the same with and without the cache, snapshots included', async () => {
    const results = [];
    for (const stateCacheSize of [0, 10]) {
      const store = new InMemoryEventStore(() => new Date(at));
      const runner = new AggregateRunner(store, store, { stateCacheSize, snapshotEvery: 3 });
      await runner.execute(spec, 'customer-c1', register, ctx);
      for (let n = 0; n < 7; n += 1) await runner.execute(spec, 'customer-c1', touch(n), ctx);
      await runner.flush();
      const fresh = new AggregateRunner(store, store, { stateCacheSize: 0 });
      results.push({ loaded: await fresh.load(spec, 'customer-c1'), snapshot: await store.load('customer-c1', spec.stateVersion) });
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[0].snapshot?.revision).toBe(5);
  });

  it('forgets the cached states a predicate selects; the next command reloads from the log', async () => {
    const store = new InMemoryEventStore(() => new Date(at));
    const runner = new AggregateRunner(store, store);
    await runner.execute(spec, 'customer-c1', register, ctx);
    const other: CustomerCommand = { type: 'RegisterCustomer', data: { customerId: 'c2', kind: 'person', name: 'Grace', occurredAt: at } };
    await runner.execute(spec, 'customer-c2', other, ctx);
    expect(runner.cachedState('customer-c1')).toMatchObject({ revision: 0, state: { profile: { name: 'Ada' } } });

    expect(runner.forget((streamId, state) => streamId === 'customer-c1' && (state as { status: string }).status === 'active')).toBe(1);
    expect(runner.cachedState('customer-c1')).toBeUndefined();
    expect(runner.cachedState('customer-c2')).toMatchObject({ state: { profile: { name: 'Grace' } } });
    await runner.execute(spec, 'customer-c1', touch(1), ctx);
    expect(runner.cachedState('customer-c1')).toMatchObject({ revision: 1, state: { profile: { name: 'Ada' } } });
  });

  it('keeps another process\'s cached plaintext until its next command on the stream reads CustomerErased', async () => {
    const store = new InMemoryEventStore(() => new Date(at));
    const here = new AggregateRunner(store, store);
    const elsewhere = new AggregateRunner(store, store);
    await here.execute(spec, 'customer-c1', register, ctx);
    await elsewhere.load(spec, 'customer-c1');
    await here.execute(spec, 'customer-c1', erase, ctx);
    expect(elsewhere.cachedState('customer-c1')).toMatchObject({ revision: 0, state: { profile: { name: 'Ada' } } });
    await expect(elsewhere.execute(spec, 'customer-c1', touch(2), ctx)).rejects.toMatchObject({ message: expect.stringContaining('erased') });
    expect(elsewhere.cachedState('customer-c1')).toMatchObject({ revision: 1, state: { status: 'erased', profile: { tags: [] } } });
  });
});

describe('AggregateRunner on a cached state', () => {
  const setup = async () => {
    const store = new InMemoryEventStore(() => new Date(at));
    const runner = new AggregateRunner(store, store);
    await runner.execute(spec, 'customer-c1', register, ctx);
    const reads = jest.spyOn(store, 'readStream');
    return { store, runner, reads };
  };

  it("asks the store to open only the personal data the spec's evolve reads", async () => {
    const store = new InMemoryEventStore(() => new Date(at));
    const asked: unknown[] = [];
    const readStream = store.readStream.bind(store);
    store.readStream = (streamId, options) => (asked.push(options?.personalDataOf), readStream(streamId, options));
    const personalDataOf = new Set(['CustomerRegistered']);
    await new AggregateRunner(store, store).execute({ ...spec, personalDataOf }, 'customer-c1', register, ctx);
    await new AggregateRunner(store, store).execute({ ...spec, personalDataOf }, 'customer-c1', touch(1), ctx);
    expect(asked).toEqual([personalDataOf, personalDataOf]);
  });

  it('reads nothing from the log when this process wrote the stream last', async () => {
    const { store, runner, reads } = await setup();
    for (let n = 1; n <= 3; n += 1) await runner.execute(spec, 'customer-c1', touch(n), ctx);
    expect(reads).not.toHaveBeenCalled();
    expect(await store.streamRevision('customer-c1')).toBe(3);
  });

  it('starts a stream without reading the log when the spec says the command starts one; an existing stream is read through', async () => {
    const store = new InMemoryEventStore(() => new Date(at));
    const starting = { ...spec, startsStream: (c: CustomerCommand) => c.type === 'RegisterCustomer' };
    const runner = new AggregateRunner(store, store);
    const reads = jest.spyOn(store, 'readStream');
    expect((await runner.execute(starting, 'customer-c1', register, ctx)).streamRevision).toBe(0);
    expect(reads).not.toHaveBeenCalled();
    // Another process (no cached state) registering the same id: the append fails, the read-through decides customer_exists.
    const other = new AggregateRunner(store, store);
    await expect(other.execute(starting, 'customer-c1', register, ctx)).rejects.toMatchObject({ code: 'customer_exists' });
    expect(reads).toHaveBeenCalled();
    expect(await store.streamRevision('customer-c1')).toBe(0);
  });

  it('a stale cache fails the append, then the command is decided again on the state read through', async () => {
    const { store, runner, reads } = await setup();
    const rename: CustomerCommand = { type: 'ChangeCustomerProfile', data: { customerId: 'c1', changes: { name: 'Ada L.' }, occurredAt: at } };
    await new AggregateRunner(store, store).execute(spec, 'customer-c1', rename, ctx);
    reads.mockClear();
    const result = await runner.execute(spec, 'customer-c1', touch(1), ctx);
    expect(result.streamRevision).toBe(2);
    expect(reads).toHaveBeenCalled();
    expect(runner.cachedState('customer-c1')).toMatchObject({ revision: 2, state: { profile: { name: 'Ada L.' } } });
    expect((await store.readStream('customer-c1')).map((e) => e.type)).toEqual(['CustomerRegistered', 'CustomerProfileChanged', 'TouchpointRecorded']);
  });

  it('a client revision other than the cached one is decided on the state read through, and still conflicts', async () => {
    const { store, runner, reads } = await setup();
    await new AggregateRunner(store, store).execute(spec, 'customer-c1', touch(1), ctx);
    reads.mockClear();
    // The client saw revision 1 (written elsewhere); the cache holds 0: read through and append at 1.
    await expect(runner.execute(spec, 'customer-c1', touch(2), { ...ctx, expectedRevision: 1 })).resolves.toMatchObject({ streamRevision: 2 });
    expect(reads).toHaveBeenCalledTimes(1);
    // The client names the cached revision, but the stream moved on elsewhere: 409, no retry.
    await new AggregateRunner(store, store).execute(spec, 'customer-c1', touch(3), ctx);
    await expect(runner.execute(spec, 'customer-c1', touch(4), { ...ctx, expectedRevision: 2 })).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    expect(await store.streamRevision('customer-c1')).toBe(3);
    expect(runner.cachedState('customer-c1')).toBeUndefined(); // the stale state is not kept
  });

  it('a rejection by the cached state is checked on the state read through before it is returned', async () => {
    const store = new InMemoryEventStore(() => new Date(at));
    const stale = new AggregateRunner(store, store);
    await stale.load(spec, 'customer-c1'); // caches "no such customer" at revision -1
    await new AggregateRunner(store, store).execute(spec, 'customer-c1', register, ctx);
    await expect(stale.execute(spec, 'customer-c1', touch(1), ctx)).resolves.toMatchObject({ streamRevision: 1 });
    expect(stale.cachedState('customer-c1')).toMatchObject({ revision: 1, state: { status: 'active' } });
  });
});

/** The in-memory store's snapshots behind a gate the test opens: saves wait until `release()` (or fail with `fail`). */
class GatedSnapshots implements SnapshotStore {
  readonly requested: number[] = [];
  fail: Error | undefined;
  private open!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.open = resolve));
  constructor(private readonly inner: SnapshotStore) {}
  load<S>(streamId: string, stateVersion: string): Promise<Snapshot<S> | undefined> {
    return this.inner.load<S>(streamId, stateVersion);
  }
  async save<S>(snapshot: Snapshot<S>): Promise<void> {
    this.requested.push(snapshot.revision);
    await this.gate;
    if (this.fail) throw this.fail;
    await this.inner.save(snapshot);
  }
  release(): void {
    this.open();
  }
}

describe('AggregateRunner background snapshots', () => {
  const setup = (options: { onSnapshotError?: (error: unknown, s: { streamId: string; revision: number }) => void } = {}) => {
    const store = new InMemoryEventStore(() => new Date(at));
    const snapshots = new GatedSnapshots(store);
    const runner = new AggregateRunner(store, snapshots, { snapshotEvery: 2, ...options });
    return { store, snapshots, runner };
  };
  const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

  it('returns the command while its snapshot save is still pending (a save that never resolves blocks nothing)', async () => {
    const { store, snapshots, runner } = setup();
    await runner.execute(spec, 'customer-c1', register, ctx);
    const result = await runner.execute(spec, 'customer-c1', touch(1), ctx);
    expect(result.streamRevision).toBe(1);
    expect(snapshots.requested).toEqual([1]);
    expect(await store.load('customer-c1', spec.stateVersion)).toBeUndefined();
    // later commands on the same stream are not held up either
    expect((await runner.execute(spec, 'customer-c1', touch(2), ctx)).streamRevision).toBe(2);
  });

  it('flush() waits for pending saves; the saved snapshot holds exactly the state at its revision', async () => {
    const { store, snapshots, runner } = setup();
    await runner.execute(spec, 'customer-c1', register, ctx);
    await runner.execute(spec, 'customer-c1', touch(1), ctx);
    await runner.execute(spec, 'customer-c1', touch(2), ctx);
    let flushed = false;
    const flush = runner.flush().then(() => (flushed = true));
    await nextTurn();
    expect(flushed).toBe(false);
    snapshots.release();
    await flush;
    const snapshot = await store.load('customer-c1', spec.stateVersion);
    const replayed = await new AggregateRunner(store, new InMemoryEventStore(), { stateCacheSize: 0 }).load(spec, 'customer-c1');
    expect(snapshot?.revision).toBe(1);
    expect(snapshot?.state).toEqual((await readUpTo(store, 1)).state);
    expect(replayed.revision).toBe(2);
  });

  it('a newer snapshot supersedes one still waiting: one save in flight per stream, then only the newest', async () => {
    const { store, snapshots, runner } = setup();
    await runner.execute(spec, 'customer-c1', register, ctx);
    for (let n = 1; n <= 7; n += 1) await runner.execute(spec, 'customer-c1', touch(n), ctx);
    // rev 1 is in flight; 3, 5 and 7 were scheduled behind it, each replacing the one before
    expect(snapshots.requested).toEqual([1]);
    snapshots.release();
    await runner.flush();
    expect(snapshots.requested).toEqual([1, 7]);
    expect((await store.load('customer-c1', spec.stateVersion))?.revision).toBe(7);
    expect((await store.load('customer-c1', spec.stateVersion))?.state).toEqual((await readUpTo(store, 7)).state);
  });

  it('a failed save is reported and fails no command; the next load folds the events instead', async () => {
    const reported: Array<{ error: unknown; streamId: string; revision: number }> = [];
    const { store, snapshots, runner } = setup({ onSnapshotError: (error, s) => reported.push({ error, ...s }) });
    snapshots.fail = new Error('disk full');
    snapshots.release();
    await runner.execute(spec, 'customer-c1', register, ctx);
    await expect(runner.execute(spec, 'customer-c1', touch(1), ctx)).resolves.toMatchObject({ streamRevision: 1 });
    await runner.flush();
    expect(reported).toEqual([{ error: snapshots.fail, streamId: 'customer-c1', revision: 1 }]);
    expect(await store.load('customer-c1', spec.stateVersion)).toBeUndefined();
    const fresh = new AggregateRunner(store, snapshots, { stateCacheSize: 0 });
    expect(await fresh.load(spec, 'customer-c1')).toMatchObject({ revision: 1, snapshotRevision: -1, state: { status: 'active' } });
  });

  it('a throwing error reporter does not wedge the stream: later snapshots are still saved', async () => {
    const { store, snapshots, runner } = setup({
      onSnapshotError: () => {
        throw new Error('reporter down');
      },
    });
    snapshots.fail = new Error('disk full');
    snapshots.release();
    await runner.execute(spec, 'customer-c1', register, ctx);
    await runner.execute(spec, 'customer-c1', touch(1), ctx);
    await runner.flush();
    snapshots.fail = undefined;
    await runner.execute(spec, 'customer-c1', touch(2), ctx);
    await runner.execute(spec, 'customer-c1', touch(3), ctx);
    await runner.flush();
    expect(snapshots.requested).toEqual([1, 3]);
    expect((await store.load('customer-c1', spec.stateVersion))?.revision).toBe(3);
  });

  it('a save that throws synchronously is reported like any other failure, and flush() still settles', async () => {
    const store = new InMemoryEventStore(() => new Date(at));
    const reported: number[] = [];
    const throwing: SnapshotStore = {
      load: (streamId, stateVersion) => store.load(streamId, stateVersion),
      save: () => {
        throw new Error('not open');
      },
    };
    const runner = new AggregateRunner(store, throwing, { snapshotEvery: 1, onSnapshotError: (_error, s) => reported.push(s.revision) });
    await runner.execute(spec, 'customer-c1', register, ctx);
    await runner.execute(spec, 'customer-c1', touch(1), ctx);
    await runner.flush();
    expect(reported).toEqual([0, 1]);
  });

  it('close() flushes, then schedules no more saves', async () => {
    const { store, snapshots, runner } = setup();
    await runner.execute(spec, 'customer-c1', register, ctx);
    await runner.execute(spec, 'customer-c1', touch(1), ctx);
    snapshots.release();
    await runner.close();
    expect((await store.load('customer-c1', spec.stateVersion))?.revision).toBe(1);
    await runner.execute(spec, 'customer-c1', touch(2), ctx);
    await runner.execute(spec, 'customer-c1', touch(3), ctx);
    await runner.flush();
    expect(snapshots.requested).toEqual([1]);
  });
});

/** The state folded from the log up to `revision`, without any snapshot or cache. */
async function readUpTo(store: InMemoryEventStore, revision: number) {
  const runner = new AggregateRunner(store, new InMemoryEventStore(), { stateCacheSize: 0 });
  const events = (await store.readStream('customer-c1')).filter((e) => e.streamRevision <= revision);
  let state = spec.decider.initialState();
  for (const e of events) state = spec.decider.evolve(state, runner.toDomainEvent(e));
  return { state };
}
