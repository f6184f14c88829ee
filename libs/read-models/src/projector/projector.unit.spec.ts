import { isDomainEventType, type DomainEvent } from '@touchpoint/domain';
import { InMemoryEventStore, SqliteEventStore, type EventStore, type NewEvent, type RecordedEvent } from '@touchpoint/event-store';
import {
  ALL_PROJECTIONS,
  ANALYTICS,
  CUSTOMERS,
  DEALS,
  evolveCustomer360,
  evolveDeal,
  evolvePipeline,
  evolveService,
  HISTORY,
  historyEntry,
  InMemoryReadStore,
  PIPELINE,
  PIPELINE_DAYS,
  PIPELINE_ID,
  Projector,
  segmentCustomers,
  SERVICE,
  SERVICE_ID,
  SqliteReadStore,
  VALUE_DISTRIBUTION_ID,
  type CollectionSpec,
  type Condition,
  type CustomerDoc,
  type DealDoc,
  type Document,
  type ValueDistribution,
  type FindQuery,
  type Page,
  type PipelineDoc,
  type ProjectedEvent,
  type ReadStore,
  type ServiceDoc,
  type WriteBatch,
} from '@touchpoint/read-models';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// ---------------------------------------------------------------- fixtures

const NOW = new Date('2026-06-30T00:00:00Z');
const now = () => NOW;
const PROJECTION_NAMES = ALL_PROJECTIONS.map((p) => p.name);
const COLLECTIONS = [CUSTOMERS, HISTORY, DEALS, PIPELINE, PIPELINE_DAYS, SERVICE, ANALYTICS];
const day = (iso: string) => `${iso}T10:00:00.000Z`;

type Entry = [streamId: string, event: DomainEvent | { type: string; data: Record<string, unknown> }];

const registered = (customerId: string, kind: 'person' | 'company', name: string, occurredAt: string, extra: Record<string, unknown> = {}): Entry => [
  `customer-${customerId}`,
  { type: 'CustomerRegistered', data: { customerId, kind, name, tags: [], occurredAt, ...extra } } as DomainEvent,
];
const ordered = (customerId: string, orderId: string, currency: string, total: number, cost: number, occurredAt: string): Entry => [
  `customer-${customerId}`,
  { type: 'OrderPlaced', data: { customerId, orderId, currency, lines: [{ sku: 'SKU', quantity: 1, unitPrice: total, unitCost: cost }], total, cost, occurredAt } },
];
const touched = (customerId: string, touchpointId: string, occurredAt: string): Entry => [
  `customer-${customerId}`,
  { type: 'TouchpointRecorded', data: { customerId, touchpointId, touchpointType: 'call', channel: 'phone', direction: 'inbound', agent: 'agent:maria', subject: 'hello', occurredAt } },
];

/**
 * A small log: three customers, orders in two currencies, a return, a complaint
 * escalated and resolved, two deals (one won), and one event that is not a
 * domain event (it must be skipped, not break the projector). Positions 1..22;
 * the first half ends at 11.
 */
const SEED: Entry[] = [
  registered('c1', 'person', 'Ann', day('2026-01-05'), { owner: 'sales:ivan', tags: ['vip'] }),
  registered('c2', 'company', 'Acme', day('2026-01-06')),
  registered('c3', 'person', 'Bob', day('2026-01-07')),
  touched('c1', 't1', day('2026-01-10')),
  ordered('c1', 'o1', 'EUR', 30_000, 18_000, day('2026-01-12')),
  ordered('c2', 'o2', 'EUR', 120_000, 60_000, day('2026-01-15')),
  ['customer-c2', { type: 'ContactPersonAdded', data: { customerId: 'c2', contactId: 'p1', name: 'Petro', role: 'buyer', occurredAt: day('2026-01-16') } }],
  ['customer-c1', { type: 'ComplaintFiled', data: { customerId: 'c1', complaintId: 'k1', category: 'delivery', severity: 'high', channel: 'email', description: 'late', occurredAt: day('2026-01-20') } }],
  [
    'deal-d1',
    { type: 'DealOpened', data: { dealId: 'd1', customerId: 'c2', title: 'Fleet', amount: 100_000, currency: 'EUR', stage: 'lead', expectedCloseDate: '2026-09-30', owner: 'ann', occurredAt: day('2026-02-01') } },
  ],
  [
    'deal-d2',
    { type: 'DealOpened', data: { dealId: 'd2', customerId: 'c1', title: 'Upgrade', amount: 20_000, currency: 'USD', stage: 'qualified', expectedCloseDate: '2026-08-15', owner: 'bob', occurredAt: day('2026-02-02') } },
  ],
  ['ops-1', { type: 'OperatorNote', data: { note: 'not a domain event' } }],
  // ---- second half
  ['customer-c1', { type: 'ComplaintEscalated', data: { customerId: 'c1', complaintId: 'k1', level: 1, reason: 'slow', occurredAt: day('2026-01-21') } }],
  ['customer-c1', { type: 'OrderReturned', data: { customerId: 'c1', orderId: 'o1', currency: 'EUR', lines: [{ sku: 'SKU', quantity: 1 }], refund: 10_000, costReversed: 6_000, occurredAt: day('2026-02-03') } }],
  ['deal-d1', { type: 'DealStageChanged', data: { dealId: 'd1', customerId: 'c2', from: 'lead', to: 'proposal', occurredAt: day('2026-02-10') } }],
  [
    'customer-c3',
    { type: 'TouchpointRecorded', data: { customerId: 'c3', touchpointId: 't2', touchpointType: 'email', channel: 'email', direction: 'outbound', agent: 'agent:olga', subject: 'offer', occurredAt: day('2026-02-11') } },
  ],
  ordered('c2', 'o3', 'USD', 5_000, 2_000, day('2026-02-12')),
  ['deal-d2', { type: 'DealWon', data: { dealId: 'd2', customerId: 'c1', stage: 'qualified', amount: 25_000, currency: 'USD', occurredAt: day('2026-02-13') } }],
  ['customer-c1', { type: 'ComplaintResolved', data: { customerId: 'c1', complaintId: 'k1', resolution: 'refund', satisfaction: 4, occurredAt: day('2026-01-22') } }],
  ordered('c1', 'o4', 'EUR', 10_000, 5_000, day('2026-03-01')),
  ['customer-c2', { type: 'MarketingConsentChanged', data: { customerId: 'c2', granted: true, source: 'fair', occurredAt: day('2026-03-02') } }],
  ['deal-d1', { type: 'DealAmountChanged', data: { dealId: 'd1', customerId: 'c2', amount: 110_000, currency: 'EUR', occurredAt: day('2026-03-03') } }],
  ['deal-d1', { type: 'DealCloseDateChanged', data: { dealId: 'd1', customerId: 'c2', expectedCloseDate: '2026-10-31', occurredAt: day('2026-03-04') } }],
];
const HEAD = SEED.length;
const HALF = 11;

/** Appends entries one event per append, with deterministic event ids, as the command side would (schema version 1). */
async function append(store: EventStore, entries: Entry[], firstId = 1): Promise<void> {
  let n = firstId;
  for (const [streamId, event] of entries) {
    const newEvent: NewEvent = { eventId: `evt-${String(n++).padStart(4, '0')}`, type: event.type, schemaVersion: 1, data: event.data };
    await store.append(streamId, [newEvent], { expectedRevision: 'any', metadata: { actor: 'agent:maria', correlationId: `corr-${n}`, causationId: `cmd-${n}` } });
  }
}

/** Every document of every read-model collection, by collection, in _id order. */
async function dump(store: ReadStore): Promise<Record<string, Document[]>> {
  const out: Record<string, Document[]> = {};
  for (const collection of COLLECTIONS) {
    out[collection] = [];
    for await (const doc of store.scan(collection)) out[collection].push(doc);
  }
  return out;
}

async function checkpoints(store: ReadStore): Promise<Record<string, number>> {
  return Object.fromEntries(await Promise.all(PROJECTION_NAMES.map(async (name) => [name, await store.checkpoint(name)] as const)));
}

/** Polls until `check` stops throwing; no fixed sleeps. */
async function eventually<T>(probe: () => Promise<T>, check: (value: T) => void, timeoutMs = 4000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let failure: unknown;
    try {
      const value = await probe();
      check(value);
      return value;
    } catch (error) {
      failure = error;
    }
    if (Date.now() > deadline) throw failure;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * A read store that forwards everything but forgets checkpoints: what a
 * crash between "documents written" and "checkpoints written" leaves behind
 * on a store that cannot write both atomically.
 */
class CheckpointsLost implements ReadStore {
  constructor(private readonly inner: ReadStore) {}
  ensureCollections(specs: CollectionSpec[]): Promise<void> {
    return this.inner.ensureCollections(specs);
  }
  get<D extends Document>(collection: string, id: string): Promise<D | undefined> {
    return this.inner.get<D>(collection, id);
  }
  find<D extends Document>(collection: string, query: FindQuery): Promise<Page<D>> {
    return this.inner.find<D>(collection, query);
  }
  count(collection: string, filter?: Condition[]): Promise<number> {
    return this.inner.count(collection, filter);
  }
  load<D extends Document>(collection: string, ids: readonly string[]): Promise<D[]> {
    return this.inner.load<D>(collection, ids);
  }
  scan<D extends Document>(collection: string, pageSize?: number): AsyncIterable<D> {
    return this.inner.scan<D>(collection, pageSize);
  }
  write(batch: WriteBatch): Promise<void> {
    return this.inner.write({ ...batch, checkpoints: [] });
  }
  checkpoint(projector: string): Promise<number> {
    return this.inner.checkpoint(projector);
  }
  reset(collections: string[], projector: string): Promise<void> {
    return this.inner.reset(collections, projector);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** What the projections should hold, computed with the pure evolve functions straight from the log. */
function expectedFromLog(log: RecordedEvent[]) {
  const events = log.filter((e) => isDomainEventType(e.type)).map((e) => e as unknown as ProjectedEvent);
  const handledBy = (name: string) => ALL_PROJECTIONS.find((p) => p.name === name)!.handles;
  const customers = new Map<string, CustomerDoc>();
  const deals = new Map<string, DealDoc>();
  let pipeline: PipelineDoc | undefined;
  let service: ServiceDoc | undefined;
  for (const e of events) {
    const customerId = (e.data as { customerId: string }).customerId;
    if (handledBy('customers').has(e.type)) {
      const c = evolveCustomer360(customers.get(customerId), e);
      if (c) customers.set(customerId, c);
    }
    if (handledBy('pipeline').has(e.type)) {
      const dealId = (e.data as { dealId: string }).dealId;
      const d = evolveDeal(deals.get(dealId), e);
      if (d) deals.set(dealId, d);
      pipeline = evolvePipeline(pipeline, e);
    }
    if (handledBy('service').has(e.type)) service = evolveService(service, e);
  }
  const { segments, distribution } = segmentCustomers([...customers.values()], NOW.toISOString());
  for (const [id, segment] of segments) customers.set(id, { ...customers.get(id)!, segment });
  return { customers, deals, pipeline, service, distribution, history: events.map(historyEntry) };
}

// ---------------------------------------------------------------- in memory

describe('Projector (in-memory event store and read store)', () => {
  let events: InMemoryEventStore;
  let store: InMemoryReadStore;
  const started: Projector[] = [];
  const projector = (readStore: ReadStore = store, options: { batchSize?: number; rebuildBatchSize?: number } = {}) =>
    new Projector(events, readStore, ALL_PROJECTIONS, { now, segmentEveryMs: 0, ...options });
  const start = async (p: Projector) => {
    started.push(p);
    await p.start();
    return p;
  };
  /** The documents of one uninterrupted pass over the same log, in a store of their own. */
  const singlePass = async () => {
    const reference = new InMemoryReadStore();
    const p = projector(reference);
    await p.init();
    await p.handle(await events.readAll());
    return dump(reference);
  };

  beforeEach(async () => {
    events = new InMemoryEventStore(now);
    store = new InMemoryReadStore();
    await append(events, SEED);
  });

  afterEach(async () => {
    for (const p of started.splice(0)) await p.stop();
    await events.close();
    await store.close();
  });

  describe('rebuild()', () => {
    it('replays the whole log into every read model and sets every checkpoint to the head', async () => {
      const p = projector();
      const result = await p.rebuild();
      expect(result.events).toBe(HEAD);
      expect(p.position).toBe(HEAD);
      expect(p.lag).toBe(0);
      expect(await checkpoints(store)).toEqual({ customers: HEAD, history: HEAD, pipeline: HEAD, service: HEAD, tasks: HEAD, competition: HEAD, sales_org: HEAD, quotes: HEAD, imports: HEAD });
    });

    it('gives the documents the pure evolve functions give, segmented as of `now`', async () => {
      await projector().rebuild();
      const expected = expectedFromLog(await events.readAll());
      const docs = await dump(store);
      expect(docs[CUSTOMERS]).toEqual([...expected.customers.values()].sort((a, b) => (a._id < b._id ? -1 : 1)));
      expect(docs[DEALS]).toEqual([...expected.deals.values()].sort((a, b) => (a._id < b._id ? -1 : 1)));
      expect(docs[PIPELINE]).toEqual([expected.pipeline]);
      expect(docs[SERVICE]).toEqual([expected.service]);
      expect(docs[HISTORY]).toEqual([...expected.history].sort((a, b) => (a._id < b._id ? -1 : 1)));
      expect(docs[ANALYTICS]).toEqual([{ ...expected.distribution, _position: 0 }]);
    });

    it('holds the hand-checked figures of the seeded log', async () => {
      await projector().rebuild();
      const c1 = await store.get<CustomerDoc>(CUSTOMERS, 'c1');
      expect(c1).toMatchObject({
        _position: 19,
        owner: 'sales:ivan',
        // o1 30 000/18 000 less a return of 10 000/6 000, plus o4 10 000/5 000
        value: { currency: 'EUR', revenue: 30_000, margin: 13_000, orders: 2 },
        orders: { placed: 2, cancelled: 0, withReturns: 1 },
        complaints: { filed: 1, open: 0, resolved: 1, escalated: 1, openIds: [] },
        deals: { openCount: 0, won: 1, lost: 0, open: {} },
        touchpoints: { total: 1 },
        lastActivityAt: day('2026-03-01'),
      });
      const c2 = await store.get<CustomerDoc>(CUSTOMERS, 'c2');
      expect(c2?.valueByCurrency).toEqual({
        EUR: { revenue: 120_000, cost: 60_000, margin: 60_000, orders: 1, firstOrderAt: day('2026-01-15'), lastOrderAt: day('2026-01-15'), purchaseDays: 1, firstDayRevenue: 120_000 },
        USD: { revenue: 5_000, cost: 2_000, margin: 3_000, orders: 1, firstOrderAt: day('2026-02-12'), lastOrderAt: day('2026-02-12'), purchaseDays: 1, firstDayRevenue: 5_000 },
      });
      // The order book is a detached key: the projector has it, queries (get) do not.
      expect(c2).not.toHaveProperty('orderBook');
      expect(c2?.deals.open).toEqual({ d1: { amount: 110_000, currency: 'EUR', stage: 'proposal', title: 'Fleet' } });
      expect(c2?.segment.tier).toBe('A');
      expect(await store.get<CustomerDoc>(CUSTOMERS, 'c3')).toMatchObject({ touchpoints: { total: 1, outbound: 1 }, segment: { tier: 'C', rfm: null } });
      expect(await store.count(HISTORY)).toBe(HEAD - 1); // the operator note has no entry
      // c1: registered, call, o1, complaint filed, d2 opened, escalated, o1 returned, d2 won, resolved, o4
      expect(await store.count(HISTORY, [{ field: 'customerId', op: 'eq', value: 'c1' }])).toBe(10);
      expect((await store.get<PipelineDoc>(PIPELINE, PIPELINE_ID))?.open).toMatchObject({
        d1: { currency: 'EUR', amount: 110_000, owner: 'ann', stage: 'proposal', closeDate: '2026-10-31', visited: ['lead', 'proposal'] },
      });
      expect((await store.get<ServiceDoc>(SERVICE, SERVICE_ID))?.categories.delivery).toMatchObject({ filed: 1, open: 0, resolved: 1, escalated: 1 });
      expect(await store.get(ANALYTICS, VALUE_DISTRIBUTION_ID)).toMatchObject({ asOf: NOW.toISOString(), customersWithoutOrders: 1 });
    });

    it('gives the same documents when run again over a filled store', async () => {
      const p = projector();
      await p.rebuild();
      const first = await dump(store);
      await p.rebuild();
      expect(await dump(store)).toEqual(first);
    });

    it('writes each cached document once, after the replay, together with the checkpoints', async () => {
      const batches: WriteBatch[] = [];
      const write = store.write.bind(store);
      jest.spyOn(store, 'write').mockImplementation(async (batch) => {
        batches.push(batch);
        return write(batch);
      });
      await projector(store, { rebuildBatchSize: 3 }).rebuild();
      const last = batches[batches.length - 1];
      expect(batches.length).toBeGreaterThan(HEAD / 3); // the insert-only history is written batch by batch
      for (const b of batches.slice(0, -1)) {
        expect(b.checkpoints).toEqual([]);
        for (const u of b.upserts) expect([HISTORY, PIPELINE_DAYS, ANALYTICS]).toContain(u.collection); // insert-only, or the ranking's own document
      }
      expect(last.checkpoints).toEqual(PROJECTION_NAMES.map((projector) => ({ projector, position: HEAD })));
      const cachedWrites = batches.flatMap((b) => b.upserts).filter((u) => [CUSTOMERS, DEALS, PIPELINE, SERVICE].includes(u.collection));
      expect(cachedWrites.length).toBe(new Set(cachedWrites.map((u) => `${u.collection}/${u.doc._id}`)).size);
      expect(cachedWrites.every((u) => last.upserts.includes(u))).toBe(true); // the seeded log has fewer than 1,000 such documents
      const reference = new InMemoryReadStore();
      await projector(reference).rebuild();
      expect(await dump(store)).toEqual(await dump(reference));
    });

    it('a rebuild that fails half-way leaves the stored checkpoints where it began', async () => {
      const write = store.write.bind(store);
      let calls = 0;
      jest.spyOn(store, 'write').mockImplementation(async (batch) => {
        if (++calls === 4) throw new Error('disk full');
        return write(batch);
      });
      await expect(projector(store, { rebuildBatchSize: 3 }).rebuild()).rejects.toThrow('disk full');
      expect(await checkpoints(store)).toEqual({ customers: 0, history: 0, pipeline: 0, service: 0, tasks: 0, competition: 0, sales_org: 0, quotes: 0, imports: 0 });
      jest.restoreAllMocks();
      // The next start replays from the beginning and reaches the same documents as an uninterrupted rebuild.
      const again = await start(projector());
      await again.waitFor(HEAD, 5000);
      const reference = new InMemoryReadStore();
      await projector(reference).rebuild();
      expect(await dump(store)).toEqual(await dump(reference));
    });

    it('gives the same documents whatever the batch size', async () => {
      await projector().rebuild();
      const other = new InMemoryReadStore();
      await projector(other, { batchSize: 3 }).rebuild();
      expect(await dump(other)).toEqual(await dump(store));
    });

    it('rebuilding only the pipeline leaves the other projections untouched and gives identical documents', async () => {
      const p = projector();
      await p.rebuild();
      const before = await dump(store);
      const written = new Set<string>();
      const write = store.write.bind(store);
      const writeSpy = jest.spyOn(store, 'write').mockImplementation(async (batch) => {
        for (const u of batch.upserts) written.add(u.collection);
        return write(batch);
      });
      const resetSpy = jest.spyOn(store, 'reset');

      const result = await p.rebuild(['pipeline']);

      expect(result.events).toBe(HEAD);
      expect(resetSpy.mock.calls).toEqual([[[DEALS, PIPELINE, PIPELINE_DAYS], 'pipeline']]);
      expect([...written].sort()).toEqual([ANALYTICS, DEALS, PIPELINE, PIPELINE_DAYS]); // analytics: the ranking that ends every rebuild
      expect(await dump(store)).toEqual(before);
      expect(await checkpoints(store)).toEqual({ customers: HEAD, history: HEAD, pipeline: HEAD, service: HEAD, tasks: HEAD, competition: HEAD, sales_org: HEAD, quotes: HEAD, imports: HEAD });
      writeSpy.mockRestore();
    });
  });

  describe('handle()', () => {
    it('should be idempotent if run twice', async () => {
      const p = projector();
      await p.init();
      const batch = await events.readAll();
      await p.handle(batch);
      const once = await dump(store);

      await p.handle(batch);

      expect(await dump(store)).toEqual(once);
      const c1 = await store.get<CustomerDoc>(CUSTOMERS, 'c1');
      expect(c1?.orders.placed).toBe(2);
      expect(c1?.touchpoints.total).toBe(1);
      expect(c1?.complaints.filed).toBe(1);
      expect(await store.count(HISTORY)).toBe(HEAD - 1);
      expect((await store.get<ServiceDoc>(SERVICE, SERVICE_ID))?.categories.delivery.filed).toBe(1);
      expect((await store.get<PipelineDoc>(PIPELINE, PIPELINE_ID))?.closed).toEqual({ '2026-02': { USD: { won: { count: 1, amount: 25_000 }, lost: { count: 0, amount: 0 } } } });
    });

    it('should be idempotent if run twice, even when the checkpoints of the first run were lost (position guard)', async () => {
      const reference = await singlePass();
      const batch = await events.readAll();
      const crashed = projector(new CheckpointsLost(store));
      await crashed.init();
      await crashed.handle(batch);
      expect(await checkpoints(store)).toEqual({ customers: 0, history: 0, pipeline: 0, service: 0, tasks: 0, competition: 0, sales_org: 0, quotes: 0, imports: 0 });

      const restarted = projector();
      await restarted.init();
      expect(restarted.position).toBe(0);
      await restarted.handle(batch); // every event is delivered a second time

      expect(await dump(store)).toEqual(reference);
      expect((await store.get<CustomerDoc>(CUSTOMERS, 'c1'))?.orders.placed).toBe(2);
    });

    it('skips events that are not domain events but still moves past them', async () => {
      const p = projector();
      await p.init();
      const batch = await events.readAll({ after: HALF - 1, maxCount: 1 });
      expect(batch.map((e) => e.type)).toEqual(['OperatorNote']);
      await p.handle(batch);
      expect(p.position).toBe(HALF);
      expect(await store.count(HISTORY)).toBe(0);
    });

    it('treats an empty batch as nothing to do', async () => {
      const p = projector();
      await p.init();
      await p.handle([]);
      expect(p.position).toBe(0);
      expect(await checkpoints(store)).toEqual({ customers: 0, history: 0, pipeline: 0, service: 0, tasks: 0, competition: 0, sales_org: 0, quotes: 0, imports: 0 });
    });
  });

  describe('crash and resume', () => {
    it('a new projector over the same read store continues from the checkpoints to the same documents as one pass', async () => {
      const reference = await singlePass();
      const log = await events.readAll();

      const first = projector();
      await first.init();
      await first.handle(log.slice(0, HALF));
      expect(await checkpoints(store)).toEqual({ customers: HALF, history: HALF, pipeline: HALF, service: HALF, tasks: HALF, competition: HALF, sales_org: HALF, quotes: HALF, imports: HALF });
      // the process dies here: no stop(), the object is simply dropped

      const second = projector();
      await second.init();
      expect(second.position).toBe(HALF);
      expect(second.cachedDocument<CustomerDoc>(CUSTOMERS, 'c1')?.orders.placed).toBe(1);
      await second.handle(log.slice(HALF));

      expect(await dump(store)).toEqual(reference);
      expect(second.position).toBe(HEAD);
    });

    it('start() after a restart catches up from the checkpoints to the same documents as one pass', async () => {
      const reference = await singlePass();
      const first = projector();
      await first.init();
      await first.handle(await events.readAll({ maxCount: HALF }));

      const second = await start(projector());
      expect(await second.waitFor(HEAD, 4000)).toBe(true);

      expect(await dump(store)).toEqual(reference);
    });

    it('re-ranks after a restart when a ranking was still pending at stop()', async () => {
      // ranks at the first batch, then waits 60 s (a timer stop() clears) before ranking again
      const first = await start(new Projector(events, store, ALL_PROJECTIONS, { now, segmentEveryMs: 60_000 }));
      expect(await first.waitFor(HEAD, 4000)).toBe(true);
      await append(events, [ordered('c3', 'o9', 'EUR', 4_000, 1_000, day('2026-04-01'))], 1000);
      expect(await first.waitFor(HEAD + 1, 4000)).toBe(true);
      await first.stop();

      await append(events, [touched('c1', 't9', day('2026-04-02'))], 2000); // no order after the restart
      const second = await start(projector());
      expect(await second.waitFor(HEAD + 2, 4000)).toBe(true);
      await eventually(
        () => store.get(ANALYTICS, VALUE_DISTRIBUTION_ID),
        (doc) => expect(doc).toMatchObject({ customersWithoutOrders: 0 }),
      );
      const rebuilt = new InMemoryReadStore();
      await projector(rebuilt).rebuild();
      expect(await dump(store)).toEqual(await dump(rebuilt));
    });

    it('a batch redelivered across the restart (overlapping the checkpoint) changes nothing', async () => {
      const reference = await singlePass();
      const log = await events.readAll();
      const first = projector();
      await first.init();
      await first.handle(log.slice(0, HALF + 4));

      const second = projector();
      await second.init();
      await second.handle(log.slice(HALF - 3)); // 7 events it already has, then the rest

      expect(await dump(store)).toEqual(reference);
    });
  });

  describe('waitFor()', () => {
    it('resolves true at once for a position already projected', async () => {
      const p = projector();
      await p.init();
      expect(await p.waitFor(0, 1)).toBe(true);
      await p.handle(await events.readAll());
      expect(await p.waitFor(HEAD, 1)).toBe(true);
      expect(await p.waitFor(HALF, 1)).toBe(true);
    });

    it('resolves true as soon as a batch reaches the position', async () => {
      const p = projector();
      await p.init();
      const waiting = p.waitFor(HEAD, 60_000);
      const early = p.waitFor(HALF, 60_000);
      await p.handle(await events.readAll());
      await expect(early).resolves.toBe(true);
      await expect(waiting).resolves.toBe(true);
    });

    it('resolves false on timeout', async () => {
      const p = projector();
      await p.init();
      await p.handle(await events.readAll({ maxCount: HALF }));
      expect(await p.waitFor(HALF + 1, 20)).toBe(false);
      expect(await p.waitFor(HEAD + 100, 20)).toBe(false);
    });

    it('releases waiters with false when stopped', async () => {
      const p = await start(projector());
      expect(await p.waitFor(HEAD, 4000)).toBe(true);
      const pending = p.waitFor(HEAD + 1, 60_000);
      await p.stop();
      await expect(pending).resolves.toBe(false);
    });
  });

  describe('live subscription', () => {
    it('start() catches up, then projects new appends until stop()', async () => {
      const p = await start(projector());
      expect(await p.waitFor(HEAD, 4000)).toBe(true);
      expect(p.lag).toBe(0);

      await append(events, [registered('c4', 'person', 'Dana', day('2026-04-01')), ordered('c4', 'o5', 'EUR', 7_000, 3_000, day('2026-04-02')), touched('c1', 't3', day('2026-04-03'))], 1000);

      // documents first, then the ranking once the batch reached the head (segmentEveryMs: 0):
      // EUR c2 120 000 (A), c1 30 000 (76 % before → A), c4 7 000 (96 % before → C)
      await eventually(
        () => store.get<CustomerDoc>(CUSTOMERS, 'c4'),
        (doc) => {
          expect(doc?.value.revenue).toBe(7_000);
          expect(doc?.segment.tier).toBe('C');
          expect(doc?.segment.rfm).not.toBeNull();
        },
      );
      await eventually(
        () => store.get<CustomerDoc>(CUSTOMERS, 'c1'),
        (doc) => expect(doc?.touchpoints.total).toBe(2),
      );
      expect(await p.waitFor(HEAD + 3, 4000)).toBe(true);
      expect(p.position).toBe(HEAD + 3);
      expect(await checkpoints(store)).toEqual({ customers: HEAD + 3, history: HEAD + 3, pipeline: HEAD + 3, service: HEAD + 3, tasks: HEAD + 3, competition: HEAD + 3, sales_org: HEAD + 3, quotes: HEAD + 3, imports: HEAD + 3 });

      await p.stop();
      await append(events, [touched('c1', 't4', day('2026-04-04'))], 2000);
      expect(await p.waitFor(HEAD + 4, 30)).toBe(false);
      expect((await store.get<CustomerDoc>(CUSTOMERS, 'c1'))?.touchpoints.total).toBe(2);
      expect(p.error).toBeUndefined();
    });

    it('live projection ends with the same documents as a rebuild of the same log', async () => {
      const p = await start(projector());
      await append(events, [registered('c4', 'person', 'Dana', day('2026-04-01')), ordered('c4', 'o5', 'EUR', 7_000, 3_000, day('2026-04-02'))], 1000);
      expect(await p.waitFor(HEAD + 2, 4000)).toBe(true);
      await p.stop();

      const rebuilt = new InMemoryReadStore();
      await projector(rebuilt).rebuild();
      expect(await dump(store)).toEqual(await dump(rebuilt));
    });

    it('keeps ranking when the clock steps forward during a ranking (the step is not taken as its duration)', async () => {
      // The clock jumps a day inside every ranking (as NTP or a test's clock may): the next ranking is still due in
      // a few milliseconds of real time, not in ten days.
      let clock = NOW.getTime();
      const stepping = new Projector(events, store, ALL_PROJECTIONS, {
        now: () => new Date(clock),
        segmentEveryMs: 0,
        lifetimeValueFits: async () => {
          clock += 86_400_000;
          return undefined;
        },
      });
      const p = await start(stepping);
      expect(await p.waitFor(HEAD, 4000)).toBe(true);
      await append(events, [registered('c4', 'person', 'Dana', day('2026-04-01')), ordered('c4', 'o5', 'EUR', 7_000, 3_000, day('2026-04-02'))], 1000);
      await eventually(
        () => store.get<ValueDistribution>(ANALYTICS, VALUE_DISTRIBUTION_ID),
        (distribution) => expect(distribution?.currencies.EUR.customers).toBe(3),
        2000,
      );
      expect(p.error).toBeUndefined();
    });

    it('stop() is safe to call twice and before start()', async () => {
      const p = projector();
      await p.stop();
      await start(p);
      await p.stop();
      await p.stop();
    });
  });
});

// ---------------------------------------------------------------- bounded cache

describe('Projector with a bounded cache (documents read back from the store)', () => {
  const bounded = (events: EventStore, store: ReadStore, options: { cacheLimit: number; batchSize?: number; rebuildBatchSize?: number }) =>
    new Projector(events, store, ALL_PROJECTIONS, { now, segmentEveryMs: 0, ...options });

  /** A store that counts `load` calls, to see that documents really come back from it. */
  class CountingStore extends InMemoryReadStore {
    loads = 0;
    override load<D extends Document>(collection: string, ids: readonly string[]): Promise<D[]> {
      this.loads += ids.length;
      return super.load<D>(collection, ids);
    }
  }

  it.each([0, 1, 2])('event by event with %i document(s) per collection, live projection gives the documents of an unbounded rebuild', async (cacheLimit) => {
    const events = new InMemoryEventStore(now);
    await append(events, SEED);
    const store = new CountingStore();
    const p = bounded(events, store, { cacheLimit, batchSize: 1 });
    await p.init();
    for (const e of await events.readAll()) await p.handle([e]);
    if (cacheLimit > 0) expect(store.loads).toBeGreaterThan(0);
    const reference = new InMemoryReadStore();
    await bounded(events, reference, { cacheLimit: 0 }).rebuild();
    expect(await dump(store)).toEqual(await dump(reference));
  });

  it('a rebuild in small batches evicts, reads back and gives the same documents; so does a restart that loads only part of the cache', async () => {
    const events = new InMemoryEventStore(now);
    await append(events, SEED);
    const reference = new InMemoryReadStore();
    await bounded(events, reference, { cacheLimit: 0 }).rebuild();
    const store = new CountingStore();
    await bounded(events, store, { cacheLimit: 2, rebuildBatchSize: 3 }).rebuild();
    expect(store.loads).toBeGreaterThan(0);
    expect(await dump(store)).toEqual(await dump(reference));

    // More events after a restart with 2 documents per collection loaded: the rest is read when needed.
    const more: Entry[] = [touched('c1', 't-late', day('2026-05-01')), ordered('c2', 'o-late', 'EUR', 4_000, 1_000, day('2026-05-02')), registered('c9', 'person', 'Ivo', day('2026-05-03'))];
    await append(events, more, 5000);
    const restarted = bounded(events, store, { cacheLimit: 2, batchSize: 2 });
    await restarted.init();
    await restarted.handle(await events.readAll({ after: HEAD }));
    await bounded(events, reference, { cacheLimit: 0 }).rebuild();
    expect(await dump(store)).toEqual(await dump(reference));
  });
});

// ---------------------------------------------------------------- SQLite

describe.each([
  ['on the caller\'s connection', false],
  ['through the writer thread, as the app opens it', true],
])('Projector (SQLite event store and read store in a temporary directory, writes %s)', (_label, writerThread) => {
  let dir: string;
  let events: SqliteEventStore;
  let store: SqliteReadStore;
  const running: Projector[] = [];
  const projector = (readStore: ReadStore = store) => new Projector(events, readStore, ALL_PROJECTIONS, { now, segmentEveryMs: 0 });

  /** The same log projected with the in-memory adapters. */
  const inMemoryReference = async () => {
    const memEvents = new InMemoryEventStore(now);
    await append(memEvents, SEED);
    const memStore = new InMemoryReadStore();
    await new Projector(memEvents, memStore, ALL_PROJECTIONS, { now, segmentEveryMs: 0 }).rebuild();
    return dump(memStore);
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tp-projector-'));
    events = new SqliteEventStore({ filename: join(dir, 'events.db'), now, pollIntervalMs: 20 });
    store = new SqliteReadStore(join(dir, 'read.db'), { writerThread });
    await append(events, SEED);
  });

  afterEach(async () => {
    for (const p of running.splice(0)) await p.stop();
    await events.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rebuild() gives the same documents as the in-memory adapters', async () => {
    const result = await projector().rebuild();
    expect(result.events).toBe(HEAD);
    expect(await dump(store)).toEqual(await inMemoryReference());
    expect(await checkpoints(store)).toEqual({ customers: HEAD, history: HEAD, pipeline: HEAD, service: HEAD, tasks: HEAD, competition: HEAD, sales_org: HEAD, quotes: HEAD, imports: HEAD });
  });

  it('should be idempotent if run twice', async () => {
    const p = projector();
    await p.init();
    const batch = await events.readAll();
    await p.handle(batch);
    const once = await dump(store);
    await p.handle(batch);
    expect(await dump(store)).toEqual(once);
    expect((await store.get<CustomerDoc>(CUSTOMERS, 'c1'))?.orders.placed).toBe(2);
  });

  it('resumes after a restart (read store reopened from its file) and follows live appends', async () => {
    const first = projector();
    await first.init();
    await first.handle(await events.readAll({ maxCount: HALF }));
    await store.close();

    store = new SqliteReadStore(join(dir, 'read.db'));
    const second = projector();
    running.push(second);
    await second.start();
    expect(await second.waitFor(HEAD, 4000)).toBe(true);
    expect(await dump(store)).toEqual(await inMemoryReference());

    await append(events, [touched('c3', 't9', day('2026-05-01'))], 1000);
    await eventually(
      () => store.get<CustomerDoc>(CUSTOMERS, 'c3'),
      (doc) => expect(doc?.touchpoints.total).toBe(2),
    );
    expect(await store.count(HISTORY, [{ field: 'customerId', op: 'eq', value: 'c3' }])).toBe(3);
    await second.stop();
    expect(second.error).toBeUndefined();
  });
});
