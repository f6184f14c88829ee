import { webhookStateStoreContract } from '@touchpoint/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteWebhookStateStore } from './sqlite-state-store';

webhookStateStoreContract('sqlite (webhooks.db)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tp-webhooks-'));
  const file = join(dir, 'webhooks.db');
  return { state: new SqliteWebhookStateStore(file), reopen: async () => new SqliteWebhookStateStore(file), teardown: async () => rmSync(dir, { recursive: true, force: true }) };
});
