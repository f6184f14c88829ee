import Database from 'better-sqlite3';
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
