/**
 * Small helpers shared by the command e2e specs: send a command over HTTP,
 * check the command result contract, read a stream back, and assert that a
 * rejected request changed nothing.
 */
import type { RecordedEvent } from '@touchpoint/event-store';
import request, { type Response } from 'supertest';
import type { TestApp } from '../support/app';

/** The FixedClock's time in test/support/app.ts: recordedAt and the default occurredAt. */
export const T0 = '2026-03-02T10:00:00.000Z';
/** Ids made by the injected SequentialIds (00000000-0000-4000-8000-000000000001, …). */
export const SEQUENTIAL_ID = /^00000000-0000-4000-8000-[0-9a-f]{12}$/;
export const ANY_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A well-formed id that no test ever registers. */
export const UNKNOWN_ID = '11111111-1111-4111-8111-111111111111';

export type Method = 'post' | 'patch' | 'put' | 'delete';
export type Headers = Record<string, string>;

/** One HTTP command; `body` undefined sends no body at all. */
export function send(t: TestApp, method: Method, url: string, body?: unknown, headers: Headers = {}) {
  const req = request(t.http)[method](url).set(headers);
  return body === undefined ? req : req.send(body as object);
}

// ---------------------------------------------------------------- fixtures

export const person = (extra: Record<string, unknown> = {}) => ({ kind: 'person', name: 'Olena Koval', email: 'olena@example.com', ...extra });
export const company = (extra: Record<string, unknown> = {}) => ({ kind: 'company', name: 'Acme Ltd', ...extra });
export const call = (extra: Record<string, unknown> = {}) => ({ type: 'call', direction: 'inbound', subject: 'Delivery question', ...extra });
export const order = (extra: Record<string, unknown> = {}) => ({
  currency: 'EUR',
  lines: [
    { sku: 'MUG-1', quantity: 3, unitPrice: 1200, unitCost: 500 },
    { sku: 'TEE-2', quantity: 2, unitPrice: 2500, unitCost: 900 },
  ],
  ...extra,
});
export const complaint = (extra: Record<string, unknown> = {}) => ({ category: 'delivery', severity: 'high', channel: 'email', description: 'Parcel arrived damaged', ...extra });
export const deal = (customerId: string, extra: Record<string, unknown> = {}) => ({
  customerId,
  title: 'Office chairs',
  amount: 450000,
  currency: 'EUR',
  expectedCloseDate: '2026-06-30',
  ...extra,
});

/** Registers a customer and returns its id. */
export async function registerCustomer(t: TestApp, body: Record<string, unknown> = person(), headers: Headers = {}): Promise<string> {
  const res = await send(t, 'post', '/v1/customers', body, headers).expect(201);
  return res.body.ids.customerId;
}

/** Opens a deal for a fresh (or given) customer and returns both ids. */
export async function openDeal(t: TestApp, extra: Record<string, unknown> = {}): Promise<{ customerId: string; dealId: string }> {
  const customerId = (extra.customerId as string | undefined) ?? (await registerCustomer(t));
  const res = await send(t, 'post', '/v1/deals', deal(customerId, extra)).expect(201);
  return { customerId, dealId: res.body.ids.dealId };
}

// ---------------------------------------------------------------- reading back

/** GET /v1/streams/:streamId/events → the stored events, in order. */
export async function readStream(t: TestApp, streamId: string): Promise<RecordedEvent[]> {
  const res = await request(t.http).get(`/v1/streams/${streamId}/events`).expect(200);
  return res.body.events;
}

export async function lastEvent(t: TestApp, streamId: string): Promise<RecordedEvent> {
  const events = await readStream(t, streamId);
  return events[events.length - 1];
}

// ---------------------------------------------------------------- assertions

export interface ExpectedResult {
  status: 200 | 201;
  streamId: string;
  /** the stream's revision after the command */
  streamRevision: number;
  /** types of the events the command appended, in order ([] for a no-op) */
  types: string[];
  /** required for 201 */
  location?: string;
}

/**
 * The success contract of every command endpoint: status, exactly the body
 * fields {streamId, streamRevision, globalPosition, ids, events, replayed},
 * ETag = "<streamRevision>", Location only on creation.
 */
export function expectCommandResult(res: Response, expected: ExpectedResult): void {
  expect({ status: res.status, body: res.body }).toMatchObject({ status: expected.status });
  expect(Object.keys(res.body).sort()).toEqual(['events', 'globalPosition', 'ids', 'replayed', 'streamId', 'streamRevision']);
  expect(res.body).toMatchObject({ streamId: expected.streamId, streamRevision: expected.streamRevision, replayed: false });
  expect(res.body.ids).toEqual(expect.any(Object));
  const first = expected.streamRevision - expected.types.length + 1;
  expect(res.body.events).toEqual(
    expected.types.map((type, i) => ({ eventId: expect.stringMatching(ANY_UUID), type, streamRevision: first + i, globalPosition: expect.any(Number) })),
  );
  if (expected.types.length) expect(res.body.globalPosition).toBe(res.body.events[expected.types.length - 1].globalPosition);
  expect(res.headers.etag).toBe(`"${expected.streamRevision}"`);
  expect(res.headers['idempotent-replayed']).toBeUndefined();
  if (expected.status === 201) expect(res.headers.location).toBe(expected.location);
  else expect(res.headers.location).toBeUndefined();
}

/** Metadata every stored event carries; `correlationId` omitted means "generated, equal to causationId". */
export function expectMetadata(event: RecordedEvent, expected: { actor: string; correlationId?: string; recordedAt?: string }): void {
  expect(event.recordedAt).toBe(expected.recordedAt ?? T0);
  expect(event.metadata.actor).toBe(expected.actor);
  expect(event.metadata.causationId).toMatch(SEQUENTIAL_ID);
  expect(event.metadata.correlationId).toBe(expected.correlationId ?? event.metadata.causationId);
}

export interface ExpectedProblem {
  status: number;
  code: string;
  /** fields that must be named in errors[] */
  fields?: string[];
}

/** Checks the RFC 9457 problem body and content type of a rejected request. */
export function expectProblem(res: Response, expected: ExpectedProblem): void {
  expect({ status: res.status, body: res.body }).toMatchObject({ status: expected.status, body: { code: expected.code } });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({
    type: `urn:touchpoint:problem:${expected.code.replace(/_/g, '-')}`,
    title: expect.any(String),
    status: expected.status,
    code: expected.code,
  });
  if (expected.fields) {
    expect(res.body.errors).toEqual(expect.any(Array));
    for (const e of res.body.errors) expect(e).toEqual({ field: expect.any(String), code: expect.any(String), message: expect.any(String) });
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(expected.fields));
  }
}

/** Sends a request that must be rejected and asserts the store did not move. */
export async function expectRejected(t: TestApp, sendRequest: () => PromiseLike<Response>, expected: ExpectedProblem): Promise<Response> {
  const before = await t.store.headPosition();
  const res = await sendRequest();
  expectProblem(res, expected);
  expect(await t.store.headPosition()).toBe(before);
  return res;
}
