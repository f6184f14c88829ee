import { BACKWARDS, END, EventStoreDBClient, FORWARDS, NO_STREAM, excludeSystemEvents, jsonEvent, type AllStreamSubscription, type JSONType, type ResolvedEvent } from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import { AppendSignal, catchUpSubscription } from '../catch-up';
import { checkExpectedRevision } from '../errors';
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
import {
  decideIdempotency,
  idempotencyStream,
  isAfter,
  isDomainEvent,
  isStreamNotFound,
  mapAppendError,
  readStartFor,
  snapshotStream,
  storedMetadata,
  toEsdbExpectedRevision,
  toGlobalPosition,
  type IdempotencyRecord,
  type StoredMetadata,
} from './mapping';

export interface EventStoreDbEventStoreOptions {
  /** e.g. `esdb://127.0.0.1:2113?tls=false` */
  connectionString: string;
  now?: () => Date;
  /** fallback poll while idle, in case the live wake-up subscription lags */
  pollIntervalMs?: number;
  /** a claimed idempotency key with no outcome after this long is taken over (its writer crashed) */
  staleClaimMs?: number;
}

type Resolved = Pick<ResolvedEvent, 'event'>;

/**
 * EventStoreDB / KurrentDB adapter over @eventstore/db-client. Streams map one
 * to one; optimistic concurrency is the server's expectedRevision; positions
 * are mapped as explained in ./mapping.ts. Idempotency keys and snapshots live
 * in EventStoreDB too, in bookkeeping streams hidden from the global log.
 */
export class EventStoreDbEventStore implements EventStore, SnapshotStore {
  private readonly now: () => Date;
  private readonly signal = new AppendSignal();
  private readonly wakeUp: AllStreamSubscription;
  private closed = false;

  private constructor(
    private readonly client: EventStoreDBClient,
    private readonly options: EventStoreDbEventStoreOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    // Appends by any process wake this process's catch-up readers; order and gaps are the reader's job.
    this.wakeUp = client.subscribeToAll({ fromPosition: END, filter: excludeSystemEvents() });
    this.wakeUp.on('data', () => this.signal.notify());
    this.wakeUp.on('error', () => undefined); // readers still poll
  }

  static async connect(options: EventStoreDbEventStoreOptions): Promise<EventStoreDbEventStore> {
    const client = EventStoreDBClient.connectionString(options.connectionString);
    // Fail at start, not on the first command, when the server is unreachable.
    await collect(client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }));
    return new EventStoreDbEventStore(client, options);
  }

  async append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    if (this.closed) throw new Error('event store is closed');
    if (!options.idempotency) return this.appendNow(streamId, events, options);
    const { key, requestHash } = options.idempotency;
    const keyStream = idempotencyStream(key);
    for (;;) {
      const last = await this.lastOf<IdempotencyRecord>(keyStream);
      const decision = decideIdempotency(key, requestHash, last?.record, this.now(), this.options.staleClaimMs ?? 30_000);
      if (decision.action === 'replay') return this.replay(decision.completed);
      if (decision.action === 'wait') {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      // First writer of the claim wins; a loser re-reads and replays or waits.
      const claimedAt = this.now().toISOString();
      const claim = await this.client
        .appendToStream(keyStream, jsonEvent({ type: 'IdempotencyKeyClaimed', data: { requestHash, claimedAt } }), { expectedRevision: last ? BigInt(last.revision) : NO_STREAM })
        .catch((error: unknown) => {
          if ((error as { type?: string }).type === 'wrong-expected-version') return undefined;
          throw error;
        });
      if (!claim) continue;
      const claimRevision = claim.nextExpectedRevision;
      let result: AppendResult;
      try {
        result = await this.appendNow(streamId, events, options);
      } catch (error) {
        await this.client.appendToStream(keyStream, jsonEvent({ type: 'IdempotencyKeyReleased', data: { requestHash } }), { expectedRevision: claimRevision }).catch(() => undefined);
        throw error;
      }
      const completed = {
        requestHash,
        streamId,
        streamRevision: result.streamRevision,
        globalPosition: result.globalPosition,
        firstRevision: result.events[0]?.streamRevision ?? result.streamRevision + 1,
        count: result.events.length,
      };
      await this.client.appendToStream(keyStream, jsonEvent({ type: 'IdempotentAppendCompleted', data: completed }), { expectedRevision: claimRevision });
      return result;
    }
  }

  private async appendNow(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    if (events.length === 0) {
      const current = await this.streamRevision(streamId);
      checkExpectedRevision(streamId, options.expectedRevision, current);
      return { streamId, streamRevision: current, globalPosition: await this.headPosition(), events: [], replayed: false };
    }
    const recordedAt = this.now().toISOString();
    const data = events.map((e) =>
      jsonEvent({ id: e.eventId ?? randomUUID(), type: e.type, data: e.data as JSONType, metadata: storedMetadata(e.schemaVersion, recordedAt, options.metadata) as unknown as JSONType }),
    );
    const written = await this.client
      .appendToStream(streamId, data, { expectedRevision: toEsdbExpectedRevision(options.expectedRevision) })
      .catch((error: unknown) => {
        throw mapAppendError(error, streamId, options.expectedRevision);
      });
    const last = Number(written.nextExpectedRevision);
    // The append result carries only the last position; read the new events back for theirs.
    const recorded = await this.readStream(streamId, { fromRevision: last - events.length + 1, maxCount: events.length });
    this.signal.notify();
    // The read-back positions are per event; the append result's is only a fallback for servers that omit them on stream reads.
    return { streamId, streamRevision: last, globalPosition: recorded[recorded.length - 1]?.globalPosition || toGlobalPosition(written.position), events: recorded, replayed: false };
  }

  private async replay(c: Extract<IdempotencyRecord, { type: 'IdempotentAppendCompleted' }>['data']): Promise<AppendResult> {
    const events = c.count ? await this.readStream(c.streamId, { fromRevision: c.firstRevision, maxCount: c.count }) : [];
    return { streamId: c.streamId, streamRevision: c.streamRevision, globalPosition: c.globalPosition, events, replayed: true };
  }

  async findIdempotent(key: string): Promise<(AppendResult & { requestHash: string }) | undefined> {
    const last = await this.lastOf<IdempotencyRecord>(idempotencyStream(key));
    if (last?.record.type !== 'IdempotentAppendCompleted') return undefined;
    return { ...(await this.replay(last.record.data)), requestHash: last.record.data.requestHash };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision === undefined ? (backwards ? END : BigInt(0)) : BigInt(options.fromRevision);
    const read = this.client.readStream(streamId, { direction: backwards ? BACKWARDS : FORWARDS, fromRevision: from, ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }) });
    return (await collect(read)).map(toRecorded);
  }

  async streamRevision(streamId: string): Promise<number> {
    const last = await collect(this.client.readStream(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1 }));
    return last[0]?.event ? Number(last[0].event.revision) : -1;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const after = options.after ?? 0;
    const wanted = options.maxCount ?? Number.POSITIVE_INFINITY;
    const out: RecordedEvent[] = [];
    // Pages may hold only system or bookkeeping events: keep reading until enough or the end.
    let from = readStartFor(after);
    const page = 500;
    for (;;) {
      const batch = await collect(this.client.readAll({ direction: FORWARDS, fromPosition: from, maxCount: page }));
      for (const r of batch) {
        const e = r.event;
        if (!e || !isAfter(e.position, after) || !isDomainEvent(e.streamId, e.type)) continue;
        if (out.length && toGlobalPosition(e.position) <= out[out.length - 1].globalPosition) continue;
        out.push(toRecorded(r));
        if (out.length >= wanted) return out;
      }
      const lastEvent = batch[batch.length - 1]?.event;
      if (batch.length < page || !lastEvent) return out;
      // readAll's fromPosition is inclusive: the next page repeats the last event, skipped above.
      from = lastEvent.position;
    }
  }

  async headPosition(): Promise<number> {
    // Walk back past system and bookkeeping events to the last event of the port's log.
    const read = this.client.readAll({ direction: BACKWARDS, fromPosition: END });
    try {
      for await (const r of read) {
        const e = r.event;
        if (e && isDomainEvent(e.streamId, e.type)) return toGlobalPosition(e.position);
      }
    } finally {
      await read.cancel().catch(() => undefined);
    }
    return 0;
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    return catchUpSubscription({ readAll: (o) => this.readAll(o), waitForAppend: (ms, s) => this.signal.wait(ms, s) }, options, handler, this.options.pollIntervalMs ?? 500);
  }

  async load<S>(streamId: string, stateVersion: string): Promise<Snapshot<S> | undefined> {
    const last = await this.lastOf<{ type: 'SnapshotTaken'; data: Snapshot<S> }>(snapshotStream(streamId));
    if (!last || last.record.data.stateVersion !== stateVersion) return undefined;
    return last.record.data;
  }

  async save<S>(snapshot: Snapshot<S>): Promise<void> {
    const stream = snapshotStream(snapshot.streamId);
    const last = await this.lastOf<{ type: 'SnapshotTaken'; data: Snapshot<S> }>(stream);
    if (last && last.record.data.revision > snapshot.revision) return; // never replace a newer snapshot
    if (!last) await this.client.setStreamMetadata(stream, { maxCount: 1 }); // the server drops older snapshots
    await this.client
      .appendToStream(stream, jsonEvent({ type: 'SnapshotTaken', data: snapshot as unknown as JSONType }), { expectedRevision: last ? BigInt(last.revision) : NO_STREAM })
      .catch((error: unknown) => {
        // A concurrent saver won; snapshots are only a cache.
        if ((error as { type?: string }).type !== 'wrong-expected-version') throw error;
      });
  }

  private async lastOf<T extends { type: string; data: unknown }>(stream: string): Promise<{ record: T; revision: number } | undefined> {
    const [last] = await collect(this.client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 }));
    if (!last?.event) return undefined;
    return { record: { type: last.event.type, data: last.event.data } as T, revision: Number(last.event.revision) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.signal.notify();
    await this.wakeUp.unsubscribe().catch(() => undefined);
    await this.client.dispose();
  }
}

/** Drains a client read; a missing stream reads as empty. */
async function collect<E>(read: AsyncIterable<E>): Promise<E[]> {
  const out: E[] = [];
  try {
    for await (const item of read) out.push(item);
  } catch (error) {
    if (!isStreamNotFound(error)) throw error;
  }
  return out;
}

function toRecorded(resolved: Resolved): RecordedEvent {
  const e = resolved.event!;
  // Events written by other tools may lack our metadata: fall back to what the server knows.
  const meta = (e.metadata ?? {}) as Partial<StoredMetadata>;
  return {
    eventId: e.id,
    type: e.type,
    schemaVersion: meta.schemaVersion ?? 1,
    streamId: e.streamId,
    streamRevision: Number(e.revision),
    globalPosition: toGlobalPosition(e.position),
    recordedAt: meta.recordedAt ?? e.created.toISOString(),
    data: (e.isJson ? e.data : {}) as Record<string, unknown>,
    metadata: meta.metadata ?? { actor: 'unknown', correlationId: e.id, causationId: e.id },
  };
}
