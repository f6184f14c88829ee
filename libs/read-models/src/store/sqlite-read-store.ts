import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CollectionSpec, Condition, Document, FindQuery, Page, ReadStore, Scalar, WriteBatch } from './port';
import { checkQuery, cursorOf, returnedKeys } from './query';
import { applyRowBatch, SqliteWriterThread, type RowBatch, type TableDef } from './sqlite-writer';

const NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
const table = (collection: string) => `rm_${collection}`;
const column = (field: string) => `f_${field}`;

function safeName(name: string): string {
  if (!NAME.test(name)) throw new Error(`invalid name ${name}`);
  return name;
}

/**
 * Layout of read.db. 4: customer documents carry their name's search key, which only a replay can give the
 * documents already stored (3: a collection's detached keys go in their own column; 2: declared fields are plain
 * columns written with the document; 1: json_extract generated columns).
 */
const LAYOUT = 4;

/**
 * Read models are rebuildable from the log: NORMAL keeps commits fast and WAL keeps them consistent.
 * secure_delete: overwritten documents must not linger in free pages once a customer is erased.
 */
const PRAGMAS = ['journal_mode = WAL', 'synchronous = NORMAL', 'busy_timeout = 5000', 'secure_delete = ON'];
/**
 * Page cache (SQLite's default is 2 MiB): the writing connection keeps the hot index pages of a million-row
 * history in memory during a rebuild. With a writer thread the caller's connection only reads and changes
 * the schema, and both caches count against the process's memory: 32 MiB for the writer, 16 MiB for reads.
 */
const CACHE = { alone: 'cache_size = -65536', writer: 'cache_size = -32768', reader: 'cache_size = -16384' };

type Extract = (doc: Document) => unknown;


/** The field's value as SQLite's json_extract would give it: scalars as such, booleans as 0/1, objects as JSON text. */
function extractor(path: string): Extract {
  const steps = path.split('.');
  return (doc) => {
    let value: unknown = doc;
    for (const step of steps) value = value === null || typeof value !== 'object' ? undefined : (value as Record<string, unknown>)[step];
    if (value === undefined || value === null) return null;
    if (typeof value === 'boolean') return value ? 1 : 0;
    return typeof value === 'object' ? JSON.stringify(value) : value;
  };
}

/**
 * The embedded default read store: one SQLite file, a table per collection
 * holding JSON documents, with a column and index for every declared field,
 * written with the document (no JSON parsing inside SQLite on the write path). Values always travel as bound parameters; only
 * declared names, checked against a strict pattern, appear in SQL text.
 */
export class SqliteReadStore implements ReadStore {
  private readonly db: Database.Database;
  private readonly specs = new Map<string, CollectionSpec>();
  /** collection → its table's definition for the writer, and how to extract each field column from a document */
  private readonly tables = new Map<string, { def: TableDef; extract: Extract[] }>();
  private readonly defs = new Map<string, TableDef>();
  private readonly statements = new Map<string, Database.Statement>();
  private readonly writer?: SqliteWriterThread;
  /** collections being bulk loaded: their secondary indexes are dropped until endBulk */
  private readonly bulk = new Set<string>();
  /** JSON of detached values already serialised, by identity (documents are replaced, never mutated) */
  private readonly detachedJson = new WeakMap<object, string>();

  /**
   * `writerThread`: documents and checkpoints are written by a worker thread with its own connection (the app's
   * store does), so commits and their WAL checkpoints never block the event loop. Schema changes stay here.
   */
  constructor(filename: string, options: { writerThread?: boolean } = {}) {
    if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
    this.db = new Database(filename);
    const writerThread = options.writerThread === true && filename !== ':memory:';
    for (const p of [...PRAGMAS, writerThread ? CACHE.reader : CACHE.alone]) this.db.pragma(p);
    this.migrate();
    if (writerThread) this.writer = new SqliteWriterThread(filename, [...PRAGMAS, CACHE.writer]);
    this.db.exec(`CREATE TABLE IF NOT EXISTS rm_checkpoints (projector TEXT PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID`);
  }

  /** A file of an older layout is emptied, checkpoints included: read models are rebuilt from the log, never migrated. */
  private migrate(): void {
    this.db
      .transaction(() => {
        if ((this.db.pragma('user_version', { simple: true }) as number) === LAYOUT) return;
        const tables = this.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 3) = 'rm_'`).pluck().all() as string[];
        for (const t of tables) this.db.exec(`DROP TABLE ${safeName(t)}`);
        this.db.pragma(`user_version = ${LAYOUT}`);
      })
      .immediate();
  }

  async ensureCollections(specs: CollectionSpec[]): Promise<void> {
    for (const spec of specs) {
      const t = table(safeName(spec.name));
      // A rowid table, not WITHOUT ROWID: documents are large and ids random (event ids), so rows go in append
      // order and only the small id index takes random inserts; a clustered table rewrote random pages per insert.
      this.db.exec(`CREATE TABLE IF NOT EXISTS ${t} (id TEXT PRIMARY KEY, position INTEGER NOT NULL, doc TEXT NOT NULL, detached TEXT)`);
      const existing = new Set((this.db.prepare(`SELECT name FROM pragma_table_xinfo(?)`).pluck().all(t) as string[]) ?? []);
      const columns = Object.entries(spec.fields).filter(([, { type }]) => type !== 'string[]');
      for (const [field, { path }] of columns) {
        if (!/^[A-Za-z0-9_.]+$/.test(path)) throw new Error(`invalid path ${path}`);
        if (spec.detached?.includes(path.split('.')[0])) throw new Error(`field ${field} lies in a detached key of ${spec.name}`);
        if (existing.has(column(safeName(field)))) continue;
        // A field declared later: fill it for the rows already there, as a fresh write would.
        this.db.transaction(() => {
          this.db.exec(`ALTER TABLE ${t} ADD COLUMN ${column(field)}`);
          this.db.exec(`UPDATE ${t} SET ${column(field)} = json_extract(doc, '$.${path}')`);
        })();
      }
      this.specs.set(spec.name, spec);
      if (!this.bulk.has(spec.name)) this.createIndexes(spec);
      const def: TableDef = { table: t, columns: columns.map(([field]) => column(field)) };
      this.tables.set(spec.name, { def, extract: columns.map(([, { path }]) => extractor(path)) });
      this.defs.set(t, def);
    }
    await this.writer?.define([...this.defs.values()]);
  }

  private indexNames(spec: CollectionSpec): Array<{ name: string; fields: string[] }> {
    return spec.indexes.map((fields) => ({ name: `ix_${spec.name}_${fields.map(safeName).join('_')}`, fields }));
  }

  private createIndexes(spec: CollectionSpec): void {
    for (const { name, fields } of this.indexNames(spec)) {
      this.db.exec(`CREATE INDEX IF NOT EXISTS ${name} ON ${table(spec.name)} (${fields.map(column).join(', ')}, id)`);
    }
  }

  async beginBulk(collections: string[]): Promise<void> {
    for (const c of collections) {
      const spec = this.spec(c);
      this.bulk.add(c);
      for (const { name } of this.indexNames(spec)) this.db.exec(`DROP INDEX IF EXISTS ${name}`);
    }
  }

  async endBulk(collections: string[]): Promise<void> {
    for (const c of collections) {
      const spec = this.spec(c);
      // One sort per index over the loaded rows instead of a random index insert per row written.
      this.createIndexes(spec);
      this.bulk.delete(c);
    }
  }

  private spec(name: string): CollectionSpec {
    const s = this.specs.get(name);
    if (!s) throw new Error(`unknown collection ${name}`);
    return s;
  }

  async get<D extends Document>(collection: string, id: string): Promise<D | undefined> {
    this.spec(collection);
    const doc = this.db.prepare(`SELECT doc FROM ${table(collection)} WHERE id = ?`).pluck().get(id) as string | undefined;
    return doc === undefined ? undefined : (JSON.parse(doc) as D);
  }

  private where(spec: CollectionSpec, filter: Condition[] = [], params: unknown[]): string[] {
    return filter.map((c) => {
      const field = spec.fields[c.field];
      if (c.op === 'has') {
        params.push(c.value);
        return `EXISTS (SELECT 1 FROM json_each(doc, '$.${field.path}') WHERE value = ?)`;
      }
      const col = column(c.field);
      if (c.op === 'in') {
        const values = c.value as Scalar[];
        if (values.length === 0) return '0';
        params.push(...values.map(bindable));
        return `${col} IN (${values.map(() => '?').join(', ')})`;
      }
      params.push(bindable(c.value as Scalar));
      return `${col} ${{ eq: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' }[c.op]} ?`;
    });
  }

  async find<D extends Document>(collection: string, query: FindQuery): Promise<Page<D>> {
    const spec = this.spec(collection);
    checkQuery(spec, query);
    const params: unknown[] = [];
    const clauses = this.where(spec, query.filter, params);
    const sort = query.sort ?? [];
    if (query.after) {
      // Keyset: rows strictly after the cursor in (sort..., id) order, each key in its own direction.
      const ors: string[] = [];
      const keys = [...sort.map((s) => ({ col: column(s.field), dir: s.direction })), { col: 'id', dir: 'asc' as const }];
      const values = [...query.after.values, query.after.id];
      keys.forEach((k, i) => {
        const parts = keys.slice(0, i).map((p) => `${p.col} = ?`);
        parts.push(`${k.col} ${k.dir === 'asc' ? '>' : '<'} ?`);
        params.push(...values.slice(0, i + 1).map(bindable));
        ors.push(`(${parts.join(' AND ')})`);
      });
      clauses.push(`(${ors.join(' OR ')})`);
      // The same bound on the first sort key alone: SQLite cannot seek the index on the OR above, and
      // without this a deep page scanned every earlier row of the range (10 ms at 20k history entries).
      if (sort.length) {
        clauses.push(`${keys[0].col} ${keys[0].dir === 'asc' ? '>=' : '<='} ?`);
        params.push(bindable(values[0]));
      }
    }
    const order = [...sort.map((s) => `${column(s.field)} ${s.direction === 'asc' ? 'ASC' : 'DESC'}`), 'id ASC'].join(', ');
    params.push(query.limit + 1);
    // With a field list SQLite extracts the keys (`->` gives each as JSON, SQL NULL when the document lacks it), so only they are parsed.
    const keys = query.fields ? returnedKeys(query.fields) : undefined;
    const select = keys ? keys.map((k) => `doc->'$.${k}'`).join(', ') : 'doc';
    const sql = `SELECT ${select} FROM ${table(collection)} ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ?`;
    const rows = this.db.prepare(sql).raw().all(...params) as Array<Array<string | null>>;
    const items = rows.slice(0, query.limit).map((r) => (keys ? picked<D>(keys, r) : (JSON.parse(r[0] as string) as D)));
    return { items, ...(rows.length > query.limit && { next: cursorOf(spec, query.sort, items[items.length - 1]) }) };
  }

  async count(collection: string, filter: Condition[] = []): Promise<number> {
    const spec = this.spec(collection);
    checkQuery(spec, { filter });
    const params: unknown[] = [];
    const clauses = this.where(spec, filter, params);
    return this.db.prepare(`SELECT COUNT(*) FROM ${table(collection)} ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''}`).pluck().get(...params) as number;
  }

  async load<D extends Document>(collection: string, ids: readonly string[]): Promise<D[]> {
    this.spec(collection);
    if (ids.length === 0) return [];
    const rows = this.db.prepare(`SELECT doc, detached FROM ${table(collection)} WHERE id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(ids.map(String))) as Array<{ doc: string; detached: string | null }>;
    return rows.map((r) => (r.detached === null ? JSON.parse(r.doc) : { ...JSON.parse(r.doc), ...JSON.parse(r.detached) }) as D);
  }

  async *scan<D extends Document>(collection: string, pageSize = 2000): AsyncIterable<D> {
    this.spec(collection);
    const stmt = this.db.prepare(`SELECT id, doc, detached FROM ${table(collection)} WHERE id > ? ORDER BY id LIMIT ?`);
    let after = '';
    for (;;) {
      const rows = stmt.all(after, pageSize) as Array<{ id: string; doc: string; detached: string | null }>;
      if (rows.length === 0) return;
      for (const r of rows) yield (r.detached === null ? JSON.parse(r.doc) : { ...JSON.parse(r.doc), ...JSON.parse(r.detached) }) as D;
      after = rows[rows.length - 1].id;
    }
  }

  /** The document's body and its detached keys, each as JSON (null: nothing detached). */
  private serialise(collection: string, doc: Document): { json: string; detached: string | null } {
    const keys = this.spec(collection).detached ?? [];
    if (!keys.length) return { json: JSON.stringify(doc), detached: null };
    const body: Record<string, unknown> = { ...doc };
    const parts: string[] = [];
    for (const key of keys) {
      const value = body[key];
      delete body[key];
      if (value === undefined) continue;
      // A detached part (an order book) is usually the same object as at the last write: serialised once.
      let json = typeof value === 'object' && value !== null ? this.detachedJson.get(value) : undefined;
      if (json === undefined) {
        json = JSON.stringify(value);
        if (typeof value === 'object' && value !== null) this.detachedJson.set(value, json);
      }
      parts.push(`${JSON.stringify(key)}:${json}`);
    }
    return { json: JSON.stringify(body), detached: `{${parts.join(',')}}` };
  }

  async write(batch: WriteBatch): Promise<void> {
    const rows: RowBatch = { rows: [], deletes: [], checkpoints: batch.checkpoints };
    for (const { collection, doc } of batch.upserts) {
      const t = this.tables.get(collection);
      if (!t) throw new Error(`unknown collection ${collection}`);
      const { json, detached } = this.serialise(collection, doc);
      rows.rows.push({ table: t.def.table, id: doc._id, position: doc._position, json, detached, values: t.extract.map((f) => f(doc)), bulk: this.bulk.has(collection) });
    }
    for (const { collection, id } of batch.deletes) rows.deletes.push({ table: table(this.spec(collection).name), id });
    // Documents and checkpoints commit together: a crash leaves both before or both after.
    if (this.writer) await this.writer.write(rows);
    else applyRowBatch(this.db, this.defs, this.statements, rows);
  }

  async checkpoint(projector: string): Promise<number> {
    return (this.db.prepare(`SELECT position FROM rm_checkpoints WHERE projector = ?`).pluck().get(projector) as number | undefined) ?? 0;
  }

  async reset(collections: string[], projector: string): Promise<void> {
    this.db.transaction(() => {
      for (const c of collections) this.db.exec(`DELETE FROM ${table(this.spec(c).name)}`);
      this.db.prepare(`DELETE FROM rm_checkpoints WHERE projector = ?`).run(projector);
    })();
  }

  async purge(): Promise<void> {
    // Old page images stay in the WAL file until it is checkpointed and truncated.
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  async close(): Promise<void> {
    await this.writer?.close();
    if (this.db.open) this.db.close();
  }
}

/** better-sqlite3 binds booleans as errors; SQLite's JSON booleans are 1/0. */
function bindable(value: Scalar): unknown {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

/** A `fields` row: each key's JSON text (SQL NULL where the document lacks the key), back into a document. */
function picked<D>(keys: string[], values: Array<string | null>): D {
  const out: Record<string, unknown> = {};
  keys.forEach((key, i) => {
    if (values[i] !== null) out[key] = JSON.parse(values[i] as string);
  });
  return out as D;
}
