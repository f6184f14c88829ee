/**
 * The event store port. Small on purpose: every adapter (memory, SQLite,
 * PostgreSQL, EventStoreDB) passes the same contract suite.
 *
 * Revisions are 0-based per stream (the first event is revision 0; an absent
 * stream is at -1). Global positions are 1-based, strictly increasing, and a
 * reader of the global log never sees a gap filled in later.
 */
export const EVENT_STORE = Symbol('EVENT_STORE');
export const SNAPSHOT_STORE = Symbol('SNAPSHOT_STORE');

export const NO_STREAM = -1;

export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | number;

export interface EventMetadata {
  actor: string;
  correlationId: string;
  causationId: string;
  idempotencyKey?: string;
  [key: string]: unknown;
}

export interface NewEvent {
  eventId?: string;
  type: string;
  schemaVersion: number;
  data: Record<string, unknown>;
}

export interface RecordedEvent {
  eventId: string;
  type: string;
  schemaVersion: number;
  streamId: string;
  streamRevision: number;
  globalPosition: number;
  recordedAt: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
}

/** An event as stored, its data and metadata still JSON text: for readers that pass events on without looking inside (the feed). */
export interface StoredEventText extends Omit<RecordedEvent, 'data' | 'metadata'> {
  data: string;
  metadata: string;
}

/** Optional capability of an event store: the global log as stored text, so a reader that only writes it out need not parse and re-serialise it. */
export interface TextLogReader {
  readAllText(options: ReadAllOptions): Promise<StoredEventText[]>;
}

export const isTextLogReader = (store: unknown): store is TextLogReader => typeof (store as Partial<TextLogReader> | null | undefined)?.readAllText === 'function';

export interface AppendOptions {
  expectedRevision: ExpectedRevision;
  metadata: EventMetadata;
  /** When set, a second append with the same key returns the first result and writes nothing. */
  idempotency?: { key: string; requestHash: string };
}

export interface AppendResult {
  streamId: string;
  /** revision of the stream's last event after the append (-1: still empty) */
  streamRevision: number;
  /** global position of the last event appended (or of the log head when nothing was appended) */
  globalPosition: number;
  events: RecordedEvent[];
  /** true when this is the remembered result of an earlier append with the same idempotency key */
  replayed: boolean;
}

export interface ReadStreamOptions {
  direction?: 'forwards' | 'backwards';
  /** inclusive; forwards defaults to 0, backwards to the end */
  fromRevision?: number;
  maxCount?: number;
  /**
   * The event types whose personal fields the reader needs in the clear. A store that seals personal data
   * may leave the fields of other types sealed (ciphertext strings); stores that seal nothing ignore it.
   * Absent: every event is returned in the clear.
   */
  personalDataOf?: ReadonlySet<string>;
}

export interface ReadAllOptions {
  /** exclusive: events strictly after this position (0 = from the start) */
  after?: number;
  maxCount?: number;
}

export interface SubscribeOptions {
  /** exclusive checkpoint: deliver events strictly after it */
  after: number;
  batchSize?: number;
  /** As for readStream: the types whose personal fields the subscriber needs in the clear (absent: all). */
  personalDataOf?: ReadonlySet<string>;
}

export type BatchHandler = (batch: RecordedEvent[]) => Promise<void> | void;

export interface Subscription {
  /** Stops after the batch in hand; resolves when the loop has ended. */
  stop(): Promise<void>;
  /** Settles when the subscription ends: resolves on stop, rejects when the handler or store fails. */
  readonly done: Promise<void>;
}

export interface EventStore {
  append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Revision of the stream's last event, -1 when the stream does not exist. */
  streamRevision(streamId: string): Promise<number>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Position of the last event a reader may safely see. */
  headPosition(): Promise<number>;
  /** Why this store can no longer append (its writer thread died), if it cannot; for health checks. Optional. */
  writeFailure?(): Error | undefined;
  /** Catch-up subscription to the global log: history first, then live, in order, no gaps. */
  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription;
  /** The remembered result for an idempotency key, if any. */
  findIdempotent(key: string): Promise<(AppendResult & { requestHash: string }) | undefined>;
  close(): Promise<void>;
}

export interface Snapshot<S = unknown> {
  streamId: string;
  revision: number;
  /** bumped whenever the state's shape changes, so stale snapshots are ignored */
  stateVersion: string;
  state: S;
}

/** Keeps a small state per stream so commands never read long histories. */
export interface SnapshotStore {
  load<S>(streamId: string, stateVersion: string): Promise<Snapshot<S> | undefined>;
  save<S>(snapshot: Snapshot<S>): Promise<void>;
}
