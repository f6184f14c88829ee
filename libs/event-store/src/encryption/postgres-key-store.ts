import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { KeyCreationBatcher, type KeyStore } from './key-store';

/**
 * Data keys in a PostgreSQL table, for deployments where several processes
 * share no data directory. Prefer a database of its own (TOUCHPOINT_KEY_STORE_URL),
 * so that event backups do not carry the keys. A destroyed key's old row
 * version stays in the table file until VACUUM reclaims it (autovacuum does).
 */
export class PostgresKeyStore implements KeyStore {
  private readonly batcher = new KeyCreationBatcher(async (subjects) => {
    // One statement for the batch; ON CONFLICT keeps a key (or tombstone) another process made first.
    await this.pool.query('INSERT INTO tp_data_keys (subject, key) SELECT * FROM unnest($1::text[], $2::bytea[]) ON CONFLICT (subject) DO NOTHING', [subjects, subjects.map(() => randomBytes(32))]);
    const found = await this.pool.query<{ subject: string; key: Buffer | null; destroyed_at: string | null }>('SELECT subject, key, destroyed_at FROM tp_data_keys WHERE subject = ANY($1::text[])', [subjects]);
    return new Map(found.rows.map((r) => [r.subject, r.destroyed_at ? null : r.key]));
  });

  private constructor(private readonly pool: Pool) {}

  static async connect(connectionString: string): Promise<PostgresKeyStore> {
    const pool = new Pool({ connectionString, max: 4 });
    pool.on('error', () => undefined);
    await pool.query(`CREATE TABLE IF NOT EXISTS tp_data_keys (subject TEXT PRIMARY KEY, key BYTEA, destroyed_at TEXT)`).catch(async (error: { code?: string }) => {
      // Two processes creating the table at once: the loser sees a unique violation in the catalogue.
      if (error.code !== '23505') throw error;
    });
    return new PostgresKeyStore(pool);
  }

  async get(subject: string): Promise<Buffer | null | undefined> {
    const found = await this.pool.query<{ key: Buffer | null; destroyed_at: string | null }>('SELECT key, destroyed_at FROM tp_data_keys WHERE subject = $1', [subject]);
    if (!found.rowCount) return undefined;
    return found.rows[0].destroyed_at ? null : found.rows[0].key;
  }

  async getOrCreate(subject: string): Promise<Buffer | null> {
    const found = await this.get(subject);
    return found !== undefined ? found : this.batcher.create(subject);
  }

  async destroy(subject: string, at: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO tp_data_keys (subject, key, destroyed_at) VALUES ($1, NULL, $2)
       ON CONFLICT (subject) DO UPDATE SET key = NULL, destroyed_at = COALESCE(tp_data_keys.destroyed_at, EXCLUDED.destroyed_at)`,
      [subject, at],
    );
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
