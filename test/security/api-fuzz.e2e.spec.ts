/**
 * Property-based API fuzzing with fast-check through supertest, driven by the OpenAPI document:
 * every operation gets bodies and query strings generated from its documented schemas, the suites' known-good
 * bodies, mutations of both (a field dropped, retyped or poisoned; unknown, `__proto__` or `$where` keys added),
 * hostile path params, query values and headers, and plain junk, as admin.
 * Properties: no 5xx (but the documented 503 for an unreached minPosition); every response valid against the schema the document gives for its status (ajv):
 * errors the Problem schema, 2xx the documented success schema; and a rejected (4xx) request leaves the
 * event store head where it was.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import request from 'supertest';
import { call, company, complaint, deal, order, person } from '../commands/helpers';
import { startTestApp, type TestApp } from '../support/app';
import { arbitraryFromSchema, type JsonSchema } from '../support/openapi-arbitrary';

const SEED = Number(process.env.TOUCHPOINT_FUZZ_SEED ?? 20260302);
const RUNS_PER_OPERATION = Number(process.env.TOUCHPOINT_FUZZ_RUNS ?? 25);

interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  pathParams: string[];
  queryParams: Array<{ name: string; schema: JsonSchema }>;
  body?: JsonSchema;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
interface DocumentedOperation {
  parameters?: Array<{ name: string; in: string; schema: JsonSchema }>;
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Operation['responses'];
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

/** Known-good bodies per operation (the document leaves some patterns out), so some requests pass the validators. */
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

/** A body valid by the schema or known good, or a mutation: drop, retype or poison a field; add unknown or prototype-polluting keys; or junk. */
function bodyArbitrary(fromSchema: fc.Arbitrary<unknown>, good: Record<string, unknown>[]): fc.Arbitrary<unknown> {
  const base = fc.oneof(fromSchema, fc.constantFrom(...good)).map((b) => (b && typeof b === 'object' && !Array.isArray(b) ? (b as Record<string, unknown>) : { value: b }));
  // Unmutated bodies weigh more, so commands also succeed and their answers meet the CommandResult schema.
  return fc.oneof(
    { weight: 4, arbitrary: base },
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

const UNKNOWN_QUERY_NAMES = ['filter', '$where', '__proto__', 'email'];
const toQueryValue = (value: unknown): string => (Array.isArray(value) ? value.map(String).join(',') : String(value));

/** Documented query parameters with schema-valid or hostile values, now and then an undocumented one. */
function queryArbitrary(op: Operation, components: Record<string, JsonSchema>): fc.Arbitrary<Record<string, string>> {
  const documented = Object.fromEntries(
    op.queryParams.map((p) => [p.name, fc.oneof({ weight: 3, arbitrary: arbitraryFromSchema(p.schema, components).map(toQueryValue) }, { weight: 1, arbitrary: hostileString })]),
  );
  const unknown = fc.dictionary(fc.constantFrom(...UNKNOWN_QUERY_NAMES), hostileString, { maxKeys: 1 });
  return fc.tuple(fc.record(documented, { requiredKeys: [] }), fc.oneof({ weight: 4, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: unknown })).map(([a, b]) => ({ ...(a as Record<string, string>), ...b }));
}

const headerArbitrary = fc.oneof({ weight: 2, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.record(
  {
    'if-match': fc.oneof(fc.constantFrom('"0"', '*', 'W/"1"', '"-5"', '"abc"'), hostileString.filter((s) => /^[\x20-\x7e]*$/.test(s))),
    'idempotency-key': fc.oneof(fc.constantFrom('k-1', 'k-2'), hostileString.filter((s) => /^[\x20-\x7e]*$/.test(s))),
    'x-correlation-id': hostileString.filter((s) => /^[\x20-\x7e]*$/.test(s)),
  },
  { requiredKeys: [] },
) });

/** The schema the document gives for a status (exact code, else 4XX/5XX) and content type, if any. */
function documentedSchema(op: Operation, status: number, contentType: string): unknown {
  const response = op.responses[String(status)] ?? op.responses[`${String(status)[0]}XX`];
  if (!response) return undefined;
  return response.content?.[contentType]?.schema;
}

describe('API fuzzing against the OpenAPI document (fast-check, fixed seed)', () => {
  let t: TestApp;
  let operations: Operation[];
  let components: Record<string, JsonSchema>;
  let validatorFor: (op: Operation, status: number, contentType: string) => ValidateFunction | undefined;
  const ids = { customerId: '', dealId: '' };
  const coverage = { bodiesFromSchema: 0, validated2xx: 0, validatedCommands: 0 };

  beforeAll(async () => {
    t = await startTestApp({ auth: 'required', env: { TOUCHPOINT_CONSISTENCY_WAIT_MS: '0', TOUCHPOINT_FEED_MAX_WAIT_MS: '0' } });
    const doc = (await request(t.http).get('/openapi.json').expect(200)).body as { paths: Record<string, Record<string, DocumentedOperation>>; components: { schemas: Record<string, JsonSchema> } };
    components = doc.components.schemas;
    operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        method: method as Operation['method'],
        path,
        pathParams: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: (op.parameters ?? []).filter((p) => p.in === 'query'),
        body: op.requestBody?.content['application/json']?.schema,
        responses: op.responses,
      })),
    );
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'openapi', components: doc.components });
    const compiled = new Map<string, ValidateFunction | undefined>();
    validatorFor = (op, status, contentType) => {
      const key = `${op.method} ${op.path} ${status} ${contentType}`;
      if (!compiled.has(key)) {
        const schema = documentedSchema(op, status, contentType);
        // Refs point into the document; ajv knows it as 'openapi'.
        compiled.set(key, schema === undefined ? undefined : ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/'))));
      }
      return compiled.get(key);
    };
    const admin = t.bearer('admin');
    ids.customerId = (await request(t.http).post('/v1/customers').set('authorization', admin).send(person()).expect(201)).body.ids.customerId;
    ids.dealId = (await request(t.http).post('/v1/deals').set('authorization', admin).send(deal(ids.customerId)).expect(201)).body.ids.dealId;
  });
  afterAll(async () => t.close());

  it('covers every operation in the document, with a schema for every body and query parameter', () => {
    expect(operations.length).toBeGreaterThanOrEqual(30);
    expect(operations.filter((op) => op.body).length).toBeGreaterThanOrEqual(18);
    for (const op of operations) for (const p of op.queryParams) expect({ op: op.path, name: p.name, typed: Boolean(p.schema?.type ?? p.schema?.enum) }).toEqual({ op: op.path, name: p.name, typed: true });
  });

  it('no 5xx, every response valid against its documented schema, and rejected requests change nothing', async () => {
    const admin = t.bearer('admin');
    let requests = 0;
    const statuses: Record<string, number> = {};
    for (const [index, op] of operations.entries()) {
      const pathValue = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(ids.customerId, ids.dealId, `customer-${ids.customerId}`, '11111111-1111-4111-8111-111111111111') }, { weight: 1, arbitrary: hostileString.filter((s) => s.length > 0 && s.length < 3000) });
      const fromSchema = op.body ? arbitraryFromSchema(op.body, components).map((b) => (coverage.bodiesFromSchema++, b)) : fc.constant({});
      const input = fc.record({
        params: fc.tuple(...op.pathParams.map(() => pathValue)),
        query: queryArbitrary(op, components),
        headers: headerArbitrary,
        body: op.method === 'get' || op.method === 'delete' ? fc.constant(undefined) : bodyArbitrary(fromSchema, validBodies(op, ids)),
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
          // The one documented 5xx a client can cause: a minPosition the read models have not reached (503 + Retry-After).
          const consistencyWait = res.status === 503 && res.body?.code === 'service_unavailable' && Number(query.minPosition) > 0 && res.headers['retry-after'] === '1';
          if (res.status >= 500 && !consistencyWait) throw new Error(`server error: ${where}`);
          const contentType = String(res.headers['content-type']).split(';')[0];
          if (res.status >= 400) {
            if (contentType !== 'application/problem+json') throw new Error(`error without problem+json: ${where}`);
            if (res.body.status !== res.status) throw new Error(`problem status differs: ${where}`);
            if ((await t.store.headPosition()) !== head) throw new Error(`rejected request changed the event store: ${where}`);
          } else if (op.path !== '/metrics' && contentType !== 'application/json') {
            throw new Error(`success without JSON: ${where}`);
          }
          if (!op.responses[String(res.status)] && !op.responses[`${String(res.status)[0]}XX`] && res.status >= 400) throw new Error(`undocumented status: ${where}`);
          const validate = validatorFor(op, res.status, contentType);
          if (res.status >= 400 && !validate) throw new Error(`no documented error schema: ${where}`);
          if (validate && !validate(res.body)) throw new Error(`response breaks the documented schema: ${where} ${JSON.stringify(validate.errors)}`);
          if (validate && res.status < 300) coverage[op.method === 'get' ? 'validated2xx' : 'validatedCommands']++;
        }),
        { seed: SEED + index, numRuns: RUNS_PER_OPERATION, endOnFailure: true },
      );
    }
    if (process.env.TOUCHPOINT_FUZZ_REPORT) process.stderr.write(JSON.stringify({ statuses, coverage }) + "\n");
    expect(requests).toBe(operations.length * RUNS_PER_OPERATION);
    // The generators must reach both sides of the validators, or the run proves little.
    expect(Object.keys(statuses).some((s) => s.startsWith('2'))).toBe(true);
    expect(statuses['400']).toBeGreaterThan(0);
    expect(coverage.bodiesFromSchema).toBeGreaterThan(0);
    expect(coverage.validated2xx).toBeGreaterThan(0);
    expect(coverage.validatedCommands).toBeGreaterThan(0);
  }, 60_000);
});
