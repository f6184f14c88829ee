import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { registerCustomer } from './helpers';

/** Every command endpoint, as OpenAPI paths with their methods. */
const COMMAND_PATHS: Record<string, string[]> = {
  '/v1/customers': ['post'],
  '/v1/customers/{id}': ['patch'],
  '/v1/customers/{id}/contacts': ['post'],
  '/v1/customers/{id}/contacts/{contactId}': ['delete'],
  '/v1/customers/{id}/preferred-channel': ['put'],
  '/v1/customers/{id}/marketing-consent': ['put'],
  '/v1/customers/{id}/touchpoints': ['post'],
  '/v1/customers/{id}/orders': ['post'],
  '/v1/customers/{id}/orders/{orderId}/cancellation': ['post'],
  '/v1/customers/{id}/orders/{orderId}/returns': ['post'],
  '/v1/customers/{id}/complaints': ['post'],
  '/v1/customers/{id}/complaints/{caseId}/escalation': ['post'],
  '/v1/customers/{id}/complaints/{caseId}/resolution': ['post'],
  '/v1/deals': ['post'],
  '/v1/deals/{id}/stage': ['post'],
  '/v1/deals/{id}/amount': ['post'],
  '/v1/deals/{id}/close-date': ['post'],
  '/v1/deals/{id}/won': ['post'],
  '/v1/deals/{id}/lost': ['post'],
};

describe.each(['memory', 'sqlite'] as const)('operations (%s engine)', (engine) => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ engine })));
  afterAll(() => t.close());

  it('GET /health → 200 with the event store up and its head position', async () => {
    const before = await request(t.http).get('/health').expect(200);
    expect(before.body).toMatchObject({ status: 'ok', info: { eventStore: { status: 'up', headPosition: 0 } } });

    await registerCustomer(t);
    const after = await request(t.http).get('/health').expect(200);
    expect(after.body.info.eventStore).toEqual({ status: 'up', headPosition: 1 });
  });

  it('GET /health → 503 while the event store cannot append (its SQLite commit thread died), 200 again after', async () => {
    // The failure a dead commit thread reports (SqliteEventStore.writeFailure), injected: a thread cannot be killed from here.
    const store = t.store as { writeFailure?: () => Error | undefined };
    store.writeFailure = () => new Error('SQLite commit thread exited (code 1)');
    try {
      const res = await request(t.http).get('/health').expect(503);
      expect(res.body).toMatchObject({ code: 'unhealthy', checks: { eventStore: { status: 'down', error: 'appends fail: SQLite commit thread exited (code 1)' } } });
    } finally {
      delete store.writeFailure;
    }
    await request(t.http).get('/health').expect(200);
  });

  it('GET /openapi.json lists every command path with its method and the command headers', async () => {
    const res = await request(t.http).get('/openapi.json').expect(200);
    expect(res.body.openapi).toMatch(/^3\./);
    for (const [path, methods] of Object.entries(COMMAND_PATHS)) {
      expect({ path, methods: Object.keys(res.body.paths[path] ?? {}) }).toEqual({ path, methods: expect.arrayContaining(methods) });
      for (const method of methods) {
        const headers = (res.body.paths[path][method].parameters ?? []).filter((p: { in: string }) => p.in === 'header').map((p: { name: string }) => p.name);
        expect({ path, method, headers }).toEqual({ path, method, headers: expect.arrayContaining(['Idempotency-Key', 'If-Match']) });
      }
    }
  });
});
