/**
 * GET /v1/imports: every import newest first, each as GET /v1/imports/{id} answers it and with who started it,
 * filtered by source and outcome, in cursor pages, from the imports read model.
 */
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { eventually, expectProblem, qs } from '../queries/helpers';

const customer = (sourceId: string) => JSON.stringify({ type: 'RegisterCustomer', sourceId, kind: 'person', name: `Customer ${sourceId}`, occurredAt: '2020-01-01T09:00:00Z' });

describe('import list (sqlite, auth required)', () => {
  let t: TestApp;
  const ids: string[] = [];
  const importer = () => t.bearer('importer');

  beforeAll(async () => {
    t = await startTestApp({ engine: 'sqlite', auth: 'required' });
    const run = async (source: string, body: string, query: Record<string, string> = {}) => {
      const res = await request(t.http).post(`/v1/imports${qs({ source, ...query })}`).set('authorization', importer()).set('content-type', 'application/x-ndjson').send(body).expect(202);
      ids.push(res.body.importId);
      // One import runs at a time (TOUCHPOINT_IMPORT_CONCURRENCY): each ends before the next starts.
      await eventually(async () => (await request(t.http).get(`/v1/imports/${res.body.importId}`).set('authorization', importer())).body, (s) => expect(s.status).not.toBe('running'), { timeoutMs: 30_000, intervalMs: 50 });
      t.clock.advance(60_000);
    };
    await run('oldcrm', [customer('A1'), customer('A2')].join('\n'));
    await run('webshop', customer('W1'));
    await run('oldcrm', ['{"type":"Nope"}', '{"type":"Nope"}', customer('A3')].join('\n'), { maxErrors: '1' });
  }, 60_000);
  afterAll(() => t.close());

  // The read model follows the log: read it once it holds everything the imports appended (ImportFinished last).
  const list = async (query: Record<string, string | number | undefined> = {}) =>
    (await request(t.http).get(`/v1/imports${qs({ ...query, minPosition: await t.store.headPosition() })}`).set('authorization', importer()).expect(200)).body;

  it('lists every import newest first, each as its own status answers it, with who started it', async () => {
    const page = await list();
    expect(page.items.map((i: { importId: string }) => i.importId)).toEqual([...ids].reverse());
    const { actor } = (await request(t.http).get('/v1/session').set('authorization', importer()).expect(200)).body;
    for (const item of page.items) {
      // bytesRead is live progress of this process's jobs, not kept in the log
      const { bytesRead: _live, ...own } = (await request(t.http).get(`/v1/imports/${item.importId}`).set('authorization', importer()).expect(200)).body;
      expect(item).toEqual({ ...own, startedBy: actor });
    }
    expect(page.items.map((i: { status: string }) => i.status)).toEqual(['failed', 'completed', 'completed']);
    expect(page.items[0]).toMatchObject({ source: 'oldcrm', rejected: 1, reason: expect.stringMatching(/maxErrors|errors/i) });
    expect(page.nextCursor).toBeNull();
  });

  it('filters by source and outcome, and pages with a cursor', async () => {
    expect((await list({ source: 'oldcrm' })).items.map((i: { importId: string }) => i.importId)).toEqual([ids[2], ids[0]]);
    expect((await list({ status: 'completed' })).items.map((i: { importId: string }) => i.importId)).toEqual([ids[1], ids[0]]);
    expect((await list({ source: 'nowhere' })).items).toEqual([]);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await list({ limit: 1, cursor });
      seen.push(...page.items.map((i: { importId: string }) => i.importId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });

  it('refuses bad queries naming the field, and other roles', async () => {
    for (const [query, field] of [[{ status: 'running' }, 'status'], [{ source: 'Bad Source' }, 'source'], [{ limit: 0 }, 'limit'], [{ colour: 'blue' }, 'colour']] as const) {
      expectProblem(await request(t.http).get(`/v1/imports${qs(query)}`).set('authorization', importer()), 400, [field]);
    }
    expectProblem(await request(t.http).get('/v1/imports?cursor=bm9wZQ').set('authorization', importer()), 422, ['cursor'], 'invalid_cursor');
    expect((await request(t.http).get('/v1/imports').set('authorization', t.bearer('sales'))).status).toBe(403);
    expect((await request(t.http).get('/v1/imports').set('authorization', t.bearer('admin'))).status).toBe(200);
  });
});
