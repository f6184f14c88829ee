/**
 * Unknown fields are refused in the query string too: a GET that declares no query parameters in the OpenAPI
 * document answers 400 `unknown_field` naming what was sent, before it reads anything; one that declares some refuses
 * an undeclared one the same way (through its DTO).
 */
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { expectProblem } from '../queries/helpers';

interface Operation {
  parameters?: Array<{ name: string; in: string }>;
}

const ID = '6f1d4c52-3a7e-4b0e-9c1a-2f4b8e7d9a31';
/** Path parameters that are not ids, given well-formed values so the route reaches its query. */
const PATH_VALUES: Record<string, string> = { streamId: `customer-${ID}`, file: 'sales:ivan.ics' };

describe('undeclared query parameters', () => {
  let t: TestApp;
  let gets: Array<{ path: string; declaresQuery: boolean }>;
  beforeAll(async () => {
    t = await startTestApp({ engine: 'memory', auth: 'required' });
    const doc = (await request(t.http).get('/openapi.json').expect(200)).body as { paths: Record<string, Record<string, Operation>> };
    gets = Object.entries(doc.paths)
      .filter(([, ops]) => ops.get)
      .map(([path, ops]) => ({ path: path.replace(/\{([^}]+)\}/g, (_m, name: string) => PATH_VALUES[name] ?? ID), declaresQuery: (ops.get.parameters ?? []).some((p) => p.in === 'query') }));
  });
  afterAll(() => t.close());

  it('the document has GETs of both kinds, among them the ones that once let anything through', () => {
    const without = gets.filter((g) => !g.declaresQuery).map((g) => g.path);
    expect(without).toEqual(expect.arrayContaining(['/v1/session', '/v1/subscriptions', '/metrics', '/health']));
    expect(gets.filter((g) => g.declaresQuery).length).toBeGreaterThan(10);
  });

  it('every GET refuses a field it does not declare, naming it', async () => {
    const refused: string[] = [];
    for (const { path } of gets) {
      const res = await request(t.http).get(`${path}?bogusField=1`).set('authorization', t.bearer('admin'));
      if (res.status !== 400 || !(res.body.errors ?? []).some((e: { field: string; code: string }) => e.field === 'bogusField' && e.code === 'unknown_field')) refused.push(`${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
    }
    expect(refused).toEqual([]);
  });

  it('a route without query parameters still answers without any', async () => {
    expectProblem(await request(t.http).get('/v1/session?x=1&y=2').set('authorization', t.bearer('analyst')), 400, ['x', 'y'], 'validation_failed');
    await request(t.http).get('/v1/session').set('authorization', t.bearer('analyst')).expect(200);
    // auth first: an anonymous caller learns nothing about the route's parameters
    expect((await request(t.http).get('/v1/session?x=1')).status).toBe(401);
  });
});
