/**
 * State survives snapshotting: with a snapshot every 10 events (SQLite), a
 * customer with a long history still decides from the same state it had
 * before the snapshots were taken.
 */
import type { AggregateRunner } from '@touchpoint/application';
import type { SnapshotStore } from '@touchpoint/event-store';
import { AGGREGATE_RUNNER, customerAggregate } from '../../apps/api/src/commands';
import { startTestApp, type TestApp } from '../support/app';
import { call, complaint, expectCommandResult, expectRejected, lastEvent, order, registerCustomer, send } from './helpers';

/** Tests run in order against one customer; each builds on the history before it. */
describe('commands after snapshots (sqlite engine, TOUCHPOINT_SNAPSHOT_EVERY=10)', () => {
  let t: TestApp;
  let customerId: string;
  let base: string;
  const streamId = () => `customer-${customerId}`;

  beforeAll(async () => {
    t = await startTestApp({ engine: 'sqlite', env: { TOUCHPOINT_SNAPSHOT_EVERY: '10' } });
    customerId = await registerCustomer(t, { kind: 'company', name: 'Acme Ltd', tags: ['b2b'] }); // rev 0
    base = `/v1/customers/${customerId}`;

    // history that decisions depend on, all before the first snapshot
    await send(t, 'post', `${base}/orders`, order({ orderId: 'SO-EARLY' })).expect(201); // rev 1
    await send(t, 'post', `${base}/orders`, order({ orderId: 'SO-PARTIAL' })).expect(201); // rev 2
    await send(t, 'post', `${base}/orders/SO-PARTIAL/returns`, { lines: [{ sku: 'MUG-1', quantity: 2 }] }).expect(200); // rev 3
    await send(t, 'post', `${base}/complaints`, complaint({ complaintId: 'CASE-EARLY', orderId: 'SO-EARLY' })).expect(201); // rev 4
    await send(t, 'post', `${base}/complaints/CASE-EARLY/escalation`, { reason: 'slow' }).expect(200); // rev 5
    await send(t, 'put', `${base}/preferred-channel`, { channel: 'email' }).expect(200); // rev 6
    await send(t, 'put', `${base}/marketing-consent`, { granted: true }).expect(200); // rev 7
    await send(t, 'post', `${base}/contacts`, { name: 'Ivan' }).expect(201); // rev 8

    // 35 touchpoints and a few orders in between: snapshots are written along the way
    for (let i = 0; i < 35; i++) {
      await send(t, 'post', `${base}/touchpoints`, call({ subject: `Follow-up ${i}` })).expect(201);
      if (i % 10 === 9) await send(t, 'post', `${base}/orders`, order({ orderId: `SO-LATE-${i}` })).expect(201);
    }
  });
  afterAll(() => t.close());

  it('a recent snapshot exists and a command reads only the events after it', async () => {
    const head = await t.store.streamRevision(streamId());
    expect(head).toBe(8 + 35 + 3);
    // snapshots are saved in the background, off the command path: wait for the ones scheduled so far
    await t.app.get<AggregateRunner>(AGGREGATE_RUNNER).flush();
    const snapshot = await (t.store as unknown as SnapshotStore).load<{ orders: Record<string, unknown> }>(streamId(), customerAggregate.stateVersion);
    expect(snapshot).toBeDefined();
    expect(snapshot!.revision).toBeGreaterThan(head - 10);
    expect(Object.keys(snapshot!.state.orders)).toEqual(expect.arrayContaining(['SO-EARLY', 'SO-PARTIAL', 'SO-LATE-9']));

    // watch which revisions the next commands read from the stream
    const readStream = t.store.readStream;
    const readsFrom: number[] = [];
    t.store.readStream = (id, options) => {
      if (id === streamId()) readsFrom.push(options?.fromRevision ?? 0);
      return readStream.call(t.store, id, options);
    };
    try {
      // The runner holds this stream's state: the command reads nothing (the append's expected revision checks it).
      await send(t, 'post', `${base}/touchpoints`, call({ subject: 'on the cached state' })).expect(201);
      expect(readsFrom).toEqual([]);
      // As after a restart: no cached state, so the latest snapshot plus the events after it.
      const runner = t.app.get<AggregateRunner>(AGGREGATE_RUNNER);
      await runner.flush();
      const latest = await (t.store as unknown as SnapshotStore).load(streamId(), customerAggregate.stateVersion);
      runner.forget(() => true);
      await send(t, 'post', `${base}/touchpoints`, call({ subject: 'after the snapshot' })).expect(201);
      expect(latest!.revision).toBeGreaterThanOrEqual(snapshot!.revision);
      expect(readsFrom).toEqual([latest!.revision + 1]);
    } finally {
      t.store.readStream = readStream;
    }
  });

  it('cancels an order placed before the snapshots, with the original totals', async () => {
    const revision = await t.store.streamRevision(streamId());
    const res = await send(t, 'post', `${base}/orders/SO-EARLY/cancellation`, { reason: 'late' });
    expectCommandResult(res, { status: 200, streamId: streamId(), streamRevision: revision + 1, types: ['OrderCancelled'] });
    expect((await lastEvent(t, streamId())).data).toMatchObject({ orderId: 'SO-EARLY', currency: 'EUR', total: 8600, cost: 3300 });
    await expectRejected(t, () => send(t, 'post', `${base}/orders/SO-EARLY/cancellation`, {}), { status: 409, code: 'order_not_cancellable' });
  });

  it('remembers partial returns: only the remainder can still be returned, and cancelling is refused', async () => {
    await expectRejected(t, () => send(t, 'post', `${base}/orders/SO-PARTIAL/returns`, { lines: [{ sku: 'MUG-1', quantity: 2 }] }), {
      status: 422,
      code: 'return_exceeds_order',
    });
    await expectRejected(t, () => send(t, 'post', `${base}/orders/SO-PARTIAL/cancellation`, {}), { status: 409, code: 'order_partly_returned' });
    await send(t, 'post', `${base}/orders/SO-PARTIAL/returns`, {}).expect(200);
    expect((await lastEvent(t, streamId())).data).toMatchObject({
      lines: [
        { sku: 'MUG-1', quantity: 1 },
        { sku: 'TEE-2', quantity: 2 },
      ],
      refund: 1200 + 5000,
    });
  });

  it('continues the escalation level and resolves a complaint filed before the snapshots', async () => {
    await send(t, 'post', `${base}/complaints/CASE-EARLY/escalation`, { reason: 'still slow' }).expect(200);
    expect((await lastEvent(t, streamId())).data).toMatchObject({ complaintId: 'CASE-EARLY', level: 2 });
    await send(t, 'post', `${base}/complaints/CASE-EARLY/resolution`, { resolution: 'refunded', satisfaction: 3 }).expect(200);
    await expectRejected(t, () => send(t, 'post', `${base}/complaints/CASE-EARLY/resolution`, { resolution: 'again', satisfaction: 3 }), {
      status: 409,
      code: 'complaint_resolved',
    });
  });

  it('keeps profile, channel and consent: repeating them records nothing', async () => {
    const revision = await t.store.streamRevision(streamId());
    for (const [method, path, body] of [
      ['put', '/preferred-channel', { channel: 'email' }],
      ['put', '/marketing-consent', { granted: true }],
      ['patch', '', { name: 'Acme Ltd', tags: ['B2B'] }],
    ] as const) {
      const res = await send(t, method, `${base}${path}`, body);
      expectCommandResult(res, { status: 200, streamId: streamId(), streamRevision: revision, types: [] });
    }
  });

  it('still knows it is a company, and still knows existing order numbers', async () => {
    await send(t, 'post', `${base}/contacts`, { name: 'Olha' }).expect(201);
    await expectRejected(t, () => send(t, 'post', `${base}/orders`, order({ orderId: 'SO-LATE-19' })), { status: 409, code: 'order_exists' });
  });
});
