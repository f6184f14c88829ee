import { MongoClient, type AnyBulkWriteOperation, type Collection, type Db, type Filter } from 'mongodb';
import type { CollectionSpec, Condition, Document, FindQuery, Page, ReadStore, Scalar, WriteBatch } from './port';
import { checkQuery, cursorOf, returnedKeys } from './query';

type Raw = Record<string, unknown>;
type Stored = { _id: string; [key: string]: unknown };
type Checkpoint = { _id: string; position: number };

const NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
/** Dotted document paths: plain identifiers only, so never an operator ($…), never an empty segment. */
const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const CHECKPOINTS = 'rm_checkpoints';
const collectionName = (collection: string) => `rm_${collection}`;

function safeName(name: string): string {
  if (!NAME.test(name)) throw new Error(`invalid name ${name}`);
  return name;
}

const indexName = (spec: CollectionSpec, fields: string[]) => `ix_${spec.name}_${fields.map(safeName).join('_')}`;

function isScalar(value: unknown): value is Scalar {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** A filter value that cannot be an operator: client values are checked to be scalars, then wrapped in $eq/$in/… anyway. */
function scalar(value: unknown): Scalar {
  if (!isScalar(value)) throw new Error('query value is not a scalar');
  return value;
}

/**
 * The MongoDB read store: a collection `rm_<name>` per read-model collection
 * holding the documents exactly as projected (`_id` is the document id, all
 * fields as-is including `_position`), and `rm_checkpoints` with one
 * `{ _id: projector, position }` per projector.
 *
 * Filters are built only from paths declared in a CollectionSpec (trusted
 * code, checked against a strict pattern) and scalar values, always under an
 * explicit operator (`{ path: { $eq: value } }`), so nothing a client sends can
 * become an operator or name a field.
 *
 * No transactions (mongo-java-server, FerretDB and standalone servers lack
 * them): write() applies documents first and checkpoints last. A crash between
 * the two leaves documents ahead of the checkpoint; the projector then replays
 * those events, and since every document carries the `_position` of the last
 * event applied to it, the projector's guard skips them — a replay changes nothing.
 */
export class MongoReadStore implements ReadStore {
  private readonly specs = new Map<string, CollectionSpec>();
  /** collections being bulk loaded: their secondary indexes are dropped until endBulk */
  private readonly bulk = new Set<string>();

  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
  ) {}

  static async connect(url: string, dbName = 'touchpoint'): Promise<MongoReadStore> {
    const client = new MongoClient(url);
    await client.connect();
    return new MongoReadStore(client, client.db(safeName(dbName)));
  }

  async ensureCollections(specs: CollectionSpec[]): Promise<void> {
    for (const spec of specs) {
      safeName(spec.name);
      if (collectionName(spec.name) === CHECKPOINTS) throw new Error(`collection name ${spec.name} is reserved`);
      for (const [field, { path }] of Object.entries(spec.fields)) {
        safeName(field);
        if (!PATH.test(path)) throw new Error(`invalid path ${path} for ${spec.name}.${field}`);
      }
      for (const fields of spec.indexes) {
        for (const f of fields) if (!spec.fields[f]) throw new Error(`index on undeclared field ${spec.name}.${f}`);
      }
      if (!this.bulk.has(spec.name)) await this.createIndexes(spec);
      this.specs.set(spec.name, spec);
    }
  }

  private async createIndexes(spec: CollectionSpec): Promise<void> {
    const coll = this.db.collection(collectionName(spec.name));
    for (const fields of spec.indexes) {
      const key = new Map<string, 1>();
      for (const f of fields) key.set(spec.fields[f].path, 1);
      key.set('_id', 1);
      // Same key and name as before → the server answers OK without doing anything (idempotent).
      await coll.createIndex(key, { name: indexName(spec, fields) });
    }
  }

  async beginBulk(collections: string[]): Promise<void> {
    for (const c of collections) {
      const spec = this.spec(c);
      this.bulk.add(c);
      const coll = this.coll(c);
      const existing = new Set((await coll.listIndexes().toArray()).map((ix) => String(ix.name)));
      for (const fields of spec.indexes) {
        const name = indexName(spec, fields);
        if (existing.has(name)) await coll.dropIndex(name);
      }
    }
  }

  async endBulk(collections: string[]): Promise<void> {
    for (const c of collections) {
      await this.createIndexes(this.spec(c));
      this.bulk.delete(c);
    }
  }

  private spec(name: string): CollectionSpec {
    const s = this.specs.get(name);
    if (!s) throw new Error(`unknown collection ${name}`);
    return s;
  }

  private coll(name: string): Collection<Stored> {
    return this.db.collection<Stored>(collectionName(this.spec(name).name));
  }

  /** Queries leave the collection's detached keys on the server. */
  private bodyOnly(collection: string): { projection?: Record<string, 0> } {
    const detached = this.spec(collection).detached ?? [];
    return detached.length ? { projection: Object.fromEntries(detached.map((k) => [k, 0 as const])) } : {};
  }

  /** A field list as a projection: the keys asked for, never a detached one. */
  private only(collection: string, fields: readonly string[]): { projection: Record<string, 1> } {
    const detached = new Set(this.spec(collection).detached ?? []);
    return { projection: Object.fromEntries(returnedKeys(fields).filter((k) => !detached.has(k)).map((k) => [k, 1 as const])) };
  }

  async get<D extends Document>(collection: string, id: string): Promise<D | undefined> {
    const doc = await this.coll(collection).findOne({ _id: { $eq: String(id) } } as Filter<Stored>, this.bodyOnly(collection));
    return (doc ?? undefined) as D | undefined;
  }

  private conditions(spec: CollectionSpec, filter: Condition[] = []): Raw[] {
    return filter.map((c) => {
      const path = spec.fields[c.field].path;
      switch (c.op) {
        case 'eq':
        case 'has': // on an array, $eq matches when any element equals the value
          return { [path]: { $eq: scalar(c.value) } };
        case 'in':
          return { [path]: { $in: (c.value as unknown[]).map(scalar) } };
        case 'gt':
        case 'gte':
        case 'lt':
        case 'lte':
          return { [path]: { [`$${c.op}`]: scalar(c.value) } };
        default:
          throw new Error(`unknown operator ${String(c.op)}`);
      }
    });
  }

  private static and(clauses: Raw[]): Filter<Stored> {
    return (clauses.length === 0 ? {} : clauses.length === 1 ? clauses[0] : { $and: clauses }) as Filter<Stored>;
  }

  async find<D extends Document>(collection: string, query: FindQuery): Promise<Page<D>> {
    const spec = this.spec(collection);
    checkQuery(spec, query);
    if (!Number.isInteger(query.limit) || query.limit < 1) throw new Error('limit must be a positive integer');
    const clauses = this.conditions(spec, query.filter);
    const sort = query.sort ?? [];
    const keys = [...sort.map((s) => ({ path: spec.fields[s.field].path, dir: s.direction })), { path: '_id', dir: 'asc' as const }];
    if (query.after) {
      // Keyset: documents strictly after the cursor in (sort..., _id) order, each key in its own direction:
      // (k0 > v0) OR (k0 = v0 AND k1 > v1) OR ... with < for descending keys.
      if (typeof query.after.id !== 'string') throw new Error('cursor id is not a string');
      const values: Array<Scalar | null> = [...query.after.values.map((v) => (v === null || v === undefined ? null : scalar(v))), query.after.id];
      const ors: Raw[] = [];
      keys.forEach((k, i) => {
        const strict = after(k.path, k.dir, values[i]);
        if (!strict) return;
        const prefix = keys.slice(0, i).map((p, j) => ({ [p.path]: values[j] === null ? null : { $eq: values[j] } }));
        ors.push(prefix.length ? { $and: [...prefix, strict] } : strict);
      });
      clauses.push(ors.length ? { $or: ors } : { _id: { $in: [] } });
    }
    // Mongo orders missing/null first ascending and last descending, like SQLite's NULLs.
    const order = new Map<string, 1 | -1>();
    for (const k of keys) if (!order.has(k.path)) order.set(k.path, k.dir === 'asc' ? 1 : -1);
    const docs = await this.coll(collection)
      .find(MongoReadStore.and(clauses), query.fields ? this.only(collection, query.fields) : this.bodyOnly(collection))
      .sort(order)
      .limit(query.limit + 1)
      .toArray();
    const items = docs.slice(0, query.limit) as unknown as D[];
    return { items, ...(docs.length > query.limit && { next: cursorOf(spec, query.sort, items[items.length - 1]) }) };
  }

  async count(collection: string, filter: Condition[] = []): Promise<number> {
    const spec = this.spec(collection);
    checkQuery(spec, { filter });
    return this.coll(collection).countDocuments(MongoReadStore.and(this.conditions(spec, filter)));
  }

  async load<D extends Document>(collection: string, ids: readonly string[]): Promise<D[]> {
    if (ids.length === 0) return [];
    // Strings only: an id never reaches the server as an operator.
    const docs = await this.coll(collection)
      .find({ _id: { $in: ids.map(String) } } as Filter<Stored>)
      .toArray();
    return docs as unknown as D[];
  }

  async *scan<D extends Document>(collection: string, pageSize = 2000): AsyncIterable<D> {
    const coll = this.coll(collection);
    let last: string | undefined;
    for (;;) {
      const page = await coll
        .find((last === undefined ? {} : { _id: { $gt: last } }) as Filter<Stored>)
        .sort({ _id: 1 })
        .limit(pageSize)
        .toArray();
      if (page.length === 0) return;
      for (const doc of page) yield doc as unknown as D;
      if (page.length < pageSize) return;
      last = page[page.length - 1]._id;
    }
  }

  async write(batch: WriteBatch): Promise<void> {
    // Same semantics as the other adapters: upserts in order (last one wins), then deletes.
    // One operation per document, so an unordered bulk write cannot reorder two writes of the same id.
    const byCollection = new Map<string, Map<string, AnyBulkWriteOperation<Stored>>>();
    const opsOf = (collection: string) => {
      this.spec(collection);
      let ops = byCollection.get(collection);
      if (!ops) byCollection.set(collection, (ops = new Map()));
      return ops;
    };
    for (const { collection, doc } of batch.upserts) {
      if (typeof doc._id !== 'string') throw new Error('document _id must be a string');
      opsOf(collection).set(doc._id, { replaceOne: { filter: { _id: { $eq: doc._id } } as Filter<Stored>, replacement: doc as Stored, upsert: true } });
    }
    for (const { collection, id } of batch.deletes) {
      opsOf(collection).set(id, { deleteOne: { filter: { _id: { $eq: String(id) } } as Filter<Stored> } });
    }
    // Documents first …
    await Promise.all([...byCollection].map(([collection, ops]) => this.coll(collection).bulkWrite([...ops.values()], { ordered: false })));
    // … checkpoints last: a crash in between only makes the projector replay events its _position guard skips.
    if (batch.checkpoints.length) {
      const last = new Map(batch.checkpoints.map((c) => [c.projector, c.position]));
      await this.db.collection<Checkpoint>(CHECKPOINTS).bulkWrite(
        [...last].map(([projector, position]) => ({ updateOne: { filter: { _id: { $eq: String(projector) } }, update: { $set: { position } }, upsert: true } })),
        { ordered: false },
      );
    }
  }

  async checkpoint(projector: string): Promise<number> {
    const row = await this.db.collection<Checkpoint>(CHECKPOINTS).findOne({ _id: { $eq: String(projector) } });
    return row?.position ?? 0;
  }

  async reset(collections: string[], projector: string): Promise<void> {
    for (const c of collections) await this.coll(c).deleteMany({});
    await this.db.collection<Checkpoint>(CHECKPOINTS).deleteOne({ _id: { $eq: String(projector) } });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** The "strictly after v" condition on one key; undefined when nothing can follow. */
function after(path: string, dir: 'asc' | 'desc', v: Scalar | null): Raw | undefined {
  if (v === null) return dir === 'asc' ? { [path]: { $ne: null } } : undefined; // nulls sort first asc, last desc
  if (dir === 'asc') return { [path]: { $gt: v } };
  return { $or: [{ [path]: { $lt: v } }, { [path]: null }] };
}
