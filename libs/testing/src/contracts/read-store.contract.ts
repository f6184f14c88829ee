import { prefixRange, UnknownFieldError, type CollectionSpec, type Document, type ReadStore } from '@touchpoint/read-models';

const people: CollectionSpec = {
  name: 'contract_people',
  fields: {
    name: { path: 'name', type: 'string' },
    tier: { path: 'segment.tier', type: 'string' },
    value: { path: 'value.amount', type: 'number' },
    active: { path: 'active', type: 'boolean' },
    tags: { path: 'tags', type: 'string[]' },
  },
  indexes: [['tier', 'value'], ['value']],
};

type Person = Document & { name: string; segment: { tier: string }; value: { amount: number }; active: boolean; tags: string[] };

const person = (i: number): Person => ({
  _id: `p${String(i).padStart(3, '0')}`,
  _position: i,
  name: `Name ${i % 7}`,
  segment: { tier: ['A', 'B', 'C'][i % 3] },
  value: { amount: (i * 37) % 50 },
  active: i % 2 === 0,
  tags: i % 4 === 0 ? ['vip', 'b2b'] : ['b2c'],
});

/** The one contract every read-model store adapter passes (embedded, memory, MongoDB). */
export function readStoreContract(name: string, create: () => Promise<{ store: ReadStore; teardown?: () => Promise<void> }>): void {
  describe(`ReadStore contract: ${name}`, () => {
    let store: ReadStore;
    let teardown: (() => Promise<void>) | undefined;
    const all = Array.from({ length: 60 }, (_, i) => person(i));

    beforeEach(async () => {
      ({ store, teardown } = await create());
      await store.ensureCollections([people]);
      await store.ensureCollections([people]); // idempotent
      await store.reset([people.name], 'contract');
      await store.write({ upserts: all.map((doc) => ({ collection: people.name, doc })), deletes: [], checkpoints: [{ projector: 'contract', position: 60 }] });
    });
    afterEach(async () => {
      await store.close();
      await teardown?.();
    });

    it('gets, replaces and deletes documents, and keeps checkpoints', async () => {
      expect(await store.get<Person>(people.name, 'p007')).toEqual(person(7));
      expect(await store.get(people.name, 'nope')).toBeUndefined();
      await store.write({ upserts: [{ collection: people.name, doc: { ...person(7), name: 'Renamed', _position: 61 } }], deletes: [{ collection: people.name, id: 'p008' }], checkpoints: [{ projector: 'contract', position: 61 }] });
      expect((await store.get<Person>(people.name, 'p007'))?.name).toBe('Renamed');
      expect(await store.get(people.name, 'p008')).toBeUndefined();
      expect(await store.checkpoint('contract')).toBe(61);
      expect(await store.checkpoint('never-ran')).toBe(0);
    });

    it('filters with every operator on declared fields', async () => {
      const ids = async (filter: Parameters<ReadStore['count']>[1]) =>
        (await store.find<Person>(people.name, { filter, limit: 1000 })).items.map((d) => d._id).sort();
      const expected = (pred: (p: Person) => boolean) => all.filter(pred).map((d) => d._id).sort();
      expect(await ids([{ field: 'tier', op: 'eq', value: 'A' }])).toEqual(expected((p) => p.segment.tier === 'A'));
      expect(await ids([{ field: 'tier', op: 'in', value: ['A', 'C'] }])).toEqual(expected((p) => p.segment.tier !== 'B'));
      expect(await ids([{ field: 'value', op: 'gte', value: 40 }])).toEqual(expected((p) => p.value.amount >= 40));
      expect(await ids([{ field: 'value', op: 'gt', value: 40 }, { field: 'value', op: 'lte', value: 45 }])).toEqual(expected((p) => p.value.amount > 40 && p.value.amount <= 45));
      expect(await ids([{ field: 'value', op: 'lt', value: 5 }])).toEqual(expected((p) => p.value.amount < 5));
      expect(await ids([{ field: 'active', op: 'eq', value: true }])).toEqual(expected((p) => p.active));
      expect(await ids([{ field: 'tags', op: 'has', value: 'vip' }])).toEqual(expected((p) => p.tags.includes('vip')));
      expect(await store.count(people.name, [{ field: 'tier', op: 'eq', value: 'B' }])).toBe(20);
      expect(await store.count(people.name)).toBe(60);
    });

    it('answers a string range as a prefix search would, with keys beyond ASCII ordered alike', async () => {
      // Code point order is what SQLite (UTF-8 bytes), MongoDB and JavaScript agree on, astral characters included.
      const names = ['ab', 'abc', 'ab zoë', 'ab😀', 'ab\uffef', 'abd', 'aa', 'b', 'ærø', 'ærøskøbing', 'zoë', 'zoe', '😀x', '😀'];
      const docs = names.map((n, i) => ({ ...person(100 + i), name: n }));
      await store.write({ upserts: docs.map((doc) => ({ collection: people.name, doc })), deletes: [], checkpoints: [] });
      const startingWith = async (prefix: string) => {
        const { from, below } = prefixRange(prefix);
        const page = await store.find<Person>(people.name, { filter: [{ field: 'name', op: 'gte', value: from }, { field: 'name', op: 'lt', value: below }], sort: [{ field: 'name', direction: 'asc' }], limit: 100 });
        return page.items.map((d) => d.name).sort();
      };
      for (const prefix of ['ab', 'abc', 'ærø', 'zo', 'zoë', '😀', 'b', 'q']) expect(await startingWith(prefix)).toEqual(names.filter((n) => n.startsWith(prefix)).sort());
    });

    it('treats operator-looking and SQL-looking values as plain strings', async () => {
      for (const value of ['$gt', "' OR 1=1 --", '{"$ne":null}', 'A"); DROP TABLE rm_contract_people; --']) {
        expect((await store.find(people.name, { filter: [{ field: 'tier', op: 'eq', value }], limit: 10 })).items).toEqual([]);
      }
      expect(await store.count(people.name)).toBe(60);
    });

    it('rejects undeclared fields and non-scalar values', async () => {
      await expect(store.find(people.name, { filter: [{ field: 'secret', op: 'eq', value: 1 }], limit: 1 })).rejects.toBeInstanceOf(UnknownFieldError);
      await expect(store.find(people.name, { sort: [{ field: '_id; DROP', direction: 'asc' }], limit: 1 })).rejects.toBeInstanceOf(UnknownFieldError);
      await expect(store.find(people.name, { filter: [{ field: 'tier', op: 'eq', value: { $ne: 1 } as never }], limit: 1 })).rejects.toThrow();
    });

    it('sorts on several keys in mixed directions and pages through every document exactly once', async () => {
      const sort = [
        { field: 'tier', direction: 'desc' as const },
        { field: 'value', direction: 'asc' as const },
      ];
      const seen: string[] = [];
      let after: { values: (string | number | boolean)[]; id: string } | undefined;
      let pages = 0;
      do {
        const page = await store.find<Person>(people.name, { sort, limit: 7, after });
        seen.push(...page.items.map((d) => d._id));
        after = page.next;
        pages += 1;
      } while (after && pages < 50);
      const expected = [...all]
        .sort((a, b) => (a.segment.tier !== b.segment.tier ? (a.segment.tier < b.segment.tier ? 1 : -1) : a.value.amount - b.value.amount || (a._id < b._id ? -1 : 1)))
        .map((d) => d._id);
      expect(seen).toEqual(expected);
      expect(pages).toBe(9);
    });

    it('pages a filtered query with a cursor', async () => {
      const first = await store.find<Person>(people.name, { filter: [{ field: 'tier', op: 'eq', value: 'A' }], sort: [{ field: 'value', direction: 'desc' }], limit: 15 });
      expect(first.items).toHaveLength(15);
      const second = await store.find<Person>(people.name, { filter: [{ field: 'tier', op: 'eq', value: 'A' }], sort: [{ field: 'value', direction: 'desc' }], limit: 15, after: first.next });
      expect(second.items).toHaveLength(5);
      expect(second.next).toBeUndefined();
      const values = [...first.items, ...second.items].map((d) => d.value.amount);
      expect(values).toEqual([...values].sort((a, b) => b - a));
    });

    it('answers the same queries during and after a bulk load, whose indexes survive ensureCollections', async () => {
      const query = { filter: [{ field: 'tier', op: 'eq' as const, value: 'A' }], sort: [{ field: 'value', direction: 'desc' as const }], limit: 1000 };
      const expected = all
        .filter((p) => p.segment.tier === 'A')
        .sort((a, b) => b.value.amount - a.value.amount || a._id.localeCompare(b._id))
        .map((p) => p._id);
      if (!store.beginBulk || !store.endBulk) return expect(store.endBulk).toBe(store.beginBulk); // both or neither
      await store.reset([people.name], 'contract');
      await store.beginBulk([people.name]);
      await store.ensureCollections([people]); // a projector init during the load must not rebuild the indexes early
      await store.write({ upserts: all.map((doc) => ({ collection: people.name, doc })), deletes: [], checkpoints: [] });
      expect((await store.find<Person>(people.name, query)).items.map((d) => d._id)).toEqual(expected);
      await store.endBulk([people.name]);
      await store.endBulk([people.name]); // idempotent
      expect((await store.find<Person>(people.name, query)).items.map((d) => d._id)).toEqual(expected);
      expect(await store.count(people.name, [{ field: 'value', op: 'gte', value: 40 }])).toBe(all.filter((p) => p.value.amount >= 40).length);
      await expect(store.beginBulk(['undeclared'])).rejects.toThrow(/unknown collection/);
    });

    it('keeps detached keys apart: scan gives the whole document back, get and find leave them out', async () => {
      const books: CollectionSpec = { name: 'contract_books', fields: { value: { path: 'value.amount', type: 'number' } }, indexes: [['value']], detached: ['book', 'extra'] };
      await store.ensureCollections([books]);
      await store.reset([books.name], 'contract_books');
      const book = { o1: { total: 100, at: '2026-01-01' }, o2: { total: 250, at: '2026-02-01' } };
      const docs = [
        { _id: 'b1', _position: 1, value: { amount: 10 }, book },
        { _id: 'b2', _position: 2, value: { amount: 20 }, book, extra: [1, 2] },
        { _id: 'b3', _position: 3, value: { amount: 30 } },
      ];
      await store.write({ upserts: docs.map((doc) => ({ collection: books.name, doc })), deletes: [], checkpoints: [] });
      const bodies = docs.map(({ book: _b, extra: _e, ...body }) => body);
      expect(await store.get(books.name, 'b2')).toEqual(bodies[1]);
      expect((await store.find(books.name, { sort: [{ field: 'value', direction: 'asc' }], limit: 10 })).items).toEqual(bodies);
      const scanned: Document[] = [];
      for await (const doc of store.scan(books.name)) scanned.push(doc);
      expect(scanned).toEqual(docs);
      // Replaced with a new book: the next scan has it, queries still do not.
      const changed = { ...docs[0], _position: 4, value: { amount: 11 }, book: { ...book, o3: { total: 5, at: '2026-03-01' } } };
      await store.write({ upserts: [{ collection: books.name, doc: changed }], deletes: [], checkpoints: [] });
      expect(await store.get(books.name, 'b1')).toEqual({ _id: 'b1', _position: 4, value: { amount: 11 } });
      const again: Document[] = [];
      for await (const doc of store.scan(books.name)) again.push(doc);
      expect(again[0]).toEqual(changed);
      // fields: only the keys asked for (and _id, _position), absent keys absent, a JSON null kept, detached keys never.
      const some = await store.find(books.name, { sort: [], limit: 2, fields: ['value', 'extra', 'book'] });
      expect(some.items).toEqual([{ _id: 'b1', _position: 4, value: { amount: 11 } }, { _id: 'b2', _position: 2, value: { amount: 20 } }]);
      const rest = await store.find(books.name, { sort: [], limit: 2, fields: ['value'], after: some.next });
      expect(rest).toEqual({ items: [{ _id: 'b3', _position: 3, value: { amount: 30 } }] });
      await store.write({ upserts: [{ collection: books.name, doc: { _id: 'b4', _position: 5, value: null, note: 'x' } }], deletes: [], checkpoints: [] });
      expect((await store.find(books.name, { filter: [], sort: [], limit: 5, fields: ['value'], after: { values: [], id: 'b3' } })).items).toEqual([{ _id: 'b4', _position: 5, value: null }]);
      await expect(store.find(books.name, { sort: [{ field: 'value', direction: 'asc' }], limit: 5, fields: ['note'] })).rejects.toThrow(/sorts by/);
      await expect(store.find(books.name, { sort: [], limit: 5, fields: ["value') --"] })).rejects.toThrow(/top-level key/);
      await store.write({ upserts: [], deletes: [{ collection: books.name, id: 'b4' }], checkpoints: [] });
      // load: whole documents like scan, only the ids asked for, missing ids left out, an operator-like id just a string.
      const loaded = await store.load(books.name, ['b3', 'b1', 'missing', '{"$ne":null}']);
      expect([...loaded].sort((a, b) => (a._id < b._id ? -1 : 1))).toEqual([changed, docs[2]]);
      expect(await store.load(books.name, [])).toEqual([]);
    });

    it('scans a whole collection in id order and resets it for a rebuild', async () => {
      const scanned: string[] = [];
      for await (const doc of store.scan<Person>(people.name, 16)) scanned.push(doc._id);
      expect(scanned).toEqual(all.map((d) => d._id));
      await store.reset([people.name], 'contract');
      expect(await store.count(people.name)).toBe(0);
      expect(await store.checkpoint('contract')).toBe(0);
    });
  });
}
