import { Inject, Injectable } from '@nestjs/common';
import type { CommandContext } from '@touchpoint/application';
import type { ExpectedRevision } from '@touchpoint/event-store';
import { ID_GENERATOR, type IdGenerator } from '@touchpoint/platform';
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { BadRequestProblem } from './problem';

const TOKEN = /^[A-Za-z0-9._:@\-]{1,128}$/;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** Resolves who is acting. Today: the X-Actor header (dev); the auth layer replaces this one provider. */
export const ACTOR_RESOLVER = Symbol('ACTOR_RESOLVER');
export interface ActorResolver {
  resolve(request: FastifyRequest): string;
}

export const headerActorResolver: ActorResolver = {
  resolve(request) {
    const actor = header(request, 'x-actor');
    if (actor === undefined) return 'anonymous';
    if (!TOKEN.test(actor)) throw new BadRequestProblem([{ field: 'header:X-Actor', code: 'invalid_header', message: 'X-Actor must be 1–128 characters of [A-Za-z0-9._:@-]' }]);
    return actor;
  },
};

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  if (Array.isArray(value)) throw new BadRequestProblem([{ field: `header:${name}`, code: 'duplicate_header', message: `${name} given more than once` }]);
  return value;
}

/** `If-Match: "3"` (or W/"3", or 3) → revision 3; `*` → the stream must exist. */
export function parseIfMatch(value: string | undefined): ExpectedRevision | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '*') return 'stream_exists';
  const m = /^(?:W\/)?"?(-?\d{1,15})"?$/.exec(trimmed);
  if (!m || Number(m[1]) < -1) {
    throw new BadRequestProblem([{ field: 'header:If-Match', code: 'invalid_header', message: 'If-Match must be a stream revision such as "3", or *' }]);
  }
  return Number(m[1]) === -1 ? 'no_stream' : Number(m[1]);
}

/** Path without query, UUIDs in lower case (as the routes treat them). */
function normalisedPath(url: string): string {
  return url.split('?')[0].replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, (u) => u.toLowerCase());
}

/** Canonical JSON (sorted keys), so the same request always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

@Injectable()
export class CommandContextFactory {
  constructor(
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(ACTOR_RESOLVER) private readonly actors: ActorResolver,
  ) {}

  from(request: FastifyRequest): CommandContext {
    const actor = this.actors.resolve(request);
    const causationId = this.ids.next();
    const correlation = header(request, 'x-correlation-id');
    if (correlation !== undefined && !TOKEN.test(correlation)) {
      throw new BadRequestProblem([{ field: 'header:X-Correlation-Id', code: 'invalid_header', message: 'X-Correlation-Id must be 1–128 characters of [A-Za-z0-9._:@-]' }]);
    }
    const key = header(request, 'idempotency-key');
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw new BadRequestProblem([{ field: 'header:Idempotency-Key', code: 'invalid_header', message: 'Idempotency-Key must be 1–255 visible ASCII characters' }]);
    }
    const expectedRevision = parseIfMatch(header(request, 'if-match'));
    return {
      actor,
      correlationId: correlation ?? causationId,
      causationId,
      ...(key !== undefined && {
        // Keys are scoped to the actor (length-prefixed, so no actor/key split can collide with another).
        idempotencyKey: `${actor.length}:${actor}:${key}`,
        requestHash: createHash('sha256').update(`${request.method} ${normalisedPath(request.url)} ${canonical(request.body)}`).digest('hex'),
      }),
      ...(expectedRevision !== undefined && { expectedRevision }),
    };
  }
}
