import { SignJWT } from 'jose';
import request from 'supertest';
import { person } from '../commands/helpers';
import { startTestApp, type TestApp } from '../support/app';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'touchpoint-api';
const SECRET = 'hs256-secret-that-is-long-enough-0123456789';

const jwt = (claims: Record<string, unknown>, sub = 'maria@example.test', secret = SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISSUER).setAudience(AUDIENCE).setSubject(sub).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(secret));

describe('authenticated identity (auth required)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ auth: 'required', env: { TOUCHPOINT_JWT_ISSUER: ISSUER, TOUCHPOINT_JWT_AUDIENCE: AUDIENCE, TOUCHPOINT_JWT_SECRET: SECRET } });
  });
  afterAll(async () => t.close());

  it('records the API key as the actor and ignores X-Actor', async () => {
    const res = await request(t.http).post('/v1/customers').set('authorization', t.bearer('sales')).set('x-actor', 'someone-else').send(person()).expect(201);
    const [event] = await t.store.readStream(`customer-${res.body.ids.customerId}`);
    const salesKey = (await t.apiKeyStore.list()).find((k) => k.name === 'test-sales')!;
    expect(event.metadata.actor).toBe(`key:${salesKey.id}`);
  });

  it('records a JWT subject as the actor and takes roles from the token', async () => {
    const res = await request(t.http).post('/v1/customers').set('authorization', `Bearer ${await jwt({ roles: ['sales'] })}`).send(person()).expect(201);
    const [event] = await t.store.readStream(`customer-${res.body.ids.customerId}`);
    expect(event.metadata.actor).toBe('jwt:maria@example.test');
    await request(t.http).post('/v1/customers').set('authorization', `Bearer ${await jwt({ roles: ['analyst'] })}`).send(person()).expect(403);
    await request(t.http).post('/v1/customers').set('authorization', `Bearer ${await jwt({ roles: ['sales'] }, 'x', 'another-secret-another-secret-123456')}`).send(person()).expect(401);
  });

  it('a revoked key stops working at once', async () => {
    const { issueApiKey } = await import('@touchpoint/auth');
    const { record, secret } = await issueApiKey(t.apiKeyStore, { name: 'temp', roles: ['analyst'], now: t.clock.now() });
    await request(t.http).get('/v1/customers').set('authorization', `Bearer ${secret}`).expect(200);
    await t.apiKeyStore.revoke(record.id, t.clock.now().toISOString());
    const res = await request(t.http).get('/v1/customers').set('authorization', `Bearer ${secret}`).expect(401);
    expect(res.body).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('a denied command changes nothing', async () => {
    const head = await t.store.headPosition();
    await request(t.http).post('/v1/customers').set('authorization', t.bearer('analyst')).send(person()).expect(403);
    await request(t.http).post('/v1/customers').send(person()).expect(401);
    expect(await t.store.headPosition()).toBe(head);
  });
});

describe('hardening', () => {
  it('rate-limits per credential with 429 problem+json and Retry-After; another key has its own budget', async () => {
    const t = await startTestApp({ auth: 'required', env: { TOUCHPOINT_RATE_LIMIT_MAX: '3', TOUCHPOINT_RATE_LIMIT_WINDOW_MS: '60000' } });
    try {
      for (let i = 0; i < 3; i++) await request(t.http).get('/v1/customers').set('authorization', t.bearer('analyst')).expect(200);
      const limited = await request(t.http).get('/v1/customers').set('authorization', t.bearer('analyst')).expect(429);
      expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(limited.body).toMatchObject({ status: 429, code: 'too_many_requests' });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      await request(t.http).get('/v1/customers').set('authorization', t.bearer('sales')).expect(200);
    } finally {
      await t.close();
    }
  });

  it('sends security headers, and the docs UI still loads under the CSP', async () => {
    const t = await startTestApp({ auth: 'required' });
    try {
      const res = await request(t.http).get('/health').expect(200);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
      expect(res.headers['x-powered-by']).toBeUndefined();
      const docs = await request(t.http).get('/docs').expect(200);
      // Every script the UI needs comes from the same origin (allowed by script-src 'self'); no inline script.
      expect(docs.text).not.toMatch(/<script>(?!\s*<\/script>)/);
      for (const src of [...docs.text.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1])) {
        expect(src).not.toMatch(/^https?:/);
        await request(t.http).get(new URL(src, 'http://x/docs').pathname).expect(200);
      }
    } finally {
      await t.close();
    }
  });

  it('a 500 carries no stack trace or internals', async () => {
    const t = await startTestApp({ auth: 'required', engine: 'sqlite' });
    try {
      await t.store.close(); // the next append throws deep inside the SQLite driver
      const res = await request(t.http).post('/v1/customers').set('authorization', t.bearer('sales')).send(person());
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ type: 'urn:touchpoint:problem:internal-error', title: 'Internal server error', status: 500, code: 'internal_error', detail: 'An unexpected error occurred.', instance: '/v1/customers' });
    } finally {
      await t.close();
    }
  });
});
