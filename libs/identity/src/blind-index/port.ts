export const BLIND_INDEX = Symbol('BLIND_INDEX');

/**
 * Most customers one hash yields, in `lookup` (per hash asked) and in `groups` (per group). A key shared by more
 * customers than this is a shared mailbox or a switchboard number, not an identity: a caller that gets exactly this
 * many for a hash must treat the hash as non-discriminating (there may be more), not as a complete list.
 */
export const BLIND_INDEX_MAX_PER_HASH = 1000;
/** Most hashes one `lookup` takes (so one call returns at most 100 × BLIND_INDEX_MAX_PER_HASH rows). Chunk above it. */
export const BLIND_INDEX_MAX_LOOKUP_HASHES = 100;
/** Largest page of `groups`. */
export const BLIND_INDEX_MAX_GROUP_PAGE = 1000;

/** One keyed hash of a customer's matching key. `hash`: HMAC-SHA256 as 64 lowercase hex characters (BlindIndexHasher). */
export interface BlindIndexEntry {
  kind: string;
  hash: string;
}

export interface BlindIndexHit extends BlindIndexEntry {
  customerId: string;
}

/** Customers sharing one hash. */
export interface BlindIndexGroup {
  hash: string;
  /** how many customers share it (may exceed customerIds.length) */
  count: number;
  /** the first BLIND_INDEX_MAX_PER_HASH of them, in customer id order */
  customerIds: string[];
}

/**
 * The blind index: keyed hashes of customers' normalised matching keys (never the values), by key version, so
 * duplicates are found without storing personal data in the clear. Entries are derived from the log by an indexer
 * (its position is kept here, see `checkpoint`), so a whole index can be dropped and rebuilt.
 *
 * Arguments are checked before any I/O: `kind` matches /^[a-z][a-z0-9_]{0,31}$/, `hash` is 64 lowercase hex
 * characters, `keyVersion` a positive integer, `customerId` a non-empty string of at most 200 characters. A plain
 * value handed over by mistake is refused, not stored. Orders are deterministic: by hash (byte order, which is the
 * order of the hex strings), then customer id.
 */
export interface BlindIndexStore {
  /**
   * Sets the customer's entries of `keyVersion` to exactly `entries` (duplicates ignored; [] clears them), in one
   * atomic step; entries of other versions are untouched. Idempotent. Concurrent calls for one customer do not
   * interleave: the last one wins whole.
   */
  replace(customerId: string, entries: BlindIndexEntry[], keyVersion: number): Promise<void>;
  /**
   * Customers holding any of `hashes` as `kind` in `keyVersion`: at most BLIND_INDEX_MAX_PER_HASH per hash (the
   * first by customer id), at most BLIND_INDEX_MAX_LOOKUP_HASHES hashes per call (more throws a RangeError).
   */
  lookup(kind: string, hashes: string[], keyVersion: number): Promise<BlindIndexHit[]>;
  /** The customer's entries of `keyVersion`, by kind then hash. */
  entriesOf(customerId: string, keyVersion: number): Promise<BlindIndexEntry[]>;
  /** Deletes the customer's entries of every version (erasure). Idempotent. */
  remove(customerId: string): Promise<void>;
  /** Deletes every entry of `keyVersion` (after a rotation to a newer version). Checkpoints are kept. */
  dropVersion(keyVersion: number): Promise<void>;
  /**
   * One page of the hashes of `kind` in `keyVersion` shared by at least two customers, in hash order, strictly
   * after `after` (the last hash of the previous page): keyset paging, so a full scan sees each shared hash once.
   * `limit`: 1..BLIND_INDEX_MAX_GROUP_PAGE. A page shorter than `limit` is the last.
   */
  groups(kind: string, keyVersion: number, options: { after?: string; limit: number }): Promise<BlindIndexGroup[]>;
  /** The indexer's position in the event log under `name`; 0 when none was set. */
  checkpoint(name: string): Promise<number>;
  /** Sets it (it may move back, for a rebuild). Durable with the entries written before it. */
  setCheckpoint(name: string, position: number): Promise<void>;
  close(): Promise<void>;
}
