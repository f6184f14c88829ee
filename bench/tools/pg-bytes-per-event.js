// Stored bytes per event in PostgreSQL: writes the bench's generated log (seeded, the rebuild's shape) through the app's
// encrypting store into PG_URL (dropping the tp_* tables there first: use a scratch database) and prints the sizes.
// Needs dist/ (npm run bench builds it). Usage: PG_URL=postgres://… node bench/tools/pg-bytes-per-event.js [events]
require('reflect-metadata');
const { PostgresEventStore } = require('../../dist/libs/event-store/src');
const { appendGenerated, generateDataset } = require('../../dist/bench/src/dataset');
const { withEncryption, createKeyStore } = require('../../dist/apps/api/src/engines');
const { loadConfig } = require('../../dist/libs/platform/src');
const { Client } = require('pg');
(async () => {
  const url = process.env.PG_URL; const events = Number(process.argv[2] ?? 200000);
  const admin = new Client({ connectionString: url }); await admin.connect();
  await admin.query('DROP TABLE IF EXISTS tp_events, tp_streams, tp_idempotency_keys, tp_snapshots');
  const dir = require('node:path').join(require('node:os').tmpdir(), 'tp-pg-bytes-keys'); require('fs').mkdirSync(dir, { recursive: true });
  const store = withEncryption(await PostgresEventStore.connect({ connectionString: url }), await createKeyStore(loadConfig({ TOUCHPOINT_DATA_DIR: dir })));
  const t0 = Date.now();
  const n = await appendGenerated(store, generateDataset({ seed: 20260302, customers: Math.round(events / 100), events, whaleEvents: Math.round(events / 10) }));
  const ms = Date.now() - t0;
  await admin.query('VACUUM ANALYZE tp_events');
  const r = (await admin.query(`SELECT count(*)::int n, pg_relation_size('tp_events') heap, pg_total_relation_size('tp_events') total, pg_indexes_size('tp_events') idx, avg(pg_column_size(data))::int data, avg(pg_column_size(metadata))::int meta FROM tp_events`)).rows[0];
  console.log(JSON.stringify({ written: n, ms, rate: Math.round(n / ms * 1000), ...r, perEventTotal: Math.round(r.total / r.n), perEventHeap: Math.round(r.heap / r.n) }));
  await store.close(); await admin.end();
})();
