/**
 * The CDNOW purchase log (test/fixtures/cdnow) imported through POST /v1/imports, as NDJSON (gzipped) and as
 * CSV with a mapping, on the embedded store. Every expected figure is computed from the raw file in ./cdnow.ts.
 */
import request from 'supertest';
import { gzipSync } from 'node:zlib';
import { startTestApp, type TestApp } from '../support/app';
import { eventually, qs } from '../queries/helpers';
import { finished } from './helpers';
import { cdnowCsv, cdnowNdjson, noonInNewYork, perCustomer, readCdnow, topShares } from './cdnow';

const rows = readCdnow();
const customers = perCustomer(rows);

async function upload(t: TestApp, body: Buffer | string, contentType: string, query: Record<string, string | undefined> = {}) {
  const res = await request(t.http).post(`/v1/imports${qs(query)}`).set('content-type', contentType).send(body);
  expect(res.status).toBe(202);
  expect(res.headers.location).toBe(`/v1/imports/${res.body.importId}`);
  return finished(t, res.body.importId);
}

/** Every customer in the list, page by page. */
async function allCustomers(t: TestApp, minPosition: number): Promise<Array<Record<string, any>>> {
  // Read models catch up after the import (slower on a MongoDB wire server): wait for them, then page.
  await eventually(() => request(t.http).get(`/v1/customers${qs({ limit: 1, minPosition })}`).expect(200), undefined, { timeoutMs: 120_000, intervalMs: 200 });
  const out: Array<Record<string, any>> = [];
  let cursor: string | undefined;
  do {
    const page = (await request(t.http).get(`/v1/customers${qs({ limit: 200, cursor, minPosition, sort: 'name' })}`).expect(200)).body;
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

describe('CDNOW import as NDJSON over HTTP (sqlite)', () => {
  let t: TestApp;
  let first: Record<string, any>;
  const body = gzipSync(cdnowNdjson(rows));

  beforeAll(async () => {
    t = await startTestApp({ engine: 'sqlite' });
    first = await upload(t, body, 'application/x-ndjson', { source: 'cdnow', timeZone: 'America/New_York' });
  }, 180_000);
  afterAll(() => t.close());

  it('accepts every line and appends one event per record', () => {
    expect(first).toMatchObject({ status: 'completed', format: 'ndjson', source: 'cdnow', linesRead: customers.size + rows.length, accepted: customers.size + rows.length, rejected: 0, alreadyImported: 0 });
    expect(first.eventsAppended).toBe(customers.size + rows.length);
    expect(first.lastPosition).toBeGreaterThan(0);
  });

  it('projects each customer with the revenue, order count and first/last purchase the file says, in 1997–98 business time', async () => {
    const listed = await allCustomers(t, first.lastPosition);
    expect(listed).toHaveLength(customers.size);
    const total = listed.reduce((s, c) => s + c.value.revenue, 0);
    expect(total).toBe(rows.reduce((s, r) => s + r.cents, 0));
    expect(total).toBe(24_409_194); // the README's 244,091.94 USD
    for (const c of listed) {
      const id = c.externalId.replace(/^cdnow:/, '');
      const expected = customers.get(id)!;
      expect({ id, revenue: c.value.revenue, orders: c.value.orders, currency: c.value.currency }).toEqual({ id, revenue: expected.revenue, orders: expected.orders, currency: 'USD' });
      const usd = (await request(t.http).get(`/v1/customers/${c.customerId}/lifetime-value`).expect(200)).body;
      expect({ id, first: usd.firstOrderAt, last: usd.lastOrderAt, occasions: usd.purchaseOccasions }).toEqual({
        id,
        occasions: expected.days, // several purchases on one day are one occasion
        first: expected.first && noonInNewYork(expected.first),
        last: expected.last && noonInNewYork(expected.last),
      });
    }
  }, 120_000);

  it('finds a customer by its id in the source system', async () => {
    const page = (await request(t.http).get('/v1/customers?externalId=cdnow:0004').expect(200)).body;
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ externalId: 'cdnow:0004', value: { revenue: customers.get('0004')!.revenue } });
  });

  it('sorts history by business time and records the import in each event', async () => {
    const id = (await request(t.http).get('/v1/customers?externalId=cdnow:0004').expect(200)).body.items[0].customerId;
    const history = (await request(t.http).get(`/v1/customers/${id}/history?order=oldest`).expect(200)).body.items;
    const dates = rows.filter((r) => r.customer === '0004').map((r) => noonInNewYork(r.date));
    expect(history.filter((h: any) => h.type === 'OrderPlaced').map((h: any) => h.occurredAt)).toEqual(dates);
    const { events } = (await request(t.http).get(`/v1/audit/customers/${id}/events`).expect(200)).body;
    expect(events[0].metadata).toMatchObject({ importId: first.importId, source: 'cdnow', sourceId: '0004', correlationId: first.importId });
    expect(events[0].recordedAt).toBe('2026-03-02T10:00:00.000Z'); // record time is when we learned it
  });

  it('gives the value distribution the published top 1/5/10/20/50 % shares', async () => {
    const expected = topShares(rows);
    const dist = await eventually(
      async () => (await request(t.http).get(`/v1/analytics/value-distribution${qs({ minPosition: first.lastPosition })}`).expect(200)).body,
      (d) => expect(d.currencies.USD?.customers).toBe(customers.size),
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    const shares = dist.currencies.USD.top.map((x: any) => x.revenueShare);
    shares.forEach((s: number, i: number) => expect(s).toBeCloseTo(expected[i], 3));
    expect(shares.map((s: number) => Math.round(s * 1000) / 10)).toEqual([14.6, 36.1, 50.8, 67.5, 89.5]);
    expect(dist.currencies.USD.margin).toBeNull(); // total-only orders: margin unknown, not zero
  });

  it('appends nothing when the same file is imported again', async () => {
    const head = await t.store.headPosition();
    const again = await upload(t, body, 'application/x-ndjson', { source: 'cdnow', timeZone: 'America/New_York' });
    expect(again).toMatchObject({ status: 'completed', accepted: 0, alreadyImported: customers.size + rows.length, rejected: 0, eventsAppended: 0 });
    // only the second import's own ImportStarted/ImportFinished
    expect(await t.store.headPosition()).toBe(head + 2);
  }, 120_000);
});

describe('CDNOW import as CSV with a mapping over HTTP (sqlite)', () => {
  let t: TestApp;
  const csv = cdnowCsv(rows);

  beforeAll(async () => {
    t = await startTestApp({ engine: 'sqlite' });
  });
  afterAll(() => t.close());

  it('imports customers then orders and projects the same figures as the file', async () => {
    const registered = await upload(t, csv.customers, 'text/csv', { source: 'cdnow', mapping: JSON.stringify(csv.customersMapping) });
    expect(registered).toMatchObject({ status: 'completed', accepted: customers.size, rejected: 0 });
    const ordered = await upload(t, csv.orders, 'text/csv', { source: 'cdnow', mapping: JSON.stringify(csv.ordersMapping) });
    expect(ordered).toMatchObject({ status: 'completed', accepted: rows.length, rejected: 0, eventsAppended: rows.length });
    const listed = await allCustomers(t, ordered.lastPosition);
    expect(listed).toHaveLength(customers.size);
    for (const c of listed) {
      const expected = customers.get(c.externalId.replace(/^cdnow:/, ''))!;
      expect([c.value.revenue, c.value.orders]).toEqual([expected.revenue, expected.orders]);
    }
    const one = listed.find((c) => c.externalId === 'cdnow:0004')!;
    const usd = (await request(t.http).get(`/v1/customers/${one.customerId}/lifetime-value`).expect(200)).body;
    expect(usd.firstOrderAt).toBe('1997-01-01T00:00:00.000Z');
  }, 180_000);
});
