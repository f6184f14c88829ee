import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { describeWith, readStoreContract, serverUrl } from '@touchpoint/testing';
import type { CollectionSpec, Document, WriteBatch } from './port';
import { MongoReadStore } from './mongo-read-store';

const url = serverUrl('TOUCHPOINT_TEST_MONGO_URL', 'MongoDB read store suite');

/** A store on its own throwaway database, dropped afterwards through a separate client. */
async function freshStore(server: string): Promise<{ store: MongoReadStore; dbName: string; teardown: () => Promise<void> }> {
  const dbName = `tp_test_${randomBytes(6).toString('hex')}`;
  const store = await MongoReadStore.connect(server, dbName);
  const teardown = async () => {
    const admin = new MongoClient(server);
    try {
      await admin.db(dbName).dropDatabase();
    } finally {
      await admin.close();
    }
  };
  return { store, dbName, teardown };
}

if (url) {
  readStoreContract('mongodb (mongo-java-server)', async () => {
    const { store, teardown } = await freshStore(url);
    return { store, teardown };
  });
}

const contacts: CollectionSpec = {
  name: 'contacts',
  fields: {
    email: { path: 'email', type: 'string' },
    owner: { path: 'owner.id', type: 'string' },
    score: { path: 'score', type: 'number' },
    tags: { path: 'tags', type: 'string[]' },
  },
  indexes: [['owner', 'score'], ['email']],
};

type Contact = Document & { email: string; owner: { id: string }; score: number; tags: string[] };

const contact = (i: number, position = i): Contact => ({
  _id: `c${i}`,
  _position: position,
  email: `c${i}@example.com`,
  owner: { id: i % 2 ? 'u1' : 'u2' },
  score: i * 10,
  tags: ['lead'],
});

describeWith(url)('MongoReadStore on mongo-java-server', () => {
  let store: MongoReadStore;
  let dbName: string;
  let teardown: () => Promise<void>;

  beforeEach(async () => {
    ({ store, dbName, teardown } = await freshStore(url!));
    await store.ensureCollections([contacts]);
  });
  afterEach(async () => {
    await store.close();
    await teardown();
  });

  async function dump(): Promise<{ docs: Contact[]; checkpoint: number }> {
    const docs: Contact[] = [];
    for await (const d of store.scan<Contact>('contacts')) docs.push(d);
    return { docs, checkpoint: await store.checkpoint('contacts-projector') };
  }

  it('applying the same batch twice changes nothing', async () => {
    await store.write({ upserts: [1, 2, 3].map((i) => ({ collection: 'contacts', doc: contact(i) })), deletes: [], checkpoints: [{ projector: 'contacts-projector', position: 3 }] });
    const batch: WriteBatch = {
      upserts: [
        { collection: 'contacts', doc: { ...contact(1, 4), email: 'first@example.com' } },
        { collection: 'contacts', doc: { ...contact(1, 5), email: 'renamed@example.com' } }, // same id twice: the last wins
        { collection: 'contacts', doc: contact(4, 6) },
      ],
      deletes: [{ collection: 'contacts', id: 'c2' }],
      checkpoints: [{ projector: 'contacts-projector', position: 6 }],
    };
    await store.write(batch);
    const once = await dump();
    expect(once.docs.map((d) => d._id)).toEqual(['c1', 'c3', 'c4']);
    expect(once.docs[0]).toEqual({ ...contact(1, 5), email: 'renamed@example.com' });
    expect(once.checkpoint).toBe(6);

    await store.write(batch); // a redelivery, or a replay after a crash between documents and checkpoint
    expect(await dump()).toEqual(once);
    expect(await store.count('contacts')).toBe(3);
  });

  it('returns documents exactly as stored, _position included', async () => {
    const doc = { ...contact(7), nested: { deep: { list: [1, 'two', true, null] } }, ratio: 0.25 };
    await store.write({ upserts: [{ collection: 'contacts', doc }], deletes: [], checkpoints: [] });
    expect(await store.get('contacts', 'c7')).toEqual(doc);
    expect((await store.find('contacts', { filter: [{ field: 'owner', op: 'eq', value: 'u1' }], limit: 5 })).items).toEqual([doc]);
  });

  it('matches operator-looking strings literally and never lets an object through', async () => {
    const odd = ['$gt', '{"$ne":null}', '{"$gt":""}', '$where'];
    await store.write({
      upserts: odd.map((email, i) => ({ collection: 'contacts', doc: { ...contact(10 + i), email, tags: [email] } })),
      deletes: [],
      checkpoints: [],
    });
    await store.write({ upserts: [{ collection: 'contacts', doc: contact(1) }], deletes: [], checkpoints: [] });
    for (const [i, value] of odd.entries()) {
      const found = await store.find<Contact>('contacts', { filter: [{ field: 'email', op: 'eq', value }], limit: 10 });
      expect(found.items.map((d) => d._id)).toEqual([`c${10 + i}`]);
      expect(await store.count('contacts', [{ field: 'tags', op: 'has', value }])).toBe(1);
      expect(await store.count('contacts', [{ field: 'email', op: 'in', value: [value] }])).toBe(1);
    }
    expect(await store.count('contacts', [{ field: 'email', op: 'eq', value: '{"$exists":true}' }])).toBe(0);
    await expect(store.find('contacts', { filter: [{ field: 'email', op: 'eq', value: { $ne: null } as never }], limit: 10 })).rejects.toThrow();
    await expect(store.find('contacts', { filter: [{ field: 'email', op: 'in', value: [{ $gt: '' }] as never }], limit: 10 })).rejects.toThrow();
    await expect(
      store.find('contacts', { sort: [{ field: 'score', direction: 'asc' }], after: { values: [{ $gt: 0 } as never], id: 'c0' }, limit: 10 }),
    ).rejects.toThrow();
    await expect(store.find('contacts', { sort: [{ field: 'score', direction: 'asc' }], after: { values: [0], id: { $gt: '' } as never }, limit: 10 })).rejects.toThrow();
  });

  it('creates the declared compound indexes, with _id last, idempotently', async () => {
    await store.ensureCollections([contacts]);
    const admin = new MongoClient(url!);
    try {
      const indexes = await admin.db(dbName).collection('rm_contacts').listIndexes().toArray();
      const keys = Object.fromEntries(indexes.map((ix) => [ix.name, Object.entries(ix.key)]));
      expect(keys['ix_contacts_owner_score']).toEqual([
        ['owner.id', 1],
        ['score', 1],
        ['_id', 1],
      ]);
      expect(keys['ix_contacts_email']).toEqual([
        ['email', 1],
        ['_id', 1],
      ]);
      expect(indexes).toHaveLength(3); // plus the built-in _id_ index
    } finally {
      await admin.close();
    }
  });

  it('pages with a cursor past documents that lack the sort field', async () => {
    const docs = [1, 2, 3, 4, 5].map((i) => contact(i)) as Document[];
    docs.push({ _id: 'c0', _position: 9, email: 'none@example.com', owner: { id: 'u1' }, tags: [] }); // no score
    await store.write({ upserts: docs.map((doc) => ({ collection: 'contacts', doc })), deletes: [], checkpoints: [] });
    for (const direction of ['asc', 'desc'] as const) {
      const seen: string[] = [];
      let after: { values: (string | number | boolean)[]; id: string } | undefined;
      do {
        const page = await store.find<Contact>('contacts', { sort: [{ field: 'score', direction }], limit: 2, after });
        seen.push(...page.items.map((d) => d._id));
        after = page.next;
      } while (after && seen.length < 20);
      expect(seen).toEqual(direction === 'asc' ? ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'] : ['c5', 'c4', 'c3', 'c2', 'c1', 'c0']);
    }
  });

  it('refuses unknown collections and unsafe spec paths', async () => {
    await expect(store.write({ upserts: [{ collection: 'nope', doc: contact(1) }], deletes: [], checkpoints: [] })).rejects.toThrow('unknown collection');
    await expect(store.ensureCollections([{ name: 'bad', fields: { x: { path: '$where', type: 'string' } }, indexes: [] }])).rejects.toThrow('invalid path');
    await expect(store.ensureCollections([{ name: 'checkpoints', fields: {}, indexes: [] }])).rejects.toThrow('reserved');
  });
});
