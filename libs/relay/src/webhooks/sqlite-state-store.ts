import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DELIVERY_LOG_KEEP, type AttemptResult, type DeadLetter, type DeliveryAttempt, type NewPending, type PendingDelivery, type SubscriptionProgress, type WebhookStateStore } from './state-store';

type Row = Record<string, unknown>;

export const pendingOf = (r: Row): PendingDelivery => ({
  subscriptionId: r.subscription_id as string,
  position: Number(r.position),
  eventId: r.event_id as string,
  orderingKey: r.ordering_key as string,
  recordedAt: r.recorded_at as string,
  attempts: Number(r.attempts),
  nextAttemptAt: Number(r.next_attempt_at),
  firstFailedAt: r.first_failed_at === null ? null : Number(r.first_failed_at),
  lastError: (r.last_error as string | null) ?? null,
});

export const deadLetterOf = (r: Row): DeadLetter => ({
  subscriptionId: r.subscription_id as string,
  position: Number(r.position),
  eventId: r.event_id as string,
  orderingKey: r.ordering_key as string,
  recordedAt: r.recorded_at as string,
  attempts: Number(r.attempts),
  lastError: r.last_error as string,
  deadAt: r.dead_at instanceof Date ? r.dead_at.toISOString() : (r.dead_at as string),
});

export const attemptOf = (r: Row): DeliveryAttempt => ({
  subscriptionId: r.subscription_id as string,
  position: Number(r.position),
  eventId: r.event_id as string,
  attempt: Number(r.attempt),
  outcome: r.outcome as DeliveryAttempt['outcome'],
  status: r.status === null ? null : Number(r.status),
  latencyMs: Number(r.latency_ms),
  error: (r.error as string | null) ?? null,
  at: r.at instanceof Date ? r.at.toISOString() : (r.at as string),
});

const iso = (v: unknown) => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v));

export const progressOf = (r: Row): SubscriptionProgress => ({
  subscriptionId: r.subscription_id as string,
  cursor: Number(r.cursor),
  delivered: Number(r.delivered),
  failed: Number(r.failed),
  deadLettered: Number(r.dead_lettered),
  consecutiveDeadLetters: Number(r.consecutive_dead),
  lastDeliveredAt: iso(r.last_delivered_at),
  lastError: (r.last_error as string | null) ?? null,
  lastErrorAt: iso(r.last_error_at),
  pending: Number(r.pending),
  oldestPendingRecordedAt: iso(r.oldest_pending),
  deadLetters: Number(r.dead_letters),
});

/** The tables, shared by both SQL adapters (PostgreSQL maps the types). */
export const WEBHOOK_TABLES = (t: { int: string; bigint: string; text: string; serial: string }) => [
  `CREATE TABLE IF NOT EXISTS tp_wh_control (name TEXT PRIMARY KEY, revision ${t.bigint} NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS tp_wh_progress (
    subscription_id TEXT PRIMARY KEY, cursor ${t.bigint} NOT NULL, delivered ${t.bigint} NOT NULL DEFAULT 0, failed ${t.bigint} NOT NULL DEFAULT 0,
    dead_lettered ${t.bigint} NOT NULL DEFAULT 0, consecutive_dead ${t.int} NOT NULL DEFAULT 0, last_delivered_at TEXT, last_error TEXT, last_error_at TEXT)`,
  `CREATE TABLE IF NOT EXISTS tp_wh_pending (
    subscription_id TEXT NOT NULL, position ${t.bigint} NOT NULL, event_id TEXT NOT NULL, ordering_key TEXT NOT NULL, recorded_at TEXT NOT NULL,
    attempts ${t.int} NOT NULL DEFAULT 0, next_attempt_at ${t.bigint} NOT NULL, first_failed_at ${t.bigint}, last_error TEXT,
    PRIMARY KEY (subscription_id, position))`,
  `CREATE TABLE IF NOT EXISTS tp_wh_dead_letters (
    subscription_id TEXT NOT NULL, position ${t.bigint} NOT NULL, event_id TEXT NOT NULL, ordering_key TEXT NOT NULL, recorded_at TEXT NOT NULL,
    attempts ${t.int} NOT NULL, last_error TEXT NOT NULL, dead_at TEXT NOT NULL, PRIMARY KEY (subscription_id, position))`,
  `CREATE TABLE IF NOT EXISTS tp_wh_deliveries (
    id ${t.serial}, subscription_id TEXT NOT NULL, position ${t.bigint} NOT NULL, event_id TEXT NOT NULL, attempt ${t.int} NOT NULL,
    outcome TEXT NOT NULL, status ${t.int}, latency_ms ${t.int} NOT NULL, error TEXT, at TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS tp_wh_deliveries_by_subscription ON tp_wh_deliveries (subscription_id, id)`,
  `CREATE TABLE IF NOT EXISTS tp_wh_lease (name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at ${t.bigint} NOT NULL)`,
];

/** Take the lease when free, expired, or already ours (`?`/`$n`: owner, expires at, now). */
export const LEASE_SQL = (p: [string, string, string]) => `INSERT INTO tp_wh_lease (name, owner, expires_at) VALUES ('dispatcher', ${p[0]}, ${p[1]})
  ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
  WHERE tp_wh_lease.owner = excluded.owner OR tp_wh_lease.expires_at < ${p[2]}`;

/** The progress row with its pending and dead-letter counts, for one subscription (`?`/`$1`). */
export const PROGRESS_SQL = (p: string) => `SELECT g.*,
    (SELECT count(*) FROM tp_wh_pending x WHERE x.subscription_id = g.subscription_id) AS pending,
    (SELECT min(recorded_at) FROM tp_wh_pending x WHERE x.subscription_id = g.subscription_id) AS oldest_pending,
    (SELECT count(*) FROM tp_wh_dead_letters x WHERE x.subscription_id = g.subscription_id) AS dead_letters
  FROM tp_wh_progress g WHERE g.subscription_id = ${p}`;

/** A SQLite file beside the event store (`<dataDir>/webhooks.db`), or `:memory:` for the all-in-memory setup. */
export class SqliteWebhookStateStore implements WebhookStateStore {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private logged = 0;
  private readonly recordQueue: Array<{ apply: () => void; resolve: () => void; reject: (error: unknown) => void }> = [];

  /** Prepared once per text: a delivery runs several statements, thousands of times a second. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) this.statements.set(text, (statement = this.db.prepare(text)));
    return statement;
  }

  constructor(filename: string) {
    if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    // NORMAL: a commit survives a process crash, and a power loss at worst forgets the last acknowledgements,
    // which only re-sends those events (at-least-once holds); FULL would cost an fsync per delivery.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    for (const sql of WEBHOOK_TABLES({ int: 'INTEGER', bigint: 'INTEGER', text: 'TEXT', serial: 'INTEGER PRIMARY KEY AUTOINCREMENT' })) this.db.exec(sql);
  }

  async controlRevision(): Promise<number> {
    const row = this.sql(`SELECT revision FROM tp_wh_control WHERE name = 'control'`).get() as { revision: number } | undefined;
    return row?.revision ?? -1;
  }

  async saveControlRevision(revision: number): Promise<void> {
    this.sql(`INSERT INTO tp_wh_control (name, revision) VALUES ('control', ?) ON CONFLICT (name) DO UPDATE SET revision = excluded.revision`).run(revision);
  }

  async start(subscriptionId: string, cursor: number): Promise<void> {
    this.sql('INSERT INTO tp_wh_progress (subscription_id, cursor) VALUES (?, ?) ON CONFLICT DO NOTHING').run(subscriptionId, cursor);
  }

  async progress(subscriptionId: string): Promise<SubscriptionProgress | undefined> {
    const row = this.sql(PROGRESS_SQL('?')).get(subscriptionId) as Row | undefined;
    return row && progressOf(row);
  }

  async enqueue(subscriptionId: string, deliveries: readonly NewPending[], cursor: number): Promise<void> {
    const insert = this.sql(
      `INSERT INTO tp_wh_pending (subscription_id, position, event_id, ordering_key, recorded_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.db.transaction(() => {
      for (const d of deliveries) insert.run(subscriptionId, d.position, d.eventId, d.orderingKey, d.recordedAt, d.nextAttemptAt);
      this.sql('UPDATE tp_wh_progress SET cursor = ? WHERE subscription_id = ?').run(cursor, subscriptionId);
    })();
  }

  async rewind(subscriptionId: string, cursor: number): Promise<void> {
    this.sql('UPDATE tp_wh_progress SET cursor = min(cursor, ?) WHERE subscription_id = ?').run(cursor, subscriptionId);
  }

  async pending(): Promise<PendingDelivery[]> {
    return (this.sql('SELECT * FROM tp_wh_pending ORDER BY subscription_id, position').all() as Row[]).map(pendingOf);
  }

  /**
   * Attempts that end in the same event-loop turn are written in one transaction (each resolves after it commits):
   * with several deliveries in flight, a transaction per delivery would cost more than the delivery.
   */
  record(delivery: PendingDelivery, attempt: DeliveryAttempt, result: AttemptResult): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.recordQueue.push({ apply: () => this.applyRecord(delivery, attempt, result), resolve, reject });
      if (this.recordQueue.length === 1) setImmediate(() => this.flushRecords());
    });
  }

  private flushRecords(): void {
    const batch = this.recordQueue.splice(0);
    if (batch.length === 0) return;
    try {
      this.db.transaction(() => batch.forEach((r) => r.apply()))();
    } catch (error) {
      for (const r of batch) r.reject(error);
      return;
    }
    for (const r of batch) r.resolve();
  }

  private applyRecord(delivery: PendingDelivery, attempt: DeliveryAttempt, result: AttemptResult): void {
    const { subscriptionId: sub, position } = delivery;
    {
      this.sql('INSERT INTO tp_wh_deliveries (subscription_id, position, event_id, attempt, outcome, status, latency_ms, error, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(sub, position, attempt.eventId, attempt.attempt, attempt.outcome, attempt.status, Math.round(attempt.latencyMs), attempt.error, attempt.at);
      if (result.kind === 'delivered') {
        this.sql('DELETE FROM tp_wh_pending WHERE subscription_id = ? AND position = ?').run(sub, position);
        this.sql('UPDATE tp_wh_progress SET delivered = delivered + 1, consecutive_dead = 0, last_delivered_at = ? WHERE subscription_id = ?').run(attempt.at, sub);
      } else if (result.kind === 'retry') {
        this.sql('UPDATE tp_wh_pending SET attempts = ?, next_attempt_at = ?, first_failed_at = ?, last_error = ? WHERE subscription_id = ? AND position = ?')
          .run(attempt.attempt, result.nextAttemptAt, result.firstFailedAt, result.error, sub, position);
        this.sql('UPDATE tp_wh_progress SET failed = failed + 1, last_error = ?, last_error_at = ? WHERE subscription_id = ?').run(result.error, attempt.at, sub);
      } else {
        this.sql('DELETE FROM tp_wh_pending WHERE subscription_id = ? AND position = ?').run(sub, position);
        this.sql(
            `INSERT INTO tp_wh_dead_letters (subscription_id, position, event_id, ordering_key, recorded_at, attempts, last_error, dead_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (subscription_id, position) DO UPDATE SET attempts = excluded.attempts, last_error = excluded.last_error, dead_at = excluded.dead_at`,
          )
          .run(sub, position, delivery.eventId, delivery.orderingKey, delivery.recordedAt, attempt.attempt, result.error, attempt.at);
        this.sql('UPDATE tp_wh_progress SET failed = failed + 1, dead_lettered = dead_lettered + 1, consecutive_dead = consecutive_dead + 1, last_error = ?, last_error_at = ? WHERE subscription_id = ?')
          .run(result.error, attempt.at, sub);
      }
      if (++this.logged % 100 === 0) this.prune(sub);
    }
  }

  private prune(subscriptionId: string): void {
    this.sql(`DELETE FROM tp_wh_deliveries WHERE subscription_id = ? AND id < (SELECT id FROM tp_wh_deliveries WHERE subscription_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`)
      .run(subscriptionId, subscriptionId, DELIVERY_LOG_KEEP - 1);
  }

  async requeueDeadLetters(subscriptionId: string, nowMs: number): Promise<PendingDelivery[]> {
    return this.db.transaction(() => {
      const dead = (this.sql('SELECT * FROM tp_wh_dead_letters WHERE subscription_id = ? ORDER BY position').all(subscriptionId) as Row[]).map(deadLetterOf);
      const insert = this.sql(
        `INSERT INTO tp_wh_pending (subscription_id, position, event_id, ordering_key, recorded_at, attempts, next_attempt_at) VALUES (?, ?, ?, ?, ?, 0, ?) ON CONFLICT DO NOTHING`,
      );
      for (const d of dead) insert.run(subscriptionId, d.position, d.eventId, d.orderingKey, d.recordedAt, nowMs);
      this.sql('DELETE FROM tp_wh_dead_letters WHERE subscription_id = ?').run(subscriptionId);
      this.sql('UPDATE tp_wh_progress SET consecutive_dead = 0 WHERE subscription_id = ?').run(subscriptionId);
      return dead.map((d) => ({ subscriptionId, position: d.position, eventId: d.eventId, orderingKey: d.orderingKey, recordedAt: d.recordedAt, attempts: 0, nextAttemptAt: nowMs, firstFailedAt: null, lastError: null }));
    })();
  }

  async retryNow(subscriptionId: string, nowMs: number): Promise<void> {
    this.db.transaction(() => {
      this.sql('UPDATE tp_wh_pending SET next_attempt_at = ?, first_failed_at = NULL WHERE subscription_id = ?').run(nowMs, subscriptionId);
      this.sql('UPDATE tp_wh_progress SET consecutive_dead = 0 WHERE subscription_id = ?').run(subscriptionId);
    })();
  }

  async deadLetters(subscriptionId: string, limit: number): Promise<DeadLetter[]> {
    return (this.sql('SELECT * FROM tp_wh_dead_letters WHERE subscription_id = ? ORDER BY position LIMIT ?').all(subscriptionId, limit) as Row[]).map(deadLetterOf);
  }

  async deliveries(subscriptionId: string, limit: number): Promise<DeliveryAttempt[]> {
    return (this.sql('SELECT * FROM tp_wh_deliveries WHERE subscription_id = ? ORDER BY id DESC LIMIT ?').all(subscriptionId, limit) as Row[]).map(attemptOf);
  }

  async remove(subscriptionId: string): Promise<void> {
    this.db.transaction(() => {
      for (const table of ['tp_wh_pending', 'tp_wh_dead_letters', 'tp_wh_deliveries', 'tp_wh_progress']) this.sql(`DELETE FROM ${table} WHERE subscription_id = ?`).run(subscriptionId);
    })();
  }

  async lease(owner: string, nowMs: number, ttlMs: number): Promise<boolean> {
    this.sql(LEASE_SQL(['?', '?', '?'])).run(owner, nowMs + ttlMs, nowMs);
    return (this.sql(`SELECT owner FROM tp_wh_lease WHERE name = 'dispatcher'`).get() as { owner: string } | undefined)?.owner === owner;
  }

  async releaseLease(owner: string): Promise<void> {
    this.sql(`DELETE FROM tp_wh_lease WHERE name = 'dispatcher' AND owner = ?`).run(owner);
  }

  async close(): Promise<void> {
    this.flushRecords();
    if (this.db.open) this.db.close();
  }
}
