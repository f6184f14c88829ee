import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
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
import { WalCheckpointer } from './wal-checkpointer';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  global_position INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id        TEXT    NOT NULL UNIQUE,
  stream_id       TEXT    NOT NULL,
  stream_revision INTEGER NOT NULL,
  type            TEXT    NOT NULL,
  schema_version  INTEGER NOT NULL,
  recorded_at     TEXT    NOT NULL,
  data            TEXT    NOT NULL,
  metadata        TEXT    NOT NULL,
  stream_hash     TEXT,
  global_hash     TEXT,
  UNIQUE (stream_id, stream_revision)
);
CREATE TABLE IF NOT EXISTS streams (
  stream_id TEXT PRIMARY KEY,
  revision  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS idempotency_keys (
  key             TEXT PRIMARY KEY,
  stream_id       TEXT NOT NULL,
  request_hash    TEXT NOT NULL,
  stream_revision INTEGER NOT NULL,
  global_position INTEGER NOT NULL,
  positions       TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (
  stream_id     TEXT PRIMARY KEY,
  revision      INTEGER NOT NULL,
  state_version TEXT NOT NULL,
  state         TEXT NOT NULL
) WITHOUT ROWID;
`;

type Row = {
  global_position: number;
  event_id: string;
  stream_id: string;
  stream_revision: number;
  type: string;
  schema_version: number;
  recorded_at: string;
  data: string;
  metadata: string;
  stream_hash: string | null;
  global_hash: string | null;
};

/** Position and global hash of the last event written so far in the current transaction. */
type ChainTail = { position: number; globalHash: string };

type Pending = { streamId: string; events: NewEvent[]; options: AppendOptions; resolve: (r: AppendResult) => void; reject: (e: unknown) => void };

export interface SqliteEventStoreOptions {
  /** file path, or ':memory:' */
  filename: string;
  now?: () => Date;
  /** FULL (default) fsyncs every commit; group commit keeps that affordable. */
  synchronous?: 'FULL' | 'NORMAL';
  /** how long an idle subscriber waits before polling for appends made by another process */
  pollIntervalMs?: number;
  /** run WAL checkpoints on a worker thread instead of inside commits (the app's stores do; see WalCheckpointer) */
  backgroundCheckpoints?: boolean;
}

const toEvent = (r: Row): RecordedEvent => ({
  eventId: r.event_id,
  type: r.type,
  schemaVersion: r.schema_version,
  streamId: r.stream_id,
  streamRevision: r.stream_revision,
  globalPosition: r.global_position,
  recordedAt: r.recorded_at,
  data: JSON.parse(r.data),
  metadata: JSON.parse(r.metadata),
});

/**
 * The zero-setup default: one SQLite file in WAL mode, durable commits.
 * Appends that arrive together are written in one transaction (group commit),
 * each inside its own savepoint so one conflict fails only its own append.
 * SQLite has a single writer, so position order is commit order: a reader
 * of the global log can never skip a late commit.
 */
export class SqliteEventStore implements EventStore, SnapshotStore, ChainedEventStore {
  private readonly db: Database.Database;
  private readonly now: () => Date;
  private readonly signal = new AppendSignal();
  private readonly pollIntervalMs: number;
  private queue: Pending[] = [];
  private snapshotQueue: Array<{ snapshot: Snapshot<unknown>; state: string; resolve: () => void; reject: (e: unknown) => void }> = [];
  private flushScheduled = false;
  private closed = false;
  private readonly stmt;
  private readonly checkpointer?: WalCheckpointer;

  constructor(options: SqliteEventStoreOptions) {
    if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true });
    this.db = new Database(options.filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    // Files from before tamper evidence: add the hash columns; their old rows stay unchained (docs/auditing.md).
    const columns = (this.db.pragma('table_info(events)') as Array<{ name: string }>).map((c) => c.name);
    if (!columns.includes('stream_hash')) this.db.exec('ALTER TABLE events ADD COLUMN stream_hash TEXT; ALTER TABLE events ADD COLUMN global_hash TEXT;');
    this.now = options.now ?? (() => new Date());
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    if (options.backgroundCheckpoints && options.filename !== ':memory:') this.checkpointer = new WalCheckpointer(this.db);
    const db = this.db;
    this.stmt = {
      insert: db.prepare(
        `INSERT INTO events (global_position, event_id, stream_id, stream_revision, type, schema_version, recorded_at, data, metadata, stream_hash, global_hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      lastLink: db.prepare(`SELECT global_position, global_hash FROM events ORDER BY global_position DESC LIMIT 1`),
      streamHashAt: db.prepare(`SELECT stream_hash FROM events WHERE stream_id = ? AND stream_revision = ?`).pluck(),
      revision: db.prepare(`SELECT revision FROM streams WHERE stream_id = ?`).pluck(),
      upsertStream: db.prepare(`INSERT INTO streams (stream_id, revision) VALUES (?, ?) ON CONFLICT(stream_id) DO UPDATE SET revision = excluded.revision`),
      head: db.prepare(`SELECT COALESCE(MAX(global_position), 0) FROM events`).pluck(),
      readAll: db.prepare(`SELECT * FROM events WHERE global_position > ? ORDER BY global_position LIMIT ?`),
      forwards: db.prepare(`SELECT * FROM events WHERE stream_id = ? AND stream_revision >= ? ORDER BY stream_revision LIMIT ?`),
      backwards: db.prepare(`SELECT * FROM events WHERE stream_id = ? AND stream_revision <= ? ORDER BY stream_revision DESC LIMIT ?`),
      byPosition: db.prepare(`SELECT * FROM events WHERE global_position = ?`),
      findKey: db.prepare(`SELECT * FROM idempotency_keys WHERE key = ?`),
      insertKey: db.prepare(
        `INSERT INTO idempotency_keys (key, stream_id, request_hash, stream_revision, global_position, positions) VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      loadSnapshot: db.prepare(`SELECT * FROM snapshots WHERE stream_id = ?`),
      saveSnapshot: db.prepare(
        `INSERT INTO snapshots (stream_id, revision, state_version, state) VALUES (?, ?, ?, ?)
         ON CONFLICT(stream_id) DO UPDATE SET revision = excluded.revision, state_version = excluded.state_version, state = excluded.state
         WHERE excluded.revision >= snapshots.revision`,
      ),
    };
  }

  /** The underlying handle, for tests that tamper with rows and for raw baselines in benchmarks. */
  get database(): Database.Database {
    return this.db;
  }

  append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('event store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ streamId, events, options, resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** One durable transaction for every append queued since the last flush. */
  private flush(): void {
    this.flushScheduled = false;
    if ((this.queue.length === 0 && this.snapshotQueue.length === 0) || !this.db.open) return;
    const batch = this.queue;
    const snapshots = this.snapshotQueue;
    this.queue = [];
    this.snapshotQueue = [];
    const outcomes: Array<{ ok: true; result: AppendResult } | { ok: false; error: unknown }> = [];
    const one = this.db.transaction((p: Pending, tail: ChainTail) => this.appendNow(p, tail));
    try {
      this.db.transaction(() => {
        // Single writer: the log's chain head is read once per batch and carried through it.
        const last = this.stmt.lastLink.get() as { global_position: number; global_hash: string | null } | undefined;
        const tail: ChainTail = { position: last?.global_position ?? 0, globalHash: last?.global_hash ?? GENESIS_HASH };
        for (const p of batch) {
          try {
            outcomes.push({ ok: true, result: one(p, tail) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
        // Snapshots ride along: one fsync for the batch instead of one per save.
        for (const { snapshot: s, state } of snapshots) this.stmt.saveSnapshot.run(s.streamId, s.revision, s.stateVersion, state);
      })();
    } catch (error) {
      for (const p of batch) p.reject(error);
      for (const p of snapshots) p.reject(error);
      return;
    }
    for (const p of snapshots) p.resolve();
    let appended = false;
    batch.forEach((p, i) => {
      const o = outcomes[i];
      if (o.ok) {
        appended ||= o.result.events.length > 0;
        p.resolve(o.result);
      } else p.reject(o.error);
    });
    if (appended) this.signal.notify();
  }

  /** `tail` is the log's chain head; it moves only when the append succeeds (a failed one rolls back to its savepoint). */
  private appendNow({ streamId, events, options }: Pending, tail: ChainTail): AppendResult {
    if (options.idempotency) {
      const earlier = this.remembered(options.idempotency.key);
      if (earlier) {
        if (earlier.requestHash !== options.idempotency.requestHash) throw new IdempotencyKeyReusedError(options.idempotency.key);
        return earlier;
      }
    }
    const current = (this.stmt.revision.get(streamId) as number | undefined) ?? -1;
    checkExpectedRevision(streamId, options.expectedRevision, current);
    const recordedAt = this.now().toISOString();
    const metadata = JSON.stringify(options.metadata);
    const recorded: RecordedEvent[] = [];
    let revision = current;
    let position = tail.position;
    let prevGlobal = tail.globalHash;
    let prevStream = current >= 0 ? ((this.stmt.streamHashAt.get(streamId, current) as string | null) ?? GENESIS_HASH) : GENESIS_HASH;
    for (const e of events) {
      revision += 1;
      position += 1;
      const event: RecordedEvent = {
        eventId: e.eventId ?? randomUUID(),
        type: e.type,
        schemaVersion: e.schemaVersion,
        streamId,
        streamRevision: revision,
        globalPosition: position,
        recordedAt,
        data: e.data,
        metadata: options.metadata,
      };
      const link = chainLink(event, prevStream, prevGlobal);
      this.stmt.insert.run(position, event.eventId, streamId, revision, e.type, e.schemaVersion, recordedAt, JSON.stringify(e.data), metadata, link.streamHash, link.globalHash);
      prevStream = link.streamHash;
      prevGlobal = link.globalHash;
      recorded.push(event);
    }
    if (recorded.length) this.stmt.upsertStream.run(streamId, revision);
    const globalPosition = recorded.length ? recorded[recorded.length - 1].globalPosition : tail.position;
    if (options.idempotency) {
      this.stmt.insertKey.run(
        options.idempotency.key,
        streamId,
        options.idempotency.requestHash,
        revision,
        globalPosition,
        JSON.stringify(recorded.map((e) => e.globalPosition)),
      );
    }
    tail.position = position;
    tail.globalHash = prevGlobal;
    return { streamId, streamRevision: revision, globalPosition, events: recorded, replayed: false };
  }

  private remembered(key: string): (AppendResult & { requestHash: string }) | undefined {
    const row = this.stmt.findKey.get(key) as
      | { stream_id: string; request_hash: string; stream_revision: number; global_position: number; positions: string }
      | undefined;
    if (!row) return undefined;
    const positions = JSON.parse(row.positions) as number[];
    const events = positions.map((p) => toEvent(this.stmt.byPosition.get(p) as Row));
    return { streamId: row.stream_id, streamRevision: row.stream_revision, globalPosition: row.global_position, events, replayed: true, requestHash: row.request_hash };
  }

  async findIdempotent(key: string) {
    return this.remembered(key);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const max = options.maxCount ?? -1; // SQLite: LIMIT -1 means no limit
    const rows =
      options.direction === 'backwards'
        ? this.stmt.backwards.all(streamId, options.fromRevision ?? Number.MAX_SAFE_INTEGER, max)
        : this.stmt.forwards.all(streamId, options.fromRevision ?? 0, max);
    return (rows as Row[]).map(toEvent);
  }

  async streamRevision(streamId: string): Promise<number> {
    return (this.stmt.revision.get(streamId) as number | undefined) ?? -1;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return (this.stmt.readAll.all(options.after ?? 0, options.maxCount ?? -1) as Row[]).map(toEvent);
  }

  /** Raw rows for streaming readers that parse lazily (rebuilds, exports). */
  *iterateAll(after = 0, pageSize = 5000): Generator<RecordedEvent> {
    let position = after;
    for (;;) {
      const rows = this.stmt.readAll.all(position, pageSize) as Row[];
      if (rows.length === 0) return;
      for (const row of rows) yield toEvent(row);
      position = rows[rows.length - 1].global_position;
    }
  }

  async headPosition(): Promise<number> {
    return this.stmt.head.get() as number;
  }

  async readChain(options: { after: number; maxCount: number }): Promise<ChainLink[]> {
    return (this.stmt.readAll.all(options.after, options.maxCount) as Row[]).map((r) => ({ event: toEvent(r), streamHash: r.stream_hash, globalHash: r.global_hash }));
  }

  async storedStreamHash(streamId: string, streamRevision: number): Promise<string | null> {
    return (this.stmt.streamHashAt.get(streamId, streamRevision) as string | null | undefined) ?? null;
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    return catchUpSubscription(
      { readAll: (o) => this.readAll(o), waitForAppend: (ms, s) => this.signal.wait(ms, s) },
      options,
      handler,
      this.pollIntervalMs,
    );
  }

  async load<S>(streamId: string, stateVersion: string): Promise<Snapshot<S> | undefined> {
    const row = this.stmt.loadSnapshot.get(streamId) as { revision: number; state_version: string; state: string } | undefined;
    if (!row || row.state_version !== stateVersion) return undefined;
    return { streamId, revision: row.revision, stateVersion, state: JSON.parse(row.state) as S };
  }

  save<S>(snapshot: Snapshot<S>): Promise<void> {
    if (this.closed) return Promise.reject(new Error('event store is closed'));
    let state: string;
    try {
      state = JSON.stringify(snapshot.state);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.snapshotQueue.push({ snapshot, state, resolve, reject });
      this.scheduleFlush();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.queue.length || this.snapshotQueue.length) this.flush();
    this.signal.notify();
    await this.checkpointer?.stop();
    this.db.close();
  }
}
