import { randomUUID } from 'node:crypto';
import { AppendSignal, catchUpSubscription } from '../catch-up';
import { GENESIS_HASH, chainLink, type ChainLink, type ChainedEventStore } from '../chain';
import { IdempotencyKeyReusedError, checkExpectedRevision } from '../errors';
import type {
  AppendOptions,
  AppendResult,
  BatchHandler,
  EventStore,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  Snapshot,
  SnapshotStore,
  SubscribeOptions,
  Subscription,
} from '../port';

type Remembered = { streamId: string; requestHash: string; streamRevision: number; globalPosition: number; positions: number[] };

/** For tests and throwaway runs: same semantics as the durable adapters, nothing on disk. */
export class InMemoryEventStore implements EventStore, SnapshotStore, ChainedEventStore {
  private readonly log: RecordedEvent[] = [];
  /** stream and global hash per log entry (same index as `log`) */
  private readonly hashes: Array<{ streamHash: string | null; globalHash: string | null }> = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly idempotency = new Map<string, Remembered>();
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly eventIds = new Set<string>();
  private readonly signal = new AppendSignal();

  constructor(private readonly now: () => Date = () => new Date()) {}

  async append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    if (options.idempotency) {
      const earlier = await this.findIdempotent(options.idempotency.key);
      if (earlier) {
        if (earlier.requestHash !== options.idempotency.requestHash) throw new IdempotencyKeyReusedError(options.idempotency.key);
        return earlier;
      }
    }
    const stream = this.streams.get(streamId) ?? [];
    checkExpectedRevision(streamId, options.expectedRevision, stream.length - 1);
    const recordedAt = this.now().toISOString();
    const recorded = events.map((e, i): RecordedEvent => ({
      eventId: e.eventId ?? randomUUID(),
      type: e.type,
      schemaVersion: e.schemaVersion,
      streamId,
      streamRevision: stream.length + i,
      globalPosition: this.log.length + i + 1,
      recordedAt,
      data: structuredClone(e.data),
      metadata: { ...options.metadata },
    }));
    if (recorded.some((e) => this.eventIds.has(e.eventId))) throw new Error('duplicate event id');
    for (const e of recorded) this.eventIds.add(e.eventId);
    let prevStream = stream.length ? this.hashes[stream[stream.length - 1].globalPosition - 1].streamHash : null;
    let prevGlobal = this.hashes.length ? this.hashes[this.hashes.length - 1].globalHash : null;
    for (const e of recorded) {
      const link = chainLink(e, prevStream ?? GENESIS_HASH, prevGlobal ?? GENESIS_HASH);
      this.hashes.push(link);
      prevStream = link.streamHash;
      prevGlobal = link.globalHash;
    }
    stream.push(...recorded);
    this.streams.set(streamId, stream);
    this.log.push(...recorded);
    const result: AppendResult = { streamId, streamRevision: stream.length - 1, globalPosition: this.log.length, events: recorded, replayed: false };
    if (options.idempotency) {
      this.idempotency.set(options.idempotency.key, {
        streamId,
        requestHash: options.idempotency.requestHash,
        streamRevision: result.streamRevision,
        globalPosition: result.globalPosition,
        positions: recorded.map((e) => e.globalPosition),
      });
    }
    if (recorded.length) this.signal.notify();
    return structuredClone(result);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const stream = this.streams.get(streamId) ?? [];
    const max = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (options.direction === 'backwards') {
      const from = Math.min(options.fromRevision ?? stream.length - 1, stream.length - 1);
      return structuredClone(stream.slice(Math.max(0, from - max + 1), from + 1).reverse());
    }
    const from = options.fromRevision ?? 0;
    return structuredClone(stream.slice(from, from + max));
  }

  async streamRevision(streamId: string): Promise<number> {
    return (this.streams.get(streamId)?.length ?? 0) - 1;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const after = options.after ?? 0;
    return structuredClone(this.log.slice(after, after + (options.maxCount ?? Number.MAX_SAFE_INTEGER)));
  }

  async headPosition(): Promise<number> {
    return this.log.length;
  }

  async readChain(options: { after: number; maxCount: number }): Promise<ChainLink[]> {
    return this.log.slice(options.after, options.after + options.maxCount).map((e) => ({ event: structuredClone(e), ...this.hashes[e.globalPosition - 1] }));
  }

  async storedStreamHash(streamId: string, streamRevision: number): Promise<string | null> {
    const e = this.streams.get(streamId)?.[streamRevision];
    return e ? this.hashes[e.globalPosition - 1].streamHash : null;
  }

  /** Test hook standing in for someone editing storage behind the application's back. */
  tamper(globalPosition: number, change: (event: RecordedEvent) => void, globalHash?: string): void {
    change(this.log[globalPosition - 1]);
    if (globalHash) this.hashes[globalPosition - 1].globalHash = globalHash;
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    return catchUpSubscription({ readAll: (o) => this.readAll(o), waitForAppend: (ms, s) => this.signal.wait(ms, s) }, options, handler);
  }

  async findIdempotent(key: string): Promise<(AppendResult & { requestHash: string }) | undefined> {
    const r = this.idempotency.get(key);
    if (!r) return undefined;
    const events = r.positions.map((p) => structuredClone(this.log[p - 1]));
    return { streamId: r.streamId, streamRevision: r.streamRevision, globalPosition: r.globalPosition, events, replayed: true, requestHash: r.requestHash };
  }

  async load<S>(streamId: string, stateVersion: string): Promise<Snapshot<S> | undefined> {
    const s = this.snapshots.get(streamId);
    return s && s.stateVersion === stateVersion ? (structuredClone(s) as Snapshot<S>) : undefined;
  }

  async save<S>(snapshot: Snapshot<S>): Promise<void> {
    this.snapshots.set(snapshot.streamId, structuredClone(snapshot));
  }

  async close(): Promise<void> {
    this.signal.notify();
  }
}
