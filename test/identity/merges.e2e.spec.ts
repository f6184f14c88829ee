/**
 * Merging duplicate customers through HTTP, and undoing it exactly. The same commands are sent to two apps; one of
 * them also merges (and later unmerges) the two records. Checked literally against the app that never merged:
 * after the undo both customers read exactly as there; while merged, the survivor reads as if every event had been
 * recorded on it. Plus: the merged id answers with its survivor, commands to it are refused naming the survivor,
 * concurrent merges of one record let exactly one through, chains resolve, erasure takes every record of the group.
 */
import request from 'supertest';
import { mulberry32 } from '@touchpoint/value-models';
import { scenarioEngines, startTestApp, type TestApp } from '../support/app';
import { Crm, expectProblem } from '../queries/helpers';

// Two apps and a random history per case: slower than the default 5 s on a loaded machine.
jest.setTimeout(60_000);

const S = '00000000-0000-4000-a000-00000000000a';
const D = '00000000-0000-4000-a000-00000000000b';
const OTHER = '00000000-0000-4000-a000-00000000000c';
const DAY = 86_400_000;

type Send = (crm: Crm, customerId: string) => Promise<unknown>;
type Step = { at: string; run: Send; touchpoint?: true };

/** A seeded random history: touchpoints, orders (some cancelled or returned), complaints, consent, channel, deals. */
function history(seed: number, label: string): Step[] {
  const rng = mulberry32(seed);
  const out: Step[] = [];
  let t = Date.parse('2025-02-01T09:00:00Z') + Math.floor(rng() * 5) * DAY;
  const next = () => new Date((t += Math.floor(1 + rng() * 9) * DAY + Math.floor(rng() * 600) * 60_000)).toISOString();
  for (let i = 0; i < 14; i++) {
    const at = next();
    const kind = Math.floor(rng() * 7);
    const n = `${label}${i}`;
    if (kind <= 1) {
      const type = ['call', 'email', 'web_visit', 'meeting'][Math.floor(rng() * 4)];
      const direction = rng() < 0.5 ? 'inbound' : 'outbound';
      out.push({ at, touchpoint: true, run: (crm, id) => crm.touchpoint(id, { type, direction, subject: `About ${n}`, occurredAt: at }) });
    } else if (kind <= 3) {
      const total = (1 + Math.floor(rng() * 40)) * 500;
      const currency = rng() < 0.8 ? 'EUR' : 'USD';
      const fate = rng();
      out.push({ at, run: (crm, id) => crm.order(id, { orderId: `O-${n}`, currency, lines: [{ sku: 'ITEM', quantity: 2, unitPrice: total, unitCost: total / 2 }], occurredAt: at }) });
      if (fate < 0.15) {
        const later = next();
        out.push({ at: later, run: (crm, id) => crm.cancelOrder(id, `O-${n}`, later) });
      } else if (fate < 0.3) {
        const later = next();
        out.push({ at: later, run: (crm, id) => crm.returnOrder(id, `O-${n}`, [{ sku: 'ITEM', quantity: 1 }], later) });
      }
    } else if (kind === 4) {
      out.push({ at, run: (crm, id) => crm.complaint(id, { complaintId: `C-${n}`, occurredAt: at }) });
      if (rng() < 0.6) {
        const later = next();
        const satisfaction = 1 + Math.floor(rng() * 5);
        out.push({ at: later, run: (crm, id) => crm.resolve(id, `C-${n}`, satisfaction, later) });
      }
    } else if (kind === 5) {
      const granted = rng() < 0.5;
      out.push({ at, run: (crm, id) => crm.command('put', `/v1/customers/${id}/marketing-consent`, { granted, occurredAt: at }) });
    } else {
      const channel = ['email', 'phone', 'sms'][Math.floor(rng() * 3)];
      out.push({ at, run: (crm, id) => crm.command('put', `/v1/customers/${id}/preferred-channel`, { channel, occurredAt: at }) });
    }
  }
  return out;
}

/** The 360 without what depends on log positions (which differ between the two apps by the merge's own events). */
const comparable = (c: Record<string, unknown>) => {
  const { projectedThrough: _p, ...rest } = c;
  return rest;
};
/** Timeline entries without positions and generated ids (events, touchpoints), and without the merge's own entries. */
const timeline = (items: Array<Record<string, unknown>>) =>
  items
    .filter((e) => e.type !== 'CustomerMerged' && e.type !== 'CustomerUnmerged')
    .map(({ position: _p, eventId: _e, details, ...rest }) => {
      const { touchpointId: _t, ...kept } = details as Record<string, unknown>;
      return { ...rest, details: kept };
    });

const CASES = scenarioEngines(['memory', 'sqlite']).flatMap((engine) => (engine === 'memory' ? [7, 31, 57] : [7]).map((seed) => [engine, seed] as const));

describe.each(CASES)('merge and undo (%s engine, seed %i, through HTTP)', (engine, seed) => {
  let merged: TestApp;
  let plain: TestApp;
  let m: Crm;
  let p: Crm;

  beforeAll(async () => {
    [merged, plain] = await Promise.all([startTestApp({ engine }), startTestApp({ engine })]);
    m = new Crm(merged);
    p = new Crm(plain);
  });
  afterAll(async () => {
    await merged?.close();
    await plain?.close();
  });

  const both = async (run: (crm: Crm) => Promise<unknown>) => {
    await run(m);
    await run(p);
  };
  const ranked = async (crm: Crm) => {
    // Tiers and RFM are re-ranked after each batch at the head (TOUCHPOINT_SEGMENT_EVERY_MS=0 in tests): read after it.
    await crm.get('/v1/customers', { limit: 1 });
  };

  it('merge then undo: both customers read exactly as in an app that never merged (seeded random histories)', async () => {
    for (const [id, name, email] of [
      [S, 'Olena Shevchenko', 'olena@example.com'],
      [D, 'Олена Шевченко', 'o.shevchenko@example.com'],
      [OTHER, 'Petro Bondarenko', 'petro@example.com'],
    ]) {
      await both((crm) => crm.register({ customerId: id, kind: 'person', name, email, occurredAt: '2025-01-15T10:00:00Z' }));
    }
    const events = [...history(seed, 's').map((e) => ({ ...e, id: S })), ...history(seed + 1, 'd').map((e) => ({ ...e, id: D })), ...history(seed + 2, 'o').map((e) => ({ ...e, id: OTHER }))].sort((a, b) =>
      a.at < b.at ? -1 : 1,
    );
    const half = Math.floor(events.length / 2);
    for (const e of events.slice(0, half)) await both((crm) => e.run(crm, e.id));
    // The merged app merges half way through; events after it go to the survivor's own record (the duplicate is locked).
    // An explicit merge id: the two apps' id generators stay in step (touchpoint ids are generated).
    const res = await m.command('post', `/v1/customers/${S}/merges`, { duplicateId: D, reason: 'Same person: Cyrillic and Latin spellings', mergeId: '00000000-0000-4000-a000-0000000000dd' });
    expect(res.status).toBe(201);
    const mergeId = res.body.ids.mergeId;
    expect(res.headers.location).toBe(`/v1/customers/${S}/merges/${mergeId}`);
    // While merged, the duplicate's touchpoints are recorded on the survivor (the only record taking commands) and
    // given back by the undo; the plain app records them on the duplicate. Its other events wait for the undo.
    const givenBack: string[] = [];
    for (const e of events.slice(half).filter((x) => x.id !== D || x.touchpoint)) {
      const res = (await e.run(m, e.id === D ? S : e.id)) as { body: { events: Array<{ eventId: string }> } };
      if (e.id === D) givenBack.push(res.body.events[0].eventId);
      await e.run(p, e.id);
    }
    const undo = await m.command('post', `/v1/customers/${S}/merges/${mergeId}/undo`, { reason: 'Two different people after all', reassignEventIds: givenBack });
    expect(undo.status).toBe(200);
    for (const e of events.slice(half).filter((x) => x.id === D && !x.touchpoint)) await both((crm) => e.run(crm, e.id));
    await ranked(m);
    await ranked(p);
    for (const id of [S, D, OTHER]) {
      expect(comparable(await m.get(`/v1/customers/${id}`))).toEqual(comparable(await p.get(`/v1/customers/${id}`)));
      expect(timeline((await m.pages(`/v1/customers/${id}/history`, { order: 'oldest', limit: 50 })).items)).toEqual(
        timeline((await p.pages(`/v1/customers/${id}/history`, { order: 'oldest', limit: 50 })).items),
      );
      expect(await m.get(`/v1/customers/${id}/lifetime-value`)).toEqual(await p.get(`/v1/customers/${id}/lifetime-value`));
    }
    const list = async (crm: Crm) => (await crm.get('/v1/customers', { currency: 'EUR', sort: '-revenue', limit: 50 })).items.map(comparable);
    expect(await list(m)).toEqual(await list(p));
    expect(await m.get('/v1/analytics/value-distribution')).toEqual(await p.get('/v1/analytics/value-distribution'));
    // The merge is on the record: both streams and both timelines show it and its undoing.
    const merges = (await m.pages(`/v1/customers/${S}/history`, { limit: 50 })).items.filter((e: { type: string }) => e.type.startsWith('CustomerMerged') || e.type === 'CustomerUnmerged');
    expect(merges.map((e: { type: string }) => e.type).sort()).toEqual(['CustomerMerged', 'CustomerUnmerged']);
  });
});

describe('while merged (memory engine, through HTTP)', () => {
  let t: TestApp;
  let crm: Crm;
  let asIfOne: TestApp;
  let one: Crm;

  beforeAll(async () => {
    [t, asIfOne] = await Promise.all([startTestApp({ engine: 'memory' }), startTestApp({ engine: 'memory' })]);
    crm = new Crm(t);
    one = new Crm(asIfOne);
  });
  afterAll(async () => {
    await t?.close();
    await asIfOne?.close();
  });

  it('the survivor reads as if every event had been recorded on it; the merged id answers with the survivor; commands to it are refused naming the survivor', async () => {
    await crm.register({ customerId: S, kind: 'person', name: 'Olena Shevchenko', email: 'olena@example.com', occurredAt: '2025-01-15T10:00:00Z' });
    await crm.register({ customerId: D, kind: 'person', name: 'Олена Шевченко', occurredAt: '2025-03-01T10:00:00Z' });
    await one.register({ customerId: S, kind: 'person', name: 'Olena Shevchenko', email: 'olena@example.com', occurredAt: '2025-01-15T10:00:00Z' });
    const events = [...history(21, 's').map((e) => ({ ...e, id: S })), ...history(22, 'd').map((e) => ({ ...e, id: D }))].sort((a, b) => (a.at < b.at ? -1 : 1));
    for (const e of events) {
      await e.run(crm, e.id);
      await e.run(one, S); // the other app records everything on one customer
    }
    const preview = await crm.get(`/v1/customers/${S}/merges/preview`, { duplicateId: D });
    const merge = await crm.command('post', `/v1/customers/${S}/merges`, { duplicateId: D, reason: 'Same person' });
    const survivor = await crm.get(`/v1/customers/${S}`);
    const single = await one.get(`/v1/customers/${S}`);
    expect(survivor.mergedFrom).toEqual([D]);
    // The duplicate's registration is an activity of the person (their later sign-up), and the earlier one counts as the start.
    const figures = (c: Record<string, any>) => ({
      value: c.value,
      valueByCurrency: c.valueByCurrency,
      touchpoints: c.touchpoints,
      orders: c.orders,
      complaints: { ...c.complaints, openIds: [...c.complaints.openIds].sort() },
      firstContactAt: c.firstContactAt,
      lastContactAt: c.lastContactAt,
      registeredAt: c.registeredAt,
      name: c.name,
      email: c.email,
      lifetimeValue: c.lifetimeValue,
    });
    expect(figures(survivor)).toEqual(figures(single));
    // The dry run answered the same 360 before anything was written.
    expect(figures(preview.customer)).toEqual(figures(survivor));
    expect(preview.dryRun).toBe(true);
    // The merged id reads as the survivor, saying so.
    const viaDuplicate = await crm.get(`/v1/customers/${D}`);
    expect(viaDuplicate).toMatchObject({ customerId: S, mergedInto: S, requestedId: D });
    // Its history is the group's.
    expect((await crm.pages(`/v1/customers/${D}/history`, { limit: 50 })).items.length).toBe((await crm.pages(`/v1/customers/${S}/history`, { limit: 50 })).items.length);
    // Lists show one customer.
    const ids = (await crm.get('/v1/customers', { limit: 50 })).items.map((c: { customerId: string }) => c.customerId);
    expect(ids).toContain(S);
    expect(ids).not.toContain(D);
    // Commands to the merged id are refused, naming the survivor.
    const refused = await request(t.http).post(`/v1/customers/${D}/touchpoints`).send({ type: 'call', direction: 'inbound', subject: 'Hello' });
    expectProblem(refused, 409, ['customerId'], 'customer_merged');
    expect(refused.body.detail).toContain(S);
    const merges = await crm.get(`/v1/customers/${S}/merges`);
    expect(merges).toEqual({ customerId: S, mergedInto: null, absorbed: [{ mergeId: merge.body.ids.mergeId, customerId: D }] });
    expect((await crm.get(`/v1/customers/${D}/merges`)).mergedInto).toEqual({ survivorId: S, mergeId: merge.body.ids.mergeId });
  });

  it('refuses a merge into itself, into one of its own merged ids, of an unknown record, and a second undo', async () => {
    expectProblem(await request(t.http).post(`/v1/customers/${S}/merges`).send({ duplicateId: S, reason: 'x' }), 422, ['duplicateId'], 'merge_into_itself');
    // D is merged into S: merging S into D (its own member) is refused.
    expectProblem(await request(t.http).post(`/v1/customers/${D}/merges`).send({ duplicateId: S, reason: 'x' }), 409, ['survivorId'], 'customer_merged');
    expectProblem(await request(t.http).post(`/v1/customers/${S}/merges`).send({ duplicateId: D, reason: 'again' }), 409, ['customerId'], 'customer_merged');
    expectProblem(await request(t.http).post(`/v1/customers/${S}/merges`).send({ duplicateId: '00000000-0000-4000-a000-0000000000ff', reason: 'x' }), 404, ['customerId'], 'customer_not_found');
    expectProblem(await request(t.http).post(`/v1/customers/${S}/merges`).send({ duplicateId: D }), 400, ['reason']);
    expectProblem(await request(t.http).post(`/v1/customers/${S}/merges`).send({ duplicateId: D, reason: 'x', extra: 1 }), 400, ['extra']);
    expectProblem(await request(t.http).post(`/v1/customers/${S}/merges/00000000-0000-4000-a000-0000000000ee/undo`).send({ reason: 'x' }), 404, ['mergeId'], 'merge_not_found');
  });

  it('an undo gives back only touchpoints recorded on the survivor since the merge, and a retry gives them back once', async () => {
    const [s, d] = ['00000000-0000-4000-a000-0000000000e7', '00000000-0000-4000-a000-0000000000e8'];
    for (const id of [s, d]) await crm.register({ customerId: id, kind: 'person', name: `Given ${id.slice(-2)}` });
    const before = (await crm.touchpoint(s, { type: 'call', occurredAt: '2025-05-01T10:00:00Z' })).body.events[0].eventId;
    const merge = await crm.command('post', `/v1/customers/${s}/merges`, { duplicateId: d, reason: 'same' });
    const mergeId = merge.body.ids.mergeId;
    const call = (await crm.touchpoint(s, { type: 'call', occurredAt: '2025-05-02T10:00:00Z' })).body.events[0].eventId;
    const email = (await crm.touchpoint(s, { type: 'email', direction: 'outbound', occurredAt: '2025-05-03T10:00:00Z' })).body.events[0].eventId;
    const orderEvent = (await crm.command('post', `/v1/customers/${s}/orders`, { orderId: 'GB-1', currency: 'EUR', lines: [{ sku: 'X', quantity: 1, unitPrice: 100 }] })).body.events[0].eventId;
    const undo = (reassignEventIds: string[], key?: string) =>
      request(t.http).post(`/v1/customers/${s}/merges/${mergeId}/undo`).set(key ? { 'Idempotency-Key': key } : {}).send({ reason: 'two people', reassignEventIds });
    // Recorded before the merge, not an event of this record, not a touchpoint: refused, and nothing changes.
    expectProblem(await undo([before]), 422, ['reassignEventIds[0]'], 'event_not_reassignable');
    expectProblem(await undo([call, '00000000-0000-4000-a000-0000000000ff']), 422, ['reassignEventIds[1]'], 'event_not_reassignable');
    expectProblem(await undo([orderEvent]), 422, ['reassignEventIds[0]'], 'event_not_reassignable');
    expectProblem(await undo(['not-an-id']), 400, ['reassignEventIds']);
    expect((await crm.get(`/v1/customers/${d}`)).customerId).toBe(s);
    const done = await undo([email, email.toUpperCase()], 'undo-gb');
    expect(done.status).toBe(200);
    const again = await undo([email, email.toUpperCase()], 'undo-gb');
    expect(again.body.replayed).toBe(true);
    expect(again.status).toBe(200);
    const survivor = await crm.get(`/v1/customers/${s}`, { minPosition: again.body.globalPosition });
    expect(survivor.touchpoints).toMatchObject({ total: 2, byType: { call: 2 } });
    expect(survivor.lastContactAt).toBe('2025-05-02T10:00:00.000Z');
    const duplicate = await crm.get(`/v1/customers/${d}`);
    expect(duplicate).toMatchObject({ customerId: d, touchpoints: { total: 1, outbound: 1, byType: { email: 1 } }, lastContactAt: '2025-05-03T10:00:00.000Z' });
    // The duplicate's timeline has the touchpoint (recorded again after its CustomerUnmerged); the survivor's has not.
    const types = async (id: string) => (await crm.pages(`/v1/customers/${id}/history`, { order: 'oldest', limit: 50 })).items.map((e: { type: string; summary: string }) => e.type);
    expect((await types(d)).sort()).toEqual(['CustomerMerged', 'CustomerRegistered', 'CustomerUnmerged', 'TouchpointRecorded']);
    expect((await types(s)).filter((x) => x === 'TouchpointRecorded')).toHaveLength(2);
    const unmerged = (await crm.pages(`/v1/customers/${s}/history`, { limit: 50 })).items.find((e: { type: string }) => e.type === 'CustomerUnmerged');
    expect(unmerged.summary).toContain('1 touchpoint given back to the duplicate');
  });

  it('refuses to give touchpoints back to a duplicate erased while merged', async () => {
    const [s, d] = ['00000000-0000-4000-a000-0000000000e5', '00000000-0000-4000-a000-0000000000e6'];
    for (const id of [s, d]) await crm.register({ customerId: id, kind: 'person', name: `Erased ${id.slice(-2)}` });
    const mergeId = (await crm.command('post', `/v1/customers/${s}/merges`, { duplicateId: d, reason: 'same' })).body.ids.mergeId;
    const call = (await crm.touchpoint(s, { type: 'call', occurredAt: '2025-05-02T10:00:00Z' })).body.events[0].eventId;
    await crm.command('post', `/v1/customers/${d}/erasure`, {});
    expectProblem(await request(t.http).post(`/v1/customers/${s}/merges/${mergeId}/undo`).send({ reason: 'two people', reassignEventIds: [call] }), 422, ['reassignEventIds'], 'duplicate_erased');
  });

  it('of two concurrent merges of one record, exactly one succeeds and the other gets 409', async () => {
    const a = '00000000-0000-4000-a000-0000000000a1';
    const b = '00000000-0000-4000-a000-0000000000a2';
    const x = '00000000-0000-4000-a000-0000000000a3';
    for (const id of [a, b, x]) await crm.register({ customerId: id, kind: 'person', name: `Person ${id.slice(-2)}` });
    const results = await Promise.all([a, b].map((survivor) => request(t.http).post(`/v1/customers/${survivor}/merges`).send({ duplicateId: x, reason: 'race' })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    const winner = results.find((r) => r.status === 201)!;
    const into = (await crm.get(`/v1/customers/${x}/merges`, { minPosition: winner.body.globalPosition })).mergedInto.survivorId;
    expect([a, b]).toContain(into);
  });

  it('chains resolve (A into B, then B into C), and undoing the last merge gives back the first group', async () => {
    const [a, b, c] = ['00000000-0000-4000-a000-0000000000b1', '00000000-0000-4000-a000-0000000000b2', '00000000-0000-4000-a000-0000000000b3'];
    for (const id of [a, b, c]) {
      await crm.register({ customerId: id, kind: 'person', name: `Chain ${id.slice(-2)}` });
      await crm.order(id, { orderId: `CH-${id.slice(-2)}`, currency: 'EUR', lines: [{ sku: 'X', quantity: 1, unitPrice: 1000 }] });
    }
    await crm.command('post', `/v1/customers/${b}/merges`, { duplicateId: a, reason: 'a is b' });
    const bc = await crm.command('post', `/v1/customers/${c}/merges`, { duplicateId: b, reason: 'b is c' });
    const viaA = await crm.get(`/v1/customers/${a}`);
    expect(viaA).toMatchObject({ customerId: c, mergedInto: c, requestedId: a });
    expect(viaA.value.revenue).toBe(3000);
    await crm.command('post', `/v1/customers/${c}/merges/${bc.body.ids.mergeId}/undo`, { reason: 'b is not c' });
    expect((await crm.get(`/v1/customers/${c}`)).value.revenue).toBe(1000);
    const groupB = await crm.get(`/v1/customers/${b}`);
    expect(groupB).toMatchObject({ customerId: b, mergedFrom: [a] });
    expect(groupB.value.revenue).toBe(2000);
  });

  it('erasing the survivor erases every record merged into it', async () => {
    const [s, d] = ['00000000-0000-4000-a000-0000000000c7', '00000000-0000-4000-a000-0000000000c8'];
    await crm.register({ customerId: s, kind: 'person', name: 'Iryna Melnyk', email: 'iryna@example.com' });
    await crm.register({ customerId: d, kind: 'person', name: 'Ірина Мельник', email: 'iryna.m@example.com' });
    await crm.command('post', `/v1/customers/${s}/merges`, { duplicateId: d, reason: 'same' });
    await crm.command('post', `/v1/customers/${s}/erasure`);
    const stream = (await request(t.http).get(`/v1/streams/customer-${d}/events`).expect(200)).body;
    const registered = stream.events.find((e: { type: string }) => e.type === 'CustomerRegistered');
    expect(JSON.stringify(registered.data)).not.toContain('Мельник');
    expect(stream.events.map((e: { type: string }) => e.type)).toContain('CustomerErased');
  });
});
