import { checkpointStoreContract } from '@touchpoint/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryCheckpointStore, SqliteCheckpointStore } from './checkpoint-store';

checkpointStoreContract('in-memory', async () => ({ checkpoints: new InMemoryCheckpointStore() }), { durable: false });
checkpointStoreContract(
  'sqlite (checkpoints.db)',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-checkpoints-'));
    const file = join(dir, 'checkpoints.db');
    return { checkpoints: new SqliteCheckpointStore(file), reopen: async () => new SqliteCheckpointStore(file), teardown: async () => rmSync(dir, { recursive: true, force: true }) };
  },
  { durable: true },
);
