import { hashSecret, issueApiKey, verifyApiKey, hasActiveAdminKey, type ApiKeyStore } from '@touchpoint/auth';

/** Deterministic "randomness" so issued ids and secrets are reproducible. */
export function seededBytes(seed = 1): (n: number) => Buffer {
  let next = seed;
  return (n) => Buffer.from(Array.from({ length: n }, () => (next = (next * 1103515245 + 12345) % 2 ** 31) & 0xff));
}

export function apiKeyStoreContract(name: string, create: () => Promise<{ keys: ApiKeyStore; teardown: () => Promise<void> }>): void {
  describe(`ApiKeyStore contract: ${name}`, () => {
    let keys: ApiKeyStore;
    let teardown: () => Promise<void>;
    const now = new Date('2026-03-02T10:00:00.000Z');
    beforeEach(async () => ({ keys, teardown } = await create()));
    afterEach(async () => teardown());

    it('keeps only the hash: finds a key by the SHA-256 of its secret, lists it without the secret', async () => {
      const { record, secret } = await issueApiKey(keys, { name: 'crm-sync', roles: ['sales', 'analyst'], now, random: seededBytes(1) });
      expect(secret).toMatch(/^tp_[A-Za-z0-9_-]{43}$/);
      expect(await keys.findByHash(hashSecret(secret))).toEqual(record);
      expect(await keys.findByHash(secret)).toBeUndefined();
      expect(await keys.list()).toEqual([{ id: record.id, name: 'crm-sync', roles: ['sales', 'analyst'], createdAt: '2026-03-02T10:00:00.000Z', revokedAt: null }]);
      expect(JSON.stringify(await keys.list())).not.toContain(secret);
    });

    it('revokes once: a revoked key no longer verifies, a second revoke or an unknown id reports false', async () => {
      const { record, secret } = await issueApiKey(keys, { name: 'ops', roles: ['admin'], now, random: seededBytes(2) });
      expect((await verifyApiKey(keys, secret))?.id).toBe(record.id);
      expect(await hasActiveAdminKey(keys)).toBe(true);
      expect(await keys.revoke(record.id, '2026-03-02T11:00:00.000Z')).toBe(true);
      expect(await keys.revoke(record.id, '2026-03-02T12:00:00.000Z')).toBe(false);
      expect(await keys.revoke('no-such-key', '2026-03-02T12:00:00.000Z')).toBe(false);
      expect(await verifyApiKey(keys, secret)).toBeUndefined();
      expect((await keys.list())[0].revokedAt).toBe('2026-03-02T11:00:00.000Z');
      expect(await hasActiveAdminKey(keys)).toBe(false);
    });

    it('rejects malformed and unknown secrets without a lookup hit', async () => {
      await issueApiKey(keys, { name: 'a', roles: ['sales'], now, random: seededBytes(3) });
      expect(await verifyApiKey(keys, 'tp_short')).toBeUndefined();
      expect(await verifyApiKey(keys, `tp_${'A'.repeat(43)}`)).toBeUndefined();
      expect(await verifyApiKey(keys, "tp_' OR 1=1 --")).toBeUndefined();
    });

    it('lists keys in creation order', async () => {
      await issueApiKey(keys, { name: 'second', roles: ['sales'], now: new Date('2026-03-03T00:00:00Z'), random: seededBytes(4) });
      await issueApiKey(keys, { name: 'first', roles: ['auditor'], now: new Date('2026-03-01T00:00:00Z'), random: seededBytes(5) });
      expect((await keys.list()).map((k) => k.name)).toEqual(['first', 'second']);
    });
  });
}
