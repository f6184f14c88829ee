/**
 * Property-based API fuzzing with fast-check through supertest, driven by the OpenAPI document:
 * every operation gets valid-ish and hostile path params, query strings, headers and JSON bodies, as admin.
 * Properties: no 5xx; every error is problem+json valid against the documented Problem schema (ajv);
 * success bodies are JSON; and a rejected (4xx) request leaves the event store head where it was.
 *
 * The document has paths, parameters and roles but empty DTO schemas (no @ApiProperty on the DTOs), so
 * valid-ish bodies start from the suites' known-good fixtures and are mutated; query names are listed here.
 */
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import request from 'supertest';
import { call, company, complaint, deal, order, person } from '../commands/helpers';
import { startTestApp, type TestApp } from '../support/app';

const SEED = Number(process.env.TOUCHPOINT_FUZZ_SEED ?? 20260302);
const RUNS_PER_OPERATION = Number(process.env.TOUCHPOINT_FUZZ_RUNS ?? 25);

interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  pathParams: string[];
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

const HOSTILE_STRINGS = [
  '{"$gt":""}',
  '$where',
  "'; DROP TABLE events; --",
  "1' OR '1'='1",
  '__proto__',
  'constructor',
  '../../etc/passwd',
  '%00',
  '\u0000',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '-1',
  '1e309',
  'NaN',
  '',
  ' ',
  '🙂'.repeat(50),
];
const HOSTILE_VALUES: unknown[] = [{ $gt: '' }, { $ne: null }, { $where: 'sleep(1000)' }, { __proto__: { admin: true } }, { constructor: { prototype: { polluted: 1 } } }, [], [1, 2], null, true, -1, 1e308, 2 ** 53 + 1];

// URLs and headers stay under Node's 16 KiB header limit (beyond it Node itself answers 431 before the app sees the request).
const hostileString = fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.string({ maxLength: 40 }), fc.string({ minLength: 300, maxLength: 1500 }));
const hugeString = fc.string({ minLength: 5000, maxLength: 300_000 });
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(hostileString, hugeString, fc.constantFrom(...HOSTILE_VALUES), fc.integer(), fc.double(), fc.jsonValue({ maxDepth: 3 }));

/** Known-good bodies per operation, so mutations land close to the validators' edges. */
function validBodies(op: Operation, ids: { customerId: string }): Record<string, unknown>[] {
  const p = op.path;
  if (p === '/v1/customers') return [person(), company()];
  if (p === '/v1/customers/{id}') return [{ name: 'New Name' }, { tags: ['vip'] }];
  if (p.endsWith('/contacts')) return [{ name: 'Ann Lee', email: 'ann@example.com', role: 'buyer' }];
  if (p.endsWith('/preferred-channel')) return [{ channel: 'email' }];
  if (p.endsWith('/marketing-consent')) return [{ granted: true }, { granted: false }];
  if (p.endsWith('/touchpoints')) return [call()];
  if (p.endsWith('/orders')) return [order()];
  if (p.endsWith('/cancellation')) return [{ reason: 'customer request' }];
  if (p.endsWith('/returns')) return [{ lines: [{ sku: 'MUG-1', quantity: 1 }], reason: 'damaged' }];
  if (p.endsWith('/complaints')) return [complaint()];
  if (p.endsWith('/escalation')) return [{ reason: 'no answer' }];
  if (p.endsWith('/resolution')) return [{ resolution: 'refunded' }];
  if (p === '/v1/deals') return [deal(ids.customerId)];
  if (p.endsWith('/stage')) return [{ stage: 'qualified' }];
  if (p.endsWith('/amount')) return [{ amount: 1000 }];
  if (p.endsWith('/close-date')) return [{ expectedCloseDate: '2026-07-01' }];
  if (p.endsWith('/won') || p.endsWith('/lost')) return [{}, { reason: 'price' }];
  return [{}];
}

class RawJson {
  constructor(readonly text: string) {}
}

/** Mutations of a good body: drop, retype or poison a field; add unknown or prototype-polluting keys; or replace it wholesale. */
function bodyArbitrary(good: Record<string, unknown>[]): fc.Arbitrary<unknown> {
  const base = fc.constantFrom(...good);
  return fc.oneof(
    base,
    fc.tuple(base, fc.nat()).map(([b, i]) => {
      const keys = Object.keys(b);
      if (!keys.length) return b;
      const copy = { ...b };
      delete copy[keys[i % keys.length]];
      return copy;
    }),
    fc.tuple(base, fc.nat(), hostileValue).map(([b, i, v]) => {
      const keys = Object.keys(b);
      return keys.length ? { ...b, [keys[i % keys.length]]: v } : { value: v };
    }),
    // Written as JSON text so `__proto__` is a real own key on the wire, as an attacker would send it.
    fc.tuple(base, fc.oneof(fc.constantFrom('__proto__', 'constructor', '$where', 'isAdmin', 'actor'), fc.string({ minLength: 1, maxLength: 10 })), hostileValue).map(([b, k, v]) => {
      const rest = JSON.stringify(b).slice(1, -1);
      return new RawJson('{' + JSON.stringify(k) + ':' + JSON.stringify(v ?? null) + (rest ? ',' + rest : '') + '}');
    }),
    hostileValue,
  );
}

const QUERY_NAMES = ['tier', 'rfmSegment', 'kind', 'owner', 'tag', 'currency', 'minRevenue', 'maxRevenue', 'lastActivityFrom', 'lastActivityTo', 'minOpenComplaints', 'sort', 'limit', 'cursor', 'channel', 'type', 'category', 'from', 'to', 'order', 'horizonDays', 'period', 'fromRevision', 'filter', '$where', '__proto__'];
const queryArbitrary = fc.dictionary(fc.constantFrom(...QUERY_NAMES), fc.oneof(hostileString, fc.constantFrom('A', '-revenue', 'lastActivityAt', '200', '201', '0', 'EUR', 'eur', '2026-01-01T00:00:00Z', 'month', 'newest')), { maxKeys: 3 });

const headerArbitrary = fc.record(
  {
    'if-match': fc.oneof(fc.constantFrom('"0"', '*', 'W/"1"', '"-5"', '"abc"'), hostileString.filter((s) => /^[\x20-\x7e]*$/.test(s))),
    'idempotency-key': fc.oneof(fc.constantFrom('k-1', 'k-2'), hostileString.filter((s) => /^[\x20-\x7e]*$/.test(s))),
    'x-correlation-id': hostileString.filter((s) => /^[\x20-\x7e]*$/.test(s)),
  },
  { requiredKeys: [] },
);

describe('API fuzzing against the OpenAPI document (fast-check, fixed seed)', () => {
  let t: TestApp;
  let operations: Operation[];
  let validateProblem: (body: unknown) => boolean;
  let ajvErrors: () => unknown;
  const ids = { customerId: '', dealId: '' };

  beforeAll(async () => {
    t = await startTestApp({ auth: 'required', env: { TOUCHPOINT_CONSISTENCY_WAIT_MS: '0' } });
    const doc = (await request(t.http).get('/openapi.json').expect(200)).body as { paths: Record<string, Record<string, Omit<Operation, 'method' | 'path' | 'pathParams'> & { parameters?: Array<{ name: string; in: string }> }>>; components: { schemas: Record<string, unknown> } };
    operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ method: method as Operation['method'], path, pathParams: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name), responses: op.responses })),
    );
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'openapi', components: doc.components });
    const validate = ajv.compile({ $ref: 'openapi#/components/schemas/Problem' });
    validateProblem = (body) => validate(body);
    ajvErrors = () => validate.errors;
    const admin = t.bearer('admin');
    ids.customerId = (await request(t.http).post('/v1/customers').set('authorization', admin).send(person()).expect(201)).body.ids.customerId;
    ids.dealId = (await request(t.http).post('/v1/deals').set('authorization', admin).send(deal(ids.customerId)).expect(201)).body.ids.dealId;
  });
  afterAll(async () => t.close());

  it('covers every operation in the document', () => {
    expect(operations.length).toBeGreaterThanOrEqual(30);
  });

  it('no 5xx, problem+json errors that match the documented schema, and rejected requests change nothing', async () => {
    const admin = t.bearer('admin');
    let requests = 0;
    const statuses: Record<string, number> = {};
    for (const [index, op] of operations.entries()) {
      const pathValue = fc.oneof(fc.constantFrom(ids.customerId, ids.dealId, `customer-${ids.customerId}`, '11111111-1111-4111-8111-111111111111'), hostileString.filter((s) => s.length > 0 && s.length < 3000));
      const input = fc.record({
        params: fc.tuple(...op.pathParams.map(() => pathValue)),
        query: queryArbitrary,
        headers: headerArbitrary,
        body: op.method === 'get' || op.method === 'delete' ? fc.constant(undefined) : bodyArbitrary(validBodies(op, ids)),
      });
      await fc.assert(
        fc.asyncProperty(input, async ({ params, query, headers, body }) => {
          let url = op.path;
          op.pathParams.forEach((name, i) => (url = url.replace(`{${name}}`, encodeURIComponent(params[i] as string))));
          const head = await t.store.headPosition();
          let req = request(t.http)[op.method](url).query(query).set({ ...(op.method === 'get' ? {} : headers), authorization: admin });
          if (body !== undefined) req = req.set('content-type', 'application/json').send(body instanceof RawJson ? body.text : JSON.stringify(body));
          const res = await req;
          requests++;
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          const where = `${op.method.toUpperCase()} ${url.slice(0, 200)} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
          if (res.status >= 500) throw new Error(`server error: ${where}`);
          if (res.status >= 400) {
            if (!/^application\/problem\+json/.test(String(res.headers['content-type']))) throw new Error(`error without problem+json: ${where}`);
            if (!validateProblem(res.body)) throw new Error(`problem body breaks the schema: ${where} ${JSON.stringify(ajvErrors())}`);
            if (res.body.status !== res.status) throw new Error(`problem status differs: ${where}`);
            if ((await t.store.headPosition()) !== head) throw new Error(`rejected request changed the event store: ${where}`);
          } else if (op.path !== '/metrics' && !/^application\/json/.test(String(res.headers['content-type']))) {
            throw new Error(`success without JSON: ${where}`);
          }
        }),
        { seed: SEED + index, numRuns: RUNS_PER_OPERATION, endOnFailure: true },
      );
    }
    expect(requests).toBe(operations.length * RUNS_PER_OPERATION);
    // The generators must reach both sides of the validators, or the run proves little.
    expect(Object.keys(statuses).some((s) => s.startsWith('2'))).toBe(true);
    expect(statuses['400']).toBeGreaterThan(0);
  }, 60_000);
});
