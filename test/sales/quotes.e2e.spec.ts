/**
 * Price lists and quotes through HTTP with authentication on (the discount limit depends on the role): the price on a
 * past date is the list version valid then; a quote takes the customer's tier discount; a seller's discount over the
 * limit waits for an admin's approval; versions supersede each other; accepting places the order and wins the deal in
 * one step, idempotently; the printable document in HTML and PDF carries the quote's id and version.
 */
import request from 'supertest';
import { inflateSync } from 'node:zlib';
import { scenarioEngines, startTestApp, type TestApp } from '../support/app';
import { expectProblem } from '../queries/helpers';

// A seeded history through HTTP before the first test: slower than the default 5 s on a loaded machine.
jest.setTimeout(60_000);

describe.each(scenarioEngines(['memory', 'sqlite']))('price lists and quotes (%s engine, authentication on)', (engine) => {
  let t: TestApp;
  let sales: Record<string, string>;
  let admin: Record<string, string>;
  const PRICE_LIST = '00000000-0000-4000-a000-0000000000a1';
  let customerId: string;
  let dealId: string;

  const at = async (res: request.Response, status = 200) => {
    if (res.status !== status) throw new Error(`expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const get = async (url: string, headers = sales) => at(await request(t.http).get(url).query({ minPosition: await t.store.headPosition() }).set(headers));

  beforeAll(async () => {
    t = await startTestApp({ engine, auth: 'required' });
    sales = { Authorization: t.bearer('sales') };
    admin = { Authorization: t.bearer('admin') };
    const publish = (validFrom: string, a: number) =>
      request(t.http).post('/v1/price-lists').set(admin).send({ priceListId: PRICE_LIST, name: 'Main EUR', currency: 'EUR', validFrom, items: [{ sku: 'A', name: 'Widget', unitPrice: a }, { sku: 'B', name: 'Gadget', unitPrice: 5000 }], tierDiscounts: { A: 5, B: 2 } });
    await at(await publish('2025-01-01', 10000), 201);
    await at(await publish('2026-03-01', 12000), 201);
    customerId = (await at(await request(t.http).post('/v1/customers').set(sales).send({ kind: 'company', name: 'Dnipro Logistics', occurredAt: '2025-06-01T09:00:00Z' }), 201)).ids.customerId;
    await at(await request(t.http).post(`/v1/customers/${customerId}/orders`).set(sales).send({ orderId: 'OLD-1', currency: 'EUR', total: 100000, occurredAt: '2025-07-01T09:00:00Z' }), 201);
    dealId = (await at(await request(t.http).post('/v1/deals').set(sales).send({ customerId, title: 'Fleet of widgets', amount: 40000, currency: 'EUR', expectedCloseDate: '2026-03-31' }), 201)).ids.dealId;
    // A ranking after the writes: the only customer with revenue is tier A.
    expect((await get(`/v1/customers/${customerId}`)).segment.tier).toBe('A');
  });
  afterAll(() => t?.close());

  it('knows the price on any date: the version valid then', async () => {
    expect((await get(`/v1/price-lists/${PRICE_LIST}/prices?on=2026-02-15`)).items[0]).toEqual({ sku: 'A', name: 'Widget', unitPrice: 10000 });
    expect(await get(`/v1/price-lists/${PRICE_LIST}/prices?on=2026-03-02`)).toMatchObject({ version: 2, validFrom: '2026-03-01', items: [{ sku: 'A', unitPrice: 12000 }, { sku: 'B', unitPrice: 5000 }] });
    expect((await request(t.http).get(`/v1/price-lists/${PRICE_LIST}/prices?on=2024-12-31`).set(sales)).status).toBe(404);
    // Only an admin publishes prices.
    expect((await request(t.http).post('/v1/price-lists').set(sales).send({ name: 'x', currency: 'EUR', validFrom: '2026-01-01', items: [{ sku: 'A', name: 'A', unitPrice: 1 }] })).status).toBe(403);
  });

  it('quotes from the list valid today with the tier discount; an over-limit discount waits for approval; versions supersede; acceptance places the order and wins the deal once', async () => {
    // The clock reads 2026-03-02: version 2 of the list. Tier A: 5 % off. B with 15 % extra: over the seller's 10 %.
    const drafted = await at(await request(t.http).post(`/v1/deals/${dealId}/quotes`).set(sales).send({ priceListId: PRICE_LIST, lines: [{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 2, discountPct: 15 }], taxRatePct: 20, validUntil: '2026-03-31' }), 201);
    const quoteId = drafted.ids.quoteId;
    let quote = await get(`/v1/quotes/${quoteId}`);
    // A: 12000 × 0.95 = 11400; B: 5000 × 0.95 × 0.85 = 4037.5 → 4038 (half up); 3 × 11400 + 2 × 4038 = 42276; tax 20 % = 8455.2 → 8455.
    expect(quote.terms).toMatchObject({ version: 1, priceListVersion: 2, customerTier: 'A', listTotal: 46000, subtotal: 42276, tax: 8455, total: 50731, maxDiscountPct: 15, needsApproval: true });
    expect(quote.terms.lines.map((l: { unitPrice: number; lineTotal: number }) => [l.unitPrice, l.lineTotal])).toEqual([[11400, 34200], [4038, 8076]]);
    expectProblem(await request(t.http).post(`/v1/quotes/${quoteId}/sending`).set(sales).send({ version: 1 }), 409, ['quoteId'], 'approval_required');
    expectProblem(await request(t.http).post(`/v1/quotes/${quoteId}/approval`).set(sales).send({ version: 1 }), 403, ['quoteId'], 'not_an_approver');
    await at(await request(t.http).post(`/v1/quotes/${quoteId}/approval`).set(admin).send({ version: 1 }));
    // The customer asks for more widgets: version 2 (10 % on B is within the limit), version 1 is superseded.
    await at(await request(t.http).post(`/v1/quotes/${quoteId}/revisions`).set(sales).send({ priceListId: PRICE_LIST, lines: [{ sku: 'A', quantity: 4 }, { sku: 'B', quantity: 2, discountPct: 10 }], taxRatePct: 20, validUntil: '2026-03-31' }));
    expectProblem(await request(t.http).post(`/v1/quotes/${quoteId}/sending`).set(sales).send({ version: 1 }), 409, ['version'], 'quote_superseded');
    expectProblem(await request(t.http).post(`/v1/quotes/${quoteId}/acceptance`).set(sales).send({ version: 2 }), 409, ['quoteId'], 'quote_not_sent');
    await at(await request(t.http).post(`/v1/quotes/${quoteId}/sending`).set(sales).send({ version: 2 }));
    const accepted = await at(await request(t.http).post(`/v1/quotes/${quoteId}/acceptance`).set({ ...sales, 'Idempotency-Key': 'accept-1' }).send({ version: 2 }));
    // 4 × 11400 + 2 × round(5000 × 0.95 × 0.9 = 4275) = 45600 + 8550 = 54150
    quote = await get(`/v1/quotes/${quoteId}`);
    expect(quote).toMatchObject({ status: 'accepted', orderId: accepted.ids.orderId, terms: { version: 2, subtotal: 54150, needsApproval: false } });
    expect(quote.versions.map((v: { version: number; approvedBy?: string; sentAt?: string; acceptedAt?: string }) => [v.version, Boolean(v.approvedBy), Boolean(v.sentAt), Boolean(v.acceptedAt)])).toEqual([
      [1, true, false, false],
      [2, false, true, true],
    ]);
    // Accepting again (a retry, with or without the key) places nothing more.
    await at(await request(t.http).post(`/v1/quotes/${quoteId}/acceptance`).set({ ...sales, 'Idempotency-Key': 'accept-1' }).send({ version: 2 }));
    await at(await request(t.http).post(`/v1/quotes/${quoteId}/acceptance`).set(sales).send({ version: 2 }));
    const customer = await get(`/v1/customers/${customerId}`);
    expect(customer.orders.placed).toBe(2);
    expect(customer.value.revenue).toBe(100000 + 54150);
    const deal = await get(`/v1/deals/${dealId}`);
    expect(deal).toMatchObject({ status: 'won', amount: 54150 });
    const history = (await get(`/v1/customers/${customerId}/history?category=quote&order=oldest&limit=20`)).items.map((e: { summary: string }) => e.summary);
    expect(history).toEqual([
      'Quote v1 drafted: 2 lines, 507.31 EUR incl. tax, discount awaiting approval',
      expect.stringMatching(/^Discount of quote v1 approved by key:/),
      'Quote v2 revised: 2 lines, 649.80 EUR incl. tax',
      'Quote v2 sent',
      `Quote v2 accepted: order ${accepted.ids.orderId}`,
    ]);

    // The printable quote carries its id and version.
    const html = await request(t.http).get(`/v1/quotes/${quoteId}/document`).set(sales);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.text).toContain(`Quote <code>${quoteId}</code>, version 2`);
    expect(html.text).toContain('541.50 EUR');
    const pdf = await request(t.http).get(`/v1/quotes/${quoteId}/document`).set({ ...sales, Accept: 'application/pdf' }).buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const bytes = pdf.body as Buffer;
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdfText(bytes)).toContain(`Quote ${quoteId}, version 2`);
  });

  it('prices from the list valid on the server’s date, whatever business time the request records', async () => {
    const openDeal = (await at(await request(t.http).post('/v1/deals').set(sales).send({ customerId, title: 'Backdated', amount: 1000, currency: 'EUR', expectedCloseDate: '2026-05-31' }), 201)).ids.dealId;
    const backdated = await at(await request(t.http).post(`/v1/deals/${openDeal}/quotes`).set(sales).send({ priceListId: PRICE_LIST, lines: [{ sku: 'A', quantity: 1 }], taxRatePct: 0, validUntil: '2026-03-31', occurredAt: '2026-02-15T09:00:00Z' }), 201);
    expect((await get(`/v1/quotes/${backdated.ids.quoteId}`)).terms).toMatchObject({ pricedOn: '2026-03-02', priceListVersion: 2, lines: [{ listPrice: 12000 }] });
    await at(await request(t.http).post(`/v1/deals/${openDeal}/lost`).set(sales).send({ reason: 'test done' }));
  });

  it('refuses what breaks the rules, with the field named, and records nothing', async () => {
    expectProblem(await request(t.http).post(`/v1/deals/${dealId}/quotes`).set(sales).send({ priceListId: PRICE_LIST, lines: [{ sku: 'A', quantity: 1 }], taxRatePct: 0, validUntil: '2026-03-31' }), 409, ['dealId'], 'deal_closed');
    dealId = (await at(await request(t.http).post('/v1/deals').set(sales).send({ customerId, title: 'Spare parts', amount: 9000, currency: 'EUR', expectedCloseDate: '2026-04-30' }), 201)).ids.dealId;
    const quoteId = (await at(await request(t.http).post(`/v1/deals/${dealId}/quotes`).set(sales).send({ priceListId: PRICE_LIST, lines: [{ sku: 'A', quantity: 1 }], taxRatePct: 0, validUntil: '2026-03-31' }), 201)).ids.quoteId;
    const before = await t.store.headPosition();
    expectProblem(await request(t.http).post(`/v1/deals/${dealId}/quotes`).set(sales).send({ priceListId: PRICE_LIST, lines: [{ sku: 'NOPE', quantity: 1 }], taxRatePct: 0, validUntil: '2026-03-31' }), 404, ['lines[0].sku'], 'sku_not_on_price_list');
    expectProblem(await request(t.http).post(`/v1/deals/${dealId}/quotes`).set(sales).send({ priceListId: PRICE_LIST, lines: [{ sku: 'A', quantity: 1 }], taxRatePct: 0, validUntil: '2026-02-01' }), 422, ['validUntil'], 'invalid_validity');
    expectProblem(await request(t.http).post(`/v1/deals/${dealId}/quotes`).set(sales).send({ priceListId: PRICE_LIST, lines: [{ sku: 'A', quantity: 0 }], taxRatePct: 0, validUntil: '2026-03-31' }), 400, ['lines[0].quantity']);
    expectProblem(await request(t.http).post(`/v1/deals/${dealId}/quotes`).set(sales).send({ priceListId: PRICE_LIST, lines: [{ sku: 'A', quantity: 1, unitPrice: 1 }], taxRatePct: 0, validUntil: '2026-03-31' }), 400, ['lines[0].unitPrice']);
    expectProblem(await request(t.http).post(`/v1/quotes/${quoteId}/rejection`).set(sales).send({ version: 1 }), 400, ['reason']);
    expect(await t.store.headPosition()).toBe(before);
    // The deal is won another way: its quote can no longer be accepted, only rejected; then it is closed.
    await at(await request(t.http).post(`/v1/quotes/${quoteId}/sending`).set(sales).send({ version: 1 }));
    await at(await request(t.http).post(`/v1/deals/${dealId}/won`).set(sales).send({}));
    expectProblem(await request(t.http).post(`/v1/quotes/${quoteId}/acceptance`).set(sales).send({ version: 1 }), 409, ['dealId'], 'deal_closed');
    await at(await request(t.http).post(`/v1/quotes/${quoteId}/rejection`).set(sales).send({ version: 1, reason: 'Bought the other offer' }));
    expectProblem(await request(t.http).post(`/v1/quotes/${quoteId}/sending`).set(sales).send({ version: 1 }), 409, ['quoteId'], 'quote_closed');
  });
});

/** The text operators of a PDF's (deflated) content streams, enough to find what a page says. */
function pdfText(pdf: Buffer): string {
  const out: string[] = [];
  const raw = pdf.toString('latin1');
  const re = /stream\r?\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(raw))) {
    const start = m.index + m[0].length;
    const end = raw.indexOf('endstream', start);
    try {
      const text = inflateSync(pdf.subarray(start, end)).toString('latin1');
      // Literal strings in TJ/Tj arrays, and hex strings (<...>) as pdfkit writes them for standard fonts.
      for (const s of text.matchAll(/<([0-9a-fA-F]+)>|\(((?:\\.|[^\\)])*)\)/g)) out.push(s[1] ? Buffer.from(s[1], 'hex').toString('latin1') : s[2]);
    } catch {
      // not a deflated stream (fonts, images)
    }
  }
  return out.join('');
}
