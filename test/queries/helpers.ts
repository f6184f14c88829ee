/**
 * Helpers for the query e2e specs: a small client (`Crm`) that sends commands
 * over HTTP and remembers the highest global position it was given, so every
 * read can ask for read-your-writes with `?minPosition=`; a polling probe
 * (`eventually`) for reads that are only eventually consistent; page walking;
 * and the problem+json check.
 */
import request, { type Response } from 'supertest';
import type { TestApp } from '../support/app';

/** The FixedClock's start (test/support/app.ts): record time and the default business time. */
export const T0 = '2026-03-02T10:00:00.000Z';
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** ISO instant `days` (may be fractional or negative) after `from`. */
export const plusDays = (from: string, days: number) => new Date(Date.parse(from) + days * DAY).toISOString();

export type Query = Record<string, string | number | undefined>;
export type Body = Record<string, unknown>;

export const qs = (query: Query = {}) => {
  const parts = Object.entries(query)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
};

// ---------------------------------------------------------------- polling probe

/**
 * Polls `probe` until `check` stops throwing (or the time is up, then the last
 * failure is rethrown). For eventually consistent reads: no fixed sleeps.
 */
export async function eventually<T>(probe: () => Promise<T>, check: (value: T) => void = () => undefined, { timeoutMs = 3000, intervalMs = 10 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let failure: unknown;
    try {
      const value = await probe();
      check(value);
      return value;
    } catch (error) {
      failure = error;
    }
    if (Date.now() >= deadline) throw failure;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

// ---------------------------------------------------------------- command builders

export const line = (sku: string, quantity: number, unitPrice: number, unitCost: number) => ({ sku, quantity, unitPrice, unitCost });
/** One-line order worth `total` minor units with the given cost. */
export const orderOf = (currency: string, total: number, cost: number, extra: Body = {}) => ({ currency, lines: [line('ITEM', 1, total, cost)], ...extra });

export interface DealSpec {
  customerId: string;
  title?: string;
  amount: number;
  currency: string;
  stage?: 'lead' | 'qualified' | 'proposal' | 'negotiation';
  expectedCloseDate: string;
  owner?: string;
  occurredAt?: string;
}

/**
 * A thin HTTP client for one test app. Every successful command's
 * `globalPosition` is remembered; `get` reads with `minPosition` set to the
 * highest one, so a read sees every write made through this client.
 */
export class Crm {
  /** highest global position returned by a command so far */
  position = 0;

  constructor(readonly t: TestApp) {}

  get http() {
    return this.t.http;
  }

  async command(method: 'post' | 'patch' | 'put' | 'delete', url: string, body?: Body, headers: Record<string, string> = {}): Promise<Response> {
    const req = request(this.t.http)[method](url).set(headers);
    const res = await (body === undefined ? req : req.send(body));
    if (res.status !== 200 && res.status !== 201) throw new Error(`${method.toUpperCase()} ${url} → ${res.status} ${JSON.stringify(res.body)}`);
    expect(res.body.globalPosition).toEqual(expect.any(Number));
    this.position = Math.max(this.position, res.body.globalPosition);
    return res;
  }

  async register(body: Body): Promise<string> {
    return (await this.command('post', '/v1/customers', body)).body.ids.customerId;
  }
  changeProfile(customerId: string, changes: Body) {
    return this.command('patch', `/v1/customers/${customerId}`, changes);
  }
  touchpoint(customerId: string, body: Body) {
    return this.command('post', `/v1/customers/${customerId}/touchpoints`, { direction: 'inbound', subject: 'Question', ...body });
  }
  async order(customerId: string, body: Body): Promise<string> {
    return (await this.command('post', `/v1/customers/${customerId}/orders`, body)).body.ids.orderId;
  }
  cancelOrder(customerId: string, orderId: string, occurredAt?: string) {
    return this.command('post', `/v1/customers/${customerId}/orders/${orderId}/cancellation`, { reason: 'changed mind', ...(occurredAt && { occurredAt }) });
  }
  returnOrder(customerId: string, orderId: string, lines?: Array<{ sku: string; quantity: number }>, occurredAt?: string) {
    return this.command('post', `/v1/customers/${customerId}/orders/${orderId}/returns`, { ...(lines && { lines }), ...(occurredAt && { occurredAt }) });
  }
  async complaint(customerId: string, body: Body): Promise<string> {
    return (
      await this.command('post', `/v1/customers/${customerId}/complaints`, { category: 'delivery', severity: 'medium', channel: 'email', description: 'Late', ...body })
    ).body.ids.complaintId;
  }
  escalate(customerId: string, complaintId: string, occurredAt?: string) {
    return this.command('post', `/v1/customers/${customerId}/complaints/${complaintId}/escalation`, { reason: 'No answer', ...(occurredAt && { occurredAt }) });
  }
  resolve(customerId: string, complaintId: string, satisfaction: number, occurredAt?: string) {
    return this.command('post', `/v1/customers/${customerId}/complaints/${complaintId}/resolution`, { resolution: 'Refunded', satisfaction, ...(occurredAt && { occurredAt }) });
  }
  async openDeal(spec: DealSpec): Promise<string> {
    return (await this.command('post', '/v1/deals', { title: 'Deal', ...spec })).body.ids.dealId;
  }
  dealStage(dealId: string, stage: string, occurredAt?: string) {
    return this.command('post', `/v1/deals/${dealId}/stage`, { stage, ...(occurredAt && { occurredAt }) });
  }
  dealAmount(dealId: string, amount: number, currency?: string) {
    return this.command('post', `/v1/deals/${dealId}/amount`, { amount, ...(currency && { currency }) });
  }
  dealCloseDate(dealId: string, expectedCloseDate: string) {
    return this.command('post', `/v1/deals/${dealId}/close-date`, { expectedCloseDate });
  }
  winDeal(dealId: string, occurredAt: string, amount?: number) {
    return this.command('post', `/v1/deals/${dealId}/won`, { occurredAt, ...(amount !== undefined && { amount }) });
  }
  loseDeal(dealId: string, occurredAt: string) {
    return this.command('post', `/v1/deals/${dealId}/lost`, { reason: 'Budget', occurredAt });
  }

  /** GET with read-your-writes; any status. */
  read(url: string, query: Query = {}): Promise<Response> {
    return request(this.t.http).get(url + qs({ minPosition: this.position, ...query }));
  }

  /** GET with read-your-writes that must answer 200; returns the body. */
  async get<T = any>(url: string, query: Query = {}): Promise<T> {
    const res = await this.read(url, query);
    if (res.status !== 200) throw new Error(`GET ${url}${qs(query)} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** Follows nextCursor from the first page to the last; returns every item and the page sizes. */
  async pages<T = any>(url: string, query: Query = {}): Promise<{ items: T[]; sizes: number[] }> {
    const items: T[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 1000; guard++) {
      const page = await this.get<{ items: T[]; nextCursor: string | null }>(url, { ...query, cursor });
      items.push(...page.items);
      sizes.push(page.items.length);
      if (page.nextCursor === null) return { items, sizes };
      expect(page.nextCursor).toEqual(expect.any(String));
      cursor = page.nextCursor;
    }
    throw new Error('more than 1000 pages: the cursor does not advance');
  }
}

// ---------------------------------------------------------------- assertions

/** RFC 9457 problem+json with the given status; `fields` must each be named in errors[]. */
export function expectProblem(res: Response, status: number, fields: string[] = [], code?: string): void {
  expect({ status: res.status, body: res.body }).toMatchObject({ status, body: { status } });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: expect.stringMatching(/^urn:touchpoint:problem:/), title: expect.any(String), code: expect.any(String) });
  if (code) expect(res.body.code).toBe(code);
  if (fields.length) expect((res.body.errors ?? []).map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(fields));
  // nothing internal leaks: no stack, no SQL, no items
  const text = JSON.stringify(res.body);
  expect(text).not.toMatch(/\bat .+\.ts:\d+|SELECT |rm_customers|json_extract/);
  expect(res.body.items).toBeUndefined();
}

/** Stable sort helper: by key (asc or desc), ties by id ascending, like the API's keyset order. */
export function sortedLikeApi<T>(items: T[], key: (x: T) => string | number, direction: 'asc' | 'desc', id: (x: T) => string): T[] {
  return [...items].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka !== kb) {
      const d = typeof ka === 'number' && typeof kb === 'number' ? ka - kb : String(ka) < String(kb) ? -1 : 1;
      return direction === 'asc' ? d : -d;
    }
    return id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0;
  });
}
