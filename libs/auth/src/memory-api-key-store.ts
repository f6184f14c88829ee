import type { ApiKeyRecord, ApiKeyStore } from './api-key-store.port';

export class InMemoryApiKeyStore implements ApiKeyStore {
  private readonly keys = new Map<string, { record: ApiKeyRecord; hash: string }>();

  async add(record: ApiKeyRecord, secretHash: string): Promise<void> {
    if (this.keys.has(record.id) || [...this.keys.values()].some((k) => k.hash === secretHash)) throw new Error(`key ${record.id} already exists`);
    this.keys.set(record.id, { record: structuredClone(record), hash: secretHash });
  }

  async findByHash(secretHash: string): Promise<ApiKeyRecord | undefined> {
    const found = [...this.keys.values()].find((k) => k.hash === secretHash);
    return found && structuredClone(found.record);
  }

  async list(): Promise<ApiKeyRecord[]> {
    return [...this.keys.values()].map((k) => structuredClone(k.record)).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async revoke(id: string, at: string): Promise<boolean> {
    const key = this.keys.get(id);
    if (!key || key.record.revokedAt) return false;
    key.record.revokedAt = at;
    return true;
  }

  async close(): Promise<void> {}
}
