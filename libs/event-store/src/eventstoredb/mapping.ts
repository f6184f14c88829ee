import { createHash } from 'node:crypto';
import { IdempotencyKeyReusedError, WrongExpectedRevisionError } from '../errors';
import type { EventMetadata, ExpectedRevision } from '../port';

/**
 * Pure mapping between our port and EventStoreDB/KurrentDB, kept apart from
 * the client so it is unit-tested without a server.
 *
 * Global positions: EventStoreDB's $all position is a pair (commit, prepare) of
 * byte offsets in its transaction log, sparse and 0-based. Every event has a
 * distinct prepare position, commit >= prepare, and — since the gRPC API has no
 * explicit transactions — ordering by prepare equals $all order. So our
 * global position is `prepare + 1` (1-based, strictly increasing, not dense).
 * Reading "after N" starts $all at {commit: N-1, prepare: N-1}: every event with
 * prepare > N-1 has commit >= prepare > N-1, so none is before that start, and
 * the few at or before N that the start may include are dropped by
 * `isAfter`.
 */
export interface EsdbPosition {
  commit: bigint;
  prepare: bigint;
}

export function toGlobalPosition(position: EsdbPosition | undefined): number {
  // Older servers omit positions on stream reads; 0 means "not known here".
  if (!position) return 0;
  return Number(position.prepare) + 1;
}

/** Where to start a forwards $all read that must include every event after `after`. */
export function readStartFor(after: number): 'start' | EsdbPosition {
  if (after <= 0) return 'start';
  const p = BigInt(after - 1);
  return { commit: p, prepare: p };
}

export function isAfter(position: EsdbPosition, after: number): boolean {
  return toGlobalPosition(position) > after;
}

export type EsdbExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

export function toEsdbExpectedRevision(expected: ExpectedRevision): EsdbExpectedRevision {
  if (typeof expected === 'number') {
    if (!Number.isSafeInteger(expected) || expected < -1) throw new RangeError(`expected revision ${expected} is not a revision`);
    return expected === -1 ? 'no_stream' : BigInt(expected);
  }
  return expected;
}

/** EventStoreDB's "current revision" (no_stream or a bigint) as our 0-based revision, -1 when absent. */
export function fromEsdbRevision(current: 'no_stream' | bigint | string | undefined): number {
  return typeof current === 'bigint' ? Number(current) : -1;
}

/** Maps the client's WrongExpectedVersionError (duck-typed on its `type`) to ours; anything else passes through. */
export function mapAppendError(error: unknown, streamId: string, expected: ExpectedRevision): unknown {
  if (error && typeof error === 'object' && (error as { type?: unknown }).type === 'wrong-expected-version') {
    return new WrongExpectedRevisionError(streamId, expected, fromEsdbRevision((error as { actualVersion?: 'no_stream' | bigint }).actualVersion));
  }
  return error;
}

export const isStreamNotFound = (error: unknown): boolean =>
  !!error && typeof error === 'object' && (error as { type?: unknown }).type === 'stream-not-found';

/** What we keep in an EventStoreDB event's metadata besides our own metadata. */
export interface StoredMetadata {
  schemaVersion: number;
  recordedAt: string;
  metadata: EventMetadata;
  /** EventStoreDB's own conventions, so its UI and projections can follow causation */
  $correlationId: string;
  $causationId: string;
}

export const storedMetadata = (schemaVersion: number, recordedAt: string, metadata: EventMetadata): StoredMetadata => ({
  schemaVersion,
  recordedAt,
  metadata,
  $correlationId: metadata.correlationId,
  $causationId: metadata.causationId,
});

// Our bookkeeping streams: `$`-free so they are ordinary user streams, with prefixes
// that the global log hides from readers of the port.
export const IDEMPOTENCY_PREFIX = 'touchpoint-idempotency-';
export const SNAPSHOT_PREFIX = 'touchpoint-snapshot-';

export const idempotencyStream = (key: string) => `${IDEMPOTENCY_PREFIX}${createHash('sha256').update(key).digest('hex')}`;
export const snapshotStream = (streamId: string) => `${SNAPSHOT_PREFIX}${streamId}`;

/** Whether an $all event belongs to the port's global log: not a system stream or event ($…, links, metadata), not our bookkeeping. */
export const isDomainEvent = (streamId: string, type: string): boolean =>
  !streamId.startsWith('$') && !type.startsWith('$') && !streamId.startsWith(IDEMPOTENCY_PREFIX) && !streamId.startsWith(SNAPSHOT_PREFIX);

/** Events of an idempotency stream; the last one says the state of the key. */
export type IdempotencyRecord =
  | { type: 'IdempotencyKeyClaimed'; data: { requestHash: string; claimedAt: string } }
  | { type: 'IdempotentAppendCompleted'; data: { requestHash: string; streamId: string; streamRevision: number; globalPosition: number; firstRevision: number; count: number } }
  | { type: 'IdempotencyKeyReleased'; data: { requestHash: string } };

export type IdempotencyDecision =
  | { action: 'claim' }
  | { action: 'replay'; completed: Extract<IdempotencyRecord, { type: 'IdempotentAppendCompleted' }>['data'] }
  | { action: 'wait' };

/**
 * What an appender does with a key, given the key stream's last record: claim a
 * free key, replay a completed one, wait while another writer holds a fresh
 * claim; a claim older than `staleAfterMs` is taken to be from a crashed writer.
 */
export function decideIdempotency(key: string, requestHash: string, last: IdempotencyRecord | undefined, now: Date, staleAfterMs: number): IdempotencyDecision {
  if (!last || last.type === 'IdempotencyKeyReleased') return { action: 'claim' };
  if (last.data.requestHash !== requestHash) throw new IdempotencyKeyReusedError(key);
  if (last.type === 'IdempotentAppendCompleted') return { action: 'replay', completed: last.data };
  return now.getTime() - Date.parse(last.data.claimedAt) > staleAfterMs ? { action: 'claim' } : { action: 'wait' };
}
