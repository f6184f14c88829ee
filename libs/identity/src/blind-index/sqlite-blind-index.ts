import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { byKindThenHash, checkCheckpointName, checkCustomerId, checkEntries, checkKind, checkLookupHashes, checkPage, checkPosition, checkVersion } from './checks';
import { BLIND_INDEX_MAX_PER_HASH, type BlindIndexEntry, type BlindIndexGroup, type BlindIndexHit, type BlindIndexStore } from './port';

/** Layout of blind-index.db. A file of another layout is emptied, checkpoints included, and rebuilt from the log. */
const LAYOUT = 1;

/**
 * The index is derived from the log, and entries and checkpoints share one file whose WAL commits in order, so
 * NORMAL loses at most the newest commits on a power cut, checkpoint with them: the indexer replays them.
 * secure_delete: a removed (erased) customer's hashes are zeroed in the file, not left in free pages.
 */
const PRAGMAS = ['journal_mode = WAL', 'synchronous = NORMAL', 'busy_timeout = 5000', 'secure_delete = ON'];

const bytes = (hash: string) => Buffer.from(hash, 'hex');

/**
 * The embedded blind index: its own SQLite file (`<dataDir>/blind-index.db`). Hashes are stored as 32-byte
 * BLOBs; the primary key (key_version, kind, hash, customer_id) serves lookups and the in-order group scan, a
 * second index (customer_id, key_version) serves replace and erasure. Every value travels as a bound parameter.
 */
export class SqliteBlindIndex implements BlindIndexStore {
  private readonly db: Database.Database;
  private readonly stmt;

  constructor(filename: string) {
    if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
    this.db = new Database(filename);
    for (const p of PRAGMAS) this.db.pragma(p);
    this.migrate();
    this.stmt = {
      entries: this.db.prepare(`SELECT kind, hash FROM blind_index WHERE customer_id = ? AND key_version = ? ORDER BY kind, hash`),
      insert: this.db.prepare(`INSERT OR IGNORE INTO blind_index (key_version, kind, hash, customer_id) VALUES (?, ?, ?, ?)`),
      delete: this.db.prepare(`DELETE FROM blind_index WHERE key_version = ? AND kind = ? AND hash = ? AND customer_id = ?`),
      lookup: this.db.prepare(`SELECT customer_id FROM blind_index WHERE key_version = ? AND kind = ? AND hash = ? ORDER BY customer_id LIMIT ?`).pluck(),
      remove: this.db.prepare(`DELETE FROM blind_index WHERE customer_id = ?`),
      dropVersion: this.db.prepare(`DELETE FROM blind_index WHERE key_version = ?`),
      groups: this.db.prepare(
        `SELECT hash, COUNT(*) AS n FROM blind_index WHERE key_version = ? AND kind = ? AND hash > ? GROUP BY hash HAVING COUNT(*) >= 2 ORDER BY hash LIMIT ?`,
      ),
      checkpoint: this.db.prepare(`SELECT position FROM blind_index_checkpoints WHERE name = ?`).pluck(),
      setCheckpoint: this.db.prepare(`INSERT INTO blind_index_checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position`),
    };
  }

  private migrate(): void {
    this.db
      .transaction(() => {
        if ((this.db.pragma('user_version', { simple: true }) as number) === LAYOUT) return;
        this.db.exec(`DROP TABLE IF EXISTS blind_index; DROP TABLE IF EXISTS blind_index_checkpoints;`);
        this.db.exec(`CREATE TABLE blind_index (
          key_version INTEGER NOT NULL,
          kind        TEXT NOT NULL,
          hash        BLOB NOT NULL,
          customer_id TEXT NOT NULL,
          PRIMARY KEY (key_version, kind, hash, customer_id)
        ) WITHOUT ROWID`);
        this.db.exec(`CREATE INDEX blind_index_by_customer ON blind_index (customer_id, key_version)`);
        this.db.exec(`CREATE TABLE blind_index_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID`);
        this.db.pragma(`user_version = ${LAYOUT}`);
      })
      .immediate();
  }

  private readEntries(customerId: string, keyVersion: number): BlindIndexEntry[] {
    const rows = this.stmt.entries.all(customerId, keyVersion) as Array<{ kind: string; hash: Buffer }>;
    return rows.map((r) => ({ kind: r.kind, hash: r.hash.toString('hex') })).sort(byKindThenHash);
  }

  async replace(customerId: string, entries: BlindIndexEntry[], keyVersion: number): Promise<void> {
    checkCustomerId(customerId);
    checkVersion(keyVersion);
    const wanted = checkEntries(entries);
    const key = (e: BlindIndexEntry) => `${e.kind}:${e.hash}`;
    // Only the difference is written, so an unchanged profile (a replay) writes nothing.
    this.db
      .transaction(() => {
        const current = this.readEntries(customerId, keyVersion);
        const keep = new Set(wanted.map(key));
        const have = new Set(current.map(key));
        for (const e of current) if (!keep.has(key(e))) this.stmt.delete.run(keyVersion, e.kind, bytes(e.hash), customerId);
        for (const e of wanted) if (!have.has(key(e))) this.stmt.insert.run(keyVersion, e.kind, bytes(e.hash), customerId);
      })
      .immediate();
  }

  async lookup(kind: string, hashes: string[], keyVersion: number): Promise<BlindIndexHit[]> {
    checkKind(kind);
    checkVersion(keyVersion);
    return checkLookupHashes(hashes).flatMap((hash) =>
      (this.stmt.lookup.all(keyVersion, kind, bytes(hash), BLIND_INDEX_MAX_PER_HASH) as string[]).map((customerId) => ({ customerId, kind, hash })),
    );
  }

  async entriesOf(customerId: string, keyVersion: number): Promise<BlindIndexEntry[]> {
    return this.readEntries(checkCustomerId(customerId), checkVersion(keyVersion));
  }

  async remove(customerId: string): Promise<void> {
    this.stmt.remove.run(checkCustomerId(customerId));
  }

  async dropVersion(keyVersion: number): Promise<void> {
    this.stmt.dropVersion.run(checkVersion(keyVersion));
  }

  async groups(kind: string, keyVersion: number, options: { after?: string; limit: number }): Promise<BlindIndexGroup[]> {
    checkKind(kind);
    checkVersion(keyVersion);
    const { after, limit } = checkPage(options);
    // An empty BLOB sorts before every hash.
    const rows = this.stmt.groups.all(keyVersion, kind, after === undefined ? Buffer.alloc(0) : bytes(after), limit) as Array<{ hash: Buffer; n: number }>;
    return rows.map((r) => ({
      hash: r.hash.toString('hex'),
      count: r.n,
      customerIds: this.stmt.lookup.all(keyVersion, kind, r.hash, BLIND_INDEX_MAX_PER_HASH) as string[],
    }));
  }

  async checkpoint(name: string): Promise<number> {
    return (this.stmt.checkpoint.get(checkCheckpointName(name)) as number | undefined) ?? 0;
  }

  async setCheckpoint(name: string, position: number): Promise<void> {
    this.stmt.setCheckpoint.run(checkCheckpointName(name), checkPosition(position));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
