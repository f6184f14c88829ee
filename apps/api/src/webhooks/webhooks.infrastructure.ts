import type { TouchpointConfig } from '@touchpoint/platform';
import { AddressPolicy, PostgresWebhookStateStore, SqliteWebhookStateStore, WebhookSecrets, type WebhookStateStore } from '@touchpoint/relay/webhooks';
import { join } from 'node:path';
import { createKeyStore } from '../engines';

export const WEBHOOKS = Symbol('WEBHOOKS');

/** What the API and the dispatcher share about webhooks: the delivery state, the secrets, and where hooks may go. */
export interface WebhookInfrastructure {
  state: WebhookStateStore;
  secrets: WebhookSecrets;
  policy: AddressPolicy;
}

/**
 * The delivery state, shared by the dispatcher and the API: the postgres event store's database (else the key store's
 * PostgreSQL database, as for API keys), else `webhooks.db` in the data dir (memory: in memory).
 */
export async function createWebhookStateStore(config: TouchpointConfig): Promise<WebhookStateStore> {
  if (config.TOUCHPOINT_EVENT_STORE === 'memory') return new SqliteWebhookStateStore(':memory:');
  const url = config.TOUCHPOINT_EVENT_STORE === 'postgres' ? config.TOUCHPOINT_POSTGRES_URL : config.TOUCHPOINT_KEY_STORE_URL;
  return url ? PostgresWebhookStateStore.connect(url) : new SqliteWebhookStateStore(join(config.TOUCHPOINT_DATA_DIR, 'webhooks.db'));
}

export async function createWebhookInfrastructure(config: TouchpointConfig): Promise<WebhookInfrastructure> {
  const keys = await createKeyStore(config);
  try {
    return { state: await createWebhookStateStore(config), secrets: await WebhookSecrets.load(keys), policy: AddressPolicy.parse(config.TOUCHPOINT_WEBHOOK_ALLOW_NETWORKS) };
  } finally {
    await keys.close();
  }
}
