import { describeWith, freshPostgresDatabase, apiKeyStoreContract, serverUrl } from '@touchpoint/testing';
import { PostgresApiKeyStore } from './postgres-api-key-store';

const server = serverUrl('TOUCHPOINT_TEST_PG_URL', 'PostgreSQL key store');

describeWith(server)('PostgreSQL key store', () => {
  apiKeyStoreContract('postgres', async () => {
    const db = await freshPostgresDatabase(server!);
    const keys = await PostgresApiKeyStore.connect(db.url);
    return {
      keys,
      teardown: async () => {
        await keys.close();
        await db.drop();
      },
    };
  });
});
