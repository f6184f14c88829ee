/**
 * Read-your-writes: every command answers with the global position of its
 * last event; a query carrying that position (?minPosition= or X-Min-Position)
 * waits for the projections to reach it, or answers 503 + Retry-After; a position beyond the head of the log is
 * refused at once (400).
 */
import { PROJECTOR, type Projector } from '@touchpoint/read-models';
import { randomUUID } from 'node:crypto';
import request, { type Response } from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { Crm, eventually, expectProblem, orderOf } from './helpers';

/** Every query endpoint, given one customer id. */
const queryEndpoints = (id: string) => [
  `/v1/customers`,
  `/v1/customers/${id}`,
  `/v1/customers/${id}/history`,
  `/v1/customers/${id}/lifetime-value`,
  `/v1/analytics/value-distribution`,
  `/v1/analytics/service`,
  `/v1/pipeline/forecast`,
];

describe('read-your-writes (memory engine)', () => {
  let t: TestApp;
  let crm: Crm;
  let projector: Projector;
  let customerId: string;

  beforeAll(async () => {
    t = await startTestApp({ engine: 'memory' });
    crm = new Crm(t);
    projector = t.app.get<Projector>(PROJECTOR);
    customerId = await crm.register({ kind: 'company', name: 'Northwind', occurredAt: '2026-01-05T09:00:00Z' });
  });
  afterAll(() => t.close());

  it('every command answers with the global position of its last event, as the log has it', async () => {
    const responses = [];
    const dealId = randomUUID();
    const orderId = 'SO-RYW-1';
    const steps: Array<() => Promise<Response>> = [
      () => crm.command('patch', `/v1/customers/${customerId}`, { owner: 'anna' }),
      () => crm.command('post', `/v1/customers/${customerId}/contacts`, { name: 'Ivan' }),
      () => crm.command('put', `/v1/customers/${customerId}/preferred-channel`, { channel: 'email' }),
      () => crm.command('put', `/v1/customers/${customerId}/marketing-consent`, { granted: true }),
      () => crm.touchpoint(customerId, { type: 'call' }),
      () => crm.command('post', `/v1/customers/${customerId}/orders`, orderOf('EUR', 1000, 400, { orderId })),
      () => crm.returnOrder(customerId, orderId),
      () => crm.command('post', `/v1/customers/${customerId}/complaints`, { category: 'billing', severity: 'low', channel: 'phone', description: 'x', complaintId: 'C-1' }),
      () => crm.escalate(customerId, 'C-1'),
      () => crm.resolve(customerId, 'C-1', 4),
      () => crm.command('post', '/v1/deals', { dealId, customerId, title: 'Renewal', amount: 5000, currency: 'EUR', expectedCloseDate: '2026-04-30' }),
      () => crm.dealStage(dealId, 'proposal'),
      () => crm.dealAmount(dealId, 6000),
      () => crm.dealCloseDate(dealId, '2026-05-31'),
      () => crm.winDeal(dealId, '2026-03-02T10:00:00Z'),
    ];
    for (const step of steps) {
      const res = await step();
      responses.push(res.body);
      expect(res.body.globalPosition).toBe(res.body.events[res.body.events.length - 1].globalPosition);
      expect(res.body.globalPosition).toBe(await t.store.headPosition());
    }
    const positions = responses.map((r) => r.globalPosition);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(positions).size).toBe(positions.length);
  });

  it('a read with ?minPosition sees the write at once', async () => {
    for (let i = 1; i <= 5; i++) {
      const res = await crm.touchpoint(customerId, { type: 'email', direction: 'outbound', subject: `Offer ${i}` });
      const body = (await request(t.http).get(`/v1/customers/${customerId}?minPosition=${res.body.globalPosition}`).expect(200)).body;
      expect(body.projectedThrough).toBeGreaterThanOrEqual(res.body.globalPosition);
      expect(body.touchpoints.byType.email).toBe(i);
    }
  });

  it('a read with the X-Min-Position header sees the write at once', async () => {
    const res = await crm.touchpoint(customerId, { type: 'meeting', subject: 'Kick-off' });
    const body = (await request(t.http).get(`/v1/customers/${customerId}/history?type=TouchpointRecorded&limit=1`).set('X-Min-Position', String(res.body.globalPosition)).expect(200)).body;
    expect(body.items[0]).toMatchObject({ position: res.body.globalPosition, summary: 'inbound meeting: Kick-off' });
  });

  it('while the projector is behind, a plain read is stale and a read with minPosition waits for it', async () => {
    const before = (await request(t.http).get(`/v1/customers/${customerId}?minPosition=${crm.position}`).expect(200)).body.touchpoints.total;
    await projector.stop();
    let restarted = false;
    try {
      const res = await crm.touchpoint(customerId, { type: 'sms', direction: 'outbound', subject: 'Reminder' });
      // the projector is stopped: without minPosition the read model is (legitimately) behind
      expect((await request(t.http).get(`/v1/customers/${customerId}`).expect(200)).body.touchpoints.total).toBe(before);
      const waiting = request(t.http).get(`/v1/customers/${customerId}`).set('X-Min-Position', String(res.body.globalPosition)).then((r) => r);
      const waitingOnQuery = request(t.http).get(`/v1/customers/${customerId}/lifetime-value?minPosition=${res.body.globalPosition}`).then((r) => r);
      await projector.start();
      restarted = true;
      const fresh = await waiting;
      expect(fresh.status).toBe(200);
      expect(fresh.body.touchpoints.total).toBe(before + 1);
      expect((await waitingOnQuery).status).toBe(200);
    } finally {
      if (!restarted) await projector.start();
    }
    // and without minPosition the read model catches up on its own (polled, not slept)
    await crm.touchpoint(customerId, { type: 'sms', direction: 'outbound', subject: 'Reminder 2' });
    await crm.touchpoint(customerId, { type: 'sms', direction: 'outbound', subject: 'Reminder 3' });
    const caughtUp = await crm.touchpoint(customerId, { type: 'sms', direction: 'outbound', subject: 'Reminder 4' });
    const body = await eventuallyBody(t, `/v1/customers/${customerId}`, (b) => expect(b.projectedThrough).toBeGreaterThanOrEqual(caughtUp.body.globalPosition));
    expect(body.touchpoints.byType.sms).toBe(4);
  });

  it.each([
    ['-1', 'min'],
    ['abc', 'isInt'],
    ['1.5', 'isInt'],
    ['1e400', 'isInt'],
  ])('?minPosition=%s → 400 naming minPosition (%s)', async (value, constraint) => {
    for (const url of queryEndpoints(customerId)) {
      const res = await request(t.http).get(`${url}?minPosition=${value}`);
      expectProblem(res, 400, ['minPosition'], 'validation_failed');
      expect(res.body.errors.map((e: { code: string }) => e.code)).toContain(constraint);
    }
  });

  it.each(['abc', '-1', '1.5', '99999999999999999999'])('X-Min-Position: %p → 400 naming the header', async (value) => {
    for (const url of queryEndpoints(customerId)) {
      const res = await request(t.http).get(url).set('X-Min-Position', value);
      expectProblem(res, 400, ['header:X-Min-Position']);
    }
  });

  it('minPosition=0 and a position already reached answer at once', async () => {
    for (const url of queryEndpoints(customerId)) {
      await request(t.http).get(`${url}?minPosition=0`).expect(200);
      await request(t.http).get(url).set('X-Min-Position', String(crm.position)).expect(200);
    }
  });
});

/** Polls a GET without minPosition until `check` passes. */
function eventuallyBody(t: TestApp, url: string, check: (body: any) => void) {
  return eventually(async () => (await request(t.http).get(url).expect(200)).body, check);
}

describe('read-your-writes: not yet consistent (memory engine, 50 ms wait)', () => {
  let t: TestApp;
  let crm: Crm;
  let customerId: string;

  beforeAll(async () => {
    t = await startTestApp({ engine: 'memory', env: { TOUCHPOINT_CONSISTENCY_WAIT_MS: '50' } });
    crm = new Crm(t);
    customerId = await crm.register({ kind: 'person', name: 'Olena Koval' });
  });
  afterAll(() => t.close());

  const expectNotYetConsistent = (res: Response, position: number) => {
    expectProblem(res, 503, [], 'service_unavailable');
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body.detail).toContain(String(position));
  };

  it('a position beyond the head of the log → 409 at once, naming the field, on every query endpoint (it cannot come from a write)', async () => {
    const future = (await t.store.headPosition()) + 1000;
    for (const url of queryEndpoints(customerId)) {
      const started = Date.now();
      expectProblem(await request(t.http).get(`${url}?minPosition=${future}`), 409, ['minPosition'], 'position_beyond_head');
      expectProblem(await request(t.http).get(url).set('X-Min-Position', String(future)), 409, ['header:X-Min-Position'], 'position_beyond_head');
      expect(Date.now() - started).toBeLessThan(1000);
    }
    const res = await request(t.http).get(`/v1/customers/${customerId}?minPosition=1${'0'.repeat(14)}`);
    expect(res.body.errors[0]).toMatchObject({ field: 'minPosition', code: 'position_beyond_head' });
    // Beyond what a position can be at all: a validation error.
    expectProblem(await request(t.http).get(`/v1/customers/${customerId}?minPosition=1e308`), 400, ['minPosition'], 'validation_failed');
  });

  it('header and query together: the later position counts, and the field named is the one that gave it', async () => {
    const future = (await t.store.headPosition()) + 1000;
    expectProblem(await request(t.http).get(`/v1/customers/${customerId}?minPosition=1`).set('X-Min-Position', String(future)), 409, ['header:X-Min-Position'], 'position_beyond_head');
    expectProblem(await request(t.http).get(`/v1/customers/${customerId}?minPosition=${future}`).set('X-Min-Position', '1'), 409, ['minPosition'], 'position_beyond_head');
  });

  it('a stopped projector gives 503 for the new position (never a stale answer), and 200 once it runs', async () => {
    const projector = t.app.get<Projector>(PROJECTOR);
    await projector.stop();
    const res = await crm.touchpoint(customerId, { type: 'call' });
    try {
      expectNotYetConsistent(await request(t.http).get(`/v1/customers/${customerId}?minPosition=${res.body.globalPosition}`), res.body.globalPosition);
    } finally {
      await projector.start();
    }
    const body = await crm.get(`/v1/customers/${customerId}`);
    expect(body.touchpoints.total).toBe(1);
  });
});
