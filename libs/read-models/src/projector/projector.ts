import { Upcasters, UPCASTERS, isDomainEventType, isSystemEventType } from '@touchpoint/domain';
import type { EventStore, RecordedEvent, Subscription } from '@touchpoint/event-store';
import { ANALYTICS, DEFAULT_SEGMENTATION, segmentCustomers, VALUE_DISTRIBUTION_ID, type SegmentationConfig } from '../projections/analytics';
import { CUSTOMERS, type CustomerDoc } from '../projections/customer-360';
import type { DocumentAccess, ProjectedEvent, Projection } from '../projections/types';
import type { CollectionSpec, Document, ReadStore, WriteBatch } from '../store/port';

export const PROJECTOR = Symbol('PROJECTOR');
export const SEGMENTATION = 'segmentation';

export interface ProjectorOptions {
  batchSize?: number;
  /**
   * Events per batch during a rebuild (default 10,000). Larger than the live batch because every batch
   * rewrites the documents it touched, and the pipeline and service documents are touched by almost every one.
   */
  rebuildBatchSize?: number;
  now?: () => Date;
  segmentation?: SegmentationConfig;
  /** least time between two segmentation runs while live; 0 runs it after every batch that reaches the head */
  segmentEveryMs?: number;
  upcasters?: Upcasters;
  onBatch?: (info: { position: number; events: number; lag: number }) => void;
  /** the current lifetime-value fit per currency, read at each ranking: predicted values use it (else the heuristic) */
  lifetimeValueFits?: () => Promise<SegmentationConfig['fits']>;
  /**
   * Most documents kept in memory per cached collection (0 or absent: all of them). Beyond it the least recently
   * changed are dropped (written first) and read back from the store when an event needs them, so memory is set by
   * configuration, not by the number of customers.
   */
  cacheLimit?: number;
}

/** documents per write when a rebuild stores what it kept in memory (bounds the serialised batch) */
const DEFERRED_CHUNK = 1000;
/** predicted values memoised whatever the cache's limit (about 150 bytes each) */
const MEMO_FLOOR = 250_000;
/** customers per page when a ranking reads them from the store */
const RANK_PAGE = 2000;
/** ids per store read when a batch needs documents that are not in memory */
const LOAD_CHUNK = 500;
/** rounds of "apply, note the documents missing from the cache, load them" before a batch is given up as looping */
const MAX_LOAD_ROUNDS = 20;
/** the fields of a 360 that ranking reads (tiers, RFM, predicted value) and compares (segment) */
const RANKED_FIELDS = ['_id', '_position', 'customerId', 'registeredAt', 'value', 'valueByCurrency', 'segment'] as const;

interface Applied {
  dirty: Map<string, Map<string, Document>>;
  removed: Map<string, Set<string>>;
  /** customers erased in the batch */
  erased: string[];
}

export const ANALYTICS_COLLECTION: CollectionSpec = { name: ANALYTICS, fields: {}, indexes: [] };

/**
 * Follows the global log from the stored checkpoints and applies every
 * projection in batches. Documents of cached collections live in memory, so
 * applying an event never waits on I/O; each batch writes the changed
 * documents and the checkpoints together. Every document carries the position
 * of the last event applied to it, so a redelivered event changes nothing.
 */
export class Projector {
  private readonly cache = new Map<string, Map<string, Document>>();
  /** cached collections whose cache holds every stored document: a miss there means "no such document" */
  private readonly complete = new Set<string>();
  private readonly cacheLimit: number;
  private readonly checkpoints = new Map<string, number>();
  private readonly upcasters: Upcasters;
  private readonly batchSize: number;
  private readonly rebuildBatchSize: number;
  private readonly now: () => Date;
  private subscription?: Subscription;
  private positionValue = 0;
  private headValue = 0;
  private lastSegmentationAt = 0;
  /** how long the last ranking took (by the injected clock) */
  private lastRankMs = 0;
  /** documents read back from the store since start, and batches applied a second time */
  private loaded = 0;
  private reapplied = 0;
  private segmentationDirty = false;
  /** predicted values per customer, reused while the customer, the fit and the day are unchanged */
  private readonly predictedMemo = new Map<string, { key: string; value: number; by: 'bg_nbd_gamma_gamma' | 'heuristic' }>();
  private waiters: Array<{ position: number; resolve: () => void }> = [];
  private failure?: unknown;
  private segmentTimer?: NodeJS.Timeout;
  /** batches and segmentation runs never interleave: both change the cache and the store */
  private exclusive: Promise<unknown> = Promise.resolve();
  /**
   * During a rebuild: collection → ids of cached documents changed but not yet written. They are written
   * once, with the checkpoints, when the replay ends, instead of after every batch that touched them.
   */
  private deferred?: Map<string, Set<string>>;
  /** During a rebuild: the previous batch's write, still running while the next batch is applied */
  private inFlight?: Promise<void>;

  constructor(
    private readonly events: EventStore,
    private readonly store: ReadStore,
    private readonly projections: Projection[],
    private readonly options: ProjectorOptions = {},
  ) {
    this.upcasters = options.upcasters ?? new Upcasters(UPCASTERS);
    this.batchSize = options.batchSize ?? 1000;
    this.rebuildBatchSize = options.rebuildBatchSize ?? 10_000;
    this.now = options.now ?? (() => new Date());
    this.cacheLimit = options.cacheLimit && options.cacheLimit > 0 ? options.cacheLimit : Infinity;
    this.systemTypes = new Set(projections.flatMap((p) => [...p.handles]).filter(isSystemEventType));
  }

  /** System events some projection reads (the imports list); the others (webhook settings, model fits) are passed over. */
  private readonly systemTypes: ReadonlySet<string>;
  private readonly projects = (type: string) => isDomainEventType(type) || this.systemTypes.has(type);

  get collections(): CollectionSpec[] {
    return [...this.projections.flatMap((p) => p.collections), ANALYTICS_COLLECTION];
  }

  /** Position up to which every projection has been applied and stored. */
  get position(): number {
    return this.positionValue;
  }

  /** What the cache holds and costs: for /metrics (documents in memory, documents read back from the store, batches applied twice, the last ranking's duration). */
  get cacheStats(): { documents: number; limit: number; loaded: number; reapplied: number; rankSeconds: number } {
    let documents = 0;
    for (const docs of this.cache.values()) documents += docs.size;
    return { documents, limit: this.cacheLimit === Infinity ? 0 : this.cacheLimit, loaded: this.loaded, reapplied: this.reapplied, rankSeconds: this.lastRankMs / 1000 };
  }

  /** Events in the log not yet applied (as of the last look at the head). */
  get lag(): number {
    return Math.max(0, this.headValue - this.positionValue);
  }

  get error(): unknown {
    return this.failure;
  }

  async init(): Promise<void> {
    await this.store.ensureCollections(this.collections);
    this.cache.clear();
    this.complete.clear();
    for (const p of this.projections) {
      this.checkpoints.set(p.name, await this.store.checkpoint(p.name));
      for (const c of p.collections) {
        if (!c.cached) continue;
        const docs = new Map<string, Document>();
        let whole = true;
        for await (const doc of this.store.scan(c.name)) {
          if (docs.size >= this.cacheLimit) {
            whole = false; // the rest is read when needed
            break;
          }
          docs.set(doc._id, doc);
        }
        this.cache.set(c.name, docs);
        if (whole) this.complete.add(c.name);
        else this.complete.delete(c.name);
      }
    }
    this.positionValue = Math.min(...this.projections.map((p) => this.checkpoints.get(p.name) ?? 0));
    this.headValue = await this.events.headPosition();
    // A crash may have come between projecting orders and re-ranking: rank again once caught up.
    this.segmentationDirty = true;
  }

  /** Catch up, then follow live appends until stopped. */
  async start(): Promise<void> {
    await this.init();
    this.subscription = this.events.subscribeToAll({ after: this.positionValue, batchSize: this.batchSize }, (batch) => this.handle(batch));
    this.subscription.done.catch((error) => {
      this.failure = error;
    });
    // A restart with nothing new to project still owes a ranking (see init).
    void this.serially(() => this.segmentWhenDue()).catch((error) => (this.failure = error));
  }

  async stop(): Promise<void> {
    clearTimeout(this.segmentTimer);
    this.segmentTimer = undefined;
    await this.subscription?.stop();
    await this.exclusive.catch(() => undefined);
    this.subscription = undefined;
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }

  /** Resolves true once the projections include `position`, false on timeout. */
  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    if (this.positionValue >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { position, resolve: () => resolve(this.positionValue >= position) };
      this.waiters.push(waiter);
      setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(this.positionValue >= position);
      }, timeoutMs).unref();
    });
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.exclusive.then(work, work);
    this.exclusive = run.catch(() => undefined);
    return run;
  }

  /** Applies one batch of the log and stores the result with the checkpoints. */
  handle(batch: RecordedEvent[]): Promise<void> {
    return this.serially(() => this.applyBatch(batch));
  }

  private async applyBatch(batch: RecordedEvent[]): Promise<void> {
    if (batch.length === 0) return;
    const { dirty, removed, erased } = await this.applyEvents(batch);
    const last = batch[batch.length - 1].globalPosition;
    const checkpoints = this.projections.map((p) => ({ projector: p.name, position: Math.max(last, this.checkpoints.get(p.name) ?? 0) }));
    try {
      await this.put(
        [...dirty].flatMap(([collection, docs]) => [...docs.values()].map((doc) => ({ collection, doc }))),
        checkpoints,
        [...removed].flatMap(([collection, ids]) => [...ids].map((id) => ({ collection, id }))),
      );
    } catch (error) {
      // The cache already holds this batch; the store does not. Reload from the store before anything else.
      await this.init().catch(() => undefined);
      throw error;
    }
    for (const c of checkpoints) this.checkpoints.set(c.projector, c.position);
    if (erased.length) await this.scrub(erased);
    await this.evict();
    if (this.headValue < last) this.headValue = last;
    this.headValue = Math.max(this.headValue, batch.length < Math.min(this.batchSize, this.rebuildBatchSize) ? await this.events.headPosition() : last);
    if (last >= this.headValue) {
      // At the head: re-rank customers if due.
      this.headValue = await this.events.headPosition();
      if (last >= this.headValue && !this.deferred) await this.segmentWhenDue(); // a rebuild ranks once, at its end
    }
    // Published after ranking, so a read-your-writes query never sees a customer not yet ranked.
    this.positionValue = last;
    this.options.onBatch?.({ position: last, events: batch.length, lag: this.lag });
    const ready = this.waiters.filter((w) => w.position <= last);
    this.waiters = this.waiters.filter((w) => w.position > last);
    for (const w of ready) w.resolve();
  }

  /**
   * Applies a batch to the cache. With a bounded cache an event may need a document that is only in the store:
   * the batch is applied once noting every such miss, then undone by reading back from the store every document it
   * touched (some projections change their documents in place; the store holds them as they were before the batch,
   * since a bounded cache writes every batch), the misses are loaded with them, and the batch is applied again (a
   * merge can reveal further members on the next round).
   */
  private async applyEvents(batch: RecordedEvent[]): Promise<Applied> {
    const absent = new Map<string, Set<string>>();
    if (this.cacheLimit !== Infinity && this.complete.size < this.cache.size) await this.prefetch(batch, absent);
    for (let round = 0; ; round++) {
      const applied = this.applyOnce(batch, absent);
      if (applied.misses.size === 0) return applied;
      if (round >= MAX_LOAD_ROUNDS) throw new Error(`projector: batch ending at ${batch[batch.length - 1].globalPosition} still needs documents after ${round} loads`);
      this.reapplied++;
      for (const [collection, ids] of applied.touched) {
        const docs = this.cache.get(collection)!;
        let wanted = applied.misses.get(collection);
        if (!wanted) applied.misses.set(collection, (wanted = new Set()));
        for (const id of ids) {
          docs.delete(id);
          absent.get(collection)?.delete(id);
          wanted.add(id);
        }
      }
      await this.loadMissing(applied.misses, absent);
    }
  }

  private applyOnce(batch: RecordedEvent[], absent: Map<string, Set<string>>): Applied & { misses: Map<string, Set<string>>; touched: Map<string, Set<string>> } {
    const dirty = new Map<string, Map<string, Document>>();
    /** collection → ids deleted in this batch (a later update in the batch takes the id back out) */
    const removed = new Map<string, Set<string>>();
    const misses = new Map<string, Set<string>>();
    const bounded = this.cacheLimit !== Infinity;
    /** cached documents this batch changed or removed (bounded caches only): what undoing it reads back */
    const touched = new Map<string, Set<string>>();
    const touch = (collection: string, id: string) => {
      let ids = touched.get(collection);
      if (!ids) touched.set(collection, (ids = new Set()));
      ids.add(id);
    };
    /** true (and noted) when the document may exist in the store but is not in memory */
    const missing = (collection: string, id: string, cached: Map<string, Document> | undefined): boolean => {
      if (!bounded || !cached || this.complete.has(collection) || absent.get(collection)?.has(id) || removed.get(collection)?.has(id)) return false;
      // During a rebuild a noted id missing from the cache is a deletion not yet written: absent.
      if (this.deferred?.get(collection)?.has(id)) return false;
      let ids = misses.get(collection);
      if (!ids) misses.set(collection, (ids = new Set()));
      ids.add(id);
      return true;
    };
    let current: ProjectedEvent;
    const access: DocumentAccess = {
      read: <D extends Document>(collection: string, id: string) => {
        const cached = this.cache.get(collection);
        const doc = cached?.get(id) as D | undefined;
        if (doc === undefined) missing(collection, id, cached);
        return doc;
      },
      update: <D extends Document>(collection: string, id: string, evolve: (doc: D | undefined) => D | undefined) => {
        const cached = this.cache.get(collection);
        const existing = (cached?.get(id) ?? dirty.get(collection)?.get(id)) as D | undefined;
        if (existing === undefined && missing(collection, id, cached)) return;
        if (existing && existing._position >= current.globalPosition) return; // already applied: redelivery
        const next = evolve(existing);
        if (!next) return;
        if (cached && bounded) {
          touch(collection, id);
          cached.delete(id); // re-inserted last: the map's order is the order of last change (eviction drops the oldest)
        }
        cached?.set(id, next);
        let d = dirty.get(collection);
        if (!d) dirty.set(collection, (d = new Map()));
        d.set(id, next);
        removed.get(collection)?.delete(id);
      },
      remove: (collection: string, id: string) => {
        const cached = this.cache.get(collection);
        if (cached && bounded) touch(collection, id);
        cached?.delete(id);
        dirty.get(collection)?.delete(id);
        let r = removed.get(collection);
        if (!r) removed.set(collection, (r = new Set()));
        r.add(id);
      },
    };
    const erased: string[] = [];
    for (const recorded of batch) {
      // A new lifetime-value fit changes every predicted value: rank again.
      if (recorded.type === 'LifetimeValueModelFitted') this.segmentationDirty = true;
      if (!this.projects(recorded.type)) continue;
      if (recorded.type === 'CustomerErased') erased.push(String(recorded.data.customerId));
      const { data } = this.upcasters.upcast(recorded.type, recorded.schemaVersion, recorded.data);
      current = { ...recorded, data } as unknown as ProjectedEvent;
      for (const p of this.projections) {
        if (recorded.globalPosition <= (this.checkpoints.get(p.name) ?? 0) || !p.handles.has(recorded.type)) continue;
        p.apply(current, access);
      }
      if (recorded.type.startsWith('Order') || recorded.type === 'CustomerRegistered' || recorded.type === 'CustomerMerged' || recorded.type === 'CustomerUnmerged') this.segmentationDirty = true;
    }
    return {
      dirty,
      removed,
      erased,
      misses,
      touched,
    };
  }

  /** Loads what the projections say the batch will need (their `needs` hints) and is not in memory, before applying it. */
  private async prefetch(batch: RecordedEvent[], absent: Map<string, Set<string>>): Promise<void> {
    const wanted = new Map<string, Set<string>>();
    for (const recorded of batch) {
      if (!this.projects(recorded.type)) continue;
      for (const p of this.projections) {
        if (!p.needs || !p.handles.has(recorded.type)) continue;
        for (const [collection, id] of p.needs(recorded as unknown as ProjectedEvent)) {
          const docs = this.cache.get(collection);
          if (!docs || this.complete.has(collection) || docs.has(id)) continue;
          let ids = wanted.get(collection);
          if (!ids) wanted.set(collection, (ids = new Set()));
          ids.add(id);
        }
      }
    }
    if (wanted.size) await this.loadMissing(wanted, absent);
  }

  /** Reads documents a batch needs from the store into the cache; those the store does not have are noted absent for the batch. */
  private async loadMissing(misses: Map<string, Set<string>>, absent: Map<string, Set<string>>): Promise<void> {
    await this.settleWrites(); // a rebuild's write in flight may hold a document asked for
    for (const [collection, wanted] of misses) {
      const docs = this.cache.get(collection)!;
      const ids = [...wanted];
      let none = absent.get(collection);
      if (!none) absent.set(collection, (none = new Set()));
      for (let i = 0; i < ids.length; i += LOAD_CHUNK) {
        const chunk = ids.slice(i, i + LOAD_CHUNK);
        const found = new Set<string>();
        for (const doc of await this.store.load(collection, chunk)) {
          docs.set(doc._id, doc);
          found.add(doc._id);
        }
        this.loaded += found.size;
        for (const id of chunk) if (!found.has(id)) none.add(id);
      }
    }
  }

  /**
   * Keeps each cached collection within the limit: drops the documents changed longest ago (to 90 % of the limit,
   * so a batch does not evict one by one). Live, every document in memory is already stored. A rebuild that must
   * evict first writes what it had been keeping for the end, and from then on writes every batch as live projection
   * does: undoing a batch (applyEvents) reads documents back from the store, so the store must hold them.
   */
  private async evict(): Promise<void> {
    if (this.cacheLimit === Infinity) return;
    const over = [...this.cache].filter(([, docs]) => docs.size > this.cacheLimit);
    if (over.length === 0) return;
    if (this.deferred) await this.flushDeferred();
    const keep = Math.max(1, Math.floor(this.cacheLimit * 0.9));
    for (const [collection, docs] of over) {
      for (const id of docs.keys()) {
        if (docs.size <= keep) break;
        docs.delete(id);
      }
      this.complete.delete(collection);
    }
  }

  /**
   * Erasure reaches documents that copied the customer's personal data
   * (timeline entries, deals): scrubbed in place, then the store is asked to
   * drop the old bytes (free pages, write-ahead log). Idempotent: a replay
   * scrubs already-scrubbed documents to the same result.
   */
  private async scrub(customerIds: string[]): Promise<void> {
    await this.settleWrites(); // the timeline rows to scrub may still be on their way to the store
    const upserts: Array<{ collection: string; doc: Document }> = [];
    for (const p of this.projections) {
      for (const spec of p.erase ?? []) {
        const cached = this.cache.get(spec.collection);
        const path = p.collections.find((c) => c.name === spec.collection)?.fields[spec.field]?.path ?? spec.field;
        for (const customerId of customerIds) {
          if (cached) {
            for (const doc of cached.values()) {
              if (doc[path] !== customerId) continue;
              const next = spec.scrub(doc);
              cached.set(doc._id, next);
              upserts.push({ collection: spec.collection, doc: next });
            }
            // A bounded cache holds only part of the collection: the store has the rest.
            if (this.complete.has(spec.collection)) continue;
          }
          let after: { values: Array<string | number | boolean>; id: string } | undefined;
          do {
            const page = await this.store.find<Document>(spec.collection, { filter: [{ field: spec.field, op: 'eq', value: customerId }], sort: [], limit: 500, after });
            for (const doc of page.items) if (!cached?.has(doc._id)) upserts.push({ collection: spec.collection, doc: spec.scrub(doc) });
            after = page.next;
          } while (after);
        }
      }
    }
    if (upserts.length) await this.put(upserts, []);
    await this.store.purge?.();
  }

  /** Re-ranks now if the last ranking is old enough, otherwise once it is (a timer), so a quiet log still gets ranked. */
  private async segmentWhenDue(): Promise<void> {
    if (!this.segmentationDirty) return;
    // A ranking that takes long (many customers) runs at most a tenth of the time, whatever the setting says.
    const every = Math.max(this.options.segmentEveryMs ?? 2000, 10 * this.lastRankMs);
    const wait = this.lastSegmentationAt + every - this.now().getTime();
    // wait > every: the injected clock went backwards; rank now rather than sleep on a bogus interval.
    if (wait <= 0 || wait > every) return this.rank();
    if (this.segmentTimer) return;
    // When it fires the wait has passed in real time: rank, whatever the injected clock says by then.
    this.segmentTimer = setTimeout(() => {
      this.segmentTimer = undefined;
      this.serially(async () => {
        if (this.segmentationDirty) await this.rank();
      }).catch((error) => (this.failure = error));
    }, wait);
    this.segmentTimer.unref();
  }

  /** Re-ranks all customers (tiers, RFM) and stores the value distribution. */
  segment(): Promise<void> {
    return this.serially(() => this.rank());
  }

  private async rank(): Promise<void> {
    const customers = this.cache.get(CUSTOMERS);
    if (!customers) return;
    const startedAt = this.now().getTime();
    const startedMono = performance.now();
    const asOf = new Date(startedAt).toISOString();
    const fits = await this.options.lifetimeValueFits?.();
    // With a bounded cache the memo may not grow with the customers either.
    if (this.predictedMemo.size > Math.max(MEMO_FLOOR, 4 * this.cacheLimit)) this.predictedMemo.clear();
    const config = { ...(this.options.segmentation ?? DEFAULT_SEGMENTATION), ...(fits && { fits }), memo: this.predictedMemo };
    const whole = this.complete.has(CUSTOMERS);
    // Every customer takes part: from memory when all are there, else from the store (the fields ranking reads).
    const ranked = whole ? ([...customers.values()] as CustomerDoc[]) : await this.rankedCustomers(customers);
    const { segments, distribution } = segmentCustomers(ranked, asOf, config);
    const changed: Array<[string, CustomerDoc['segment']]> = [];
    for (const doc of ranked) {
      const segment = segments.get(doc._id)!;
      // A predicted value drifts a little with every day: stored again when it moves by more than 1 % (or its method changes).
      const before = doc.segment.predictedValue ?? null;
      const after = segment.predictedValue ?? null;
      const predictedMoved = doc.segment.predictedBy !== segment.predictedBy || (before === null ? after !== null : after === null || Math.abs(after - before) > Math.max(1, Math.abs(before) * 0.01));
      // asOf alone changing is not worth a write; the distribution document records when ranking ran.
      if (doc.segment.tier !== segment.tier || JSON.stringify(doc.segment.rfm) !== JSON.stringify(segment.rfm) || predictedMoved) changed.push([doc._id, segment]);
    }
    for (let i = 0; i < changed.length || i === 0; i += DEFERRED_CHUNK) {
      const chunk = changed.slice(i, i + DEFERRED_CHUNK);
      const notCached = chunk.filter(([id]) => !customers.has(id)).map(([id]) => id);
      const loaded = new Map(notCached.length ? (await this.store.load<CustomerDoc>(CUSTOMERS, notCached)).map((d) => [d._id, d] as const) : []);
      const upserts: Array<{ collection: string; doc: Document }> = [];
      for (const [id, segment] of chunk) {
        const doc = (customers.get(id) ?? loaded.get(id)) as CustomerDoc | undefined;
        if (!doc) continue;
        const next = { ...doc, segment };
        if (customers.has(id)) customers.set(id, next);
        upserts.push({ collection: CUSTOMERS, doc: next });
      }
      // Replaced whole on each ranking, so no position guard applies (and a rebuild yields the same document).
      if (i + DEFERRED_CHUNK >= changed.length) upserts.push({ collection: ANALYTICS, doc: { ...distribution, _position: 0 } });
      await this.put(upserts, []);
    }
    this.lastSegmentationAt = this.now().getTime();
    // The shorter of the two: a clock stepped (NTP, a test's clock) during a ranking must not throttle the next for days.
    this.lastRankMs = Math.max(0, Math.min(this.lastSegmentationAt - startedAt, performance.now() - startedMono));
    this.segmentationDirty = false;
  }

  /**
   * Every stored customer with the fields ranking reads (the cached copy where there is one): a bounded cache's
   * ranking. Read as queries read them (without the order books), a page at a time, letting requests in between.
   */
  private async rankedCustomers(customers: Map<string, Document>): Promise<CustomerDoc[]> {
    // Only the fields ranking reads come out of the store (a few hundred bytes of each 360).
    await this.settleWrites();
    const out: CustomerDoc[] = [];
    let after: { values: Array<string | number | boolean>; id: string } | undefined;
    do {
      const page = await this.store.find<CustomerDoc>(CUSTOMERS, { sort: [], limit: RANK_PAGE, after, fields: RANKED_FIELDS });
      for (const stored of page.items) {
        const cached = customers.get(stored._id) as unknown as Record<string, unknown> | undefined;
        if (!cached) {
          out.push(stored);
          continue;
        }
        const slim: Record<string, unknown> = {};
        for (const key of RANKED_FIELDS) slim[key] = cached[key];
        out.push(slim as unknown as CustomerDoc);
      }
      after = page.next;
      await new Promise((resolve) => setImmediate(resolve));
    } while (after);
    return out;
  }

  /**
   * Drops the named projections and replays the whole log into them. The
   * other projections keep their documents and skip what they already have.
   */
  async rebuild(names: string[] = this.projections.map((p) => p.name), onProgress?: (done: number, total: number) => void): Promise<{ events: number; ms: number }> {
    const started = Date.now();
    await this.store.ensureCollections(this.collections);
    for (const p of this.projections.filter((x) => names.includes(x.name))) {
      await this.store.reset(p.collections.map((c) => c.name), p.name);
    }
    if (names.includes('customers')) await this.store.reset([ANALYTICS], SEGMENTATION);
    // Secondary indexes are built once after the replay: maintaining them row by row was most of the rebuild's time.
    const bulk = this.projections.filter((p) => names.includes(p.name)).flatMap((p) => p.collections.map((c) => c.name));
    await this.store.beginBulk?.(bulk);
    let events = 0;
    try {
      await this.init();
      this.deferred = new Map();
      const total = await this.events.headPosition();
      let position = this.positionValue;
      for (;;) {
        const batch = await this.events.readAll({ after: position, maxCount: this.rebuildBatchSize });
        if (batch.length === 0) break;
        await this.applyBatch(batch);
        position = batch[batch.length - 1].globalPosition;
        events += batch.length;
        onProgress?.(position, total);
      }
      if (this.complete.has(CUSTOMERS)) {
        await this.rank(); // its changes join the documents written once below
        await this.writeDeferred();
      } else {
        // Some customers are only in the store: store everything first, then rank from the store.
        await this.writeDeferred();
        await this.rank();
      }
    } finally {
      this.deferred = undefined;
      await this.settleWrites().catch(() => undefined); // after a failure: let the write in flight end before the indexes
      await this.store.endBulk?.(bulk);
    }
    return { events, ms: Date.now() - started };
  }

  /** Writes documents (and checkpoints) now, or, during a rebuild, notes the cached ones for writeDeferred. */
  private async put(upserts: WriteBatch['upserts'], checkpoints: WriteBatch['checkpoints'], deletes: WriteBatch['deletes'] = []): Promise<void> {
    const later = this.deferred;
    if (!later) return this.store.write({ upserts, deletes, checkpoints });
    const now: WriteBatch['upserts'] = [];
    for (const u of upserts) {
      if (!this.cache.has(u.collection)) {
        now.push(u);
        continue;
      }
      let ids = later.get(u.collection);
      if (!ids) later.set(u.collection, (ids = new Set()));
      ids.add(u.doc._id);
    }
    // A deleted cached document: noted like a change; writeDeferred finds it gone from the cache and deletes it.
    for (const d of deletes) {
      let ids = later.get(d.collection);
      if (!ids) later.set(d.collection, (ids = new Set()));
      ids.add(d.id);
    }
    // The stored checkpoints stay where the rebuild began until the cached documents are written.
    if (!now.length) return;
    // One write in flight while the next batch is applied (the store may write on another thread or server).
    const previous = this.inFlight;
    const write = (async () => {
      await previous;
      await this.store.write({ upserts: now, deletes: [], checkpoints: [] });
    })();
    write.catch(() => undefined); // surfaced by the next put or settleWrites
    this.inFlight = write;
    await previous;
  }

  /** Waits for the rebuild's write in flight; its failure fails the caller. */
  private async settleWrites(): Promise<void> {
    const pending = this.inFlight;
    this.inFlight = undefined;
    await pending;
  }

  /** Writes the cached documents a rebuild changed, then the checkpoints (in the same batch: both or neither). */
  private async writeDeferred(): Promise<void> {
    const checkpoints = this.projections.map((p) => ({ projector: p.name, position: this.checkpoints.get(p.name) ?? 0 }));
    const wroteLast = await this.flushDeferred(checkpoints);
    if (!wroteLast) await this.store.write({ upserts: [], deletes: [], checkpoints });
  }

  /**
   * Writes the cached documents a rebuild changed so far, and stops deferring: later batches are written as they
   * come. The checkpoints, when given, go with the last chunk (true when there was one to carry them).
   */
  private async flushDeferred(checkpoints: WriteBatch['checkpoints'] = []): Promise<boolean> {
    await this.settleWrites();
    const upserts: WriteBatch['upserts'] = [];
    const deletes: WriteBatch['deletes'] = [];
    for (const [collection, ids] of this.deferred ?? []) {
      const docs = this.cache.get(collection);
      for (const id of ids) {
        const doc = docs?.get(id);
        if (doc) upserts.push({ collection, doc });
        else deletes.push({ collection, id });
      }
    }
    this.deferred = undefined;
    // In chunks, checkpoints last: a crash in between leaves documents whose _position guard skips the replay it causes.
    if (deletes.length) await this.store.write({ upserts: [], deletes, checkpoints: [] });
    for (let i = 0; i < upserts.length; i += DEFERRED_CHUNK) {
      await this.store.write({ upserts: upserts.slice(i, i + DEFERRED_CHUNK), deletes: [], checkpoints: i + DEFERRED_CHUNK >= upserts.length ? checkpoints : [] });
    }
    return upserts.length > 0;
  }

  /** The document as the projector holds it (cached collections), for diagnostics and tests. */
  cachedDocument<D extends Document>(collection: string, id: string): D | undefined {
    return this.cache.get(collection)?.get(id) as D | undefined;
  }

  /** Kept for the read side's health: the analytics document id of the last ranking. */
  static readonly valueDistributionId = VALUE_DISTRIBUTION_ID;
}
