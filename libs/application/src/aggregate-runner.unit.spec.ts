import { customerDecider, type CustomerCommand } from '@touchpoint/domain';
import { InMemoryEventStore } from '@touchpoint/event-store';
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
