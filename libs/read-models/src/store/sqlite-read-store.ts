import Database from 'better-sqlite3';
import { WalCheckpointer } from '@touchpoint/event-store';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CollectionSpec, Condition, Document, FindQuery, Page, ReadStore, Scalar, WriteBatch } from './port';
import { checkQuery, cursorOf } from './query';

const NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
const table = (collection: string) => `rm_${collection}`;
const column = (field: string) => `f_${field}`;

function safeName(name: string): string {
  if (!NAME.test(name)) throw new Error(`invalid name ${name}`);
  return name;
}

/** Layout of read.db. 2: declared fields are plain columns written with the document (1: json_extract generated columns). */
const LAYOUT = 2;

type Extract = (doc: Document) => unknown;

interface Upsert {
  upsert: Database.Statement;
  /** the row's current field columns, as an array (absent: no fields, or too many for a change mask) */
  current?: Database.Statement;
  /** change mask (bit i: field column i changed) → UPDATE of those columns */
  updates: Map<number, Database.Statement>;
  table: string;
  columns: string[];
  fields: Extract[];
}

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
  private readonly upserts = new Map<string, Upsert>();
  /** collections being bulk loaded: their secondary indexes are dropped until endBulk */
  private readonly bulk = new Set<string>();

  private readonly checkpointer?: WalCheckpointer;

  /** `backgroundCheckpoints`: WAL checkpoints on a worker thread instead of inside commits (the app's store does). */
  constructor(filename: string, options: { backgroundCheckpoints?: boolean } = {}) {
    if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    // Read models are rebuildable from the log: NORMAL keeps commits fast and WAL keeps them consistent.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    // Overwritten documents must not linger in free pages once a customer is erased.
    this.db.pragma('secure_delete = ON');
    // 64 MiB of page cache (default 2 MiB): index pages of a million-row history stay in memory during a rebuild.
    this.db.pragma('cache_size = -65536');
    this.migrate();
    if (options.backgroundCheckpoints && filename !== ':memory:') this.checkpointer = new WalCheckpointer(this.db);
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
      this.db.exec(`CREATE TABLE IF NOT EXISTS ${t} (id TEXT PRIMARY KEY, position INTEGER NOT NULL, doc TEXT NOT NULL)`);
      const existing = new Set((this.db.prepare(`SELECT name FROM pragma_table_xinfo(?)`).pluck().all(t) as string[]) ?? []);
      const columns = Object.entries(spec.fields).filter(([, { type }]) => type !== 'string[]');
      for (const [field, { path }] of columns) {
        if (!/^[A-Za-z0-9_.]+$/.test(path)) throw new Error(`invalid path ${path}`);
        if (existing.has(column(safeName(field)))) continue;
        // A field declared later: fill it for the rows already there, as a fresh write would.
        this.db.transaction(() => {
          this.db.exec(`ALTER TABLE ${t} ADD COLUMN ${column(field)}`);
          this.db.exec(`UPDATE ${t} SET ${column(field)} = json_extract(doc, '$.${path}')`);
        })();
      }
      this.specs.set(spec.name, spec);
      if (!this.bulk.has(spec.name)) this.createIndexes(spec);
      const names = ['id', 'position', 'doc', ...columns.map(([field]) => column(field))];
      const set = names.slice(1).map((c) => `${c} = excluded.${c}`);
      const fieldColumns = columns.map(([field]) => column(field));
      this.upserts.set(spec.name, {
        upsert: this.db.prepare(`INSERT INTO ${t} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')}) ON CONFLICT(id) DO UPDATE SET ${set.join(', ')}`),
        current: fieldColumns.length && fieldColumns.length <= 30 ? this.db.prepare(`SELECT ${fieldColumns.join(', ')} FROM ${t} WHERE id = ?`).raw(true) : undefined,
        updates: new Map(),
        table: t,
        columns: fieldColumns,
        fields: columns.map(([, { path }]) => extractor(path)),
      });
    }
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
    const sql = `SELECT doc FROM ${table(collection)} ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ?`;
    const rows = this.db.prepare(sql).pluck().all(...params) as string[];
    const items = rows.slice(0, query.limit).map((r) => JSON.parse(r) as D);
    return { items, ...(rows.length > query.limit && { next: cursorOf(spec, query.sort, items[items.length - 1]) }) };
  }

  async count(collection: string, filter: Condition[] = []): Promise<number> {
    const spec = this.spec(collection);
    checkQuery(spec, { filter });
    const params: unknown[] = [];
    const clauses = this.where(spec, filter, params);
    return this.db.prepare(`SELECT COUNT(*) FROM ${table(collection)} ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''}`).pluck().get(...params) as number;
  }

  async *scan<D extends Document>(collection: string, pageSize = 2000): AsyncIterable<D> {
    this.spec(collection);
    const stmt = this.db.prepare(`SELECT id, doc FROM ${table(collection)} WHERE id > ? ORDER BY id LIMIT ?`);
    let after = '';
    for (;;) {
      const rows = stmt.all(after, pageSize) as Array<{ id: string; doc: string }>;
      if (rows.length === 0) return;
      for (const r of rows) yield JSON.parse(r.doc) as D;
      after = rows[rows.length - 1].id;
    }
  }

  async write(batch: WriteBatch): Promise<void> {
    const setCheckpoint = this.db.prepare(
      `INSERT INTO rm_checkpoints (projector, position) VALUES (?, ?) ON CONFLICT(projector) DO UPDATE SET position = excluded.position`,
    );
    // Documents and checkpoint commit together: a crash leaves both before or both after.
    this.db.transaction(() => {
      for (const { collection, doc } of batch.upserts) {
        const upsert = this.upserts.get(collection);
        if (!upsert) throw new Error(`unknown collection ${collection}`);
        this.upsert(upsert, doc, this.bulk.has(collection));
      }
      for (const { collection, id } of batch.deletes) this.db.prepare(`DELETE FROM ${table(this.spec(collection).name)} WHERE id = ?`).run(id);
      for (const c of batch.checkpoints) setCheckpoint.run(c.projector, c.position);
    })();
  }

  /**
   * An existing row is updated in only the columns whose values changed: SQLite rewrites every index over a
   * column named in SET, so a touchpoint (new lastActivityAt) would otherwise rewrite all six customer indexes.
   * In bulk mode the indexes are gone and the plain upsert is cheaper.
   */
  private upsert(u: Upsert, doc: Document, bulk: boolean): void {
    const values = u.fields.map((f) => f(doc));
    const json = JSON.stringify(doc);
    const old = bulk || !u.current ? undefined : (u.current.get(doc._id) as unknown[] | undefined);
    if (!old) {
      u.upsert.run(doc._id, doc._position, json, ...values);
      return;
    }
    let mask = 0;
    const changed: unknown[] = [];
    values.forEach((v, i) => {
      if (v === old[i]) return;
      mask |= 1 << i;
      changed.push(v);
    });
    let update = u.updates.get(mask);
    if (!update) {
      const set = ['position = ?', 'doc = ?', ...u.columns.filter((_, i) => mask & (1 << i)).map((c) => `${c} = ?`)];
      update = this.db.prepare(`UPDATE ${u.table} SET ${set.join(', ')} WHERE id = ?`);
      u.updates.set(mask, update);
    }
    update.run(doc._position, json, ...changed, doc._id);
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
    await this.checkpointer?.stop();
    if (this.db.open) this.db.close();
  }
}

/** better-sqlite3 binds booleans as errors; SQLite's JSON booleans are 1/0. */
function bindable(value: Scalar): unknown {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}
