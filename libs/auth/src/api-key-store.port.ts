import type { Role } from './roles';

export const API_KEY_STORE = Symbol('API_KEY_STORE');

export interface ApiKeyRecord {
  id: string;
  name: string;
  roles: Role[];
  /** ISO instant */
  createdAt: string;
  revokedAt: string | null;
}

/** API keys at rest: only the SHA-256 of the secret is kept. */
export interface ApiKeyStore {
  add(record: ApiKeyRecord, secretHash: string): Promise<void>;
  /** active or revoked; the caller decides */
  findByHash(secretHash: string): Promise<ApiKeyRecord | undefined>;
  list(): Promise<ApiKeyRecord[]>;
  /** false when no such key or already revoked */
  revoke(id: string, at: string): Promise<boolean>;
  close(): Promise<void>;
}
