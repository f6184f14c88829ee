import { BLIND_INDEX_MAX_GROUP_PAGE, BLIND_INDEX_MAX_LOOKUP_HASHES, type BlindIndexEntry } from './port';

// The port's argument checks, shared by every adapter so they refuse the same things before any I/O.

const KIND = /^[a-z][a-z0-9_]{0,31}$/;
const HASH = /^[0-9a-f]{64}$/;

export function checkKind(kind: string): string {
  if (typeof kind !== 'string' || !KIND.test(kind)) throw new TypeError('blind index: kind must match /^[a-z][a-z0-9_]{0,31}$/');
  return kind;
}

/** Refuses anything but an HMAC-SHA256 in lowercase hex, so a plain value passed by mistake is never stored. The value is not echoed. */
export function checkHash(hash: string): string {
  if (typeof hash !== 'string' || !HASH.test(hash)) throw new TypeError('blind index: hash must be 64 lowercase hex characters (HMAC-SHA256)');
  return hash;
}

export function checkVersion(keyVersion: number): number {
  if (!Number.isSafeInteger(keyVersion) || keyVersion < 1) throw new TypeError('blind index: keyVersion must be a positive integer');
  return keyVersion;
}

export function checkCustomerId(customerId: string): string {
  if (typeof customerId !== 'string' || customerId.length === 0 || customerId.length > 200) throw new TypeError('blind index: customerId must be 1..200 characters');
  return customerId;
}

export function checkCheckpointName(name: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) throw new TypeError('blind index: checkpoint name must be 1..200 characters');
  return name;
}

export function checkPosition(position: number): number {
  if (!Number.isSafeInteger(position) || position < 0) throw new TypeError('blind index: position must be a non-negative integer');
  return position;
}

/** The entries checked, without duplicates, by kind then hash. */
export function checkEntries(entries: BlindIndexEntry[]): BlindIndexEntry[] {
  const unique = new Map<string, BlindIndexEntry>();
  for (const e of entries) unique.set(`${checkKind(e.kind)}:${checkHash(e.hash)}`, { kind: e.kind, hash: e.hash });
  return [...unique.values()].sort(byKindThenHash);
}

/** The hashes checked, without duplicates, in order. */
export function checkLookupHashes(hashes: string[]): string[] {
  const unique = [...new Set(hashes.map(checkHash))].sort();
  if (unique.length > BLIND_INDEX_MAX_LOOKUP_HASHES) throw new RangeError(`blind index: at most ${BLIND_INDEX_MAX_LOOKUP_HASHES} hashes per lookup`);
  return unique;
}

export function checkPage(options: { after?: string; limit: number }): { after?: string; limit: number } {
  if (!Number.isSafeInteger(options.limit) || options.limit < 1 || options.limit > BLIND_INDEX_MAX_GROUP_PAGE) {
    throw new RangeError(`blind index: limit must be 1..${BLIND_INDEX_MAX_GROUP_PAGE}`);
  }
  return { after: options.after === undefined ? undefined : checkHash(options.after), limit: options.limit };
}

export const byKindThenHash = (a: BlindIndexEntry, b: BlindIndexEntry): number => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0);
