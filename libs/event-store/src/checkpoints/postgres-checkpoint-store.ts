import { Pool } from 'pg';
import type { SignedCheckpoint } from '../checkpoint';
import { checkpointFromRow, type CheckpointStore } from './checkpoint-store';

/** Checkpoints in a table of the PostgreSQL database, shared by every API process. */
export class PostgresCheckpointStore implements CheckpointStore {
  private constructor(private readonly pool: Pool) {}

  static async connect(connectionString: string): Promise<PostgresCheckpointStore> {
    const pool = new Pool({ connectionString, max: 2 });
    pool.on('error', () => undefined);
    await pool
      .query(`CREATE TABLE IF NOT EXISTS tp_audit_checkpoints (position BIGINT PRIMARY KEY, head_hash TEXT NOT NULL, at TEXT NOT NULL, signature TEXT NOT NULL)`)
      .catch((error: { code?: string }) => {
        // Two processes creating the table at once: the loser sees a unique violation in the catalogue.
        if (error.code !== '23505') throw error;
      });
    return new PostgresCheckpointStore(pool);
  }

  async save(c: SignedCheckpoint): Promise<boolean> {
    const result = await this.pool.query(`INSERT INTO tp_audit_checkpoints (position, head_hash, at, signature) VALUES ($1, $2, $3, $4) ON CONFLICT (position) DO NOTHING`, [c.position, c.headHash, c.at, c.signature]);
    return result.rowCount === 1;
  }

  async latest(): Promise<SignedCheckpoint | undefined> {
    const { rows } = await this.pool.query(`SELECT position, head_hash, at, signature FROM tp_audit_checkpoints ORDER BY position DESC LIMIT 1`);
    return rows[0] && checkpointFromRow(rows[0]);
  }

  async list({ after, limit }: { after: number; limit: number }): Promise<SignedCheckpoint[]> {
    const { rows } = await this.pool.query(`SELECT position, head_hash, at, signature FROM tp_audit_checkpoints WHERE position > $1 ORDER BY position LIMIT $2`, [after, limit]);
    return rows.map(checkpointFromRow);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
