import { describeWith, freshPostgresDatabase, serverUrl, webhookStateStoreContract } from '@touchpoint/testing';
import { PostgresWebhookStateStore } from './postgres-state-store';

const PG = serverUrl('TOUCHPOINT_TEST_PG_URL', 'PostgreSQL webhook state store');

describeWith(PG)('PostgreSQL webhook state store', () => {
  webhookStateStoreContract('postgresql (tp_wh_*)', async () => {
    const db = await freshPostgresDatabase(PG!);
    return { state: await PostgresWebhookStateStore.connect(db.url), reopen: () => PostgresWebhookStateStore.connect(db.url), teardown: db.drop };
  });
});
