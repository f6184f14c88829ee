import {
  EVENT_SCHEMA_VERSIONS,
  evolveWebhook,
  UPCASTERS,
  Upcasters,
  WEBHOOK_SUBSCRIPTIONS_STREAM,
  webhookDecider,
  type WebhookCommand,
  type WebhookEvent,
  type WebhookSubscriptionsState,
  type WebhookSubscriptionState,
} from '@touchpoint/domain';
import type { EventStore, RecordedEvent } from '@touchpoint/event-store';
import { randomUUID } from 'node:crypto';
import type { Clock } from '@touchpoint/platform';
import { publishedEvent } from '../envelope';
import { matches, orderingKey, type FeedFilter } from '../filter';
import type { WebhookSender } from './sender';
import type { WebhookSecrets } from './signing';
import { signatureHeaders } from './signing';
import type { AttemptResult, NewPending, PendingDelivery, WebhookStateStore } from './state-store';

export interface DispatcherSettings {
  /** events read but not yet acknowledged, per subscription: reading the log pauses beyond it (bounds memory) */
  maxPending: number;
  /** events read from the log per step */
  scanBatch: number;
  /** deliveries in flight per subscription (each to a different customer) */
  concurrency: number;
  /** how long a failing delivery is retried, from its first failure, before it goes to the dead letters */
  horizonMs: number;
  /** first retry delay; doubles per attempt, with jitter, up to maxDelayMs */
  baseDelayMs: number;
  maxDelayMs: number;
  /** dead letters in a row (no success between) that disable a subscription; 0: never */
  disableAfter: number;
  /** how long the previous secret still signs after a rotation */
  secretGraceMs: number;
  /** the one-dispatcher lease: renewed every step, taken over by a standby this long after its holder stopped renewing */
  leaseTtlMs: number;
}

export const DEFAULT_DISPATCHER_SETTINGS: DispatcherSettings = {
  maxPending: 5000,
  scanBatch: 500,
  concurrency: 8,
  horizonMs: 24 * 3_600_000,
  baseDelayMs: 2_000,
  maxDelayMs: 3_600_000,
  disableAfter: 10,
  secretGraceMs: 24 * 3_600_000,
  leaseTtlMs: 30_000,
};

export interface DispatcherOptions {
  /** the decrypting event store: webhooks carry personal fields in the clear, erased ones as erased */
  store: EventStore;
  state: WebhookStateStore;
  secrets: WebhookSecrets;
  sender: WebhookSender;
  /** records a subscription command (the dispatcher's own: disabling) on the subscriptions stream */
  record: (command: WebhookCommand) => Promise<void>;
  clock: Clock;
  settings?: Partial<DispatcherSettings>;
  /** jitter source in [0, 1) */
  random?: () => number;
  /** who this dispatcher is, for the lease (default: a random id per instance) */
  instanceId?: string;
  upcasters?: Upcasters;
  log?: (fields: Record<string, unknown>) => void;
}

/** How long a body read with the log is sent as read; older ones (retries) are read again, with erasures applied. */
const BODY_FRESH_MS = 60_000;

const filterOf = (sub: WebhookSubscriptionState): FeedFilter => ({
  ...(sub.filter.types && { types: new Set(sub.filter.types) }),
  ...(sub.filter.categories && { categories: new Set(sub.filter.categories) }),
  ...(sub.filter.customerId && { customerId: sub.filter.customerId }),
});

/**
 * Sends the log's events to webhook subscribers, from a durable per-subscription cursor.
 *
 * At-least-once and in order per customer: a customer's next event waits until the receiver acknowledged (2xx) the
 * previous one or it was dead-lettered, while other customers' events keep flowing (up to `concurrency` at once).
 * Failures (timeouts, connection errors, 5xx, 408, 429) are retried with exponential backoff and jitter, honouring
 * Retry-After, until `horizonMs` after the first failure; other answers (4xx, redirects, a refused address) and
 * exhausted retries go to the dead letters. `disableAfter` dead letters in a row disable the subscription (an event,
 * with the reason); resuming it continues where it stopped.
 *
 * One dispatcher sends at a time: it holds a lease in the state store, renewed every step; others stand by and take
 * over when it stops (released) or stops renewing (expired).
 */
export class WebhookDispatcher {
  private readonly settings: DispatcherSettings;
  private readonly random: () => number;
  private readonly upcasters: Upcasters;
  private readonly log: (fields: Record<string, unknown>) => void;
  private subscriptions: WebhookSubscriptionsState = webhookDecider.initialState();
  /** the subscriptions stream's revision folded so far */
  private revision = -1;
  /** the revision whose effects are durable (loaded once) */
  private appliedRevision = -1;
  private readonly cursors = new Map<string, number>();
  /** subscription → ordering key → its pending deliveries in position order */
  private readonly queues = new Map<string, Map<string, PendingDelivery[]>>();
  private readonly inFlight = new Map<string, Set<string>>();
  /** disabled here, until the fold sees the event */
  private readonly halted = new Set<string>();
  /** position → the JSON body sent, shared by the subscriptions that have it pending */
  private readonly bodies = new Map<number, { body: string; refs: number; readAt: number }>();
  private readonly running = new Set<Promise<void>>();
  private readonly filling = new Map<string, Promise<void>>();
  private readonly derivedSecrets = new Map<string, string>();
  /** subscriptions whose last read found the log's end: refilled on the next step, not after each delivery */
  private readonly atHead = new Set<string>();
  private started = false;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private _lastTickAt: Date | undefined;
  private _lastError: unknown;
  private readonly instanceId: string;
  /** holds the lease: only then does it read, send and record */
  private active = false;

  constructor(private readonly options: DispatcherOptions) {
    this.settings = { ...DEFAULT_DISPATCHER_SETTINGS, ...options.settings };
    this.random = options.random ?? Math.random;
    this.upcasters = options.upcasters ?? new Upcasters(UPCASTERS, EVENT_SCHEMA_VERSIONS);
    this.log = options.log ?? (() => undefined);
    this.instanceId = options.instanceId ?? randomUUID();
  }

  /** True while this instance holds the lease and sends; a standby waits for it. */
  get holdsLease(): boolean {
    return this.active;
  }

  get lastTickAt(): Date | undefined {
    return this._lastTickAt;
  }
  get lastError(): unknown {
    return this._lastError;
  }

  /** The subscriptions as the dispatcher knows them. */
  get known(): WebhookSubscriptionState[] {
    return Object.values(this.subscriptions.subscriptions);
  }

  /** Loads the durable state: the revision applied, the cursors and the pending deliveries. */
  async init(): Promise<void> {
    if (this.started) return;
    this.appliedRevision = await this.options.state.controlRevision();
    for (const d of await this.options.state.pending()) this.queue(d.subscriptionId, d);
    this.started = true;
  }

  /** One step: renew the lease, follow the subscriptions stream, read new events into pending, start the due deliveries. */
  async tick(): Promise<void> {
    const held = await this.options.state.lease(this.instanceId, this.nowMs(), this.settings.leaseTtlMs);
    if (held !== this.active) {
      this.log({ msg: held ? 'dispatcher active (lease taken)' : 'dispatcher on standby (another holds the lease)', instanceId: this.instanceId });
      // Another instance may have sent and recorded meanwhile: start again from the store.
      if (held) this.forget();
      this.active = held;
    }
    this._lastTickAt = this.options.clock.now();
    if (!held) return;
    await this.init();
    await this.followSubscriptions();
    this.atHead.clear();
    for (const sub of this.known) if (this.isActive(sub)) await this.fill(sub);
    this.dispatch();
  }

  /** Drops what this instance knew, so that init() reads the state store again. */
  private forget(): void {
    this.started = false;
    this.revision = -1;
    this.subscriptions = webhookDecider.initialState();
    this.cursors.clear();
    this.queues.clear();
    this.bodies.clear();
    this.atHead.clear();
    this.halted.clear();
  }

  /** Resolves when every delivery started so far has finished. */
  async drain(): Promise<void> {
    while (this.running.size) await Promise.all(this.running);
  }

  /** Ticks every `pollMs` until stop(). */
  start(pollMs: number): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = (async () => {
      while (!this.stopping) {
        try {
          await this.tick();
          this._lastError = undefined;
        } catch (error) {
          this._lastError = error;
          this.log({ level: 'error', msg: 'dispatcher step failed; retrying', error: error instanceof Error ? error.message : String(error) });
        }
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    })();
  }

  /** Finishes the deliveries in flight (their results are recorded), gives the lease up, then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    this.loop = undefined;
    await this.drain();
    if (this.active) await this.options.state.releaseLease(this.instanceId).catch(() => undefined);
    this.active = false;
  }

  /** Pending deliveries in this process, per subscription. */
  pendingCount(subscriptionId: string): number {
    let n = 0;
    for (const list of this.queues.get(subscriptionId)?.values() ?? []) n += list.length;
    return n;
  }

  private isActive(sub: WebhookSubscriptionState): boolean {
    return sub.status === 'active' && !this.halted.has(sub.subscriptionId);
  }

  private nowMs(): number {
    return this.options.clock.now().getTime();
  }

  private async followSubscriptions(): Promise<void> {
    const events = await this.options.store.readStream(WEBHOOK_SUBSCRIPTIONS_STREAM, { fromRevision: this.revision + 1 });
    for (const event of events) {
      this.subscriptions = evolveWebhook(this.subscriptions, { type: event.type, data: event.data } as WebhookEvent);
      this.revision = event.streamRevision;
      if (event.streamRevision > this.appliedRevision) await this.apply(event);
    }
    if (events.length > 0 && this.revision > this.appliedRevision) {
      await this.options.state.saveControlRevision(this.revision);
      this.appliedRevision = this.revision;
    }
  }

  /** What a subscription event changes in the delivery state; each step is idempotent, so a crash re-applies safely. */
  private async apply(event: RecordedEvent): Promise<void> {
    const e = { type: event.type, data: event.data } as WebhookEvent;
    const id = e.data.subscriptionId;
    const state = this.options.state;
    switch (e.type) {
      case 'WebhookSubscriptionCreated':
        await state.start(id, e.data.fromPosition === null ? event.globalPosition : e.data.fromPosition - 1);
        return;
      case 'WebhookSubscriptionResumed': {
        const now = this.nowMs();
        await state.retryNow(id, now);
        this.halted.delete(id);
        for (const list of this.queues.get(id)?.values() ?? []) for (const d of list) Object.assign(d, { nextAttemptAt: now, firstFailedAt: null });
        return;
      }
      case 'WebhookRedeliveryRequested': {
        if (e.data.fromPosition !== null) {
          await state.rewind(id, e.data.fromPosition - 1);
          this.cursors.delete(id);
        } else for (const d of await state.requeueDeadLetters(id, this.nowMs())) this.queue(id, d);
        this.log({ msg: 'redelivery requested', subscriptionId: id, fromPosition: e.data.fromPosition, deadLetters: e.data.deadLetters });
        return;
      }
      case 'WebhookSubscriptionDeleted':
        await state.remove(id);
        for (const list of this.queues.get(id)?.values() ?? []) for (const d of list) this.release(d.position);
        this.queues.delete(id);
        this.cursors.delete(id);
        return;
      default:
        return;
    }
  }

  private queue(subscriptionId: string, d: PendingDelivery): void {
    let byKey = this.queues.get(subscriptionId);
    if (!byKey) this.queues.set(subscriptionId, (byKey = new Map()));
    const list = byKey.get(d.orderingKey) ?? [];
    if (list.some((x) => x.position === d.position)) return;
    list.push(d);
    list.sort((a, b) => a.position - b.position);
    byKey.set(d.orderingKey, list);
  }

  /** Reads new events into pending; one read at a time per subscription (a second caller shares the first's). */
  private fill(sub: WebhookSubscriptionState): Promise<void> {
    const id = sub.subscriptionId;
    const current = this.filling.get(id);
    if (current) return current;
    const reading = this.readIntoPending(sub).finally(() => this.filling.delete(id));
    this.filling.set(id, reading);
    return reading;
  }

  private async readIntoPending(sub: WebhookSubscriptionState): Promise<void> {
    const id = sub.subscriptionId;
    let cursor = this.cursors.get(id);
    if (cursor === undefined) {
      const progress = await this.options.state.progress(id);
      if (!progress) return; // created before this dispatcher applied it: next step
      cursor = progress.cursor;
    }
    const filter = filterOf(sub);
    for (let pass = 0; pass < 10 && this.pendingCount(id) < this.settings.maxPending; pass++) {
      const room = this.settings.maxPending - this.pendingCount(id);
      const batch = await this.options.store.readAll({ after: cursor, maxCount: Math.min(this.settings.scanBatch, Math.max(room, 1)) });
      if (batch.length === 0) {
        this.atHead.add(id);
        break;
      }
      const rows: PendingDelivery[] = [];
      const now = this.nowMs();
      for (const event of batch) {
        if (!matches(event, filter)) continue;
        rows.push({ subscriptionId: id, position: event.globalPosition, eventId: event.eventId, orderingKey: orderingKey(event), recordedAt: event.recordedAt, attempts: 0, nextAttemptAt: now, firstFailedAt: null, lastError: null });
        this.remember(event);
      }
      cursor = batch[batch.length - 1].globalPosition;
      await this.options.state.enqueue(id, rows as NewPending[], cursor);
      this.cursors.set(id, cursor);
      for (const d of rows) this.queue(id, d);
    }
  }

  private remember(event: RecordedEvent): void {
    const cached = this.bodies.get(event.globalPosition);
    if (cached) cached.refs++;
    else this.bodies.set(event.globalPosition, { body: JSON.stringify(publishedEvent(event, this.upcasters)), refs: 1, readAt: this.nowMs() });
  }

  private release(position: number): void {
    const cached = this.bodies.get(position);
    if (cached && --cached.refs <= 0) this.bodies.delete(position);
  }

  /**
   * The body of a pending delivery: as read with the log when that was less than BODY_FRESH_MS ago, else read again
   * (after a restart, and for retries), so that a customer erased meanwhile goes out with the erased values.
   */
  private async bodyOf(position: number): Promise<string> {
    const cached = this.bodies.get(position);
    const now = this.nowMs();
    if (cached && now - cached.readAt < BODY_FRESH_MS) return cached.body;
    const [event] = await this.options.store.readAll({ after: position - 1, maxCount: 1 });
    if (!event || event.globalPosition !== position) throw new Error(`event at position ${position} is not in the log`);
    const body = JSON.stringify(publishedEvent(event, this.upcasters));
    if (cached) Object.assign(cached, { body, readAt: now });
    else this.bodies.set(position, { body, refs: 1, readAt: now });
    return body;
  }

  private dispatch(): void {
    for (const sub of this.known) this.dispatchSubscription(sub.subscriptionId);
  }

  /**
   * Starts the due deliveries of a subscription, up to its concurrency, one per customer. Called on every step and
   * again whenever a delivery ends, so a fast receiver is not held to the polling interval.
   */
  private dispatchSubscription(id: string): void {
    const sub = this.subscriptions.subscriptions[id];
    if (!sub || !this.isActive(sub) || this.stopping || !this.active) return;
    const byKey = this.queues.get(id);
    if (!byKey) return;
    let busy = this.inFlight.get(id);
    if (!busy) this.inFlight.set(id, (busy = new Set()));
    const now = this.nowMs();
    for (const [key, list] of byKey) {
      if (busy.size >= this.settings.concurrency) break;
      if (busy.has(key) || list.length === 0 || list[0].nextAttemptAt > now) continue;
      busy.add(key);
      const done: Promise<void> = this.attempt(sub, list[0])
        .catch((error) => {
          this._lastError = error;
          this.log({ level: 'error', msg: 'delivery could not be recorded; it will be sent again', subscriptionId: id, error: error instanceof Error ? error.message : String(error) });
        })
        .finally(() => {
          busy.delete(key);
          this.running.delete(done);
          this.afterAttempt(id);
        });
      this.running.add(done);
    }
  }

  /**
   * The next deliveries at once; and more events read as soon as a batch fits, without waiting for the next step (a
   * customer whose delivery is failing keeps its events pending: the others must not run dry behind it).
   */
  private afterAttempt(id: string): void {
    this.dispatchSubscription(id);
    const sub = this.subscriptions.subscriptions[id];
    if (!sub || !this.isActive(sub) || this.stopping || this.pendingCount(id) > this.settings.maxPending - this.settings.scanBatch || this.filling.has(id) || this.atHead.has(id)) return;
    const refill: Promise<void> = this.fill(sub)
      .then(() => this.dispatchSubscription(id))
      .catch((error) => {
        this._lastError = error;
      })
      .finally(() => this.running.delete(refill));
    this.running.add(refill);
  }

  private secretsFor(sub: WebhookSubscriptionState, now: number): string[] {
    const rotatedAt = sub.secretRotatedAt === null ? NaN : Date.parse(sub.secretRotatedAt);
    const current = this.secret(sub.subscriptionId, sub.secretVersion);
    return now - rotatedAt < this.settings.secretGraceMs ? [current, this.secret(sub.subscriptionId, sub.secretVersion - 1)] : [current];
  }

  /** Derived once per subscription and version. */
  private secret(subscriptionId: string, version: number): string {
    const key = `${subscriptionId}:${version}`;
    let secret = this.derivedSecrets.get(key);
    if (secret === undefined) this.derivedSecrets.set(key, (secret = this.options.secrets.secretFor(subscriptionId, version)));
    return secret;
  }

  private backoff(attempt: number, retryAfterMs: number | undefined): number {
    const exponential = Math.min(this.settings.maxDelayMs, this.settings.baseDelayMs * 2 ** Math.min(attempt - 1, 30));
    const jittered = exponential * (0.5 + this.random() * 0.5);
    return Math.max(jittered, retryAfterMs ?? 0);
  }

  private async attempt(sub: WebhookSubscriptionState, d: PendingDelivery): Promise<void> {
    const id = sub.subscriptionId;
    const body = await this.bodyOf(d.position);
    const sentAt = this.nowMs();
    const headers = signatureHeaders(this.secretsFor(sub, sentAt), d.eventId, Math.floor(sentAt / 1000), body);
    const result = await this.options.sender.send(sub.url, headers, body);
    const now = this.nowMs();
    const attemptNo = d.attempts + 1;
    const ok = result.status !== null && result.status >= 200 && result.status < 300 && !result.error;
    let outcome: AttemptResult;
    if (ok) outcome = { kind: 'delivered' };
    else {
      const error = result.error ?? `HTTP ${result.status}`;
      const firstFailedAt = d.firstFailedAt ?? now;
      const nextAttemptAt = now + this.backoff(attemptNo, result.retryAfterMs);
      if (result.permanent) outcome = { kind: 'dead', error };
      else if (nextAttemptAt - firstFailedAt > this.settings.horizonMs) outcome = { kind: 'dead', error: `${error} (retried for ${Math.round((now - firstFailedAt) / 60_000)} min, ${attemptNo} attempts)` };
      else outcome = { kind: 'retry', nextAttemptAt, firstFailedAt, error };
    }
    await this.options.state.record(
      d,
      {
        subscriptionId: id,
        position: d.position,
        eventId: d.eventId,
        attempt: attemptNo,
        outcome: outcome.kind === 'delivered' ? 'delivered' : outcome.kind === 'retry' ? 'failed' : 'dead-lettered',
        status: result.status,
        latencyMs: result.latencyMs,
        error: outcome.kind === 'delivered' ? null : outcome.error,
        at: new Date(now).toISOString(),
      },
      outcome,
    );
    if (outcome.kind === 'retry') {
      Object.assign(d, { attempts: attemptNo, nextAttemptAt: outcome.nextAttemptAt, firstFailedAt: outcome.firstFailedAt, lastError: outcome.error });
      return;
    }
    const list = this.queues.get(id)?.get(d.orderingKey);
    if (list) {
      const at = list.indexOf(d);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) this.queues.get(id)!.delete(d.orderingKey);
    }
    this.release(d.position);
    if (outcome.kind === 'dead') {
      this.log({ level: 'warn', msg: 'webhook dead-lettered', subscriptionId: id, position: d.position, error: outcome.error });
      await this.maybeDisable(sub, outcome.error);
    }
  }

  private async maybeDisable(sub: WebhookSubscriptionState, lastError: string): Promise<void> {
    const id = sub.subscriptionId;
    if (this.settings.disableAfter <= 0 || this.halted.has(id)) return;
    const progress = await this.options.state.progress(id);
    if (!progress || progress.consecutiveDeadLetters < this.settings.disableAfter) return;
    this.halted.add(id);
    const reason = `${progress.consecutiveDeadLetters} deliveries in a row went to the dead letters; the last: ${lastError}`;
    try {
      await this.options.record({ type: 'DisableWebhookSubscription', data: { subscriptionId: id, reason, occurredAt: this.options.clock.now().toISOString() } });
    } catch (error) {
      this.halted.delete(id); // the next dead letter tries again
      throw error;
    }
    this.log({ level: 'warn', msg: 'webhook subscription disabled', subscriptionId: id, reason });
  }
}
