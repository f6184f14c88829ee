import type { KeyStore } from '@touchpoint/event-store';
import { randomUUID } from 'node:crypto';

/** The contract every key store adapter passes (crypto-shredding keys). */
export function keyStoreContract(
  name: string,
  create: () => Promise<{ keys: KeyStore; reopen?: () => Promise<KeyStore>; teardown?: () => Promise<void> }>,
  options: { durable: boolean },
): void {
  describe(`KeyStore contract: ${name}`, () => {
    let sut: Awaited<ReturnType<typeof create>>;
    beforeEach(async () => {
      sut = await create();
    });
    afterEach(async () => {
      await sut.keys.close();
      await sut.teardown?.();
    });

    it('creates one 256-bit key per subject on first use and returns the same key after', async () => {
      const a = randomUUID();
      const b = randomUUID();
      expect(await sut.keys.get(a)).toBeUndefined();
      const key = await sut.keys.getOrCreate(a);
      expect(key).toHaveLength(32);
      expect(await sut.keys.getOrCreate(a)).toEqual(key);
      expect(await sut.keys.get(a)).toEqual(key);
      expect(await sut.keys.getOrCreate(b)).not.toEqual(key);
    });

    it('destroys a key for good: reads give null and it is never re-created; destroying twice is fine', async () => {
      const a = randomUUID();
      await sut.keys.getOrCreate(a);
      await sut.keys.destroy(a, '2026-03-01T00:00:00.000Z');
      await sut.keys.destroy(a, '2026-03-02T00:00:00.000Z');
      expect(await sut.keys.get(a)).toBeNull();
      expect(await sut.keys.getOrCreate(a)).toBeNull();
      const never = randomUUID();
      await sut.keys.destroy(never, '2026-03-01T00:00:00.000Z');
      expect(await sut.keys.getOrCreate(never)).toBeNull();
    });

    it('gives concurrent first uses of one subject the same key, and a burst of new subjects one key each', async () => {
      const a = randomUUID();
      const burst = Array.from({ length: 200 }, () => randomUUID());
      const tombstoned = randomUUID();
      await sut.keys.destroy(tombstoned, '2026-03-01T00:00:00.000Z');
      const [first, second, dead, ...many] = await Promise.all([sut.keys.getOrCreate(a), sut.keys.getOrCreate(a), sut.keys.getOrCreate(tombstoned), ...burst.map((s) => sut.keys.getOrCreate(s))]);
      expect(first).toHaveLength(32);
      expect(second).toEqual(first);
      expect(dead).toBeNull();
      expect(new Set(many.map((k) => k!.toString('hex'))).size).toBe(burst.length);
      for (const [i, subject] of burst.entries()) expect(await sut.keys.get(subject)).toEqual(many[i]);
    });

    if (options.durable) it('keeps keys and tombstones across a reopen', async () => {
      const a = randomUUID();
      const b = randomUUID();
      const key = await sut.keys.getOrCreate(a);
      await sut.keys.getOrCreate(b);
      await sut.keys.destroy(b, '2026-03-01T00:00:00.000Z');
      await sut.keys.close();
      sut.keys = await sut.reopen!();
      expect(await sut.keys.get(a)).toEqual(key);
      expect(await sut.keys.get(b)).toBeNull();
    });
  });
}
