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
