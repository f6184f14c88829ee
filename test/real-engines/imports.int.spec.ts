/**
 * The import e2e scenarios again on the production engines (PostgreSQL event store + MongoDB read store):
 * CDNOW as NDJSON and CSV, every kind of bad line, reruns and the HTTP edge, with the same assertions.
 */
import { describeWith, serverUrl } from '@touchpoint/testing';
import { useRealEngines } from '../support/app';

const postgres = serverUrl('TOUCHPOINT_TEST_PG_URL', 'import e2e on PostgreSQL + MongoDB');
const mongo = serverUrl('TOUCHPOINT_TEST_MONGO_URL', 'import e2e on PostgreSQL + MongoDB');

describeWith(postgres && mongo)('on PostgreSQL + MongoDB:', () => {
  jest.setTimeout(120_000);
  useRealEngines({ postgres: postgres!, mongo: mongo! });
  require('../imports/cdnow-import.e2e.spec');
  require('../imports/rejections.e2e.spec');
});
