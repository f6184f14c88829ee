import { WrongExpectedVersionError, StreamNotFoundError } from '@eventstore/db-client';
import { IdempotencyKeyReusedError, WrongExpectedRevisionError } from '../errors';
import {
  decideIdempotency,
  idempotencyStream,
  isAfter,
  isDomainEvent,
  isStreamNotFound,
  mapAppendError,
  readStartFor,
  snapshotStream,
  toEsdbExpectedRevision,
  toGlobalPosition,
  type IdempotencyRecord,
} from './mapping';

const pos = (commit: number, prepare: number) => ({ commit: BigInt(commit), prepare: BigInt(prepare) });

describe('EventStoreDB position mapping', () => {
  it('maps the prepare position to a 1-based global position', () => {
    expect(toGlobalPosition(pos(0, 0))).toBe(1);
    expect(toGlobalPosition(pos(4_512, 4_380))).toBe(4_381);
    expect(toGlobalPosition(undefined)).toBe(0);
  });

  it('starts a read after N at a position no later than any event after N, even when commit > prepare', () => {
    expect(readStartFor(0)).toBe('start');
    expect(readStartFor(4_381)).toEqual(pos(4_380, 4_380));
    // A three-event append: one commit position, three prepare positions.
    const write = [pos(900, 700), pos(900, 780), pos(900, 860)];
    const after = toGlobalPosition(write[1]);
    const start = readStartFor(after) as { commit: bigint; prepare: bigint };
    const notBefore = (p: { commit: bigint; prepare: bigint }) => p.commit > start.commit || (p.commit === start.commit && p.prepare >= start.prepare);
    expect(write.every(notBefore)).toBe(true);
    expect(write.filter((p) => isAfter(p, after))).toEqual([write[2]]);
  });

  it('keeps positions strictly increasing across appends in $all order', () => {
    const log = [pos(100, 100), pos(300, 180), pos(300, 240), pos(420, 420)];
    const globals = log.map(toGlobalPosition);
    expect([...globals].sort((a, b) => a - b)).toEqual(globals);
    expect(new Set(globals).size).toBe(globals.length);
  });
});

describe('EventStoreDB expected revision mapping', () => {
  it('maps each expectation to the client constant or a bigint revision', () => {
    expect(toEsdbExpectedRevision('any')).toBe('any');
    expect(toEsdbExpectedRevision('no_stream')).toBe('no_stream');
    expect(toEsdbExpectedRevision('stream_exists')).toBe('stream_exists');
    expect(toEsdbExpectedRevision(0)).toBe(BigInt(0));
    expect(toEsdbExpectedRevision(41)).toBe(BigInt(41));
    expect(toEsdbExpectedRevision(-1)).toBe('no_stream');
    expect(() => toEsdbExpectedRevision(1.5)).toThrow(RangeError);
    expect(() => toEsdbExpectedRevision(-2)).toThrow(RangeError);
  });
});

describe('EventStoreDB error mapping', () => {
  it("maps the client's WrongExpectedVersionError to ours with 0-based revisions", () => {
    const stale = new WrongExpectedVersionError(undefined, { streamName: 's-1', expected: BigInt(5), current: BigInt(0) });
    expect(mapAppendError(stale, 's-1', 5)).toEqual(new WrongExpectedRevisionError('s-1', 5, 0));
    const missing = new WrongExpectedVersionError(undefined, { streamName: 's-2', expected: 'stream_exists', current: 'no_stream' });
    expect(mapAppendError(missing, 's-2', 'stream_exists')).toMatchObject({ streamId: 's-2', expected: 'stream_exists', actual: -1 });
  });

  it('passes other errors through and recognises a missing stream', () => {
    const other = new Error('unavailable');
    expect(mapAppendError(other, 's', 'any')).toBe(other);
    expect(isStreamNotFound(new StreamNotFoundError(undefined, 's'))).toBe(true);
    expect(isStreamNotFound(other)).toBe(false);
  });
});

describe('EventStoreDB bookkeeping streams', () => {
  it('names key and snapshot streams without $ and hides them from the global log', () => {
    const key = idempotencyStream('POST /customers abc');
    expect(key).toMatch(/^touchpoint-idempotency-[0-9a-f]{64}$/);
    expect(idempotencyStream('POST /customers abc')).toBe(key);
    expect(snapshotStream('customer-1')).toBe('touchpoint-snapshot-customer-1');
    expect(isDomainEvent('customer-1', 'CustomerRegistered')).toBe(true);
    expect(isDomainEvent(key, 'IdempotencyKeyClaimed')).toBe(false);
    expect(isDomainEvent(snapshotStream('customer-1'), 'SnapshotTaken')).toBe(false);
    expect(isDomainEvent('$et-CustomerRegistered', '$>')).toBe(false);
    expect(isDomainEvent('customer-1', '$>')).toBe(false); // a link written into a user stream
  });
});

describe('EventStoreDB idempotency decisions', () => {
  const now = new Date('2026-03-01T12:00:00.000Z');
  const claimed = (requestHash: string, claimedAt: string): IdempotencyRecord => ({ type: 'IdempotencyKeyClaimed', data: { requestHash, claimedAt } });
  const completed: IdempotencyRecord = {
    type: 'IdempotentAppendCompleted',
    data: { requestHash: 'h1', streamId: 's', streamRevision: 1, globalPosition: 99, firstRevision: 0, count: 2 },
  };

  it('claims a free or released key', () => {
    expect(decideIdempotency('k', 'h1', undefined, now, 30_000)).toEqual({ action: 'claim' });
    expect(decideIdempotency('k', 'h2', { type: 'IdempotencyKeyReleased', data: { requestHash: 'h1' } }, now, 30_000)).toEqual({ action: 'claim' });
  });

  it('replays a completed key and refuses it for another request', () => {
    expect(decideIdempotency('k', 'h1', completed, now, 30_000)).toEqual({ action: 'replay', completed: completed.data });
    expect(() => decideIdempotency('k', 'h2', completed, now, 30_000)).toThrow(IdempotencyKeyReusedError);
  });

  it('waits for a fresh claim and takes over a stale one', () => {
    expect(decideIdempotency('k', 'h1', claimed('h1', '2026-03-01T11:59:50.000Z'), now, 30_000)).toEqual({ action: 'wait' });
    expect(decideIdempotency('k', 'h1', claimed('h1', '2026-03-01T11:59:00.000Z'), now, 30_000)).toEqual({ action: 'claim' });
    expect(() => decideIdempotency('k', 'h2', claimed('h1', '2026-03-01T11:59:50.000Z'), now, 30_000)).toThrow(IdempotencyKeyReusedError);
  });
});
