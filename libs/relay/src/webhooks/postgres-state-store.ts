import { Pool, type PoolClient } from 'pg';
import { attemptOf, deadLetterOf, LEASE_SQL, pendingOf, PROGRESS_SQL, progressOf, WEBHOOK_TABLES } from './sqlite-state-store';
import { DELIVERY_LOG_KEEP, type AttemptResult, type DeadLetter, type DeliveryAttempt, type NewPending, type PendingDelivery, type SubscriptionProgress, type WebhookStateStore } from './state-store';

/** In the PostgreSQL event store's database (tables `tp_wh_*`), so a dispatcher on PostgreSQL needs no local disk. */
export class PostgresWebhookStateStore implements WebhookStateStore {
  private logged = 0;
  private constructor(private readonly pool: Pool) {}

  static async connect(connectionString: string): Promise<PostgresWebhookStateStore> {
    const pool = new Pool({ connectionString, max: 4 });
    pool.on('error', () => undefined); // idle-client errors surface on the next query
    const client = await pool.connect();
    try {
      // Two processes may create the tables at once: one at a time.
      await client.query('SELECT pg_advisory_lock(hashtext($1))', ['tp_wh_schema']);
      for (const sql of WEBHOOK_TABLES({ int: 'INTEGER', bigint: 'BIGINT', text: 'TEXT', serial: 'BIGSERIAL PRIMARY KEY' })) await client.query(sql);
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', ['tp_wh_schema']);
    } finally {
      client.release();
    }
    return new PostgresWebhookStateStore(pool);
  }

  private async tx<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async controlRevision(): Promise<number> {
    const found = await this.pool.query<{ revision: string }>(`SELECT revision FROM tp_wh_control WHERE name = 'control'`);
    return found.rowCount ? Number(found.rows[0].revision) : -1;
  }

  async saveControlRevision(revision: number): Promise<void> {
    await this.pool.query(`INSERT INTO tp_wh_control (name, revision) VALUES ('control', $1) ON CONFLICT (name) DO UPDATE SET revision = EXCLUDED.revision`, [revision]);
  }

  async start(subscriptionId: string, cursor: number): Promise<void> {
    await this.pool.query('INSERT INTO tp_wh_progress (subscription_id, cursor) VALUES ($1, $2) ON CONFLICT DO NOTHING', [subscriptionId, cursor]);
  }

  async progress(subscriptionId: string): Promise<SubscriptionProgress | undefined> {
    const found = await this.pool.query(PROGRESS_SQL('$1'), [subscriptionId]);
    return found.rowCount ? progressOf(found.rows[0]) : undefined;
  }

  async enqueue(subscriptionId: string, deliveries: readonly NewPending[], cursor: number): Promise<void> {
    await this.tx(async (c) => {
      if (deliveries.length > 0)
        await c.query(
          `INSERT INTO tp_wh_pending (subscription_id, position, event_id, ordering_key, recorded_at, next_attempt_at)
           SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[]) ON CONFLICT DO NOTHING`,
          [subscriptionId, deliveries.map((d) => d.position), deliveries.map((d) => d.eventId), deliveries.map((d) => d.orderingKey), deliveries.map((d) => d.recordedAt), deliveries.map((d) => d.nextAttemptAt)],
        );
      await c.query('UPDATE tp_wh_progress SET cursor = $1 WHERE subscription_id = $2', [cursor, subscriptionId]);
    });
  }

  async rewind(subscriptionId: string, cursor: number): Promise<void> {
    await this.pool.query('UPDATE tp_wh_progress SET cursor = LEAST(cursor, $1) WHERE subscription_id = $2', [cursor, subscriptionId]);
  }

  async pending(): Promise<PendingDelivery[]> {
    return (await this.pool.query('SELECT * FROM tp_wh_pending ORDER BY subscription_id, position')).rows.map(pendingOf);
  }

  async record(delivery: PendingDelivery, attempt: DeliveryAttempt, result: AttemptResult): Promise<void> {
    const { subscriptionId: sub, position } = delivery;
    const prune = ++this.logged % 100 === 0;
    await this.tx(async (c) => {
      await c.query('INSERT INTO tp_wh_deliveries (subscription_id, position, event_id, attempt, outcome, status, latency_ms, error, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
        sub,
        position,
        attempt.eventId,
        attempt.attempt,
        attempt.outcome,
        attempt.status,
        Math.round(attempt.latencyMs),
        attempt.error,
        attempt.at,
      ]);
      if (result.kind === 'delivered') {
        await c.query('DELETE FROM tp_wh_pending WHERE subscription_id = $1 AND position = $2', [sub, position]);
        await c.query('UPDATE tp_wh_progress SET delivered = delivered + 1, consecutive_dead = 0, last_delivered_at = $1 WHERE subscription_id = $2', [attempt.at, sub]);
      } else if (result.kind === 'retry') {
        await c.query('UPDATE tp_wh_pending SET attempts = $1, next_attempt_at = $2, first_failed_at = $3, last_error = $4 WHERE subscription_id = $5 AND position = $6', [
          attempt.attempt,
          result.nextAttemptAt,
          result.firstFailedAt,
          result.error,
          sub,
          position,
        ]);
        await c.query('UPDATE tp_wh_progress SET failed = failed + 1, last_error = $1, last_error_at = $2 WHERE subscription_id = $3', [result.error, attempt.at, sub]);
      } else {
        await c.query('DELETE FROM tp_wh_pending WHERE subscription_id = $1 AND position = $2', [sub, position]);
        await c.query(
          `INSERT INTO tp_wh_dead_letters (subscription_id, position, event_id, ordering_key, recorded_at, attempts, last_error, dead_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (subscription_id, position) DO UPDATE SET attempts = EXCLUDED.attempts, last_error = EXCLUDED.last_error, dead_at = EXCLUDED.dead_at`,
          [sub, position, delivery.eventId, delivery.orderingKey, delivery.recordedAt, attempt.attempt, result.error, attempt.at],
        );
        await c.query(
          'UPDATE tp_wh_progress SET failed = failed + 1, dead_lettered = dead_lettered + 1, consecutive_dead = consecutive_dead + 1, last_error = $1, last_error_at = $2 WHERE subscription_id = $3',
          [result.error, attempt.at, sub],
        );
      }
      if (prune)
        await c.query(`DELETE FROM tp_wh_deliveries WHERE subscription_id = $1 AND id < (SELECT id FROM tp_wh_deliveries WHERE subscription_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)`, [
          sub,
          DELIVERY_LOG_KEEP - 1,
        ]);
    });
  }

  async requeueDeadLetters(subscriptionId: string, nowMs: number): Promise<PendingDelivery[]> {
    return this.tx(async (c) => {
      const dead = (await c.query('DELETE FROM tp_wh_dead_letters WHERE subscription_id = $1 RETURNING *', [subscriptionId])).rows.map(deadLetterOf).sort((a, b) => a.position - b.position);
      if (dead.length > 0)
        await c.query(
          `INSERT INTO tp_wh_pending (subscription_id, position, event_id, ordering_key, recorded_at, attempts, next_attempt_at)
           SELECT $1, p, e, k, r, 0, $6 FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[]) AS t(p, e, k, r) ON CONFLICT DO NOTHING`,
          [subscriptionId, dead.map((d) => d.position), dead.map((d) => d.eventId), dead.map((d) => d.orderingKey), dead.map((d) => d.recordedAt), nowMs],
        );
      await c.query('UPDATE tp_wh_progress SET consecutive_dead = 0 WHERE subscription_id = $1', [subscriptionId]);
      return dead.map((d) => ({ subscriptionId, position: d.position, eventId: d.eventId, orderingKey: d.orderingKey, recordedAt: d.recordedAt, attempts: 0, nextAttemptAt: nowMs, firstFailedAt: null, lastError: null }));
    });
  }

  async retryNow(subscriptionId: string, nowMs: number): Promise<void> {
    await this.tx(async (c) => {
      await c.query('UPDATE tp_wh_pending SET next_attempt_at = $1, first_failed_at = NULL WHERE subscription_id = $2', [nowMs, subscriptionId]);
      await c.query('UPDATE tp_wh_progress SET consecutive_dead = 0 WHERE subscription_id = $1', [subscriptionId]);
    });
  }

  async deadLetters(subscriptionId: string, limit: number): Promise<DeadLetter[]> {
    return (await this.pool.query('SELECT * FROM tp_wh_dead_letters WHERE subscription_id = $1 ORDER BY position LIMIT $2', [subscriptionId, limit])).rows.map(deadLetterOf);
  }

  async deliveries(subscriptionId: string, limit: number): Promise<DeliveryAttempt[]> {
    return (await this.pool.query('SELECT * FROM tp_wh_deliveries WHERE subscription_id = $1 ORDER BY id DESC LIMIT $2', [subscriptionId, limit])).rows.map(attemptOf);
  }

  async remove(subscriptionId: string): Promise<void> {
    await this.tx(async (c) => {
      for (const table of ['tp_wh_pending', 'tp_wh_dead_letters', 'tp_wh_deliveries', 'tp_wh_progress']) await c.query(`DELETE FROM ${table} WHERE subscription_id = $1`, [subscriptionId]);
    });
  }

  async lease(owner: string, nowMs: number, ttlMs: number): Promise<boolean> {
    await this.pool.query(LEASE_SQL(['$1', '$2', '$3']), [owner, nowMs + ttlMs, nowMs]);
    const found = await this.pool.query<{ owner: string }>(`SELECT owner FROM tp_wh_lease WHERE name = 'dispatcher'`);
    return found.rows[0]?.owner === owner;
  }

  async releaseLease(owner: string): Promise<void> {
    await this.pool.query(`DELETE FROM tp_wh_lease WHERE name = 'dispatcher' AND owner = $1`, [owner]);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
