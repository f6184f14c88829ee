import type { KeyStore } from '@touchpoint/event-store';
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { checkKind, checkVersion } from './checks';
import type { BlindIndexEntry } from './port';

/** The key store subject that holds the index key of `version` (a pseudo-subject beside the customers' data keys). */
export const blindIndexKeySubject = (version: number): string => `blind-index:v${checkVersion(version)}`;

/**
 * Keyed hashes of matching keys: HMAC-SHA256(indexKey, kind + "\0" + value) over UTF-8, as 64 lowercase hex
 * characters. The kind is inside the MAC, so one value under two kinds gives unrelated hashes; kinds match
 * /^[a-z][a-z0-9_]{0,31}$/, so the "\0" separator is unambiguous. The value is hashed as given: normalising it
 * (case, E.164, Unicode form) is the caller's job, and the same normalisation must feed every version.
 * Without the key a hash cannot be tested against guessed values; the key never leaves this object.
 */
export class BlindIndexHasher {
  private readonly key: KeyObject;

  constructor(
    key: Buffer,
    readonly version: number,
  ) {
    if (!Buffer.isBuffer(key) || key.length !== 32) throw new TypeError('blind index: the key must be 32 bytes');
    checkVersion(version);
    this.key = createSecretKey(Buffer.from(key));
  }

  hash(kind: string, value: string): string {
    checkKind(kind);
    if (typeof value !== 'string' || value.length === 0) throw new TypeError('blind index: the value to hash must be a non-empty string');
    return createHmac('sha256', this.key).update(kind, 'utf8').update('\0', 'utf8').update(value, 'utf8').digest('hex');
  }

  /** `keys` hashed, as the store takes them. */
  entries(keys: ReadonlyArray<{ kind: string; value: string }>): BlindIndexEntry[] {
    return keys.map((k) => ({ kind: k.kind, hash: this.hash(k.kind, k.value) }));
  }
}

/**
 * The hasher of `version`, its 256-bit key read from the key store (subject `blind-index:v<version>`), created on
 * first use: every process asking for the same version gets the same key. Throws once the key was destroyed,
 * which is how a retired version is shredded after a rotation (see README.md).
 */
export async function loadHasher(keyStore: KeyStore, version: number): Promise<BlindIndexHasher> {
  const key = await keyStore.getOrCreate(blindIndexKeySubject(version));
  if (!key) throw new Error(`blind index: the key of version ${version} was destroyed; index with a newer version`);
  return new BlindIndexHasher(key, version);
}
