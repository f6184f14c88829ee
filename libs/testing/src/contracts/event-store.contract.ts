import { IdempotencyKeyReusedError, isTextLogReader, WrongExpectedRevisionError, type EventStore, type NewEvent, type RecordedEvent } from '@touchpoint/event-store';
import { randomUUID } from 'node:crypto';

export interface EventStoreUnderTest {
  store: EventStore;
  /** the clock the store was built with, when the adapter takes one */
  fixedRecordedAt?: string;
  teardown?: () => Promise<void>;
}

const meta = (extra: Record<string, unknown> = {}) => ({ actor: 'user:alice', correlationId: 'corr-1', causationId: 'cmd-1', ...extra });
const ev = (n: number, type = 'TouchpointRecorded'): NewEvent => ({ type, schemaVersion: 1, data: { n, nested: { list: [n, 'x'] } } });

async function eventually(check: () => void, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/**
 * The one contract every event store adapter passes. Each test uses fresh
 * stream ids and compares positions relative to the head, so it also runs
 * against a shared server that already holds events.
 */
export function eventStoreContract(name: string, create: () => Promise<EventStoreUnderTest>, options: { textLog?: boolean } = {}): void {
  describe(`EventStore contract: ${name}`, () => {
    let sut: EventStoreUnderTest;
    let store: EventStore;
    const stream = () => `test-${randomUUID()}`;

    beforeEach(async () => {
      sut = await create();
      store = sut.store;
    });
    afterEach(async () => {
      await store.close();
      await sut.teardown?.();
    });

    // The optional capability (TextLogReader), for the adapters that declare it: the same events, data and metadata as JSON text.
    if (options.textLog) {
      it('reads the log as stored text exactly as readAll reads it', async () => {
        expect(isTextLogReader(store)).toBe(true);
        const head = await store.headPosition();
        await store.append(stream(), [ev(1), { type: 'CustomerRegistered', schemaVersion: 2, data: { name: 'Ада "Lovelace" \\ 👋', tags: ['a'], nil: null } }], { expectedRevision: 'no_stream', metadata: meta({ idempotencyKey: 'k-text' }) });
        if (!isTextLogReader(store)) return;
        const text = await store.readAllText({ after: head, maxCount: 10 });
        const objects = await store.readAll({ after: head, maxCount: 10 });
        expect(text).toHaveLength(2);
        expect(text.map((e) => ({ ...e, data: JSON.parse(e.data) as unknown, metadata: JSON.parse(e.metadata) as unknown }))).toEqual(objects);
      });
    }

    it('appends to a new stream with revisions from 0 and increasing global positions', async () => {
      const s = stream();
      const head = await store.headPosition();
      const result = await store.append(s, [ev(1), ev(2), ev(3)], { expectedRevision: 'no_stream', metadata: meta() });
      expect(result.streamRevision).toBe(2);
      expect(result.replayed).toBe(false);
      expect(result.events.map((e) => e.streamRevision)).toEqual([0, 1, 2]);
      const positions = result.events.map((e) => e.globalPosition);
      expect(positions[0]).toBeGreaterThan(head);
      expect(positions[1]).toBeGreaterThan(positions[0]);
      expect(positions[2]).toBeGreaterThan(positions[1]);
      expect(result.globalPosition).toBe(positions[2]);
      expect(await store.streamRevision(s)).toBe(2);
      expect(await store.headPosition()).toBeGreaterThanOrEqual(positions[2]);
    });

    it('stores every field and metadata exactly as given', async () => {
      const s = stream();
      const eventId = randomUUID();
      await store.append(s, [{ eventId, type: 'CustomerRegistered', schemaVersion: 3, data: { name: 'Ада Лавлейс', amount: 12345, tags: ['a'], nil: null } }], {
        expectedRevision: 'any',
        metadata: meta({ idempotencyKey: 'k-meta' }),
      });
      const [read] = await store.readStream(s);
      expect(read).toMatchObject({
        eventId,
        type: 'CustomerRegistered',
        schemaVersion: 3,
        streamId: s,
        streamRevision: 0,
        data: { name: 'Ада Лавлейс', amount: 12345, tags: ['a'], nil: null },
        metadata: { actor: 'user:alice', correlationId: 'corr-1', causationId: 'cmd-1', idempotencyKey: 'k-meta' },
      });
      expect(Number.isNaN(Date.parse(read.recordedAt))).toBe(false);
      if (sut.fixedRecordedAt) expect(read.recordedAt).toBe(sut.fixedRecordedAt);
      expect(read.eventId).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('generates a distinct UUID for events given without an id', async () => {
      const s = stream();
      const r = await store.append(s, [ev(1), ev(2)], { expectedRevision: 'any', metadata: meta() });
      expect(new Set(r.events.map((e) => e.eventId)).size).toBe(2);
      r.events.forEach((e) => expect(e.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/));
    });

    it('enforces expected revisions: exact, no_stream, stream_exists and any', async () => {
      const s = stream();
      await expect(store.append(s, [ev(1)], { expectedRevision: 'stream_exists', metadata: meta() })).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await expect(store.append(s, [ev(1)], { expectedRevision: 0, metadata: meta() })).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await store.append(s, [ev(1)], { expectedRevision: 'no_stream', metadata: meta() });
      await expect(store.append(s, [ev(2)], { expectedRevision: 'no_stream', metadata: meta() })).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      const stale = store.append(s, [ev(2)], { expectedRevision: 5, metadata: meta() });
      await expect(stale).rejects.toMatchObject({ streamId: s, expected: 5, actual: 0 });
      await store.append(s, [ev(2)], { expectedRevision: 0, metadata: meta() });
      await store.append(s, [ev(3)], { expectedRevision: 'stream_exists', metadata: meta() });
      await store.append(s, [ev(4)], { expectedRevision: 'any', metadata: meta() });
      expect((await store.readStream(s)).map((e) => e.data.n)).toEqual([1, 2, 3, 4]);
    });

    it('changes nothing when an append is rejected', async () => {
      const s = stream();
      await store.append(s, [ev(1)], { expectedRevision: 'no_stream', metadata: meta() });
      const head = await store.headPosition();
      await expect(store.append(s, [ev(2), ev(3)], { expectedRevision: 7, metadata: meta() })).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      expect(await store.headPosition()).toBe(head);
      expect(await store.streamRevision(s)).toBe(0);
    });

    it('lets exactly one of many concurrent appenders win the same expected revision', async () => {
      const s = stream();
      await store.append(s, [ev(0)], { expectedRevision: 'no_stream', metadata: meta() });
      const attempts = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.append(s, [ev(i + 1)], { expectedRevision: 0, metadata: meta() })));
      expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
      attempts.filter((a) => a.status === 'rejected').forEach((a) => expect((a as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError));
      expect(await store.streamRevision(s)).toBe(1);
    });

    it('reads a stream forwards and backwards from a revision with a count', async () => {
      const s = stream();
      await store.append(s, Array.from({ length: 10 }, (_, i) => ev(i)), { expectedRevision: 'no_stream', metadata: meta() });
      const n = (events: RecordedEvent[]) => events.map((e) => e.data.n);
      expect(n(await store.readStream(s))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(n(await store.readStream(s, { fromRevision: 7 }))).toEqual([7, 8, 9]);
      expect(n(await store.readStream(s, { fromRevision: 2, maxCount: 3 }))).toEqual([2, 3, 4]);
      expect(n(await store.readStream(s, { direction: 'backwards', maxCount: 3 }))).toEqual([9, 8, 7]);
      expect(n(await store.readStream(s, { direction: 'backwards', fromRevision: 4, maxCount: 2 }))).toEqual([4, 3]);
      expect(await store.readStream(stream())).toEqual([]);
      expect(await store.streamRevision(stream())).toBe(-1);
    });

    it('reads the global log after a position, in order, across streams', async () => {
      const head = await store.headPosition();
      const a = stream();
      const b = stream();
      await store.append(a, [ev(1)], { expectedRevision: 'any', metadata: meta() });
      await store.append(b, [ev(2), ev(3)], { expectedRevision: 'any', metadata: meta() });
      await store.append(a, [ev(4)], { expectedRevision: 'any', metadata: meta() });
      const mine = (await store.readAll({ after: head })).filter((e) => e.streamId === a || e.streamId === b);
      expect(mine.map((e) => e.data.n)).toEqual([1, 2, 3, 4]);
      const positions = mine.map((e) => e.globalPosition);
      expect([...positions].sort((x, y) => x - y)).toEqual(positions);
      const page = await store.readAll({ after: head, maxCount: 2 });
      expect(page).toHaveLength(2);
      const next = await store.readAll({ after: page[1].globalPosition, maxCount: 1 });
      expect(next[0].globalPosition).toBeGreaterThan(page[1].globalPosition);
    });

    it('returns the first result for a repeated idempotency key and appends nothing', async () => {
      const s = stream();
      const key = `key-${randomUUID()}`;
      const first = await store.append(s, [ev(1), ev(2)], { expectedRevision: 'no_stream', metadata: meta({ idempotencyKey: key }), idempotency: { key, requestHash: 'h1' } });
      const head = await store.headPosition();
      const again = await store.append(s, [ev(1), ev(2)], { expectedRevision: 'no_stream', metadata: meta({ idempotencyKey: key }), idempotency: { key, requestHash: 'h1' } });
      expect(again.replayed).toBe(true);
      expect(again.streamRevision).toBe(first.streamRevision);
      expect(again.globalPosition).toBe(first.globalPosition);
      expect(again.events.map((e) => e.eventId)).toEqual(first.events.map((e) => e.eventId));
      expect(await store.headPosition()).toBe(head);
      expect(await store.findIdempotent(key)).toMatchObject({ streamId: s, requestHash: 'h1', replayed: true });
      expect(await store.findIdempotent(`missing-${randomUUID()}`)).toBeUndefined();
    });

    it('refuses an idempotency key reused for a different request', async () => {
      const s = stream();
      const key = `key-${randomUUID()}`;
      await store.append(s, [ev(1)], { expectedRevision: 'any', metadata: meta(), idempotency: { key, requestHash: 'h1' } });
      await expect(store.append(s, [ev(9)], { expectedRevision: 'any', metadata: meta(), idempotency: { key, requestHash: 'h2' } })).rejects.toBeInstanceOf(
        IdempotencyKeyReusedError,
      );
      expect(await store.streamRevision(s)).toBe(0);
    });

    it('remembers an idempotent append that produced no events', async () => {
      const s = stream();
      await store.append(s, [ev(1)], { expectedRevision: 'any', metadata: meta() });
      const key = `key-${randomUUID()}`;
      const empty = await store.append(s, [], { expectedRevision: 0, metadata: meta(), idempotency: { key, requestHash: 'h' } });
      expect(empty.events).toEqual([]);
      expect(empty.streamRevision).toBe(0);
      const again = await store.append(s, [], { expectedRevision: 0, metadata: meta(), idempotency: { key, requestHash: 'h' } });
      expect(again).toMatchObject({ replayed: true, streamRevision: 0, events: [] });
    });

    it('delivers history then live events to a catch-up subscription, in order and without gaps', async () => {
      const head = await store.headPosition();
      const s = stream();
      await store.append(s, [ev(1), ev(2), ev(3)], { expectedRevision: 'no_stream', metadata: meta() });
      const seen: RecordedEvent[] = [];
      const sub = store.subscribeToAll({ after: head, batchSize: 2 }, (batch) => {
        seen.push(...batch);
      });
      await eventually(() => expect(seen.filter((e) => e.streamId === s)).toHaveLength(3));
      await store.append(s, [ev(4)], { expectedRevision: 2, metadata: meta() });
      await store.append(s, [ev(5), ev(6)], { expectedRevision: 3, metadata: meta() });
      await eventually(() => expect(seen.filter((e) => e.streamId === s)).toHaveLength(6));
      await sub.stop();
      expect(seen.filter((e) => e.streamId === s).map((e) => e.data.n)).toEqual([1, 2, 3, 4, 5, 6]);
      const positions = seen.map((e) => e.globalPosition);
      expect(new Set(positions).size).toBe(positions.length);
      expect([...positions].sort((x, y) => x - y)).toEqual(positions);
    });

    it('ends a subscription with an error when its handler fails', async () => {
      const s = stream();
      const head = await store.headPosition();
      await store.append(s, [ev(1)], { expectedRevision: 'no_stream', metadata: meta() });
      const sub = store.subscribeToAll({ after: head }, () => {
        throw new Error('handler broke');
      });
      await expect(sub.done).rejects.toThrow('handler broke');
      await sub.stop();
    });
  });
}
