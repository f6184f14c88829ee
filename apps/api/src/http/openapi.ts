import { RequestMethod } from '@nestjs/common';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import type { OpenAPIObject } from '@nestjs/swagger';
import { CURRENCY_CODES } from '@touchpoint/domain';
import { getMetadataStorage } from 'class-validator';
import { PathParam } from './params';

type Schema = Record<string, unknown>;

export const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem details (application/problem+json)',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string', pattern: '^urn:touchpoint:problem:[a-z0-9-]+$' },
    title: { type: 'string' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    code: { type: 'string', pattern: '^[a-z0-9_]+$' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', required: ['field', 'code', 'message'], properties: { field: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } } },
    },
  },
} as const;

/** What every command endpoint answers (CommandResult in libs/application). */
export const COMMAND_RESULT_SCHEMA = {
  type: 'object',
  description: 'The events a command appended (or, with replayed, the earlier answer to the same Idempotency-Key). ETag carries streamRevision.',
  required: ['streamId', 'streamRevision', 'globalPosition', 'ids', 'events'],
  properties: {
    streamId: { type: 'string' },
    streamRevision: { type: 'integer', minimum: -1 },
    globalPosition: { type: 'integer', minimum: -1 },
    ids: { type: 'object', additionalProperties: { type: 'string' }, description: 'ids of what the command created or touched, e.g. customerId, dealId, orderId' },
    events: {
      type: 'array',
      items: {
        type: 'object',
        required: ['eventId', 'type', 'streamRevision', 'globalPosition'],
        properties: { eventId: { type: 'string' }, type: { type: 'string' }, streamRevision: { type: 'integer' }, globalPosition: { type: 'integer' } },
      },
    },
    replayed: { type: 'boolean' },
  },
} as const;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const UNKNOWN_FIELDS = 'Unknown fields are rejected with 400 (code unknown_field).';

/** Component names a schema refers to, directly or through arrays, allOf and nested properties. */
function referencedSchemas(schema: unknown, into = new Set<string>()): Set<string> {
  if (!schema || typeof schema !== 'object') return into;
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$ref' && typeof value === 'string') into.add(value.replace('#/components/schemas/', ''));
    else referencedSchemas(value, into);
  }
  return into;
}

/**
 * Completes what the Swagger plugin leaves out: one Problem schema for every 4XX/5XX, the command result
 * for command successes, and additionalProperties: false on request bodies (the validation pipe rejects unknown fields).
 */
export function completeOpenApiDocument(document: OpenAPIObject): void {
  const schemas = (document.components ??= {}).schemas ??= {};
  schemas.Problem = PROBLEM_SCHEMA as never;
  schemas.CommandResult = COMMAND_RESULT_SCHEMA as never;
  const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };
  const commandResult = { 'application/json': { schema: { $ref: '#/components/schemas/CommandResult' } } };
  const bodies = new Set<string>();
  for (const operations of Object.values(document.paths)) {
    for (const method of METHODS) {
      const op = operations[method];
      if (!op) continue;
      // @Roles on both class and method would list the bearer requirement twice.
      if (op.security) op.security = [...new Map(op.security.map((r) => [JSON.stringify(r), r])).values()];
      if (op.requestBody) referencedSchemas(op.requestBody, bodies);
      // A body whose every field is optional may be left out altogether.
      const bodySchema = (op.requestBody as { content?: Record<string, { schema?: { $ref?: string } }> } | undefined)?.content?.['application/json']?.schema?.$ref?.replace('#/components/schemas/', '');
      if (bodySchema && op.requestBody && !((schemas[bodySchema] as { required?: string[] } | undefined)?.required?.length)) (op.requestBody as { required?: boolean }).required = false;
      // Writes that are not commands on the record (an import's job, a model fit) document their own answers.
      if (method !== 'get' && !(op as unknown as Record<string, unknown>)['x-not-a-command']) {
        if (!Object.keys(op.responses).some((code) => code.startsWith('2'))) op.responses['200'] = { description: '' };
        // 201 when the command created something (with Location), 200 when it changed or replayed: both can come.
        if (method === 'post' || method === 'put') {
          op.responses['200'] ??= { description: 'Command applied (or replayed)' };
          op.responses['201'] ??= { description: 'Created; Location names it' };
        }
        for (const [code, response] of Object.entries(op.responses)) if (code.startsWith('2')) op.responses[code] = { ...response, description: (response as { description?: string }).description || 'Command applied', content: commandResult } as never;
      }
      if (op.parameters?.some((p) => 'in' in p && p.in === 'query')) op.description = [op.description, 'Unknown query parameters are rejected with 400 (code unknown_field).'].filter(Boolean).join('\n\n');
      for (const [code, response] of Object.entries(op.responses)) if (/^[45]/.test(code)) op.responses[code] = { ...response, content: problem } as never;
      op.responses['4XX'] ??= { description: 'Invalid request, not found, conflict, rule violated, body too large (problem+json)', content: problem };
      op.responses['5XX'] ??= { description: 'Server error or dependency unavailable (problem+json; no internals)', content: problem };
    }
  }
  // Nested DTOs (AddressDto, OrderLineDto, …) are validated as strictly as the bodies holding them.
  for (let grew = true; grew; ) {
    const before = bodies.size;
    for (const name of [...bodies]) referencedSchemas(schemas[name], bodies);
    grew = bodies.size > before;
  }
  for (const name of bodies) {
    const schema = schemas[name] as Schema | undefined;
    if (schema && schema.type === 'object') Object.assign(schema, { additionalProperties: false, description: [schema.description, UNKNOWN_FIELDS].filter(Boolean).join(' ') });
  }
}

type ParameterObject = { name: string; in: string; schema?: Record<string, unknown> };
type OperationObject = { parameters?: ParameterObject[]; responses: Record<string, unknown> };

/** Header parameters as the command context checks them (apps/api/src/http/command-context.factory.ts, consistency.ts). */
const HEADER_SCHEMAS: Record<string, Record<string, unknown>> = {
  'idempotency-key': { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
  'if-match': { type: 'string', pattern: '^(\\*|(W/)?"?(\\d{1,15}|-0{0,14}1|-0{1,15})"?)$' },
  'x-min-position': { type: 'string', pattern: '^\\d{1,15}$' },
  'x-correlation-id': { type: 'string', pattern: '^[A-Za-z0-9._:@-]{1,128}$' },
  'x-actor': { type: 'string', pattern: '^[A-Za-z0-9._:@-]{1,128}$' },
};
/** Headers only commands read: on a read they would be ignored, so a read does not declare them. */
const COMMAND_HEADERS = new Set(['idempotency-key', 'if-match']);

/** What the class-validator constraints of one property add to its schema, where the Swagger plugin cannot see them. */
function fromValidators(target: Function, property: string): { value: Record<string, unknown>; items: Record<string, unknown> } {
  const value: Record<string, unknown> = {};
  const items: Record<string, unknown> = {};
  for (const m of getMetadataStorage().getTargetValidationMetadatas(target, '', true, false)) {
    if (m.propertyName !== property) continue;
    const into = m.each ? items : value;
    const c = m.constraints ?? [];
    switch (m.name) {
      case 'isInt':
        into.type = 'integer';
        break;
      case 'matches':
        if (c[0] instanceof RegExp && c[0].flags === '') into.pattern = c[0].source;
        break;
      case 'isCurrencyCode':
        into.enum = CURRENCY_CODES;
        break;
      case 'isIso8601':
        into.format = 'date-time';
        if (into.pattern === undefined) into.pattern = '^[1-9]\\d{3}-'; // years 1000–9999, as the validator's dates
        break;
      case 'isIn':
        if (Array.isArray(c[0])) into.enum = c[0];
        break;
      case 'min':
        if (typeof c[0] === 'number') into.minimum = c[0];
        break;
      case 'max':
        if (typeof c[0] === 'number') into.maximum = c[0];
        break;
      case 'arrayMinSize':
        value.minItems = c[0];
        break;
      case 'arrayMaxSize':
        value.maxItems = c[0];
        break;
    }
  }
  return { value, items };
}

function apply(schema: Record<string, unknown>, add: { value: Record<string, unknown>; items: Record<string, unknown> }): void {
  const target = schema.type === 'array' && schema.items && typeof schema.items === 'object' ? (schema.items as Record<string, unknown>) : schema;
  const own = target === schema ? { ...add.value, ...add.items } : add.items;
  if (target !== schema) Object.assign(schema, { ...(add.value.minItems !== undefined && { minItems: add.value.minItems }), ...(add.value.maxItems !== undefined && { maxItems: add.value.maxItems }) });
  const scalar = { ...own };
  delete scalar.minItems;
  delete scalar.maxItems;
  if (scalar.enum) {
    delete target.pattern;
    delete target.format;
    if (target.type === undefined || target.type === 'number') target.type = typeof (scalar.enum as unknown[])[0] === 'number' ? 'number' : 'string';
  }
  if (scalar.pattern !== undefined && target.pattern !== undefined && scalar.format === undefined) delete scalar.pattern; // keep the plugin's own
  Object.assign(target, scalar);
}

/**
 * Route parameters as the API checks them, so the document allows exactly what the API accepts: path parameters
 * from the pipes that check them (`PathParam`: a UUID, a name, a pattern), query parameters from the constraints
 * of the route's query DTO, headers as the command context parses them. Reads do not declare command headers.
 */
/** Each route handler of the controllers with its operation in the document. */
function* routes(document: OpenAPIObject, controllers: ReadonlyArray<Function>): Generator<{ type: Function; key: string; method: string; operation: OperationObject }> {
  for (const type of controllers) {
    const base = String(Reflect.getMetadata(PATH_METADATA, type) ?? '');
    for (const key of Object.getOwnPropertyNames(type.prototype)) {
      const handler = (type.prototype as Record<string, unknown>)[key];
      if (key === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number].toLowerCase();
      const path = `/${[base, String(Reflect.getMetadata(PATH_METADATA, handler))].filter((p) => p && p !== '/').join('/')}`.replace(/:(\w+)/g, '{$1}');
      const operation = (document.paths[path] as Record<string, OperationObject> | undefined)?.[method];
      if (operation) yield { type, key, method, operation };
    }
  }
}

export function describeRouteParameters(document: OpenAPIObject, controllers: ReadonlyArray<Function>): void {
  for (const { type, key, method, operation } of routes(document, controllers)) {
    const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, type, key) ?? {}) as Record<string, { index: number; data?: unknown; pipes?: unknown[] }>;
    const paramTypes = (Reflect.getMetadata('design:paramtypes', type.prototype, key) ?? []) as Function[];
    for (const [argKey, arg] of Object.entries(args)) {
      for (const pipe of arg.pipes ?? []) {
        if (!(pipe instanceof PathParam)) continue;
        const parameter = operation.parameters?.find((p) => p.in === 'path' && p.name === pipe.parameterName);
        if (parameter) parameter.schema = pipe.schema;
      }
      if (Number(argKey.split(':')[0]) === RouteParamtypes.QUERY && arg.data === undefined && paramTypes[arg.index]) {
        for (const parameter of operation.parameters ?? []) if (parameter.in === 'query' && parameter.schema) apply(parameter.schema, fromValidators(paramTypes[arg.index], parameter.name));
      }
    }
    operation.parameters = operation.parameters?.filter((p) => !(method === 'get' && p.in === 'header' && COMMAND_HEADERS.has(p.name.toLowerCase())));
    for (const parameter of operation.parameters ?? []) if (parameter.in === 'header' && HEADER_SCHEMAS[parameter.name.toLowerCase()]) parameter.schema = { ...HEADER_SCHEMAS[parameter.name.toLowerCase()] };
    // A read whose return type the plugin could not see still answers 200 with JSON.
    if (method === 'get' && !Object.keys(operation.responses ?? {}).some((status) => status.startsWith('2'))) operation.responses = { '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } }, ...operation.responses };
  }
}

/** Request bodies: the constraints of each DTO class the Swagger plugin could not see, written into its schema. */
export function describeValidators(document: OpenAPIObject, classes: Record<string, Function>): void {
  const schemas = (document.components?.schemas ?? {}) as Record<string, { properties?: Record<string, Record<string, unknown>>; anyOf?: unknown[] }>;
  for (const [name, schema] of Object.entries(schemas)) {
    const target = classes[name];
    if (!target || !schema.properties) continue;
    for (const [property, propertySchema] of Object.entries(schema.properties)) apply(propertySchema, fromValidators(target, property));
  }
  // An order gives its lines, its total, or both.
  if (schemas.PlaceOrderDto) schemas.PlaceOrderDto.anyOf = [{ required: ['lines'] }, { required: ['total'] }];
}

type Generated = { components: Record<string, object>; operations: Record<string, object> };

/**
 * Response bodies from the controllers' return types (apps/api/src/openapi-responses.ts, generated by
 * `npm run openapi:metadata`): every JSON read, and each write that answers more than the CommandResult.
 */
export function describeResponses(document: OpenAPIObject, controllers: ReadonlyArray<Function>, generated: Generated): void {
  const schemas = ((document.components ??= {}).schemas ??= {}) as Record<string, unknown>;
  // A generated component named like one already in the document (a request DTO, Problem) is renamed.
  const renamed = new Map<string, string>();
  for (const name of Object.keys(generated.components)) {
    let unique = name;
    for (let i = 2; unique in schemas && name !== 'CommandResult'; i++) unique = `${name}Response${i === 2 ? '' : i}`;
    renamed.set(name, unique);
  }
  const relink = (schema: object) =>
    JSON.parse(JSON.stringify(schema), (key, value) => (key === '$ref' && typeof value === 'string' ? `#/components/schemas/${renamed.get(value.replace('#/components/schemas/', '')) ?? value}` : value)) as object;
  for (const [name, schema] of Object.entries(generated.components)) if (name !== 'CommandResult') schemas[renamed.get(name)!] = relink(schema);
  for (const { type, key, method, operation } of routes(document, controllers)) {
    const schema = generated.operations[`${type.name}.${key}`] as { $ref?: string } | undefined;
    if (!schema || (method !== 'get' && schema.$ref === '#/components/schemas/CommandResult')) continue;
    for (const [status, response] of Object.entries(operation.responses) as Array<[string, { content?: Record<string, { schema?: unknown }> }]>) {
      if (!status.startsWith('2')) continue;
      const json = response.content?.['application/json'];
      if (json === undefined && Object.keys(response.content ?? {}).length > 0) continue; // text, bytes or a stream
      // A new content map: operations share the one completeOpenApiDocument gave them.
      response.content = { ...response.content, 'application/json': { ...json, schema: relink(schema) } };
      // Accept: text/csv (CsvExport): the same answer as a table.
      if (response.content['text/csv']) response.content['text/csv'] = { schema: { type: 'string', description: 'CSV (RFC 4180, CRLF) with a header row; the next page’s cursor in X-Next-Cursor' } };
    }
  }
}
