/**
 * A rebuilt projection equals the live one. A seeded, generated history of
 * hundreds of events across 50 customers goes in through HTTP; the answers of
 * every query are snapshotted; the projector drops its read models and replays
 * the whole log in process; every answer must be deep-equal. The clock stays
 * fixed, so the asOf fields match too. Each engine runs once with the
 * projector's whole cache in memory and once with a cache of a few documents
 * (read back from the store when needed); a rebuild under the other setting
 * must give the same answers too.
 */
import { DEAL_STAGES, TOUCHPOINT_TYPES } from '@touchpoint/domain';
import { CUSTOMERS, PROJECTOR, type CustomerDoc, type Projector } from '@touchpoint/read-models';
import { loadConfig } from '@touchpoint/platform';
import { createProjector } from '../../apps/api/src/app.module';
import { scenarioEngines, startTestApp, type TestApp } from '../support/app';
import { Crm, T0, plusDays, type Query } from './helpers';

/** Small deterministic PRNG (mulberry32), so a failure can be replayed. */
function random(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)];
  const chance = (p: number) => next() < p;
  /** an instant between `from` and T0 (exclusive), on a whole minute */
  const between = (from: string, to = T0) => new Date(Math.floor((Date.parse(from) + next() * (Date.parse(to) - Date.parse(from))) / 60_000) * 60_000).toISOString();
  return { int, pick, chance, between };
}

const OWNERS = ['anna', 'boris', 'chen', 'dana'];
const PRICE_LIST = '00000000-0000-4000-a000-00000000e001';
const PRICE_LIST_USD = '00000000-0000-4000-a000-00000000e002';
const TAGS = ['vip', 'newsletter', 'wholesale', 'B2B', 'churn-risk'];
const CURRENCIES = ['EUR', 'EUR', 'EUR', 'EUR', 'USD', 'UAH'];
const CATEGORIES = ['delivery', 'billing', 'product'];
const SEVERITIES = ['low', 'medium', 'high', 'critical'];

/** Generates one customer's life through the API. */
async function generateCustomer(crm: Crm, r: ReturnType<typeof random>, n: number): Promise<string> {
  const registeredAt = plusDays('2025-01-01T00:00:00.000Z', r.int(0, 300));
  const id = await crm.register({
    kind: r.chance(0.3) ? 'company' : 'person',
    name: `Customer ${String(r.int(1, 40)).padStart(2, '0')}`, // repeated names on purpose
    ...(r.chance(0.8) && { owner: r.pick(OWNERS) }),
    tags: TAGS.filter(() => r.chance(0.25)),
    occurredAt: registeredAt,
  });
  if (r.chance(0.3)) await crm.command('put', `/v1/customers/${id}/preferred-channel`, { channel: r.pick(['email', 'phone', 'sms']), occurredAt: r.between(registeredAt) });
  if (r.chance(0.3)) await crm.command('put', `/v1/customers/${id}/marketing-consent`, { granted: r.chance(0.7), occurredAt: r.between(registeredAt) });
  if (r.chance(0.2)) await crm.changeProfile(id, { owner: r.pick(OWNERS), tags: TAGS.filter(() => r.chance(0.3)), occurredAt: r.between(registeredAt) });

  for (let k = r.int(0, 6); k > 0; k--) {
    await crm.touchpoint(id, { type: r.pick(TOUCHPOINT_TYPES), direction: r.chance(0.5) ? 'inbound' : 'outbound', subject: `Contact ${k}`, occurredAt: r.between(registeredAt) });
  }

  const orderIds: string[] = [];
  for (let k = r.int(0, 4); k > 0; k--) {
    const orderId = `SO-${n}-${k}`;
    const lines = Array.from({ length: r.int(1, 3) }, (_, j) => {
      const unitPrice = r.int(5, 500) * 100;
      return { sku: `SKU-${j}`, quantity: r.int(1, 4), unitPrice, unitCost: Math.round(unitPrice * (0.3 + r.int(0, 5) / 10)) };
    });
    const placedAt = r.between(registeredAt);
    const currency = r.pick(CURRENCIES);
    await crm.order(id, { orderId, currency, lines, ...(r.chance(0.5) && { channel: 'web' }), occurredAt: placedAt });
    orderIds.push(orderId);
    if (r.chance(0.5)) {
      // Payment history: an invoice for the order, paid in full, in part, late, or written off.
      const amount = lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);
      const dueDate = plusDays(placedAt, 14).slice(0, 10);
      await crm.command('post', `/v1/customers/${id}/invoices`, { invoiceId: `INV-${orderId}`, orderId, currency, amount, dueDate, occurredAt: placedAt });
      const fate = r.int(0, 3);
      if (fate <= 1) await crm.command('post', `/v1/customers/${id}/invoices/INV-${orderId}/payments`, { amount, occurredAt: plusDays(placedAt, fate === 0 ? 5 : 30) });
      else if (fate === 2) await crm.command('post', `/v1/customers/${id}/invoices/INV-${orderId}/payments`, { amount: Math.ceil(amount / 2), occurredAt: plusDays(placedAt, 3) });
      else await crm.command('post', `/v1/customers/${id}/invoices/INV-${orderId}/write-off`, { reason: 'uncollectable', occurredAt: plusDays(placedAt, 90) });
    }
    const fate = r.int(0, 6);
    if (fate === 0) await crm.cancelOrder(id, orderId, r.between(placedAt));
    else if (fate === 1) await crm.returnOrder(id, orderId, undefined, r.between(placedAt));
    else if (fate === 2) await crm.returnOrder(id, orderId, [{ sku: 'SKU-0', quantity: 1 }], r.between(placedAt));
  }

  for (let k = r.int(0, 2); k > 0; k--) {
    const filedAt = r.between(registeredAt);
    const complaintId = await crm.complaint(id, {
      category: r.pick(CATEGORIES),
      severity: r.pick(SEVERITIES),
      channel: r.pick(['email', 'phone', 'chat']),
      ...(orderIds.length && r.chance(0.5) && { orderId: r.pick(orderIds) }),
      occurredAt: filedAt,
    });
    if (r.chance(0.3)) await crm.escalate(id, complaintId, r.between(filedAt));
    if (r.chance(0.6)) await crm.resolve(id, complaintId, r.int(1, 5), r.between(filedAt));
  }

  for (let k = r.int(0, 2); k > 0; k--) {
    const task = await crm.command('post', '/v1/tasks', { customerId: id, kind: r.pick(['call', 'email', 'todo']), title: `Task ${n}-${k}`, assignee: r.pick(OWNERS), priority: r.pick(['low', 'normal', 'high']), dueAt: plusDays(T0, r.int(-10, 10)) });
    const fate = r.int(0, 3);
    if (fate === 0) await crm.command('post', `/v1/tasks/${task.body.ids.taskId}/completion`, { outcome: 'done' });
    else if (fate === 1) await crm.command('post', `/v1/tasks/${task.body.ids.taskId}/reschedule`, { dueAt: plusDays(T0, r.int(1, 20)) });
    else if (fate === 2) await crm.command('post', `/v1/tasks/${task.body.ids.taskId}/cancellation`, {});
  }
  if (r.chance(0.3)) await crm.command('post', `/v1/customers/${id}/competitor-offers`, { competitor: r.pick(['Rival Corp', 'Initech']), amount: r.int(1, 100) * 1000, currency: 'EUR', occurredAt: r.between(registeredAt) });

  for (let k = r.int(0, 2); k > 0; k--) {
    const openedAt = r.between(registeredAt);
    const dealCurrency = r.pick(['EUR', 'USD']);
    const dealId = await crm.openDeal({
      customerId: id,
      title: `Deal ${n}-${k}`,
      amount: r.int(1, 500) * 1000,
      currency: dealCurrency,
      stage: r.pick(DEAL_STAGES),
      expectedCloseDate: `2026-${String(r.int(1, 9)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`,
      owner: r.pick(OWNERS),
      occurredAt: openedAt,
    });
    for (let s = r.int(0, 2); s > 0; s--) await crm.dealStage(dealId, r.pick(DEAL_STAGES), r.between(openedAt));
    if (r.chance(0.2)) await crm.dealAmount(dealId, r.int(1, 500) * 1000);
    if (r.chance(0.3)) {
      // A quote from the price list; sometimes sent and accepted (the order placed, the deal won).
      const quote = await crm.command('post', `/v1/deals/${dealId}/quotes`, { priceListId: dealCurrency === 'EUR' ? PRICE_LIST : PRICE_LIST_USD, lines: [{ sku: 'SKU-0', quantity: r.int(1, 5) }, { sku: 'SKU-1', quantity: 1, discountPct: r.int(0, 20) }], taxRatePct: 20, validUntil: '2026-12-31' });
      if (r.chance(0.5)) {
        await crm.command('post', `/v1/quotes/${quote.body.ids.quoteId}/sending`, { version: 1 });
        if (r.chance(0.5)) {
          await crm.command('post', `/v1/quotes/${quote.body.ids.quoteId}/acceptance`, { version: 1 });
          continue;
        }
      }
    }
    const outcome = r.int(0, 4);
    if (outcome === 0) await crm.winDeal(dealId, r.between(openedAt));
    else if (outcome === 1) await crm.loseDeal(dealId, r.between(openedAt));
  }
  return id;
}

/**
 * Deep equality, except that a predicted value may differ by up to 1 %: the live projector stores a re-ranked
 * predicted value only when it moved by more than that (read-models.md), while a rebuild computes it afresh.
 */
function expectSameAnswers(after: Record<string, unknown>, live: Record<string, unknown>): void {
  const strip = (value: unknown, out: number[]): unknown => {
    if (Array.isArray(value)) return value.map((v) => strip(v, out));
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => (k === 'predictedValue' && typeof v === 'number' ? (out.push(v), [k, 'number']) : [k, strip(v, out)])));
  };
  expect(Object.keys(after)).toEqual(Object.keys(live));
  for (const key of Object.keys(live)) {
    const [a, b]: [number[], number[]] = [[], []];
    expect({ key, answer: strip(after[key], a) }).toEqual({ key, answer: strip(live[key], b) });
    const far = a.filter((x, i) => Math.abs(x - b[i]) > Math.max(1, Math.abs(b[i]) * 0.01));
    expect({ key, predictedValuesMoreThan1PercentApart: far }).toEqual({ key, predictedValuesMoreThan1PercentApart: [] });
  }
}

/** A bounded cache so small that nearly every event reads documents back from the store. */
const TINY_CACHE = '4';
const VARIANTS: Array<[string, string]> = [...scenarioEngines(['sqlite', 'memory']).map((e): [string, string] => [e, '0']), ...scenarioEngines(['sqlite']).map((e): [string, string] => [e, TINY_CACHE])];

describe.each(VARIANTS)('rebuild equals live (%s engine, projector cache %s documents per collection; 0: all)', (engine, cacheDocs) => {
  let t: TestApp;
  let crm: Crm;
  let customers: string[];

  beforeAll(async () => {
    t = await startTestApp({ engine, env: { TOUCHPOINT_PROJECTOR_CACHE_DOCS: cacheDocs } });
    crm = new Crm(t);
    const r = random(20260302);
    // The sales organisation and the price lists the history refers to.
    for (const [i, owner] of OWNERS.entries()) {
      await crm.command('put', `/v1/sales/sellers/${owner}`, { team: `team-${i % 2}`, region: i % 2 ? 'south' : 'north' });
      await crm.command('post', '/v1/sales/quotas', { scope: 'owner', name: owner, period: '2026-Q1', currency: 'EUR', amount: 500_000 });
    }
    await crm.command('post', '/v1/sales/bonus-plans', { name: 'Plan', currency: 'EUR', bands: [{ fromPct: 0, ratePct: 2 }, { fromPct: 100, ratePct: 6 }] });
    for (const currency of ['EUR', 'USD']) {
      await crm.command('post', '/v1/price-lists', { priceListId: currency === 'EUR' ? PRICE_LIST : PRICE_LIST_USD, name: currency, currency, validFrom: '2025-01-01', items: [{ sku: 'SKU-0', name: 'Widget', unitPrice: 1200 }, { sku: 'SKU-1', name: 'Gadget', unitPrice: 800 }], tierDiscounts: { A: 5 } });
    }
    customers = [];
    for (let n = 1; n <= 50; n++) customers.push(await generateCustomer(crm, r, n));
    // A second round in shuffled order, so a small projector cache must read most customers back from the store.
    const order = customers.map((id, i) => ({ id, key: r.int(0, 1_000_000) + i / 100 })).sort((a, b) => a.key - b.key);
    for (const [k, { id }] of order.entries()) {
      await crm.touchpoint(id, { type: 'email', direction: 'inbound', subject: `Round two ${k}` });
      if (k % 3 === 0) await crm.order(id, { orderId: `SO-R2-${k}`, currency: 'EUR', lines: [{ sku: 'SKU-9', quantity: 1, unitPrice: 1000 + k * 10, unitCost: 500 }] });
    }
    // Merged records (a chain: 13 into 12, then 12's group into 10), one merge undone, one customer erased.
    const merge = (survivor: number, duplicate: number) => crm.command('post', `/v1/customers/${customers[survivor]}/merges`, { duplicateId: customers[duplicate], reason: 'same person' });
    await merge(10, 11);
    await merge(12, 13);
    await merge(10, 12);
    const undone = await merge(30, 31);
    await crm.command('post', `/v1/customers/${customers[30]}/merges/${undone.body.ids.mergeId}/undo`, { reason: 'different people' });
    await crm.touchpoint(customers[10], { type: 'call' });
    await crm.command('post', `/v1/customers/${customers[20]}/erasure`, {});
  }, 120_000);
  afterAll(() => t.close());

  /** Every query answer worth comparing, as one object. */
  async function snapshot() {
    const shot: Record<string, unknown> = {};
    const sample = customers.filter((_, i) => i % 5 === 0);
    for (const id of sample) {
      shot[`360 ${id}`] = await crm.get(`/v1/customers/${id}`);
      shot[`ltv ${id} 90d`] = await crm.get(`/v1/customers/${id}/lifetime-value`, { horizonDays: 90 });
      shot[`history ${id}`] = (await crm.pages(`/v1/customers/${id}/history`, { limit: 7 })).items;
      shot[`history ${id} phone,email oldest`] = (await crm.get(`/v1/customers/${id}/history`, { channel: 'phone,email', order: 'oldest' })).items;
    }
    const lists: Query[] = [
      {},
      { sort: 'name' },
      { sort: '-lastActivityAt' },
      { sort: 'revenue', currency: 'EUR' },
      { tier: 'A' },
      { tier: 'B,C', sort: '-margin', currency: 'EUR' },
      { currency: 'USD', minRevenue: 10_000, sort: '-revenue' },
      { rfmSegment: 'champions,new,hibernating' },
      { tag: 'vip' },
      { owner: 'anna', sort: 'registeredAt' },
      { minOpenComplaints: 1 },
    ];
    for (const query of lists) shot[`list ${JSON.stringify(query)}`] = (await crm.pages('/v1/customers', { ...query, limit: 13 })).items;
    for (const id of sample) shot[`payments ${id}`] = await crm.get(`/v1/customers/${id}/payments`);
    for (const owner of OWNERS) shot[`tasks ${owner}`] = (await crm.pages('/v1/tasks', { assignee: owner, limit: 9 })).items;
    shot['tasks overdue'] = (await crm.pages('/v1/tasks', { status: 'overdue', limit: 9 })).items;
    shot['customers with overdue tasks'] = (await crm.pages('/v1/customers', { overdueTasks: 'true', limit: 9 })).items;
    shot['customers paying unreliably'] = (await crm.pages('/v1/customers', { maxPaymentReliability: 0.5, limit: 9 })).items;
    shot.attainment = await crm.get('/v1/sales/attainment', { period: '2026-Q1' });
    shot.regions = await crm.get('/v1/sales/regions', { period: '2026-Q1' });
    shot.competitors = await crm.get('/v1/analytics/competitors');
    shot.prices = await crm.get(`/v1/price-lists/${PRICE_LIST}/prices`, { on: '2026-02-01' });
    shot.distribution = await crm.get('/v1/analytics/value-distribution');
    shot.service = await crm.get('/v1/analytics/service');
    for (const query of [{}, { period: 'quarter' }, { owner: 'boris' }, { currency: 'USD', period: 'quarter' }] as Query[]) {
      shot[`forecast ${JSON.stringify(query)}`] = await crm.get('/v1/pipeline/forecast', query);
    }
    return shot;
  }

  it('generated a sizeable history', async () => {
    // hundreds of events: registrations, touchpoints, orders, returns, complaints, deals
    expect(await t.store.headPosition()).toBeGreaterThan(400);
    const all = await crm.pages('/v1/customers', { limit: 200 });
    expect(all.items).toHaveLength(47); // 50, less the three records merged into others
    const tiers = new Set(all.items.map((c: { segment: { tier: string } }) => c.segment.tier));
    expect([...tiers].sort()).toEqual(['A', 'B', 'C']);
  });

  it('a rebuild from the log gives exactly the same answers, and live projection resumes after it', async () => {
    const live = await snapshot();
    // The sales desk's read models hold something to compare.
    expect((live.attainment as { items: unknown[] }).items.length).toBeGreaterThan(0);
    expect((live.competitors as { items: unknown[] }).items.length).toBeGreaterThan(0);
    expect(OWNERS.every((o) => (live[`tasks ${o}`] as unknown[]).length > 0)).toBe(true);
    expect(Object.entries(live).filter(([k, v]) => k.startsWith('payments') && (v as { invoices: number }).invoices > 0).length).toBeGreaterThan(0);
    const projector = t.app.get<Projector>(PROJECTOR);

    // damage a stored read model behind the projector's back: only a replay from the log repairs it
    const victim = customers[5];
    const doc = await t.readStore.get<CustomerDoc>(CUSTOMERS, victim);
    await t.readStore.write({ upserts: [{ collection: CUSTOMERS, doc: { ...doc!, name: 'CORRUPTED', touchpoints: { ...doc!.touchpoints, total: -1 } } }], deletes: [], checkpoints: [] });
    expect((await crm.get(`/v1/customers/${victim}`)).name).toBe('CORRUPTED');

    await projector.stop();
    const rebuilt = await projector.rebuild();
    await projector.start();

    expect(rebuilt.events).toBe(await t.store.headPosition());
    expect(projector.position).toBe(await t.store.headPosition());
    const after = await snapshot();
    expect(Object.keys(after)).toEqual(Object.keys(live));
    expectSameAnswers(after, live);

    // the projector follows new writes again
    const id = customers[0];
    const before = (await crm.get(`/v1/customers/${id}`)).touchpoints.total;
    await crm.touchpoint(id, { type: 'call' });
    expect((await crm.get(`/v1/customers/${id}`)).touchpoints.total).toBe(before + 1);
  }, 30_000);

  it(`a projector with the other cache setting (${cacheDocs === '0' ? TINY_CACHE : 'all'} documents) rebuilds to the same answers`, async () => {
    const live = await snapshot();
    const projector = t.app.get<Projector>(PROJECTOR);
    await projector.stop();
    const config = loadConfig({ TOUCHPOINT_DATA_DIR: t.dataDir, TOUCHPOINT_SEGMENT_EVERY_MS: '0', TOUCHPOINT_PROJECTOR_CACHE_DOCS: cacheDocs === '0' ? TINY_CACHE : '0' });
    // Small batches too, so a bounded rebuild evicts and reads back between them (one batch would hold the whole log).
    const other = createProjector({ config, engines: { eventStore: t.store, readStore: t.readStore }, clock: t.clock }, undefined, cacheDocs === '0' ? { rebuildBatchSize: 7 } : {});
    expect((await other.rebuild()).events).toBe(await t.store.headPosition());
    await projector.start(); // reloads its cache from the store the other one wrote
    const after = await snapshot();
    expectSameAnswers(after, live);
  }, 60_000);

  it('rebuilding twice in a row changes nothing', async () => {
    const first = await snapshot();
    const projector = t.app.get<Projector>(PROJECTOR);
    await projector.stop();
    await projector.rebuild();
    await projector.rebuild();
    await projector.start();
    expect(await snapshot()).toEqual(first);
  }, 30_000);
});
