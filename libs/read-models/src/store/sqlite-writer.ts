import type Database from 'better-sqlite3';
import { WorkerChannel } from '@touchpoint/platform/worker-channel';
import { Worker } from 'node:worker_threads';

/** A collection's table as the writer needs it: SQL built (and names checked) by SqliteReadStore. */
export interface TableDef {
  table: string;
  /** field columns, in the order of each row's `values` */
  columns: string[];
}

/** One write batch, already serialised: documents as JSON text, field values extracted. */
export interface RowBatch {
  rows: Array<{ table: string; id: string; position: number; json: string; detached: string | null; values: unknown[]; bulk: boolean }>;
  deletes: Array<{ table: string; id: string }>;
  checkpoints: Array<{ projector: string; position: number }>;
}

/**
 * Applies a batch in one transaction. Self-contained (no imports, no outer names) so the same function
 * runs on the caller's connection and, as source text, on the writer thread's.
 *
 * An existing row is updated in only the columns whose values changed: SQLite rewrites every index over a
 * column named in SET, so a touchpoint (a new lastActivityAt) would otherwise rewrite all six customer indexes.
 * In bulk mode the indexes are gone and a plain upsert is cheaper.
 */
export function applyRowBatch(db: Database.Database, defs: Map<string, TableDef>, cache: Map<string, Database.Statement>, batch: RowBatch): void {
  const stmt = (sql: string, raw = false) => {
    let s = cache.get(sql);
    if (!s) cache.set(sql, (s = raw ? db.prepare(sql).raw(true) : db.prepare(sql)));
    return s;
  };
  db.transaction(() => {
    for (const row of batch.rows) {
      const def = defs.get(row.table);
      if (!def) throw new Error(`unknown table ${row.table}`);
      const names = ['id', 'position', 'doc', 'detached', ...def.columns];
      const canDiff = !row.bulk && def.columns.length > 0 && def.columns.length <= 30;
      const old = canDiff ? (stmt(`SELECT ${def.columns.join(', ')} FROM ${def.table} WHERE id = ?`, true).get(row.id) as unknown[] | undefined) : undefined;
      if (!old) {
        const set = names.slice(1).map((c) => `${c} = excluded.${c}`);
        stmt(`INSERT INTO ${def.table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')}) ON CONFLICT(id) DO UPDATE SET ${set.join(', ')}`).run(
          row.id,
          row.position,
          row.json,
          row.detached,
          ...row.values,
        );
        continue;
      }
      const changed = def.columns.filter((_, i) => row.values[i] !== old[i]);
      const set = ['position = ?', 'doc = ?', 'detached = ?', ...changed.map((c) => `${c} = ?`)];
      stmt(`UPDATE ${def.table} SET ${set.join(', ')} WHERE id = ?`).run(row.position, row.json, row.detached, ...row.values.filter((v, i) => v !== old[i]), row.id);
    }
    for (const d of batch.deletes) stmt(`DELETE FROM ${d.table} WHERE id = ?`).run(d.id);
    for (const c of batch.checkpoints) {
      stmt(`INSERT INTO rm_checkpoints (projector, position) VALUES (?, ?) ON CONFLICT(projector) DO UPDATE SET position = excluded.position`).run(c.projector, c.position);
    }
  })();
}

/** The writer thread: its own connection (same pragmas as the store's), one batch at a time, in arrival order. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const applyRowBatch = ${applyRowBatch.toString()};
const db = new Database(workerData.filename, { fileMustExist: true });
for (const p of workerData.pragmas) db.pragma(p);
const defs = new Map();
const cache = new Map();
parentPort.on('message', ({ id, op, arg }) => {
  try {
    if (op === 'define') for (const def of arg) defs.set(def.table, def);
    else if (op === 'write') applyRowBatch(db, defs, cache, arg);
    else if (op === 'close') db.close();
    parentPort.postMessage({ id });
  } catch (error) {
    parentPort.postMessage({ id, error: { message: String(error && error.message), code: error && error.code } });
  }
});
`;

/**
 * Moves a SQLite store's writes off the event loop: better-sqlite3 is synchronous, so a commit (WAL page
 * writes, and the checkpoints that follow) blocked request handling. The caller keeps its own connection
 * for reads and schema changes; WAL lets both connections work at once, and a write resolves only after its commit.
 */
export class SqliteWriterThread {
  private readonly channel: WorkerChannel<{ op: 'define' | 'write' | 'close'; arg?: unknown }, undefined, { id: number; error?: { message: string; code?: string } }>;

  constructor(filename: string, pragmas: string[]) {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver: require.resolve('better-sqlite3'), filename, pragmas } });
    this.channel = new WorkerChannel(worker, 'SQLite writer thread', ({ id, error }) =>
      error ? { id, error: Object.assign(new Error(error.message), { code: error.code }) } : { id, reply: undefined },
    );
  }

  private async request(op: 'define' | 'write', arg: unknown): Promise<void> {
    await this.channel.request({ op, arg });
  }

  define(defs: TableDef[]): Promise<void> {
    return this.request('define', defs);
  }

  write(batch: RowBatch): Promise<void> {
    return this.request('write', batch);
  }

  /** Waits for the writes already sent, closes the thread's connection, ends the thread. */
  close(): Promise<void> {
    return this.channel.close({ op: 'close' });
  }
}
