/**
 * What the webhook dispatcher remembers between runs, per subscription: how far it has read the log (`cursor`), the
 * events read but not yet acknowledged (pending, with their retry schedule), the dead letters, and a delivery log.
 * The dispatcher writes; the API reads (subscription status, deliveries, dead letters). Every change that decides
 * what is sent next is one transaction, so a crash at any point re-sends at worst the attempt in flight.
 */
export interface PendingDelivery {
  subscriptionId: string;
  position: number;
  eventId: string;
  /** the customer (or stream) whose events go out one at a time, in order */
  orderingKey: string;
  recordedAt: string;
  attempts: number;
  /** epoch ms */
  nextAttemptAt: number;
  /** epoch ms of the first failed attempt: the retry horizon runs from it */
  firstFailedAt: number | null;
  lastError: string | null;
}

export interface DeadLetter {
  subscriptionId: string;
  position: number;
  eventId: string;
  orderingKey: string;
  recordedAt: string;
  attempts: number;
  lastError: string;
  deadAt: string;
}

export type DeliveryOutcome = 'delivered' | 'failed' | 'dead-lettered';

export interface DeliveryAttempt {
  subscriptionId: string;
  position: number;
  eventId: string;
  attempt: number;
  outcome: DeliveryOutcome;
  /** HTTP status, null when no response came */
  status: number | null;
  latencyMs: number;
  error: string | null;
  at: string;
}

export interface SubscriptionProgress {
  subscriptionId: string;
  /** the last global position read into pending (or skipped by the filter) */
  cursor: number;
  delivered: number;
  failed: number;
  deadLettered: number;
  /** dead letters since the last successful delivery */
  consecutiveDeadLetters: number;
  lastDeliveredAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  pending: number;
  oldestPendingRecordedAt: string | null;
  deadLetters: number;
}

/** What an attempt decided for its pending delivery. */
export type AttemptResult = { kind: 'delivered' } | { kind: 'retry'; nextAttemptAt: number; firstFailedAt: number; error: string } | { kind: 'dead'; error: string };

export type NewPending = Pick<PendingDelivery, 'position' | 'eventId' | 'orderingKey' | 'recordedAt' | 'nextAttemptAt'>;

export interface WebhookStateStore {
  /** The last revision of the subscriptions stream whose effects were applied; -1 before any. */
  controlRevision(): Promise<number>;
  saveControlRevision(revision: number): Promise<void>;
  /** Starts a subscription's progress at `cursor` unless it has one. */
  start(subscriptionId: string, cursor: number): Promise<void>;
  progress(subscriptionId: string): Promise<SubscriptionProgress | undefined>;
  /** Adds deliveries (a position already pending is kept as it is) and moves the cursor, in one transaction. */
  enqueue(subscriptionId: string, deliveries: readonly NewPending[], cursor: number): Promise<void>;
  /** Moves the cursor back to `cursor` if it is further on (redelivery from a position). */
  rewind(subscriptionId: string, cursor: number): Promise<void>;
  /** Every pending delivery, by subscription and position. */
  pending(): Promise<PendingDelivery[]>;
  /** Logs an attempt and applies its result to the pending delivery (kept, rescheduled, or moved to the dead letters). */
  record(delivery: PendingDelivery, attempt: DeliveryAttempt, result: AttemptResult): Promise<void>;
  /** Moves the subscription's dead letters back to pending, due now, and returns them. */
  requeueDeadLetters(subscriptionId: string, nowMs: number): Promise<PendingDelivery[]>;
  /** Makes every pending delivery due now with a fresh retry horizon (after a resume). */
  retryNow(subscriptionId: string, nowMs: number): Promise<void>;
  deadLetters(subscriptionId: string, limit: number): Promise<DeadLetter[]>;
  /** Newest first. */
  deliveries(subscriptionId: string, limit: number): Promise<DeliveryAttempt[]>;
  /** Forgets everything about a deleted subscription. */
  remove(subscriptionId: string): Promise<void>;
  /**
   * Takes or renews the one dispatcher lease for `owner` until `nowMs + ttlMs`; true when `owner` holds it. Another
   * owner's lease is taken over only once it has expired (its process died or stalled).
   */
  lease(owner: string, nowMs: number, ttlMs: number): Promise<boolean>;
  /** Gives the lease up, if `owner` holds it, so a standby takes over at once. */
  releaseLease(owner: string): Promise<void>;
  close(): Promise<void>;
}

/** Attempts kept in the delivery log per subscription. */
export const DELIVERY_LOG_KEEP = 1000;
