import { Pool, type PoolClient } from 'pg';
import { checkCheckpointName, checkCustomerId, checkEntries, checkKind, checkLookupHashes, checkPage, checkPosition, checkVersion } from './checks';
import { BLIND_INDEX_MAX_PER_HASH, type BlindIndexEntry, type BlindIndexGroup, type BlindIndexHit, type BlindIndexStore } from './port';

/**
 * Class of the per-customer advisory locks taken by `replace` (two-key form: a key space apart from the event
 * store's one-key append lock).
 */
const REPLACE_LOCK_CLASS = 0x74626978;

const bytes = (hash: string) => Buffer.from(hash, 'hex');

/** DDL two processes may run at once: the loser of a creation race sees a unique violation in the catalogue. */
async function createIfMissing(pool: Pool, ddl: string): Promise<void> {
  await pool.query(ddl).catch((error: { code?: string }) => {
    if (error.code !== '23505' && error.code !== '42P07') throw error;
  });
}

/**
 * The blind index in PostgreSQL (tables tp_blind_index and tp_blind_index_checkpoints, created if missing), for
 * deployments without a shared data directory. Hashes are stored as 32-byte BYTEA; text columns use the "C"
 * collation so orders are byte orders, the same as the other adapters whatever the database's locale. The primary
 * key (key_version, kind, hash, customer_id) serves lookups and the in-order group scan; (customer_id, key_version)
 * serves replace and erasure. Every value is a query parameter.
 */
export class PostgresBlindIndex implements BlindIndexStore {
  private constructor(private readonly pool: Pool) {}

  static async connect(connectionString: string): Promise<PostgresBlindIndex> {
    const pool = new Pool({ connectionString, max: 4 });
    pool.on('error', () => undefined); // idle-client errors surface on the next query instead
    try {
      await createIfMissing(
        pool,
        `CREATE TABLE IF NOT EXISTS tp_blind_index (
          key_version INTEGER NOT NULL,
          kind        TEXT COLLATE "C" NOT NULL,
          hash        BYTEA NOT NULL,
          customer_id TEXT COLLATE "C" NOT NULL,
          PRIMARY KEY (key_version, kind, hash, customer_id)
        )`,
      );
      await createIfMissing(pool, `CREATE INDEX IF NOT EXISTS tp_blind_index_by_customer ON tp_blind_index (customer_id, key_version)`);
      await createIfMissing(pool, `CREATE TABLE IF NOT EXISTS tp_blind_index_checkpoints (name TEXT PRIMARY KEY, position BIGINT NOT NULL)`);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresBlindIndex(pool);
  }

  async replace(customerId: string, entries: BlindIndexEntry[], keyVersion: number): Promise<void> {
    checkCustomerId(customerId);
    checkVersion(keyVersion);
    const wanted = checkEntries(entries);
    const kinds = wanted.map((e) => e.kind);
    const hashes = wanted.map((e) => bytes(e.hash));
    let client: PoolClient | undefined;
    try {
      client = await this.pool.connect();
      await client.query('BEGIN');
      // Serialises replaces of one customer, so two concurrent calls cannot leave the union of their entries.
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [REPLACE_LOCK_CLASS, customerId]);
      // Only the difference is written, so an unchanged profile (a replay) leaves no dead rows.
      await client.query(
        `DELETE FROM tp_blind_index b WHERE b.customer_id = $1 AND b.key_version = $2
           AND NOT EXISTS (SELECT 1 FROM unnest($3::text[], $4::bytea[]) AS w(kind, hash) WHERE w.kind = b.kind AND w.hash = b.hash)`,
        [customerId, keyVersion, kinds, hashes],
      );
      await client.query(
        `INSERT INTO tp_blind_index (key_version, kind, hash, customer_id)
         SELECT $1, w.kind, w.hash, $4 FROM unnest($2::text[], $3::bytea[]) AS w(kind, hash) ON CONFLICT DO NOTHING`,
        [keyVersion, kinds, hashes, customerId],
      );
      await client.query('COMMIT');
    } catch (error) {
      await client?.query('ROLLBACK').catch(() => undefined);
      client?.release(error as Error);
      throw error;
    }
    client.release();
  }

  async lookup(kind: string, hashes: string[], keyVersion: number): Promise<BlindIndexHit[]> {
    checkKind(kind);
    checkVersion(keyVersion);
    const wanted = checkLookupHashes(hashes);
    if (wanted.length === 0) return [];
    const { rows } = await this.pool.query<{ hash: Buffer; customer_id: string }>(
      `SELECT h.hash, e.customer_id FROM unnest($3::bytea[]) AS h(hash)
       CROSS JOIN LATERAL (
         SELECT customer_id FROM tp_blind_index WHERE key_version = $1 AND kind = $2 AND hash = h.hash ORDER BY customer_id LIMIT $4
       ) e
       ORDER BY h.hash, e.customer_id`,
      [keyVersion, kind, wanted.map(bytes), BLIND_INDEX_MAX_PER_HASH],
    );
    return rows.map((r) => ({ customerId: r.customer_id, kind, hash: r.hash.toString('hex') }));
  }

  async entriesOf(customerId: string, keyVersion: number): Promise<BlindIndexEntry[]> {
    const { rows } = await this.pool.query<{ kind: string; hash: Buffer }>(
      'SELECT kind, hash FROM tp_blind_index WHERE customer_id = $1 AND key_version = $2 ORDER BY kind, hash',
      [checkCustomerId(customerId), checkVersion(keyVersion)],
    );
    return rows.map((r) => ({ kind: r.kind, hash: r.hash.toString('hex') }));
  }

  async remove(customerId: string): Promise<void> {
    await this.pool.query('DELETE FROM tp_blind_index WHERE customer_id = $1', [checkCustomerId(customerId)]);
  }

  async dropVersion(keyVersion: number): Promise<void> {
    await this.pool.query('DELETE FROM tp_blind_index WHERE key_version = $1', [checkVersion(keyVersion)]);
  }

  async groups(kind: string, keyVersion: number, options: { after?: string; limit: number }): Promise<BlindIndexGroup[]> {
    checkKind(kind);
    checkVersion(keyVersion);
    const { after, limit } = checkPage(options);
    // An empty BYTEA sorts before every hash.
    const { rows } = await this.pool.query<{ hash: Buffer; n: string; customer_ids: string[] }>(
      `SELECT g.hash, g.n, ids.customer_ids FROM (
         SELECT hash, count(*) AS n FROM tp_blind_index WHERE key_version = $1 AND kind = $2 AND hash > $3
         GROUP BY hash HAVING count(*) >= 2 ORDER BY hash LIMIT $4
       ) g
       CROSS JOIN LATERAL (
         SELECT array_agg(c.customer_id ORDER BY c.customer_id) AS customer_ids FROM (
           SELECT customer_id FROM tp_blind_index WHERE key_version = $1 AND kind = $2 AND hash = g.hash ORDER BY customer_id LIMIT $5
         ) c
       ) ids
       ORDER BY g.hash`,
      [keyVersion, kind, after === undefined ? Buffer.alloc(0) : bytes(after), limit, BLIND_INDEX_MAX_PER_HASH],
    );
    return rows.map((r) => ({ hash: r.hash.toString('hex'), count: Number(r.n), customerIds: r.customer_ids }));
  }

  async checkpoint(name: string): Promise<number> {
    const { rows } = await this.pool.query<{ position: string }>('SELECT position FROM tp_blind_index_checkpoints WHERE name = $1', [checkCheckpointName(name)]);
    return rows.length ? Number(rows[0].position) : 0;
  }

  async setCheckpoint(name: string, position: number): Promise<void> {
    await this.pool.query(
      'INSERT INTO tp_blind_index_checkpoints (name, position) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position',
      [checkCheckpointName(name), checkPosition(position)],
    );
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
