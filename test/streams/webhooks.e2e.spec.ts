/**
 * Webhooks end to end: subscriptions managed over HTTP (each change an event), and a dispatcher sending the log to a
 * real local receiver that verifies every signature with the off-the-shelf standardwebhooks library. Checked:
 * at-least-once and in order per customer with no head-of-line blocking across customers, retries with backoff and
 * Retry-After on an injected clock, dead letters and disabling, re-enabling and redelivery, a restart without a gap,
 * secret rotation, and the delivery log.
 */
import { CommandBus } from '@nestjs/cqrs';
import { WEBHOOK_SUBSCRIPTIONS_STREAM, type WebhookCommand } from '@touchpoint/domain';
import { HttpWebhookSender, WebhookDispatcher, type DispatcherSettings } from '@touchpoint/relay/webhooks';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import request from 'supertest';
import { ExecuteWebhookCommand } from '../../apps/api/src/commands';
import { expectProblem as checkProblem } from '../queries/helpers';
import { startTestApp, type TestApp } from '../support/app';

interface Envelope {
  eventId: string;
  type: string;
  globalPosition: number;
  data: { customerId?: string; name?: string };
}

/** A receiver: verifies, records, and answers as the test scripts it (by customer). */
class Receiver {
  readonly got: Array<{ id: string; envelope: Envelope; verifiedWith: string[] }> = [];
  readonly refused: string[] = [];
  /** customerId → answers still to give before 204s (status, headers) */
  readonly script = new Map<string, Array<[number, Record<string, string>]>>();
  secrets: string[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const headers = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
        // The dispatcher signs with the test's injected clock: the library's 5-minute replay window is judged at that time.
        const realNow = Date.now;
        Date.now = () => Number(headers['webhook-timestamp']) * 1000;
        let verifiedWith: string[];
        try {
          verifiedWith = this.secrets.filter((s) => {
            try {
              new Webhook(s).verify(body, headers);
              return true;
            } catch {
              return false;
            }
          });
        } finally {
          Date.now = realNow;
        }
        if (verifiedWith.length === 0) {
          this.refused.push(headers['webhook-id']);
          return res.writeHead(401).end('bad signature');
        }
        const envelope = JSON.parse(body) as Envelope;
        const answer = this.script.get(envelope.data.customerId ?? '')?.shift();
        if (answer) return res.writeHead(answer[0], answer[1]).end('scripted');
        this.got.push({ id: headers['webhook-id'], envelope, verifiedWith });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  positionsOf(customerId: string): number[] {
    return this.got.filter((g) => g.envelope.data.customerId === customerId).map((g) => g.envelope.globalPosition);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The answer is the problem named, and names the field. */
async function expectProblem(pending: request.Test, status: number, expected: { code?: string; field?: string }): Promise<void> {
  const res = await pending;
  checkProblem(res, status, [], expected.code);
  if (expected.field) expect(JSON.stringify(res.body)).toContain(`"${expected.field}`);
}

describe('webhooks', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let receiver: Receiver;
  const senders: HttpWebhookSender[] = [];

  beforeEach(async () => {
    t = await startTestApp({ auth: 'required', env: { TOUCHPOINT_WEBHOOK_ALLOW_NETWORKS: '127.0.0.0/8' } });
    admin = { Authorization: t.bearer('service') };
    receiver = new Receiver();
    await receiver.start();
  });
  afterEach(async () => {
    for (const s of senders.splice(0)) s.close();
    await receiver.close();
    await t.close();
  });

  const dispatcher = (settings: Partial<DispatcherSettings> = {}) => {
    const sender = new HttpWebhookSender({ policy: t.webhooks.policy, timeoutMs: 2000 });
    senders.push(sender);
    const bus = t.app.get(CommandBus);
    return new WebhookDispatcher({
      store: t.store,
      state: t.webhooks.state,
      secrets: t.webhooks.secrets,
      sender,
      clock: t.clock,
      random: () => 0.5,
      settings: { baseDelayMs: 1000, ...settings },
      record: async (command: WebhookCommand) => {
        await bus.execute(new ExecuteWebhookCommand(command, { actor: 'system:webhook-dispatcher', correlationId: 'c', causationId: 'c' }));
      },
    });
  };
  const step = async (d: WebhookDispatcher) => {
    await d.tick();
    await d.drain();
  };
  const customer = async (name: string) => (await request(t.http).post('/v1/customers').set({ Authorization: t.bearer('sales') }).send({ kind: 'person', name }).expect(201)).body.ids.customerId as string;
  const touch = (id: string, subject: string) => request(t.http).post(`/v1/customers/${id}/touchpoints`).set({ Authorization: t.bearer('sales') }).send({ type: 'call', direction: 'inbound', subject }).expect(201);
  const subscribe = async (body: object = {}) => {
    const res = await request(t.http).post('/v1/subscriptions').set(admin).send({ url: receiver.url, categories: ['customer'], ...body }).expect(201);
    receiver.secrets = [res.body.secret];
    return res.body as { subscription: { subscriptionId: string }; secret: string };
  };

  it('manages subscriptions over HTTP: the secret once, each change an event, clear errors, service and admin only', async () => {
    const created = await subscribe({ description: 'CRM sync', types: ['TouchpointRecorded'] });
    const id = created.subscription.subscriptionId;
    expect(created.secret).toMatch(/^whsec_/);
    expect(created.subscription).toMatchObject({ url: receiver.url, status: 'active', filter: { types: ['TouchpointRecorded'], categories: ['customer'], customerId: null }, secretVersion: 1 });
    const got = (await request(t.http).get(`/v1/subscriptions/${id}`).set(admin).expect(200)).body;
    expect(got).not.toHaveProperty('secret');
    expect(JSON.stringify(got)).not.toContain(created.secret);
    expect((await request(t.http).get('/v1/subscriptions').set(admin).expect(200)).body.items.map((s: { subscriptionId: string }) => s.subscriptionId)).toEqual([id]);

    await request(t.http).post(`/v1/subscriptions/${id}/pause`).set(admin).expect(200);
    expect((await request(t.http).get(`/v1/subscriptions/${id}`).set(admin)).body.status).toBe('paused');
    await request(t.http).post(`/v1/subscriptions/${id}/resume`).set(admin).expect(200);
    const rotated = (await request(t.http).post(`/v1/subscriptions/${id}/secret`).set(admin).expect(200)).body;
    expect(rotated).toMatchObject({ secretVersion: 2, secret: expect.stringMatching(/^whsec_/) });
    expect(rotated.secret).not.toBe(created.secret);
    await request(t.http).delete(`/v1/subscriptions/${id}`).set(admin).expect(200);
    await expectProblem(request(t.http).get(`/v1/subscriptions/${id}`).set(admin), 404, { code: 'subscription_not_found' });

    const stream = await t.store.readStream(WEBHOOK_SUBSCRIPTIONS_STREAM);
    expect(stream.map((e) => e.type)).toEqual(['WebhookSubscriptionCreated', 'WebhookSubscriptionPaused', 'WebhookSubscriptionResumed', 'WebhookSecretRotated', 'WebhookSubscriptionDeleted']);
    expect(stream.map((e) => e.metadata.actor)).toEqual(Array(5).fill(stream[0].metadata.actor));
    expect(JSON.stringify(stream)).not.toContain('whsec_');

    await expectProblem(request(t.http).post('/v1/subscriptions').set(admin).send({ url: 'ftp://example.com/x' }), 422, { code: 'invalid_url', field: 'url' });
    await expectProblem(request(t.http).post('/v1/subscriptions').set(admin).send({ url: 'http://10.0.0.7/hook' }), 422, { code: 'url_not_allowed', field: 'url' });
    await expectProblem(request(t.http).post('/v1/subscriptions').set(admin).send({ url: receiver.url, secret: 'mine' }), 400, { field: 'secret' });
    await expectProblem(request(t.http).post('/v1/subscriptions').set(admin).send({ url: receiver.url, types: ['NoSuchEvent'] }), 400, { field: 'types' });
    await request(t.http).post('/v1/subscriptions').set({ Authorization: t.bearer('sales') }).send({ url: receiver.url }).expect(403);
    await request(t.http).get('/v1/subscriptions').set({ Authorization: t.bearer('analyst') }).expect(403);
  });

  it('delivers every event once acknowledged, in order per customer, while one failing customer does not hold up the others', async () => {
    const [a, b, c] = [await customer('A'), await customer('B'), await customer('C')];
    const sub = (await subscribe({ fromPosition: 1 })).subscription.subscriptionId;
    for (let i = 0; i < 3; i++) for (const id of [a, b, c]) await touch(id, `call ${i}`);
    receiver.script.set(b, [
      [503, {}],
      [500, {}],
    ]);
    const d = dispatcher();
    await step(d);
    // A and C: all their events arrived in one step; B's first failed and holds back only B's later events.
    expect(receiver.positionsOf(a).length).toBe(4);
    expect(receiver.positionsOf(c).length).toBe(4);
    expect(receiver.positionsOf(b)).toEqual([]);
    for (let i = 0; i < 12; i++) {
      t.clock.advance(5_000);
      await step(d);
    }
    const all = (await t.store.readAll()).filter((e) => e.streamId.startsWith('customer-'));
    for (const id of [a, b, c]) {
      const expected = all.filter((e) => (e.data as { customerId: string }).customerId === id).map((e) => e.globalPosition);
      expect(receiver.positionsOf(id)).toEqual(expected); // each once, in stream order
    }
    expect(new Set(receiver.got.map((g) => g.id)).size).toBe(receiver.got.length);
    expect(receiver.got.every((g) => g.id === g.envelope.eventId)).toBe(true);
    const view = (await request(t.http).get(`/v1/subscriptions/${sub}`).set(admin).expect(200)).body;
    expect(view.delivery).toMatchObject({ delivered: all.length, failedAttempts: 2, pending: 0, deadLetters: 0, lagEvents: 0 });
    const log = (await request(t.http).get(`/v1/subscriptions/${sub}/deliveries`).query({ limit: 1000 }).set(admin).expect(200)).body.items;
    expect(log.filter((x: { outcome: string }) => x.outcome === 'failed').map((x: { status: number; attempt: number }) => [x.status, x.attempt])).toEqual([
      [500, 2],
      [503, 1],
    ]);
  });

  it('backs off exponentially and honours Retry-After on the injected clock', async () => {
    const a = await customer('A');
    const sub = (await subscribe()).subscription.subscriptionId;
    await touch(a, 'hello');
    receiver.script.set(a, [
      [429, { 'retry-after': '120' }],
      [503, {}],
    ]);
    const d = dispatcher({ baseDelayMs: 10_000 });
    await step(d); // attempt 1: 429, retry after 120 s
    t.clock.advance(119_000);
    await step(d);
    expect((await t.webhooks.state.deliveries(sub, 10)).length).toBe(1);
    t.clock.advance(2_000);
    await step(d); // attempt 2: 503, backoff 2 × 10 s × (0.5 + 0.5 × 0.5) = 15 s
    expect((await t.webhooks.state.deliveries(sub, 10)).length).toBe(2);
    t.clock.advance(14_000);
    await step(d);
    expect(receiver.positionsOf(a)).toEqual([]);
    t.clock.advance(2_000);
    await step(d);
    expect(receiver.positionsOf(a).length).toBe(1);
  });

  it('dead-letters after the horizon, disables after repeated dead letters (an event with the reason), and continues on resume and redelivery', async () => {
    const [a, b] = [await customer('A'), await customer('B')];
    const sub = (await subscribe()).subscription.subscriptionId;
    await touch(a, 'one');
    await touch(b, 'two');
    await touch(a, 'three');
    receiver.script.set(a, Array.from({ length: 50 }, () => [500, {}] as [number, Record<string, string>]));
    receiver.script.set(b, [[400, {}]]); // permanent: straight to the dead letters
    const d = dispatcher({ horizonMs: 60_000, disableAfter: 2 });
    for (let i = 0; i < 20; i++) {
      await step(d);
      t.clock.advance(10_000);
    }
    const view = (await request(t.http).get(`/v1/subscriptions/${sub}`).set(admin).expect(200)).body;
    expect(view.status).toBe('disabled');
    expect(view.disabledReason).toMatch(/2 deliveries in a row went to the dead letters; the last: HTTP 500/);
    const dead = (await request(t.http).get(`/v1/subscriptions/${sub}/dead-letters`).set(admin).expect(200)).body.items;
    expect(dead.map((x: { lastError: string }) => x.lastError)).toEqual([expect.stringMatching(/^HTTP 500.*retried for 1 min/), 'HTTP 400: scripted']);
    expect(receiver.got).toEqual([]);
    const stream = await t.store.readStream(WEBHOOK_SUBSCRIPTIONS_STREAM);
    expect(stream.at(-1)).toMatchObject({ type: 'WebhookSubscriptionDisabled', metadata: { actor: 'system:webhook-dispatcher' } });

    // Disabled: nothing is sent, however long it waits; the receiver is fixed, the subscription re-enabled.
    receiver.script.clear();
    t.clock.advance(600_000);
    await step(d);
    expect(receiver.got).toEqual([]);
    await request(t.http).post(`/v1/subscriptions/${sub}/resume`).set(admin).expect(200);
    await step(d);
    expect(receiver.positionsOf(a).length).toBe(1); // A's second event, still pending when it was disabled
    await request(t.http).post(`/v1/subscriptions/${sub}/redeliver`).set(admin).send({ deadLetters: true }).expect(200);
    await step(d);
    expect(receiver.positionsOf(a).length).toBe(2);
    expect(receiver.positionsOf(b).length).toBe(1);
    expect((await request(t.http).get(`/v1/subscriptions/${sub}/dead-letters`).set(admin)).body.items).toEqual([]);
    await expectProblem(request(t.http).post(`/v1/subscriptions/${sub}/redeliver`).set(admin).send({}), 422, { code: 'invalid_redelivery' });
  });

  it('a retry after the customer was erased carries the erased values, not the ones read before', async () => {
    const id = (await request(t.http).post('/v1/customers').set({ Authorization: t.bearer('sales') }).send({ kind: 'person', name: 'Olena Kovalenko' }).expect(201)).body.ids.customerId as string;
    await subscribe({ fromPosition: 1 });
    receiver.script.set(id, [[503, {}]]);
    const d = dispatcher();
    await step(d); // read (in the clear) and failed
    await request(t.http).post(`/v1/customers/${id}/erasure`).set({ Authorization: t.bearer('admin') }).send({ reason: 'GDPR request' }).expect((r) => expect(r.status).toBeLessThan(300));
    t.clock.advance(120_000);
    await step(d);
    const registered = receiver.got.find((g) => g.envelope.type === 'CustomerRegistered');
    expect(registered?.envelope.data.name).toBe('[erased]');
    expect(JSON.stringify(receiver.got)).not.toContain('Kovalenko');
  });

  it('sends from one dispatcher at a time: a second stands by, and takes over when the first stops', async () => {
    const a = await customer('A');
    await subscribe({ fromPosition: 1 });
    const first = dispatcher();
    const second = dispatcher();
    await step(first);
    await step(second);
    expect([first.holdsLease, second.holdsLease]).toEqual([true, false]);
    expect(receiver.positionsOf(a)).toHaveLength(1);
    await touch(a, 'later');
    await step(second); // standby: sends nothing
    expect(receiver.positionsOf(a)).toHaveLength(1);
    await first.stop(); // releases the lease
    await step(second);
    expect(second.holdsLease).toBe(true);
    expect(receiver.positionsOf(a)).toHaveLength(2);
    expect(new Set(receiver.got.map((g) => g.id)).size).toBe(receiver.got.length); // nothing sent twice
  });

  it('resumes after a restart without a gap, redelivers from a position, and signs with both secrets during a rotation', async () => {
    const a = await customer('A');
    const created = await subscribe({ fromPosition: 1 });
    const sub = created.subscription.subscriptionId;
    for (let i = 0; i < 4; i++) await touch(a, `t${i}`);
    receiver.script.set(a, [[503, {}]]);
    const first = dispatcher();
    await step(first); // first event failed: everything after it waits, pending in the state store
    await first.stop();
    for (let i = 4; i < 6; i++) await touch(a, `t${i}`);
    t.clock.advance(5_000);
    const second = dispatcher(); // a new process: cursor, pending and retry schedule from the store
    for (let i = 0; i < 8; i++) {
      await step(second);
      t.clock.advance(1_000);
    }
    const mine = (await t.store.readAll()).filter((e) => (e.data as { customerId?: string }).customerId === a).map((e) => e.globalPosition);
    expect(receiver.positionsOf(a)).toEqual(mine);

    const rotated = (await request(t.http).post(`/v1/subscriptions/${sub}/secret`).set(admin).expect(200)).body.secret;
    receiver.secrets = [created.secret, rotated];
    await request(t.http).post(`/v1/subscriptions/${sub}/redeliver`).set(admin).send({ fromPosition: mine[4] }).expect(200);
    receiver.got.length = 0;
    for (let i = 0; i < 3; i++) await step(second);
    expect(receiver.positionsOf(a)).toEqual(mine.slice(4));
    expect(receiver.got.map((g) => g.verifiedWith)).toEqual(Array(3).fill([created.secret, rotated])); // old and new secret both verify
    t.clock.advance(25 * 3_600_000);
    await request(t.http).post(`/v1/subscriptions/${sub}/redeliver`).set(admin).send({ fromPosition: mine[5] }).expect(200);
    receiver.got.length = 0;
    for (let i = 0; i < 2; i++) await step(second);
    expect(receiver.got.map((g) => g.verifiedWith)).toEqual(Array(2).fill([rotated])); // after the grace period only the new one
    expect(receiver.refused).toEqual([]);
  });
});
