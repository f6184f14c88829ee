import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppendSignal, catchUpSubscription } from '../catch-up';
import type { ChainLink, ChainedEventStore } from '../chain';
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
  StoredEventText,
  SubscribeOptions,
  Subscription,
  TextLogReader,
} from '../port';
import { SqliteCommitter, toEvent, type AppendOutcome, type AppendRequest, type CommitBatch, type Row } from './sqlite-commit';
import { SqliteCommitThread } from './sqlite-commit-thread';
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

type Pending = AppendRequest & { resolve: (r: AppendResult) => void; reject: (e: unknown) => void };

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
  /** commit on a writer thread with its own connection, off the event loop (the app's stores do; see SqliteCommitThread) */
  writerThread?: boolean;
}

/**
 * The zero-setup default: one SQLite file in WAL mode, durable commits.
 * Appends that arrive together are written in one transaction (group commit),
 * each inside its own savepoint so one conflict fails only its own append.
 * SQLite has a single writer, so position order is commit order: a reader
 * of the global log can never skip a late commit.
 */
export class SqliteEventStore implements EventStore, SnapshotStore, ChainedEventStore, TextLogReader {
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
  private readonly committer: SqliteCommitter;
  /** started by the first commit, so processes that only read (projector, relay, CLI) run no thread */
  private readonly startWriter?: () => SqliteCommitThread;
  private writer?: SqliteCommitThread;
  /** the group commit on the writer thread, while it runs: appends that arrive meanwhile form the next group */
  private committing?: Promise<void>;

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
    // Reads stay on this connection; commits go through the committer, here or on the writer thread.
    this.stmt = {
      streamHashAt: db.prepare(`SELECT stream_hash FROM events WHERE stream_id = ? AND stream_revision = ?`).pluck(),
      revision: db.prepare(`SELECT revision FROM streams WHERE stream_id = ?`).pluck(),
      head: db.prepare(`SELECT COALESCE(MAX(global_position), 0) FROM events`).pluck(),
      readAll: db.prepare(`SELECT * FROM events WHERE global_position > ? ORDER BY global_position LIMIT ?`),
      // Rows as arrays, without the hash columns: a third cheaper than objects of every column (the feed's read).
      readAllText: db.prepare(`SELECT event_id, type, schema_version, stream_id, stream_revision, global_position, recorded_at, data, metadata FROM events WHERE global_position > ? ORDER BY global_position LIMIT ?`).raw(true),
      forwards: db.prepare(`SELECT * FROM events WHERE stream_id = ? AND stream_revision >= ? ORDER BY stream_revision LIMIT ?`),
      backwards: db.prepare(`SELECT * FROM events WHERE stream_id = ? AND stream_revision <= ? ORDER BY stream_revision DESC LIMIT ?`),
      loadSnapshot: db.prepare(`SELECT * FROM snapshots WHERE stream_id = ?`),
    };
    this.committer = new SqliteCommitter(db);
    if (options.writerThread && options.filename !== ':memory:') {
      // The thread's connection keeps SQLite's automatic checkpoint: off the event loop it costs no request,
      // and it is the safety net should the background checkpointer stop (its own fallback is this connection's).
      const pragmas = [`synchronous = ${options.synchronous ?? 'FULL'}`, 'busy_timeout = 5000'];
      this.startWriter = () => new SqliteCommitThread(options.filename, pragmas);
    }
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

  /**
   * One durable transaction for every append queued since the last flush. On the writer thread one group
   * commits at a time: appends that arrive while it is on disk wait and form the next group, as they did
   * when the commit blocked the event loop, so a slow fsync makes groups larger rather than queues longer.
   */
  private flush(): void {
    this.flushScheduled = false;
    if (this.committing) return; // the commit in flight flushes the queue when it ends
    if ((this.queue.length === 0 && this.snapshotQueue.length === 0) || !this.db.open) return;
    const appends = this.queue;
    const snapshots = this.snapshotQueue;
    this.queue = [];
    this.snapshotQueue = [];
    const batch: CommitBatch = {
      appends: appends.map(({ streamId, events, options }) => ({ streamId, events, options })),
      snapshots: snapshots.map(({ snapshot: s, state }) => ({ streamId: s.streamId, revision: s.revision, stateVersion: s.stateVersion, state })),
      recordedAt: this.now().toISOString(),
    };
    const failed = (error: unknown) => {
      for (const p of appends) p.reject(error);
      for (const p of snapshots) p.reject(error);
    };
    if (this.startWriter) {
      let commit: Promise<AppendOutcome[]>;
      try {
        this.writer ??= this.startWriter();
        commit = this.writer.commit(batch);
      } catch (error) {
        return failed(error);
      }
      this.committing = commit
        .then((outcomes) => this.settle(appends, snapshots, outcomes), failed)
        .finally(() => {
          this.committing = undefined;
          this.flush();
        });
      return;
    }
    let outcomes: AppendOutcome[];
    try {
      outcomes = this.committer.commit(batch);
    } catch (error) {
      return failed(error);
    }
    this.settle(appends, snapshots, outcomes);
  }

  private settle(appends: Pending[], snapshots: Array<{ resolve: () => void }>, outcomes: AppendOutcome[]): void {
    for (const p of snapshots) p.resolve();
    let appended = false;
    appends.forEach((p, i) => {
      const o = outcomes[i];
      if (o.ok) {
        appended ||= o.result.events.length > 0;
        p.resolve(o.result);
      } else p.reject(o.error);
    });
    if (appended) this.signal.notify();
  }

  async findIdempotent(key: string) {
    return this.committer.remembered(key);
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

  async readAllText(options: ReadAllOptions = {}): Promise<StoredEventText[]> {
    const rows = this.stmt.readAllText.all(options.after ?? 0, options.maxCount ?? -1) as Array<[string, string, number, string, number, number, string, string, string]>;
    return rows.map(([eventId, type, schemaVersion, streamId, streamRevision, globalPosition, recordedAt, data, metadata]) => ({ eventId, type, schemaVersion, streamId, streamRevision, globalPosition, recordedAt, data, metadata }));
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

  writeFailure(): Error | undefined {
    return this.writer?.failure;
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
    this.flush();
    // Each commit that ends flushes what queued meanwhile; appends are refused from now on, so this ends.
    while (this.committing) await this.committing;
    await this.writer?.close();
    this.signal.notify();
    await this.checkpointer?.stop();
    this.db.close();
  }
}
