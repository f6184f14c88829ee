import { InMemoryReadStore, SqliteReadStore } from '@touchpoint/read-models';
import { readStoreContract } from '@touchpoint/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

readStoreContract('in-memory', async () => ({ store: new InMemoryReadStore() }));
readStoreContract('sqlite (embedded default)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tp-rs-'));
  return { store: new SqliteReadStore(join(dir, 'read.db')), teardown: async () => rmSync(dir, { recursive: true, force: true }) };
});
readStoreContract('sqlite, writes on the writer thread (as the app opens it)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tp-rs-'));
  return { store: new SqliteReadStore(join(dir, 'read.db'), { writerThread: true }), teardown: async () => rmSync(dir, { recursive: true, force: true }) };
});
