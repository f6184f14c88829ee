import { BLIND_INDEX_MAX_PER_HASH, BlindIndexHasher, type BlindIndexEntry, type BlindIndexStore } from '@touchpoint/identity';
import { createHash, randomBytes } from 'node:crypto';

/** A stand-in keyed hash: 64 hex characters, distinct per label. */
const h = (label: string) => createHash('sha256').update(label).digest('hex');
const id = (n: number) => `customer-${String(n).padStart(4, '0')}`;
const byHash = (a: { hash: string }, b: { hash: string }) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0);

/**
 * The contract every blind index adapter passes. `raw`: everything the adapter stored, as bytes (the database
 * file with its WAL, or every row of its tables), for the test that no plain value is stored.
 */
export function blindIndexContract(
  name: string,
  create: () => Promise<{ index: BlindIndexStore; reopen?: () => Promise<BlindIndexStore>; raw?: () => Promise<Buffer>; teardown?: () => Promise<void> }>,
  options: { durable: boolean; rawStorage: boolean },
): void {
  describe(`BlindIndexStore contract: ${name}`, () => {
    jest.setTimeout(60_000);
    let sut: Awaited<ReturnType<typeof create>>;
    beforeEach(async () => {
      sut = await create();
    });
    afterEach(async () => {
      await sut.index.close();
      await sut.teardown?.();
    });

    it('finds a customer by the hashes it was indexed under, within that kind and key version only', async () => {
      const email = { kind: 'email', hash: h('ann@example.com') };
      const phone = { kind: 'phone', hash: h('+380441234567') };
      await sut.index.replace(id(1), [phone, email], 1);
      expect(await sut.index.lookup('email', [email.hash], 1)).toEqual([{ customerId: id(1), ...email }]);
      expect(await sut.index.lookup('phone', [h('other'), phone.hash, phone.hash], 1)).toEqual([{ customerId: id(1), ...phone }]);
      expect(await sut.index.lookup('phone', [email.hash], 1)).toEqual([]);
      expect(await sut.index.lookup('email', [email.hash], 2)).toEqual([]);
      expect(await sut.index.lookup('email', [], 1)).toEqual([]);
      expect(await sut.index.entriesOf(id(1), 1)).toEqual([email, phone]);
      expect(await sut.index.entriesOf(id(1), 2)).toEqual([]);
      expect(await sut.index.entriesOf(id(2), 1)).toEqual([]);
    });

    it("replace drops the customer's old entries of that key version only", async () => {
      await sut.index.replace(id(1), [{ kind: 'email', hash: h('old@example.com') }, { kind: 'phone', hash: h('+1') }], 1);
      await sut.index.replace(id(1), [{ kind: 'email', hash: h('v2:old@example.com') }], 2);
      await sut.index.replace(id(2), [{ kind: 'email', hash: h('old@example.com') }], 1);
      await sut.index.replace(id(1), [{ kind: 'email', hash: h('new@example.com') }], 1);
      expect(await sut.index.entriesOf(id(1), 1)).toEqual([{ kind: 'email', hash: h('new@example.com') }]);
      expect(await sut.index.entriesOf(id(1), 2)).toEqual([{ kind: 'email', hash: h('v2:old@example.com') }]);
      expect((await sut.index.lookup('email', [h('old@example.com')], 1)).map((x) => x.customerId)).toEqual([id(2)]);
      expect(await sut.index.lookup('phone', [h('+1')], 1)).toEqual([]);
      await sut.index.replace(id(1), [], 1);
      expect(await sut.index.entriesOf(id(1), 1)).toEqual([]);
      expect(await sut.index.entriesOf(id(1), 2)).toHaveLength(1);
    });

    it('finds every customer sharing a hash, in customer id order, across several hashes at once', async () => {
      const shared = { kind: 'email', hash: h('shared@example.com') };
      const other = { kind: 'email', hash: h('other@example.com') };
      await sut.index.replace(id(3), [shared], 1);
      await sut.index.replace(id(1), [shared, other], 1);
      await sut.index.replace(id(2), [{ kind: 'phone', hash: shared.hash }], 1);
      const hits = await sut.index.lookup('email', [other.hash, shared.hash], 1);
      const expected = [
        ...[id(1), id(3)].map((customerId) => ({ customerId, ...shared })),
        { customerId: id(1), ...other },
      ].sort((a, b) => byHash(a, b) || (a.customerId < b.customerId ? -1 : 1));
      expect(hits).toEqual(expected);
    });

    it('is idempotent: the same replace twice, or with duplicate entries, stores each entry once', async () => {
      const entries: BlindIndexEntry[] = [{ kind: 'email', hash: h('a') }, { kind: 'name_postcode', hash: h('b') }, { kind: 'email', hash: h('a') }];
      await sut.index.replace(id(1), entries, 1);
      await sut.index.replace(id(1), entries, 1);
      expect(await sut.index.entriesOf(id(1), 1)).toEqual([{ kind: 'email', hash: h('a') }, { kind: 'name_postcode', hash: h('b') }]);
      expect(await sut.index.lookup('email', [h('a')], 1)).toEqual([{ customerId: id(1), kind: 'email', hash: h('a') }]);
    });

    it('lets concurrent replaces of one customer end with one of them whole, never a mix', async () => {
      const sets = Array.from({ length: 6 }, (_, i) => [{ kind: 'email', hash: h(`e${i}`) }, { kind: 'phone', hash: h(`p${i}`) }]);
      await Promise.all(sets.map((entries) => sut.index.replace(id(1), entries, 1)));
      const final = await sut.index.entriesOf(id(1), 1);
      expect(sets.map((s) => JSON.stringify(s))).toContain(JSON.stringify(final));
    });

    it("remove deletes the customer's entries of every version and nobody else's", async () => {
      await sut.index.replace(id(1), [{ kind: 'email', hash: h('x') }], 1);
      await sut.index.replace(id(1), [{ kind: 'email', hash: h('v2:x') }], 2);
      await sut.index.replace(id(2), [{ kind: 'email', hash: h('x') }], 1);
      await sut.index.remove(id(1));
      await sut.index.remove(id(1));
      await sut.index.remove(id(9));
      expect(await sut.index.entriesOf(id(1), 1)).toEqual([]);
      expect(await sut.index.entriesOf(id(1), 2)).toEqual([]);
      expect(await sut.index.lookup('email', [h('v2:x')], 2)).toEqual([]);
      expect((await sut.index.lookup('email', [h('x')], 1)).map((x) => x.customerId)).toEqual([id(2)]);
    });

    it('dropVersion deletes every entry of one version and keeps the others and the checkpoints', async () => {
      await sut.index.replace(id(1), [{ kind: 'email', hash: h('x') }], 1);
      await sut.index.replace(id(2), [{ kind: 'email', hash: h('x') }], 1);
      await sut.index.replace(id(1), [{ kind: 'email', hash: h('v2:x') }], 2);
      await sut.index.setCheckpoint('identity-indexer', 17);
      await sut.index.dropVersion(1);
      expect(await sut.index.lookup('email', [h('x')], 1)).toEqual([]);
      expect(await sut.index.groups('email', 1, { limit: 10 })).toEqual([]);
      expect(await sut.index.entriesOf(id(1), 2)).toEqual([{ kind: 'email', hash: h('v2:x') }]);
      expect(await sut.index.checkpoint('identity-indexer')).toBe(17);
    });

    it('pages the shared hashes in hash order, each exactly once, skipping hashes held by one customer', async () => {
      // 9 shared hashes of 2..4 customers, 5 singletons, and noise in another kind and another version.
      const shared = Array.from({ length: 9 }, (_, i) => h(`shared-${i}`));
      let next = 0;
      const expected = shared.map((hash, i) => ({ hash, customerIds: Array.from({ length: 2 + (i % 3) }, () => id(++next)) }));
      const entries = new Map<string, BlindIndexEntry[]>();
      const add = (customerId: string, e: BlindIndexEntry) => entries.set(customerId, [...(entries.get(customerId) ?? []), e]);
      for (const g of expected) for (const customerId of g.customerIds) add(customerId, { kind: 'email', hash: g.hash });
      for (let i = 0; i < 5; i++) add(id(100 + i), { kind: 'email', hash: h(`single-${i}`) });
      add(id(1), { kind: 'phone', hash: h('phone-shared') });
      add(id(2), { kind: 'phone', hash: h('phone-shared') });
      for (const [customerId, es] of entries) await sut.index.replace(customerId, es, 1);
      await sut.index.replace(id(200), [{ kind: 'email', hash: shared[0] }], 2);
      await sut.index.replace(id(201), [{ kind: 'email', hash: shared[0] }], 2);

      const seen: Array<{ hash: string; count: number; customerIds: string[] }> = [];
      let after: string | undefined;
      for (let page = 0; page < 10; page++) {
        const groups = await sut.index.groups('email', 1, { after, limit: 2 });
        seen.push(...groups);
        if (groups.length < 2) break;
        after = groups[groups.length - 1].hash;
      }
      expect(seen).toEqual(expected.sort(byHash).map((g) => ({ ...g, count: g.customerIds.length })));
      expect(await sut.index.groups('email', 1, { after: seen[seen.length - 1].hash, limit: 5 })).toEqual([]);
      expect(await sut.index.groups('phone', 1, { limit: 5 })).toEqual([{ hash: h('phone-shared'), count: 2, customerIds: [id(1), id(2)] }]);
      expect(await sut.index.groups('name_company', 1, { limit: 5 })).toEqual([]);
    });

    it(`caps a hash's customers at ${BLIND_INDEX_MAX_PER_HASH} in lookups and groups, the first by customer id, and says how many share it`, async () => {
      const common = { kind: 'email', hash: h('info@example.com') };
      const ids = Array.from({ length: BLIND_INDEX_MAX_PER_HASH + 1 }, (_, i) => id(i + 1));
      for (let i = 0; i < ids.length; i += 50) await Promise.all(ids.slice(i, i + 50).map((c) => sut.index.replace(c, [common], 1)));
      await sut.index.replace(id(1), [common, { kind: 'email', hash: h('ann@example.com') }], 1);
      const hits = await sut.index.lookup('email', [common.hash, h('ann@example.com')], 1);
      const ofCommon = hits.filter((x) => x.hash === common.hash).map((x) => x.customerId);
      expect(ofCommon).toEqual(ids.slice(0, BLIND_INDEX_MAX_PER_HASH));
      expect(hits.filter((x) => x.hash === h('ann@example.com')).map((x) => x.customerId)).toEqual([id(1)]);
      expect(await sut.index.groups('email', 1, { limit: 10 })).toEqual([{ hash: common.hash, count: ids.length, customerIds: ids.slice(0, BLIND_INDEX_MAX_PER_HASH) }]);
    });

    it('keeps checkpoints by name: 0 until set, then the last value set', async () => {
      expect(await sut.index.checkpoint('identity-indexer')).toBe(0);
      await sut.index.setCheckpoint('identity-indexer', 40);
      await sut.index.setCheckpoint('identity-indexer:v2', 7);
      expect(await sut.index.checkpoint('identity-indexer')).toBe(40);
      await sut.index.setCheckpoint('identity-indexer', 0);
      expect(await sut.index.checkpoint('identity-indexer')).toBe(0);
      expect(await sut.index.checkpoint('identity-indexer:v2')).toBe(7);
    });

    it('refuses anything but a keyed hash, without echoing it, and stores odd customer ids as data', async () => {
      const plain = 'ann.smith@example.com';
      const refused = async (p: Promise<unknown>) => {
        const error = await p.then(() => undefined, (e: unknown) => e);
        expect(error).toBeInstanceOf(Error);
        expect(String((error as Error).message)).not.toContain(plain);
      };
      await refused(sut.index.replace(id(1), [{ kind: 'email', hash: plain }], 1));
      await refused(sut.index.replace(id(1), [{ kind: 'email', hash: h('x').toUpperCase() }], 1));
      await refused(sut.index.replace(id(1), [{ kind: 'e-mail; DROP TABLE x', hash: h('x') }], 1));
      await refused(sut.index.replace(id(1), [{ kind: 'email', hash: h('x') }], 0));
      await refused(sut.index.lookup('email', [plain], 1));
      await refused(sut.index.lookup('email', Array.from({ length: 101 }, (_, i) => h(`${i}`)), 1));
      await refused(sut.index.groups('email', 1, { after: plain, limit: 10 }));
      await refused(sut.index.groups('email', 1, { limit: 0 }));
      expect(await sut.index.entriesOf(id(1), 1)).toEqual([]);
      const odd = `x'); DELETE FROM blind_index; DROP TABLE tp_blind_index; --`;
      await sut.index.replace(odd, [{ kind: 'email', hash: h('x') }], 1);
      await sut.index.replace(id(2), [{ kind: 'email', hash: h('x') }], 1);
      expect((await sut.index.lookup('email', [h('x')], 1)).map((x) => x.customerId).sort()).toEqual([id(2), odd].sort());
      await sut.index.remove(odd);
      expect((await sut.index.lookup('email', [h('x')], 1)).map((x) => x.customerId)).toEqual([id(2)]);
    });

    if (options.rawStorage) it('stores no plain value: the email indexed through BlindIndexHasher appears nowhere in storage', async () => {
      const hasher = new BlindIndexHasher(randomBytes(32), 1);
      const entered = 'Ann.Smith+CRM@Example.COM';
      const normalised = 'ann.smith@example.com';
      const phone = '+380441234567';
      const entries = [{ kind: 'email', hash: hasher.hash('email', normalised) }, { kind: 'phone', hash: hasher.hash('phone', phone) }];
      await sut.index.replace(id(1), entries, 1);
      await sut.index.replace(id(2), [entries[0]], 1);
      await sut.index.setCheckpoint('identity-indexer', 42);
      const raw = await sut.raw!();
      // The dump does hold what was stored: the customer ids.
      expect(raw.includes(Buffer.from(id(1)))).toBe(true);
      for (const plain of [entered, normalised, 'ann.smith', phone, phone.slice(1)]) {
        for (const form of [plain, plain.toLowerCase(), Buffer.from(plain).toString('hex'), Buffer.from(plain).toString('base64')]) {
          expect({ form, found: raw.includes(Buffer.from(form)) }).toEqual({ form, found: false });
        }
      }
    });

    if (options.durable) it('keeps entries and checkpoints across a reopen', async () => {
      await sut.index.replace(id(1), [{ kind: 'email', hash: h('x') }], 1);
      await sut.index.replace(id(2), [{ kind: 'email', hash: h('x') }], 1);
      await sut.index.setCheckpoint('identity-indexer', 99);
      await sut.index.close();
      sut.index = await sut.reopen!();
      expect((await sut.index.lookup('email', [h('x')], 1)).map((x) => x.customerId)).toEqual([id(1), id(2)]);
      expect(await sut.index.checkpoint('identity-indexer')).toBe(99);
    });
  });
}
