import { describeWith, freshPostgresDatabase, keyStoreContract, serverUrl } from '@touchpoint/testing';
import { PostgresKeyStore } from './postgres-key-store';

const server = serverUrl('TOUCHPOINT_TEST_PG_URL', 'PostgreSQL key store');

describeWith(server)('PostgreSQL key store', () => {
  keyStoreContract('postgres', async () => {
    const db = await freshPostgresDatabase(server!);
    const keys = await PostgresKeyStore.connect(db.url);
    return {
      keys,
      teardown: async () => {
        await keys.close();
        await db.drop();
      },
    };
  });
});
