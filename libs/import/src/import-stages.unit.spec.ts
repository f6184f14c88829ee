import { gzipSync } from 'node:zlib';
import { v5 as uuidV5 } from 'uuid';
import { inZone } from './dates';
import { maybeGunzip, splitLines, type RawLine } from './lines';
import { applyMapping, MappingError, parseMapping, toMinorUnits } from './mapping';
import { importedId, resolveIds } from './records';
import { csvRecords, ndjsonRecords, type ParsedLine } from './sources';

async function* chunks(...parts: Array<string | Buffer>): AsyncGenerator<Buffer> {
  for (const p of parts) yield typeof p === 'string' ? Buffer.from(p) : p;
}
async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('splitLines', () => {
  it('numbers lines across chunk boundaries, CRLF or LF, skipping blank ones', async () => {
    const lines = await collect(splitLines(chunks('ab', 'c\r\nd', 'e\n\n  \nf'), 100));
    expect(lines).toEqual<RawLine[]>([
      { line: 1, text: 'abc' },
      { line: 2, text: 'de' },
      { line: 5, text: 'f' },
    ]);
  });

  it('keeps a multi-byte character split between chunks whole', async () => {
    const bytes = Buffer.from('Київ\n');
    expect(await collect(splitLines(chunks(bytes.subarray(0, 3), bytes.subarray(3)), 100))).toEqual([{ line: 1, text: 'Київ' }]);
  });

  it('reports an over-long line without keeping it, and goes on', async () => {
    const long = 'x'.repeat(50);
    expect(await collect(splitLines(chunks('ok\n', long.slice(0, 20), long.slice(20), '\nnext'), 10))).toEqual([{ line: 1, text: 'ok' }, { line: 2, tooLong: true }, { line: 3, text: 'next' }]);
  });

  it('drops a byte-order mark', async () => {
    expect(await collect(splitLines(chunks('\uFEFF{"a":1}\n'), 100))).toEqual([{ line: 1, text: '{"a":1}' }]);
  });

  it('gunzips input that starts with the gzip magic bytes, passes anything else through', async () => {
    const text = '{"a":1}\n{"a":2}\n';
    const gz = gzipSync(text);
    expect(Buffer.concat(await collect(maybeGunzip(chunks(gz.subarray(0, 5), gz.subarray(5))))).toString()).toBe(text);
    expect(Buffer.concat(await collect(maybeGunzip(chunks(text)))).toString()).toBe(text);
    expect(await collect(maybeGunzip(chunks()))).toEqual([]);
  });
});

describe('ndjsonRecords', () => {
  it('parses each line alone: a malformed one is rejected, the next still read', async () => {
    const parsed = await collect(ndjsonRecords(chunks('{"a":1}\n{oops\n{"b":2}\n'), 100));
    expect(parsed).toEqual<ParsedLine[]>([
      { line: 1, record: { a: 1 } },
      { line: 2, rejection: expect.objectContaining({ code: 'malformed_json' }) },
      { line: 3, record: { b: 2 } },
    ]);
  });
});

describe('CSV mapping', () => {
  const mapping = parseMapping({
    type: 'PlaceOrder',
    timeZone: 'America/New_York',
    fields: {
      sourceId: { template: 'o-{id}-{line}' },
      customer: 'cust',
      currency: 'cur',
      total: { column: 'amount', as: 'minor' },
      occurredAt: { column: 'day', as: 'instant', format: 'yyyyMMdd' },
      channel: { value: 'web' },
      'lines.0.sku': 'sku',
      'lines.0.quantity': { column: 'qty', as: 'integer' },
    },
  });

  it('builds a record from a row: templates, constants, conversions, nested paths; empty cells left out', () => {
    const row = { id: '7', cust: 'C1', cur: 'USD', amount: '29.33', day: '19970101', sku: '', qty: '' };
    expect(applyMapping(row, mapping, 2)).toEqual({
      type: 'PlaceOrder',
      sourceId: 'o-7-2',
      customer: 'C1',
      currency: 'USD',
      total: 2933,
      occurredAt: '1997-01-01T00:00:00.000-05:00',
      channel: 'web',
    });
    expect(applyMapping({ ...row, sku: 'CD', qty: '2' }, mapping, 3).lines).toEqual([{ sku: 'CD', quantity: 2 }]);
  });

  it('converts money exactly, by the currency’s minor units', () => {
    expect(toMinorUnits('0.1', 'USD', 'total')).toBe(10);
    expect(toMinorUnits('19.99', 'EUR', 'total')).toBe(1999);
    expect(toMinorUnits('1500', 'JPY', 'total')).toBe(1500);
    expect(toMinorUnits('1.500', 'KWD', 'total')).toBe(1500);
    expect(toMinorUnits('2.00', 'JPY', 'total')).toBe(2); // trailing zeros are not precision
    expect(() => toMinorUnits('2.5', 'JPY', 'total')).toThrow(/more decimals/);
    expect(() => toMinorUnits('12,50', 'EUR', 'total')).toThrow(/decimal amount/);
  });

  it.each([
    [{ type: 'Nope', fields: { a: 'b' } }, 'mapping.type'],
    [{ type: 'PlaceOrder', fields: {} }, 'mapping.fields'],
    [{ type: 'PlaceOrder', fields: { total: { column: 'x', as: 'euro' } } }, 'mapping.fields.total.as'],
    [{ type: 'PlaceOrder', fields: { '__proto__.x': 'x' } }, 'mapping.fields.__proto__.x'],
    [{ type: 'PlaceOrder', fields: { 'constructor.prototype': 'x' } }, 'mapping.fields.constructor.prototype'],
    [{ type: 'PlaceOrder', timeZone: 'Nowhere/Else', fields: { a: 'b' } }, 'mapping.timeZone'],
    [{ type: 'PlaceOrder', fields: { a: { column: 'b', format: 'yyyy' } } }, 'mapping.fields.a.format'],
    [{ type: 'PlaceOrder', fields: { a: 'b' }, extra: true }, 'mapping.extra'],
  ])('refuses %j, naming %s', (input, field) => {
    expect(() => parseMapping(input)).toThrow(MappingError);
    try {
      parseMapping(input);
    } catch (error) {
      expect((error as MappingError).field).toBe(field);
    }
  });

  it('reads CSV with quotes and embedded newlines; a ragged row is rejected alone', async () => {
    const m = parseMapping({ type: 'RegisterCustomer', fields: { sourceId: 'id', name: 'name' } });
    const parsed = await collect(csvRecords(chunks('id,name\n1,"Smith, ""J""\nJr"\n2,a,extra\n3,Ok\n'), m, 1000));
    expect(parsed).toEqual([
      { line: 3, record: { type: 'RegisterCustomer', sourceId: '1', name: 'Smith, "J"\nJr' } },
      { line: 4, rejection: expect.objectContaining({ code: 'malformed_csv' }) },
      { line: 5, record: { type: 'RegisterCustomer', sourceId: '3', name: 'Ok' } },
    ]);
  });
});

describe('dates and ids', () => {
  it('reads zone-less local times in the given zone, across daylight saving', () => {
    expect(inZone('1997-01-01', 'America/New_York')).toBe('1997-01-01T00:00:00.000-05:00');
    expect(inZone('1997-07-01T12:00', 'America/New_York')).toBe('1997-07-01T12:00:00.000-04:00');
    expect(inZone('1997-07-01T12:00:00Z', 'America/New_York')).toBe('1997-07-01T12:00:00Z'); // already has a zone
    expect(inZone('1997-07-01', undefined)).toBe('1997-07-01');
    expect(inZone('1997-07-01T12:00:05.25', 'America/New_York')).toBe('1997-07-01T12:00:05.250-04:00'); // same hour, cached offset
    expect(inZone('2021-03-28T03:30', 'Europe/Kyiv')).toBe('2021-03-28T04:30:00.000+03:00'); // a local time DST skips moves forward
    expect(inZone('2021-10-31T03:30', 'Europe/Kyiv')).toBe('2021-10-31T03:30:00.000+02:00'); // an ambiguous one: luxon takes standard time
    expect(inZone('2021-02-30', 'Europe/Kyiv')).toBe('2021-02-30'); // impossible: left for validation to refuse
  });

  it('derives the same Touchpoint id from the same source and source id, and another from another source', () => {
    expect(importedId('cdnow', 'customer', '0001')).toBe(importedId('cdnow', 'customer', '0001'));
    expect(importedId('cdnow', 'customer', '0001')).not.toBe(importedId('erp', 'customer', '0001'));
    expect(importedId('cdnow', 'customer', '0001')).not.toBe(importedId('cdnow', 'deal', '0001'));
    expect(importedId('cdnow', 'customer', '0001')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // the same ids as a well-known UUID v5 implementation (the uuid package), so ids never change with the code
    for (const [kind, id] of [['customer', '0001'], ['deal', 'OPP-3'], ['touchpoint', 'CALL-Київ-7']] as const) {
      expect(importedId('cdnow', kind, id)).toBe(uuidV5(`cdnow\u0000${kind}\u0000${id}`, '6f1d4c52-3a7e-5b0e-9c1a-2f4b8e7d9a31'));
    }
    expect(resolveIds('PlaceOrder', 'cdnow', 'O-9', { customer: '0001' })).toEqual({ customerId: importedId('cdnow', 'customer', '0001'), orderId: 'O-9' });
  });
});
