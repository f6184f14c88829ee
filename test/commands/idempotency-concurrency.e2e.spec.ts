/**
 * Guarantees around retries and concurrent writers, on both engines:
 * Idempotency-Key replays, If-Match optimistic concurrency, and conflict
 * retries by the runner when the client set no expectation.
 */
import type { Response } from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { T0, call, deal, expectCommandResult, expectProblem, expectRejected, lastEvent, person, readStream, registerCustomer, send } from './helpers';

const ENGINES = ['memory', 'sqlite'] as const;

/**
 * Simulates other writers winning the race: before each of the next `count`
 * appends to `streamId`, a foreign touchpoint lands on the stream first, so
 * the command's append meets a newer revision than it loaded. Returns a restore function.
 */
function letOtherWritersWin(t: TestApp, customerId: string, count: number): () => void {
  const streamId = `customer-${customerId}`;
  const original = t.store.append;
  let remaining = count;
  t.store.append = async (stream, events, options) => {
    if (stream === streamId && remaining > 0) {
      remaining -= 1;
      const data = { customerId, touchpointId: `other-${remaining}`, touchpointType: 'call', channel: 'phone', direction: 'inbound', agent: 'agent:other', subject: 'won the race', occurredAt: T0 };
      await original.call(t.store, stream, [{ type: 'TouchpointRecorded', schemaVersion: 1, data }], {
        expectedRevision: 'any',
        metadata: { actor: 'agent:other', correlationId: 'other', causationId: 'other' },
      });
    }
    return original.call(t.store, stream, events, options);
  };
  return () => {
    t.store.append = original;
  };
}

/** The body and headers of a replay equal the first response's, except replayed:true and the replay header. */
function expectReplayOf(replay: Response, first: Response): void {
  expect(replay.status).toBe(first.status);
  expect(replay.body).toEqual({ ...first.body, replayed: true });
  expect(replay.headers['idempotent-replayed']).toBe('true');
  expect(replay.headers.etag).toBe(first.headers.etag);
  expect(replay.headers.location).toBe(first.headers.location);
}

describe.each(ENGINES)('Idempotency-Key (%s engine)', (engine) => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ engine })));
  afterAll(() => t.close());

  it('a retry with the same key and body returns the identical result and appends nothing', async () => {
    const customerId = await registerCustomer(t);
    const url = `/v1/customers/${customerId}/touchpoints`;
    const headers = { 'X-Actor': 'agent:maria', 'Idempotency-Key': 'tp-retry-1' };

    const first = await send(t, 'post', url, call(), headers);
    expectCommandResult(first, { status: 201, streamId: `customer-${customerId}`, streamRevision: 1, types: ['TouchpointRecorded'], location: first.headers.location });
    const head = await t.store.headPosition();

    const replay = await send(t, 'post', url, call(), headers);
    expectReplayOf(replay, first);
    expect(await t.store.headPosition()).toBe(head);
    expect(await readStream(t, `customer-${customerId}`)).toHaveLength(2);
    // the key is recorded in the metadata, scoped to the actor
    expect((await lastEvent(t, `customer-${customerId}`)).metadata.idempotencyKey).toBe('11:agent:maria:tp-retry-1');
  });

  it('the same JSON with keys in another order is the same request', async () => {
    const customerId = await registerCustomer(t);
    const url = `/v1/customers/${customerId}/touchpoints`;
    const first = await send(t, 'post', url, { type: 'call', direction: 'inbound', subject: 'x' }, { 'Idempotency-Key': 'tp-order' }).expect(201);
    const replay = await send(t, 'post', url, { subject: 'x', direction: 'inbound', type: 'call' }, { 'Idempotency-Key': 'tp-order' });
    expectReplayOf(replay, first);
  });

  it('replays a registration with the same generated customer id and Location', async () => {
    const headers = { 'Idempotency-Key': 'register-olena' };
    const first = await send(t, 'post', '/v1/customers', person(), headers).expect(201);
    const head = await t.store.headPosition();
    const replay = await send(t, 'post', '/v1/customers', person(), headers);
    expectReplayOf(replay, first);
    expect(replay.headers.location).toBe(`/v1/customers/${first.body.ids.customerId}`);
    expect(await t.store.headPosition()).toBe(head);
  });

  it('replays a deal opening (the precondition is not re-run, the same deal id comes back)', async () => {
    const customerId = await registerCustomer(t);
    const first = await send(t, 'post', '/v1/deals', deal(customerId), { 'Idempotency-Key': 'deal-1' }).expect(201);
    const replay = await send(t, 'post', '/v1/deals', deal(customerId), { 'Idempotency-Key': 'deal-1' });
    expectReplayOf(replay, first);
  });

  it('a replay wins over a now-stale If-Match: the first result comes back, not a 409', async () => {
    const customerId = await registerCustomer(t);
    const headers = { 'Idempotency-Key': 'patch-once', 'If-Match': '"0"' };
    const first = await send(t, 'patch', `/v1/customers/${customerId}`, { name: 'New name' }, headers).expect(200);
    const replay = await send(t, 'patch', `/v1/customers/${customerId}`, { name: 'New name' }, headers);
    expectReplayOf(replay, first);
  });

  it('the same key with a different body → 422 idempotency_key_reused, nothing appended', async () => {
    const customerId = await registerCustomer(t);
    const url = `/v1/customers/${customerId}/touchpoints`;
    await send(t, 'post', url, call({ subject: 'first' }), { 'Idempotency-Key': 'tp-reused' }).expect(201);
    const res = await expectRejected(t, () => send(t, 'post', url, call({ subject: 'second' }), { 'Idempotency-Key': 'tp-reused' }), {
      status: 422,
      code: 'idempotency_key_reused',
      fields: ['header:Idempotency-Key'],
    });
    expect(res.headers['idempotent-replayed']).toBeUndefined();
  });

  it('the same key and body on another resource → 422 idempotency_key_reused', async () => {
    const a = await registerCustomer(t);
    const b = await registerCustomer(t);
    await send(t, 'post', `/v1/customers/${a}/touchpoints`, call(), { 'Idempotency-Key': 'tp-elsewhere' }).expect(201);
    await expectRejected(t, () => send(t, 'post', `/v1/customers/${b}/touchpoints`, call(), { 'Idempotency-Key': 'tp-elsewhere' }), {
      status: 422,
      code: 'idempotency_key_reused',
    });
  });

  it('the same key from a different X-Actor is an independent request', async () => {
    const customerId = await registerCustomer(t);
    const url = `/v1/customers/${customerId}/touchpoints`;
    const head = await t.store.headPosition();
    const maria = await send(t, 'post', url, call(), { 'X-Actor': 'agent:maria', 'Idempotency-Key': 'shared-key' });
    const ivan = await send(t, 'post', url, call(), { 'X-Actor': 'agent:ivan', 'Idempotency-Key': 'shared-key' });

    expectCommandResult(maria, { status: 201, streamId: `customer-${customerId}`, streamRevision: 1, types: ['TouchpointRecorded'], location: maria.headers.location });
    expectCommandResult(ivan, { status: 201, streamId: `customer-${customerId}`, streamRevision: 2, types: ['TouchpointRecorded'], location: ivan.headers.location });
    expect(ivan.body.ids.touchpointId).not.toBe(maria.body.ids.touchpointId);
    expect(await t.store.headPosition()).toBe(head + 2);
    const [, byMaria, byIvan] = await readStream(t, `customer-${customerId}`);
    expect(byMaria.metadata).toMatchObject({ actor: 'agent:maria', idempotencyKey: '11:agent:maria:shared-key' });
    expect(byIvan.metadata).toMatchObject({ actor: 'agent:ivan', idempotencyKey: '10:agent:ivan:shared-key' });
  });

  it('5 concurrent identical requests with one key append exactly one event; all get the same result', async () => {
    const customerId = await registerCustomer(t);
    const head = await t.store.headPosition();
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => send(t, 'post', `/v1/customers/${customerId}/touchpoints`, call(), { 'Idempotency-Key': 'tp-burst' })),
    );

    expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(responses.filter((r) => r.body.replayed === false)).toHaveLength(1);
    const { replayed: _, ...result } = responses[0].body;
    for (const r of responses) expect(r.body).toEqual({ ...result, replayed: r.body.replayed });
    expect(await t.store.headPosition()).toBe(head + 1);
    expect(await readStream(t, `customer-${customerId}`)).toHaveLength(2);
  });

  it('5 concurrent registrations with one key create exactly one customer', async () => {
    const head = await t.store.headPosition();
    const responses = await Promise.all(Array.from({ length: 5 }, () => send(t, 'post', '/v1/customers', person(), { 'Idempotency-Key': 'register-burst' })));

    expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(responses.map((r) => r.body.ids.customerId)).size).toBe(1);
    expect(new Set(responses.map((r) => r.headers.location)).size).toBe(1);
    expect(await t.store.headPosition()).toBe(head + 1);
  });
});

describe.each(ENGINES)('If-Match optimistic concurrency (%s engine)', (engine) => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ engine })));
  afterAll(() => t.close());

  it('the ETag of the last response, sent back as If-Match, succeeds (strong, weak or bare)', async () => {
    const created = await send(t, 'post', '/v1/customers', person()).expect(201);
    const customerId = created.body.ids.customerId;
    const url = `/v1/customers/${customerId}`;

    const first = await send(t, 'patch', url, { name: 'One' }, { 'If-Match': created.headers.etag });
    expectCommandResult(first, { status: 200, streamId: `customer-${customerId}`, streamRevision: 1, types: ['CustomerProfileChanged'] });
    const second = await send(t, 'patch', url, { name: 'Two' }, { 'If-Match': `W/${first.headers.etag}` });
    expectCommandResult(second, { status: 200, streamId: `customer-${customerId}`, streamRevision: 2, types: ['CustomerProfileChanged'] });
    const third = await send(t, 'put', `${url}/preferred-channel`, { channel: 'email' }, { 'If-Match': '2' });
    expectCommandResult(third, { status: 200, streamId: `customer-${customerId}`, streamRevision: 3, types: ['PreferredChannelChanged'] });
  });

  it('a stale If-Match → 409 wrong_expected_revision with the actual revision, nothing appended', async () => {
    const customerId = await registerCustomer(t);
    await send(t, 'patch', `/v1/customers/${customerId}`, { name: 'Moved on' }).expect(200);
    const res = await expectRejected(t, () => send(t, 'post', `/v1/customers/${customerId}/touchpoints`, call(), { 'If-Match': '"0"' }), {
      status: 409,
      code: 'wrong_expected_revision',
      fields: ['header:If-Match'],
    });
    expect(res.body).toMatchObject({ expectedRevision: 0, actualRevision: 1 });
  });

  it('a stale If-Match on a deal → 409 wrong_expected_revision', async () => {
    const customerId = await registerCustomer(t);
    const opened = await send(t, 'post', '/v1/deals', deal(customerId)).expect(201);
    const dealId = opened.body.ids.dealId;
    await send(t, 'post', `/v1/deals/${dealId}/stage`, { stage: 'qualified' }, { 'If-Match': opened.headers.etag }).expect(200);
    const res = await expectRejected(t, () => send(t, 'post', `/v1/deals/${dealId}/amount`, { amount: 1 }, { 'If-Match': opened.headers.etag }), {
      status: 409,
      code: 'wrong_expected_revision',
    });
    expect(res.body).toMatchObject({ expectedRevision: 0, actualRevision: 1 });
  });

  it('If-Match: * requires the stream to exist: 409 with actualRevision -1 on a new stream, 200 on an existing one', async () => {
    const res = await expectRejected(t, () => send(t, 'post', '/v1/customers', person(), { 'If-Match': '*' }), { status: 409, code: 'wrong_expected_revision' });
    expect(res.body).toMatchObject({ expectedRevision: 'stream_exists', actualRevision: -1 });

    const customerId = await registerCustomer(t);
    await send(t, 'patch', `/v1/customers/${customerId}`, { name: 'Exists' }, { 'If-Match': '*' }).expect(200);
  });

  it('If-Match: "-1" requires the stream to be new', async () => {
    const created = await send(t, 'post', '/v1/customers', person(), { 'If-Match': '"-1"' });
    expectCommandResult(created, { status: 201, streamId: created.body.streamId, streamRevision: 0, types: ['CustomerRegistered'], location: created.headers.location });
    await expectRejected(t, () => send(t, 'patch', created.headers.location, { name: 'x' }, { 'If-Match': '"-1"' }), { status: 409, code: 'wrong_expected_revision' });
  });

  it('two concurrent writers with the same If-Match: exactly one wins, the other gets 409 (no silent retry)', async () => {
    const customerId = await registerCustomer(t);
    const head = await t.store.headPosition();
    const [a, b] = await Promise.all([
      send(t, 'post', `/v1/customers/${customerId}/touchpoints`, call({ subject: 'a' }), { 'If-Match': '"0"' }),
      send(t, 'post', `/v1/customers/${customerId}/touchpoints`, call({ subject: 'b' }), { 'If-Match': '"0"' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expectProblem(a.status === 409 ? a : b, { status: 409, code: 'wrong_expected_revision' });
    expect(await t.store.headPosition()).toBe(head + 1);
  });
});

describe.each(ENGINES)('concurrent writers without If-Match (%s engine)', (engine) => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ engine })));
  afterAll(() => t.close());

  it('20 concurrent touchpoints on one customer all succeed; the stream holds 21 events at revisions 0..20', async () => {
    const customerId = await registerCustomer(t);
    const streamId = `customer-${customerId}`;
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => send(t, 'post', `/v1/customers/${customerId}/touchpoints`, call({ subject: `Call ${i}` }))),
    );

    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(responses.map((r) => r.body.streamRevision).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (const r of responses) expect(r.headers.etag).toBe(`"${r.body.streamRevision}"`);

    const events = await readStream(t, streamId);
    expect(events.map((e) => e.streamRevision)).toEqual(Array.from({ length: 21 }, (_, i) => i));
    expect(events.filter((e) => e.type === 'TouchpointRecorded')).toHaveLength(20);
    // each response names the event it appended
    for (const r of responses) expect(events[r.body.streamRevision].data.touchpointId).toBe(r.body.ids.touchpointId);
    expect(new Set(events.slice(1).map((e) => e.data.subject)).size).toBe(20);
  });

  it('the runner decides again on fresh state when other writers got in first (3 times in a row)', async () => {
    const customerId = await registerCustomer(t);
    const restore = letOtherWritersWin(t, customerId, 3);
    try {
      const res = await send(t, 'post', `/v1/customers/${customerId}/touchpoints`, call());
      expectCommandResult(res, { status: 201, streamId: `customer-${customerId}`, streamRevision: 4, types: ['TouchpointRecorded'], location: res.headers.location });
    } finally {
      restore();
    }
    const events = await readStream(t, `customer-${customerId}`);
    expect(events.map((e) => e.metadata.actor)).toEqual(['anonymous', 'agent:other', 'agent:other', 'agent:other', 'anonymous']);
  });

  it("with If-Match the conflict is the client's: 409 at once, no retry", async () => {
    const customerId = await registerCustomer(t);
    const restore = letOtherWritersWin(t, customerId, 1);
    try {
      const res = await send(t, 'post', `/v1/customers/${customerId}/touchpoints`, call(), { 'If-Match': '"0"' });
      expectProblem(res, { status: 409, code: 'wrong_expected_revision' });
      expect(res.body).toMatchObject({ expectedRevision: 0, actualRevision: 1 });
    } finally {
      restore();
    }
    expect((await readStream(t, `customer-${customerId}`)).map((e) => e.metadata.actor)).toEqual(['anonymous', 'agent:other']);
  });
});
