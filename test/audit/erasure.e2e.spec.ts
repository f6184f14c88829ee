import type { AggregateRunner } from '@touchpoint/application';
import { ERASED } from '@touchpoint/domain';
import { AGGREGATE_RUNNER } from '../../apps/api/src/commands';
import { PROJECTOR, type Projector } from '@touchpoint/read-models';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { send } from '../commands/helpers';
import { startTestApp, type TestApp } from '../support/app';

/** Values that must not survive erasure anywhere; unusual enough that a hit is never a coincidence. */
const NAME = 'Zofia Quincewright';
const EMAIL = 'zofia.quincewright@example.test';
const PHONE = '+380501119977';
const STREET = 'Vulytsia Xylofonna 17';
const SUBJECT = 'Called Zofia about her knee surgery';
const COMPLAINT = 'Quincewright says the parcel was opened';
const DEAL = 'Quincewright family fleet';
const SECRETS = [NAME, EMAIL, PHONE, STREET, SUBJECT, COMPLAINT, DEAL, 'Quincewright'];

/** Every file in the data dir (databases, WAL, journals, keys), searched as raw bytes, UTF-8 and UTF-16. */
function leaks(dir: string): string[] {
  const found: string[] = [];
  for (const file of readdirSync(dir)) {
    const bytes = readFileSync(join(dir, file));
    for (const secret of SECRETS) {
      if (bytes.includes(Buffer.from(secret, 'utf8')) || bytes.includes(Buffer.from(secret, 'utf16le'))) found.push(`${file}: ${secret}`);
    }
  }
  return found;
}

describe('erasure by crypto-shredding (SQLite event store, read store and key store)', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ engine: 'sqlite' });
  });
  afterEach(() => t.close());

  const get = async (url: string) => (await request(t.http).get(url).expect(200)).body;

  it('leaves no personal value readable in any file or read path, keeps the totals, the chains and the rebuild result', async () => {
    const reg = await send(t, 'post', '/v1/customers', { kind: 'person', name: NAME, email: EMAIL, phone: PHONE, address: { line1: STREET, city: 'Kyiv', country: 'UA' }, tags: ['VIP'] }).expect(201);
    const id = reg.body.ids.customerId as string;
    await send(t, 'post', `/v1/customers/${id}/touchpoints`, { type: 'call', direction: 'inbound', subject: SUBJECT, summary: `${NAME} will call back` }).expect(201);
    await send(t, 'post', `/v1/customers/${id}/orders`, { orderId: 'ORD-1', currency: 'EUR', lines: [{ sku: 'A', quantity: 2, unitPrice: 1500, unitCost: 700 }] }).expect(201);
    await send(t, 'post', `/v1/customers/${id}/complaints`, { complaintId: 'CASE-1', category: 'delivery', severity: 'high', channel: 'email', description: COMPLAINT }).expect(201);
    const deal = await send(t, 'post', '/v1/deals', { customerId: id, title: DEAL, amount: 90000, currency: 'EUR', expectedCloseDate: '2026-06-30' }).expect(201);
    const last = await send(t, 'post', `/v1/deals/${deal.body.ids.dealId}/lost`, { reason: `${NAME} chose a rival` }).expect(200);
    await request(t.http).get(`/v1/customers/${id}?minPosition=${last.body.globalPosition}`).expect(200);

    // Stored events hold ciphertext only, from the first append on.
    const [stored] = await t.rawStore.readStream(`customer-${id}`, { maxCount: 1 });
    expect(String(stored.data.name)).toMatch(/^tp:enc:v2:/);
    expect(leaks(t.dataDir).filter((l) => l.startsWith('events.db') || l.startsWith('keys.db'))).toEqual([]);

    const before360 = await get(`/v1/customers/${id}`);
    const beforeLtv = await get(`/v1/customers/${id}/lifetime-value`);
    const beforeService = await get('/v1/analytics/service');
    const beforeForecast = await get('/v1/pipeline/forecast');
    expect(before360.name).toBe(NAME);
    // The scan does find values where they are: the read models hold them in plaintext until erasure.
    expect(leaks(t.dataDir).some((l) => l.startsWith('read.db'))).toBe(true);
    const exported = await get(`/v1/customers/${id}/export`);
    expect(exported.profile).toMatchObject({ name: NAME, email: EMAIL, phone: PHONE });
    expect(exported.touchpoints[0]).toMatchObject({ subject: SUBJECT });
    expect(exported.orders[0]).toMatchObject({ type: 'OrderPlaced', orderId: 'ORD-1', total: 3000 });
    expect(exported.complaints[0]).toMatchObject({ description: COMPLAINT });
    expect(exported.deals[0].history[0]).toMatchObject({ type: 'DealOpened', title: DEAL });

    const erased = await send(t, 'post', `/v1/customers/${id}/erasure`).expect(200);
    expect(erased.body.events.map((e: { type: string }) => e.type)).toEqual(['CustomerErased']);
    const after360 = (await request(t.http).get(`/v1/customers/${id}?minPosition=${erased.body.globalPosition}`).expect(200)).body;

    // Personal fields read as the marker; the facts still count.
    expect(after360).toMatchObject({ name: ERASED, email: ERASED, phone: ERASED, address: { erased: true }, tags: [] });
    expect(after360.orders).toEqual(before360.orders);
    expect(after360.touchpoints).toEqual(before360.touchpoints);
    expect(after360.complaints).toEqual(before360.complaints);
    expect(after360.lifetimeValue).toEqual(before360.lifetimeValue);
    expect(await get(`/v1/customers/${id}/lifetime-value`)).toEqual(beforeLtv);
    expect(await get('/v1/analytics/service')).toEqual(beforeService);
    expect(await get('/v1/pipeline/forecast')).toEqual(beforeForecast);

    // Every read path: 360, history, deal, raw stream, audit replay, NDJSON export, audit state.
    const paths = [
      `/v1/customers/${id}`,
      `/v1/customers/${id}/history?limit=100`,
      `/v1/deals/${deal.body.ids.dealId}`,
      `/v1/streams/customer-${id}/events`,
      `/v1/streams/deal-${deal.body.ids.dealId}/events`,
      `/v1/audit/customers/${id}/events`,
      `/v1/audit/customers/${id}/events?format=ndjson`,
      `/v1/audit/customers/${id}/state?explain=true`,
      `/v1/customers/${id}/export`,
    ];
    for (const path of paths) {
      const res = await request(t.http).get(path).buffer(true).parse((r, done) => {
        let text = '';
        r.on('data', (c: Buffer) => (text += c.toString('utf8')));
        r.on('end', () => done(null, text));
      });
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      for (const secret of SECRETS) expect({ path, leaked: (res.body as string).includes(secret) ? secret : null }).toEqual({ path, leaked: null });
    }

    // The stored log is untouched: both chains still verify.
    expect((await get('/v1/audit/verify')).ok).toBe(true);

    // No personal value left in any byte of any file: events.db, read.db (+WAL), keys.db.
    expect(leaks(t.dataDir)).toEqual([]);

    // Nothing more can be recorded about the erased customer; erasing again records nothing.
    const refused = await send(t, 'post', `/v1/customers/${id}/touchpoints`, { type: 'call', direction: 'inbound', subject: 'again' }).expect(409);
    expect(refused.body.code).toBe('customer_erased');
    expect((await send(t, 'post', `/v1/customers/${id}/erasure`).expect(200)).body.events).toEqual([]);

    // A rebuild from the log gives the same read models.
    const history = await get(`/v1/customers/${id}/history?limit=100`);
    await t.app.get<Projector>(PROJECTOR).rebuild();
    expect(await get(`/v1/customers/${id}/history?limit=100`)).toEqual(history);
    const rebuilt = await get(`/v1/customers/${id}`);
    const { segment: _a, ...a } = rebuilt;
    const { segment: _b, ...b } = after360;
    expect(a).toEqual(b);
    expect(leaks(t.dataDir)).toEqual([]);
  });

  it('refuses erasure of an unknown customer with 404 and changes nothing', async () => {
    const res = await send(t, 'post', '/v1/customers/11111111-1111-4111-8111-111111111111/erasure').expect(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(await t.store.headPosition()).toBe(0);
  });

  it('drops the cached command states of the customer and its deals in the process that erased it, also when the erasure failed after the key went', async () => {
    const runner = t.app.get<AggregateRunner>(AGGREGATE_RUNNER);
    const id = (await send(t, 'post', '/v1/customers', { kind: 'person', name: NAME, email: EMAIL }).expect(201)).body.ids.customerId as string;
    const dealId = (await send(t, 'post', '/v1/deals', { customerId: id, title: DEAL, amount: 500, currency: 'EUR', expectedCloseDate: '2026-06-30' }).expect(201)).body.ids.dealId as string;
    const other = (await send(t, 'post', '/v1/customers', { kind: 'person', name: 'Someone Else' }).expect(201)).body.ids.customerId as string;
    expect(JSON.stringify(runner.cachedState(`customer-${id}`))).toContain(NAME);
    expect(runner.cachedState(`deal-${dealId}`)).toMatchObject({ state: { customerId: id } });

    // A stale If-Match: the key is destroyed first, then recording CustomerErased fails (409 wrong_expected_revision) — the state loaded before must not linger.
    await send(t, 'post', `/v1/customers/${id}/erasure`).set('If-Match', '"7"').expect(409);
    expect(runner.cachedState(`customer-${id}`)).toBeUndefined();
    expect(runner.cachedState(`deal-${dealId}`)).toBeUndefined();
    expect(runner.cachedState(`customer-${other}`)).toBeDefined();

    // The retry completes the erasure; later commands reload from the log and see it.
    await send(t, 'post', `/v1/customers/${id}/erasure`).expect(200);
    expect(runner.cachedState(`customer-${id}`)).toBeUndefined();
    await send(t, 'post', `/v1/deals/${dealId}/lost`, { reason: 'budget' }).expect(200);
    expect((await send(t, 'post', `/v1/customers/${id}/touchpoints`, { type: 'call', direction: 'inbound', subject: 'x' }).expect(409)).body.code).toBe('customer_erased');
    expect(JSON.stringify(runner.cachedState(`customer-${id}`))).not.toContain(NAME);
  });
});
