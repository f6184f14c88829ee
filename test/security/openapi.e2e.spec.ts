/**
 * The OpenAPI document tells the truth about inputs: every request body names its fields, which are required
 * (the same ones class-validator demands) and that unknown fields are rejected; every path and query parameter
 * has a schema; every error is the Problem schema and every command success the CommandResult schema.
 * The schemas come from apps/api/src/openapi-metadata.ts: after changing a DTO, run `npm run openapi:metadata`
 * (a field missing from the document fails the first test here).
 */
import 'reflect-metadata';
import * as lifetimeValueDtos from '../../apps/api/src/lifetime-value/lifetime-value.dtos';
import * as pipelineDtos from '../../apps/api/src/pipeline/pipeline.dtos';
import * as identityDtos from '../../apps/api/src/identity/identity.dtos';
import * as taskDtos from '../../apps/api/src/tasks/tasks.dtos';
import * as paymentDtos from '../../apps/api/src/customers/payments.dtos';
import * as salesDtos from '../../apps/api/src/sales/sales.dtos';
import * as quoteDtos from '../../apps/api/src/quotes/quotes.dtos';
import * as webhookDtos from '../../apps/api/src/webhooks/webhooks.dtos';
import { getMetadataStorage } from 'class-validator';
import request from 'supertest';
import * as customerDtos from '../../apps/api/src/customers/customer.dtos';
import * as dealDtos from '../../apps/api/src/deals/deal.dtos';
import { person } from '../commands/helpers';
import { startTestApp, type TestApp } from '../support/app';

type Schema = { $ref?: string; type?: string; properties?: Record<string, Schema>; required?: string[]; additionalProperties?: unknown; description?: string };
interface Operation {
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  parameters?: Array<{ name: string; in: string; schema?: Schema }>;
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
  description?: string;
}

const DTO_CLASSES: Record<string, Function> = Object.fromEntries(
  Object.entries({ ...customerDtos, ...dealDtos, ...lifetimeValueDtos, ...pipelineDtos, ...identityDtos, ...taskDtos, ...paymentDtos, ...salesDtos, ...quoteDtos, ...webhookDtos }).filter(([, value]) => typeof value === 'function') as Array<[string, Function]>,
);

/** Fields class-validator lets the client leave out (@IsOptional, or our @Optional through ValidateIf). */
function validatorView(dto: Function): { fields: Set<string>; optional: Set<string> } {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  return {
    fields: new Set(metadata.map((m) => m.propertyName)),
    optional: new Set(metadata.filter((m) => m.type === 'conditionalValidation').map((m) => m.propertyName)),
  };
}

describe('OpenAPI document: request and response schemas', () => {
  let t: TestApp;
  let doc: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };
  const operations = () => Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));
  const resolve = (schema: Schema): [string, Schema] => {
    const name = schema.$ref!.replace('#/components/schemas/', '');
    return [name, doc.components.schemas[name]];
  };

  beforeAll(async () => {
    t = await startTestApp({ auth: 'required' });
    doc = (await request(t.http).get('/openapi.json').expect(200)).body;
  });
  afterAll(async () => t.close());

  it('every request body is a named schema whose fields and required list match the validators, closed to unknown fields', () => {
    // JSON bodies; an import's body is a stream of records (NDJSON or CSV), documented as such.
    const withBody = operations().filter(({ op }) => op.requestBody?.content['application/json']);
    const imports = doc.paths['/v1/imports'].post.requestBody!.content;
    expect(Object.keys(imports).sort()).toEqual(['application/gzip', 'application/ndjson', 'application/x-ndjson', 'text/csv']);
    // Every command takes a body except those that name everything in the path.
    const commandsWithoutBody = operations().filter(({ method, op }) => method !== 'get' && !op.requestBody).map(({ method, path }) => `${method} ${path}`);
    expect(commandsWithoutBody.sort()).toEqual([
      'delete /v1/customers/{id}/contacts/{contactId}',
      'delete /v1/subscriptions/{id}',
      'post /v1/customers/{id}/erasure',
      'post /v1/subscriptions/{id}/pause',
      'post /v1/subscriptions/{id}/resume',
      'post /v1/subscriptions/{id}/secret',
    ]);
    expect(withBody.length).toBeGreaterThanOrEqual(18);
    const checked = new Set<string>();
    const check = (name: string, schema: Schema) => {
      if (checked.has(name)) return;
      checked.add(name);
      const dto = DTO_CLASSES[name];
      expect({ name, known: Boolean(dto) }).toEqual({ name, known: true });
      const { fields, optional } = validatorView(dto);
      expect({ name, properties: Object.keys(schema.properties ?? {}).sort() }).toEqual({ name, properties: [...fields].sort() });
      expect({ name, required: [...(schema.required ?? [])].sort() }).toEqual({ name, required: [...fields].filter((f) => !optional.has(f)).sort() });
      expect({ name, additionalProperties: schema.additionalProperties }).toEqual({ name, additionalProperties: false });
      expect(schema.description).toMatch(/Unknown fields are rejected/);
      for (const property of Object.values(schema.properties ?? {})) {
        const nested = property.$ref ? property : (property as { items?: Schema }).items?.$ref ? (property as { items: Schema }).items : (property as { allOf?: Schema[] }).allOf?.[0];
        if (nested?.$ref) check(...resolve(nested));
      }
    };
    for (const { path, method, op } of withBody) {
      const schema = op.requestBody!.content['application/json']?.schema;
      expect({ path, method, ref: schema?.$ref }).toEqual({ path, method, ref: expect.stringMatching(/^#\/components\/schemas\/\w+Dto$/) });
      check(...resolve(schema!));
    }
    // Nested DTOs are held to the same rules.
    expect([...checked]).toEqual(expect.arrayContaining(['AddressDto', 'OrderLineDto', 'ReturnedLineDto']));
  });

  it('every path parameter in a route template is documented with a schema; every query parameter has a schema', () => {
    for (const { path, method, op } of operations()) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const documented = (op.parameters ?? []).filter((p) => p.in === 'path');
      expect({ path, method, params: documented.map((p) => p.name).sort() }).toEqual({ path, method, params: inPath });
      for (const p of op.parameters ?? []) expect({ path, name: p.name, type: p.schema?.type ?? (p.schema?.$ref ? 'ref' : undefined) }).toEqual({ path, name: p.name, type: expect.any(String) });
      if (op.parameters?.some((p) => p.in === 'query')) expect(op.description).toMatch(/Unknown query parameters are rejected/);
    }
    const list = doc.paths['/v1/customers'].get.parameters!.filter((p) => p.in === 'query').map((p) => p.name);
    expect(list).toEqual(expect.arrayContaining(['tier', 'sort', 'limit', 'cursor']));
  });

  it('errors are documented as the Problem schema and command successes as CommandResult', () => {
    expect(operations().filter(({ op }) => (op as { 'x-not-a-command'?: boolean })['x-not-a-command']).map(({ method, path }) => `${method} ${path}`).sort()).toEqual(['post /v1/analytics/lifetime-value/fits', 'post /v1/imports']);
    for (const { path, method, op } of operations()) {
      for (const [code, response] of Object.entries(op.responses)) {
        if (/^[45]/.test(code)) expect({ path, method, code, schema: response.content?.['application/problem+json']?.schema }).toEqual({ path, method, code, schema: { $ref: '#/components/schemas/Problem' } });
        // Commands answer CommandResult; the two writes that are not commands on the record (an import job, a model fit) say so and document their own answer.
        const notACommand = (op as { 'x-not-a-command'?: boolean })['x-not-a-command'] === true;
        // Creating a webhook subscription and rotating its secret answer the CommandResult's fields and the secret (shown once).
        const withSecret = ['post /v1/subscriptions', 'post /v1/subscriptions/{id}/secret'].includes(`${method} ${path}`);
        if (method !== 'get' && code.startsWith('2') && !notACommand && !withSecret) expect({ path, method, code, schema: response.content?.['application/json']?.schema }).toEqual({ path, method, code, schema: { $ref: '#/components/schemas/CommandResult' } });
        if (withSecret && code.startsWith('2')) expect((response.content?.['application/json']?.schema as Schema).required).toEqual(expect.arrayContaining(['secret', ...doc.components.schemas.CommandResult.required!]));
        if (notACommand && code.startsWith('2')) {
          const schema = response.content?.['application/json']?.schema as Schema;
          expect(schema.$ref ? resolve(schema)[1] : schema).toMatchObject({ type: 'object', required: expect.any(Array) });
        }
      }
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['4XX', '5XX']));
    }
    expect(doc.components.schemas.Problem.required).toEqual(['type', 'title', 'status', 'code']);
  });

  it('the documented rule holds: an unknown field is refused with 400 unknown_field and nothing is stored', async () => {
    const head = await t.store.headPosition();
    const res = await request(t.http).post('/v1/customers').set('authorization', t.bearer('admin')).send({ ...person(), isAdmin: true }).expect(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'isAdmin', code: 'unknown_field' })]);
    expect(await t.store.headPosition()).toBe(head);
  });
});
