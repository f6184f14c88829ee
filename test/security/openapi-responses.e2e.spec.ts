/**
 * The OpenAPI document tells the truth about answers: every JSON read has a typed schema (generated from the
 * controller's return type by scripts/openapi-responses.js), and on a seeded record every read's answer meets it
 * strictly — each declared field of the right type, every required one present, and no field the document does not
 * declare (objects without an open map are closed here). After changing what a read returns, run
 * `npm run openapi:metadata`.
 */
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { Crm } from '../queries/helpers';
import { finished } from '../imports/helpers';

type Schema = Record<string, unknown>;
interface Operation {
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

/** Reads that answer text or bytes, not JSON. */
const NOT_JSON = ['get /metrics', 'get /v1/calendar/{file}', 'get /v1/quotes/{id}/document'];

/** Closes every object that lists its properties and leaves additionalProperties open, so extra fields fail. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Schema = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === 'properties' ? Object.fromEntries(Object.entries(v as Schema).map(([p, s]) => [p, closed(s)])) : closed(v)]));
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

describe('OpenAPI document: every read answers its documented schema', () => {
  let t: TestApp;
  let crm: Crm;
  let doc: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp({ engine: 'sqlite' });
    crm = new Crm(t);
    doc = (await request(t.http).get('/openapi.json').expect(200)).body;

    // A record with something in every read model: two customers and a duplicate, touchpoints, orders, a complaint
    // resolved, an invoice paid, a competitor's offer, deals won and open, a task, a price list and a quote, sellers
    // and a quota, a merge, a webhook subscription, an import and a lifetime-value fit.
    const customer = (ids.customer = await crm.register({ kind: 'person', name: 'Olena Koval', email: 'olena@example.com', phone: '+380441234567', owner: 'sales.anna', tags: ['vip'], occurredAt: '2025-01-10T09:00:00Z' }));
    const company = await crm.register({ kind: 'company', name: 'Acme Ltd', owner: 'sales.boris', occurredAt: '2025-02-01T09:00:00Z' });
    ids.duplicate = await crm.register({ kind: 'person', name: 'Olena Koval', email: 'olena@example.com', occurredAt: '2025-03-01T09:00:00Z' });
    const twin = await crm.register({ kind: 'person', name: 'Olena Kovalenko', email: 'olena.k@example.com', phone: '+380441234567', occurredAt: '2025-03-02T09:00:00Z' });
    await crm.touchpoint(customer, { type: 'call', occurredAt: '2025-04-01T09:00:00Z' });
    await crm.touchpoint(customer, { type: 'email', direction: 'outbound', occurredAt: '2025-04-02T09:00:00Z' });
    for (const [who, at, total] of [[customer, '2025-05-01T09:00:00Z', 120_00], [customer, '2025-09-01T09:00:00Z', 80_00], [company, '2025-06-01T09:00:00Z', 900_00]] as const) {
      await crm.order(who, { currency: 'EUR', lines: [{ sku: 'MUG-1', quantity: 2, unitPrice: total / 2, unitCost: total / 4 }], occurredAt: at });
    }
    const complaint = await crm.complaint(customer, { occurredAt: '2025-05-03T09:00:00Z' });
    await crm.resolve(customer, complaint, 4, '2025-05-05T09:00:00Z');
    await crm.command('post', `/v1/customers/${customer}/invoices`, { invoiceId: 'INV-1', currency: 'EUR', amount: 12_000, dueDate: '2025-05-31', occurredAt: '2025-05-01T10:00:00Z' });
    await crm.command('post', `/v1/customers/${customer}/invoices/INV-1/payments`, { amount: 12_000, occurredAt: '2025-05-20T10:00:00Z' });
    await crm.command('post', `/v1/customers/${company}/competitor-offers`, { competitor: 'Rival Corp', amount: 50_000, currency: 'EUR', occurredAt: '2025-06-02T09:00:00Z' });
    ids.deal = await crm.openDeal({ customerId: customer, title: 'Renewal', owner: 'sales.anna', stage: 'lead', amount: 500_00, currency: 'EUR', expectedCloseDate: '2026-04-30', occurredAt: '2025-10-01T09:00:00Z' } as never);
    await crm.dealStage(ids.deal, 'qualified', '2025-10-05T09:00:00Z');
    const won = await crm.openDeal({ customerId: company, title: 'Fleet', owner: 'sales.boris', stage: 'lead', amount: 900_00, currency: 'EUR', expectedCloseDate: '2025-12-31', occurredAt: '2025-09-01T09:00:00Z' } as never);
    await crm.winDeal(won, '2025-11-15T09:00:00Z');
    ids.task = (await crm.command('post', '/v1/tasks', { customerId: customer, kind: 'call', title: 'Call about the renewal', dueAt: '2026-03-02T14:00:00Z', assignee: 'sales.anna' })).body.ids.taskId;
    ids.priceList = (await crm.command('post', '/v1/price-lists', { name: 'Main EUR', currency: 'EUR', validFrom: '2026-01-01', items: [{ sku: 'A', name: 'Widget', unitPrice: 10_000 }] })).body.ids.priceListId;
    ids.quote = (await crm.command('post', `/v1/deals/${ids.deal}/quotes`, { priceListId: ids.priceList, lines: [{ sku: 'A', quantity: 2 }], taxRatePct: 20, validUntil: '2026-03-31' })).body.ids.quoteId;
    await crm.command('put', '/v1/sales/sellers/sales.anna', { team: 'north', region: 'EU' });
    await crm.command('post', '/v1/sales/quotas', { scope: 'owner', name: 'sales.anna', period: '2026-03', currency: 'EUR', amount: 100_000 });
    await crm.command('post', `/v1/customers/${customer}/merges`, { duplicateId: twin, reason: 'same person', occurredAt: '2025-12-01T09:00:00Z' });
    ids.subscription = (await crm.command('post', '/v1/subscriptions', { url: 'https://hooks.example.com/touchpoint', categories: ['customer'] })).body.subscription.subscriptionId;
    // 120 imported buyers with repeat purchases on both sides of 2025-08-31, so the lifetime-value fit and its
    // backtest have data; one bad line, so the import has an error to list.
    const lines = [{ type: 'RegisterCustomer', sourceId: 'BAD' }];
    for (let i = 0; i < 120; i++) {
      lines.push({ type: 'RegisterCustomer', sourceId: `C${i}`, kind: 'person', name: `Buyer ${i}`, occurredAt: '2025-01-02T09:00:00Z' } as never);
      for (let k = 0; k < 2 + (i % 3); k++) {
        const offset = k < 2 ? (i * 3 + k * 90) % 230 : 250 + ((i * 5 + k * 17) % 150);
        const day = new Date(Date.parse('2025-01-05T12:00:00Z') + offset * 86_400_000).toISOString();
        lines.push({ type: 'PlaceOrder', sourceId: `O${i}-${k}`, customer: `C${i}`, currency: 'EUR', total: 1000 + ((i * 37 + k * 11) % 50) * 100, occurredAt: day } as never);
      }
    }
    const imported = await request(t.http).post('/v1/imports').set('content-type', 'application/x-ndjson').send(lines.map((l) => JSON.stringify(l)).join('\n')).expect(202);
    ids.import = imported.body.importId;
    await finished(t, ids.import);
    await request(t.http).post('/v1/analytics/lifetime-value/fits').send({ currency: 'EUR', cutoff: '2026-02-28' }).expect(201);
    // An erased customer: its reads carry erased values ('[erased]', [], { erased: true }) that must fit the schemas too.
    ids.erased = await crm.register({ kind: 'person', name: 'Taras Shevchuk', email: 'taras@example.com', address: { line1: 'Rynok Square 1', city: 'Lviv', country: 'UA' }, tags: ['press'], occurredAt: '2025-02-01T09:00:00Z' });
    await crm.order(ids.erased, { currency: 'EUR', lines: [{ sku: 'MUG-1', quantity: 1, unitPrice: 1000, unitCost: 400 }], occurredAt: '2025-02-02T09:00:00Z' });
    await crm.command('post', `/v1/customers/${ids.erased}/erasure`);
    await crm.get(`/v1/customers/${customer}`);
  }, 60_000);
  afterAll(async () => t.close());

  const reads = () =>
    Object.entries(doc.paths).flatMap(([path, ops]) => (ops.get && !NOT_JSON.includes(`get ${path}`) ? [{ path, op: ops.get }] : []));

  it('types every JSON read: no answer documented as a bare object', () => {
    expect(reads().length).toBeGreaterThanOrEqual(40);
    const untyped = reads().filter(({ op }) => {
      const schema = op.responses['200']?.content?.['application/json']?.schema;
      return !schema || (schema.type === 'object' && !schema.properties && !schema.additionalProperties);
    });
    expect(untyped.map(({ path }) => path)).toEqual([]);
  });

  it('every read of the seeded record answers 200 and meets its schema, closed to undeclared fields', async () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'openapi', components: { schemas: closed(doc.components.schemas) } });
    const param = (path: string, name: string): string => {
      if (name === 'streamId') return `customer-${ids.customer}`;
      if (name === 'importId') return ids.import;
      const resource = path.split('/')[2];
      const byResource: Record<string, string> = { customers: ids.customer, audit: ids.customer, deals: ids.deal, tasks: ids.task, 'price-lists': ids.priceList, quotes: ids.quote, subscriptions: ids.subscription };
      return byResource[resource] ?? ids.customer;
    };
    const REQUIRED_QUERY: Record<string, string> = { duplicateId: ids.duplicate, period: '2026-03', calibrationEnd: '2025-08-31', holdoutEnd: '2026-02-28', currency: 'EUR', on: '2026-02-15' };
    const failures: string[] = [];
    let validated = 0;
    // Reads of one customer run twice: on the full record and on the erased one.
    const customerReads = reads().filter(({ path }) => /^\/v1\/(audit\/)?customers\/\{id\}/.test(path) && !/merges|duplicates/.test(path)); // an erased record has no duplicates to find or merge
    for (const { path, op, erased } of [...reads().map((r) => ({ ...r, erased: false })), ...customerReads.map((r) => ({ ...r, erased: true }))]) {
      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(erased ? ids.erased : param(path, name)));
      const query = Object.fromEntries((op.parameters ?? []).filter((p) => p.in === 'query' && p.required).map((p) => [p.name, REQUIRED_QUERY[p.name]]));
      const res = await request(t.http).get(url).query(query);
      if (res.status !== 200) {
        failures.push(`${url} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        continue;
      }
      const schema = op.responses['200'].content!['application/json'].schema!;
      const validate = ajv.compile(JSON.parse(JSON.stringify(closed(schema)).replaceAll('"#/components/', '"openapi#/components/')));
      if (!validate(res.body)) failures.push(`${url}: ${JSON.stringify(validate.errors?.slice(0, 5))}`);
      validated++;
    }
    expect(failures).toEqual([]);
    expect(customerReads.length).toBeGreaterThanOrEqual(7);
    expect(validated).toBe(reads().length + customerReads.length);
  }, 60_000);
});
