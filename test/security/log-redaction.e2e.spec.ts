/**
 * Logs carry no secrets and no personal data. The app runs with logs on at the most verbose level while
 * requests carry an API key, a JWT, personal data in bodies and query strings, and one of them fails with
 * a 500 whose error message quotes personal data and a credential (as database drivers do). Everything
 * written to stdout and stderr is captured and searched for those values.
 */
import { InMemoryReadStore, PROJECTOR, type Projector } from '@touchpoint/read-models';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';

const NAME = 'Zoryana Hrytsenko-Lisova';
const EMAIL = 'zoryana.hl@example.org';
const PHONE = '+380 44 765-43-21';
const JWT = 'eyJhbGciOiJFUzI1NiIsImtpZCI6InRlc3QifQ.eyJzdWIiOiJ6b3J5YW5hIiwicm9sZXMiOlsiYWRtaW4iXX0.c2lnbmF0dXJlLW5vdC12YWxpZA';

/** A read store that fails like a driver would: quoting the row and the connection string into its message. */
class FailingReadStore extends InMemoryReadStore {
  secret = '';
  override async get<D extends object>(collection: string, id: string): Promise<D | undefined> {
    if (collection === 'customers') throw new Error(`row ${id} (email)=(${EMAIL}) phone ${PHONE} via postgres://tp:${this.secret}@db/tp`);
    return super.get(collection, id) as Promise<D | undefined>;
  }
}

describe('log redaction: no secrets or personal data in the logs', () => {
  let t: TestApp;
  let output = '';
  const restore: Array<() => void> = [];

  beforeAll(async () => {
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      stream.write = ((chunk: string | Uint8Array) => {
        output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        return true;
      }) as typeof stream.write;
      restore.push(() => (stream.write = write));
    }
    const readStore = new FailingReadStore();
    t = await startTestApp({ auth: 'required', logs: true, readStore, env: { LOG_LEVEL: 'verbose' } });
    readStore.secret = t.keys.admin;
  });
  afterAll(async () => {
    await t?.close();
    restore.forEach((undo) => undo());
  });

  it('requests with keys, a JWT and personal data, including a 500, leave none of them in the output', async () => {
    const admin = t.bearer('admin');
    const created = await request(t.http).post('/v1/customers').set('authorization', admin).send({ kind: 'person', name: NAME, email: EMAIL, phone: PHONE }).expect(201);
    const id = created.body.ids.customerId as string;
    await request(t.http).post(`/v1/customers/${id}/contacts`).set('authorization', admin).send({ name: NAME, email: EMAIL, phone: PHONE }).expect(422); // contacts belong to companies: a rule violation
    // Invalid personal data (400), an unknown field, a JWT and a wrong key (401), personal data in a query string.
    await request(t.http).post('/v1/customers').set('authorization', admin).send({ kind: 'person', name: NAME, email: `${EMAIL}@@`, phone: `${PHONE}x`, nickname: NAME }).expect(400);
    await request(t.http).get('/v1/customers').set('authorization', `Bearer ${JWT}`).expect(401);
    await request(t.http).get('/v1/customers').set('authorization', `Bearer ${t.keys.analyst}x`).expect(401);
    await request(t.http).get('/v1/customers').query({ owner: EMAIL, tag: NAME }).set('authorization', admin).expect(200);
    await request(t.http).get(`/v1/customers/${id}`).query({ email: EMAIL }).set('authorization', admin).expect(400);
    const failed = await request(t.http).get(`/v1/customers/${id}`).query({ minPosition: '0' }).set('authorization', admin).expect(500);
    expect(failed.body).toEqual(expect.objectContaining({ code: 'internal_error', detail: 'An unexpected error occurred.' }));

    // The 500 was logged (so the search below searched something), as a JSON line with path, name and frames.
    const line = output.split('\n').find((l) => l.includes('request failed'));
    expect(line).toBeDefined();
    const entry = JSON.parse(line!) as { message: { url: string; error: { name: string; message: string; stack: string[] } } };
    expect(entry.message.url).toBe(`/v1/customers/${id}`);
    expect(entry.message.error).toEqual(expect.objectContaining({ name: 'Error', message: expect.stringContaining('[redacted-email]'), stack: expect.any(Array) }));

    // An expected 503 (the read models not there yet: the projector is stopped) is a warning without a stack, not an error.
    const projector = t.app.get<Projector>(PROJECTOR);
    await projector.stop();
    try {
      const written = await request(t.http).post('/v1/customers').set('authorization', admin).send({ kind: 'person', name: 'Later' }).expect(201);
      await request(t.http).get('/v1/customers').query({ minPosition: written.body.globalPosition }).set('authorization', admin).expect(503);
    } finally {
      await projector.start();
    }
    const waited = output.split('\n').filter((l) => l.includes('request not served yet'));
    expect(waited).toHaveLength(1);
    expect(JSON.parse(waited[0])).toMatchObject({ level: 'warn', message: { status: 503, url: '/v1/customers', retryAfter: 1 } });
    expect(waited[0]).not.toContain('stack');
    expect(output.split('\n').filter((l) => l.includes('request failed'))).toHaveLength(1); // only the real fault above

    const secrets = { name: NAME, email: EMAIL, emailLocalPart: 'zoryana.hl', phone: PHONE, phoneDigits: '765-43-21', jwt: JWT.slice(0, 40), adminKey: t.keys.admin, analystKey: t.keys.analyst, keyBody: t.keys.admin.slice(3, 20) };
    for (const [what, value] of Object.entries(secrets)) expect({ what, found: output.includes(value) }).toEqual({ what, found: false });
  });
});
