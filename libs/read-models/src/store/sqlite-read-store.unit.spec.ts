import { SqliteReadStore, type CollectionSpec } from '@touchpoint/read-models';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const spec: CollectionSpec = { name: 'bulk_people', fields: { tier: { path: 'tier', type: 'string' }, value: { path: 'value', type: 'number' } }, indexes: [['tier', 'value'], ['value']] };

describe('SqliteReadStore bulk mode', () => {
  let dir: string;
  const indexes = () => {
    const db = new Database(join(dir, 'read.db'), { readonly: true });
    const names = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'rm_bulk_people' AND name LIKE 'ix_%' ORDER BY name`).pluck().all();
    db.close();
    return names;
  };
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tp-bulk-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('drops the secondary indexes until endBulk, and a restarted store recreates any left dropped', async () => {
    const store = new SqliteReadStore(join(dir, 'read.db'));
    await store.ensureCollections([spec]);
    expect(indexes()).toEqual(['ix_bulk_people_tier_value', 'ix_bulk_people_value']);
    await store.beginBulk([spec.name]);
    await store.ensureCollections([spec]);
    expect(indexes()).toEqual([]);
    await store.endBulk([spec.name]);
    expect(indexes()).toEqual(['ix_bulk_people_tier_value', 'ix_bulk_people_value']);

    await store.beginBulk([spec.name]);
    await store.close(); // as if the rebuild process died before endBulk
    const restarted = new SqliteReadStore(join(dir, 'read.db'));
    await restarted.ensureCollections([spec]);
    expect(indexes()).toEqual(['ix_bulk_people_tier_value', 'ix_bulk_people_value']);
    await restarted.close();
  });
});

describe('SqliteReadStore layout', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tp-layout-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const doc = (id: string, position: number, tier: string, value: number) => ({ _id: id, _position: position, tier, value, nested: { flag: true } });

  it('fills a field declared later for the rows already there, so queries on it see every row', async () => {
    const store = new SqliteReadStore(join(dir, 'read.db'));
    await store.ensureCollections([spec]);
    await store.write({ upserts: [doc('a', 1, 'A', 10), doc('b', 2, 'B', 20)].map((d) => ({ collection: spec.name, doc: d })), deletes: [], checkpoints: [] });
    const wider: CollectionSpec = { ...spec, fields: { ...spec.fields, flag: { path: 'nested.flag', type: 'boolean' } }, indexes: [...spec.indexes, ['flag']] };
    await store.ensureCollections([wider]);
    expect((await store.find(spec.name, { filter: [{ field: 'flag', op: 'eq', value: true }], sort: [{ field: 'value', direction: 'desc' }], limit: 10 })).items.map((d) => d._id)).toEqual(['b', 'a']);
    await store.write({ upserts: [{ collection: spec.name, doc: { ...doc('c', 3, 'A', 5), nested: { flag: false } } }], deletes: [], checkpoints: [] });
    expect(await store.count(spec.name, [{ field: 'flag', op: 'eq', value: false }])).toBe(1);
    expect(await store.count(spec.name, [{ field: 'tier', op: 'eq', value: 'A' }])).toBe(2);
    await store.close();
  });

  it('an update rewrites only the changed columns, and every query still sees the new values', async () => {
    const store = new SqliteReadStore(join(dir, 'read.db'));
    await store.ensureCollections([spec]);
    const put = (...docs: ReturnType<typeof doc>[]) => store.write({ upserts: docs.map((d) => ({ collection: spec.name, doc: d })), deletes: [], checkpoints: [] });
    await put(doc('a', 1, 'A', 10), doc('b', 2, 'B', 20));
    await put(doc('a', 3, 'A', 30)); // value changed, tier not
    await put(doc('b', 4, 'A', 20)); // tier changed, value not
    await put(doc('b', 5, 'A', 20)); // nothing queryable changed
    const byValue = await store.find(spec.name, { filter: [{ field: 'tier', op: 'eq', value: 'A' }], sort: [{ field: 'value', direction: 'desc' }], limit: 10 });
    expect(byValue.items.map((d) => [d._id, d._position, d.value])).toEqual([['a', 3, 30], ['b', 5, 20]]);
    expect(await store.count(spec.name, [{ field: 'tier', op: 'eq', value: 'B' }])).toBe(0);
    expect(await store.count(spec.name, [{ field: 'value', op: 'gt', value: 25 }])).toBe(1);
    await store.close();
  });

  it('empties a file of the old layout (generated columns), checkpoints included, so the projector rebuilds it', async () => {
    const old = new Database(join(dir, 'read.db'));
    old.exec(`CREATE TABLE rm_checkpoints (projector TEXT PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID;
      INSERT INTO rm_checkpoints VALUES ('customers', 42);
      CREATE TABLE rm_bulk_people (id TEXT PRIMARY KEY, position INTEGER NOT NULL, doc TEXT NOT NULL);
      ALTER TABLE rm_bulk_people ADD COLUMN f_tier GENERATED ALWAYS AS (json_extract(doc, '$.tier')) VIRTUAL;
      INSERT INTO rm_bulk_people (id, position, doc) VALUES ('a', 1, '{"_id":"a","_position":1,"tier":"A"}');`);
    old.close();
    const store = new SqliteReadStore(join(dir, 'read.db'));
    await store.ensureCollections([spec]);
    expect(await store.checkpoint('customers')).toBe(0);
    expect(await store.count(spec.name)).toBe(0);
    await store.write({ upserts: [{ collection: spec.name, doc: doc('a', 1, 'A', 10) }], deletes: [], checkpoints: [{ projector: 'customers', position: 1 }] });
    await store.close();
    const reopened = new SqliteReadStore(join(dir, 'read.db')); // the current layout is kept as it is
    await reopened.ensureCollections([spec]);
    expect(await reopened.checkpoint('customers')).toBe(1);
    expect(await reopened.count(spec.name, [{ field: 'tier', op: 'eq', value: 'A' }])).toBe(1);
    await reopened.close();
  });
});
