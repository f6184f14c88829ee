/**
 * Tasks and "nothing falls through", through HTTP with an injected clock: plan, move, hand over, finish; the clear
 * errors; the caller's day; the follow-up process creating exactly one task per unanswered inbound contact across
 * repeated runs, a rebuild of the read models and concurrent runs, and none when an answer came in time.
 */
import request from 'supertest';
import ICAL from 'ical.js';
import { PROJECTOR, type Projector } from '@touchpoint/read-models';
import { FollowUpProcess, followUpTaskId } from '../../apps/api/src/tasks/follow-up.process';
import { scenarioEngines, startTestApp, type TestApp } from '../support/app';
import { Crm, expectProblem } from '../queries/helpers';

const HOUR = 3_600_000;
const ANNA = { 'X-Actor': 'sales.anna' };
const BORIS = { 'X-Actor': 'sales.boris' };

describe.each(scenarioEngines(['memory', 'sqlite']))('tasks (%s engine, through HTTP)', (engine) => {
  let t: TestApp;
  let crm: Crm;
  let customer: string;

  beforeAll(async () => {
    t = await startTestApp({ engine });
    crm = new Crm(t);
    customer = await crm.register({ kind: 'person', name: 'Olena Kovalenko', owner: 'sales.anna', occurredAt: '2026-01-10T09:00:00Z' });
  });
  afterAll(() => t?.close());

  const post = (url: string, body: object, headers: Record<string, string> = ANNA) => request(t.http).post(url).set(headers).send(body);

  it('plans, moves, hands over and finishes a task; each step is an event and the read model follows', async () => {
    // The clock reads 2026-03-02T10:00Z.
    const created = await post('/v1/tasks', { customerId: customer, kind: 'call', title: 'Call about the renewal', priority: 'high', dueAt: '2026-03-02T14:00:00+02:00', remindAt: '2026-03-02T11:45:00Z' });
    expect(created.status).toBe(201);
    const taskId = created.body.ids.taskId;
    expect(created.headers.location).toBe(`/v1/tasks/${taskId}`);
    const task = await crm.get(`/v1/tasks/${taskId}`, { minPosition: created.body.globalPosition });
    expect(task).toMatchObject({ taskId, customerId: customer, kind: 'call', assignee: 'sales.anna', priority: 'high', status: 'open', dueAt: '2026-03-02T12:00:00.000Z', remindAt: '2026-03-02T11:45:00.000Z', overdue: false, createdBy: 'sales.anna' });

    const moved = await post(`/v1/tasks/${taskId}/reschedule`, { dueAt: '2026-03-03T09:00:00Z', reason: 'Customer asked for tomorrow' });
    expect(moved.status).toBe(200);
    // The reminder keeps its lead time (15 minutes).
    expect(await crm.get(`/v1/tasks/${taskId}`, { minPosition: moved.body.globalPosition })).toMatchObject({ dueAt: '2026-03-03T09:00:00.000Z', remindAt: '2026-03-03T08:45:00.000Z' });

    const done = await post(`/v1/tasks/${taskId}/completion`, { outcome: 'Renewed for a year' });
    expect(done.status).toBe(200);
    expect(await crm.get(`/v1/tasks/${taskId}`, { minPosition: done.body.globalPosition })).toMatchObject({ status: 'done', outcome: 'Renewed for a year', overdue: false, revisions: 3 });
    // A done task cannot be moved or finished again.
    expectProblem(await post(`/v1/tasks/${taskId}/reschedule`, { dueAt: '2026-03-05T09:00:00Z' }), 409, ['taskId'], 'task_closed');
    expectProblem(await post(`/v1/tasks/${taskId}/cancellation`, {}), 409, ['taskId'], 'task_closed');
    // The customer's timeline shows the task's life.
    const history = await crm.pages(`/v1/customers/${customer}/history`, { category: 'task', limit: 50 });
    expect(history.items.map((e: { type: string }) => e.type).sort()).toEqual(['TaskCompleted', 'TaskCreated', 'TaskRescheduled']);
  });

  it('answers bad input with a clear error naming the field, and changes nothing', async () => {
    const before = await t.store.headPosition();
    expectProblem(await post('/v1/tasks', { customerId: customer, kind: 'meeting', title: 'Demo', dueAt: '2026-03-04T10:00:00Z', endsAt: '2026-03-04T09:00:00Z' }), 422, ['endsAt'], 'invalid_slot');
    expectProblem(await post('/v1/tasks', { customerId: customer, kind: 'call', title: 'Call', dueAt: '2026-03-04T10:00:00Z', endsAt: '2026-03-04T11:00:00Z' }), 422, ['endsAt'], 'slot_not_allowed');
    expectProblem(await post('/v1/tasks', { customerId: customer, kind: 'call', title: 'Call', dueAt: '2026-03-04T10:00:00Z', remindAt: '2026-03-04T10:30:00Z' }), 422, ['remindAt'], 'invalid_reminder');
    expectProblem(await post('/v1/tasks', { customerId: customer, kind: 'call', title: 'Call', dueAt: '2026-03-04T10:00:00' }), 400, ['dueAt']);
    expectProblem(await post('/v1/tasks', { customerId: customer, kind: 'visit', title: 'Call', dueAt: '2026-03-04T10:00:00Z' }), 400, ['kind']);
    expectProblem(await post('/v1/tasks', { customerId: customer, kind: 'call', title: 'Call', dueAt: '2026-03-04T10:00:00Z', colour: 'red' }), 400, ['colour']);
    expectProblem(await post('/v1/tasks', { customerId: '00000000-0000-4000-a000-0000000000ff', kind: 'call', title: 'Call', dueAt: '2026-03-04T10:00:00Z' }), 404, ['customerId'], 'customer_not_found');
    expectProblem(await post('/v1/tasks', { customerId: customer, dealId: '00000000-0000-4000-a000-0000000000fe', kind: 'call', title: 'Call', dueAt: '2026-03-04T10:00:00Z' }), 404, ['dealId'], 'deal_not_found');
    expectProblem(await post('/v1/tasks/00000000-0000-4000-a000-0000000000fd/completion', {}), 404, ['taskId'], 'task_not_found');
    expectProblem(await request(t.http).get('/v1/tasks').query({ status: 'late' }), 400, ['status']);
    expect(await t.store.headPosition()).toBe(before);
  });

  it('lists by assignee, status and due window, soonest first, in cursor pages; overdue is decided by the clock; my day', async () => {
    const boris = await crm.register({ kind: 'company', name: 'Dnipro Logistics', owner: 'sales.boris' });
    const plan = async (dueAt: string, title: string, headers = BORIS) => (await post('/v1/tasks', { customerId: boris, kind: 'todo', title, dueAt }, headers)).body;
    await plan('2026-03-01T09:00:00Z', 'Yesterday');
    await plan('2026-03-02T08:00:00Z', 'This morning');
    await plan('2026-03-02T16:00:00Z', 'This afternoon');
    const last = await plan('2026-03-04T09:00:00Z', 'Later this week');
    const meeting = (await post('/v1/tasks', { customerId: boris, kind: 'meeting', title: 'Site visit', dueAt: '2026-03-02T12:00:00Z', endsAt: '2026-03-02T13:30:00Z' }, BORIS)).body;
    const q = { assignee: 'sales.boris', minPosition: meeting.globalPosition };
    const all = await crm.pages('/v1/tasks', { ...q, limit: 2 });
    expect(all.items.map((x: { title: string }) => x.title)).toEqual(['Yesterday', 'This morning', 'Site visit', 'This afternoon', 'Later this week']);
    const overdue = await crm.get('/v1/tasks', { ...q, status: 'overdue' });
    expect(overdue.items.map((x: { title: string; overdue: boolean }) => [x.title, x.overdue])).toEqual([['Yesterday', true], ['This morning', true]]);
    const window = await crm.get('/v1/tasks', { ...q, dueFrom: '2026-03-02T00:00:00Z', dueTo: '2026-03-02T23:59:59Z' });
    expect(window.items).toHaveLength(3);
    const day = (await request(t.http).get('/v1/tasks/my-day').set(BORIS).query({ minPosition: last.globalPosition })).body;
    expect(day).toMatchObject({ date: '2026-03-02', assignee: 'sales.boris', truncated: false });
    // Overdue: carried over from earlier days; due: the day's own, those already past flagged overdue.
    expect(day.overdue.map((x: { title: string }) => x.title)).toEqual(['Yesterday']);
    expect(day.due.map((x: { title: string; overdue: boolean }) => [x.title, x.overdue])).toEqual([['This morning', true], ['Site visit', false], ['This afternoon', false]]);
    expect(day.due[1]).toMatchObject({ kind: 'meeting', dueAt: '2026-03-02T12:00:00.000Z', endsAt: '2026-03-02T13:30:00.000Z' });
    // The 360 counts the open tasks and those overdue now; lists filter on it.
    expect((await crm.get(`/v1/customers/${boris}`)).tasks).toEqual({ open: 5, overdue: 2, nextDueAt: '2026-03-01T09:00:00.000Z' });
    expect((await crm.get(`/v1/customers/${customer}`)).tasks).toMatchObject({ open: 0, overdue: 0 });
    expect((await crm.get('/v1/customers', { overdueTasks: 'true' })).items.map((c: { customerId: string }) => c.customerId)).toEqual([boris]);
    // Time passes: what was due this afternoon becomes overdue with no event at all.
    t.clock.set('2026-03-02T17:00:00Z');
    try {
      expect((await crm.get('/v1/tasks', { ...q, status: 'overdue' })).items).toHaveLength(4);
      expect((await crm.get(`/v1/customers/${boris}`)).tasks.overdue).toBe(4);
    } finally {
      t.clock.set('2026-03-02T10:00:00Z');
    }
  });
});

describe('who may change a task (authentication on: API keys)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ auth: 'required' });
  });
  afterAll(() => t?.close());

  it('sales plan and change their own tasks; an admin plans for anyone and changes any task', async () => {
    const as = (role: 'sales' | 'admin') => ({ Authorization: t.bearer(role) });
    const registered = await request(t.http).post('/v1/customers').set(as('sales')).send({ kind: 'person', name: 'Olena' });
    const customerId = registered.body.ids.customerId;
    const task = { customerId, kind: 'call', title: 'Call back', dueAt: '2026-03-03T09:00:00Z' };
    const own = await request(t.http).post('/v1/tasks').set(as('sales')).send(task);
    expect(own.status).toBe(201);
    expectProblem(await request(t.http).post('/v1/tasks').set(as('sales')).send({ ...task, assignee: 'sales.boris' }), 403, ['assignee'], 'not_own_task');
    const forBoris = await request(t.http).post('/v1/tasks').set(as('admin')).send({ ...task, assignee: 'sales.boris' });
    expect(forBoris.status).toBe(201);
    expectProblem(await request(t.http).post(`/v1/tasks/${forBoris.body.ids.taskId}/completion`).set(as('sales')).send({}), 403, ['taskId'], 'not_task_assignee');
    expect((await request(t.http).post(`/v1/tasks/${own.body.ids.taskId}/completion`).set(as('sales')).send({})).status).toBe(200);
    expect((await request(t.http).post(`/v1/tasks/${forBoris.body.ids.taskId}/reassign`).set(as('admin')).send({ assignee: 'sales.chen' })).status).toBe(200);
    // Reading is open to every role that works with customers; changing is not.
    expect((await request(t.http).get('/v1/tasks').set({ Authorization: t.bearer('analyst') })).status).toBe(200);
    expect((await request(t.http).post('/v1/tasks').set({ Authorization: t.bearer('analyst') }).send(task)).status).toBe(403);
  });
});

describe('the iCalendar feed (authentication on)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ auth: 'required', engine: 'sqlite' });
  });
  afterAll(() => t?.close());

  it('gives the owner a secret feed URL whose calendar an independent parser reads: slots, blocks, alarms, status', async () => {
    const sales = { Authorization: t.bearer('sales') };
    const customerId = (await request(t.http).post('/v1/customers').set(sales).send({ kind: 'company', name: 'Dnipro Logistics' })).body.ids.customerId;
    const meeting = await request(t.http).post('/v1/tasks').set(sales).send({ customerId, kind: 'meeting', title: 'Site visit', notes: 'Bring the samples', dueAt: '2026-03-04T09:00:00Z', endsAt: '2026-03-04T10:30:00Z', remindAt: '2026-03-04T08:30:00Z' });
    const call = await request(t.http).post('/v1/tasks').set(sales).send({ customerId, kind: 'call', title: 'Call the buyer', dueAt: '2026-03-03T14:00:00Z' });
    const cancelled = await request(t.http).post('/v1/tasks').set(sales).send({ customerId, kind: 'todo', title: 'Send the price list', dueAt: '2026-03-05T09:00:00Z' });
    await request(t.http).post(`/v1/tasks/${cancelled.body.ids.taskId}/cancellation`).set(sales).send({ reason: 'Sent by email already' }).expect(200);
    const owner = (await request(t.http).get(`/v1/tasks/${meeting.body.ids.taskId}`).set(sales).query({ minPosition: await t.store.headPosition() })).body.assignee;

    const sub = await request(t.http).get('/v1/calendar/subscription').set(sales);
    expect(sub.body.owner).toBe(owner);
    expect(sub.status).toBe(200);
    expect(sub.body.url).toMatch(/\.ics\?token=v1\./);
    // Someone else's calendar: refused to sales, given to an admin.
    expect((await request(t.http).get('/v1/calendar/subscription').query({ owner: 'sales.boris' }).set(sales)).status).toBe(403);
    expect((await request(t.http).get('/v1/calendar/subscription').query({ owner: 'sales.boris' }).set({ Authorization: t.bearer('admin') })).body.owner).toBe('sales.boris');

    // No Authorization header: the token in the URL is the key.
    const feed = await request(t.http).get(sub.body.url);
    expect(feed.status).toBe(200);
    expect(feed.headers['content-type']).toMatch(/^text\/calendar/);
    const calendar = new ICAL.Component(ICAL.parse(feed.text));
    const events = calendar.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
    expect(events.map((e) => e.summary)).toEqual(['Call the buyer', 'Site visit', 'Send the price list']);
    const [callEvent, meetingEvent, cancelledEvent] = events;
    expect(callEvent.uid).toBe(`${call.body.ids.taskId}@touchpoint`);
    expect(callEvent.startDate.toJSDate().toISOString()).toBe('2026-03-03T14:00:00.000Z');
    expect(callEvent.endDate.toJSDate().toISOString()).toBe('2026-03-03T14:15:00.000Z');
    expect(meetingEvent.startDate.toJSDate().toISOString()).toBe('2026-03-04T09:00:00.000Z');
    expect(meetingEvent.endDate.toJSDate().toISOString()).toBe('2026-03-04T10:30:00.000Z');
    expect(meetingEvent.description).toContain('Bring the samples');
    const alarm = meetingEvent.component.getFirstSubcomponent('valarm')!;
    expect((alarm.getFirstPropertyValue('trigger') as ICAL.Time).toJSDate().toISOString()).toBe('2026-03-04T08:30:00.000Z');
    expect(cancelledEvent.component.getFirstPropertyValue('status')).toBe('CANCELLED');

    // A wrong token, or a token for another owner, finds nothing.
    expect((await request(t.http).get(`/v1/calendar/${encodeURIComponent(owner)}.ics`).query({ token: 'v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })).status).toBe(404);
    expect((await request(t.http).get(`/v1/calendar/sales.boris.ics`).query({ token: sub.body.url.split('token=')[1] })).status).toBe(404);
    expect((await request(t.http).get(`/v1/calendar/${encodeURIComponent(owner)}.ics`)).status).toBe(400);
  });
});

describe.each(scenarioEngines(['memory', 'sqlite']))('nothing falls through: the follow-up process (%s engine)', (engine) => {
  let t: TestApp;
  let crm: Crm;
  let followUps: FollowUpProcess;

  beforeAll(async () => {
    // Pages of 7 contacts, so a backlog spans several pages of one run.
    t = await startTestApp({ engine, env: { TOUCHPOINT_FOLLOW_UP_BATCH: '7' } });
    crm = new Crm(t);
    followUps = t.app.get(FollowUpProcess);
  });
  afterAll(() => t?.close());

  /** Lets the read models catch up with everything written so far. */
  const settle = async () => crm.get('/v1/tasks', { minPosition: await t.store.headPosition(), limit: 1 });
  const tasksOf = async (customerId: string) => (await crm.get('/v1/tasks', { customerId, minPosition: await t.store.headPosition() })).items;
  const taskCreatedEvents = async () => {
    let n = 0;
    for (const e of await t.store.readAll({ after: 0, maxCount: 100_000 })) if (e.type === 'TaskCreated') n++;
    return n;
  };

  it('creates exactly one task for an unanswered inbound call once the window has passed, for the customer\'s owner, caused by the call', async () => {
    t.clock.set('2026-03-02T10:00:00Z');
    const id = await crm.register({ kind: 'person', name: 'Iryna', owner: 'sales.anna' });
    const call = await crm.touchpoint(id, { type: 'call', direction: 'inbound', subject: 'Where is my parcel?', occurredAt: '2026-03-02T09:30:00Z' });
    await settle();
    t.clock.set('2026-03-03T09:00:00Z'); // 23.5 hours: still within the 24-hour window
    expect(await followUps.runOnce()).toBe(0);
    t.clock.set('2026-03-03T10:00:00Z');
    expect(await followUps.runOnce()).toBe(1);
    const [task] = await tasksOf(id);
    expect(task).toMatchObject({
      taskId: followUpTaskId(call.body.events[0].eventId),
      assignee: 'sales.anna',
      kind: 'call',
      priority: 'normal',
      status: 'open',
      causedBy: { eventId: call.body.events[0].eventId, type: 'TouchpointRecorded' },
      createdBy: 'system:follow-up',
    });
    // Run again, before and after the read models saw the task: nothing more.
    expect(await followUps.runOnce()).toBe(0);
    await settle();
    expect(await followUps.runOnce()).toBe(0);
    expect(await tasksOf(id)).toHaveLength(1);
    // The task's events carry the call as their cause.
    const created = (await t.store.readStream(`task-${task.taskId}`))[0];
    expect(created.metadata).toMatchObject({ actor: 'system:follow-up', causationId: call.body.events[0].eventId });
  });

  it('creates none when the answer came in time, and follows up a complaint until it is resolved', async () => {
    t.clock.set('2026-03-05T10:00:00Z');
    const answered = await crm.register({ kind: 'person', name: 'Petro', owner: 'sales.boris' });
    await crm.touchpoint(answered, { type: 'email', direction: 'inbound', subject: 'Price list?', occurredAt: '2026-03-05T08:00:00Z' });
    await crm.touchpoint(answered, { type: 'email', direction: 'outbound', subject: 'Here it is', occurredAt: '2026-03-05T09:00:00Z' });
    const noOwner = await crm.register({ kind: 'person', name: 'Oksana' });
    await crm.complaint(noOwner, { complaintId: 'C-77', occurredAt: '2026-03-05T08:00:00Z' });
    const resolvedInTime = await crm.register({ kind: 'person', name: 'Taras', owner: 'sales.boris' });
    await crm.complaint(resolvedInTime, { complaintId: 'C-78', occurredAt: '2026-03-05T08:00:00Z' });
    await crm.resolve(resolvedInTime, 'C-78', 4, '2026-03-05T12:00:00Z');
    await settle();
    t.clock.set('2026-03-06T12:00:00Z');
    expect(await followUps.runOnce()).toBe(1);
    expect(await tasksOf(answered)).toEqual([]);
    expect(await tasksOf(resolvedInTime)).toEqual([]);
    const [task] = await tasksOf(noOwner);
    expect(task).toMatchObject({ assignee: 'service-desk', priority: 'high', kind: 'todo', title: 'Answer complaint C-77' });
  });

  it('does not follow up contacts older than the horizon (missed before the process watched them)', async () => {
    t.clock.set('2026-03-10T10:00:00Z');
    const old = await crm.register({ kind: 'person', name: 'Halyna', owner: 'sales.anna' });
    // Recorded now, but it happened three weeks ago: beyond the 7-day horizon.
    await crm.touchpoint(old, { type: 'call', direction: 'inbound', subject: 'Old call', occurredAt: '2026-02-17T10:00:00Z' });
    await settle();
    expect(await followUps.runOnce()).toBe(0);
    expect(await tasksOf(old)).toEqual([]);
  });

  it('clears a backlog larger than a page in one run: one task per contact, none on the next run', async () => {
    t.clock.set('2026-03-14T10:00:00Z');
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) {
      const id = await crm.register({ kind: 'person', name: `Caller ${i}`, owner: 'sales.anna' });
      await crm.touchpoint(id, { type: 'call', direction: 'inbound', subject: `Call ${i}`, occurredAt: new Date(Date.parse('2026-03-14T08:00:00Z') + i * 60_000).toISOString() });
      ids.push(id);
    }
    await settle();
    t.clock.set('2026-03-15T12:00:00Z');
    expect(await followUps.runOnce()).toBe(23); // four pages of 7
    expect(await followUps.runOnce()).toBe(0);
    await settle();
    expect(await followUps.runOnce()).toBe(0);
    for (const id of ids) expect((await tasksOf(id)).map((task: { createdBy: string }) => task.createdBy)).toEqual(['system:follow-up']);
  });

  it('after a rebuild of the read models and with concurrent runs, still one task per contact', async () => {
    const before = await taskCreatedEvents();
    t.clock.set('2026-03-11T10:00:00Z');
    const id = await crm.register({ kind: 'person', name: 'Mykola', owner: 'sales.anna' });
    await crm.touchpoint(id, { type: 'chat', channel: 'chat', direction: 'inbound', subject: 'Hello?', occurredAt: '2026-03-11T09:00:00Z' });
    await settle();
    t.clock.set('2026-03-12T12:00:00Z');
    const runs = await Promise.all([followUps.runOnce(), followUps.runOnce()]);
    expect(runs).toEqual([1, 1]); // one pass: the second call joins the first
    const projector = t.app.get<Projector>(PROJECTOR);
    await projector.stop();
    await projector.rebuild();
    await projector.start();
    await settle();
    expect(await followUps.runOnce()).toBe(0);
    // A second process that has not seen the task yet: the store refuses the same task id.
    const other = new FollowUpProcess(t.readStore, async () => {
      throw Object.assign(new (await import('@touchpoint/domain')).DomainError('conflict', 'task_exists', 'exists', 'taskId'));
    }, t.clock, { afterMs: 24 * HOUR, maxAgeMs: 7 * 24 * HOUR, fallbackAssignee: 'x', batch: 10 });
    expect(await other.runOnce()).toBe(0);
    expect(await taskCreatedEvents()).toBe(before + 1);
    expect(await tasksOf(id)).toHaveLength(1);
  });
});
