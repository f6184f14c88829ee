import { EVENT_SCHEMA_VERSIONS } from '@touchpoint/domain';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BenchContext, Scenario } from '../context';
import { runChild } from '../child';
import { datasetCustomerIds, type DatasetOptions } from '../dataset';
import type { TimedResult } from '../roles';
import { type MeasuredRow } from '../stats';
import { waitIdle } from './clv';
import { startServer, timeGets } from './http';
import { SEED } from '../context';

export function inChild<T extends TimedResult = TimedResult>(ctx: BenchContext, role: string, label: string, args: unknown, total: number): Promise<T> {
  const bar = ctx.progress(label, total);
  const child = runChild<T>(role, args, (done) => bar.update(done));
  return child.result.finally(() => bar.stop());
}

/** A row for work timed in a child process (events over its wall time, its peak RSS). */
export const row = (id: string, title: string, kind: MeasuredRow['kind'], engine: string, r: TimedResult, extra: Partial<MeasuredRow> = {}): MeasuredRow => ({
  id,
  title,
  kind,
  engine,
  ops: r.events,
  seconds: r.ms / 1000,
  throughput: r.events / (r.ms / 1000),
  unit: 'events/s',
  peakRssMiB: r.peakRssMiB,
  ...extra,
});

/** A row for sequential GETs timed by `timeGets`. */
export const getsRow = (id: string, title: string, n: number, r: { latency: { summary(): MeasuredRow['latencyMs'] }; seconds: number }, extra: Partial<MeasuredRow> & { peakRssMiB: number }): MeasuredRow => ({
  id,
  title,
  kind: 'scenario',
  engine: 'sqlite',
  ops: n,
  seconds: r.seconds,
  throughput: n / r.seconds,
  unit: 'req/s',
  latencyMs: r.latency.summary(),
  ...extra,
});

export const p99Target = (ms: number) => ({ description: `p99 ≤ ${ms} ms`, metric: 'p99' as const, comparison: 'atMost' as const, threshold: ms });

export function rebuildDataset(ctx: BenchContext, events = ctx.sizes.rebuildEvents): DatasetOptions {
  return { seed: SEED, customers: ctx.sizes.rebuildCustomers, events, whaleEvents: ctx.sizes.longHistory };
}

/** Bump when the generator or the stored format (encryption, hash chain, table shape) changes: old cached logs are then ignored. */
const DATASET_VERSION = 3;
const LOG_FILES = ['events.db', 'keys.db'];

/**
 * Puts the generated log (events.db and its data keys) into `dir`. Full mode keeps one copy
 * under bench/.cache, keyed by the generator's version, seed and sizes and the event schema
 * versions, because writing 1M events takes minutes and is not measured. Quick mode (CI)
 * always runs the generator. Delete bench/.cache to force a fresh log.
 */
export async function generatedLog(ctx: BenchContext, dir: string, dataset: DatasetOptions): Promise<void> {
  const generate = async (into: string) => {
    const generated = await inChild(ctx, 'generate', 'generate dataset', { dir: into, dataset }, dataset.events);
    ctx.log(`  generated ${generated.events.toLocaleString('en-US')} events in ${(generated.ms / 1000).toFixed(1)} s`);
  };
  if (ctx.quick) return generate(dir);
  const key = createHash('sha256').update(JSON.stringify({ DATASET_VERSION, dataset, EVENT_SCHEMA_VERSIONS })).digest('hex').slice(0, 16);
  const cached = resolve('bench/.cache', `dataset-${key}`);
  if (!existsSync(join(cached, 'complete'))) {
    const staging = `${cached}.tmp`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    await generate(staging);
    writeFileSync(join(staging, 'complete'), `${JSON.stringify(dataset)}\n`);
    rmSync(cached, { recursive: true, force: true });
    renameSync(staging, cached);
  } else ctx.log(`  reusing the generated log in bench/.cache/dataset-${key} (same generator version, seed and sizes)`);
  for (const file of LOG_FILES) copyFileSync(join(cached, file), join(dir, file));
}

/**
 * Generates the dataset into a fresh SQLite log, then in separate processes
 * (so each peak RSS is its own): the raw read+parse floor, the rebuild, and the
 * real API answering queries over the rebuilt read models.
 */
export const rebuildAndQueries: Scenario = async (ctx) => {
  const dir = ctx.dir('rebuild');
  const dataset = rebuildDataset(ctx);
  await generatedLog(ctx, dir, dataset);
  const floor = await inChild(ctx, 'read-parse', 'raw read + parse', { dir }, dataset.events);
  const decrypted = await inChild(ctx, 'read-decrypt', 'read + parse + decrypt', { dir }, dataset.events);
  const rebuilt = await inChild(ctx, 'rebuild', 'rebuild (sqlite)', { dir }, dataset.events);
  const decryptRate = decrypted.events / (decrypted.ms / 1000);
  const rows: MeasuredRow[] = [
    row('raw.sqlite.read-parse', 'raw read + JSON.parse of the whole log', 'baseline', 'sqlite', floor),
    row('sqlite.read-decrypt', 'read + parse + decrypt, through the app\'s store (no projection)', 'baseline', 'sqlite', decrypted, {
      compareTo: { id: 'raw.sqlite.read-parse', metric: 'throughput' },
      note: 'what every reader of the log pays for crypto-shredding (one AES-GCM open per event with sealed fields): the floor under a rebuild',
    }),
    row('rebuild.sqlite', `rebuild all read models, ${dataset.events.toLocaleString('en-US')} events`, 'scenario', 'sqlite', rebuilt, {
      compareTo: { id: 'raw.sqlite.read-parse', metric: 'throughput' },
      targets: [
        { description: '≥ 40 % of raw read+parse', metric: 'ratio', comparison: 'atLeast', threshold: 0.4 },
        { description: 'peak RSS ≤ 512 MiB', metric: 'peakRssMiB', comparison: 'atMost', threshold: 512 },
      ],
      note: `rebuild runs in its own process; peak RSS is that process's VmHWM; ${(rebuilt.events / (rebuilt.ms / 1000) / decryptRate).toFixed(2)}× the decrypting read`,
    }),
  ];
  rows.push(...(await queries(ctx, dir, dataset)));
  return rows;
};

async function queries(ctx: BenchContext, dir: string, dataset: DatasetOptions): Promise<MeasuredRow[]> {
  const ids = datasetCustomerIds(dataset);
  const n = ctx.sizes.queries;
  const bare = await startServer('serve-bare');
  const floor = await timeGets(ctx, bare, 'bare GET', n, () => '/v1/ping');
  const bareRss = await bare.stop();
  const rows: MeasuredRow[] = [
    { id: 'raw.http.get', title: 'bare Fastify GET route', kind: 'baseline', engine: 'http', ops: n, seconds: floor.seconds, throughput: n / floor.seconds, unit: 'req/s', latencyMs: floor.latency.summary(), peakRssMiB: bareRss },
  ];
  const api = await startServer('serve-api', { dir });
  try {
    // Start-up loads the projector's cache and ranks every customer: measure a quiet API, not its start.
    await waitIdle(api.pid);
    const query = async (id: string, title: string, path: (i: number, previous: unknown) => string, p99: number) => {
      rows.push(getsRow(id, title, n, await timeGets(ctx, api, title, n, path), { peakRssMiB: 0, compareTo: { id: 'raw.http.get', metric: 'p99' }, ...(p99 > 0 && { targets: [p99Target(p99)] }) }));
    };
    await query('query.360', 'GET customer 360', (i) => `/v1/customers/${ids[1 + (i % (ids.length - 1))]}`, 5);
    // Pages of 50 walked with the cursor, back to the newest page when the history ends.
    await query('query.history', `GET history page of 50 (${dataset.whaleEvents.toLocaleString('en-US')}-event customer)`, (_i, previous) => {
      const cursor = (previous as { nextCursor?: string } | undefined)?.nextCursor;
      return `/v1/customers/${ids[0]}/history?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    }, 10);
    await query('query.list', 'GET customers tier=A sorted by -revenue', () => `/v1/customers?tier=A&currency=EUR&sort=-revenue&limit=50`, 0);
    await query('query.forecast', 'GET pipeline forecast', () => '/v1/pipeline/forecast', 50);
  } finally {
    const rss = await api.stop();
    for (const r of rows) if (r.id.startsWith('query.')) r.peakRssMiB = rss;
  }
  return rows;
}

/** The same rebuild into MongoDB (a smaller log: the test server is an in-memory Java emulation). */
export const rebuildMongo: Scenario = async (ctx) => {
  if (!ctx.urls.mongo) return [];
  const dir = ctx.dir('rebuild-mongo');
  const dataset = { ...rebuildDataset(ctx, ctx.sizes.mongoRebuildEvents), whaleEvents: Math.floor(ctx.sizes.mongoRebuildEvents / 10) };
  await inChild(ctx, 'generate', 'generate dataset (mongo)', { dir, dataset }, dataset.events);
  const floor = await inChild(ctx, 'read-parse', 'raw read + parse (mongo)', { dir }, dataset.events);
  const rebuilt = await inChild(ctx, 'rebuild', 'rebuild (mongodb)', { dir, mongoUrl: ctx.urls.mongo }, dataset.events);
  return [
    row('raw.sqlite.read-parse.mongo-set', `raw read + JSON.parse, ${dataset.events.toLocaleString('en-US')} events`, 'baseline', 'sqlite', floor),
    row('rebuild.mongodb', `rebuild into MongoDB, ${dataset.events.toLocaleString('en-US')} events`, 'scenario', 'mongodb', rebuilt, {
      compareTo: { id: 'raw.sqlite.read-parse.mongo-set', metric: 'throughput' },
      note: 'MongoDB here is mongo-java-server (in-memory emulation), not mongod',
    }),
  ];
};
