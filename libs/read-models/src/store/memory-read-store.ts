import type { CollectionSpec, Condition, Document, FindQuery, Page, ReadStore, WriteBatch } from './port';
import { checkQuery, comparator, cursorOf, matches, pick } from './query';

/** For tests and throwaway runs; evaluates the same whitelisted queries in process. */
export class InMemoryReadStore implements ReadStore {
  private readonly collections = new Map<string, Map<string, Document>>();
  private readonly specs = new Map<string, CollectionSpec>();
  private readonly checkpoints = new Map<string, number>();

  async ensureCollections(specs: CollectionSpec[]): Promise<void> {
    for (const spec of specs) {
      this.specs.set(spec.name, spec);
      if (!this.collections.has(spec.name)) this.collections.set(spec.name, new Map());
    }
  }

  private coll(name: string): Map<string, Document> {
    const c = this.collections.get(name);
    if (!c) throw new Error(`unknown collection ${name}`);
    return c;
  }

  /** No secondary indexes here: bulk mode only checks the names. */
  async beginBulk(collections: string[]): Promise<void> {
    for (const c of collections) this.spec(c);
  }

  async endBulk(collections: string[]): Promise<void> {
    for (const c of collections) this.spec(c);
  }

  private spec(name: string): CollectionSpec {
    const s = this.specs.get(name);
    if (!s) throw new Error(`unknown collection ${name}`);
    return s;
  }

  /** A copy as queries see it: without the collection's detached keys. */
  private body<D extends Document>(collection: string, doc: Document): D {
    const detached = this.spec(collection).detached ?? [];
    if (!detached.length) return structuredClone(doc) as D;
    const body: Record<string, unknown> = { ...doc };
    for (const key of detached) delete body[key];
    return structuredClone(body) as D;
  }

  async get<D extends Document>(collection: string, id: string): Promise<D | undefined> {
    const doc = this.coll(collection).get(id);
    return doc && this.body<D>(collection, doc);
  }

  async find<D extends Document>(collection: string, query: FindQuery): Promise<Page<D>> {
    const spec = this.spec(collection);
    checkQuery(spec, query);
    const compare = comparator(spec, query.sort);
    let docs = [...this.coll(collection).values()].filter((d) => matches(spec, d, query.filter)).sort(compare);
    if (query.after) {
      const anchor = { _id: query.after.id } as Record<string, unknown>;
      (query.sort ?? []).forEach((s, i) => setPath(anchor, spec.fields[s.field].path, query.after!.values[i]));
      docs = docs.filter((d) => compare(d, anchor as { _id: string }) > 0);
    }
    const items = docs.slice(0, query.limit).map((d) => pick<D>(this.body<Document>(collection, d) as unknown as Record<string, unknown>, query.fields));
    return { items, ...(docs.length > query.limit && { next: cursorOf(spec, query.sort, items[items.length - 1]) }) };
  }

  async count(collection: string, filter: Condition[] = []): Promise<number> {
    const spec = this.spec(collection);
    checkQuery(spec, { filter });
    return [...this.coll(collection).values()].filter((d) => matches(spec, d, filter)).length;
  }

  async load<D extends Document>(collection: string, ids: readonly string[]): Promise<D[]> {
    const docs = this.coll(collection);
    return ids.flatMap((id) => {
      const doc = docs.get(id);
      return doc ? [structuredClone(doc) as D] : [];
    });
  }

  async *scan<D extends Document>(collection: string): AsyncIterable<D> {
    const ids = [...this.coll(collection).keys()].sort();
    for (const id of ids) {
      const doc = this.coll(collection).get(id);
      if (doc) yield structuredClone(doc) as D;
    }
  }

  async write(batch: WriteBatch): Promise<void> {
    for (const { collection, doc } of batch.upserts) this.coll(collection).set(doc._id, structuredClone(doc));
    for (const { collection, id } of batch.deletes) this.coll(collection).delete(id);
    for (const c of batch.checkpoints) this.checkpoints.set(c.projector, c.position);
  }

  async checkpoint(projector: string): Promise<number> {
    return this.checkpoints.get(projector) ?? 0;
  }

  async reset(collections: string[], projector: string): Promise<void> {
    for (const c of collections) this.coll(c).clear();
    this.checkpoints.delete(projector);
  }

  async close(): Promise<void> {}
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
  node[parts[parts.length - 1]] = value;
}
