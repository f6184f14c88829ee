import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { GENESIS_HASH, chainLink } from '../chain';
import { IdempotencyKeyReusedError, WrongExpectedRevisionError, checkExpectedRevision } from '../errors';
import type { AppendOptions, AppendResult, NewEvent, RecordedEvent } from '../port';

/**
 * The write side of SqliteEventStore: one group commit (many appends, each in its own savepoint, plus
 * snapshots) on a given connection. Imports nothing but relative modules and node built-ins, so the same
 * code runs on the store's connection and on a writer thread's (sqlite-commit-thread.ts).
 */

export type Row = {
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

export const toEvent = (r: Row): RecordedEvent => ({
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

export interface AppendRequest {
  streamId: string;
  events: NewEvent[];
  options: AppendOptions;
}

/** A snapshot with its state already serialised. */
export interface SnapshotRow {
  streamId: string;
  revision: number;
  stateVersion: string;
  state: string;
}

export interface CommitBatch {
  appends: AppendRequest[];
  snapshots: SnapshotRow[];
  /** one record time for the whole group: it commits at once */
  recordedAt: string;
}

/** Per append, in order: its result, or why it alone failed (the others still commit). */
export type AppendOutcome = { ok: true; result: AppendResult } | { ok: false; error: unknown };

/** Position and global hash of the last event written so far in the current transaction. */
type ChainTail = { position: number; globalHash: string };

export class SqliteCommitter {
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      insert: db.prepare(
        `INSERT INTO events (global_position, event_id, stream_id, stream_revision, type, schema_version, recorded_at, data, metadata, stream_hash, global_hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      lastLink: db.prepare(`SELECT global_position, global_hash FROM events ORDER BY global_position DESC LIMIT 1`),
      streamHashAt: db.prepare(`SELECT stream_hash FROM events WHERE stream_id = ? AND stream_revision = ?`).pluck(),
      revision: db.prepare(`SELECT revision FROM streams WHERE stream_id = ?`).pluck(),
      upsertStream: db.prepare(`INSERT INTO streams (stream_id, revision) VALUES (?, ?) ON CONFLICT(stream_id) DO UPDATE SET revision = excluded.revision`),
      byPosition: db.prepare(`SELECT * FROM events WHERE global_position = ?`),
      findKey: db.prepare(`SELECT * FROM idempotency_keys WHERE key = ?`),
      insertKey: db.prepare(
        `INSERT INTO idempotency_keys (key, stream_id, request_hash, stream_revision, global_position, positions) VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      saveSnapshot: db.prepare(
        `INSERT INTO snapshots (stream_id, revision, state_version, state) VALUES (?, ?, ?, ?)
         ON CONFLICT(stream_id) DO UPDATE SET revision = excluded.revision, state_version = excluded.state_version, state = excluded.state
         WHERE excluded.revision >= snapshots.revision`,
      ),
    };
  }

  /** One durable transaction; throws only when the transaction as a whole fails (then nothing was written). */
  commit(batch: CommitBatch): AppendOutcome[] {
    const outcomes: AppendOutcome[] = [];
    const one = this.db.transaction((request: AppendRequest, tail: ChainTail) => this.appendNow(request, tail, batch.recordedAt));
    this.db.transaction(() => {
      // Single writer: the log's chain head is read once per batch and carried through it.
      const last = this.stmt.lastLink.get() as { global_position: number; global_hash: string | null } | undefined;
      const tail: ChainTail = { position: last?.global_position ?? 0, globalHash: last?.global_hash ?? GENESIS_HASH };
      for (const request of batch.appends) {
        try {
          outcomes.push({ ok: true, result: one(request, tail) });
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
      // Snapshots ride along: one fsync for the batch instead of one per save.
      for (const s of batch.snapshots) this.stmt.saveSnapshot.run(s.streamId, s.revision, s.stateVersion, s.state);
    })();
    return outcomes;
  }

  /** The remembered result of an idempotent append, if its key was used. */
  remembered(key: string): (AppendResult & { requestHash: string }) | undefined {
    const row = this.stmt.findKey.get(key) as
      | { stream_id: string; request_hash: string; stream_revision: number; global_position: number; positions: string }
      | undefined;
    if (!row) return undefined;
    const positions = JSON.parse(row.positions) as number[];
    const events = positions.map((p) => toEvent(this.stmt.byPosition.get(p) as Row));
    return { streamId: row.stream_id, streamRevision: row.stream_revision, globalPosition: row.global_position, events, replayed: true, requestHash: row.request_hash };
  }

  /** `tail` is the log's chain head; it moves only when the append succeeds (a failed one rolls back to its savepoint). */
  private appendNow({ streamId, events, options }: AppendRequest, tail: ChainTail, recordedAt: string): AppendResult {
    if (options.idempotency) {
      const earlier = this.remembered(options.idempotency.key);
      if (earlier) {
        if (earlier.requestHash !== options.idempotency.requestHash) throw new IdempotencyKeyReusedError(options.idempotency.key);
        const { requestHash: _hash, ...result } = earlier;
        return result;
      }
    }
    const current = (this.stmt.revision.get(streamId) as number | undefined) ?? -1;
    checkExpectedRevision(streamId, options.expectedRevision, current);
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
      this.stmt.insertKey.run(options.idempotency.key, streamId, options.idempotency.requestHash, revision, globalPosition, JSON.stringify(recorded.map((e) => e.globalPosition)));
    }
    tail.position = position;
    tail.globalHash = prevGlobal;
    return { streamId, streamRevision: revision, globalPosition, events: recorded, replayed: false };
  }
}

/** An error as it crosses a thread: plain data that names its class and fields. */
export type WireError = { name: string; message: string; code?: string; streamId?: string; expected?: unknown; actual?: number; key?: string };

export function toWire(error: unknown): WireError {
  if (error instanceof WrongExpectedRevisionError) return { name: error.name, message: error.message, streamId: error.streamId, expected: error.expected, actual: error.actual };
  if (error instanceof IdempotencyKeyReusedError) return { name: error.name, message: error.message, key: error.key };
  const e = error as { name?: string; message?: string; code?: string };
  return { name: String(e?.name ?? 'Error'), message: String(e?.message ?? error), ...(e?.code !== undefined && { code: String(e.code) }) };
}

/** The same error classes the in-thread commit throws, so callers cannot tell the two apart. */
export function fromWire(wire: WireError): Error {
  if (wire.name === 'WrongExpectedRevisionError') return new WrongExpectedRevisionError(wire.streamId!, wire.expected as AppendOptions['expectedRevision'], wire.actual!);
  if (wire.name === 'IdempotencyKeyReusedError') return new IdempotencyKeyReusedError(wire.key!);
  return Object.assign(new Error(wire.message), { name: wire.name, ...(wire.code !== undefined && { code: wire.code }) });
}
