import { verifyCheckpoint } from '@touchpoint/event-store';
import Database from 'better-sqlite3';
import { createPublicKey, verify } from 'node:crypto';
import { join } from 'node:path';
import request from 'supertest';
import { call, company, order, person, send } from '../commands/helpers';
import { startTestApp, type TestApp } from '../support/app';

const MIN = 60_000;

async function create(t: TestApp, url: string, body: unknown): Promise<{ id?: string; position: number }> {
  const res = await send(t, 'post', url, body).expect((r) => expect(r.status).toBeLessThan(300));
  return { id: res.headers.location?.split('/').pop(), position: res.body.globalPosition };
}

/** The live 360 once the projector has the position, without the ranking (tiers rank all customers, not one history). */
async function live360(t: TestApp, id: string, position: number) {
  const res = await request(t.http).get(`/v1/customers/${id}?minPosition=${position}`).expect(200);
  const { segment: _s, ...rest } = res.body;
  return rest;
}

describe('audit: replay, as-of and explain over HTTP', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(() => t.close());

  it('answers as-of queries with exactly what the live read model showed at each moment', async () => {
    const captured: Array<{ position: number; at: string; view: Record<string, unknown> }> = [];
    const step = async (url: (id: string) => string, body: unknown, id?: string) => {
      t.clock.advance(5 * MIN);
      const r = await create(t, url(id ?? ''), body);
      const customerId = id ?? r.id!;
      captured.push({ position: r.position, at: t.clock.now().toISOString(), view: await live360(t, customerId, r.position) });
      return customerId;
    };
    const id = await step(() => '/v1/customers', company({ email: 'buyer@acme.example' }));
    await step((c) => `/v1/customers/${c}/touchpoints`, call(), id);
    await step((c) => `/v1/customers/${c}/orders`, order(), id);
    await step(() => '/v1/deals', { customerId: id, title: 'Fleet', amount: 500000, currency: 'EUR', expectedCloseDate: '2026-06-30' }, id);
    await step((c) => `/v1/customers/${c}/orders`, order({ occurredAt: '2026-01-01T00:00:00Z' }), id);
    await step((c) => `/v1/customers/${c}/touchpoints`, call({ channel: 'email', type: 'email', direction: 'outbound' }), id);
    t.clock.advance(60 * MIN);

    for (const c of captured) {
      const byPosition = await request(t.http).get(`/v1/audit/customers/${id}/state?asOf=${c.position}`).expect(200);
      const { segment: _a, ...a } = byPosition.body.customer;
      expect(a).toEqual(c.view);
      const byInstant = await request(t.http).get(`/v1/audit/customers/${id}/state?asOf=${encodeURIComponent(c.at)}&time=record`).expect(200);
      const { segment: _b, ...b } = byInstant.body.customer;
      expect(b).toEqual(c.view);
    }
    // Business time: on 2 January only the back-dated order had happened, though it was recorded last but one.
    const business = await request(t.http).get(`/v1/audit/customers/${id}/state?asOf=2026-01-02T00:00:00Z&time=business`);
    expect(business.status).toBe(404); // the customer was registered on 2 March (business time), so it did not exist yet
    const afterRegistration = await request(t.http).get(`/v1/audit/customers/${id}/state?asOf=${encodeURIComponent(captured[1].at)}&time=business`).expect(200);
    expect(afterRegistration.body.customer.orders.placed).toBe(1); // the back-dated order counts by business time
  });

  it('explains figures with event ids and refuses bad as-of input', async () => {
    const { id } = await create(t, '/v1/customers', person());
    const first = await send(t, 'post', `/v1/customers/${id}/orders`, order()).expect(201);
    const second = await send(t, 'post', `/v1/customers/${id}/orders`, order()).expect(201);
    const res = await request(t.http).get(`/v1/audit/customers/${id}/state?explain=true`).expect(200);
    expect(res.body.customer.orders.placed).toBe(2);
    expect(res.body.sources['orders.placed'].slice(1)).toEqual([first.body.events[0].eventId, second.body.events[0].eventId]);
    const errors = [
      [`/v1/audit/customers/${id}/state?asOf=2026-01-01`, 422],
      [`/v1/audit/customers/${id}/state?asOf=5&time=business`, 422],
      [`/v1/audit/customers/${id}/state?time=later`, 400],
      [`/v1/audit/customers/${id}/state?unknown=1`, 400],
      [`/v1/audit/customers/not-a-uuid/state`, 400],
      [`/v1/audit/customers/11111111-1111-4111-8111-111111111111/state`, 404],
      [`/v1/audit/customers/${id}/events?cursor=eyJ4Ijox`, 422],
      [`/v1/audit/customers/${id}/events?limit=0`, 400],
    ] as const;
    for (const [url, status] of errors) {
      const r = await request(t.http).get(url);
      expect({ url, status: r.status }).toEqual({ url, status });
      expect(r.headers['content-type']).toContain('application/problem+json');
    }
  });

  it('replays the customer and its deals with all metadata, in pages', async () => {
    const { id } = await create(t, '/v1/customers', person());
    const { id: other } = await create(t, '/v1/customers', person({ name: 'Someone Else' }));
    await send(t, 'post', `/v1/customers/${other}/touchpoints`, call()).expect(201);
    const deal = await create(t, '/v1/deals', { customerId: id, title: 'Fleet', amount: 100, currency: 'EUR', expectedCloseDate: '2026-06-30' });
    for (let i = 0; i < 4; i += 1) await send(t, 'post', `/v1/customers/${id}/touchpoints`, call(), { 'X-Actor': 'agent.bob', 'X-Correlation-Id': `flow-${i}` }).expect(201);
    await send(t, 'post', `/v1/deals/${deal.id}/won`, {}).expect(200);
    const seen: Array<Record<string, unknown>> = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 10; guard += 1) {
      const res = await request(t.http).get(`/v1/audit/customers/${id}/events?limit=2${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
      seen.push(...res.body.events);
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    expect(seen.map((e) => e.type)).toEqual(['CustomerRegistered', 'DealOpened', 'TouchpointRecorded', 'TouchpointRecorded', 'TouchpointRecorded', 'TouchpointRecorded', 'DealWon']);
    expect(seen.map((e) => e.globalPosition)).toEqual([...seen.map((e) => e.globalPosition as number)].sort((a, b) => a - b));
    expect(seen[2]).toMatchObject({ actor: 'agent.bob', correlationId: 'flow-0', schemaVersion: 1, storedSchemaVersion: 1, recordedAt: expect.any(String), occurredAt: expect.any(String), causationId: expect.any(String) });
    expect(seen[1].streamId).toBe(`deal-${deal.id}`);
  });

  it('streams thousands of events as NDJSON reading the log in bounded pages', async () => {
    const { id } = await create(t, '/v1/customers', person());
    const N = 3000;
    for (let i = 0; i < N; i += 100) {
      const batch = Array.from({ length: 100 }, (_, k) => ({
        type: 'TouchpointRecorded',
        schemaVersion: 1,
        data: { customerId: id, touchpointId: `t-${i + k}`, touchpointType: 'call', channel: 'phone', direction: 'inbound', agent: 'a', subject: `s${i + k}`, occurredAt: '2026-03-02T10:00:00.000Z' },
      }));
      await t.store.append(`customer-${id}`, batch, { expectedRevision: 'any', metadata: { actor: 'import', correlationId: 'c', causationId: 'c' } });
    }
    // Observe (not replace) the real store's reads: the export must never ask for the whole stream.
    const read = t.store.readStream.bind(t.store);
    const sizes: number[] = [];
    t.store.readStream = async (s, o) => {
      const events = await read(s, o);
      sizes.push(events.length);
      return events;
    };
    const res = await request(t.http).get(`/v1/audit/customers/${id}/events`).set('Accept', 'application/x-ndjson').buffer(true).parse((r, done) => {
      let text = '';
      r.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      r.on('end', () => done(null, text));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('application/x-ndjson');
    const lines = (res.body as string).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(N + 1);
    expect(lines[N].data.subject).toBe(`s${N - 1}`);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(500);
    expect(sizes.length).toBeGreaterThanOrEqual(N / 500);
  });
});

describe('audit: tamper evidence and signed checkpoints (SQLite file)', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ engine: 'sqlite' });
  });
  afterEach(() => t.close());

  it('verifies the chains, finds a row altered directly in events.db, and signs checkpoints auditors can check offline', async () => {
    const { id } = await create(t, '/v1/customers', person());
    for (let i = 0; i < 5; i += 1) await send(t, 'post', `/v1/customers/${id}/touchpoints`, call()).expect(201);
    const ok = await request(t.http).get('/v1/audit/verify').expect(200);
    expect(ok.body).toMatchObject({ ok: true, checked: 6, unchained: 0, from: 1, to: 6 });

    const checkpoint = (await request(t.http).get('/v1/audit/checkpoints/latest').expect(200)).body;
    const { publicKey } = (await request(t.http).get('/v1/audit/checkpoints/public-key').expect(200)).body;
    expect(checkpoint).toMatchObject({ position: 6, headHash: ok.body.headHash, algorithm: 'Ed25519' });
    expect(verifyCheckpoint(publicKey, checkpoint)).toBe(true);
    // The documented offline check: node:crypto over the payload bytes.
    expect(verify(null, Buffer.from(checkpoint.payload), createPublicKey(publicKey), Buffer.from(checkpoint.signature, 'base64'))).toBe(true);
    expect(verifyCheckpoint(publicKey, { ...checkpoint, position: 5 })).toBe(false);

    const file = join(t.dataDir, 'events.db');
    const raw = new Database(file);
    raw.prepare(`UPDATE events SET data = json_set(data, '$.subject', 'rewritten') WHERE global_position = 4`).run();
    raw.close();
    const broken = await request(t.http).get('/v1/audit/verify').expect(200);
    expect(broken.body).toMatchObject({ ok: false, checked: 3, broken: { globalPosition: 4, streamId: `customer-${id}`, streamRevision: 3, chain: 'stream' } });
  });
});
