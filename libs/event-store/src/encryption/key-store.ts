import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export const KEY_STORE = Symbol('KEY_STORE');

/**
 * Per-subject (per-customer) data keys for crypto-shredding. Kept apart from
 * the event log: destroying a key makes that subject's encrypted fields
 * unreadable everywhere while the log stays untouched.
 */
export interface KeyStore {
  /** the subject's 256-bit key, created on first use; null once destroyed (never re-created) */
  getOrCreate(subject: string): Promise<Buffer | null>;
  /** undefined: no key yet; null: destroyed */
  get(subject: string): Promise<Buffer | null | undefined>;
  /** destroys the key for good (idempotent); later reads of its ciphertext yield erased values */
  destroy(subject: string, at: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Group creation of keys: the subjects asked for within `delayMs` are created in one durable write, so a
 * burst of new customers (an import, a busy sign-up hour) costs one fsync, not one each (a write of keys.db
 * costs several fsyncs and, in SQLite, blocks the thread). A lone new customer waits at most `delayMs`.
 * Every caller still gets its key only after the write that holds it is durable.
 */
export class KeyCreationBatcher {
  private pending = new Map<string, Array<{ resolve: (key: Buffer | null) => void; reject: (error: unknown) => void }>>();
  private scheduled = false;

  constructor(
    private readonly createMany: (subjects: string[]) => Promise<Map<string, Buffer | null>>,
    private readonly delayMs = 2,
  ) {}

  create(subject: string): Promise<Buffer | null> {
    return new Promise((resolve, reject) => {
      const waiters = this.pending.get(subject) ?? [];
      waiters.push({ resolve, reject });
      this.pending.set(subject, waiters);
      if (this.scheduled) return;
      this.scheduled = true;
      setTimeout(() => void this.flush(), this.delayMs);
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    this.scheduled = false;
    try {
      const keys = await this.createMany([...batch.keys()]);
      for (const [subject, waiters] of batch) for (const w of waiters) w.resolve(keys.get(subject) ?? null);
    } catch (error) {
      for (const waiters of batch.values()) for (const w of waiters) w.reject(error);
    }
  }
}

export class InMemoryKeyStore implements KeyStore {
  private readonly keys = new Map<string, Buffer | null>();

  async getOrCreate(subject: string): Promise<Buffer | null> {
    if (!this.keys.has(subject)) this.keys.set(subject, randomBytes(32));
    return this.keys.get(subject)!;
  }

  async get(subject: string): Promise<Buffer | null | undefined> {
    return this.keys.get(subject);
  }

  async destroy(subject: string): Promise<void> {
    this.keys.set(subject, null);
  }

  async close(): Promise<void> {}
}

/**
 * Keys in their own SQLite file (keys.db). A destroyed key leaves a tombstone
 * row so it is never re-created; secure_delete zeroes the old bytes and the
 * rollback journal (not WAL) is removed at each commit, so no copy of a
 * destroyed key stays in the store's files.
 */
export class SqliteKeyStore implements KeyStore {
  private readonly db: Database.Database;
  private readonly stmt;
  private readonly batcher = new KeyCreationBatcher(async (subjects) => {
    // One transaction for the batch: a new key is durable before anything is sealed with it.
    this.db.transaction(() => {
      for (const subject of subjects) this.stmt.create.run(subject, randomBytes(32));
    })();
    return new Map(subjects.map((subject) => [subject, this.read(subject) ?? null]));
  });

  constructor(filename: string) {
    if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
    this.db = new Database(filename);
    this.db.pragma('journal_mode = DELETE');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('secure_delete = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS data_keys (subject TEXT PRIMARY KEY, key BLOB, destroyed_at TEXT) WITHOUT ROWID`);
    this.stmt = {
      get: this.db.prepare(`SELECT key, destroyed_at FROM data_keys WHERE subject = ?`),
      create: this.db.prepare(`INSERT OR IGNORE INTO data_keys (subject, key) VALUES (?, ?)`),
      destroy: this.db.prepare(
        `INSERT INTO data_keys (subject, key, destroyed_at) VALUES (?, NULL, ?) ON CONFLICT(subject) DO UPDATE SET key = NULL, destroyed_at = COALESCE(data_keys.destroyed_at, excluded.destroyed_at)`,
      ),
    };
  }

  private read(subject: string): Buffer | null | undefined {
    const row = this.stmt.get.get(subject) as { key: Buffer | null; destroyed_at: string | null } | undefined;
    if (!row) return undefined;
    return row.destroyed_at ? null : row.key;
  }

  async getOrCreate(subject: string): Promise<Buffer | null> {
    const found = this.read(subject);
    return found !== undefined ? found : this.batcher.create(subject);
  }

  async get(subject: string): Promise<Buffer | null | undefined> {
    return this.read(subject);
  }

  async destroy(subject: string, at: string): Promise<void> {
    this.stmt.destroy.run(subject, at);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
