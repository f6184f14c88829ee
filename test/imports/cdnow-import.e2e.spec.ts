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

  describe('predicted lifetime value (BG/NBD + Gamma-Gamma) fitted on the imported log', () => {
    let fit: Record<string, any>;
    beforeAll(async () => {
      await eventually(() => request(t.http).get(`/v1/customers${qs({ limit: 1, minPosition: first.lastPosition })}`).expect(200), undefined, { timeoutMs: 120_000, intervalMs: 200 });
      const res = await request(t.http).post('/v1/analytics/lifetime-value/fits').send({ currency: 'USD', cutoff: '1997-09-30' }).expect(201);
      expect(res.body.skipped).toEqual([]);
      fit = res.body.fits[0];
    }, 60_000);

    it('reproduces the published fit on the calibration period (Fader, Hardie & Lee 2005; Fader & Hardie 2013)', () => {
      const within = (value: number, published: number) => expect(Math.abs(value / published - 1)).toBeLessThan(0.01);
      within(fit.params.r, 0.243);
      within(fit.params.alpha, 4.414);
      within(fit.params.a, 0.793);
      within(fit.params.b, 2.426);
      expect(Math.abs(fit.logLikelihood.bgNbd - -9582.4)).toBeLessThan(1);
      within(fit.params.p, 6.25);
      within(fit.params.q, 3.74);
      within(fit.params.gamma / 100, 15.44); // fitted in cents: γ scales with the unit, p and q do not
      expect(fit).toMatchObject({ currency: 'USD', model: 'bg_nbd_gamma_gamma', customers: customers.size, unitDays: 7, cutoff: { businessTime: '1997-09-30T23:59:59.999Z' }, converged: { bgNbd: true, gammaGamma: true } });
      expect(fit.repeatCustomers).toBe(946);
    });

    it('is recorded as an event, current in GET …/model, and named by every model-based answer', async () => {
      const model = (await request(t.http).get('/v1/analytics/lifetime-value/model').expect(200)).body;
      expect(model.currencies.USD.fitId).toBe(fit.fitId);
      const id = (await request(t.http).get('/v1/customers?externalId=cdnow:0004').expect(200)).body.items[0].customerId;
      const ltv = (await request(t.http).get(`/v1/customers/${id}/lifetime-value?asOf=1997-09-30&horizonDays=273`).expect(200)).body;
      expect(ltv.predicted).toMatchObject({ method: 'bg_nbd_gamma_gamma', fit: { fitId: fit.fitId, currency: 'USD' } });
      for (const v of [ltv.predicted.revenue, ltv.predicted.purchases, ltv.predicted.pAlive]) expect(Number.isFinite(v)).toBe(true);
      expect(ltv.predicted.purchasesInterval80.low).toBeLessThanOrEqual(ltv.predicted.purchasesInterval80.high);
      expect(ltv.asOf).toBe('1997-09-30T23:59:59.999Z');
      // Before the fit's data ended there is no fit current: the heuristic answers, and says why.
      const early = (await request(t.http).get(`/v1/customers/${id}/lifetime-value?asOf=1997-06-30`).expect(200)).body;
      expect(early.predicted).toMatchObject({ method: 'heuristic', reason: expect.stringContaining('no model fitted for USD') });
    });

    it('ranks customers by predicted value with the fit (GET /v1/customers?sort=-predictedValue)', async () => {
      const page = await eventually(
        async () => (await request(t.http).get('/v1/customers?sort=-predictedValue&currency=USD&limit=20').expect(200)).body,
        (p) => expect(p.items.every((c: any) => c.segment.predictedBy === 'bg_nbd_gamma_gamma')).toBe(true),
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      const values = page.items.map((c: any) => c.segment.predictedValue);
      expect(values).toEqual([...values].sort((a: number, b: number) => b - a));
      expect(values[0]).toBeGreaterThan(0);
      expect((await request(t.http).get('/v1/customers?sort=-predictedValue')).status).toBe(422); // values never compared across currencies
    });

    it('beats the heuristic and predicting zero in the backtest on the holdout (1997-10-01 to 1998-06-30), and tracks repeat purchases', async () => {
      const bt = (await request(t.http).get('/v1/analytics/lifetime-value/backtest?calibrationEnd=1997-09-30&holdoutEnd=1998-06-30&currency=USD').expect(200)).body;
      expect(bt.customers).toBe(customers.size);
      const { model, model_median: median, heuristic, zero } = bt.predictors;
      // what happened, from the file itself: repeat purchase days and revenue after 1997-09-30
      const after = rows.filter((r) => r.date > '19970930');
      expect(model.purchases.actualTotal).toBe(new Set(after.map((r) => `${r.customer}/${r.date}`)).size);
      expect(model.revenue.actualTotal).toBe(after.reduce((s2, r) => s2 + r.cents, 0));
      // Absolute error: the model's median forecast beats both (measured: revenue MAE $26.01 vs zero $30.11, heuristic $52.16).
      for (const what of ['purchases', 'revenue'] as const) {
        expect(median[what].mae).toBeLessThan(zero[what].mae);
        expect(median[what].mae).toBeLessThan(heuristic[what].mae);
        // Squared error: the model's expectation beats both (revenue RMSE $72.30 vs zero $91.74, heuristic $102.79).
        expect(model[what].rmse).toBeLessThan(zero[what].rmse);
        expect(model[what].rmse).toBeLessThan(heuristic[what].rmse);
        // Totals: the model's expectation is nearer what happened than the heuristic's.
        expect(Math.abs(model[what].predictedTotal - model[what].actualTotal)).toBeLessThan(Math.abs(heuristic[what].predictedTotal - heuristic[what].actualTotal));
      }
      // the tracking curve: 78 weeks from the first purchase, cumulative repeat purchases close to expected at the end
      expect(bt.tracking.length).toBeGreaterThanOrEqual(78);
      const end = bt.tracking[bt.tracking.length - 1];
      expect(Math.abs(end.expected / end.actual - 1)).toBeLessThan(0.1);
    }, 60_000);
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
