/**
 * The manager role: a sales manager is a seller who also oversees the teams the sales organisation names them
 * manager of. They plan, change and hand on their team members' tasks (within the team), get their calendar feeds,
 * approve discounts on their quotes, and read their and their teams' attainment; nothing of other teams.
 */
import { issueApiKey, type Role } from '@touchpoint/auth';
import request from 'supertest';
import { expectProblem } from '../queries/helpers';
import { startTestApp, type TestApp } from '../support/app';

describe('the manager role (authentication on)', () => {
  let t: TestApp;
  const people: Record<string, { actor: string; headers: Record<string, string> }> = {};
  let customerId: string;
  const admin = () => ({ Authorization: t.bearer('admin') });
  const as = (who: string) => people[who].headers;
  const ok = (status: number) => (r: request.Response) => expect([r.status, r.body]).toEqual([status, expect.anything()]);

  beforeAll(async () => {
    t = await startTestApp({ auth: 'required' });
    for (const [name, role] of [['anna', 'sales'], ['boris', 'sales'], ['vira', 'sales'], ['olha', 'manager']] as Array<[string, Role]>) {
      const { record, secret } = await issueApiKey(t.apiKeyStore, { name, roles: [role], now: t.clock.now() });
      people[name] = { actor: `key:${record.id}`, headers: { Authorization: `Bearer ${secret}` } };
    }
    const place = (who: string, team: string) => request(t.http).put(`/v1/sales/sellers/${people[who].actor}`).set(admin()).send({ team, region: 'north' }).expect(ok(200));
    await place('anna', 'kyiv');
    await place('boris', 'kyiv');
    await place('olha', 'kyiv');
    await place('vira', 'lviv');
    await request(t.http).put('/v1/sales/teams/kyiv/manager').set(admin()).send({ manager: people.olha.actor }).expect(ok(200));
    customerId = (await request(t.http).post('/v1/customers').set(as('anna')).send({ kind: 'person', name: 'Taras' }).expect(201)).body.ids.customerId;
  });
  afterAll(() => t.close());

  const task = async (who: string, assignee?: string) =>
    (await request(t.http).post('/v1/tasks').set(as(who)).send({ customerId, kind: 'call', title: 'Call back', dueAt: '2026-03-03T09:00:00Z', ...(assignee && { assignee: people[assignee].actor }) }).expect(201)).body.ids.taskId as string;

  it('an appointment is admin-only, an event on the sales organisation, and needs a team with sellers', async () => {
    await request(t.http).put('/v1/sales/teams/kyiv/manager').set(as('olha')).send({ manager: people.olha.actor }).expect(403);
    expectProblem(await request(t.http).put('/v1/sales/teams/nowhere/manager').set(admin()).send({ manager: people.olha.actor }), 422, ['team'], 'unknown_team');
    const events = await t.store.readStream('sales-org');
    expect(events.filter((e) => e.type === 'TeamManagerAppointed').map((e) => e.data)).toEqual([expect.objectContaining({ team: 'kyiv', manager: people.olha.actor })]);
  });

  it('plans and changes the team members’ tasks, hands them on within the team, and touches no other team’s', async () => {
    const annas = await task('anna');
    await request(t.http).post(`/v1/tasks/${annas}/reschedule`).set(as('olha')).send({ dueAt: '2026-03-04T09:00:00Z' }).expect(ok(200));
    expectProblem(await request(t.http).post(`/v1/tasks/${annas}/reassign`).set(as('olha')).send({ assignee: people.vira.actor }), 403, ['assignee'], 'not_in_team');
    await request(t.http).post(`/v1/tasks/${annas}/reassign`).set(as('olha')).send({ assignee: people.boris.actor }).expect(ok(200));
    await request(t.http).post(`/v1/tasks/${annas}/completion`).set(as('olha')).send({}).expect(ok(200));
    const forBoris = await task('olha', 'boris');
    expect((await request(t.http).get(`/v1/tasks/${forBoris}`).query({ minPosition: await t.store.headPosition() }).set(as('boris')).expect(200)).body.assignee).toBe(people.boris.actor);

    const viras = await task('vira');
    expectProblem(await request(t.http).post(`/v1/tasks/${viras}/completion`).set(as('olha')).send({}), 403, ['taskId'], 'not_task_assignee');
    expectProblem(await request(t.http).post('/v1/tasks').set(as('olha')).send({ customerId, kind: 'call', title: 'x', dueAt: '2026-03-03T09:00:00Z', assignee: people.vira.actor }), 403, ['assignee'], 'not_own_task');
    // A seller still plans only their own work.
    expectProblem(await request(t.http).post('/v1/tasks').set(as('anna')).send({ customerId, kind: 'call', title: 'x', dueAt: '2026-03-03T09:00:00Z', assignee: people.boris.actor }), 403, ['assignee'], 'not_own_task');
  });

  it('gets the team members’ calendar feed URLs, not others’', async () => {
    await request(t.http).get('/v1/calendar/subscription').query({ owner: people.anna.actor }).set(as('olha')).expect(200);
    await request(t.http).get('/v1/calendar/subscription').query({ owner: people.vira.actor }).set(as('olha')).expect(403);
    await request(t.http).get('/v1/calendar/subscription').query({ owner: people.boris.actor }).set(as('anna')).expect(403);
  });

  it('approves a discount over the limit on a team member’s quote, not on another team’s nor as a seller', async () => {
    const priceListId = (await request(t.http).post('/v1/price-lists').set(admin()).send({ name: 'Main EUR', currency: 'EUR', validFrom: '2026-01-01', items: [{ sku: 'A', name: 'Widget', unitPrice: 10000 }] }).expect(201)).body.ids.priceListId;
    const quoteOf = async (who: string) => {
      const customer = (await request(t.http).post('/v1/customers').set(as(who)).send({ kind: 'person', name: `Customer of ${who}` }).expect(201)).body.ids.customerId;
      const dealId = (await request(t.http).post('/v1/deals').set(as(who)).send({ customerId: customer, title: 'Widgets', amount: 30000, currency: 'EUR', expectedCloseDate: '2026-03-31' }).expect(201)).body.ids.dealId;
      return (await request(t.http).post(`/v1/deals/${dealId}/quotes`).set(as(who)).send({ priceListId, lines: [{ sku: 'A', quantity: 3, discountPct: 20 }], taxRatePct: 20, validUntil: '2026-03-31' }).expect(201)).body.ids.quoteId as string;
    };
    const annas = await quoteOf('anna');
    expectProblem(await request(t.http).post(`/v1/quotes/${annas}/approval`).set(as('boris')).send({ version: 1 }), 403, ['quoteId'], 'not_an_approver');
    await request(t.http).post(`/v1/quotes/${annas}/approval`).set(as('olha')).send({ version: 1 }).expect(ok(200));
    const viras = await quoteOf('vira');
    expectProblem(await request(t.http).post(`/v1/quotes/${viras}/approval`).set(as('olha')).send({ version: 1 }), 403, ['quoteId'], 'not_an_approver');
    const olhas = await quoteOf('olha');
    expectProblem(await request(t.http).post(`/v1/quotes/${olhas}/approval`).set(as('olha')).send({ version: 1 }), 403, ['quoteId'], 'not_an_approver');
  });

  it('reads the attainment of the team members and the team, a seller only their own, an analyst all', async () => {
    for (const [scope, name] of [['owner', people.anna.actor], ['owner', people.boris.actor], ['owner', people.vira.actor], ['team', 'kyiv'], ['team', 'lviv']])
      await request(t.http).post('/v1/sales/quotas').set(admin()).send({ scope, name, period: '2026-Q1', currency: 'EUR', amount: 100_000 }).expect(ok(200));
    const rows = async (who: Record<string, string>, query: object = {}) =>
      (await request(t.http).get('/v1/sales/attainment').query({ period: '2026-Q1', minPosition: await t.store.headPosition(), ...query }).set(who).expect(200)).body.items.map((r: { scope: string; name: string }) => `${r.scope}:${r.name}`).sort();
    expect(await rows(as('olha'))).toEqual([`owner:${people.anna.actor}`, `owner:${people.boris.actor}`, 'team:kyiv'].sort());
    expect(await rows(as('anna'))).toEqual([`owner:${people.anna.actor}`]);
    expect(await rows({ Authorization: t.bearer('analyst') })).toHaveLength(5);
    expectProblem(await request(t.http).get('/v1/sales/attainment').query({ period: '2026-Q1', owner: people.vira.actor }).set(as('olha')), 403, ['owner'], 'not_in_team');
    expect(await rows(as('olha'), { owner: people.anna.actor })).toEqual([`owner:${people.anna.actor}`]);
  });
});
