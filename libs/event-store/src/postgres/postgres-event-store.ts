import { randomUUID } from 'node:crypto';
import { Client, Pool, type PoolClient } from 'pg';
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

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tp_events (
  global_position BIGINT PRIMARY KEY,
  event_id        UUID   NOT NULL UNIQUE,
  stream_id       TEXT   NOT NULL,
  stream_revision BIGINT NOT NULL,
  type            TEXT   NOT NULL,
  schema_version  INT    NOT NULL,
  recorded_at     TEXT   NOT NULL,
  data            JSON   NOT NULL,
  metadata        JSON   NOT NULL,
  stream_hash     TEXT,
  global_hash     TEXT,
  UNIQUE (stream_id, stream_revision)
);
ALTER TABLE tp_events ADD COLUMN IF NOT EXISTS stream_hash TEXT;
ALTER TABLE tp_events ADD COLUMN IF NOT EXISTS global_hash TEXT;
CREATE TABLE IF NOT EXISTS tp_streams (stream_id TEXT PRIMARY KEY, revision BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS tp_idempotency_keys (
  key TEXT PRIMARY KEY, stream_id TEXT NOT NULL, request_hash TEXT NOT NULL,
  stream_revision BIGINT NOT NULL, global_position BIGINT NOT NULL, positions JSON NOT NULL
);
CREATE TABLE IF NOT EXISTS tp_snapshots (stream_id TEXT PRIMARY KEY, revision BIGINT NOT NULL, state_version TEXT NOT NULL, state JSON NOT NULL);
`;

/** One constant advisory lock serialises position assignment and commit across every process. */
const APPEND_LOCK = 7_412_001;
const CHANNEL = 'tp_events_appended';

type Row = {
  global_position: string;
  event_id: string;
  stream_id: string;
  stream_revision: string;
  type: string;
  schema_version: number;
  recorded_at: string;
  data: Record<string, unknown>;
  metadata: RecordedEvent['metadata'];
  stream_hash: string | null;
  global_hash: string | null;
};

const toEvent = (r: Row): RecordedEvent => ({
  eventId: r.event_id,
  type: r.type,
  schemaVersion: r.schema_version,
  streamId: r.stream_id,
  streamRevision: Number(r.stream_revision),
  globalPosition: Number(r.global_position),
  recordedAt: r.recorded_at,
  data: r.data,
  metadata: r.metadata,
});

type Pending = { streamId: string; events: NewEvent[]; options: AppendOptions; resolve: (r: AppendResult) => void; reject: (e: unknown) => void };

export interface PostgresEventStoreOptions {
  connectionString: string;
  now?: () => Date;
  poolSize?: number;
  /** fallback poll while idle, in case a notification is missed */
  pollIntervalMs?: number;
}

/**
 * PostgreSQL adapter. Global order without gaps: every append transaction
 * takes one advisory lock before it picks positions and holds it until
 * commit, so positions become visible strictly in order and a reader of
 * "after N" can never skip an event committed late (the Marten/Axon trap).
 * Appends queued together share one transaction (group commit), each in a
 * savepoint so a conflict fails only its own append.
 */
export class PostgresEventStore implements EventStore, SnapshotStore, ChainedEventStore {
  private readonly pool: Pool;
  private readonly now: () => Date;
  private readonly signal = new AppendSignal();
  private readonly pollIntervalMs: number;
  private listener?: Client;
  private queue: Pending[] = [];
  private flushing = false;
  private closed = false;

  private constructor(private readonly options: PostgresEventStoreOptions) {
    this.pool = new Pool({ connectionString: options.connectionString, max: options.poolSize ?? 8 });
    this.pool.on('error', () => undefined); // idle-client errors surface on the next query instead
    this.now = options.now ?? (() => new Date());
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
  }

  static async connect(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    const store = new PostgresEventStore(options);
    // Concurrent CREATE TABLE IF NOT EXISTS races in the catalogue: serialise schema setup.
    const setup = await store.pool.connect();
    try {
      await setup.query('SELECT pg_advisory_lock($1)', [APPEND_LOCK + 1]);
      await setup.query(SCHEMA);
    } finally {
      await setup.query('SELECT pg_advisory_unlock($1)', [APPEND_LOCK + 1]).catch(() => undefined);
      setup.release();
    }
    // Appends from other processes wake this process's subscribers.
    const listener = new Client({ connectionString: options.connectionString });
    await listener.connect();
    listener.on('notification', () => store.signal.notify());
    listener.on('error', () => undefined);
    await listener.query(`LISTEN ${CHANNEL}`);
    store.listener = listener;
    return store;
  }

  /** For tests that tamper with rows and for raw baselines. */
  get connectionPool(): Pool {
    return this.pool;
  }

  append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('event store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ streamId, events, options, resolve, reject });
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, 200);
        await this.writeBatch(batch);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    let client: PoolClient | undefined;
    const outcomes: Array<{ ok: true; result: AppendResult } | { ok: false; error: unknown }> = [];
    try {
      client = await this.pool.connect();
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK]);
      // Under the lock the last row is the head of the global chain.
      const head = await client.query<{ global_position: string; global_hash: string | null }>('SELECT global_position, global_hash FROM tp_events ORDER BY global_position DESC LIMIT 1');
      let next = Number(head.rows[0]?.global_position ?? 0) + 1;
      let prevGlobal = head.rows[0]?.global_hash ?? GENESIS_HASH;
      for (const p of batch) {
        await client.query('SAVEPOINT append');
        try {
          const { result, globalHead } = await this.appendIn(client, p, next, prevGlobal);
          next += result.replayed ? 0 : result.events.length;
          prevGlobal = globalHead;
          await client.query('RELEASE SAVEPOINT append');
          outcomes.push({ ok: true, result });
        } catch (error) {
          await client.query('ROLLBACK TO SAVEPOINT append');
          outcomes.push({ ok: false, error });
        }
      }
      if (outcomes.some((o) => o.ok && o.result.events.length && !o.result.replayed)) await client.query(`NOTIFY ${CHANNEL}`);
      await client.query('COMMIT');
    } catch (error) {
      await client?.query('ROLLBACK').catch(() => undefined);
      client?.release(error as Error);
      for (const p of batch) p.reject(error);
      return;
    }
    client.release();
    batch.forEach((p, i) => {
      const o = outcomes[i];
      if (o.ok) p.resolve(o.result);
      else p.reject(o.error);
    });
    this.signal.notify();
  }

  private async appendIn(
    client: PoolClient,
    { streamId, events, options }: Pending,
    firstPosition: number,
    prevGlobalHash: string,
  ): Promise<{ result: AppendResult; globalHead: string }> {
    if (options.idempotency) {
      const earlier = await this.remembered(client, options.idempotency.key);
      if (earlier) {
        if (earlier.requestHash !== options.idempotency.requestHash) throw new IdempotencyKeyReusedError(options.idempotency.key);
        return { result: earlier, globalHead: prevGlobalHash };
      }
    }
    const found = await client.query<{ revision: string }>('SELECT revision FROM tp_streams WHERE stream_id = $1', [streamId]);
    const current = found.rowCount ? Number(found.rows[0].revision) : -1;
    checkExpectedRevision(streamId, options.expectedRevision, current);
    const recordedAt = this.now().toISOString();
    const recorded: RecordedEvent[] = events.map((e, i) => ({
      eventId: e.eventId ?? randomUUID(),
      type: e.type,
      schemaVersion: e.schemaVersion,
      streamId,
      streamRevision: current + 1 + i,
      globalPosition: firstPosition + i,
      recordedAt,
      data: e.data,
      metadata: options.metadata,
    }));
    let prevGlobal = prevGlobalHash;
    if (recorded.length) {
      let prevStream = GENESIS_HASH;
      if (current >= 0) {
        const last = await client.query<{ stream_hash: string | null }>('SELECT stream_hash FROM tp_events WHERE stream_id = $1 AND stream_revision = $2', [streamId, current]);
        prevStream = last.rows[0]?.stream_hash ?? GENESIS_HASH;
      }
      const values: unknown[] = [];
      const rows = recorded.map((e, i) => {
        const link = chainLink(e, prevStream, prevGlobal);
        prevStream = link.streamHash;
        prevGlobal = link.globalHash;
        values.push(e.globalPosition, e.eventId, streamId, e.streamRevision, e.type, e.schemaVersion, recordedAt, JSON.stringify(e.data), JSON.stringify(e.metadata), link.streamHash, link.globalHash);
        const b = i * 11;
        return `(${Array.from({ length: 11 }, (_, k) => `$${b + k + 1}`).join(', ')})`;
      });
      await client.query(
        `INSERT INTO tp_events (global_position, event_id, stream_id, stream_revision, type, schema_version, recorded_at, data, metadata, stream_hash, global_hash) VALUES ${rows.join(', ')}`,
        values,
      );
      await client.query(
        'INSERT INTO tp_streams (stream_id, revision) VALUES ($1, $2) ON CONFLICT (stream_id) DO UPDATE SET revision = EXCLUDED.revision',
        [streamId, current + recorded.length],
      );
    }
    const revision = current + recorded.length;
    const globalPosition = recorded.length ? recorded[recorded.length - 1].globalPosition : firstPosition - 1;
    if (options.idempotency) {
      await client.query(
        'INSERT INTO tp_idempotency_keys (key, stream_id, request_hash, stream_revision, global_position, positions) VALUES ($1, $2, $3, $4, $5, $6)',
        [options.idempotency.key, streamId, options.idempotency.requestHash, revision, globalPosition, JSON.stringify(recorded.map((e) => e.globalPosition))],
      );
    }
    return { result: { streamId, streamRevision: revision, globalPosition, events: recorded, replayed: false }, globalHead: prevGlobal };
  }

  private async remembered(client: Pool | PoolClient, key: string): Promise<(AppendResult & { requestHash: string }) | undefined> {
    const found = await client.query<{ stream_id: string; request_hash: string; stream_revision: string; global_position: string; positions: number[] }>(
      'SELECT * FROM tp_idempotency_keys WHERE key = $1',
      [key],
    );
    if (!found.rowCount) return undefined;
    const row = found.rows[0];
    const events = row.positions.length
      ? (await client.query<Row>('SELECT * FROM tp_events WHERE global_position = ANY($1::bigint[]) ORDER BY global_position', [row.positions])).rows.map(toEvent)
      : [];
    return { streamId: row.stream_id, streamRevision: Number(row.stream_revision), globalPosition: Number(row.global_position), events, replayed: true, requestHash: row.request_hash };
  }

  findIdempotent(key: string) {
    return this.remembered(this.pool, key);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const limit = options.maxCount ?? null;
    const result =
      options.direction === 'backwards'
        ? await this.pool.query<Row>('SELECT * FROM tp_events WHERE stream_id = $1 AND stream_revision <= $2 ORDER BY stream_revision DESC LIMIT $3', [
            streamId,
            options.fromRevision ?? Number.MAX_SAFE_INTEGER,
            limit,
          ])
        : await this.pool.query<Row>('SELECT * FROM tp_events WHERE stream_id = $1 AND stream_revision >= $2 ORDER BY stream_revision LIMIT $3', [streamId, options.fromRevision ?? 0, limit]);
    return result.rows.map(toEvent);
  }

  async streamRevision(streamId: string): Promise<number> {
    const found = await this.pool.query<{ revision: string }>('SELECT revision FROM tp_streams WHERE stream_id = $1', [streamId]);
    return found.rowCount ? Number(found.rows[0].revision) : -1;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const result = await this.pool.query<Row>('SELECT * FROM tp_events WHERE global_position > $1 ORDER BY global_position LIMIT $2', [options.after ?? 0, options.maxCount ?? null]);
    return result.rows.map(toEvent);
  }

  async readChain(options: { after: number; maxCount: number }): Promise<ChainLink[]> {
    const result = await this.pool.query<Row>('SELECT * FROM tp_events WHERE global_position > $1 ORDER BY global_position LIMIT $2', [options.after, options.maxCount]);
    return result.rows.map((r) => ({ event: toEvent(r), streamHash: r.stream_hash, globalHash: r.global_hash }));
  }

  async storedStreamHash(streamId: string, streamRevision: number): Promise<string | null> {
    const result = await this.pool.query<{ stream_hash: string | null }>('SELECT stream_hash FROM tp_events WHERE stream_id = $1 AND stream_revision = $2', [streamId, streamRevision]);
    return result.rows[0]?.stream_hash ?? null;
  }

  async headPosition(): Promise<number> {
    const result = await this.pool.query<{ head: string }>('SELECT COALESCE(MAX(global_position), 0) AS head FROM tp_events');
    return Number(result.rows[0].head);
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    return catchUpSubscription({ readAll: (o) => this.readAll(o), waitForAppend: (ms, s) => this.signal.wait(ms, s) }, options, handler, this.pollIntervalMs);
  }

  async load<S>(streamId: string, stateVersion: string): Promise<Snapshot<S> | undefined> {
    const found = await this.pool.query<{ revision: string; state_version: string; state: S }>('SELECT * FROM tp_snapshots WHERE stream_id = $1', [streamId]);
    if (!found.rowCount || found.rows[0].state_version !== stateVersion) return undefined;
    return { streamId, revision: Number(found.rows[0].revision), stateVersion, state: found.rows[0].state };
  }

  async save<S>(snapshot: Snapshot<S>): Promise<void> {
    await this.pool.query(
      `INSERT INTO tp_snapshots (stream_id, revision, state_version, state) VALUES ($1, $2, $3, $4)
       ON CONFLICT (stream_id) DO UPDATE SET revision = EXCLUDED.revision, state_version = EXCLUDED.state_version, state = EXCLUDED.state
       WHERE EXCLUDED.revision >= tp_snapshots.revision`,
      [snapshot.streamId, snapshot.revision, snapshot.stateVersion, JSON.stringify(snapshot.state)],
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing || this.queue.length) await new Promise((r) => setTimeout(r, 5));
    this.signal.notify();
    await this.listener?.end().catch(() => undefined);
    await this.pool.end();
  }
}
