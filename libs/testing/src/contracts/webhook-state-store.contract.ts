import type { NewPending, PendingDelivery, WebhookStateStore } from '@touchpoint/relay/webhooks';

export interface WebhookStateStoreFixture {
  state: WebhookStateStore;
  /** opens the same store again (as a restarted dispatcher would) */
  reopen: () => Promise<WebhookStateStore>;
  teardown?: () => Promise<void>;
}

const AT = '2026-03-02T10:00:00.000Z';
const row = (position: number, key = 'customer:a'): NewPending => ({ position, eventId: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`, orderingKey: key, recordedAt: AT, nextAttemptAt: 1000 });
const attempt = (d: PendingDelivery, n: number, outcome: 'delivered' | 'failed' | 'dead-lettered', at = AT) => ({
  subscriptionId: d.subscriptionId,
  position: d.position,
  eventId: d.eventId,
  attempt: n,
  outcome,
  status: outcome === 'delivered' ? 204 : 503,
  latencyMs: 12,
  error: outcome === 'delivered' ? null : 'HTTP 503',
  at,
});

/** One suite for every adapter of the webhook dispatcher's state: what the dispatcher relies on after a restart. */
export function webhookStateStoreContract(name: string, open: () => Promise<WebhookStateStoreFixture>): void {
  describe(`webhook state store contract: ${name}`, () => {
    let f: WebhookStateStoreFixture;
    let reopened: WebhookStateStore[] = [];
    beforeEach(async () => {
      f = await open();
      reopened = [];
    });
    afterEach(async () => {
      await f.state.close();
      for (const s of reopened) await s.close();
      await f.teardown?.();
    });
    const again = async () => {
      const s = await f.reopen();
      reopened.push(s);
      return s;
    };

    it('remembers the control revision and each subscription cursor durably; start does not move an existing cursor', async () => {
      expect(await f.state.controlRevision()).toBe(-1);
      await f.state.saveControlRevision(4);
      await f.state.start('s1', 10);
      await f.state.start('s1', 99);
      const s = await again();
      expect(await s.controlRevision()).toBe(4);
      expect(await s.progress('s1')).toMatchObject({ cursor: 10, pending: 0, deadLetters: 0, delivered: 0 });
      expect(await s.progress('nope')).toBeUndefined();
    });

    it('enqueues with the cursor in one step, keeps an already pending position as it is, and lists pending by position', async () => {
      await f.state.start('s1', 0);
      await f.state.enqueue('s1', [row(3), row(1, 'customer:b')], 5);
      await f.state.enqueue('s1', [{ ...row(3), nextAttemptAt: 7 }], 6);
      const s = await again();
      const pending = await s.pending();
      expect(pending.map((d) => [d.position, d.orderingKey, d.nextAttemptAt, d.attempts])).toEqual([
        [1, 'customer:b', 1000, 0],
        [3, 'customer:a', 1000, 0],
      ]);
      expect(await s.progress('s1')).toMatchObject({ cursor: 6, pending: 2, oldestPendingRecordedAt: AT });
    });

    it('applies an attempt: a retry reschedules, a delivery removes and counts, a dead letter moves it with the error; the log lists newest first', async () => {
      await f.state.start('s1', 0);
      await f.state.enqueue('s1', [row(1), row(2), row(3)], 3);
      const [d1, d2, d3] = await f.state.pending();
      await f.state.record(d1, attempt(d1, 1, 'failed'), { kind: 'retry', nextAttemptAt: 5000, firstFailedAt: 1000, error: 'HTTP 503' });
      await f.state.record(d2, attempt(d2, 1, 'delivered'), { kind: 'delivered' });
      await f.state.record(d3, attempt(d3, 3, 'dead-lettered'), { kind: 'dead', error: 'HTTP 400' });
      const s = await again();
      expect(await s.pending()).toEqual([{ ...d1, attempts: 1, nextAttemptAt: 5000, firstFailedAt: 1000, lastError: 'HTTP 503' }]);
      expect(await s.deadLetters('s1', 10)).toEqual([{ subscriptionId: 's1', position: 3, eventId: d3.eventId, orderingKey: 'customer:a', recordedAt: AT, attempts: 3, lastError: 'HTTP 400', deadAt: AT }]);
      expect(await s.progress('s1')).toMatchObject({ delivered: 1, failed: 2, deadLettered: 1, consecutiveDeadLetters: 1, lastDeliveredAt: AT, lastError: 'HTTP 400', pending: 1, deadLetters: 1 });
      expect((await s.deliveries('s1', 10)).map((a) => [a.position, a.outcome, a.status, a.latencyMs])).toEqual([
        [3, 'dead-lettered', 503, 12],
        [2, 'delivered', 204, 12],
        [1, 'failed', 503, 12],
      ]);
    });

    it('a delivery ends a run of dead letters; requeueing moves the dead letters back, due now, once', async () => {
      await f.state.start('s1', 0);
      await f.state.enqueue('s1', [row(1), row(2), row(3)], 3);
      const [d1, d2, d3] = await f.state.pending();
      await f.state.record(d1, attempt(d1, 1, 'dead-lettered'), { kind: 'dead', error: 'x' });
      await f.state.record(d2, attempt(d2, 1, 'dead-lettered'), { kind: 'dead', error: 'x' });
      expect((await f.state.progress('s1'))!.consecutiveDeadLetters).toBe(2);
      await f.state.record(d3, attempt(d3, 1, 'delivered'), { kind: 'delivered' });
      expect((await f.state.progress('s1'))!.consecutiveDeadLetters).toBe(0);
      const requeued = await f.state.requeueDeadLetters('s1', 9000);
      expect(requeued.map((d) => [d.position, d.attempts, d.nextAttemptAt])).toEqual([
        [1, 0, 9000],
        [2, 0, 9000],
      ]);
      expect(await f.state.requeueDeadLetters('s1', 9000)).toEqual([]);
      expect((await f.state.pending()).map((d) => d.position)).toEqual([1, 2]);
      expect(await f.state.deadLetters('s1', 10)).toEqual([]);
    });

    it('one dispatcher lease: taken when free, renewed by its owner, taken over only after it expires, given up on release', async () => {
      expect(await f.state.lease('a', 1000, 500)).toBe(true);
      expect(await f.state.lease('b', 1200, 500)).toBe(false);
      expect(await f.state.lease('a', 1400, 500)).toBe(true); // renewed until 1900
      expect(await f.state.lease('b', 1800, 500)).toBe(false);
      expect(await f.state.lease('b', 1901, 500)).toBe(true); // a stalled past its lease
      expect(await f.state.lease('a', 1950, 500)).toBe(false);
      await f.state.releaseLease('a'); // not a's: nothing happens
      expect(await f.state.lease('a', 2000, 500)).toBe(false);
      await f.state.releaseLease('b');
      expect(await f.state.lease('a', 2001, 500)).toBe(true);
    });

    it('retryNow makes pending due with a fresh horizon; rewind only moves a cursor back; remove forgets a subscription', async () => {
      await f.state.start('s1', 0);
      await f.state.start('s2', 0);
      await f.state.enqueue('s1', [row(1)], 8);
      await f.state.enqueue('s2', [row(1)], 8);
      const [d] = await f.state.pending();
      await f.state.record(d, attempt(d, 1, 'failed'), { kind: 'retry', nextAttemptAt: 50_000, firstFailedAt: 1000, error: 'e' });
      await f.state.retryNow('s1', 2000);
      expect((await f.state.pending()).find((p) => p.subscriptionId === 's1')).toMatchObject({ nextAttemptAt: 2000, firstFailedAt: null, attempts: 1 });
      await f.state.rewind('s1', 3);
      await f.state.rewind('s1', 5);
      expect((await f.state.progress('s1'))!.cursor).toBe(3);
      await f.state.remove('s1');
      expect(await f.state.progress('s1')).toBeUndefined();
      expect(await f.state.deliveries('s1', 10)).toEqual([]);
      expect((await f.state.pending()).map((p) => p.subscriptionId)).toEqual(['s2']);
    });
  });
}
