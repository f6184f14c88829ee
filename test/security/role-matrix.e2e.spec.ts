/**
 * Walks every route of the running app with no credentials, a bad token, a revoked key and each role,
 * and checks the guard's decision against the roles the route declares (read from the OpenAPI document).
 * A route added later is covered automatically; one without @Roles/@Public fails here.
 */
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { ROLES, type Role } from '@touchpoint/auth';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { IS_PUBLIC, REQUIRED_ROLES } from '../../apps/api/src/auth';

interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  roles: string[];
}

const ID = '11111111-1111-4111-8111-111111111111';
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, ID);

function call(t: TestApp, op: Operation, authorization?: string) {
  const req = request(t.http)[op.method](concrete(op.path));
  if (authorization) req.set('authorization', authorization);
  return op.method === 'get' || op.method === 'delete' ? req : req.send({});
}

// Every protected route (over a hundred) under six credentials and every role: more than 5 s on a loaded machine.
jest.setTimeout(30_000);

describe('role matrix (auth required)', () => {
  let t: TestApp;
  let operations: Operation[];
  let revoked: string;

  beforeAll(async () => {
    t = await startTestApp({ auth: 'required' });
    const doc = (await request(t.http).get('/openapi.json').expect(200)).body as { paths: Record<string, Record<string, Record<string, unknown>>> };
    operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ method: method as Operation['method'], path, roles: op['x-required-roles'] as string[] })),
    );
    const { issueApiKey } = await import('@touchpoint/auth');
    const key = await issueApiKey(t.apiKeyStore, { name: 'revoked', roles: ['admin'], now: t.clock.now() });
    await t.apiKeyStore.revoke(key.record.id, t.clock.now().toISOString());
    revoked = key.secret;
  });
  afterAll(async () => t.close());

  it('every controller route is in the OpenAPI document and declares @Roles or @Public', () => {
    const declared: string[] = [];
    const undeclared: string[] = [];
    for (const module of t.app.get(ModulesContainer).values()) {
      for (const wrapper of module.controllers.values()) {
        const type = wrapper.metatype as { prototype: Record<string, unknown> } & object;
        const base = String(Reflect.getMetadata(PATH_METADATA, type) ?? '');
        for (const name of Object.getOwnPropertyNames(type.prototype)) {
          const handler = type.prototype[name] as object;
          if (name === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
          const route = `${RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number].toLowerCase()} /${[base, String(Reflect.getMetadata(PATH_METADATA, handler))].filter((p) => p && p !== '/').join('/')}`.replace(/:(\w+)/g, '{$1}');
          declared.push(route);
          const open = Reflect.getMetadata(IS_PUBLIC, handler) ?? Reflect.getMetadata(IS_PUBLIC, type);
          const roles = Reflect.getMetadata(REQUIRED_ROLES, handler) ?? Reflect.getMetadata(REQUIRED_ROLES, type);
          if (!open && !roles?.length) undeclared.push(route);
        }
      }
    }
    expect(undeclared).toEqual([]);
    expect(declared.sort()).toEqual(operations.map((o) => `${o.method} ${o.path}`).sort());
    expect(operations.length).toBeGreaterThanOrEqual(30);
  });

  it('every operation states its roles in x-required-roles (public ones an empty list)', () => {
    for (const op of operations) expect({ op: `${op.method} ${op.path}`, roles: Array.isArray(op.roles) && op.roles.every((r) => (ROLES as readonly string[]).includes(r)) }).toEqual({ op: `${op.method} ${op.path}`, roles: true });
    // The calendar feed is public to the guard: calendar apps send no headers, so its token is in the URL.
    expect(operations.filter((o) => o.roles.length === 0).map((o) => `${o.method} ${o.path}`).sort()).toEqual(['get /health', 'get /v1/calendar/{file}']);
  });

  it('protected operations carry the bearer security requirement once; public ones none', async () => {
    const doc = (await request(t.http).get('/openapi.json').expect(200)).body as { paths: Record<string, Record<string, { security?: unknown; 'x-required-roles': string[] }>> };
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect({ op: `${method} ${path}`, security: op.security }).toEqual({ op: `${method} ${path}`, security: op['x-required-roles'].length ? [{ bearer: [] }] : undefined });
      }
    }
  });

  it('no credentials, a malformed or unknown token and a revoked key get 401 on every protected route', async () => {
    for (const op of operations.filter((o) => o.roles.length)) {
      for (const authorization of [undefined, 'Bearer', 'Basic dXNlcjpwYXNz', `Bearer tp_${'x'.repeat(43)}`, 'Bearer eyJhbGciOiJub25lIn0.e30.', `Bearer ${revoked}`]) {
        const res = await call(t, op, authorization);
        expect({ op: `${op.method} ${op.path}`, authorization, status: res.status, type: String(res.headers['content-type']).split(';')[0] }).toEqual({ op: `${op.method} ${op.path}`, authorization, status: 401, type: 'application/problem+json' });
        expect(res.headers['www-authenticate']).toBe('Bearer');
      }
    }
  });

  it.each(ROLES.map((r) => [r]))('role %s: 403 exactly where the route does not list it, a non-auth answer elsewhere', async (role: Role) => {
    const decisions: Array<{ op: string; allowed: boolean }> = [];
    for (const op of operations) {
      const res = await call(t, op, t.bearer(role));
      const allowed = op.roles.length === 0 || op.roles.includes(role);
      decisions.push({ op: `${op.method} ${op.path}`, allowed });
      if (allowed) expect({ op: `${op.method} ${op.path}`, status: [401, 403].includes(res.status) ? res.status : 'passed the guard' }).toEqual({ op: `${op.method} ${op.path}`, status: 'passed the guard' });
      else expect({ op: `${op.method} ${op.path}`, status: res.status, code: res.body.code }).toEqual({ op: `${op.method} ${op.path}`, status: 403, code: 'forbidden' });
    }
    if (role === 'admin') expect(decisions.every((d) => d.allowed)).toBe(true);
  });

  it('public routes need no credentials', async () => {
    await request(t.http).get('/health').expect(200);
    await request(t.http).get('/openapi.json').expect(200);
    await request(t.http).get('/docs').expect(200);
  });
});
