import type { DomainEvent } from '@touchpoint/domain';
import { InMemoryEventStore } from '@touchpoint/event-store';
import { ALL_PROJECTIONS, CUSTOMERS, CustomerLog, InMemoryReadStore, Projector, customerAsOf, type AuditEvent, type CustomerDoc, type LogCursor } from '@touchpoint/read-models';
import { FixedClock } from '@touchpoint/testing';

const C = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const D = '33333333-3333-4333-8333-333333333333';
const meta = { actor: 'agent:maria', correlationId: 'corr', causationId: 'cmd' };

const registered = (customerId: string, occurredAt: string): DomainEvent => ({
  type: 'CustomerRegistered',
  data: { customerId, kind: 'person', name: 'Ann Smith', email: 'ann@example.com', tags: [], occurredAt },
});
const call = (n: number, occurredAt: string, customerId = C): DomainEvent => ({
  type: 'TouchpointRecorded',
  data: { customerId, touchpointId: `t-${n}`, touchpointType: 'call', channel: 'phone', direction: 'inbound', agent: 'agent:maria', subject: `call ${n}`, occurredAt },
});
const order = (orderId: string, total: number, occurredAt: string): DomainEvent => ({
  type: 'OrderPlaced',
  data: { customerId: C, orderId, currency: 'EUR', lines: [{ sku: 'S', quantity: 1, unitPrice: total, unitCost: total / 2 }], total, cost: total / 2, occurredAt },
});
const dealOpened = (occurredAt: string): DomainEvent => ({
  type: 'DealOpened',
  data: { dealId: D, customerId: C, title: 'Fleet', amount: 5000, currency: 'EUR', stage: 'lead', expectedCloseDate: '2026-06-30', owner: 'sales.anna', occurredAt },
});

async function collect(it: AsyncIterable<AuditEvent>): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

describe('customer audit log, as-of and explain', () => {
  const clock = new FixedClock(new Date('2026-03-01T10:00:00.000Z'));
  let store: InMemoryEventStore;
  let readStore: InMemoryReadStore;
  let projector: Projector;
  const append = async (streamId: string, e: DomainEvent) => {
    clock.advance(60_000);
    return store.append(streamId, [{ type: e.type, schemaVersion: 1, data: e.data as Record<string, unknown> }], { expectedRevision: 'any', metadata: meta });
  };
  const live = async () => {
    await projector.rebuild(['customers', 'pipeline']);
    const { segment: _s, ...doc } = projector.cachedDocument<CustomerDoc>(CUSTOMERS, C)!;
    return doc;
  };

  beforeEach(() => {
    store = new InMemoryEventStore(() => clock.now());
    readStore = new InMemoryReadStore();
    projector = new Projector(store, readStore, ALL_PROJECTIONS, { now: () => clock.now() });
  });

  it('merges the customer stream with its deal streams in global order, and pages through them with a cursor', async () => {
    await append(`customer-${C}`, registered(C, '2026-01-01T00:00:00.000Z'));
    await append(`customer-${OTHER}`, registered(OTHER, '2026-01-01T00:00:00.000Z'));
    await append(`customer-${C}`, call(1, '2026-01-02T00:00:00.000Z'));
    await append(`deal-${D}`, dealOpened('2026-01-03T00:00:00.000Z'));
    for (let i = 2; i < 9; i += 1) await append(i % 3 ? `customer-${C}` : `customer-${OTHER}`, call(i, '2026-01-04T00:00:00.000Z', i % 3 ? C : OTHER));
    await projector.rebuild();
    const log = new CustomerLog(store, readStore);
    const all = await collect(log.iterate(C, 1000));
    expect(all.map((e) => e.streamId)).toContain(`deal-${D}`);
    expect(all.every((e) => e.data.customerId === C)).toBe(true);
    expect(all.map((e) => e.globalPosition)).toEqual([...all.map((e) => e.globalPosition)].sort((a, b) => a - b));
    expect(all).toHaveLength(8);
    expect(all[0]).toMatchObject({ type: 'CustomerRegistered', actor: 'agent:maria', correlationId: 'corr', causationId: 'cmd', schemaVersion: 1, storedSchemaVersion: 1, occurredAt: '2026-01-01T00:00:00.000Z' });

    const streams = await log.streams(C);
    let cursor: LogCursor = { after: 0, next: {} };
    const paged: number[] = [];
    for (let guard = 0; guard < 20; guard += 1) {
      const page = await log.page(streams, cursor, 3);
      paged.push(...page.events.map((e) => e.globalPosition));
      cursor = page.cursor;
      if (page.done) break;
    }
    expect(paged).toEqual(all.map((e) => e.globalPosition));
  });

  it('as of a position or a record instant equals the live read model captured at that moment', async () => {
    const captured: Array<{ position: number; at: string; doc: Record<string, unknown> }> = [];
    const steps: Array<[string, DomainEvent]> = [
      [`customer-${C}`, registered(C, '2026-01-01T00:00:00.000Z')],
      [`customer-${C}`, call(1, '2026-01-05T00:00:00.000Z')],
      [`customer-${C}`, order('O-1', 1000, '2026-01-06T00:00:00.000Z')],
      [`deal-${D}`, dealOpened('2026-01-07T00:00:00.000Z')],
      [`customer-${C}`, order('O-2', 3000, '2026-01-02T00:00:00.000Z')], // back-dated: business time before the first call
    ];
    for (const [stream, e] of steps) {
      const r = await append(stream, e);
      captured.push({ position: r.globalPosition, at: r.events[0].recordedAt, doc: await live() });
    }
    const log = new CustomerLog(store, readStore);
    for (const c of captured) {
      const byPosition = await customerAsOf(log.iterate(C), { time: 'record', position: c.position });
      const { segment: _a, ...a } = byPosition.doc!;
      expect(a).toEqual(c.doc);
      const byInstant = await customerAsOf(log.iterate(C), { time: 'record', instant: c.at });
      const { segment: _b, ...b } = byInstant.doc!;
      expect(b).toEqual(c.doc);
    }
    // Business time on 3 January: the registration and the back-dated order, known only later.
    const business = await customerAsOf(log.iterate(C), { time: 'business', instant: '2026-01-03T00:00:00.000Z' });
    expect(business.doc!.value.revenue).toBe(3000);
    expect(business.doc!.touchpoints.total).toBe(0);
    const recordThen = await customerAsOf(log.iterate(C), { time: 'record', position: captured[3].position });
    expect(recordThen.doc!.value.revenue).toBe(1000);
  });

  it('explains each figure with the ids of the events that produced it', async () => {
    const reg = await append(`customer-${C}`, registered(C, '2026-01-01T00:00:00.000Z'));
    const c1 = await append(`customer-${C}`, call(1, '2026-01-05T00:00:00.000Z'));
    const o1 = await append(`customer-${C}`, order('O-1', 1000, '2026-01-06T00:00:00.000Z'));
    const c2 = await append(`customer-${C}`, call(2, '2026-01-07T00:00:00.000Z'));
    const o2 = await append(`customer-${C}`, order('O-2', 500, '2026-01-08T00:00:00.000Z'));
    await projector.rebuild();
    const id = (r: { events: Array<{ eventId: string }> }) => r.events[0].eventId;
    const state = await customerAsOf(new CustomerLog(store, readStore).iterate(C), { time: 'record', position: Number.MAX_SAFE_INTEGER }, { explain: true });
    expect(state.sources!['touchpoints.total']).toEqual([id(reg), id(c1), id(c2)]);
    // The registration set the initial values (0, null), so it is a source too.
    expect(state.sources!['value.revenue']).toEqual([id(reg), id(o1), id(o2)]);
    expect(state.sources!['orders.placed']).toEqual([id(reg), id(o1), id(o2)]);
    expect(state.sources!['email']).toEqual([id(reg)]);
    expect(state.sources!['firstContactAt']).toEqual([id(reg), id(c1)]);
    expect(state.sources!['lastContactAt']).toEqual([id(reg), id(c1), id(c2)]);
    expect(state.sources!['orderBook.O-2.total']).toEqual([id(o2)]);
    expect(state.sources!['_position']).toBeUndefined();
  });
});
