/**
 * The read-model store port: documents in collections, shaped so that an
 * embedded SQLite file, memory and MongoDB all fit. Queries name only fields a
 * collection declares (a whitelist) and compare them with scalars: nothing a
 * client sends can become an operator.
 */
export const READ_STORE = Symbol('READ_STORE');

export type Scalar = string | number | boolean;

export interface Document {
  _id: string;
  /** global position of the last event applied to this document (redelivery guard) */
  _position: number;
  [key: string]: unknown;
}

/**
 * A document's own fields, less the storage keys and any named in K, as a read answers them. (`Omit` over a
 * `Document` keeps only its index signature and loses every named field.)
 */
export type DocumentBody<D extends Document, K extends PropertyKey = never> = {
  [P in keyof D as string extends P ? never : number extends P ? never : P extends '_id' | '_position' | K ? never : P]: D[P];
};

export type FieldType = 'string' | 'number' | 'boolean' | 'string[]';

export interface CollectionSpec {
  name: string;
  /** queryable fields: name → dotted path in the document; nothing else can be filtered or sorted */
  fields: Record<string, { path: string; type: FieldType }>;
  /** compound indexes over declared field names */
  indexes: string[][];
  /**
   * Top-level keys kept apart from the document's body: written with it and given back by `scan` (the
   * projector's reload), but left out of `get` and `find`, so a large internal part (a customer's order
   * book) costs queries nothing.
   */
  detached?: readonly string[];
}

export type Operator = 'eq' | 'in' | 'gt' | 'gte' | 'lt' | 'lte' | 'has';

export interface Condition {
  field: string;
  op: Operator;
  value: Scalar | Scalar[];
}

export interface SortKey {
  field: string;
  direction: 'asc' | 'desc';
}

export interface FindQuery {
  filter?: Condition[];
  sort?: SortKey[];
  limit: number;
  /** keyset cursor: the sort values and _id of the last item of the previous page */
  after?: { values: Scalar[]; id: string };
  /**
   * Only these top-level keys of each document (with `_id` and `_position`); a key the document lacks stays absent.
   * Absent: the whole body. For internal readers that need a few keys of many documents (the projector's ranking);
   * the names come from code, never from a client.
   */
  fields?: readonly string[];
}

export interface Page<D> {
  items: D[];
  /** present when more items may follow */
  next?: { values: Scalar[]; id: string };
}

export interface WriteBatch {
  upserts: Array<{ collection: string; doc: Document }>;
  deletes: Array<{ collection: string; id: string }>;
  /** projector checkpoints to set with the writes */
  checkpoints: Array<{ projector: string; position: number }>;
}

export interface ReadStore {
  /** creates collections and indexes; idempotent */
  ensureCollections(specs: CollectionSpec[]): Promise<void>;
  get<D extends Document>(collection: string, id: string): Promise<D | undefined>;
  find<D extends Document>(collection: string, query: FindQuery): Promise<Page<D>>;
  count(collection: string, filter?: Condition[]): Promise<number>;
  /**
   * The documents with these ids as the projector keeps them (detached keys included, as `scan` gives them);
   * ids with no document are left out. The projector's reads past its bounded cache.
   */
  load<D extends Document>(collection: string, ids: readonly string[]): Promise<D[]>;
  /** every document of a collection, streamed in _id order */
  scan<D extends Document>(collection: string, pageSize?: number): AsyncIterable<D>;
  /**
   * Applies writes and checkpoints: atomically where the engine can, otherwise
   * documents first and checkpoints last (documents carry _position for replay safety).
   */
  write(batch: WriteBatch): Promise<void>;
  checkpoint(projector: string): Promise<number>;
  /**
   * Makes data already overwritten or deleted unrecoverable from the store's
   * own files (SQLite: free pages are zeroed by secure_delete; this truncates
   * the write-ahead log). Called after an erasure. Optional: engines without
   * such leftovers omit it.
   */
  purge?(): Promise<void>;
  /**
   * Bulk load (a rebuild): drops the secondary indexes of these collections, and
   * `ensureCollections` leaves them out, until `endBulk` builds them once over the
   * loaded data. Reads stay correct meanwhile, only slower. Optional: engines
   * without secondary indexes omit it.
   */
  beginBulk?(collections: string[]): Promise<void>;
  /** builds the indexes `beginBulk` dropped; idempotent */
  endBulk?(collections: string[]): Promise<void>;
  /** empties collections and resets a checkpoint, for rebuilds */
  reset(collections: string[], projector: string): Promise<void>;
  close(): Promise<void>;
}

export class UnknownFieldError extends Error {
  constructor(
    readonly collection: string,
    readonly field: string,
  ) {
    super(`${collection} has no queryable field ${field}`);
    this.name = 'UnknownFieldError';
  }
}

/** Reads a dotted path; shared by adapters that evaluate queries in process. */
export function readPath(doc: unknown, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
