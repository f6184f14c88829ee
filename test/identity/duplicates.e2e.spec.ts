/**
 * Duplicate candidates through HTTP: customers registered twice (web and call centre, Latin and Cyrillic spellings,
 * plus-addressed and dotted Gmail addresses) are found through the blind index with their reasons; a family sharing
 * a mailbox scores lower than a true duplicate; erasure removes a customer's entries; the index file holds no plain
 * value.
 */
import Database from 'better-sqlite3';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../support/app';
import request from 'supertest';
import { Crm, expectProblem } from '../queries/helpers';
import { finished } from '../imports/helpers';

describe('duplicate candidates (SQLite engines, through HTTP)', () => {
  let t: TestApp;
  let crm: Crm;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp({ engine: 'sqlite' });
    crm = new Crm(t);
    const at = '2026-01-10T10:00:00Z';
    ids.web = await crm.register({ kind: 'person', name: 'Olena Shevchenko', email: 'Olena.Shevchenko+web@gmail.com', address: { line1: 'Khreshchatyk 1', city: 'Kyiv', postalCode: '01001', country: 'UA' }, occurredAt: at });
    ids.callCentre = await crm.register({ kind: 'person', name: 'Олена Шевченко', email: 'olenashevchenko@gmail.com', phone: '+380441234567', occurredAt: at });
    ids.taras = await crm.register({ kind: 'person', name: 'Taras Kovalenko', email: 'family@ukr.net', occurredAt: at });
    ids.oksana = await crm.register({ kind: 'person', name: 'Oksana Kovalenko', email: 'family@ukr.net', occurredAt: at });
    ids.other = await crm.register({ kind: 'person', name: 'Petro Bondarenko', email: 'petro@example.com', phone: '+380501112233', occurredAt: at });
  });
  afterAll(() => t?.close());

  const duplicatesOf = (id: string, query: Record<string, string | number> = {}) => crm.get(`/v1/customers/${id}/duplicates`, query);

  it('finds the same person registered by the web shop and by the call centre, in two alphabets, with the reasons', async () => {
    const body = await duplicatesOf(ids.web);
    expect(body.customerId).toBe(ids.web);
    expect(body.candidates).toHaveLength(1);
    expect(body.candidates[0]).toMatchObject({ customerId: ids.callCentre, reasons: expect.arrayContaining(['same_email', 'similar_name']) });
    expect(body.candidates[0].score).toBeGreaterThanOrEqual(0.8);
    // Symmetric.
    expect((await duplicatesOf(ids.callCentre)).candidates.map((c: { customerId: string }) => c.customerId)).toEqual([ids.web]);
  });

  it('a family sharing a mailbox is a candidate for review only: same email, different names', async () => {
    const [candidate] = (await duplicatesOf(ids.taras)).candidates;
    expect(candidate).toMatchObject({ customerId: ids.oksana, reasons: ['same_email'] });
    expect(candidate.score).toBeLessThan(0.8);
    expect(candidate.score).toBeLessThan((await duplicatesOf(ids.web)).candidates[0].score);
    expect((await duplicatesOf(ids.taras, { minScore: 0.8 })).candidates).toEqual([]);
    expect((await duplicatesOf(ids.other)).candidates).toEqual([]);
  });

  it('the full scan lists each pair once, scored, above minScore, in cursor pages', async () => {
    const all = await crm.get('/v1/duplicates', { minScore: 0.5 });
    const pairs = all.items.map((p: { customerIds: string[] }) => [...p.customerIds].sort().join('+')).sort();
    expect(pairs).toEqual([[ids.web, ids.callCentre].sort().join('+'), [ids.taras, ids.oksana].sort().join('+')].sort());
    expect(all.items.every((p: { foundBy: string }) => p.foundBy === 'email')).toBe(true);
    expect(all.nextCursor).toBeNull();
    const strict = await crm.get('/v1/duplicates', { minScore: 0.8 });
    expect(strict.items).toHaveLength(1);
    // One pair per page: two pages, then the end.
    const first = await crm.get('/v1/duplicates', { minScore: 0.5, limit: 1 });
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await crm.get('/v1/duplicates', { minScore: 0.5, limit: 1, cursor: first.nextCursor });
    expect([...first.items, ...second.items].map((p: { customerIds: string[] }) => [...p.customerIds].sort().join('+')).sort()).toEqual(pairs);
  });

  it('the blind index holds keyed hashes only: no email, phone or name in the clear', () => {
    const file = join(t.dataDir, 'blind-index.db');
    expect(existsSync(file)).toBe(true);
    const raw = Buffer.concat([readFileSync(file), ...(existsSync(`${file}-wal`) ? [readFileSync(`${file}-wal`)] : [])]).toString('latin1');
    for (const plain of ['olena', 'shevchenko', 'family@ukr.net', 'ukr.net', '380441234567', '01001', 'petro']) expect(raw.toLowerCase()).not.toContain(plain);
    const db = new Database(file, { readonly: true });
    try {
      const count = (db.prepare('SELECT count(*) AS n FROM blind_index WHERE customer_id = ?').get(ids.web) as { n: number }).n;
      expect(count).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });

  it('a profile change is indexed again: a new email matches, the old one no longer does', async () => {
    await crm.changeProfile(ids.other, { email: 'FAMILY@ukr.net' });
    expect((await duplicatesOf(ids.other)).candidates.map((c: { customerId: string }) => c.customerId).sort()).toEqual([ids.taras, ids.oksana].sort());
    await crm.changeProfile(ids.other, { email: 'petro@example.com' });
    expect((await duplicatesOf(ids.other)).candidates).toEqual([]);
  });

  it('erasure removes the customer from the index: no longer found, and their entries are gone', async () => {
    await crm.command('post', `/v1/customers/${ids.callCentre}/erasure`);
    expect((await duplicatesOf(ids.web)).candidates).toEqual([]);
    const res = await crm.read(`/v1/customers/${ids.callCentre}/duplicates`);
    expect(res.status).toBe(404);
    const db = new Database(join(t.dataDir, 'blind-index.db'), { readonly: true });
    try {
      expect((db.prepare('SELECT count(*) AS n FROM blind_index WHERE customer_id = ?').get(ids.callCentre) as { n: number }).n).toBe(0);
    } finally {
      db.close();
    }
  });

  it('bad input gets a clear error naming the field', async () => {
    expectProblem(await crm.read(`/v1/customers/${ids.web}/duplicates?minScore=2`), 400, ['minScore']);
    expectProblem(await crm.read(`/v1/customers/${ids.web}/duplicates?minScore=NaN`), 400, ['minScore']);
    expectProblem(await crm.read('/v1/duplicates?cursor=not-a-cursor'), 422, ['cursor'], 'invalid_cursor');
    expectProblem(await crm.read('/v1/duplicates?limit=0'), 400, ['limit']);
    expectProblem(await crm.read('/v1/duplicates?foo=1'), 400, ['foo']);
    expectProblem(await crm.read('/v1/customers/not-a-uuid/duplicates'), 400, ['path:id']);
    expect((await crm.read('/v1/customers/00000000-0000-4000-8000-00000000ffff/duplicates')).status).toBe(404);
  });

  it('an import of the same people from a second source reports them as possible duplicates, unless told to allow them', async () => {
    const records = (prefix: string, spelling: 'latin' | 'cyrillic') =>
      [
        { type: 'RegisterCustomer', sourceId: `${prefix}-1`, kind: 'person', name: spelling === 'latin' ? 'Mykola Hrytsenko' : 'Микола Гриценко', email: 'M.Hrytsenko+shop@gmail.com', occurredAt: '2024-03-01T10:00:00Z' },
        { type: 'RegisterCustomer', sourceId: `${prefix}-2`, kind: 'person', name: spelling === 'latin' ? 'Halyna Tkachenko' : 'Галина Ткаченко', phone: '+380671234567', address: { line1: 'Sadova 3', city: 'Lviv', postalCode: '79000', country: 'UA' }, occurredAt: '2024-03-02T10:00:00Z' },
        { type: 'RegisterCustomer', sourceId: `${prefix}-3`, kind: 'person', name: `Unique ${prefix} Person`, occurredAt: '2024-03-03T10:00:00Z' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n');
    const run = async (query: string, body: string) => finished(t, (await request(t.http).post(`/v1/imports${query}`).set('content-type', 'application/x-ndjson').send(body).expect(202)).body.importId);
    const first = await run('?source=webshop', records('W', 'latin'));
    expect(first).toMatchObject({ status: 'completed', accepted: 3, rejected: 0 });
    const second = await run('?source=callcentre', records('K', 'cyrillic'));
    expect(second).toMatchObject({ status: 'completed', accepted: 1, rejected: 2 });
    const errors = (await request(t.http).get(`/v1/imports/${second.importId}/errors`).expect(200)).body.items;
    expect(errors.map((e: { sourceId: string; code: string }) => [e.sourceId, e.code])).toEqual([
      ['K-1', 'possible_duplicate'],
      ['K-2', 'possible_duplicate'],
    ]);
    expect(errors[0].message).toMatch(/looks like existing customer [0-9a-f-]{36} \(score 0\.\d+: same_email, similar_name\)/);
    // Told to allow them, the same file registers them; the pairs are then in the duplicate scan.
    const third = await run('?source=callcentre&duplicates=allow', records('K', 'cyrillic'));
    expect(third).toMatchObject({ status: 'completed', accepted: 2, alreadyImported: 1, rejected: 0 });
    crm.position = Math.max(crm.position, third.lastPosition);
    const pairs = await crm.get('/v1/duplicates', { minScore: 0.5 });
    expect(pairs.items.length).toBeGreaterThanOrEqual(2);
    expectProblem(await request(t.http).post('/v1/imports?duplicates=maybe').set('content-type', 'application/x-ndjson').send('{}'), 400, ['duplicates']);
  });
});
