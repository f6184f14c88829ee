import { apiKeyStoreContract } from '@touchpoint/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueApiKey, verifyApiKey } from './api-keys';
import { InMemoryApiKeyStore } from './memory-api-key-store';
import { SqliteApiKeyStore } from './sqlite-api-key-store';

apiKeyStoreContract('memory', async () => ({ keys: new InMemoryApiKeyStore(), teardown: async () => {} }));

apiKeyStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tp-keys-'));
  const keys = new SqliteApiKeyStore(join(dir, 'auth.db'));
  return { keys, teardown: async () => { await keys.close(); rmSync(dir, { recursive: true, force: true }); } };
});

describe('issueApiKey', () => {
  it('refuses names outside the actor alphabet and keys without roles', async () => {
    const keys = new InMemoryApiKeyStore();
    const now = new Date('2026-03-02T10:00:00Z');
    await expect(issueApiKey(keys, { name: 'has space', roles: ['sales'], now })).rejects.toThrow('key name');
    await expect(issueApiKey(keys, { name: 'ok', roles: [], now })).rejects.toThrow('at least one role');
    expect(await keys.list()).toEqual([]);
  });

  it('SQLite: a key revoked through another connection (the CLI, another API process) fails its very next lookup', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-keys-'));
    const file = join(dir, 'auth.db');
    const api = new SqliteApiKeyStore(file);
    const cli = new SqliteApiKeyStore(file);
    const now = new Date('2026-03-02T10:00:00Z');
    const { record, secret } = await issueApiKey(cli, { name: 'p', roles: ['sales'], now });
    expect(await verifyApiKey(api, secret)).toEqual(record);
    expect(await verifyApiKey(api, secret)).toEqual(record); // now from the cache
    expect(await cli.revoke(record.id, now.toISOString())).toBe(true);
    expect(await verifyApiKey(api, secret)).toBeUndefined();
    // A key added elsewhere is found at once too, and the cached record cannot be changed by a caller.
    const other = await issueApiKey(cli, { name: 'q', roles: ['analyst'], now });
    const found = await verifyApiKey(api, other.secret);
    expect(found).toEqual(other.record);
    expect(() => (found!.roles as string[]).push('admin')).toThrow();
    expect(await verifyApiKey(api, other.secret)).toEqual(other.record);
    await api.close();
    await cli.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('survives a reopen of the SQLite file (keys persist, secrets do not)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-keys-'));
    const file = join(dir, 'auth.db');
    const first = new SqliteApiKeyStore(file);
    const { record } = await issueApiKey(first, { name: 'p', roles: ['service'], now: new Date('2026-03-02T10:00:00Z') });
    await first.close();
    const again = new SqliteApiKeyStore(file);
    expect(await again.list()).toEqual([record]);
    await again.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
