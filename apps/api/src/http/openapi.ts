import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import type { OpenAPIObject } from '@nestjs/swagger';
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
      // Writes that are not commands on the record (an import's job, a model fit) document their own answers.
      if (method !== 'get' && !(op as unknown as Record<string, unknown>)['x-not-a-command']) {
        if (!Object.keys(op.responses).some((code) => code.startsWith('2'))) op.responses['200'] = { description: '' };
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

/**
 * Path parameters as their pipes check them (`PathParam`: a UUID, a name, a pattern), so the document allows exactly
 * what the API accepts: read from each controller route's parameter pipes.
 */
export function describePathParameters(document: OpenAPIObject, controllers: ReadonlyArray<Function>): void {
  for (const type of controllers) {
    const base = String(Reflect.getMetadata(PATH_METADATA, type) ?? '');
    for (const key of Object.getOwnPropertyNames(type.prototype)) {
      const handler = (type.prototype as Record<string, unknown>)[key];
      if (key === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number].toLowerCase();
      const path = `/${[base, String(Reflect.getMetadata(PATH_METADATA, handler))].filter((p) => p && p !== '/').join('/')}`.replace(/:(\w+)/g, '{$1}');
      const operation = (document.paths[path] as Record<string, { parameters?: Array<{ name: string; in: string; schema?: unknown }> }> | undefined)?.[method];
      if (!operation) continue;
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, type, key) ?? {}) as Record<string, { pipes?: unknown[] }>;
      for (const arg of Object.values(args)) {
        for (const pipe of arg.pipes ?? []) {
          if (!(pipe instanceof PathParam)) continue;
          const parameter = operation.parameters?.find((p) => p.in === 'path' && p.name === pipe.parameterName);
          if (parameter) parameter.schema = pipe.schema;
        }
      }
    }
  }
}
