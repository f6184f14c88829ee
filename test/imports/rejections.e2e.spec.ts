/**
 * Bad lines don't sink the file: each kind of bad record is rejected alone, with its line, sourceId, field and
 * code, and leaves nothing behind; good records around it go in. Plus the HTTP edge's own refusals.
 */
import request from 'supertest';
import { gzipSync } from 'node:zlib';
import { startTestApp, type TestApp } from '../support/app';
import { qs } from '../queries/helpers';
import { finished } from './helpers';

const ndjson = (...records: Array<object | string>) => records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n');
const customer = (sourceId: string, extra: object = {}) => ({ type: 'RegisterCustomer', sourceId, kind: 'person', name: `Customer ${sourceId}`, occurredAt: '2020-01-01T09:00:00Z', ...extra });
const order = (sourceId: string, customerRef: string | undefined, extra: object = {}) => ({ type: 'PlaceOrder', sourceId, ...(customerRef && { customer: customerRef }), currency: 'EUR', total: 1000, occurredAt: '2020-02-01T09:00:00Z', ...extra });

async function importBody(t: TestApp, body: string | Buffer, query: Record<string, string | undefined> = {}, contentType = 'application/x-ndjson') {
  const res = await request(t.http).post(`/v1/imports${qs(query)}`).set('content-type', contentType).send(body).expect(202);
  return finished(t, res.body.importId);
}

async function rejections(t: TestApp, importId: string) {
  const items: Array<Record<string, unknown>> = [];
  let after: number | undefined;
  for (;;) {
    const page = (await request(t.http).get(`/v1/imports/${importId}/errors${qs({ after, limit: 3 })}`).expect(200)).body;
    items.push(...page.items);
    if (page.next === null) return items;
    after = page.next;
  }
}

describe('import: every kind of bad line, rejected alone (memory)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ engine: 'memory', env: { TOUCHPOINT_IMPORT_MAX_LINE_BYTES: '2048' } });
  });
  afterAll(() => t.close());

  it('rejects each bad line with its own code and imports the good ones', async () => {
    const head = await t.store.headPosition();
    const body = ndjson(
      customer('C1'), // 1 ok
      '{"type": "RegisterCustomer", "sourceId": ', // 2 malformed
      '[1, 2, 3]', // 3 not an object
      { type: 'FlyToTheMoon', sourceId: 'X1' }, // 4 unknown type
      customer('C2', { nickname: 'Olly' }), // 5 unknown field
      { type: 'RegisterCustomer', kind: 'person', name: 'No Id' }, // 6 missing sourceId
      customer('C1'), // 7 duplicate sourceId, same content
      order('O1', undefined), // 8 missing reference
      order('O2', 'NOBODY'), // 9 unknown reference
      order('O3', 'C1', { occurredAt: '2020-02-30T09:00:00Z' }), // 10 invalid date
      order('O4', 'C1', { occurredAt: '2020-02-03 09:00' }), // 11 zone-less date, no timeZone given
      order('O5', 'C1', { total: 999, lines: [{ sku: 'A', quantity: 1, unitPrice: 1000 }] }), // 12 business rule: total ≠ lines
      customer('C3', { email: 'not-an-email' }), // 13 invalid value
      customer('C4', { name: 'x'.repeat(3000) }), // 14 over-long line
      order('O6', 'C1'), // 15 ok
      { type: 'CancelOrder', sourceId: 'K1', customer: 'C1', order: 'O6', occurredAt: '2020-02-02T09:00:00Z' }, // 16 ok
      { type: 'CancelOrder', sourceId: 'K2', customer: 'C1', order: 'O6', occurredAt: '2020-02-02T10:00:00Z' }, // 17 business rule: already cancelled
      customer('C1', { name: 'Changed Name' }), // 18 same sourceId, other content
      { type: 'RecordTouchpoint', sourceId: 'T1', customer: 'C1', touchpointType: 'call', direction: 'inbound', subject: 'Hello', occurredAt: '2020-01-05T09:00:00Z' }, // 19 ok
      { type: 'RecordTouchpoint', sourceId: 'T2', customer: 'C1', type2: 'x' }, // 20 unknown field + missing
    );
    const status = await importBody(t, body, { source: 'crm' });
    expect(status).toMatchObject({ status: 'completed', linesRead: 20, accepted: 4, rejected: 16, alreadyImported: 0, eventsAppended: 4 });
    const byLine: Record<number, Record<string, unknown>> = Object.fromEntries((await rejections(t, status.importId)).map((r) => [r.line, r]));
    expect(Object.keys(byLine).map(Number)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 17, 18, 20]);
    expect(byLine[2]).toMatchObject({ code: 'malformed_json' });
    expect(byLine[3]).toMatchObject({ code: 'not_an_object' });
    expect(byLine[4]).toMatchObject({ code: 'unknown_type', field: 'type' });
    expect(byLine[5]).toMatchObject({ code: 'unknown_field', field: 'nickname', sourceId: 'C2', type: 'RegisterCustomer' });
    expect(byLine[6]).toMatchObject({ code: 'missing_source_id', field: 'sourceId' });
    expect(byLine[7]).toMatchObject({ code: 'duplicate_source_id', field: 'sourceId', sourceId: 'C1' });
    expect(byLine[8]).toMatchObject({ code: 'missing_reference', field: 'customer', sourceId: 'O1' });
    expect(byLine[9]).toMatchObject({ code: 'unknown_reference', field: 'customer', sourceId: 'O2', rule: 'customer_not_found' });
    expect(byLine[10]).toMatchObject({ code: 'invalid_date', field: 'occurredAt' });
    expect(byLine[11]).toMatchObject({ code: 'invalid_date', field: 'occurredAt' });
    expect(byLine[12]).toMatchObject({ code: 'business_rule', rule: 'total_mismatch', field: 'total' });
    expect(byLine[13]).toMatchObject({ code: 'invalid_value', rule: 'isEmail', field: 'email' });
    expect(byLine[14]).toMatchObject({ code: 'line_too_long' });
    expect(byLine[17]).toMatchObject({ code: 'business_rule', rule: 'order_not_cancellable', field: 'order' });
    expect(byLine[18]).toMatchObject({ code: 'source_id_conflict', field: 'sourceId', sourceId: 'C1' });
    expect(byLine[20]).toMatchObject({ code: 'unknown_field', field: 'type2' });
    for (const r of Object.values(byLine)) expect(typeof r.message).toBe('string');
    // Nothing partial: the log holds the import's two events and the four accepted records' events, nothing else.
    const log = await t.store.readAll({ after: head });
    expect(log.map((e) => e.type).sort()).toEqual(['CustomerRegistered', 'ImportFinished', 'ImportStarted', 'OrderCancelled', 'OrderPlaced', 'TouchpointRecorded']);
    expect(log.filter((e) => e.type !== 'ImportStarted' && e.type !== 'ImportFinished').map((e) => e.metadata.sourceId).sort()).toEqual(['C1', 'K1', 'O6', 'T1']);
  });

  it('rejects content changed since an earlier import, and skips what is unchanged', async () => {
    const first = await importBody(t, ndjson(customer('D1'), customer('D2')), { source: 'erp' });
    expect(first).toMatchObject({ accepted: 2, rejected: 0 });
    const second = await importBody(t, ndjson(customer('D1'), customer('D2', { name: 'Renamed' }), customer('D3')), { source: 'erp' });
    expect(second).toMatchObject({ status: 'completed', accepted: 1, alreadyImported: 1, rejected: 1 });
    expect(await rejections(t, second.importId)).toEqual([expect.objectContaining({ line: 2, code: 'source_id_conflict', sourceId: 'D2' })]);
    // The same source ids from another source system are other customers.
    expect(await importBody(t, ndjson(customer('D1')), { source: 'webshop' })).toMatchObject({ accepted: 1, alreadyImported: 0 });
  });

  it('reads zone-less dates in the time zone the import names', async () => {
    const status = await importBody(t, ndjson(customer('Z1', { occurredAt: '2021-07-01T09:30' })), { source: 'tz', timeZone: 'Europe/Kyiv' });
    expect(status.accepted).toBe(1);
    const found = (await request(t.http).get(`/v1/customers?externalId=tz:Z1&minPosition=${status.lastPosition}`).expect(200)).body.items[0];
    expect(found.registeredAt).toBe('2021-07-01T06:30:00.000Z'); // Kyiv is UTC+3 in July
  });

  it('stops cleanly after maxErrors rejections', async () => {
    const bad = Array.from({ length: 10 }, (_, i) => `{not json ${i}`);
    const status = await importBody(t, ndjson(customer('M1'), ...bad, customer('M2')), { source: 'max', maxErrors: '3' });
    expect(status).toMatchObject({ status: 'failed', rejected: 3, accepted: 1 });
    expect(status.reason).toMatch(/maxErrors 3/);
    // Rerun without the limit: M1 is not imported twice, the rest goes in.
    expect(await importBody(t, ndjson(customer('M1'), ...bad, customer('M2')), { source: 'max' })).toMatchObject({ status: 'completed', accepted: 1, alreadyImported: 1, rejected: 10 });
  });

  it('accepts gzip bodies and CSV with a mapping, and rejects a bad cell alone', async () => {
    const csv = 'id,name,since,email\nG1,Anna,2020-01-01,anna@example.com\nG2,Bohdan,2020-13-01,\nG3,"Chen, Li",2020-03-01,\n';
    const mapping = { type: 'RegisterCustomer', timeZone: 'UTC', fields: { sourceId: 'id', kind: { value: 'person' }, name: 'name', email: 'email', occurredAt: { column: 'since', as: 'instant', format: 'yyyy-MM-dd' } } };
    const status = await importBody(t, gzipSync(csv), { source: 'csv', format: 'csv', mapping: JSON.stringify(mapping) }, 'application/gzip');
    expect(status).toMatchObject({ status: 'completed', format: 'csv', linesRead: 3, accepted: 2, rejected: 1 });
    expect(await rejections(t, status.importId)).toEqual([expect.objectContaining({ line: 3, code: 'invalid_date', field: 'occurredAt' })]);
    const chen = (await request(t.http).get(`/v1/customers?externalId=csv:G3&minPosition=${status.lastPosition}`).expect(200)).body.items[0];
    expect(chen.name).toBe('Chen, Li');
  });
});

describe('import: the HTTP edge (memory)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ engine: 'memory', env: { TOUCHPOINT_IMPORT_MAX_BYTES: '4096' } });
  });
  afterAll(() => t.close());

  const post = (query: string, contentType: string, body: string | Buffer) => request(t.http).post(`/v1/imports${query}`).set('content-type', contentType).send(body);

  it('415 for a JSON body, 422 naming the field for options that do not make an import (400 for malformed ones), 413 past the size limit; nothing recorded', async () => {
    const head = await t.store.headPosition();
    expect((await post('', 'application/json', '{}')).status).toBe(415);
    const noMapping = await post('', 'text/csv', 'a,b\n1,2\n').expect(422);
    expect(noMapping.body.errors).toEqual([expect.objectContaining({ field: 'mapping' })]);
    const badMapping = await post(`?mapping=${encodeURIComponent(JSON.stringify({ type: 'PlaceOrder', fields: { total: { column: 'x', as: 'euros' } } }))}`, 'text/csv', 'x\n1\n').expect(422);
    expect(badMapping.body.errors).toEqual([expect.objectContaining({ field: 'mapping.fields.total.as', code: 'invalid_mapping' })]);
    expect((await post('?mapping=%7Bnot', 'text/csv', 'x\n')).status).toBe(422);
    expect((await post('?timeZone=Mars/Olympus', 'application/x-ndjson', '{}')).body.errors).toEqual([expect.objectContaining({ field: 'timeZone' })]);
    expect((await post('?source=Bad%20Source', 'application/x-ndjson', '{}')).body.errors).toEqual([expect.objectContaining({ field: 'source' })]);
    expect((await post('?maxErrors=0', 'application/x-ndjson', '{}')).status).toBe(400);
    expect((await post('?colour=blue', 'application/x-ndjson', '{}')).body.errors).toEqual([expect.objectContaining({ field: 'colour', code: 'unknown_field' })]);
    const big = await post('', 'application/x-ndjson', Buffer.alloc(5000, 0x20));
    expect(big.status).toBe(413);
    expect(await t.store.headPosition()).toBe(head);
  });

  it('404 for an import that does not exist, 400 for an id that is not one', async () => {
    expect((await request(t.http).get('/v1/imports/6f1d4c52-3a7e-4b0e-9c1a-2f4b8e7d9a31')).status).toBe(404);
    expect((await request(t.http).get('/v1/imports/6f1d4c52-3a7e-4b0e-9c1a-2f4b8e7d9a31/errors')).status).toBe(404);
    expect((await request(t.http).get('/v1/imports/nope')).status).toBe(400);
  });

  it('an empty body is an import of nothing', async () => {
    const status = await finished(t, (await post('', 'application/x-ndjson', '').expect(202)).body.importId);
    expect(status).toMatchObject({ status: 'completed', linesRead: 0, accepted: 0 });
  });
});
