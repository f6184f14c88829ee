/**
 * The forecast API through HTTP with auth required (one API key per role, test/support/app.ts): an API key's actor is
 * `key:<id>`, so a deal opened with the sales key is owned by that actor, and a second sales key is another salesperson.
 *  - POST /v1/deals/{id}/forecast-category: the owner's call, an admin may set it for anyone;
 *  - POST /v1/forecast-submissions: an owner's own call per period and currency (latest counts), a manager's team call;
 *  - GET /v1/pipeline/forecast?asOf=: the forecast as it stood at the end of a past day;
 *  - GET /v1/pipeline/forecast/accuracy and /v1/pipeline/sales-cycle over a small scenario worked out by hand;
 *  - who may call what.
 * Default stage probabilities: lead .1, qualified .25, proposal .5, negotiation .75; with no closed deal the learned
 * probability is the configured one, so learned_weighted = stage_weighted below.
 */
import { issueApiKey, type Role } from '@touchpoint/auth';
import request, { type Response } from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { Crm, T0, expectProblem, qs, type Body, type Query } from '../queries/helpers';

const UNKNOWN_DEAL = '11111111-1111-4111-8111-111111111111';

/** Crm with an Authorization header on every command and read (the sales key unless told otherwise). */
class Client extends Crm {
  constructor(
    t: TestApp,
    readonly authorization: string,
  ) {
    super(t);
  }

  override command(method: 'post' | 'patch' | 'put' | 'delete', url: string, body?: Body, headers: Record<string, string> = {}): Promise<Response> {
    return super.command(method, url, body, { authorization: this.authorization, ...headers });
  }

  override read(url: string, query: Query = {}, authorization = this.authorization): Promise<Response> {
    return request(this.t.http)
      .get(url + qs({ minPosition: this.position, ...query }))
      .set('authorization', authorization);
  }

  /** A POST that may fail: any status; a success's position is remembered like any command's. */
  async attempt(url: string, body: Body, authorization = this.authorization, headers: Record<string, string> = {}): Promise<Response> {
    const res = await request(this.t.http).post(url).set({ authorization, ...headers }).send(body);
    if (res.status === 200 || res.status === 201) this.position = Math.max(this.position, res.body.globalPosition);
    return res;
  }

  forecast(query: Query = {}) {
    return this.get('/v1/pipeline/forecast', query);
  }
}

/** The actor an API key records: `key:<id>`. */
async function actorOf(t: TestApp, keyName: string): Promise<string> {
  const key = (await t.apiKeyStore.list()).find((k) => k.name === keyName);
  if (!key) throw new Error(`no key ${keyName}`);
  return `key:${key.id}`;
}

/** A second salesperson: another sales key, another actor. */
async function anotherSalesKey(t: TestApp): Promise<{ authorization: string; actor: string }> {
  const { record, secret } = await issueApiKey(t.apiKeyStore, { name: 'second-sales', roles: ['sales'], now: t.clock.now() });
  return { authorization: `Bearer ${secret}`, actor: `key:${record.id}` };
}

/** A forecast-method row with every figure zero unless given. */
const methodRow = <K extends Record<string, string>>(key: K, figures: Partial<Record<string, number | null>> = {}) => ({
  ...key,
  openDeals: 0,
  openAmount: 0,
  wonSoFar: 0,
  stage_weighted: 0,
  learned_weighted: 0,
  category_commit: 0,
  category_best_case: 0,
  submitted: null as number | null,
  submissions: 0,
  ...figures,
});

const fieldErrors = (res: Response) => (res.body.errors ?? []).map((e: { field: string; code: string }) => ({ field: e.field, code: e.code }));

describe('deal forecast category (auth required)', () => {
  let t: TestApp;
  let sales: Client;
  let SALES: string;
  let ADMIN: string;
  let customerId: string;
  let dealId: string;

  const setCategory = (id: string, body: Body, authorization?: string) => sales.attempt(`/v1/deals/${id}/forecast-category`, body, authorization);
  const aprilRow = async () => (await sales.forecast({ from: '2026-04', to: '2026-04' })).forecasts.byPeriod;

  beforeAll(async () => {
    t = await startTestApp({ engine: 'memory', auth: 'required' });
    sales = new Client(t, t.bearer('sales'));
    SALES = await actorOf(t, 'test-sales');
    ADMIN = await actorOf(t, 'test-admin');
    customerId = await sales.register({ kind: 'company', name: 'Category Co' });
    dealId = await sales.openDeal({ customerId, amount: 500_000, currency: 'EUR', stage: 'proposal', expectedCloseDate: '2026-04-15' });
  });
  afterAll(() => t.close());

  it('a new deal is in `pipeline`: counted by the weighted methods, not by the category ones', async () => {
    expect((await sales.get(`/v1/deals/${dealId}`)).forecastCategory).toBe('pipeline');
    expect(await aprilRow()).toEqual([
      methodRow({ period: '2026-04', currency: 'EUR' }, { openDeals: 1, openAmount: 500_000, stage_weighted: 250_000, learned_weighted: 250_000 }),
    ]);
  });

  it('the owner sets `commit`: 200, DealForecastCategoryChanged in the customer history, and the deal counts in category_commit', async () => {
    const res = await sales.command('post', `/v1/deals/${dealId}/forecast-category`, { category: 'commit' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ streamId: `deal-${dealId}`, ids: { dealId, customerId }, replayed: false });
    expect(res.body.events.map((e: { type: string }) => e.type)).toEqual(['DealForecastCategoryChanged']);

    const history = await sales.get(`/v1/customers/${customerId}/history`, { type: 'DealForecastCategoryChanged' });
    expect(history.items).toEqual([
      expect.objectContaining({
        type: 'DealForecastCategoryChanged',
        category: 'deal',
        occurredAt: T0,
        actor: SALES,
        summary: 'Deal forecast category pipeline → commit',
        details: { dealId, owner: SALES, from: 'pipeline', to: 'commit' },
      }),
    ]);
    expect((await sales.get(`/v1/deals/${dealId}`)).forecastCategory).toBe('commit');
    expect(await aprilRow()).toEqual([
      methodRow(
        { period: '2026-04', currency: 'EUR' },
        { openDeals: 1, openAmount: 500_000, stage_weighted: 250_000, learned_weighted: 250_000, category_commit: 500_000, category_best_case: 500_000 },
      ),
    ]);
  });

  it('another salesperson gets 403 not_deal_owner and nothing changes', async () => {
    const other = await anotherSalesKey(t);
    const head = await t.store.headPosition();
    const res = await setCategory(dealId, { category: 'omitted' }, other.authorization);
    expectProblem(res, 403, ['dealId'], 'not_deal_owner');
    expect(await t.store.headPosition()).toBe(head);
    expect((await sales.get(`/v1/deals/${dealId}`)).forecastCategory).toBe('commit');
    expect((await aprilRow())[0].category_commit).toBe(500_000);
  });

  it('an admin may set it for the owner: the event keeps the owner and records the admin as actor', async () => {
    const res = await sales.command('post', `/v1/deals/${dealId}/forecast-category`, { category: 'best_case' }, { authorization: t.bearer('admin') });
    expect(res.body.events.map((e: { type: string }) => e.type)).toEqual(['DealForecastCategoryChanged']);
    const last = (await t.store.readStream(`deal-${dealId}`)).at(-1)!;
    expect(last.type).toBe('DealForecastCategoryChanged');
    expect(last.data).toEqual({ dealId, customerId, owner: SALES, from: 'commit', to: 'best_case', occurredAt: T0 });
    expect(last.metadata.actor).toBe(ADMIN);
    expect(await aprilRow()).toEqual([
      methodRow({ period: '2026-04', currency: 'EUR' }, { openDeals: 1, openAmount: 500_000, stage_weighted: 250_000, learned_weighted: 250_000, category_commit: 0, category_best_case: 500_000 }),
    ]);
  });

  it('the same category again is a 200 with no event', async () => {
    const head = await t.store.headPosition();
    const streamLength = (await t.store.readStream(`deal-${dealId}`)).length;
    const res = await sales.command('post', `/v1/deals/${dealId}/forecast-category`, { category: 'best_case' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ streamId: `deal-${dealId}`, streamRevision: streamLength - 1, globalPosition: head, ids: {}, events: [], replayed: false });
    expect(res.headers.etag).toBe(`"${streamLength - 1}"`);
    expect(await t.store.headPosition()).toBe(head);
    expect(await t.store.readStream(`deal-${dealId}`)).toHaveLength(streamLength);
    const history = await sales.get(`/v1/customers/${customerId}/history`, { type: 'DealForecastCategoryChanged' });
    expect(history.items.map((i: { details: { to: string } }) => i.details.to)).toEqual(['best_case', 'commit']);
  });

  it('409 deal_closed on a won or a lost deal', async () => {
    const won = await sales.openDeal({ customerId, amount: 80_000, currency: 'EUR', stage: 'lead', expectedCloseDate: '2026-03-31' });
    await sales.winDeal(won, T0);
    expectProblem(await setCategory(won, { category: 'commit' }), 409, ['dealId'], 'deal_closed');
    const lost = await sales.openDeal({ customerId, amount: 70_000, currency: 'EUR', stage: 'lead', expectedCloseDate: '2026-03-31' });
    await sales.loseDeal(lost, T0);
    expectProblem(await setCategory(lost, { category: 'omitted' }), 409, ['dealId'], 'deal_closed');
  });

  it('404 deal_not_found on an unknown deal', async () => {
    expectProblem(await setCategory(UNKNOWN_DEAL, { category: 'commit' }), 404, ['dealId'], 'deal_not_found');
  });

  it('400 naming the field for a bad or missing category, an unknown field, a bad occurredAt or a bad deal id', async () => {
    const head = await t.store.headPosition();
    const bad = await setCategory(dealId, { category: 'maybe' });
    expectProblem(bad, 400, ['category']);
    expect(fieldErrors(bad)).toEqual([{ field: 'category', code: 'isIn' }]);
    expectProblem(await setCategory(dealId, {}), 400, ['category']);
    const unknown = await setCategory(dealId, { category: 'commit', probability: 0.9 });
    expectProblem(unknown, 400, ['probability']);
    expect(fieldErrors(unknown)).toEqual([{ field: 'probability', code: 'unknown_field' }]);
    expectProblem(await setCategory(dealId, { category: 'commit', occurredAt: 'yesterday' }), 400, ['occurredAt']);
    expectProblem(await setCategory('not-a-uuid', { category: 'commit' }), 400, ['path:id']);
    expect(await t.store.headPosition()).toBe(head);
  });
});

describe('forecast submissions (auth required)', () => {
  let t: TestApp;
  let sales: Client;
  let SALES: string;
  let ADMIN: string;
  let second: { authorization: string; actor: string };

  const submit = (body: Body, authorization?: string, headers?: Record<string, string>) => sales.attempt('/v1/forecast-submissions', body, authorization, headers);
  const april = () => sales.forecast({ from: '2026-04', to: '2026-04' });
  const APRIL = { period: '2026-04', currency: 'EUR' };

  beforeAll(async () => {
    t = await startTestApp({ engine: 'memory', auth: 'required' });
    sales = new Client(t, t.bearer('sales'));
    SALES = await actorOf(t, 'test-sales');
    ADMIN = await actorOf(t, 'test-admin');
    second = await anotherSalesKey(t);
  });
  afterAll(() => t.close());

  it('an owner submits their own call: 200 with the submission id; the owner row shows it as `submitted`', async () => {
    const res = await sales.command('post', '/v1/forecast-submissions', { ...APRIL, amounts: { closed: 100_000, commit: 300_000, bestCase: 450_000, pipeline: 600_000 }, comment: 'Two renewals' });
    expect(res.status).toBe(200);
    const submissionId = res.body.ids.submissionId;
    expect(submissionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(res.body).toMatchObject({ streamId: `forecast-${submissionId}`, ids: { submissionId }, replayed: false });
    expect(res.body.events.map((e: { type: string }) => e.type)).toEqual(['ForecastSubmitted']);
    const [event] = await t.store.readStream(`forecast-${submissionId}`);
    expect(event.data).toEqual({ submissionId, scope: 'owner', name: SALES, ...APRIL, amounts: { closed: 100_000, commit: 300_000, bestCase: 450_000, pipeline: 600_000 }, comment: 'Two renewals', occurredAt: T0 });

    const { forecasts } = await april();
    expect(forecasts.byPeriodOwner).toEqual([methodRow({ ...APRIL, owner: SALES }, { submitted: 300_000, submissions: 1 })]);
    expect(forecasts.byPeriod).toEqual([methodRow(APRIL, { submitted: 300_000, submissions: 1 })]);
    expect(forecasts.teamSubmissions).toEqual([]);
  });

  it('a second call for the same owner, period and currency replaces the first: the latest counts', async () => {
    const res = await sales.command('post', '/v1/forecast-submissions', { ...APRIL, amounts: { commit: 350_000, bestCase: 500_000 } });
    const { forecasts } = await april();
    expect(res.body.ids.submissionId).not.toBe(undefined);
    expect(forecasts.byPeriodOwner).toEqual([methodRow({ ...APRIL, owner: SALES }, { submitted: 350_000, submissions: 1 })]);
    expect(forecasts.byPeriod).toEqual([methodRow(APRIL, { submitted: 350_000, submissions: 1 })]);
  });

  it('another owner’s call adds to the period; a quarter call shows in the quarter forecast only', async () => {
    await sales.command('post', '/v1/forecast-submissions', { ...APRIL, amounts: { commit: 50_000, bestCase: 60_000 } }, { authorization: second.authorization });
    await sales.command('post', '/v1/forecast-submissions', { period: '2026-Q2', currency: 'EUR', amounts: { commit: 900_000, bestCase: 1_200_000 } });
    const { forecasts } = await april();
    expect(forecasts.byPeriod).toEqual([methodRow(APRIL, { submitted: 400_000, submissions: 2 })]);
    expect(forecasts.byPeriodOwner).toEqual(
      [methodRow({ ...APRIL, owner: SALES }, { submitted: 350_000, submissions: 1 }), methodRow({ ...APRIL, owner: second.actor }, { submitted: 50_000, submissions: 1 })].sort((a, b) =>
        a.owner < b.owner ? -1 : 1,
      ),
    );
    const quarter = await sales.forecast({ period: 'quarter' });
    expect(quarter.forecasts.byPeriod).toEqual([methodRow({ period: '2026-Q2', currency: 'EUR' }, { submitted: 900_000, submissions: 1 })]);
  });

  it('an admin’s team call shows in teamSubmissions, not in the owner rows or the owners’ sum', async () => {
    await sales.command(
      'post',
      '/v1/forecast-submissions',
      { scope: 'team', name: 'emea', ...APRIL, amounts: { commit: 500_000, bestCase: 700_000 }, comment: 'EMEA call' },
      { authorization: t.bearer('admin') },
    );
    const { forecasts } = await april();
    expect(forecasts.teamSubmissions).toEqual([{ ...APRIL, team: 'emea', amounts: { commit: 500_000, bestCase: 700_000 }, submittedAt: T0, by: ADMIN, comment: 'EMEA call' }]);
    expect(forecasts.byPeriod).toEqual([methodRow(APRIL, { submitted: 400_000, submissions: 2 })]);
    expect(forecasts.byPeriodOwner.map((r: { owner: string }) => r.owner)).not.toContain('emea');
    expect(forecasts.byPeriodOwner).toHaveLength(2);
    // Filtered to one owner, team calls are left out.
    expect((await sales.forecast({ from: '2026-04', to: '2026-04', owner: SALES })).forecasts.teamSubmissions).toEqual([]);
  });

  it('an admin may submit in an owner’s name: it replaces that owner’s latest call', async () => {
    await sales.command('post', '/v1/forecast-submissions', { name: second.actor, ...APRIL, amounts: { commit: 70_000, bestCase: 90_000 } }, { authorization: t.bearer('admin') });
    const { forecasts } = await april();
    expect(forecasts.byPeriod).toEqual([methodRow(APRIL, { submitted: 420_000, submissions: 2 })]);
    expect(forecasts.byPeriodOwner.find((r: { owner: string }) => r.owner === second.actor).submitted).toBe(70_000);
  });

  it('403 not_own_forecast for a salesperson’s team call or a call in someone else’s name; nothing is recorded', async () => {
    const head = await t.store.headPosition();
    expectProblem(await submit({ scope: 'team', name: 'emea', ...APRIL, amounts: { commit: 1, bestCase: 1 } }), 403, ['name'], 'not_own_forecast');
    expectProblem(await submit({ scope: 'team', ...APRIL, amounts: { commit: 1, bestCase: 1 } }), 403, ['name'], 'not_own_forecast');
    expectProblem(await submit({ name: second.actor, ...APRIL, amounts: { commit: 1, bestCase: 1 } }), 403, ['name'], 'not_own_forecast');
    expect(await t.store.headPosition()).toBe(head);
  });

  it('422 when commit is below closed or best case below commit', async () => {
    const head = await t.store.headPosition();
    expectProblem(await submit({ ...APRIL, amounts: { closed: 300_001, commit: 300_000, bestCase: 400_000 } }), 422, ['amounts.commit'], 'commit_below_closed');
    expectProblem(await submit({ ...APRIL, amounts: { commit: 300_000, bestCase: 299_999 } }), 422, ['amounts.bestCase'], 'best_case_below_commit');
    expect(await t.store.headPosition()).toBe(head);
  });

  it('400 naming the field for a bad period, currency, scope or amount, a missing amount and unknown fields', async () => {
    const head = await t.store.headPosition();
    const amounts = { commit: 1, bestCase: 2 };
    const cases: Array<[Body, string]> = [
      [{ ...APRIL, period: '2026-13', amounts }, 'period'],
      [{ ...APRIL, period: '2026-04-01', amounts }, 'period'],
      [{ ...APRIL, period: '2026-Q5', amounts }, 'period'],
      [{ period: '2026-04', amounts }, 'currency'],
      [{ ...APRIL, currency: 'eur', amounts }, 'currency'],
      [{ ...APRIL, scope: 'region', amounts }, 'scope'],
      [{ ...APRIL }, 'amounts'],
      [{ ...APRIL, amounts: { bestCase: 2 } }, 'amounts.commit'],
      [{ ...APRIL, amounts: { commit: 1.5, bestCase: 2 } }, 'amounts.commit'],
      [{ ...APRIL, amounts: { commit: -1, bestCase: 2 } }, 'amounts.commit'],
      [{ ...APRIL, amounts: { ...amounts, upside: 3 } }, 'amounts.upside'],
      [{ ...APRIL, amounts, probability: 0.5 }, 'probability'],
      [{ ...APRIL, amounts, submissionId: 'not-a-uuid' }, 'submissionId'],
    ];
    for (const [body, field] of cases) {
      const res = await submit(body);
      expect({ field, status: res.status }).toEqual({ field, status: 400 });
      expectProblem(res, 400, [field]);
    }
    expect(await t.store.headPosition()).toBe(head);
  });

  it('the same Idempotency-Key and body replays the first answer; another body with it is 422; keys are per caller', async () => {
    const body = { period: '2026-05', currency: 'EUR', amounts: { commit: 10_000, bestCase: 20_000 } };
    const first = await submit(body, undefined, { 'idempotency-key': 'may-call-1' });
    expect(first.status).toBe(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const head = await t.store.headPosition();

    const again = await submit(body, undefined, { 'idempotency-key': 'may-call-1' });
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toMatchObject({ ids: { submissionId: first.body.ids.submissionId }, globalPosition: first.body.globalPosition, replayed: true });
    expect(await t.store.headPosition()).toBe(head);

    expectProblem(await submit({ ...body, amounts: { commit: 10_000, bestCase: 30_000 } }, undefined, { 'idempotency-key': 'may-call-1' }), 422, ['header:Idempotency-Key'], 'idempotency_key_reused');
    expect(await t.store.headPosition()).toBe(head);

    // The same key from another caller is that caller's own request.
    const theirs = await submit(body, second.authorization, { 'idempotency-key': 'may-call-1' });
    expect(theirs.status).toBe(200);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.body.ids.submissionId).not.toBe(first.body.ids.submissionId);

    const may = (await sales.forecast({ from: '2026-05', to: '2026-05' })).forecasts.byPeriod;
    expect(may).toEqual([methodRow({ period: '2026-05', currency: 'EUR' }, { submitted: 20_000, submissions: 2 })]);
  });
});

describe('forecast as of a past day (auth required)', () => {
  let t: TestApp;
  let sales: Client;
  let dayOne: { month: any; quarter: any };
  let dealA: string;

  const DAY1 = '2026-02-10';
  const DAY2 = '2026-02-11';
  /** Moves the clock; commands sent without occurredAt then happen (and are known) at that moment. */
  const at = (instant: string) => t.clock.set(instant);

  beforeAll(async () => {
    t = await startTestApp({ engine: 'memory', auth: 'required' });
    sales = new Client(t, t.bearer('sales'));

    // Day 1: one qualified deal, committed, and the owner's call for March.
    at(`${DAY1}T09:00:00.000Z`);
    const customerId = await sales.register({ kind: 'company', name: 'As-of Co' });
    dealA = await sales.openDeal({ customerId, title: 'A', amount: 200_000, currency: 'EUR', stage: 'qualified', expectedCloseDate: '2026-03-20' });
    at(`${DAY1}T11:00:00.000Z`);
    await sales.command('post', `/v1/deals/${dealA}/forecast-category`, { category: 'commit' });
    at(`${DAY1}T16:00:00.000Z`);
    await sales.command('post', '/v1/forecast-submissions', { period: '2026-03', currency: 'EUR', amounts: { commit: 150_000, bestCase: 200_000 } });
    // The end of day 1: read live, before anything of day 2 is sent.
    dayOne = { month: await sales.forecast(), quarter: await sales.forecast({ period: 'quarter' }) };

    // Day 2: another deal; A moves on, slips to April; a new call.
    at(`${DAY2}T09:00:00.000Z`);
    await sales.openDeal({ customerId, title: 'B', amount: 100_000, currency: 'EUR', stage: 'lead', expectedCloseDate: '2026-03-25', occurredAt: `${DAY2}T09:00:00.000Z` });
    await sales.dealStage(dealA, 'proposal', `${DAY2}T09:30:00.000Z`);
    await sales.command('post', `/v1/deals/${dealA}/close-date`, { expectedCloseDate: '2026-04-10', occurredAt: `${DAY2}T10:00:00.000Z` });
    await sales.command('post', '/v1/forecast-submissions', { period: '2026-03', currency: 'EUR', amounts: { commit: 10_000, bestCase: 100_000 }, occurredAt: `${DAY2}T10:30:00.000Z` });
  });
  afterAll(() => t.close());

  it('the live read at the end of day 1 stood at day 1', () => {
    expect(dayOne.month.asOf).toEqual({ day: DAY1, position: expect.any(Number) });
    expect(dayOne.month.forecasts.byPeriod).toEqual([
      methodRow(
        { period: '2026-03', currency: 'EUR' },
        { openDeals: 1, openAmount: 200_000, stage_weighted: 50_000, learned_weighted: 50_000, category_commit: 200_000, category_best_case: 200_000, submitted: 150_000, submissions: 1 },
      ),
    ]);
  });

  it('asOf day 1, read on day 2, equals what was read live at the end of day 1', async () => {
    expect(await sales.forecast({ asOf: DAY1 })).toEqual(dayOne.month);
    expect(await sales.forecast({ asOf: DAY1, period: 'quarter' })).toEqual(dayOne.quarter);
  });

  it('the live forecast has moved on: day 2, B in March, A in April at proposal, the new call', async () => {
    const live = await sales.forecast();
    expect(live).toEqual(await sales.forecast({ asOf: DAY2 }));
    expect(live.asOf).toEqual({ day: DAY2, position: sales.position });
    expect(live.forecasts.byPeriod).toEqual([
      methodRow({ period: '2026-03', currency: 'EUR' }, { openDeals: 1, openAmount: 100_000, stage_weighted: 10_000, learned_weighted: 10_000, submitted: 10_000, submissions: 1 }),
      methodRow(
        { period: '2026-04', currency: 'EUR' },
        { openDeals: 1, openAmount: 200_000, stage_weighted: 100_000, learned_weighted: 100_000, category_commit: 200_000, category_best_case: 200_000 },
      ),
    ]);
  });

  it('asOf a day before any deal event is the empty pipeline', async () => {
    const body = await sales.forecast({ asOf: '2026-02-09' });
    expect(body.asOf).toEqual({ day: null, position: 0 });
    expect(body.byPeriod).toEqual([]);
    expect(body.forecasts).toMatchObject({ byPeriod: [], byPeriodOwner: [], byPeriodStage: [], teamSubmissions: [] });
  });

  it('400 for a malformed date; 422 for a non-calendar date, a date in the future and a period mismatch', async () => {
    const problem = async (query: Query) => {
      const res = await sales.read('/v1/pipeline/forecast', query);
      expectProblem(res, ['matches'].includes(res.body.errors?.[0]?.code) ? 400 : 422);
      return fieldErrors(res);
    };
    expect(await problem({ asOf: '2026-02-30' })).toEqual([{ field: 'asOf', code: 'invalid_date' }]);
    expect(await problem({ asOf: '2026-02-12' })).toEqual([{ field: 'asOf', code: 'in_the_future' }]);
    expect(await problem({ asOf: '2026-2-10' })).toEqual([{ field: 'asOf', code: 'matches' }]);
    expect(await problem({ asOf: '2026-02-10T00:00:00Z' })).toEqual([{ field: 'asOf', code: 'matches' }]);
    expect(await problem({ period: 'quarter', from: '2026-03' })).toEqual([{ field: 'from', code: 'period_mismatch' }]);
    expect(await problem({ period: 'month', to: '2026-Q1' })).toEqual([{ field: 'to', code: 'period_mismatch' }]);
  });
});

describe('forecast accuracy and sales cycle (auth required)', () => {
  let t: TestApp;
  let sales: Client;
  let SALES: string;

  /*
   * Business time and record time move together (the clock is set to each moment):
   *   2026-01-05 09:00  D1 opened: 100 000 EUR, lead, expected 2026-01-31
   *   2026-01-10 09:00  D1 → proposal                       (5 days in lead)
   *   2026-01-12 09:00  D1 category commit
   *   2026-01-20 09:00  the owner's January call: commit 80 000, best case 120 000
   *   2026-01-28 09:00  D1 won at 100 000                   (18 days in proposal, 23 days opened → won)
   *   2026-02-03 09:00  D2 opened: 40 000 EUR, qualified, expected 2026-02-20
   *   2026-02-05 09:00  D2 close date pushed to 2026-02-27  (one slip of 7 days)
   *   2026-02-15 09:00  D2 lost                             (12 days in qualified)
   * January is closed (the pipeline knows 2026-02-15). Its forecast:
   *   7 days before its end (2026-01-24, the view of 2026-01-20): D1 open at proposal, committed; the call says 80 000
   *     stage_weighted = learned_weighted = 100 000 × .5 = 50 000 → error −50 000, APE .5
   *     category_commit = category_best_case = 100 000 → APE 0; submitted 80 000 → error −20 000, APE .2
   *   at its end (2026-01-31, the view of 2026-01-28): D1 won → every method 100 000, submitted still 80 000
   */
  beforeAll(async () => {
    t = await startTestApp({ engine: 'memory', auth: 'required' });
    sales = new Client(t, t.bearer('sales'));
    SALES = await actorOf(t, 'test-sales');
    const at = (day: string) => t.clock.set(`${day}T09:00:00.000Z`);
    at('2026-01-05');
    const customerId = await sales.register({ kind: 'company', name: 'Accuracy Co' });
    const d1 = await sales.openDeal({ customerId, title: 'D1', amount: 100_000, currency: 'EUR', stage: 'lead', expectedCloseDate: '2026-01-31' });
    at('2026-01-10');
    await sales.dealStage(d1, 'proposal');
    at('2026-01-12');
    await sales.command('post', `/v1/deals/${d1}/forecast-category`, { category: 'commit' });
    at('2026-01-20');
    await sales.command('post', '/v1/forecast-submissions', { period: '2026-01', currency: 'EUR', amounts: { commit: 80_000, bestCase: 120_000 } });
    at('2026-01-28');
    await sales.winDeal(d1, '2026-01-28T09:00:00.000Z');
    at('2026-02-03');
    const d2 = await sales.openDeal({ customerId, title: 'D2', amount: 40_000, currency: 'EUR', stage: 'qualified', expectedCloseDate: '2026-02-20' });
    at('2026-02-05');
    await sales.dealCloseDate(d2, '2026-02-27');
    at('2026-02-15');
    await sales.loseDeal(d2, '2026-02-15T09:00:00.000Z');
  });
  afterAll(() => t.close());

  const score = (forecast: number | null, actual: number) =>
    forecast === null ? { forecast: null, error: null, ape: null, bias: null } : { forecast, error: forecast - actual, ape: Math.abs(forecast - actual) / actual, bias: (forecast - actual) / actual };
  const januaryLeads = [
    {
      leadDays: 7,
      asOfDay: '2026-01-24',
      known: true,
      methods: {
        stage_weighted: score(50_000, 100_000),
        learned_weighted: score(50_000, 100_000),
        category_commit: score(100_000, 100_000),
        category_best_case: score(100_000, 100_000),
        submitted: score(80_000, 100_000),
      },
    },
    {
      leadDays: 0,
      asOfDay: '2026-01-31',
      known: true,
      methods: {
        stage_weighted: score(100_000, 100_000),
        learned_weighted: score(100_000, 100_000),
        category_commit: score(100_000, 100_000),
        category_best_case: score(100_000, 100_000),
        submitted: score(80_000, 100_000),
      },
    },
  ];

  it('scores January at 7 and 0 days before its end, in total and for the owner', async () => {
    const report = await sales.get('/v1/pipeline/forecast/accuracy', { from: '2026-01', to: '2026-01', leadDays: '0,7' });
    expect(report).toMatchObject({
      period: 'month',
      leadDays: [7, 0],
      methods: ['stage_weighted', 'learned_weighted', 'category_commit', 'category_best_case', 'submitted'],
      periods: ['2026-01'],
    });
    expect(januaryLeads[0].methods.stage_weighted).toEqual({ forecast: 50_000, error: -50_000, ape: 0.5, bias: -0.5 });
    expect(januaryLeads[0].methods.submitted).toEqual({ forecast: 80_000, error: -20_000, ape: 0.2, bias: -0.2 });
    expect(report.rows).toEqual([
      { period: '2026-01', currency: 'EUR', owner: null, actual: 100_000, leads: januaryLeads },
      { period: '2026-01', currency: 'EUR', owner: SALES, actual: 100_000, leads: januaryLeads },
    ]);
    const summary = (owner: string | null, leadDays: number, method: string) =>
      report.summary.find((s: { owner: string | null; leadDays: number; method: string }) => s.owner === owner && s.leadDays === leadDays && s.method === method);
    expect(summary(null, 7, 'stage_weighted')).toEqual({ currency: 'EUR', owner: null, leadDays: 7, method: 'stage_weighted', periods: 1, mape: 0.5, wape: 0.5, meanBias: -0.5 });
    expect(summary(SALES, 0, 'submitted')).toEqual({ currency: 'EUR', owner: SALES, leadDays: 0, method: 'submitted', periods: 1, mape: 0.2, wape: 0.2, meanBias: -0.2 });
    expect(report.summary).toHaveLength(2 * 2 * 5);
  });

  it('by default scores the twelve months up to the last closed one (the pipeline knows 2026-02-15, so January), lead days deduplicated', async () => {
    const report = await sales.get('/v1/pipeline/forecast/accuracy', { leadDays: '7,0,7' });
    expect(report.leadDays).toEqual([7, 0]);
    expect(report.periods).toHaveLength(12);
    expect(report.periods[0]).toBe('2025-02');
    expect(report.periods[11]).toBe('2026-01');
    // Months before the first deal event have neither an actual nor a forecast: no rows.
    expect(report.rows.map((r: { period: string; owner: string | null }) => [r.period, r.owner])).toEqual([
      ['2026-01', null],
      ['2026-01', SALES],
    ]);
  });

  it('400 for bad lead days; 422 for a reversed range and a period mismatch', async () => {
    const problem = async (query: Query) => {
      const res = await sales.read('/v1/pipeline/forecast/accuracy', query);
      expectProblem(res, ['empty_range', 'period_mismatch'].includes(res.body.errors?.[0]?.code) ? 422 : 400);
      return fieldErrors(res);
    };
    for (const leadDays of ['7.5', 'seven', '731', '-1', '1,2,3,4,5,6,7,8,9']) {
      const errors = await problem({ leadDays });
      expect({ leadDays, fields: [...new Set(errors.map((e: { field: string }) => e.field))] }).toEqual({ leadDays, fields: ['leadDays'] });
    }
    expect(await problem({ leadDays: '731' })).toEqual([{ field: 'leadDays', code: 'max' }]);
    expect(await problem({ leadDays: '1,2,3,4,5,6,7,8,9' })).toEqual([{ field: 'leadDays', code: 'arrayMaxSize' }]);
    expect(await problem({ from: '2026-02', to: '2026-01' })).toEqual([{ field: 'from', code: 'empty_range' }]);
    expect(await problem({ period: 'quarter', from: '2025-Q1', to: '2026-01' })).toEqual([{ field: 'to', code: 'period_mismatch' }]);
    // 730 days and eight values are the limits, and allowed.
    expect((await sales.get('/v1/pipeline/forecast/accuracy', { from: '2026-01', to: '2026-01', leadDays: '730' })).leadDays).toEqual([730]);
    expect((await sales.get('/v1/pipeline/forecast/accuracy', { from: '2026-01', to: '2026-01', leadDays: '1,2,3,4,5,6,7,8' })).leadDays).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it('the sales cycle counts the transitions made, days in each stage, the won cycle and the slip', async () => {
    const cycle = await sales.get('/v1/pipeline/sales-cycle');
    const expected = {
      opened: 2,
      stages: [
        { stage: 'lead', exits: 1, to: { proposal: 1 }, conversion: 1, medianDaysInStage: 5 },
        { stage: 'qualified', exits: 1, to: { lost: 1 }, conversion: 0, medianDaysInStage: 12 },
        { stage: 'proposal', exits: 1, to: { won: 1 }, conversion: 1, medianDaysInStage: 18 },
        { stage: 'negotiation', exits: 0, to: {}, conversion: null, medianDaysInStage: null },
      ],
      won: 1,
      medianWonCycleDays: 23,
      slipped: { deals: 1, shareOfOpened: 0.5, pushes: 1, meanDaysPerPush: 7 },
    };
    expect(cycle).toEqual({ total: { owner: null, ...expected }, owners: [{ owner: SALES, ...expected }] });
    expect(await sales.get('/v1/pipeline/sales-cycle', { owner: 'nobody' })).toEqual({
      total: {
        owner: null,
        opened: 0,
        stages: ['lead', 'qualified', 'proposal', 'negotiation'].map((stage) => ({ stage, exits: 0, to: {}, conversion: null, medianDaysInStage: null })),
        won: 0,
        medianWonCycleDays: null,
        slipped: { deals: 0, shareOfOpened: null, pushes: 0, meanDaysPerPush: null },
      },
      owners: [],
    });
  });
});

describe('who may read and submit forecasts (auth required)', () => {
  let t: TestApp;
  let sales: Client;
  let dealId: string;
  const READS = ['/v1/pipeline/forecast', '/v1/pipeline/forecast/accuracy', '/v1/pipeline/sales-cycle'];
  const SUBMISSION = { period: '2026-04', currency: 'EUR', amounts: { commit: 1_000, bestCase: 2_000 } };

  beforeAll(async () => {
    t = await startTestApp({ engine: 'memory', auth: 'required' });
    sales = new Client(t, t.bearer('sales'));
    const customerId = await sales.register({ kind: 'company', name: 'Roles Co' });
    dealId = await sales.openDeal({ customerId, amount: 40_000, currency: 'EUR', stage: 'negotiation', expectedCloseDate: '2026-04-30' });
  });
  afterAll(() => t.close());

  it('an analyst (and an admin) reads every pipeline endpoint, with the same answers as the salesperson', async () => {
    for (const role of ['analyst', 'admin'] as Role[]) {
      for (const url of READS) {
        const res = await sales.read(url, {}, t.bearer(role));
        expect({ role, url, status: res.status }).toEqual({ role, url, status: 200 });
        expect(res.body).toEqual(await sales.get(url));
      }
    }
    const forecast = (await sales.read('/v1/pipeline/forecast', {}, t.bearer('analyst'))).body;
    expect(forecast.forecasts.byPeriod).toEqual([methodRow({ period: '2026-04', currency: 'EUR' }, { openDeals: 1, openAmount: 40_000, stage_weighted: 30_000, learned_weighted: 30_000 })]);
  });

  it('an analyst may not submit a forecast or set a category: 403, nothing recorded', async () => {
    const head = await t.store.headPosition();
    expectProblem(await sales.attempt('/v1/forecast-submissions', SUBMISSION, t.bearer('analyst')), 403, [], 'forbidden');
    expectProblem(await sales.attempt(`/v1/deals/${dealId}/forecast-category`, { category: 'commit' }, t.bearer('analyst')), 403, [], 'forbidden');
    expect(await t.store.headPosition()).toBe(head);
    expect((await sales.get(`/v1/deals/${dealId}`)).forecastCategory).toBe('pipeline');
  });

  it.each(['auditor', 'service', 'importer'] as Role[])('%s gets 403 on every pipeline endpoint and on submissions', async (role) => {
    const head = await t.store.headPosition();
    for (const url of READS) expectProblem(await sales.read(url, {}, t.bearer(role)), 403, [], 'forbidden');
    expectProblem(await sales.attempt('/v1/forecast-submissions', SUBMISSION, t.bearer(role)), 403, [], 'forbidden');
    expect(await t.store.headPosition()).toBe(head);
  });

  it('without credentials every one of them is 401', async () => {
    for (const url of READS) expectProblem(await request(t.http).get(url), 401, [], 'unauthorized');
    expectProblem(await request(t.http).post('/v1/forecast-submissions').send(SUBMISSION), 401, [], 'unauthorized');
    expectProblem(await request(t.http).post(`/v1/deals/${UNKNOWN_DEAL}/forecast-category`).send({ category: 'commit' }), 401, [], 'unauthorized');
  });
});
