/**
 * Payment history through HTTP: invoices, partial and full payments, a write-off, the clear errors, the figures in
 * the 360 and the payments view (computed independently here), the list filter, the timeline, and a merge.
 */
import request from 'supertest';
import { scenarioEngines, startTestApp, type TestApp } from '../support/app';
import { Crm, expectProblem, qs } from '../queries/helpers';
import { finished } from '../imports/helpers';

describe.each(scenarioEngines(['memory', 'sqlite']))('payment history (%s engine, through HTTP)', (engine) => {
  let t: TestApp;
  let crm: Crm;

  beforeAll(async () => {
    t = await startTestApp({ engine });
    crm = new Crm(t);
  });
  afterAll(() => t?.close());

  const post = (url: string, body: object) => request(t.http).post(url).send(body);

  it('records invoices, payments and a write-off as events and explains every figure', async () => {
    // The clock reads 2026-03-02T10:00Z.
    const id = await crm.register({ kind: 'company', name: 'Dnipro Logistics', occurredAt: '2025-12-01T09:00:00Z' });
    const order = await crm.order(id, { orderId: 'SO-1', currency: 'EUR', lines: [{ sku: 'A', quantity: 1, unitPrice: 30000 }], occurredAt: '2026-01-01T09:00:00Z' });
    const issue = (invoiceId: string, amount: number, occurredAt: string, dueDate: string, more = {}) =>
      crm.command('post', `/v1/customers/${id}/invoices`, { invoiceId, currency: 'EUR', amount, occurredAt, dueDate, ...more });
    // INV-1: paid in two parts, the last one 5 days after issue, on time.
    await issue('INV-1', 30000, '2026-01-02T09:00:00Z', '2026-01-16', { orderId: order });
    await crm.command('post', `/v1/customers/${id}/invoices/INV-1/payments`, { paymentId: 'BANK-1', amount: 10000, method: 'bank_transfer', occurredAt: '2026-01-05T09:00:00Z' });
    await crm.command('post', `/v1/customers/${id}/invoices/INV-1/payments`, { paymentId: 'BANK-2', amount: 20000, occurredAt: '2026-01-07T09:00:00Z' });
    // The same bank line again: nothing recorded.
    const again = await post(`/v1/customers/${id}/invoices/INV-1/payments`, { paymentId: 'BANK-2', amount: 20000, occurredAt: '2026-01-07T09:00:00Z' });
    expect(again.status).toBe(201);
    expect(again.body.events).toEqual([]);
    // INV-2: paid 25 days after issue, 11 days late.
    await issue('INV-2', 5000, '2026-01-10T09:00:00Z', '2026-01-24');
    await crm.command('post', `/v1/customers/${id}/invoices/INV-2/payments`, { paymentId: 'BANK-3', amount: 5000, occurredAt: '2026-02-04T09:00:00Z' });
    // INV-3: written off. INV-4: partly paid and overdue since 2026-02-20. INV-5: open, not yet due.
    await issue('INV-3', 7000, '2026-01-11T09:00:00Z', '2026-01-25');
    await crm.command('post', `/v1/customers/${id}/invoices/INV-3/write-off`, { reason: 'Disputed, uncollectable' });
    await issue('INV-4', 9000, '2026-02-06T09:00:00Z', '2026-02-20');
    await crm.command('post', `/v1/customers/${id}/invoices/INV-4/payments`, { paymentId: 'BANK-4', amount: 4000, occurredAt: '2026-02-25T09:00:00Z' });
    await issue('INV-5', 12000, '2026-02-27T09:00:00Z', '2026-03-13');

    const expected = {
      invoices: 5,
      openInvoices: 2,
      outstanding: { EUR: 5000 + 12000 },
      overdueInvoices: 1,
      overdueAmount: { EUR: 5000 },
      // 2026-02-20 ended at 23:59:59.999Z; by 2026-03-02T10:00Z that is 9 days and a part: the 10th day overdue.
      daysOverdue: 10,
      paid: 2,
      averageDaysToPay: (5 + 25) / 2,
      paidLateShare: 0.5,
      writtenOff: 1,
      writtenOffAmount: { EUR: 7000 },
      // paid on time 1 ÷ settled 3 (two paid, one written off)
      reliability: 0.3333,
    };
    const customer = await crm.get(`/v1/customers/${id}`);
    expect(customer.payments).toMatchObject(expected);
    expect(customer.payments.method).toContain('reliability');
    const view = await crm.get(`/v1/customers/${id}/payments`);
    expect(view).toMatchObject(expected);
    expect(view.openInvoiceList.map((i: { invoiceId: string; daysOverdue: number; outstanding: number }) => [i.invoiceId, i.outstanding, i.daysOverdue])).toEqual([
      ['INV-4', 5000, 10],
      ['INV-5', 12000, 0],
    ]);
    // Lists: the customers who pay unreliably.
    const reliable = await crm.register({ kind: 'person', name: 'On Time' });
    await crm.command('post', `/v1/customers/${reliable}/invoices`, { invoiceId: 'X-1', currency: 'EUR', amount: 100, dueDate: '2026-03-10' });
    await crm.command('post', `/v1/customers/${reliable}/invoices/X-1/payments`, { amount: 100 });
    const unreliable = await crm.get('/v1/customers', { maxPaymentReliability: 0.5 });
    expect(unreliable.items.map((c: { customerId: string }) => c.customerId)).toEqual([id]);
    // The timeline shows the payment history.
    const history = await crm.pages(`/v1/customers/${id}/history`, { category: 'payment', order: 'oldest', limit: 50 });
    expect(history.items.map((e: { summary: string }) => e.summary).slice(0, 3)).toEqual([
      'Invoice INV-1 issued: 300.00 EUR, due 2026-01-16',
      'Payment of 100.00 EUR on invoice INV-1: 200.00 EUR outstanding',
      'Payment of 200.00 EUR on invoice INV-1: settled',
    ]);
  });

  it('imports invoices, payments and write-offs from another system by their source ids, once', async () => {
    const lines = [
      { type: 'RegisterCustomer', sourceId: 'C-9', kind: 'company', name: 'Lviv Print', occurredAt: '2025-01-05T09:00:00Z' },
      { type: 'PlaceOrder', sourceId: 'SO-9', customer: 'C-9', currency: 'UAH', total: 250000, occurredAt: '2025-01-06T09:00:00Z' },
      { type: 'IssueInvoice', sourceId: 'INV-9', customer: 'C-9', order: 'SO-9', currency: 'UAH', amount: 250000, dueDate: '2025-01-20', occurredAt: '2025-01-06T10:00:00Z' },
      { type: 'RecordPayment', sourceId: 'PB-77', customer: 'C-9', invoice: 'INV-9', amount: 250000, method: 'bank_transfer', occurredAt: '2025-01-27T09:00:00Z' },
      { type: 'IssueInvoice', sourceId: 'INV-10', customer: 'C-9', currency: 'UAH', amount: 1000, dueDate: '2025-02-20', occurredAt: '2025-02-06T10:00:00Z' },
      { type: 'WriteOffInvoice', sourceId: 'WO-1', customer: 'C-9', invoice: 'INV-10', reason: 'Small balance', occurredAt: '2025-06-01T09:00:00Z' },
      // A payment above what is outstanding is rejected alone, naming its field.
      { type: 'RecordPayment', sourceId: 'PB-78', customer: 'C-9', invoice: 'INV-9', amount: 1, occurredAt: '2025-06-02T09:00:00Z' },
    ];
    const body = lines.map((l) => JSON.stringify(l)).join('\n');
    const run = async () => finished(t, (await request(t.http).post(`/v1/imports${qs({ source: 'erp' })}`).set('content-type', 'application/x-ndjson').send(body).expect(202)).body.importId);
    const first = await run();
    expect(first).toMatchObject({ accepted: 6, rejected: 1 });
    const rejected = (await request(t.http).get(`/v1/imports/${first.importId}/errors`).expect(200)).body.items[0];
    expect(rejected).toMatchObject({ sourceId: 'PB-78', code: 'business_rule', rule: 'invoice_settled', field: 'invoice' });
    // The same file again appends nothing.
    expect(await run()).toMatchObject({ accepted: 0, alreadyImported: 6 });
    const found = (await crm.get('/v1/customers', { externalId: 'erp:C-9', minPosition: first.lastPosition })).items[0];
    expect(found.payments).toMatchObject({ invoices: 2, paid: 1, paidLateShare: 1, averageDaysToPay: 21 /* 20 days 23 hours, 1 decimal */, writtenOff: 1, reliability: 0 });
  });

  it('records offers competitors made, shows them in the 360 and the timeline, and reports deals lost to each competitor', async () => {
    const id = await crm.register({ kind: 'company', name: 'Kharkiv Steel' });
    const deal = (await crm.command('post', '/v1/deals', { customerId: id, title: 'Annual supply', amount: 500000, currency: 'EUR', expectedCloseDate: '2026-04-30' })).body.ids.dealId;
    await crm.command('post', `/v1/customers/${id}/competitor-offers`, { offerId: 'CO-1', competitor: 'Rival Corp', dealId: deal, amount: 450000, currency: 'EUR', terms: '10 % off, 60 days to pay', occurredAt: '2026-02-10T09:00:00Z' });
    // The same offer reported again: nothing recorded.
    const again = await post(`/v1/customers/${id}/competitor-offers`, { offerId: 'CO-1', competitor: 'Rival Corp', occurredAt: '2026-02-10T09:00:00Z' });
    expect(again.body.events).toEqual([]);
    await crm.command('post', `/v1/customers/${id}/competitor-offers`, { competitor: 'Initech', terms: 'free delivery', occurredAt: '2026-02-12T09:00:00Z' });
    await crm.command('post', `/v1/deals/${deal}/lost`, { reason: 'Price', competitor: 'rival corp' });
    expectProblem(await post(`/v1/customers/${id}/competitor-offers`, { competitor: 'Initech', amount: 100 }), 422, ['currency'], 'amount_needs_currency');
    expectProblem(await post(`/v1/customers/${id}/competitor-offers`, { competitor: '   ' }), 422, ['competitor'], 'invalid_competitor');
    const customer = await crm.get(`/v1/customers/${id}`);
    expect(customer.competitorOffers).toEqual({
      count: 2,
      latest: {
        'rival corp': { competitor: 'Rival Corp', at: '2026-02-10T09:00:00.000Z', amount: 450000, currency: 'EUR', dealId: deal },
        initech: { competitor: 'Initech', at: '2026-02-12T09:00:00.000Z' },
      },
    });
    const history = await crm.pages(`/v1/customers/${id}/history`, { category: 'competitor', order: 'oldest', limit: 10 });
    expect(history.items.map((e: { summary: string }) => e.summary)).toEqual(['Offer from Rival Corp: 4500.00 EUR (10 % off, 60 days to pay)', 'Offer from Initech (free delivery)']);
    const report = (await crm.get('/v1/analytics/competitors')).items;
    expect(report.find((r: { competitor: string }) => r.competitor === 'Rival Corp')).toMatchObject({ offersSeen: 1, offeredAmount: { EUR: 450000 }, dealsLost: 1, lostAmount: { EUR: 500000 } });
    expect(report.find((r: { competitor: string }) => r.competitor === 'Initech')).toMatchObject({ offersSeen: 1, dealsLost: 0 });
  });

  it('refuses bad payments with a clear error naming the field, and changes nothing', async () => {
    const id = await crm.register({ kind: 'person', name: 'Petro' });
    await crm.command('post', `/v1/customers/${id}/invoices`, { invoiceId: 'B-1', currency: 'EUR', amount: 1000, dueDate: '2026-03-20' });
    const before = await t.store.headPosition();
    expectProblem(await post(`/v1/customers/${id}/invoices/B-1/payments`, { amount: 1001 }), 422, ['amount'], 'payment_exceeds_outstanding');
    expectProblem(await post(`/v1/customers/${id}/invoices/B-1/payments`, { amount: 100, currency: 'USD' }), 422, ['currency'], 'currency_mismatch');
    expectProblem(await post(`/v1/customers/${id}/invoices/NOPE/payments`, { amount: 100 }), 404, ['invoiceId'], 'invoice_not_found');
    expectProblem(await post(`/v1/customers/${id}/invoices`, { invoiceId: 'B-1', currency: 'EUR', amount: 1000, dueDate: '2026-03-20' }), 409, ['invoiceId'], 'invoice_exists');
    expectProblem(await post(`/v1/customers/${id}/invoices`, { currency: 'EUR', amount: 1000, dueDate: '2026-02-20' }), 422, ['dueDate'], 'due_before_issue');
    expectProblem(await post(`/v1/customers/${id}/invoices`, { currency: 'EUR', amount: 1000, dueDate: '2026-03-20', orderId: 'SO-404' }), 404, ['orderId'], 'order_not_found');
    expectProblem(await post(`/v1/customers/${id}/invoices`, { currency: 'EUR', amount: 0, dueDate: '2026-03-20' }), 400, ['amount']);
    expectProblem(await post(`/v1/customers/${id}/invoices`, { currency: 'EUR', amount: 10, dueDate: '20.03.2026' }), 400, ['dueDate']);
    expectProblem(await post(`/v1/customers/${id}/invoices/B-1/payments`, { amount: 100, method: 'barter' }), 400, ['method']);
    expect(await t.store.headPosition()).toBe(before);
    await crm.command('post', `/v1/customers/${id}/invoices/B-1/payments`, { amount: 1000 });
    expectProblem(await post(`/v1/customers/${id}/invoices/B-1/payments`, { amount: 1 }), 409, ['invoiceId'], 'invoice_settled');
    expectProblem(await post(`/v1/customers/${id}/invoices/B-1/write-off`, { reason: 'x' }), 409, ['invoiceId'], 'invoice_settled');
  });

  it('a merged customer’s payment figures are the group’s, and come apart again on undo', async () => {
    const a = await crm.register({ kind: 'person', name: 'Olena' });
    const b = await crm.register({ kind: 'person', name: 'Олена' });
    for (const [id, inv] of [[a, 'M-1'], [b, 'M-2']]) {
      await crm.command('post', `/v1/customers/${id}/invoices`, { invoiceId: inv, currency: 'EUR', amount: 500, dueDate: '2026-03-01', occurredAt: '2026-02-01T09:00:00Z' });
    }
    await crm.command('post', `/v1/customers/${b}/invoices/M-2/payments`, { amount: 500, occurredAt: '2026-02-10T09:00:00Z' });
    await crm.command('post', `/v1/customers/${b}/invoices`, { invoiceId: 'M-3', currency: 'EUR', amount: 300, dueDate: '2026-03-20', occurredAt: '2026-02-20T09:00:00Z' });
    const merge = await crm.command('post', `/v1/customers/${a}/merges`, { duplicateId: b, reason: 'same person' });
    // Money for the duplicate's own invoice still arrives after the merge, and is recorded where it is owed.
    await crm.command('post', `/v1/customers/${b}/invoices/M-3/payments`, { amount: 300, occurredAt: '2026-03-01T09:00:00Z' });
    expect((await crm.get(`/v1/customers/${a}`)).payments).toMatchObject({ invoices: 3, paid: 2, openInvoices: 1, reliability: 1, overdueInvoices: 1 });
    await crm.command('post', `/v1/customers/${a}/merges/${merge.body.ids.mergeId}/undo`, { reason: 'two people' });
    expect((await crm.get(`/v1/customers/${a}`)).payments).toMatchObject({ invoices: 1, paid: 0, reliability: null });
    expect((await crm.get(`/v1/customers/${b}`)).payments).toMatchObject({ invoices: 2, paid: 2, reliability: 1 });
  });
});
