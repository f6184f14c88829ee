/**
 * Rejected commands: validation (400/413/415), domain rules (404/409/422).
 * Every case goes through expectRejected, which also asserts the event store
 * did not move (headPosition before === after).
 */
import { startTestApp, type TestApp } from '../support/app';
import { UNKNOWN_ID, call, company, complaint, deal, expectRejected, order, person, registerCustomer, send, type Headers, type Method } from './helpers';

interface Fixtures {
  /** a person with order SO-1 (3×MUG-1, 2×TEE-2) and open complaint CASE-1 */
  personId: string;
  /** a company with one contact */
  companyId: string;
  contactId: string;
  dealId: string;
}

interface Case {
  name: string;
  method: Method;
  url: (f: Fixtures) => string;
  body?: unknown | ((f: Fixtures) => unknown);
  headers?: Headers;
  status: number;
  code: string;
  fields?: string[];
}

const customer = (f: Fixtures) => `/v1/customers/${f.personId}`;
const touchpoints = (f: Fixtures) => `${customer(f)}/touchpoints`;
const orders = (f: Fixtures) => `${customer(f)}/orders`;
const returns = (f: Fixtures) => `${customer(f)}/orders/SO-1/returns`;
const complaints = (f: Fixtures) => `${customer(f)}/complaints`;
const deals = () => '/v1/deals';
const dealUrl = (path: string) => (f: Fixtures) => `/v1/deals/${f.dealId}/${path}`;
const line = (extra: Record<string, unknown>) => ({ currency: 'EUR', lines: [{ sku: 'MUG-1', quantity: 1, unitPrice: 100, unitCost: 50, ...extra }] });
const openDealBody = (extra: Record<string, unknown>) => (f: Fixtures) => deal(f.personId, extra);

/** 400 validation_failed naming `field`. */
const invalid = (name: string, method: Method, url: Case['url'], body: Case['body'], fields: string[], headers?: Headers): Case => ({
  name,
  method,
  url,
  body,
  headers,
  status: 400,
  code: 'validation_failed',
  fields,
});

const WRONG_TYPES: Case[] = [
  invalid('register: kind is a number', 'post', () => '/v1/customers', { kind: 1, name: 'x' }, ['kind']),
  invalid('register: name is a number', 'post', () => '/v1/customers', { kind: 'person', name: 42 }, ['name']),
  invalid('register: email is not an email', 'post', () => '/v1/customers', person({ email: 'not-an-email' }), ['email']),
  invalid('register: tags is a string', 'post', () => '/v1/customers', person({ tags: 'vip' }), ['tags']),
  invalid('register: customerId is not a UUID', 'post', () => '/v1/customers', person({ customerId: 'c-1' }), ['customerId']),
  invalid('register: address.country is not ISO 3166', 'post', () => '/v1/customers', person({ address: { line1: 'x', city: 'Kyiv', country: 'ua' } }), ['address.country']),
  invalid('register: occurredAt is not a date', 'post', () => '/v1/customers', person({ occurredAt: 'yesterday' }), ['occurredAt']),
  invalid('register: occurredAt is not a calendar date', 'post', () => '/v1/customers', person({ occurredAt: '2026-02-30T10:00:00Z' }), ['occurredAt']),
  invalid('patch: name is a number', 'patch', customer, { name: 42 }, ['name']),
  invalid('touchpoint: durationSeconds is a string (no coercion)', 'post', touchpoints, call({ durationSeconds: '60' }), ['durationSeconds']),
  invalid('touchpoint: url is not http(s)', 'post', touchpoints, call({ url: 'ftp://files.example/x' }), ['url']),
  invalid('marketing consent: granted is a string', 'put', (f) => `${customer(f)}/marketing-consent`, { granted: 'true' }, ['granted']),
  invalid('order: lines is not an array', 'post', orders, { currency: 'EUR', lines: 'MUG-1' }, ['lines']),
  invalid('deal: amount is a string', 'post', deals, openDealBody({ amount: '100' }), ['amount']),
  invalid('deal: customerId is not a UUID', 'post', deals, openDealBody({ customerId: 'abc' }), ['customerId']),
  invalid('deal close date: not YYYY-MM-DD', 'post', dealUrl('close-date'), { expectedCloseDate: '30/06/2026' }, ['expectedCloseDate']),
];

const MISSING: Case[] = [
  invalid('register: empty body', 'post', () => '/v1/customers', {}, ['kind', 'name']),
  invalid('register: JSON null body', 'post', () => '/v1/customers', null, ['body'], { 'content-type': 'application/json' }),
  invalid('contact: no name', 'post', (f) => `/v1/customers/${f.companyId}/contacts`, { role: 'Buyer' }, ['name']),
  invalid('preferred channel: no channel', 'put', (f) => `${customer(f)}/preferred-channel`, {}, ['channel']),
  invalid('touchpoint: no subject', 'post', touchpoints, { type: 'call', direction: 'inbound' }, ['subject']),
  invalid('order: no lines', 'post', orders, { currency: 'EUR' }, ['lines']),
  invalid('order: empty lines', 'post', orders, { currency: 'EUR', lines: [] }, ['lines']),
  invalid('order: line without sku and price', 'post', orders, { currency: 'EUR', lines: [{ quantity: 1, unitCost: 1 }] }, ['lines[0].sku', 'lines[0].unitPrice']),
  invalid('complaint: no description', 'post', complaints, { category: 'x', severity: 'low', channel: 'email' }, ['description']),
  invalid('escalation: no reason', 'post', (f) => `${complaints(f)}/CASE-1/escalation`, {}, ['reason']),
  invalid('resolution: no satisfaction', 'post', (f) => `${complaints(f)}/CASE-1/resolution`, { resolution: 'done' }, ['satisfaction']),
  invalid('deal: no expectedCloseDate', 'post', deals, (f: Fixtures) => ({ customerId: f.personId, title: 't', amount: 1, currency: 'EUR' }), ['expectedCloseDate']),
  invalid('deal stage: no stage', 'post', dealUrl('stage'), {}, ['stage']),
  invalid('deal lost: no reason', 'post', dealUrl('lost'), {}, ['reason']),
];

const UNKNOWN_FIELDS: Case[] = [
  invalid('register: unknown top-level field', 'post', () => '/v1/customers', person({ isAdmin: true }), ['isAdmin']),
  invalid('register: unknown nested field', 'post', () => '/v1/customers', person({ address: { line1: 'x', city: 'Kyiv', country: 'UA', floor: 3 } }), ['address.floor']),
  invalid('patch: kind cannot be patched', 'patch', customer, { kind: 'company' }, ['kind']),
  invalid('patch: customerId cannot be patched', 'patch', customer, { customerId: UNKNOWN_ID }, ['customerId']),
  invalid('order: unknown field in a line', 'post', orders, line({ foo: 1 }), ['lines[0].foo']),
  invalid('returns: unknown field in a line', 'post', returns, { lines: [{ sku: 'MUG-1', quantity: 1, discount: 5 }] }, ['lines[0].discount']),
  invalid('deal: unknown top-level field', 'post', deals, openDealBody({ probability: 0.4 }), ['probability']),
  invalid('deal won: unknown field', 'post', dealUrl('won'), { status: 'won' }, ['status']),
  invalid('top-level JSON array instead of an object', 'post', () => '/v1/customers', [person()], ['body']),
];

const BAD_ENUMS: Case[] = [
  invalid('register: kind robot', 'post', () => '/v1/customers', { kind: 'robot', name: 'R2' }, ['kind']),
  invalid('touchpoint: type pigeon', 'post', touchpoints, call({ type: 'pigeon' }), ['type']),
  invalid('touchpoint: direction sideways', 'post', touchpoints, call({ direction: 'sideways' }), ['direction']),
  invalid('touchpoint: channel telepathy', 'post', touchpoints, call({ channel: 'telepathy' }), ['channel']),
  invalid('preferred channel: carrier_pigeon', 'put', (f) => `${customer(f)}/preferred-channel`, { channel: 'carrier_pigeon' }, ['channel']),
  invalid('complaint: severity urgent', 'post', complaints, complaint({ severity: 'urgent' }), ['severity']),
  invalid('deal: open at stage closed', 'post', deals, openDealBody({ stage: 'closed' }), ['stage']),
  invalid('deal stage: won is an outcome, not a stage', 'post', dealUrl('stage'), { stage: 'won' }, ['stage']),
];

const NUMBERS: Case[] = [
  invalid('order: negative unitPrice', 'post', orders, line({ unitPrice: -1 }), ['lines[0].unitPrice']),
  invalid('order: float unitPrice', 'post', orders, line({ unitPrice: 12.5 }), ['lines[0].unitPrice']),
  invalid('order: negative unitCost', 'post', orders, line({ unitCost: -0.5 }), ['lines[0].unitCost']),
  invalid('order: quantity 0', 'post', orders, line({ quantity: 0 }), ['lines[0].quantity']),
  invalid('order: fractional quantity', 'post', orders, line({ quantity: 1.5 }), ['lines[0].quantity']),
  invalid('order: unitPrice beyond safe integers', 'post', orders, line({ unitPrice: 2 ** 53 }), ['lines[0].unitPrice']),
  invalid('returns: quantity 0', 'post', returns, { lines: [{ sku: 'MUG-1', quantity: 0 }] }, ['lines[0].quantity']),
  invalid('touchpoint: negative duration', 'post', touchpoints, call({ durationSeconds: -1 }), ['durationSeconds']),
  invalid('resolution: satisfaction 6', 'post', (f) => `${complaints(f)}/CASE-1/resolution`, { resolution: 'done', satisfaction: 6 }, ['satisfaction']),
  invalid('resolution: satisfaction 0', 'post', (f) => `${complaints(f)}/CASE-1/resolution`, { resolution: 'done', satisfaction: 0 }, ['satisfaction']),
  invalid('resolution: satisfaction 4.5', 'post', (f) => `${complaints(f)}/CASE-1/resolution`, { resolution: 'done', satisfaction: 4.5 }, ['satisfaction']),
  invalid('deal: negative amount', 'post', deals, openDealBody({ amount: -100 }), ['amount']),
  invalid('deal: float amount', 'post', deals, openDealBody({ amount: 99.99 }), ['amount']),
  invalid('deal amount: negative', 'post', dealUrl('amount'), { amount: -1 }, ['amount']),
  invalid('deal won: float final amount', 'post', dealUrl('won'), { amount: 1.5 }, ['amount']),
];

const CURRENCIES: Case[] = [
  invalid('order: currency XXQ', 'post', orders, { ...line({}), currency: 'XXQ' }, ['currency']),
  invalid('deal: currency XXQ', 'post', deals, openDealBody({ currency: 'XXQ' }), ['currency']),
  invalid('deal amount: currency XXQ', 'post', dealUrl('amount'), { amount: 1, currency: 'XXQ' }, ['currency']),
];

const OPERATOR_INPUT: Case[] = [
  invalid('register: name {$gt:""}', 'post', () => '/v1/customers', { kind: 'person', name: { $gt: '' } }, ['name']),
  invalid('register: email {$ne:null}', 'post', () => '/v1/customers', person({ email: { $ne: null } }), ['email']),
  invalid('patch: tags [{$gt:""}]', 'patch', customer, { tags: [{ $gt: '' }] }, ['tags']),
  invalid('touchpoint: subject {$regex}', 'post', touchpoints, call({ subject: { $regex: '.*' } }), ['subject']),
  invalid('order: orderId {$gt:""}', 'post', orders, { ...line({}), orderId: { $gt: '' } }, ['orderId']),
  invalid('order: orderId "$where"', 'post', orders, { ...line({}), orderId: '$where' }, ['orderId']),
  invalid('complaint: complaintId "../etc/passwd"', 'post', complaints, complaint({ complaintId: '../etc/passwd' }), ['complaintId']),
  invalid('deal: customerId {$ne:null}', 'post', deals, openDealBody({ customerId: { $ne: null } }), ['customerId']),
];

const BAD_PATHS: Case[] = [
  invalid('patch: id is not a UUID', 'patch', () => '/v1/customers/abc', { name: 'x' }, ['path:id']),
  invalid('touchpoint: id is not a UUID', 'post', () => '/v1/customers/123/touchpoints', call(), ['path:id']),
  invalid('remove contact: contactId is not a UUID', 'delete', (f) => `/v1/customers/${f.companyId}/contacts/xyz`, undefined, ['path:contactId']),
  invalid('cancel: orderId with a space', 'post', (f) => `${customer(f)}/orders/bad%20id/cancellation`, {}, ['path:orderId']),
  invalid('returns: orderId "$gt"', 'post', (f) => `${customer(f)}/orders/$gt/returns`, {}, ['path:orderId']),
  invalid('escalation: caseId starting with a dot', 'post', (f) => `${complaints(f)}/.hidden/escalation`, { reason: 'x' }, ['path:caseId']),
  invalid('deal stage: id is not a UUID', 'post', () => '/v1/deals/not-a-uuid/stage', { stage: 'qualified' }, ['path:id']),
  invalid('deal won: id is a SQL-ish string', 'post', () => "/v1/deals/1'%20OR%20'1'='1/won", {}, ['path:id']),
];

const BAD_HEADERS: Case[] = [
  invalid('X-Actor with a space', 'post', touchpoints, call(), ['header:X-Actor'], { 'X-Actor': 'agent maria' }),
  invalid('X-Actor longer than 128', 'post', touchpoints, call(), ['header:X-Actor'], { 'X-Actor': 'a'.repeat(129) }),
  invalid('X-Actor with operator characters', 'post', () => '/v1/customers', person(), ['header:X-Actor'], { 'X-Actor': '{"$gt":""}' }),
  invalid('X-Correlation-Id with a slash', 'post', touchpoints, call(), ['header:X-Correlation-Id'], { 'X-Correlation-Id': 'a/b' }),
  invalid('If-Match not a revision', 'post', touchpoints, call(), ['header:If-Match'], { 'If-Match': 'abc' }),
  invalid('If-Match below -1', 'post', touchpoints, call(), ['header:If-Match'], { 'If-Match': '"-2"' }),
  invalid('If-Match fractional', 'post', touchpoints, call(), ['header:If-Match'], { 'If-Match': '"1.5"' }),
  invalid('Idempotency-Key with a space', 'post', touchpoints, call(), ['header:Idempotency-Key'], { 'Idempotency-Key': 'key 1' }),
  invalid('Idempotency-Key longer than 255', 'post', touchpoints, call(), ['header:Idempotency-Key'], { 'Idempotency-Key': 'k'.repeat(256) }),
];

const DOMAIN: Case[] = [
  { name: 'unknown customer (PATCH)', method: 'patch', url: () => `/v1/customers/${UNKNOWN_ID}`, body: { name: 'x' }, status: 404, code: 'customer_not_found', fields: ['customerId'] },
  { name: 'unknown customer (touchpoint)', method: 'post', url: () => `/v1/customers/${UNKNOWN_ID}/touchpoints`, body: call(), status: 404, code: 'customer_not_found' },
  { name: 'unknown customer (If-Match: * does not hide it)', method: 'patch', url: () => `/v1/customers/${UNKNOWN_ID}`, body: { name: 'x' }, headers: { 'If-Match': '*' }, status: 404, code: 'customer_not_found' },
  { name: 'deal for an unknown customer', method: 'post', url: deals, body: deal(UNKNOWN_ID), status: 404, code: 'customer_not_found', fields: ['customerId'] },
  { name: 'unknown deal', method: 'post', url: () => `/v1/deals/${UNKNOWN_ID}/stage`, body: { stage: 'qualified' }, status: 404, code: 'deal_not_found', fields: ['dealId'] },
  { name: 'unknown order', method: 'post', url: (f) => `${customer(f)}/orders/SO-404/cancellation`, body: {}, status: 404, code: 'order_not_found', fields: ['orderId'] },
  { name: 'complaint about an unknown order', method: 'post', url: complaints, body: complaint({ orderId: 'SO-404' }), status: 404, code: 'order_not_found' },
  { name: 'unknown complaint', method: 'post', url: (f) => `${complaints(f)}/CASE-404/resolution`, body: { resolution: 'x', satisfaction: 3 }, status: 404, code: 'complaint_not_found' },
  { name: 'unknown contact', method: 'delete', url: (f) => `/v1/customers/${f.companyId}/contacts/${UNKNOWN_ID}`, status: 404, code: 'contact_not_found' },
  { name: 'register an existing customer id', method: 'post', url: () => '/v1/customers', body: (f: Fixtures) => person({ customerId: f.personId }), status: 409, code: 'customer_exists' },
  { name: 'place an existing order number', method: 'post', url: orders, body: order({ orderId: 'SO-1' }), status: 409, code: 'order_exists' },
  { name: 'file an existing case number', method: 'post', url: complaints, body: complaint({ complaintId: 'CASE-1' }), status: 409, code: 'complaint_exists' },
  { name: 'contact on a person', method: 'post', url: (f) => `${customer(f)}/contacts`, body: { name: 'Ivan' }, status: 422, code: 'not_a_company', fields: ['customerId'] },
  { name: 'return more than ordered', method: 'post', url: returns, body: { lines: [{ sku: 'MUG-1', quantity: 4 }] }, status: 422, code: 'return_exceeds_order', fields: ['lines[0].quantity'] },
  { name: 'return the same SKU on two lines', method: 'post', url: returns, body: { lines: [{ sku: 'MUG-1', quantity: 2 }, { sku: 'MUG-1', quantity: 2 }] }, status: 422, code: 'duplicate_sku', fields: ['lines[1].sku'] },
  { name: 'return a SKU not in the order', method: 'post', url: returns, body: { lines: [{ sku: 'HAT-9', quantity: 1 }] }, status: 422, code: 'sku_not_in_order', fields: ['lines[0].sku'] },
  { name: 'order with the same SKU twice', method: 'post', url: orders, body: order({ lines: [line({}).lines[0], line({}).lines[0]] }), status: 422, code: 'duplicate_sku', fields: ['lines[1].sku'] },
  { name: 'order total beyond safe integers', method: 'post', url: orders, body: line({ quantity: 1_000_000, unitPrice: Number.MAX_SAFE_INTEGER }), status: 422, code: 'amount_overflow' },
  { name: 'touchpoint over a channel its type cannot use', method: 'post', url: touchpoints, body: call({ type: 'email', channel: 'phone' }), status: 422, code: 'channel_mismatch', fields: ['channel'] },
  { name: 'clearing the name', method: 'patch', url: customer, body: { name: null }, status: 422, code: 'name_required', fields: ['changes.name'] },
  { name: 'deal close date that is not a calendar day', method: 'post', url: dealUrl('close-date'), body: { expectedCloseDate: '2026-02-30' }, status: 422, code: 'invalid_date', fields: ['expectedCloseDate'] },
  // @IsISO8601 accepts a local time without zone; the domain refuses to guess the zone.
  { name: 'occurredAt without a zone', method: 'post', url: touchpoints, body: call({ occurredAt: '2026-03-01T10:00:00' }), status: 422, code: 'invalid_instant', fields: ['occurredAt'] },
  { name: 'occurredAt as a bare date', method: 'put', url: (f) => `${customer(f)}/marketing-consent`, body: { granted: true, occurredAt: '2026-03-01' }, status: 422, code: 'invalid_instant', fields: ['occurredAt'] },
];

describe('rejected commands leave the store unchanged (memory engine)', () => {
  let t: TestApp;
  const f = {} as Fixtures;

  beforeAll(async () => {
    t = await startTestApp({ engine: 'memory' });
    f.personId = await registerCustomer(t);
    await send(t, 'post', `/v1/customers/${f.personId}/orders`, order({ orderId: 'SO-1' })).expect(201);
    await send(t, 'post', `/v1/customers/${f.personId}/complaints`, complaint({ complaintId: 'CASE-1' })).expect(201);
    f.companyId = await registerCustomer(t, company());
    f.contactId = (await send(t, 'post', `/v1/customers/${f.companyId}/contacts`, { name: 'Ivan' }).expect(201)).body.ids.contactId;
    f.dealId = (await send(t, 'post', '/v1/deals', deal(f.personId)).expect(201)).body.ids.dealId;
  });
  afterAll(() => t.close());

  const run = async (c: Case) => {
    const body = typeof c.body === 'function' ? (c.body as (f: Fixtures) => unknown)(f) : c.body;
    const sendBody = body === null ? 'null' : body; // a literal JSON null body
    await expectRejected(t, () => send(t, c.method, c.url(f), sendBody, c.headers), { status: c.status, code: c.code, fields: c.fields });
  };

  describe('400: wrong types', () => it.each(WRONG_TYPES)('$name', run));
  describe('400: missing required fields', () => it.each(MISSING)('$name', run));
  describe('400: unknown fields, named by their path', () => it.each(UNKNOWN_FIELDS)('$name', run));
  describe('400: values outside an enum', () => it.each(BAD_ENUMS)('$name', run));
  describe('400: money, quantities and scores', () => it.each(NUMBERS)('$name', run));
  describe('400: currencies outside ISO 4217 (DTO)', () => it.each(CURRENCIES)('$name', run));
  describe('400: operator-looking input', () => it.each(OPERATOR_INPUT)('$name', run));
  describe('400: path parameters', () => it.each(BAD_PATHS)('$name', run));
  describe('400: headers', () => it.each(BAD_HEADERS)('$name', run));
  describe('404/409/422: domain rules', () => it.each(DOMAIN)('$name', run));

  describe('domain rules that need history', () => {
    it('resolving a resolved complaint → 409 complaint_resolved (and escalating it too)', async () => {
      const url = `/v1/customers/${f.personId}/complaints`;
      await send(t, 'post', url, complaint({ complaintId: 'CASE-R' })).expect(201);
      await send(t, 'post', `${url}/CASE-R/resolution`, { resolution: 'refund', satisfaction: 5 }).expect(200);
      await expectRejected(t, () => send(t, 'post', `${url}/CASE-R/resolution`, { resolution: 'again', satisfaction: 1 }), { status: 409, code: 'complaint_resolved', fields: ['complaintId'] });
      await expectRejected(t, () => send(t, 'post', `${url}/CASE-R/escalation`, { reason: 'reopen' }), { status: 409, code: 'complaint_resolved' });
    });

    it('a won deal cannot be lost, won again or moved → 409 deal_closed', async () => {
      const { body } = await send(t, 'post', '/v1/deals', deal(f.personId)).expect(201);
      const dealUrlFor = (path: string) => `/v1/deals/${body.ids.dealId}/${path}`;
      await send(t, 'post', dealUrlFor('won'), {}).expect(200);
      await expectRejected(t, () => send(t, 'post', dealUrlFor('lost'), { reason: 'too late' }), { status: 409, code: 'deal_closed', fields: ['dealId'] });
      await expectRejected(t, () => send(t, 'post', dealUrlFor('won'), {}), { status: 409, code: 'deal_closed' });
      await expectRejected(t, () => send(t, 'post', dealUrlFor('stage'), { stage: 'proposal' }), { status: 409, code: 'deal_closed' });
      await expectRejected(t, () => send(t, 'post', dealUrlFor('amount'), { amount: 1 }), { status: 409, code: 'deal_closed' });
    });

    it('a lost deal cannot be won → 409 deal_closed', async () => {
      const { body } = await send(t, 'post', '/v1/deals', deal(f.personId)).expect(201);
      await send(t, 'post', `/v1/deals/${body.ids.dealId}/lost`, { reason: 'budget' }).expect(200);
      await expectRejected(t, () => send(t, 'post', `/v1/deals/${body.ids.dealId}/won`, {}), { status: 409, code: 'deal_closed' });
    });

    it('a cancelled order cannot be cancelled or returned → 409', async () => {
      const url = `/v1/customers/${f.personId}/orders`;
      await send(t, 'post', url, order({ orderId: 'SO-C' })).expect(201);
      await send(t, 'post', `${url}/SO-C/cancellation`, {}).expect(200);
      await expectRejected(t, () => send(t, 'post', `${url}/SO-C/cancellation`, {}), { status: 409, code: 'order_not_cancellable' });
      await expectRejected(t, () => send(t, 'post', `${url}/SO-C/returns`, {}), { status: 409, code: 'order_not_returnable' });
    });

    it('a partly returned order cannot be cancelled; a fully returned one cannot be returned again', async () => {
      const url = `/v1/customers/${f.personId}/orders`;
      await send(t, 'post', url, order({ orderId: 'SO-P' })).expect(201);
      await send(t, 'post', `${url}/SO-P/returns`, { lines: [{ sku: 'TEE-2', quantity: 1 }] }).expect(200);
      await expectRejected(t, () => send(t, 'post', `${url}/SO-P/cancellation`, {}), { status: 409, code: 'order_partly_returned' });
      await expectRejected(t, () => send(t, 'post', `${url}/SO-P/returns`, { lines: [{ sku: 'TEE-2', quantity: 2 }] }), { status: 422, code: 'return_exceeds_order' });
      await send(t, 'post', `${url}/SO-P/returns`, {}).expect(200);
      await expectRejected(t, () => send(t, 'post', `${url}/SO-P/returns`, {}), { status: 409, code: 'order_not_returnable' });
    });
  });

  // Regression: ids were once looked up with record[id], so Object.prototype members were "found".
  describe('ids named like Object.prototype members are ordinary ids', () => {
    const base = () => `/v1/customers/${f.personId}`;

    it('an order may be numbered "constructor", a complaint "valueOf"', async () => {
      await send(t, 'post', `${base()}/orders`, order({ orderId: 'constructor' })).expect(201);
      await send(t, 'post', `${base()}/complaints`, complaint({ complaintId: 'valueOf' })).expect(201);
    });

    it('a never-placed order "toString" is 404 order_not_found', async () => {
      await expectRejected(t, () => send(t, 'post', `${base()}/orders/toString/cancellation`, {}), { status: 404, code: 'order_not_found' });
    });

    it('a SKU "toString" is not in the order → 422 sku_not_in_order', async () => {
      await expectRejected(t, () => send(t, 'post', `${base()}/orders/SO-1/returns`, { lines: [{ sku: 'toString', quantity: 1 }] }), { status: 422, code: 'sku_not_in_order' });
    });

    it('a never-filed complaint "hasOwnProperty" is 404 complaint_not_found', async () => {
      await expectRejected(t, () => send(t, 'post', `${base()}/complaints/hasOwnProperty/resolution`, { resolution: 'x', satisfaction: 3 }), {
        status: 404,
        code: 'complaint_not_found',
      });
    });
  });

  describe('bodies that never reach validation', () => {
    it('malformed JSON → 400 bad_request', async () => {
      await expectRejected(t, () => send(t, 'post', '/v1/customers', '{"kind": "person", "name":', { 'content-type': 'application/json' }), { status: 400, code: 'bad_request' });
    });

    it('a __proto__ key (prototype poisoning) → 400 bad_request', async () => {
      const raw = '{"kind":"person","name":"x","__proto__":{"isAdmin":true}}';
      await expectRejected(t, () => send(t, 'post', '/v1/customers', raw, { 'content-type': 'application/json' }), { status: 400, code: 'bad_request' });
    });

    it('a text/plain body → 415 unsupported_media_type', async () => {
      await expectRejected(t, () => send(t, 'post', '/v1/customers', 'kind=person&name=x', { 'content-type': 'text/plain' }), { status: 415, code: 'unsupported_media_type' });
    });

    it('a form-encoded body → 415 unsupported_media_type (JSON only)', async () => {
      await expectRejected(t, () => send(t, 'post', '/v1/customers', 'kind=person&name=Mallory', { 'content-type': 'application/x-www-form-urlencoded' }), {
        status: 415,
        code: 'unsupported_media_type',
      });
    });

    it('a body over the default 256 KiB limit → 413 payload_too_large', async () => {
      const body = person({ tags: Array.from({ length: 40 }, () => 'x'.repeat(7000)) });
      expect(JSON.stringify(body).length).toBeGreaterThan(256 * 1024);
      await expectRejected(t, () => send(t, 'post', '/v1/customers', body), { status: 413, code: 'payload_too_large' });
    });
  });
});

describe('TOUCHPOINT_BODY_LIMIT', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ engine: 'memory', env: { TOUCHPOINT_BODY_LIMIT: '2048' } })));
  afterAll(() => t.close());

  it('accepts a body under the configured limit and refuses one over it with 413', async () => {
    const customerId = await registerCustomer(t);
    const under = call({ summary: 'x'.repeat(1500) });
    expect(JSON.stringify(under).length).toBeLessThan(2048);
    await send(t, 'post', `/v1/customers/${customerId}/touchpoints`, under).expect(201);

    const over = call({ summary: 'x'.repeat(2100) });
    await expectRejected(t, () => send(t, 'post', `/v1/customers/${customerId}/touchpoints`, over), { status: 413, code: 'payload_too_large' });
  });
});
