/**
 * The CDNOW sample (test/fixtures/cdnow, see SOURCE.md) read straight from the file, and turned into import
 * inputs. The figures tests compare against are computed here from the raw rows, never from Touchpoint's output.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CdnowRow {
  /** line in CDNOW_sample.txt, from 1 */
  line: number;
  customer: string;
  /** YYYYMMDD */
  date: string;
  quantity: number;
  /** cents, from the decimal text (no floating point) */
  cents: number;
}

export const CDNOW_FILE = join(__dirname, '..', 'fixtures', 'cdnow', 'CDNOW_sample.txt');

export function readCdnow(): CdnowRow[] {
  return readFileSync(CDNOW_FILE, 'utf8')
    .split(/\r?\n/)
    .map((text, i) => ({ text: text.trim(), line: i + 1 }))
    .filter(({ text }) => text !== '')
    .map(({ text, line }) => {
      const [, customer, date, quantity, amount] = text.split(/\s+/);
      const [dollars, fraction = ''] = amount.split('.');
      return { line, customer, date, quantity: Number(quantity), cents: Number(dollars) * 100 + Number(fraction.padEnd(2, '0')) };
    });
}

/** US Eastern time in 1997–98: daylight time from the first Sunday of April to the last Sunday of October. */
function easternOffsetHours(date: string): number {
  const dst = (date >= '19970406' && date < '19971026') || (date >= '19980405' && date < '19981025');
  return dst ? 4 : 5;
}

/** Noon in New York on `date`, as the UTC instant the import must record. */
export function noonInNewYork(date: string): string {
  const [y, m, d] = [date.slice(0, 4), date.slice(4, 6), date.slice(6, 8)];
  return new Date(Date.UTC(+y, +m - 1, +d, 12 + easternOffsetHours(date))).toISOString();
}

export const isoDate = (date: string) => `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`;

/** NDJSON: every customer (registered at their first purchase), then every purchase as a total-only order. Zone-less local times. */
export function cdnowNdjson(rows = readCdnow()): string {
  const first = new Map<string, string>();
  for (const r of rows) if (!first.has(r.customer) || r.date < first.get(r.customer)!) first.set(r.customer, r.date);
  const lines: string[] = [];
  for (const [customer, date] of first) {
    lines.push(JSON.stringify({ type: 'RegisterCustomer', sourceId: customer, kind: 'person', name: `CDNOW customer ${customer}`, occurredAt: `${isoDate(date)}T12:00:00` }));
  }
  for (const r of rows) {
    lines.push(JSON.stringify({ type: 'PlaceOrder', sourceId: `cdnow-${r.line}`, customer: r.customer, currency: 'USD', total: r.cents, occurredAt: `${isoDate(r.date)}T12:00:00` }));
  }
  return `${lines.join('\n')}\n`;
}

/** The same as two CSV files with headers, and their mappings (dates as YYYYMMDD, read as midnight UTC). */
export function cdnowCsv(rows = readCdnow()): { customers: string; orders: string; customersMapping: object; ordersMapping: object } {
  const first = new Map<string, string>();
  for (const r of rows) if (!first.has(r.customer) || r.date < first.get(r.customer)!) first.set(r.customer, r.date);
  const customers = ['id,first_purchase', ...[...first].map(([id, date]) => `${id},${date}`)].join('\r\n');
  const orders = ['customer,date,cds,dollars', ...rows.map((r) => `${r.customer},${r.date},${r.quantity},${(r.cents / 100).toFixed(2)}`)].join('\n');
  return {
    customers,
    orders,
    customersMapping: {
      type: 'RegisterCustomer',
      timeZone: 'UTC',
      fields: { sourceId: 'id', kind: { value: 'person' }, name: { template: 'CDNOW customer {id}' }, occurredAt: { column: 'first_purchase', as: 'instant', format: 'yyyyMMdd' } },
    },
    ordersMapping: {
      type: 'PlaceOrder',
      timeZone: 'UTC',
      fields: {
        sourceId: { template: 'cdnow-{line}' },
        customer: 'customer',
        occurredAt: { column: 'date', as: 'instant', format: 'yyyyMMdd' },
        currency: { value: 'USD' },
        total: { column: 'dollars', as: 'minor' },
      },
    },
  };
}

/** Per customer: revenue, orders (every purchase counts, $0 ones too: none is cancelled or returned), first and last purchase date, purchase days. */
export function perCustomer(rows = readCdnow()): Map<string, { revenue: number; orders: number; first: string | null; last: string | null; days: number }> {
  const out = new Map<string, { revenue: number; orders: number; first: string | null; last: string | null; days: number; seen: Set<string> }>();
  for (const r of rows) {
    const c = out.get(r.customer) ?? { revenue: 0, orders: 0, first: null, last: null, days: 0, seen: new Set<string>() };
    c.revenue += r.cents;
    c.orders += 1;
    if (c.first === null || r.date < c.first) c.first = r.date;
    if (c.last === null || r.date > c.last) c.last = r.date;
    c.seen.add(r.date);
    c.days = c.seen.size;
    out.set(r.customer, c);
  }
  return out;
}

/** Share of revenue from the top p % of customers (n = ⌈N·p/100⌉), by revenue descending. */
export function topShares(rows = readCdnow(), percents = [1, 5, 10, 20, 50]): number[] {
  const revenues = [...perCustomer(rows).values()].map((c) => c.revenue).sort((a, b) => b - a);
  const total = revenues.reduce((s, v) => s + v, 0);
  return percents.map((p) => revenues.slice(0, Math.ceil((revenues.length * p) / 100)).reduce((s, v) => s + v, 0) / total);
}
