import { UnknownFieldError, readPath, type CollectionSpec, type Condition, type FindQuery, type Scalar, type SortKey } from './port';

/** Orders scalars the way SQLite and MongoDB do for same-typed values. */
export function compareScalars(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return -1;
  if (b === undefined || b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}

/** Rejects anything not declared by the collection, and values that are not plain scalars. */
export function checkQuery(spec: CollectionSpec, query: Pick<FindQuery, 'filter' | 'sort' | 'after' | 'fields'>): void {
  for (const c of query.filter ?? []) {
    const field = spec.fields[c.field];
    if (!field) throw new UnknownFieldError(spec.name, c.field);
    const values = Array.isArray(c.value) ? c.value : [c.value];
    if (c.op === 'in' ? !Array.isArray(c.value) : Array.isArray(c.value)) throw new Error(`operator ${c.op} got the wrong value shape`);
    for (const v of values) if (!['string', 'number', 'boolean'].includes(typeof v)) throw new Error(`field ${c.field} compared with a non-scalar`);
    if (c.op === 'has' && field.type !== 'string[]') throw new Error(`has applies to list fields only`);
  }
  for (const s of query.sort ?? []) {
    const field = spec.fields[s.field];
    if (!field) throw new UnknownFieldError(spec.name, s.field);
    if (field.type === 'string[]') throw new Error(`cannot sort by list field ${s.field}`);
  }
  if (query.after && query.after.values.length !== (query.sort ?? []).length) throw new Error('cursor does not match the sort');
  for (const key of query.fields ?? []) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`field list: ${JSON.stringify(key)} is not a top-level key`);
  // The next page's cursor is read from the last item: it must keep what the sort reads.
  if (query.fields) for (const s of query.sort ?? []) if (!query.fields.includes(spec.fields[s.field].path.split('.')[0])) throw new Error(`field list leaves out ${s.field}, which the query sorts by`);
}

/** The keys a `fields` query returns: the asked ones and the document's bookkeeping, once each. */
export const returnedKeys = (fields: readonly string[]): string[] => [...new Set(['_id', '_position', ...fields])];

/** A document reduced to the keys a `fields` query asks for (absent keys stay absent). */
export function pick<D>(doc: Record<string, unknown>, fields: readonly string[] | undefined): D {
  if (!fields) return doc as D;
  const out: Record<string, unknown> = {};
  for (const key of returnedKeys(fields)) if (key in doc) out[key] = doc[key];
  return out as D;
}

export function matches(spec: CollectionSpec, doc: unknown, filter: Condition[] = []): boolean {
  return filter.every((c) => {
    const value = readPath(doc, spec.fields[c.field].path);
    switch (c.op) {
      case 'eq':
        return value === c.value;
      case 'in':
        return (c.value as Scalar[]).includes(value as Scalar);
      case 'has':
        return Array.isArray(value) && value.includes(c.value);
      case 'gt':
        return value !== undefined && value !== null && compareScalars(value, c.value) > 0;
      case 'gte':
        return value !== undefined && value !== null && compareScalars(value, c.value) >= 0;
      case 'lt':
        return value !== undefined && value !== null && compareScalars(value, c.value) < 0;
      case 'lte':
        return value !== undefined && value !== null && compareScalars(value, c.value) <= 0;
    }
  });
}

/** Sort comparator with _id as the final tiebreak, so keyset pages are stable. */
export function comparator(spec: CollectionSpec, sort: SortKey[] = []) {
  return (a: { _id: string }, b: { _id: string }) => {
    for (const s of sort) {
      const d = compareScalars(readPath(a, spec.fields[s.field].path), readPath(b, spec.fields[s.field].path));
      if (d !== 0) return s.direction === 'asc' ? d : -d;
    }
    return a._id < b._id ? -1 : a._id > b._id ? 1 : 0;
  };
}

/** The cursor of the last item of a full page. */
export function cursorOf(spec: CollectionSpec, sort: SortKey[] = [], doc: { _id: string }): { values: Scalar[]; id: string } {
  return { values: sort.map((s) => readPath(doc, spec.fields[s.field].path) as Scalar), id: doc._id };
}
