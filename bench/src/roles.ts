import 'reflect-metadata';
import { issueApiKey, type Role } from '@touchpoint/auth';
import { SqliteEventStore } from '@touchpoint/event-store';
import { MongoReadStore, SqliteReadStore, type ReadStore } from '@touchpoint/read-models';
import { loadConfig, randomIds, systemClock } from '@touchpoint/platform';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { MongoClient } from 'mongodb';
import { join } from 'node:path';
import { createApp } from '../../apps/api/src/app.factory';
import { createProjector } from '../../apps/api/src/app.module';
import { FollowUpProcess } from '../../apps/api/src/tasks/follow-up.process';
import { ExecuteCustomerCommand } from '../../apps/api/src/commands/customer.command';
import { CommandBus } from '@nestjs/cqrs';
import type { CommandResult } from '@touchpoint/application';
import { createApiKeyStore, createEngines, createKeyStore, withEncryption } from '../../apps/api/src/engines';
import { nextParentMessage, type ChildMessage } from './child';
import { appendGenerated, generateDataset, type DatasetOptions } from './dataset';
import { writeForecastHistory } from './scenarios/forecast-history';
import { peakRssMiB } from './stats';
import { Rng } from './prng';
import type { ReceiverStats } from './scenarios/webhooks';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openAppEventStore } from './stores';
import { seedSalesDesk } from './scenarios/sales-desk-seed';

type Report = (m: ChildMessage) => void;

/** The projector's cache size as the harness's environment sets it (else the product's default). */
const cacheSetting = () => (process.env.TOUCHPOINT_PROJECTOR_CACHE_DOCS ? { TOUCHPOINT_PROJECTOR_CACHE_DOCS: process.env.TOUCHPOINT_PROJECTOR_CACHE_DOCS } : {});

export interface TimedResult {
  events: number;
  ms: number;
  peakRssMiB: number;
}

/** Writes a generated dataset into `<dir>/events.db` through the app's store (encrypting wrapper, hash chains, keys.db). */
async function generate(args: { dir: string; dataset: DatasetOptions }, report: Report): Promise<TimedResult> {
  // An import, not a measurement: no fsync per group (generator only), and enough page cache for the random-key indexes.
  const config = loadConfig({ TOUCHPOINT_DATA_DIR: args.dir });
  const sqlite = new SqliteEventStore({ filename: join(args.dir, 'events.db'), synchronous: 'NORMAL' });
  sqlite.database.pragma('cache_size = -131072');
  const store = withEncryption(sqlite, await createKeyStore(config));
  const started = Date.now();
  const events = await appendGenerated(store, generateDataset(args.dataset), { onProgress: (done) => report({ type: 'progress', done, total: args.dataset.events }) });
  await store.close();
  return { events, ms: Date.now() - started, peakRssMiB: peakRssMiB() };
}

/** The raw floor for a rebuild: read every row of the log and JSON.parse its data and metadata, nothing else. */
async function readParse(args: { dir: string }): Promise<TimedResult> {
  const db = new Database(join(args.dir, 'events.db'), { readonly: true });
  const started = Date.now();
  let events = 0;
  let bytes = 0;
  for (const row of db.prepare('SELECT * FROM events ORDER BY global_position').iterate() as Iterable<{ data: string; metadata: string }>) {
    const data = JSON.parse(row.data) as object;
    const metadata = JSON.parse(row.metadata) as object;
    bytes += Object.keys(data).length + Object.keys(metadata).length; // keep the parse observable
    events++;
  }
  const ms = Date.now() - started;
  db.close();
  if (bytes === 0) throw new Error('read nothing');
  return { events, ms, peakRssMiB: peakRssMiB() };
}

/**
 * The floor a rebuild cannot beat while personal fields are sealed: the log read through the app's
 * decrypting store, in the rebuild's page size, and nothing else (one AES-GCM open per event with sealed fields; per field for v1 events).
 */
async function readDecrypt(args: { dir: string }): Promise<TimedResult> {
  const store = await openAppEventStore(args.dir);
  const started = Date.now();
  let events = 0;
  for (let after = 0; ; ) {
    const page = await store.readAll({ after, maxCount: 10_000 });
    if (page.length === 0) break;
    events += page.length;
    after = page[page.length - 1].globalPosition;
  }
  const ms = Date.now() - started;
  await store.close();
  return { events, ms, peakRssMiB: peakRssMiB() };
}

/** The real Projector rebuilding every projection from `<dir>/events.db` (read through the decrypting store), into SQLite (`read.db`) or MongoDB. */
async function rebuild(args: { dir: string; mongoUrl?: string; rank?: boolean }, report: Report): Promise<TimedResult & { rankMs?: number }> {
  const eventStore = await openAppEventStore(args.dir);
  const dbName = `bench_${Date.now().toString(36)}`;
  const readStore: ReadStore = args.mongoUrl ? await MongoReadStore.connect(args.mongoUrl, dbName) : new SqliteReadStore(join(args.dir, 'read.db'), { writerThread: true }); // as engines.ts opens it
  const config = loadConfig({ TOUCHPOINT_DATA_DIR: args.dir, ...cacheSetting() });
  const projector = createProjector({ config, engines: { eventStore, readStore }, clock: systemClock });
  let last = 0;
  const result = await projector.rebuild(undefined, (done, total) => {
    if (done - last >= 10_000 || done === total) {
      last = done;
      report({ type: 'progress', done, total });
    }
  });
  // The live projector's periodic re-ranking of every customer (tiers, RFM, predicted values), timed once more after the rebuild's own.
  let rankMs: number | undefined;
  if (args.rank) {
    const t = performance.now();
    await projector.segment();
    rankMs = performance.now() - t;
  }
  const peak = peakRssMiB();
  await eventStore.close();
  await readStore.close();
  if (args.mongoUrl) {
    const admin = new MongoClient(args.mongoUrl);
    await admin.connect();
    await admin.db(dbName).dropDatabase();
    await admin.close();
  }
  return { events: result.events, ms: result.ms, peakRssMiB: Math.max(peak, peakRssMiB()), ...(rankMs !== undefined && { rankMs }) };
}

/**
 * The real API (embedded default: SQLite event and read stores, projector in process, auth required, helmet)
 * on a free port until told to stop. Requests carry an API key from the production key store (auth.db);
 * rate limiting is off, or the load would be answered with 429s.
 */
async function serveApi(args: { dir: string; projectorInProcess?: boolean; role?: Role; keepRateLimit?: boolean; token?: string }, report: Report): Promise<{ peakRssMiB: number }> {
  const config = loadConfig({
    TOUCHPOINT_DATA_DIR: args.dir,
    LOG_LEVEL: 'error',
    // An import is one request: its scenario keeps the default limit to show it needs no switching off.
    ...(!args.keepRateLimit && { TOUCHPOINT_RATE_LIMIT_MAX: '0' }),
    TOUCHPOINT_PROJECTOR_IN_PROCESS: String(args.projectorInProcess ?? true),
    ...cacheSetting(),
  });
  const engines = await createEngines(config, systemClock);
  const apiKeyStore = await createApiKeyStore(config);
  // A key already in the data directory's key store (a seeding role issued it), else a new one.
  const secret = args.token ?? (await issueApiKey(apiKeyStore, { name: 'bench', roles: [args.role ?? 'sales'], now: systemClock.now() })).secret;
  const app = await createApp({ config, engines, clock: systemClock, ids: randomIds, logs: false, apiKeyStore });
  await app.listen(0, '127.0.0.1');
  report({ type: 'ready', port: (app.getHttpServer().address() as { port: number }).port, token: secret });
  await nextParentMessage((m) => m === 'stop');
  await app.close();
  return { peakRssMiB: peakRssMiB() };
}

export interface FollowUpPass extends TimedResult {
  created: number;
  /** from the first inbound call written to the follow-up watch holding the last */
  detectMs: number;
  /** the watch's lag behind the last call written */
  lagMs: number;
}

/**
 * Scenario `sales-desk`, the follow-up process (#24): the real app in this process on a clock the role moves, with
 * `contacts` customers each leaving an inbound call unanswered, all written at once (128 in flight) while the
 * projector in the same process detects them (timed until the follow-up watch holds the last). Then the clock moves a
 * day and a half on and one run of the follow-up process is timed: it must turn every call into exactly one task.
 */
async function followUpPass(args: { dir: string; contacts: number }, report: Report): Promise<FollowUpPass> {
  let offsetMs = 0;
  const clock = { now: () => new Date(Date.now() + offsetMs) };
  const config = loadConfig({ TOUCHPOINT_DATA_DIR: args.dir, LOG_LEVEL: 'error', TOUCHPOINT_AUTH: 'off', TOUCHPOINT_RATE_LIMIT_MAX: '0', TOUCHPOINT_FOLLOW_UP_CHECK_EVERY_MS: '0', ...cacheSetting(), ...(process.env.TOUCHPOINT_FOLLOW_UP_CONCURRENCY && { TOUCHPOINT_FOLLOW_UP_CONCURRENCY: process.env.TOUCHPOINT_FOLLOW_UP_CONCURRENCY }) });
  const engines = await createEngines(config, clock);
  const app = await createApp({ config, engines, clock, ids: randomIds, logs: false });
  const http = app.getHttpAdapter().getInstance();
  const post = async (url: string, body: object) => {
    const res = await http.inject({ method: 'POST', url, payload: body, headers: { 'x-actor': 'bench.desk' } });
    if (res.statusCode !== 201) throw new Error(`POST ${url}: ${res.statusCode} ${res.body}`);
    return JSON.parse(res.body) as { ids?: { customerId: string }; globalPosition: number };
  };
  // Customers first (not timed), then every inbound call at once through the command bus (the handlers the HTTP
  // controllers send to, without the HTTP pipeline): detection is timed from the first call to the watch holding them all.
  const customers: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      for (let i = next++; i < args.contacts; i = next++) {
        customers[i] = (await post('/v1/customers', { kind: 'person', name: `Caller ${i}`, owner: `bench.owner${i % 50}` })).ids!.customerId;
        if (i % 1000 === 0) report({ type: 'progress', done: i, total: args.contacts });
      }
    }),
  );
  const bus = app.get(CommandBus);
  const occurredAt = new Date(Date.now() - 60_000).toISOString();
  const detectStarted = performance.now();
  let head = 0;
  next = 0;
  await Promise.all(
    Array.from({ length: 128 }, async () => {
      for (let i = next++; i < args.contacts; i = next++) {
        const id = randomIds.next();
        const data = { customerId: customers[i], touchpointId: randomIds.next(), touchpointType: 'call' as const, direction: 'inbound' as const, subject: 'Please call back', agent: 'bench.desk', occurredAt };
        const result: CommandResult = await bus.execute(new ExecuteCustomerCommand({ type: 'RecordTouchpoint', data }, { actor: 'bench.desk', correlationId: id, causationId: id }));
        head = Math.max(head, result.globalPosition);
      }
    }),
  );
  const written = performance.now();
  const settled = await http.inject({ method: 'GET', url: `/v1/tasks?limit=1&minPosition=${head}` });
  if (settled.statusCode !== 200) throw new Error(`read models did not reach ${head}: ${settled.statusCode}`);
  const detectMs = performance.now() - detectStarted;
  const lagMs = performance.now() - written;
  offsetMs = 36 * 3_600_000; // past the default 24-hour answer window
  const followUps = app.get(FollowUpProcess);
  const started = performance.now();
  const created = await followUps.runOnce();
  const ms = performance.now() - started;
  const again = await followUps.runOnce();
  await app.close();
  if (created !== args.contacts || again !== 0) throw new Error(`follow-up run created ${created} tasks for ${args.contacts} contacts, then ${again}`);
  return { events: created, ms, peakRssMiB: peakRssMiB(), created, detectMs, lagMs };
}

/** The HTTP floor: a bare Fastify app with one POST and one GET route, same body limit, no framework on top. */
async function serveBare(_args: unknown, report: Report): Promise<{ peakRssMiB: number }> {
  const app = Fastify({ bodyLimit: 256 * 1024 });
  let n = 0;
  app.post('/v1/customers/:id/touchpoints', async (request, reply) => {
    reply.code(201);
    return { streamId: `customer-${(request.params as { id: string }).id}`, streamRevision: ++n, received: Object.keys(request.body as object).length };
  });
  app.get('/v1/ping', async () => ({ ok: true, n }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  report({ type: 'ready', port: (app.server.address() as { port: number }).port });
  await nextParentMessage((m) => m === 'stop');
  await app.close();
  return { peakRssMiB: peakRssMiB() };
}

/** Scenario `webhooks`: the loopback receiver, own process. 503 to a share of requests (seeded); checks per-customer order. */
export async function webhookReceiver(args: { failureRate: number }, report: Report): Promise<ReceiverStats> {
  const rng = new Rng(77);
  let failureRate = args.failureRate;
  const arrivals = new Map<number, number>();
  const lastByKey = new Map<string, number>();
  let requests = 0;
  let failed = 0;
  let orderViolations = 0;
  const server = createServer((req, res) => {
    const arrival = /^\/arrivals\/(\d+)$/.exec(req.url ?? '');
    if (arrival) {
      const at = arrivals.get(Number(arrival[1]));
      return at === undefined ? res.writeHead(404).end() : res.writeHead(200).end(String(at));
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests++;
      if (rng.next() < failureRate) {
        failed++;
        return res.writeHead(503).end();
      }
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { globalPosition: number; streamId: string; data: { customerId?: string } };
      if (!arrivals.has(event.globalPosition)) {
        arrivals.set(event.globalPosition, performance.timeOrigin + performance.now());
        const key = event.data.customerId ?? event.streamId;
        if ((lastByKey.get(key) ?? 0) > event.globalPosition) orderViolations++;
        lastByKey.set(key, event.globalPosition);
        if (arrivals.size % 100 === 0) report({ type: 'progress', done: arrivals.size, total: 0 });
      }
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  report({ type: 'ready', port: (server.address() as AddressInfo).port });
  const onRate = (m: unknown) => {
    if (typeof m === 'object' && m !== null && 'failureRate' in m) failureRate = Number((m as { failureRate: number }).failureRate);
  };
  process.on('message', onRate);
  await nextParentMessage((m) => m === 'stop');
  process.off('message', onRate);
  report({ type: 'progress', done: arrivals.size, total: 0 });
  const cpu = process.cpuUsage(cpuBefore);
  server.closeAllConnections();
  server.close();
  return { requests, failed, firstArrivals: arrivals.size, orderViolations, cpuShare: Math.round(((cpu.user + cpu.system) / 1000 / (performance.now() - started)) * 100) };
}

export const ROLES = { 'webhook-receiver': webhookReceiver, generate, 'generate-forecast-history': writeForecastHistory, 'read-parse': readParse, 'read-decrypt': readDecrypt, rebuild, 'rebuild-roomy': rebuild, 'follow-up-pass': followUpPass, 'sales-desk-seed': seedSalesDesk, 'serve-api': serveApi, 'serve-bare': serveBare };
