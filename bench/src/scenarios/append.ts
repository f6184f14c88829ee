import { EVENT_SCHEMA_VERSIONS } from '@touchpoint/domain';
import type { EventStore, SnapshotStore } from '@touchpoint/event-store';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
// Imported by path: libs/testing as a whole is test-only (jest globals), this file is not.
import { freshPostgresDatabase } from '../../../libs/testing/src/postgres';
import type { BenchContext, Scenario } from '../context';
import { Rng } from '../prng';
import { LatencyRecorder, peakRssMiB, resetPeakRss, type MeasuredRow } from '../stats';
import { openAppEventStore } from '../stores';
import { appRunner, registerCommand, runCustomerCommand, touchpointCommand, touchpointRow } from './commands';

// The same table shape as the SQLite event store, written by hand: the raw floor for an append.
const RAW_SQLITE = `CREATE TABLE events (global_position INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, stream_id TEXT NOT NULL,
  stream_revision INTEGER NOT NULL, type TEXT NOT NULL, schema_version INTEGER NOT NULL, recorded_at TEXT NOT NULL, data TEXT NOT NULL,
  metadata TEXT NOT NULL, UNIQUE (stream_id, stream_revision))`;

const elapsed = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;

/** Raw better-sqlite3 inserts, durable like the store (WAL, synchronous=FULL): one transaction per row, and 100 rows per transaction. */
function rawSqlite(ctx: BenchContext): MeasuredRow[] {
  const db = new Database(join(ctx.dir('raw-sqlite'), 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(RAW_SQLITE);
  const insert = db.prepare('INSERT INTO events (event_id, stream_id, stream_revision, type, schema_version, recorded_at, data, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const rng = new Rng(1);
  const row = touchpointRow(rng);
  const one = db.transaction((i: number) => insert.run(randomUUID(), `customer-${i % 32}`, i, 'TouchpointRecorded', 1, new Date().toISOString(), row.data, row.metadata));
  const rows: MeasuredRow[] = [];

  resetPeakRss();
  const latency = new LatencyRecorder();
  let started = process.hrtime.bigint();
  for (let i = 0; i < ctx.sizes.rawTxPerEvent; i++) {
    const t = process.hrtime.bigint();
    one(i);
    latency.recordMs(Number(process.hrtime.bigint() - t) / 1e6);
  }
  let seconds = elapsed(started);
  rows.push({ id: 'raw.sqlite.tx-per-event', title: 'raw better-sqlite3 insert, 1 tx/event', kind: 'baseline', engine: 'sqlite', ops: ctx.sizes.rawTxPerEvent, seconds, throughput: ctx.sizes.rawTxPerEvent / seconds, unit: 'events/s', latencyMs: latency.summary(), peakRssMiB: peakRssMiB() });

  const batch = db.transaction((from: number) => {
    for (let i = from; i < from + 100; i++) insert.run(randomUUID(), `batch-${Math.floor(i / 100)}`, i % 100, 'TouchpointRecorded', 1, new Date().toISOString(), row.data, row.metadata);
  });
  resetPeakRss();
  started = process.hrtime.bigint();
  for (let i = 0; i < ctx.sizes.rawBatchedRows; i += 100) batch(i);
  seconds = elapsed(started);
  rows.push({ id: 'raw.sqlite.batched', title: 'raw better-sqlite3 insert, 100 rows/tx', kind: 'baseline', engine: 'sqlite', ops: ctx.sizes.rawBatchedRows, seconds, throughput: ctx.sizes.rawBatchedRows / seconds, unit: 'events/s', peakRssMiB: peakRssMiB() });
  db.close();
  return rows;
}

/** decide + append through the AggregateRunner as the app builds it (encrypting store, state cache): sequentially, then with N writers on distinct customers. */
async function throughRunner(ctx: BenchContext, store: EventStore & SnapshotStore, engine: string, baseline: string): Promise<MeasuredRow[]> {
  const runner = appRunner(store);
  const rng = new Rng(2);
  const customers = Array.from({ length: ctx.sizes.writers }, () => rng.uuid());
  await Promise.all(customers.map((id, i) => runCustomerCommand(runner, id, registerCommand(id, i), i)));
  const rows: MeasuredRow[] = [];
  const bar = ctx.progress(`append ${engine}`, ctx.sizes.appendSequential + ctx.sizes.appendConcurrent);
  let n = 0;

  resetPeakRss();
  const sequential = new LatencyRecorder();
  let started = process.hrtime.bigint();
  for (let i = 0; i < ctx.sizes.appendSequential; i++) {
    const id = customers[i % customers.length];
    await sequential.time(() => runCustomerCommand(runner, id, touchpointCommand(id, rng), ++n));
    if (i % 100 === 0) bar.update(i);
  }
  let seconds = elapsed(started);
  rows.push({ id: `append.${engine}.sequential`, title: 'append via runner, sequential', kind: 'scenario', engine, ops: ctx.sizes.appendSequential, seconds, throughput: ctx.sizes.appendSequential / seconds, unit: 'events/s', latencyMs: sequential.summary(), peakRssMiB: peakRssMiB(), compareTo: { id: baseline, metric: 'throughput' } });

  resetPeakRss();
  const concurrent = new LatencyRecorder();
  let issued = 0;
  started = process.hrtime.bigint();
  await Promise.all(
    customers.map(async (id) => {
      while (issued < ctx.sizes.appendConcurrent) {
        issued++;
        await concurrent.time(() => runCustomerCommand(runner, id, touchpointCommand(id, rng), ++n));
        if (issued % 200 === 0) bar.update(ctx.sizes.appendSequential + issued);
      }
    }),
  );
  seconds = elapsed(started);
  bar.stop();
  rows.push({
    id: `append.${engine}.concurrent`,
    title: `append via runner, ${ctx.sizes.writers} writers`,
    kind: 'scenario',
    engine,
    ops: issued,
    seconds,
    throughput: issued / seconds,
    unit: 'events/s',
    latencyMs: concurrent.summary(),
    peakRssMiB: peakRssMiB(),
    compareTo: { id: baseline, metric: 'throughput' },
    ...(engine === 'sqlite' && { targets: [{ description: '≥ 50 % of raw 1 tx/event', metric: 'ratio' as const, comparison: 'atLeast' as const, threshold: 0.5 }] }),
  });
  await runner.close(); // background snapshot saves land before the caller closes the store
  return rows;
}

/** store.append of 100 events per call (an import), compared with raw 100-row transactions. */
async function batches(ctx: BenchContext, store: EventStore, engine: string, baseline: string): Promise<MeasuredRow> {
  const rng = new Rng(3);
  resetPeakRss();
  const latency = new LatencyRecorder();
  const started = process.hrtime.bigint();
  for (let b = 0; b < ctx.sizes.appendBatches; b++) {
    const id = rng.uuid();
    const events = Array.from({ length: 100 }, () => ({ type: 'TouchpointRecorded', schemaVersion: EVENT_SCHEMA_VERSIONS.TouchpointRecorded, data: touchpointCommand(id, rng).data as Record<string, unknown> }));
    await latency.time(() => store.append(`customer-${id}`, events, { expectedRevision: 'any', metadata: { actor: 'bench', correlationId: 'b', causationId: 'b' } }));
  }
  const seconds = elapsed(started);
  const ops = ctx.sizes.appendBatches * 100;
  return { id: `append.${engine}.batch100`, title: 'store.append, 100 events/call', kind: 'scenario', engine, ops, seconds, throughput: ops / seconds, unit: 'events/s', latencyMs: latency.summary(), peakRssMiB: peakRssMiB(), compareTo: { id: baseline, metric: 'throughput' } };
}

export const appendEmbedded: Scenario = async (ctx) => {
  const rows = rawSqlite(ctx);
  const store = await openAppEventStore(ctx.dir('append-sqlite'));
  try {
    rows.push(...(await throughRunner(ctx, store, 'sqlite', 'raw.sqlite.tx-per-event')));
    rows.push(await batches(ctx, store, 'sqlite', 'raw.sqlite.batched'));
  } finally {
    await store.close();
  }
  return rows;
};

export const appendPostgres: Scenario = async (ctx) => {
  if (!ctx.urls.pg) return [];
  const db = await freshPostgresDatabase(ctx.urls.pg, 'tp_bench');
  const rows: MeasuredRow[] = [];
  try {
    const raw = new Client({ connectionString: db.url });
    await raw.connect();
    await raw.query(`CREATE TABLE raw_events (global_position BIGSERIAL PRIMARY KEY, event_id UUID NOT NULL UNIQUE, stream_id TEXT NOT NULL, stream_revision INTEGER NOT NULL,
      type TEXT NOT NULL, schema_version INTEGER NOT NULL, recorded_at TIMESTAMPTZ NOT NULL, data JSONB NOT NULL, metadata JSONB NOT NULL, UNIQUE (stream_id, stream_revision))`);
    const row = touchpointRow(new Rng(4));
    resetPeakRss();
    const latency = new LatencyRecorder();
    const started = process.hrtime.bigint();
    for (let i = 0; i < ctx.sizes.pgOps; i++) {
      await latency.time(() =>
        raw.query('INSERT INTO raw_events (event_id, stream_id, stream_revision, type, schema_version, recorded_at, data, metadata) VALUES ($1, $2, $3, $4, 1, now(), $5, $6)', [randomUUID(), `c-${i % 32}`, i, 'TouchpointRecorded', row.data, row.metadata]),
      );
    }
    const seconds = elapsed(started);
    await raw.end();
    rows.push({ id: 'raw.pg.tx-per-event', title: 'raw pg INSERT, 1 tx/event', kind: 'baseline', engine: 'postgres', ops: ctx.sizes.pgOps, seconds, throughput: ctx.sizes.pgOps / seconds, unit: 'events/s', latencyMs: latency.summary(), peakRssMiB: peakRssMiB() });

    const store = await openAppEventStore(ctx.dir('append-postgres'), { TOUCHPOINT_EVENT_STORE: 'postgres', TOUCHPOINT_POSTGRES_URL: db.url });
    try {
      const sizes = { ...ctx.sizes, appendSequential: ctx.sizes.pgOps, appendConcurrent: ctx.sizes.pgOps };
      rows.push(...(await throughRunner({ ...ctx, sizes }, store, 'postgres', 'raw.pg.tx-per-event')));
    } finally {
      await store.close();
    }
  } finally {
    await db.drop();
  }
  return rows;
};
