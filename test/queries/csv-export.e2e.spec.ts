/**
 * Lists and analytics as CSV (Accept: text/csv): the same filters and page as the JSON answer, one row per item,
 * money in minor units, the next page's cursor in X-Next-Cursor; JSON stays the default.
 */
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';

describe('CSV answers (Accept: text/csv)', () => {
  let t: TestApp;
  let head = 0;
  const post = async (path: string, body: object) => {
    const res = await request(t.http).post(path).send(body).expect(201);
    head = res.body.globalPosition;
    return res.body;
  };
  beforeAll(async () => {
    t = await startTestApp();
    for (const [i, name] of ['Ann', '=HYPERLINK("http://evil")', 'Bob, Jr.', 'Dana "D"'].entries()) {
      const id = (await post('/v1/customers', { kind: 'person', name, owner: 'sales:ivan' })).ids.customerId;
      await post(`/v1/customers/${id}/orders`, { orderId: `SO-${i}`, currency: 'EUR', lines: [{ sku: 'W', quantity: 1, unitPrice: 1000 * (i + 1), unitCost: 500 }] });
    }
  });
  afterAll(() => t.close());

  const csv = (path: string, accept = 'text/csv') => request(t.http).get(path).set('accept', accept).expect(200);

  it('pages customers as CSV with the JSON answer’s rows and cursor, quoting commas and quotes, and neutralising formulas', async () => {
    const json = (await request(t.http).get(`/v1/customers?sort=name&limit=3&minPosition=${head}`).expect(200)).body;
    const res = await csv(`/v1/customers?sort=name&limit=3&minPosition=${head}`);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="customers.csv"');
    expect(res.headers.vary).toContain('Accept');
    expect(res.headers['x-next-cursor']).toBe(json.nextCursor);
    const rows = parse(res.text, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.customer_id)).toEqual(json.items.map((c: any) => c.customerId));
    expect(rows.map((r) => r.name)).toEqual(json.items.map((c: any) => (c.name.startsWith('=') ? `'${c.name}` : c.name)));
    expect(rows[0]).toMatchObject({ currency: 'EUR', revenue_minor: String(json.items[0].value.revenue), tier: json.items[0].segment.tier });
    expect(res.text.split('\r\n')[0]).toBe('customer_id,kind,name,email,owner,external_id,tier,rfm_segment,rfm_code,currency,revenue_minor,margin_minor,orders,predicted_value_minor,predicted_by,open_complaints,last_activity_at,registered_at');
    const rest = parse((await csv(`/v1/customers?sort=name&limit=3&cursor=${encodeURIComponent(json.nextCursor)}`)).text, { columns: true });
    expect(rest).toHaveLength(1);
    expect(res.text).toContain('"Bob, Jr."');
  });

  it('keeps JSON for no Accept, */*, or JSON preferred over CSV', async () => {
    for (const accept of ['*/*', 'application/json', 'application/json, text/csv;q=0.5']) {
      const res = await request(t.http).get('/v1/customers').set('accept', accept).expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    }
    expect((await request(t.http).get('/v1/customers').expect(200)).headers['content-type']).toMatch(/^application\/json/);
    expect((await csv('/v1/customers', 'text/csv;q=0.9, application/json;q=0.8')).headers['content-type']).toMatch(/^text\/csv/);
  });

  it('gives the value distribution’s curve, the forecast and the history as tables', async () => {
    const dist = (await request(t.http).get(`/v1/analytics/value-distribution?minPosition=${head}`).expect(200)).body.currencies.EUR;
    const curve = parse((await csv('/v1/analytics/value-distribution')).text, { columns: true }) as Array<Record<string, string>>;
    expect(curve).toHaveLength(101);
    expect(curve[20]).toEqual({ currency: 'EUR', top_percent_of_customers: '20', revenue_share: String(dist.curve[20].revenueShare), margin_share: String(dist.top.find((x: any) => x.percent === 20).marginShare) });
    expect(curve[21].margin_share).toBe('');
    const forecast = (await csv('/v1/pipeline/forecast')).text.split('\r\n');
    expect(forecast[0]).toBe('period,currency,open_deals,open_amount_minor,won_so_far_minor,stage_weighted_minor,learned_weighted_minor,category_commit_minor,category_best_case_minor,submitted_minor,submissions');
    const id = (await request(t.http).get('/v1/customers?sort=name&limit=1').expect(200)).body.items[0].customerId;
    const history = parse((await csv(`/v1/customers/${id}/history`)).text, { columns: true }) as Array<Record<string, string>>;
    expect(history.map((h) => h.type)).toEqual(['OrderPlaced', 'CustomerRegistered']);
  });

  it('answers errors as problem+json whatever the Accept header', async () => {
    const res = await request(t.http).get('/v1/customers?sort=-revenue').set('accept', 'text/csv').expect(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
