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

  it('gives the imports, an import’s rejected lines, the sales cycle and the lifetime-value model as tables', async () => {
    const body = [{ type: 'RegisterCustomer', sourceId: 'k1', kind: 'person', name: 'Kira' }, { type: 'PlaceOrder', sourceId: 'o1', customer: 'nobody', currency: 'EUR', total: 100 }, { type: 'PlaceOrder', sourceId: 'o2', customer: 'nobody', currency: 'EUR', total: 200 }];
    const started = await request(t.http).post('/v1/imports?source=oldcrm').set('content-type', 'application/x-ndjson').send(body.map((l) => JSON.stringify(l)).join('\n')).expect(202);
    const importId = started.body.importId;
    let status = started.body;
    for (let i = 0; i < 200 && status.status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 25));
      status = (await request(t.http).get(`/v1/imports/${importId}`).expect(200)).body;
    }
    const at = await t.store.headPosition();
    const imports = parse((await csv(`/v1/imports?minPosition=${at}`)).text, { columns: true }) as Array<Record<string, string>>;
    expect(imports).toEqual([expect.objectContaining({ import_id: importId, source: 'oldcrm', status: 'completed', lines_read: '3', accepted: '1', rejected: '2', last_position: String(status.lastPosition) })]);
    const firstPage = await csv(`/v1/imports/${importId}/errors?limit=1`);
    expect(firstPage.headers['x-next-after']).toBe('2');
    expect(parse(firstPage.text, { columns: true })).toEqual([{ line: '2', source_id: 'o1', field: 'customer', code: 'unknown_reference', rule: expect.any(String), message: expect.stringContaining('does not exist') }]);
    expect(parse((await csv(`/v1/imports/${importId}/errors?after=2`)).text, { columns: true })).toEqual([expect.objectContaining({ line: '3', source_id: 'o2' })]);

    const cycle = (await request(t.http).get('/v1/pipeline/sales-cycle').expect(200)).body;
    const cycleRows = parse((await csv('/v1/pipeline/sales-cycle')).text, { columns: true }) as Array<Record<string, string>>;
    expect(cycleRows.filter((r) => r.owner === '').map((r) => r.stage)).toEqual(cycle.total.stages.map((s: { stage: string }) => s.stage));
    expect(cycleRows).toHaveLength(cycle.total.stages.length + cycle.owners.reduce((n: number, o: { stages: unknown[] }) => n + o.stages.length, 0));
    // no fit yet: the header alone
    expect((await csv('/v1/analytics/lifetime-value/model')).text).toBe('currency,fit_id,model,r,alpha,a,b,p,q,gamma,unit_days,log_likelihood_bg_nbd,log_likelihood_gamma_gamma,customers,repeat_customers,cutoff_business_time,cutoff_position,fitted_at\r\n');
  });

  it('answers errors as problem+json whatever the Accept header', async () => {
    const res = await request(t.http).get('/v1/customers?sort=-revenue').set('accept', 'text/csv').expect(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
