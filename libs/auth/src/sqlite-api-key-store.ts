import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ApiKeyRecord, ApiKeyStore } from './api-key-store.port';
import type { Role } from './roles';

interface Row {
  id: string;
  name: string;
  roles: string;
  created_at: string;
  revoked_at: string | null;
}

const toRecord = (row: Row): ApiKeyRecord => ({ id: row.id, name: row.name, roles: JSON.parse(row.roles) as Role[], createdAt: row.created_at, revokedAt: row.revoked_at });

/** Known keys kept in memory at most (unknown hashes are never cached, so guessing cannot grow it). */
const CACHE_LIMIT = 1000;

/**
 * Keys in their own file (auth.db), apart from the event log: they are not domain events.
 * Lookups run on every authenticated request, so found keys are cached for as long as nobody has
 * written the file: PRAGMA data_version moves when another connection (the CLI's `keys revoke`, another
 * API process) commits, and this connection's own writes clear the cache. A revocation anywhere is
 * therefore seen by the next request, as without the cache.
 */
export class SqliteApiKeyStore implements ApiKeyStore {
  private readonly db: Database.Database;
  private readonly stmt;
  private readonly cache = new Map<string, ApiKeyRecord>();
  private cachedVersion = -1;

  constructor(filename: string) {
    if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS api_keys (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      roles TEXT NOT NULL,
      secret_sha256 TEXT NOT NULL UNIQUE,
      created_at TEXT NOT NULL,
      revoked_at TEXT
    )`);
    // Prepared once: findByHash runs on every authenticated request.
    this.stmt = {
      add: this.db.prepare('INSERT INTO api_keys (id, name, roles, secret_sha256, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)'),
      byHash: this.db.prepare('SELECT id, name, roles, created_at, revoked_at FROM api_keys WHERE secret_sha256 = ?'),
      list: this.db.prepare('SELECT id, name, roles, created_at, revoked_at FROM api_keys ORDER BY created_at, id'),
      revoke: this.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
      dataVersion: this.db.prepare('PRAGMA data_version').pluck(),
    };
  }

  async add(record: ApiKeyRecord, secretHash: string): Promise<void> {
    this.stmt.add.run(record.id, record.name, JSON.stringify(record.roles), secretHash, record.createdAt, record.revokedAt);
    this.cache.clear();
  }

  async findByHash(secretHash: string): Promise<ApiKeyRecord | undefined> {
    const version = this.stmt.dataVersion.get() as number;
    if (version !== this.cachedVersion) {
      this.cache.clear();
      this.cachedVersion = version;
    }
    const cached = this.cache.get(secretHash);
    if (cached) return cached;
    const row = this.stmt.byHash.get(secretHash) as Row | undefined;
    if (!row) return undefined;
    // Shared by the requests that present this key until the next write: frozen, so none can change it.
    const parsed = toRecord(row);
    const record = Object.freeze({ ...parsed, roles: Object.freeze(parsed.roles) as Role[] });
    if (this.cache.size < CACHE_LIMIT) this.cache.set(secretHash, record);
    return record;
  }

  async list(): Promise<ApiKeyRecord[]> {
    return (this.stmt.list.all() as Row[]).map(toRecord);
  }

  async revoke(id: string, at: string): Promise<boolean> {
    const changed = this.stmt.revoke.run(at, id).changes === 1;
    this.cache.clear();
    return changed;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
