import Database from 'better-sqlite3';
import { Pool } from 'pg';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Where a relay remembers the last global position it has delivered.
 * `save` resolves only once the position is durable, so a relay that saved
 * N never re-reads anything at or below N after a crash.
 */
export interface RelayCheckpointStore {
  /** Last delivered global position for `name`; 0 when nothing was delivered yet. */
  load(name: string): Promise<number>;
  save(name: string, position: number): Promise<void>;
  close(): Promise<void>;
}

/** Its own SQLite file (e.g. `<dataDir>/relay.db`), WAL mode, fsync on every commit. */
export class SqliteRelayCheckpointStore implements RelayCheckpointStore {
  private readonly db: Database.Database;
  private readonly loadStmt: Database.Statement;
  private readonly saveStmt: Database.Statement;

  constructor(filename: string) {
    if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS relay_checkpoints (
      name       TEXT PRIMARY KEY,
      position   INTEGER NOT NULL,
      updated_at TEXT NOT NULL
    ) WITHOUT ROWID`);
    this.loadStmt = this.db.prepare('SELECT position FROM relay_checkpoints WHERE name = ?');
    this.saveStmt = this.db.prepare(
      `INSERT INTO relay_checkpoints (name, position, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
    );
  }

  async load(name: string): Promise<number> {
    const row = this.loadStmt.get(name) as { position: number } | undefined;
    return row?.position ?? 0;
  }

  async save(name: string, position: number): Promise<void> {
    this.saveStmt.run(name, position, new Date().toISOString());
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/**
 * In the PostgreSQL event store's own database, so a relay on PostgreSQL needs
 * no local disk. The table is separate from the event tables; a checkpoint
 * only moves forwards.
 */
export class PostgresRelayCheckpointStore implements RelayCheckpointStore {
  private constructor(private readonly pool: Pool) {}

  static async connect(connectionString: string): Promise<PostgresRelayCheckpointStore> {
    const pool = new Pool({ connectionString, max: 2 });
    pool.on('error', () => undefined); // idle-client errors surface on the next query
    await pool.query(`CREATE TABLE IF NOT EXISTS tp_relay_checkpoints (
      name TEXT PRIMARY KEY, position BIGINT NOT NULL, updated_at TIMESTAMPTZ NOT NULL
    )`);
    return new PostgresRelayCheckpointStore(pool);
  }

  async load(name: string): Promise<number> {
    const found = await this.pool.query<{ position: string }>('SELECT position FROM tp_relay_checkpoints WHERE name = $1', [name]);
    return found.rowCount ? Number(found.rows[0].position) : 0;
  }

  async save(name: string, position: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO tp_relay_checkpoints (name, position, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = EXCLUDED.updated_at
       WHERE EXCLUDED.position >= tp_relay_checkpoints.position`,
      [name, position],
    );
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** For unit tests. */
export class MemoryRelayCheckpointStore implements RelayCheckpointStore {
  private readonly positions = new Map<string, number>();
  async load(name: string): Promise<number> {
    return this.positions.get(name) ?? 0;
  }
  async save(name: string, position: number): Promise<void> {
    this.positions.set(name, position);
  }
  async close(): Promise<void> {}
}
