import { Pool } from 'pg';
import type { ApiKeyRecord, ApiKeyStore } from './api-key-store.port';
import type { Role } from './roles';

interface Row {
  id: string;
  name: string;
  roles: Role[];
  created_at: string;
  revoked_at: string | null;
}

const toRecord = (row: Row): ApiKeyRecord => ({ id: row.id, name: row.name, roles: row.roles, createdAt: row.created_at, revokedAt: row.revoked_at });

/** Keys in the event store's PostgreSQL database (table tp_api_keys), so every API instance sees the same keys. */
export class PostgresApiKeyStore implements ApiKeyStore {
  private constructor(private readonly pool: Pool) {}

  static async connect(connectionString: string): Promise<PostgresApiKeyStore> {
    const pool = new Pool({ connectionString, max: 4 });
    pool.on('error', () => undefined); // idle-client errors surface on the next query instead
    // Instants kept as ISO text: the port speaks ISO strings, and text round-trips them exactly.
    await pool.query(`CREATE TABLE IF NOT EXISTS tp_api_keys (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      roles JSONB NOT NULL,
      secret_sha256 TEXT NOT NULL UNIQUE,
      created_at TEXT NOT NULL,
      revoked_at TEXT
    )`);
    return new PostgresApiKeyStore(pool);
  }

  async add(record: ApiKeyRecord, secretHash: string): Promise<void> {
    await this.pool.query('INSERT INTO tp_api_keys (id, name, roles, secret_sha256, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      record.id,
      record.name,
      JSON.stringify(record.roles),
      secretHash,
      record.createdAt,
      record.revokedAt,
    ]);
  }

  async findByHash(secretHash: string): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.pool.query<Row>('SELECT id, name, roles, created_at, revoked_at FROM tp_api_keys WHERE secret_sha256 = $1', [secretHash]);
    return rows[0] && toRecord(rows[0]);
  }

  async list(): Promise<ApiKeyRecord[]> {
    const { rows } = await this.pool.query<Row>('SELECT id, name, roles, created_at, revoked_at FROM tp_api_keys ORDER BY created_at, id');
    return rows.map(toRecord);
  }

  async revoke(id: string, at: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('UPDATE tp_api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [at, id]);
    return rowCount === 1;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
