/**
 * GET /v1/customers/:id/history: the customer's timeline by business time
 * (occurredAt), filters, ordering and cursor pagination.
 *
 * The expected timeline is a model built from the command responses (the
 * global position of each event) and the business times the test sent.
 */
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { Crm, expectProblem, line, orderOf, T0, type Query } from './helpers';

interface Expected {
  position: number;
  type: string;
  category: string;
  channel: string;
  occurredAt: string;
}

const newestFirst = (a: Expected, b: Expected) => (a.occurredAt === b.occurredAt ? b.position - a.position : a.occurredAt < b.occurredAt ? 1 : -1);
const oldestFirst = (a: Expected, b: Expected) => -newestFirst(a, b);
const positions = (items: Array<{ position: number }>) => items.map((i) => i.position);

describe('customer history (memory engine)', () => {
  let t: TestApp;
  let crm: Crm;
  let olena: string;
  const timeline: Expected[] = [];

  /** Runs a command (which appends one event) and adds that event to the expected timeline. */
  async function recorded(run: () => Promise<unknown>, type: string, category: string, channel: string, occurredAt: string) {
    await run();
    timeline.push({ position: crm.position, type, category, channel, occurredAt: new Date(occurredAt).toISOString() });
  }
  const touch = (type: string, occurredAt: string, channel: string, extra: Record<string, unknown> = {}) =>
    recorded(() => crm.touchpoint(olena, { type, occurredAt, subject: `${type} at ${occurredAt}`, ...extra }), 'TouchpointRecorded', 'touchpoint', channel, occurredAt);

  beforeAll(async () => {
    t = await startTestApp({ engine: 'memory' });
    crm = new Crm(t);
    const registeredAt = '2025-12-01T09:00:00Z';
    olena = await crm.register({ kind: 'person', name: 'Olena Koval', occurredAt: registeredAt });
    timeline.push({ position: crm.position, type: 'CustomerRegistered', category: 'customer', channel: '', occurredAt: new Date(registeredAt).toISOString() });

    // Recorded out of business-time order on purpose (imports of past contacts).
    await touch('call', '2026-01-20T10:00:00Z', 'phone');
    await touch('call', '2026-01-05T10:00:00Z', 'phone');
    await touch('email', '2026-01-10T10:00:00Z', 'email', { direction: 'outbound' });
    await touch('chat', '2026-02-01T10:00:00Z', 'chat');
    await touch('email', '2026-01-10T12:00:00+02:00', 'email'); // the same instant as the email above
    await recorded(() => crm.order(olena, { orderId: 'SO-1', currency: 'EUR', lines: [line('MUG', 3, 1_200, 500)], channel: 'web', occurredAt: '2026-01-15T12:00:00Z' }), 'OrderPlaced', 'order', 'web', '2026-01-15T12:00:00Z');
    await recorded(() => crm.order(olena, { orderId: 'SO-2', ...orderOf('EUR', 9_900, 4_000), occurredAt: '2026-01-25T12:00:00Z' }), 'OrderPlaced', 'order', '', '2026-01-25T12:00:00Z');
    await recorded(() => crm.cancelOrder(olena, 'SO-2', '2026-01-26T12:00:00Z'), 'OrderCancelled', 'order', '', '2026-01-26T12:00:00Z');
    await recorded(() => crm.returnOrder(olena, 'SO-1', [{ sku: 'MUG', quantity: 1 }], '2026-01-28T12:00:00Z'), 'OrderReturned', 'order', '', '2026-01-28T12:00:00Z');
    await recorded(
      () => crm.complaint(olena, { complaintId: 'CASE-7', channel: 'phone', orderId: 'SO-1', occurredAt: '2026-01-27T09:00:00Z' }),
      'ComplaintFiled',
      'complaint',
      'phone',
      '2026-01-27T09:00:00Z',
    );
    await recorded(() => crm.resolve(olena, 'CASE-7', 5, '2026-01-29T09:00:00Z'), 'ComplaintResolved', 'complaint', '', '2026-01-29T09:00:00Z');
    await recorded(() => crm.command('put', `/v1/customers/${olena}/marketing-consent`, { granted: true, occurredAt: '2025-12-02T09:00:00Z' }), 'MarketingConsentChanged', 'customer', '', '2025-12-02T09:00:00Z');
    await touch('sms', '2025-12-20T10:00:00Z', 'sms', { direction: 'outbound' });
    await touch('web_visit', '2026-02-10T10:00:00Z', 'web');
    const dealId = await crm.openDeal({ customerId: olena, amount: 100_000, currency: 'EUR', expectedCloseDate: '2026-03-31', occurredAt: '2026-01-12T10:00:00Z' });
    timeline.push({ position: crm.position, type: 'DealOpened', category: 'deal', channel: '', occurredAt: '2026-01-12T10:00:00.000Z' });
    await recorded(() => crm.dealStage(dealId, 'proposal', '2026-01-13T10:00:00Z'), 'DealStageChanged', 'deal', '', '2026-01-13T10:00:00Z');
    await recorded(() => crm.winDeal(dealId, '2026-02-15T10:00:00Z'), 'DealWon', 'deal', '', '2026-02-15T10:00:00Z');
    await touch('meeting', '2026-02-12T10:00:00Z', 'video', { channel: 'video' });
    await touch('letter', '2025-12-05T10:00:00Z', 'mail', { direction: 'outbound' });
    await touch('call', T0, 'phone'); // at T0, the clock's now

    // another customer's events must never show up
    const other = await crm.register({ kind: 'person', name: 'Someone Else', occurredAt: '2026-01-10T10:00:00Z' });
    await crm.touchpoint(other, { type: 'call', occurredAt: '2026-01-10T10:00:00Z' });
    await crm.touchpoint(other, { type: 'email', occurredAt: '2026-01-11T10:00:00Z' });
  });
  afterAll(() => t.close());

  const history = (query: Query = {}) => crm.get(`/v1/customers/${olena}/history`, query);
  const expected = (filter: (e: Expected) => boolean = () => true, order = newestFirst) => positions(timeline.filter(filter).sort(order));

  it('is newest first by business time by default, whatever order the events were recorded in', async () => {
    const body = await history();
    expect(body.nextCursor).toBeNull();
    expect(positions(body.items)).toEqual(expected());
    // the log order is not the business order here
    expect(positions(body.items)).not.toEqual([...positions(body.items)].sort((a, b) => b - a));
    expect(body.items.map((i: { occurredAt: string }) => i.occurredAt)).toEqual(timeline.map((e) => e.occurredAt).sort().reverse());
  });

  it('is oldest first with order=oldest', async () => {
    expect(positions((await history({ order: 'oldest' })).items)).toEqual(expected(() => true, oldestFirst));
  });

  it('orders events at the same instant by log position', async () => {
    const sameInstant = timeline.filter((e) => e.occurredAt === '2026-01-10T10:00:00.000Z').map((e) => e.position);
    expect(sameInstant).toHaveLength(2);
    const newest = positions((await history()).items).filter((p) => sameInstant.includes(p));
    const oldest = positions((await history({ order: 'oldest' })).items).filter((p) => sameInstant.includes(p));
    expect(newest).toEqual([...sameInstant].sort((a, b) => b - a));
    expect(oldest).toEqual([...sameInstant].sort((a, b) => a - b));
  });

  it('describes each entry: what, when (business and record time), who, over which channel', async () => {
    const [latest] = (await history({ limit: 1 })).items;
    expect(latest).toEqual({
      customerId: olena,
      eventId: expect.any(String),
      type: 'TouchpointRecorded',
      category: 'touchpoint',
      occurredAt: T0,
      recordedAt: T0,
      actor: 'anonymous',
      channel: 'phone',
      summary: `inbound call: call at ${T0}`,
      details: { touchpointId: expect.any(String), touchpointType: 'call', channel: 'phone', direction: 'inbound', agent: 'anonymous', subject: `call at ${T0}` },
      position: timeline[timeline.length - 1].position,
    });
    const orders = (await history({ type: 'OrderPlaced', order: 'oldest' })).items;
    expect(orders[0]).toMatchObject({ category: 'order', channel: 'web', summary: 'Order SO-1 placed: 36.00 EUR', details: { orderId: 'SO-1', total: 3_600, cost: 1_500 } });
    for (const item of (await history()).items) {
      expect(item.customerId).toBe(olena);
      for (const internal of ['_id', '_position', 'sortKey']) expect(item).not.toHaveProperty(internal);
    }
  });

  describe('filters', () => {
    it('channel=phone,email: only entries over those channels', async () => {
      const want = expected((e) => ['phone', 'email'].includes(e.channel));
      expect(want).toHaveLength(6); // 3 calls, 2 emails, the complaint filed by phone
      expect(positions((await history({ channel: 'phone,email' })).items)).toEqual(want);
      // the repeated form means the same
      const repeated = await request(t.http).get(`/v1/customers/${olena}/history?channel=phone&channel=email&minPosition=${crm.position}`).expect(200);
      expect(positions(repeated.body.items)).toEqual(want);
    });

    it('type=TouchpointRecorded, and several types at once', async () => {
      expect(positions((await history({ type: 'TouchpointRecorded' })).items)).toEqual(expected((e) => e.type === 'TouchpointRecorded'));
      expect(positions((await history({ type: 'OrderCancelled,DealWon' })).items)).toEqual(expected((e) => ['OrderCancelled', 'DealWon'].includes(e.type)));
    });

    it('category=order, and category=complaint,deal', async () => {
      const orders = expected((e) => e.category === 'order');
      expect(orders).toHaveLength(4);
      expect(positions((await history({ category: 'order' })).items)).toEqual(orders);
      expect(positions((await history({ category: 'complaint,deal' })).items)).toEqual(expected((e) => ['complaint', 'deal'].includes(e.category)));
    });

    it('from (inclusive) and to (exclusive) bound business time, in any zone', async () => {
      const inRange = (e: Expected) => e.occurredAt >= '2026-01-10T10:00:00.000Z' && e.occurredAt < '2026-01-20T10:00:00.000Z';
      const want = expected(inRange);
      // both emails at exactly `from` are in; the call at exactly `to` is out
      expect(timeline.filter((e) => e.occurredAt === '2026-01-10T10:00:00.000Z')).toHaveLength(2);
      expect(timeline.filter((e) => e.occurredAt === '2026-01-20T10:00:00.000Z')).toHaveLength(1);
      expect(positions((await history({ from: '2026-01-10T10:00:00Z', to: '2026-01-20T10:00:00Z' })).items)).toEqual(want);
      expect(positions((await history({ from: '2026-01-10T12:00:00+02:00', to: '2026-01-20T05:00:00-05:00' })).items)).toEqual(want);
      expect(positions((await history({ from: '2026-02-01T00:00:00Z' })).items)).toEqual(expected((e) => e.occurredAt >= '2026-02-01T00:00:00.000Z'));
      expect(positions((await history({ to: '2025-12-05T10:00:00Z' })).items)).toEqual(expected((e) => e.occurredAt < '2025-12-05T10:00:00.000Z'));
      expect((await history({ from: '2026-01-20T10:00:00Z', to: '2026-01-20T10:00:00Z' })).items).toEqual([]);
    });

    it('combines filters with order=oldest', async () => {
      const want = expected((e) => e.type === 'TouchpointRecorded' && ['phone', 'email'].includes(e.channel) && e.occurredAt >= '2026-01-06T00:00:00.000Z', oldestFirst);
      expect(want).toHaveLength(4);
      expect(positions((await history({ type: 'TouchpointRecorded', channel: 'email,phone', from: '2026-01-06T00:00:00Z', order: 'oldest' })).items)).toEqual(want);
    });
  });

  describe('pagination', () => {
    it.each([
      ['newest', 1],
      ['newest', 3],
      ['oldest', 4],
      ['oldest', 7],
    ] as const)('order=%s, limit=%i: nextCursor pages through every entry exactly once, in order', async (order, limit) => {
      const { items, sizes } = await crm.pages(`/v1/customers/${olena}/history`, { order, limit });
      expect(positions(items)).toEqual(expected(() => true, order === 'newest' ? newestFirst : oldestFirst));
      expect(new Set(positions(items)).size).toBe(timeline.length);
      expect(sizes.slice(0, -1).every((s) => s === limit)).toBe(true);
      expect(sizes[sizes.length - 1]).toBeGreaterThan(0);
    });

    it('pages through a filtered timeline', async () => {
      const { items } = await crm.pages(`/v1/customers/${olena}/history`, { type: 'TouchpointRecorded', channel: 'phone,email,sms,mail', limit: 2 });
      expect(positions(items)).toEqual(expected((e) => e.type === 'TouchpointRecorded' && ['phone', 'email', 'sms', 'mail'].includes(e.channel)));
    });

    it('a page that exactly fills the limit ends with nextCursor null', async () => {
      const body = await history({ limit: timeline.length });
      expect(body.items).toHaveLength(timeline.length);
      expect(body.nextCursor).toBeNull();
      expect((await history({ limit: timeline.length - 1 })).nextCursor).toEqual(expect.any(String));
    });

    it.each(['0', '201', '-1', 'ten', '2.5'])('limit=%s → 400 naming limit', async (limit) => {
      expectProblem(await crm.read(`/v1/customers/${olena}/history`, { limit }), 400, ['limit'], 'validation_failed');
    });

    describe('a cursor this API did not issue → 422 invalid_cursor', () => {
      const b64 = (text: string) => Buffer.from(text).toString('base64url');
      let real: string;
      beforeAll(async () => (real = (await history({ limit: 2 })).nextCursor));

      it.each([
        ['corrupted JSON', () => b64(Buffer.from(real, 'base64url').toString('utf8').slice(0, -2))],
        ['not base64 JSON', () => 'definitely-not-a-cursor'],
        ['an object', () => b64('{"$gt":""}')],
        ['two sort values for a one-key sort', () => b64('[["a","b"],"x"]')],
        ['an operator object as the sort value', () => b64('[[{"$ne":null}],"x"]')],
        ['null as the sort value', () => b64('[[null],"x"]')],
        ['a numeric id', () => b64('[["2026-01-01"],42]')],
      ])('%s', async (_what, cursor) => {
        const res = await crm.read(`/v1/customers/${olena}/history`, { cursor: cursor() });
        expectProblem(res, 422, ['cursor'], 'invalid_cursor');
        expect(res.body.errors).toEqual([{ field: 'cursor', code: 'invalid_cursor', message: expect.any(String) }]);
      });
    });
  });

  describe('bad queries → 400 naming the parameter', () => {
    it.each([
      [{ foo: '1' }, 'foo'],
      [{ customerId: '11111111-1111-4111-8111-111111111111' }, 'customerId'],
      [{ sort: 'occurredAt' }, 'sort'],
      [{ channel: 'pigeon' }, 'channel'],
      [{ channel: 'phone,pigeon' }, 'channel'],
      [{ type: 'SomethingHappened' }, 'type'],
      [{ category: 'misc' }, 'category'],
      [{ order: 'random' }, 'order'],
      [{ from: 'yesterday' }, 'from'],
      [{ to: '2026-02-30T00:00:00Z' }, 'to'],
      [{ 'channel[$ne]': 'x' }, 'channel[$ne]'],
    ] as Array<[Query, string]>)('%j', async (query, field) => {
      expectProblem(await crm.read(`/v1/customers/${olena}/history`, query), 400, [field], 'validation_failed');
    });
  });
});
