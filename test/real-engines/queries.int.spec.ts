/**
 * The query e2e scenarios again, on the production engines: PostgreSQL event
 * store + MongoDB read store, each app on fresh databases. No test code of its
 * own: it switches startTestApp to the real engines and loads the shared
 * scenario files, so the very same assertions run.
 */
import { describeWith, serverUrl } from '@touchpoint/testing';
import { useRealEngines } from '../support/app';

const postgres = serverUrl('TOUCHPOINT_TEST_PG_URL', 'query e2e on PostgreSQL + MongoDB');
const mongo = serverUrl('TOUCHPOINT_TEST_MONGO_URL', 'query e2e on PostgreSQL + MongoDB');

describeWith(postgres && mongo)('on PostgreSQL + MongoDB:', () => {
  jest.setTimeout(60_000);
  useRealEngines({ postgres: postgres!, mongo: mongo! });
  require('../queries/customer-360.e2e.spec');
  require('../queries/customer-list.e2e.spec');
  require('../queries/pipeline-forecast.e2e.spec');
  require('../queries/history.e2e.spec');
  require('../queries/rebuild.e2e.spec');
  require('../pipeline/forecast-learning.e2e.spec');
  require('../identity/merges.e2e.spec');
  require('../tasks/tasks.e2e.spec');
  require('../commands/payments.e2e.spec');
  require('../sales/attainment.e2e.spec');
  require('../sales/quotes.e2e.spec');
  require('../streams/webhooks.e2e.spec');
});
