/**
 * The global feed over HTTP (role service): pages in order with a cursor, filters, a long poll at the head, and a
 * Server-Sent-Events stream that resumes from Last-Event-ID without a gap; erasure is respected; open streams are
 * capped with a clear 503.
 */
import request from 'supertest';
import { get as httpGet, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDomainEventType } from '@touchpoint/domain';
import { startTestApp, type TestApp } from '../support/app';
import { expectProblem } from '../queries/helpers';

interface Envelope {
  eventId: string;
  type: string;
  streamId: string;
  globalPosition: number;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/** Opens an SSE stream and collects messages until `count` events arrived; then closes the connection. */
function sse(t: TestApp, headers: Record<string, string>, count: number, query = ''): Promise<Array<{ id: number; event: string; data: Envelope }>> {
  const { port } = (t.http as { address(): AddressInfo }).address();
  return new Promise((resolve, reject) => {
    const got: Array<{ id: number; event: string; data: Envelope }> = [];
    const req = httpGet({ host: '127.0.0.1', port, path: `/v1/events${query}`, headers: { accept: 'text/event-stream', ...headers } }, (res: IncomingMessage) => {
      if (res.statusCode !== 200) return reject(new Error(`SSE answered ${res.statusCode}`));
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (got.length === count) return;
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(message.split('\n').filter((l) => !l.startsWith(':') && l.includes(': ')).map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]));
          if (fields.id === undefined) continue;
          got.push({ id: Number(fields.id), event: fields.event, data: JSON.parse(fields.data) as Envelope });
          if (got.length === count) {
            // One chunk may hold more messages than asked for (it does on Node 24): stop reading here.
            req.destroy();
            return resolve(got);
          }
        }
      });
      res.on('error', () => undefined);
    });
    req.on('error', (error) => (got.length === count ? undefined : reject(error)));
  });
}

describe('the event feed over HTTP (authentication on)', () => {
  let t: TestApp;
  let service: Record<string, string>;
  let sales: Record<string, string>;
  let olena: string;

  beforeAll(async () => {
    t = await startTestApp({ auth: 'required', env: { TOUCHPOINT_FEED_MAX_STREAMS: '2', TOUCHPOINT_FEED_HEARTBEAT_MS: '200' } });
    await t.app.listen(0, '127.0.0.1');
    service = { Authorization: t.bearer('service') };
    sales = { Authorization: t.bearer('sales') };
    const post = async (url: string, body: object) => (await request(t.http).post(url).set(sales).send(body).expect((r) => expect(r.status).toBeLessThan(300))).body;
    olena = (await post('/v1/customers', { kind: 'person', name: 'Olena Kovalenko', email: 'olena@example.com' })).ids.customerId;
    const petro = (await post('/v1/customers', { kind: 'person', name: 'Petro' })).ids.customerId;
    for (const id of [olena, petro, olena]) await post(`/v1/customers/${id}/touchpoints`, { type: 'call', direction: 'inbound', subject: 'Question' });
    await post('/v1/deals', { customerId: olena, title: 'Renewal', amount: 1000, currency: 'EUR', expectedCloseDate: '2026-06-30' });
    await post('/v1/tasks', { customerId: petro, kind: 'call', title: 'Call back', dueAt: '2026-03-03T09:00:00Z' });
  });
  afterAll(() => t?.close());

  const all = async () => (await t.store.readAll({ after: 0, maxCount: 10_000 })).filter((e) => isDomainEventType(e.type));

  it('pages the whole log in order with a cursor, in the Kafka envelope', async () => {
    const seen: Envelope[] = [];
    let after = 0;
    for (;;) {
      const page = (await request(t.http).get('/v1/events').query({ after, limit: 3 }).set(service).expect(200)).body;
      seen.push(...page.events);
      if (page.events.length === 0) {
        expect(page.next).toBe(page.head);
        break;
      }
      expect(page.next).toBe(page.events.at(-1).globalPosition);
      after = page.next;
    }
    const stored = await all();
    expect(seen.map((e) => e.eventId)).toEqual(stored.map((e) => e.eventId));
    expect(seen[0]).toMatchObject({ type: 'CustomerRegistered', streamId: `customer-${olena}`, schemaVersion: 1, data: { name: 'Olena Kovalenko' }, metadata: { actor: expect.stringMatching(/^key:/), correlationId: expect.any(String) } });
  });

  it('filters by type, by stream category and by customer; the cursor moves past what it skipped', async () => {
    const touchpoints = (await request(t.http).get('/v1/events').query({ types: 'TouchpointRecorded' }).set(service).expect(200)).body;
    expect(touchpoints.events.map((e: Envelope) => e.type)).toEqual(['TouchpointRecorded', 'TouchpointRecorded', 'TouchpointRecorded']);
    expect(touchpoints.next).toBe(touchpoints.head);
    const deals = (await request(t.http).get('/v1/events').query({ categories: 'deal,task' }).set(service).expect(200)).body;
    expect(deals.events.map((e: Envelope) => e.type)).toEqual(['DealOpened', 'TaskCreated']);
    const hers = (await request(t.http).get('/v1/events').query({ customerId: olena }).set(service).expect(200)).body;
    expect(hers.events.map((e: Envelope) => e.type)).toEqual(['CustomerRegistered', 'TouchpointRecorded', 'TouchpointRecorded', 'DealOpened']);
    expectProblem(await request(t.http).get('/v1/events').query({ types: 'NoSuchEvent' }).set(service), 400, ['types']);
    expectProblem(await request(t.http).get('/v1/events').query({ after: -1 }).set(service), 400, ['after']);
    // The feed is for services: a seller's key is refused.
    expect((await request(t.http).get('/v1/events').set(sales)).status).toBe(403);
  });

  it('at the head, a long poll answers as soon as the next event is written', async () => {
    const head = await t.store.headPosition();
    const started = Date.now();
    const pending = request(t.http).get('/v1/events').query({ after: head, wait: 10 }).set(service);
    setTimeout(() => void request(t.http).post(`/v1/customers/${olena}/touchpoints`).set(sales).send({ type: 'email', direction: 'inbound', subject: 'Later' }).then(() => undefined), 300);
    const page = (await pending).body;
    expect(page.events.map((e: Envelope) => e.type)).toEqual(['TouchpointRecorded']);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('streams Server-Sent Events and resumes from Last-Event-ID without a gap or a repeat', async () => {
    const stored = await all();
    const first = await sse(t, service, 4);
    expect(first.map((m) => m.id)).toEqual(stored.slice(0, 4).map((e) => e.globalPosition));
    expect(first[0]).toMatchObject({ event: 'CustomerRegistered', data: { eventId: stored[0].eventId } });
    // Written while the consumer was away.
    await request(t.http).post(`/v1/customers/${olena}/touchpoints`).set(sales).send({ type: 'chat', channel: 'chat', direction: 'inbound', subject: 'Away' }).expect(201);
    const rest = (await all()).slice(4);
    const resumed = await sse(t, { ...service, 'Last-Event-ID': String(first.at(-1)!.id) }, rest.length);
    expect([...first, ...resumed].map((m) => m.data.eventId)).toEqual((await all()).map((e) => e.eventId));
  });

  it('caps the open streams with a 503 and Retry-After', async () => {
    const { port } = (t.http as { address(): AddressInfo }).address();
    const open = () =>
      new Promise<{ status: number; close: () => void; retryAfter?: string }>((resolve) => {
        const req = httpGet({ host: '127.0.0.1', port, path: '/v1/events?after=1000000', headers: { accept: 'text/event-stream', ...service } }, (res) => {
          resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] as string | undefined, close: () => req.destroy() });
          res.resume();
        });
        req.on('error', () => undefined);
      });
    const a = await open();
    const b = await open();
    const c = await open();
    expect([a.status, b.status, c.status]).toEqual([200, 200, 503]);
    expect(c.retryAfter).toBe('5');
    a.close();
    b.close();
    c.close();
    // Closed streams free their places.
    await new Promise((r) => setTimeout(r, 500));
    const d = await open();
    expect(d.status).toBe(200);
    d.close();
  });

  it('publishes metadata.idempotencyKey as the client sent it (stored with the actor, length first), as docs/events.md says', async () => {
    const sent = await request(t.http).post(`/v1/customers/${olena}/orders`).set({ ...sales, 'Idempotency-Key': 'order-ORD-1001' }).send({ orderId: 'ORD-1001', currency: 'EUR', total: 7000 }).expect(201);
    const position = sent.body.globalPosition;
    const published = (await request(t.http).get('/v1/events').query({ after: position - 1, limit: 1 }).set(service).expect(200)).body.events[0];
    expect(published.metadata.idempotencyKey).toBe('order-ORD-1001');
    const actor = published.metadata.actor as string;
    expect(actor).toMatch(/^key:/); // itself contains a colon: the length prefix keeps the stored form unambiguous
    const stored = (await t.store.readAll({ after: position - 1, maxCount: 1 }))[0];
    expect(stored.metadata.idempotencyKey).toBe(`${actor.length}:${actor}:order-ORD-1001`);
  });

  it('after erasure, the feed carries the erased values, never the personal data', async () => {
    // A full page makes the feed read the next one ahead, here with her touchpoint in it, opened before the erasure.
    const [, second, herCall] = await all();
    expect(herCall).toMatchObject({ type: 'TouchpointRecorded', data: { customerId: olena } });
    await request(t.http).get('/v1/events').query({ after: 0, limit: 2 }).set(service).expect(200);
    await request(t.http).post(`/v1/customers/${olena}/erasure`).set({ Authorization: t.bearer('admin') }).send({}).expect((r) => expect(r.status).toBeLessThan(300));
    const hers = (await request(t.http).get('/v1/events').query({ customerId: olena }).set(service).expect(200)).body;
    expect(hers.events[0]).toMatchObject({ type: 'CustomerRegistered', data: { name: '[erased]', email: '[erased]' } });
    expect(JSON.stringify(hers.events)).not.toContain('Olena');
    const next = (await request(t.http).get('/v1/events').query({ after: second.globalPosition, limit: 2 }).set(service).expect(200)).body;
    expect(next.events[0]).toMatchObject({ globalPosition: herCall.globalPosition, data: { subject: '[erased]' } });
  });

  it('reads the next page ahead for a reader catching up, and serves it as it would read it', async () => {
    const pages: Envelope[][] = [];
    for (let after = 0, i = 0; i < 4; i++) {
      const page = (await request(t.http).get('/v1/events').query({ after, limit: 2 }).set(service).expect(200)).body;
      pages.push(page.events);
      after = page.next;
    }
    const stored = await all();
    expect(pages.flat().map((e) => e.globalPosition)).toEqual(stored.slice(0, 8).map((e) => e.globalPosition));
  });
});
