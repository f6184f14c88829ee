import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { canonicalJson } from '../chain';
import type { SignedCheckpoint } from '../checkpoint';

/**
 * Signed checkpoints kept by Touchpoint itself, one per global position.
 * They are signed, so whoever rewrites this store cannot forge one; copying
 * them outside the system (GET /v1/audit/checkpoints) also guards against deletion.
 */
export interface CheckpointStore {
  /** stores the checkpoint unless one exists at its position already; true when stored */
  save(checkpoint: SignedCheckpoint): Promise<boolean>;
  /** the checkpoint with the highest position */
  latest(): Promise<SignedCheckpoint | undefined>;
  /** checkpoints with position > after, in position order */
  list(options: { after: number; limit: number }): Promise<SignedCheckpoint[]>;
  close(): Promise<void>;
}

export const CHECKPOINT_STORE = Symbol('CHECKPOINT_STORE');

interface CheckpointRow {
  position: number | string;
  head_hash: string;
  at: string;
  signature: string;
}

/** The stored columns back to a checkpoint; the signed payload is rebuilt from them (it is never trusted as stored). */
export function checkpointFromRow(row: CheckpointRow): SignedCheckpoint {
  const claim = { position: Number(row.position), headHash: row.head_hash, at: row.at };
  return { ...claim, algorithm: 'Ed25519', payload: canonicalJson(claim), signature: row.signature };
}

export class InMemoryCheckpointStore implements CheckpointStore {
  private readonly byPosition = new Map<number, SignedCheckpoint>();

  async save(checkpoint: SignedCheckpoint): Promise<boolean> {
    if (this.byPosition.has(checkpoint.position)) return false;
    this.byPosition.set(checkpoint.position, { ...checkpoint });
    return true;
  }

  async latest(): Promise<SignedCheckpoint | undefined> {
    return (await this.list({ after: 0, limit: Number.MAX_SAFE_INTEGER })).at(-1);
  }

  async list({ after, limit }: { after: number; limit: number }): Promise<SignedCheckpoint[]> {
    return [...this.byPosition.values()]
      .filter((c) => c.position > after)
      .sort((a, b) => a.position - b.position)
      .slice(0, limit)
      .map((c) => ({ ...c }));
  }

  async close(): Promise<void> {}
}

/** Checkpoints in their own SQLite file (checkpoints.db in the data dir), apart from the log they vouch for. */
export class SqliteCheckpointStore implements CheckpointStore {
  private readonly db: Database.Database;
  private readonly stmt;

  constructor(filename: string) {
    if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS audit_checkpoints (position INTEGER PRIMARY KEY, head_hash TEXT NOT NULL, at TEXT NOT NULL, signature TEXT NOT NULL)`);
    this.stmt = {
      save: this.db.prepare(`INSERT OR IGNORE INTO audit_checkpoints (position, head_hash, at, signature) VALUES (?, ?, ?, ?)`),
      latest: this.db.prepare(`SELECT position, head_hash, at, signature FROM audit_checkpoints ORDER BY position DESC LIMIT 1`),
      list: this.db.prepare(`SELECT position, head_hash, at, signature FROM audit_checkpoints WHERE position > ? ORDER BY position LIMIT ?`),
    };
  }

  async save(c: SignedCheckpoint): Promise<boolean> {
    return this.stmt.save.run(c.position, c.headHash, c.at, c.signature).changes === 1;
  }

  async latest(): Promise<SignedCheckpoint | undefined> {
    const row = this.stmt.latest.get() as CheckpointRow | undefined;
    return row && checkpointFromRow(row);
  }

  async list({ after, limit }: { after: number; limit: number }): Promise<SignedCheckpoint[]> {
    return (this.stmt.list.all(after, limit) as CheckpointRow[]).map(checkpointFromRow);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
