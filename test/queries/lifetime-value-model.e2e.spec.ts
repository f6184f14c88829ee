/**
 * The lifetime-value model's edges over HTTP: bad requests change nothing, a currency with too few repeat
 * customers is skipped with the reason (and answers keep the heuristic, saying why), and scheduled fits run
 * and are recorded like manual ones.
 */
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { Crm, eventually, orderOf } from './helpers';

async function customersWithRepeats(crm: Crm, n: number, currency = 'EUR'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const id = await crm.register({ kind: 'person', name: `Buyer ${i}`, occurredAt: '2025-01-01T10:00:00Z' });
    await crm.order(id, { ...orderOf(currency, 1_000 + i, 400), occurredAt: '2025-01-02T10:00:00Z' });
    await crm.order(id, { ...orderOf(currency, 2_000 + i, 800), occurredAt: `2025-${String(2 + (i % 9)).padStart(2, '0')}-15T10:00:00Z` });
    ids.push(id);
  }
  return ids;
}

describe('lifetime-value model: requests and fallbacks (memory)', () => {
  let t: TestApp;
  let crm: Crm;
  beforeAll(async () => {
    t = await startTestApp({ engine: 'memory' });
    crm = new Crm(t);
    await customersWithRepeats(crm, 3);
  });
  afterAll(() => t.close());

  it('refuses bad fit requests and backtests with 400 (422 for a holdout before the calibration) naming the field, recording nothing', async () => {
    const head = await t.store.headPosition();
    const fit = (body: object) => request(t.http).post('/v1/analytics/lifetime-value/fits').send(body);
    expect((await fit({ currency: 'eur' }).expect(400)).body.errors).toEqual([expect.objectContaining({ field: 'currency' })]);
    expect((await fit({ cutoff: '1997-13-01' }).expect(400)).body.errors).toEqual([expect.objectContaining({ field: 'cutoff' })]);
    expect((await fit({ model: 'pareto' }).expect(400)).body.errors).toEqual([expect.objectContaining({ field: 'model', code: 'unknown_field' })]);
    const bt = (q: string) => request(t.http).get(`/v1/analytics/lifetime-value/backtest?${q}`);
    expect((await bt('calibrationEnd=2025-06-30&holdoutEnd=2025-03-31&currency=EUR').expect(422)).body.errors).toEqual([expect.objectContaining({ field: 'holdoutEnd' })]);
    expect((await bt('calibrationEnd=2025-06-30&currency=EUR').expect(400)).body.errors).toEqual([expect.objectContaining({ field: 'holdoutEnd' })]);
    expect((await request(t.http).get('/v1/customers/00000000-0000-4000-8000-000000000001/lifetime-value?asOf=yesterday').expect(400)).body.errors).toEqual([expect.objectContaining({ field: 'asOf' })]);
    expect(await t.store.headPosition()).toBe(head);
  });

  it('skips a currency with too few repeat customers, with the reason; answers stay heuristic and say why', async () => {
    const res = await request(t.http).post('/v1/analytics/lifetime-value/fits').send({}).expect(201);
    expect(res.body).toEqual({ fits: [], skipped: [{ currency: 'EUR', reason: expect.stringContaining('3 customers with a repeat purchase') }] });
    expect((await request(t.http).get('/v1/analytics/lifetime-value/model').expect(200)).body).toEqual({ currencies: {}, fits: 0 });
    const [item] = (await request(t.http).get(`/v1/customers?limit=1&minPosition=${crm.position}`).expect(200)).body.items;
    expect(item.lifetimeValue.predicted).toMatchObject({ method: 'heuristic', reason: expect.stringContaining('no model fitted for EUR') });
    expect((await request(t.http).get('/v1/analytics/lifetime-value/backtest?calibrationEnd=2025-06-30&holdoutEnd=2025-12-31&currency=EUR')).status).toBe(404);
  });
});

describe('lifetime-value model: scheduled fits (memory)', () => {
  let t: TestApp;
  afterAll(() => t.close());

  it('fits on a schedule and records each fit as an event with trigger scheduled', async () => {
    t = await startTestApp({ engine: 'memory', env: { TOUCHPOINT_LTV_FIT_EVERY_MS: '200', TOUCHPOINT_LTV_MIN_REPEAT_CUSTOMERS: '10' } });
    await customersWithRepeats(new Crm(t), 12);
    const model = await eventually(
      async () => (await request(t.http).get('/v1/analytics/lifetime-value/model').expect(200)).body,
      (m) => expect(m.currencies.EUR).toBeDefined(),
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    // The schedule may fire while customers are still being added: at least the minimum, at most all 12.
    expect(model.currencies.EUR).toMatchObject({ trigger: 'scheduled', currency: 'EUR', model: 'bg_nbd_gamma_gamma' });
    expect(model.currencies.EUR.repeatCustomers).toBeGreaterThanOrEqual(10);
    expect(model.currencies.EUR.repeatCustomers).toBeLessThanOrEqual(12);
    for (const v of Object.values(model.currencies.EUR.params)) expect(Number.isFinite(v) && (v as number) > 0).toBe(true);
    const events = await t.store.readStream('ltv-models');
    expect(events[0]).toMatchObject({ type: 'LifetimeValueModelFitted', metadata: { actor: 'system:ltv-scheduler' } });
  });
});
