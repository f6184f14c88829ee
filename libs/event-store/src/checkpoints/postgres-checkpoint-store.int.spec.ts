import { checkpointStoreContract, describeWith, freshPostgresDatabase, serverUrl } from '@touchpoint/testing';
import { PostgresCheckpointStore } from './postgres-checkpoint-store';

const PG = serverUrl('TOUCHPOINT_TEST_PG_URL', 'PostgreSQL checkpoint store');

describeWith(PG)('PostgreSQL checkpoint store', () => {
  checkpointStoreContract(
    'postgresql (tp_audit_checkpoints)',
    async () => {
      const db = await freshPostgresDatabase(PG!);
      return { checkpoints: await PostgresCheckpointStore.connect(db.url), reopen: () => PostgresCheckpointStore.connect(db.url), teardown: db.drop };
    },
    { durable: true },
  );
});
