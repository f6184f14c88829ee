/**
 * The API serves the built console as static files under /console/ (no server of its own), and tells a client who
 * its credential is (GET /v1/session), which the console uses to show only what the roles allow.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';

describe('the console, served by the API', () => {
  let t: TestApp;
  const dir = mkdtempSync(join(tmpdir(), 'tp-console-'));
  beforeAll(async () => {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title><script type="module" src="/console/assets/index-abc123.js"></script>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    t = await startTestApp({ auth: 'required', env: { TOUCHPOINT_CONSOLE_DIR: dir } });
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('redirects /console to /console/ and serves index.html there without auth, never cached, under the API’s CSP', async () => {
    await request(t.http).get('/console').expect(302).expect('location', '/console/');
    const page = await request(t.http).get('/console/').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.text).toContain('/console/assets/index-abc123.js');
  });

  it('serves content-hashed assets as immutable, and 404 for a file that is not there', async () => {
    const asset = await request(t.http).get('/console/assets/index-abc123.js').expect(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-type']).toMatch(/javascript/);
    await request(t.http).get('/console/assets/nope.js').expect(404);
    // A path out of the directory is refused (403 from the static server), never served.
    const out = await request(t.http).get('/console/../package.json');
    expect([403, 404]).toContain(out.status);
    expect(out.text).not.toContain('"dependencies"');
  });

  it('says who the credential is: actor, roles and how it was identified; 401 without one', async () => {
    const analyst = await request(t.http).get('/v1/session').set('authorization', t.bearer('analyst')).expect(200);
    expect(analyst.body).toEqual({ actor: expect.stringMatching(/^key:[0-9a-f]{16}$/), roles: ['analyst'], via: 'api-key' });
    const admin = await request(t.http).get('/v1/session').set('authorization', t.bearer('admin')).expect(200);
    expect(admin.body.roles).toEqual(['admin']);
    const anonymous = await request(t.http).get('/v1/session').expect(401);
    expect(anonymous.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('the console, not built', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { TOUCHPOINT_CONSOLE_DIR: join(tmpdir(), 'tp-console-missing') } });
  });
  afterAll(() => t.close());

  it('answers 404 problem+json saying how to build it', async () => {
    const res = await request(t.http).get('/console/').expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.detail).toContain('npm run build');
  });
});
