/**
 * Filters and sort parameters arrive as strings and are matched literally: nothing a client sends reaches
 * MongoDB as an operator or SQLite as SQL. Through HTTP, against the real read stores.
 */
import { MongoClient } from 'mongodb';
import { MongoReadStore, SqliteReadStore, type ReadStore } from '@touchpoint/read-models';
import { describeWith, serverUrl } from '@touchpoint/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { person } from '../commands/helpers';
import { startTestApp, type TestApp } from '../support/app';

const HOSTILE_OWNERS = ['{"$ne":""}', '{"$gt":""}', '$where', "anna' OR '1'='1", "x'); DROP TABLE rm_customers; --", '%', '*'];

function injectionSuite(engine: string, makeStore: () => Promise<{ store: ReadStore; teardown: () => Promise<void> }>): void {
  describe(`query injection through HTTP: ${engine} read store`, () => {
    let t: TestApp;
    let teardown: () => Promise<void>;
    const list = (query: string) => request(t.http).get(`/v1/customers?${query}`).set('authorization', t.bearer('analyst'));

    beforeAll(async () => {
      const made = await makeStore();
      teardown = made.teardown;
      t = await startTestApp({ auth: 'required', readStore: made.store });
      for (const owner of ['anna', 'ben', ...HOSTILE_OWNERS]) {
        await request(t.http).post('/v1/customers').set('authorization', t.bearer('sales')).send(person({ owner })).expect(201);
      }
      const head = await t.store.headPosition();
      await request(t.http).get('/v1/customers').set('authorization', t.bearer('analyst')).set('x-min-position', String(head)).expect(200);
    });
    afterAll(async () => {
      await t.close();
      await teardown();
    });

    it('operator-looking and SQL-looking values match only the customer who literally has them', async () => {
      for (const owner of HOSTILE_OWNERS) {
        const res = await list(`owner=${encodeURIComponent(owner)}&minPosition=0`).expect(200);
        expect({ owner, found: res.body.items.map((c: { owner: string }) => c.owner) }).toEqual({ owner, found: [owner] });
      }
      expect((await list('owner=nobody').expect(200)).body.items).toEqual([]);
    });

    it.each([
      ['owner[$ne]=x'],
      ['owner[$gt]='],
      ['tier[$in][]=A'],
      ['sort=lastActivityAt;DROP TABLE rm_customers'],
      ['sort={"$natural":1}'],
      ['sort=-$where'],
      ['filter={"owner":{"$ne":""}}'],
      ['limit={"$gt":0}'],
      ['__proto__[admin]=1'],
    ])('?%s → 400, and the read store is intact', async (query) => {
      const res = await list(query).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect((await list('limit=200').expect(200)).body.items).toHaveLength(2 + HOSTILE_OWNERS.length);
    });
  });
}

injectionSuite('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tp-inject-'));
  const store = new SqliteReadStore(join(dir, 'read.db'));
  return { store, teardown: async () => rmSync(dir, { recursive: true, force: true }) };
});

const mongoUrl = serverUrl('TOUCHPOINT_TEST_MONGO_URL', 'query injection against MongoDB');
describeWith(mongoUrl)('MongoDB', () => {
  injectionSuite('mongodb', async () => {
    const dbName = `tp_inject_${randomBytes(6).toString('hex')}`;
    const store = await MongoReadStore.connect(mongoUrl!, dbName);
    return {
      store,
      teardown: async () => {
        const admin = new MongoClient(mongoUrl!);
        await admin.connect();
        await admin.db(dbName).dropDatabase();
        await admin.close();
      },
    };
  });
});
