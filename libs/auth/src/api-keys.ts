import { createHash, randomBytes } from 'node:crypto';
import type { ApiKeyRecord, ApiKeyStore } from './api-key-store.port';
import type { Role } from './roles';

/** Recognisable in logs, configs and secret scanners. */
export const API_KEY_PREFIX = 'tp_';
const KEY_SHAPE = /^tp_[A-Za-z0-9_-]{43}$/;
const NAME = /^[A-Za-z0-9._:@-]{1,64}$/;

/** 32 random bytes: high entropy, so a fast hash is enough (no password KDF needed). */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

export interface IssuedKey {
  record: ApiKeyRecord;
  /** shown once; never stored */
  secret: string;
}

export async function issueApiKey(store: ApiKeyStore, input: { name: string; roles: Role[]; now: Date; random?: (n: number) => Buffer }): Promise<IssuedKey> {
  if (!NAME.test(input.name)) throw new Error('key name must be 1–64 characters of [A-Za-z0-9._:@-]');
  if (!input.roles.length) throw new Error('a key needs at least one role');
  const random = input.random ?? randomBytes;
  const secret = API_KEY_PREFIX + random(32).toString('base64url');
  const record: ApiKeyRecord = { id: random(8).toString('hex'), name: input.name, roles: [...new Set(input.roles)], createdAt: input.now.toISOString(), revokedAt: null };
  await store.add(record, hashSecret(secret));
  return { record, secret };
}

/** The active key for a presented secret, or undefined (unknown, malformed or revoked). */
export async function verifyApiKey(store: ApiKeyStore, secret: string): Promise<ApiKeyRecord | undefined> {
  if (!KEY_SHAPE.test(secret)) return undefined;
  const record = await store.findByHash(hashSecret(secret));
  return record && !record.revokedAt ? record : undefined;
}

export async function hasActiveAdminKey(store: ApiKeyStore): Promise<boolean> {
  return (await store.list()).some((k) => !k.revokedAt && k.roles.includes('admin'));
}
