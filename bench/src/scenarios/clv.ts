import { issueApiKey } from '@touchpoint/auth';
import { importedId } from '@touchpoint/import';
import { loadConfig } from '@touchpoint/platform';
import { fitBgNbd, fitGammaGamma, mulberry32, sampleBeta, sampleExponential, sampleGamma, summarise, type BgNbdParams, type GammaGammaParams, type Transaction } from '@touchpoint/value-models';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createApiKeyStore } from '../../../apps/api/src/engines';
import { runChild, type ChildHandle } from '../child';
import { watchPeakRss } from '../rss';
import { SEED, type BenchContext, type Scenario } from '../context';
import { Rng } from '../prng';
import { LatencyRecorder, once, peakRssMiB, resetPeakRss, round, type LatencySummary, type MeasuredRow } from '../stats';
import { startServer, timeGets, type Server } from './http';

/**
 * Predicted lifetime value (BG/NBD + Gamma-Gamma, apps/api/src/lifetime-value) on a customer base whose purchases
 * follow the models with known parameters: 100,000 customers (2,000 in quick mode), ≈ 485,000 EUR orders, loaded
 * with the built CLI's bulk import, projected by the API's in-process projector. Then, against the real API in a
 * child process (admin key): the fit (POST /v1/analytics/lifetime-value/fits), the per-customer prediction
 * (GET /v1/customers/{id}/lifetime-value) and the backtest, with the API child's peak RSS; next to the pure
 * `fitBgNbd` (and summarise + both fits) on the same purchases in this process, and the fitted parameters
 * against the simulator's.
 */

/** Bump when the generator changes: cached data directories are then ignored. */
const CLV_DATASET_VERSION = 1;

export interface ClvDatasetOptions {
  seed: number;
  customers: number;
  /** the true parameters: BG/NBD in weeks, Gamma-Gamma in cents */
  bgnbd: BgNbdParams;
  gg: GammaGammaParams;
  /** first purchases are spread uniformly over [firstFrom, firstFrom + firstDays) */
  firstFrom: string;
  firstDays: number;
  /** the end of the observation: no purchase after it; the fit's cutoff */
  end: string;
}

/** α = 2 weeks (not 4) so that 3 years of a 100k base give ≈ 5 orders a customer (4.85 with this seed). */
const TRUE_BGNBD: BgNbdParams = { r: 0.25, alpha: 2, a: 0.8, b: 2.5 };
const TRUE_GG: GammaGammaParams = { p: 6, q: 4, gamma: 1500 };
const CUTOFF_DATE = '2025-12-31';
const CALIBRATION_END = '2025-06-30';
const SOURCE = 'bench';
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

export function clvDataset(ctx: Pick<BenchContext, 'quick'>): ClvDatasetOptions {
  return { seed: SEED ^ 0xc1f, customers: ctx.quick ? 2_000 : 100_000, bgnbd: TRUE_BGNBD, gg: TRUE_GG, firstFrom: '2023-01-01T00:00:00.000Z', firstDays: 365, end: `${CUTOFF_DATE}T23:59:59.999Z` };
}

/** The simulated history: parallel arrays in business-time order (customer index; amount in cents, -1 for the registration). */
interface History {
  at: Float64Array;
  customer: Int32Array;
  amount: Int32Array;
  orders: number;
}

/**
 * Each customer: first purchase uniform over the first year, λ ~ Gamma(r, α) per week, p ~ Beta(a, b); then
 * exponential gaps at rate λ until the end, dropping out after each repeat purchase with probability p (the BG/NBD
 * story, as simulateBgNbd tells it). Every purchase's amount is Gamma(p, ν) with ν ~ Gamma(q, γ) per customer
 * (the Gamma-Gamma story), rounded to whole cents. The registration is an hour before the first purchase.
 */
export function simulateHistory(o: ClvDatasetOptions): History {
  const rng = mulberry32(o.seed);
  const start = Date.parse(o.firstFrom);
  const end = Date.parse(o.end);
  const at: number[] = [];
  const customer: number[] = [];
  const amount: number[] = [];
  let orders = 0;
  const spend = (nu: number) => Math.max(1, Math.round(sampleGamma(rng, o.gg.p, nu)));
  for (let c = 0; c < o.customers; c++) {
    const first = start + Math.floor(rng() * o.firstDays * DAY_MS);
    const lambda = sampleGamma(rng, o.bgnbd.r, o.bgnbd.alpha);
    const p = sampleBeta(rng, o.bgnbd.a, o.bgnbd.b);
    const nu = sampleGamma(rng, o.gg.q, o.gg.gamma);
    at.push(first - 3_600_000, first);
    customer.push(c, c);
    amount.push(-1, spend(nu));
    orders++;
    for (let t = first + sampleExponential(rng, lambda) * WEEK_MS; t <= end; t += sampleExponential(rng, lambda) * WEEK_MS) {
      at.push(Math.floor(t));
      customer.push(c);
      amount.push(spend(nu));
      orders++;
      if (rng() < p) break;
    }
  }
  // Business-time order, as a source system exports its history (stable: a customer's records keep their order).
  const order = Array.from({ length: at.length }, (_, i) => i).sort((x, y) => at[x] - at[y] || x - y);
  return { at: Float64Array.from(order, (i) => at[i]), customer: Int32Array.from(order, (i) => customer[i]), amount: Int32Array.from(order, (i) => amount[i]), orders };
}

/** The purchases as the API's fit sees them (customer ids are the import's). */
function transactions(h: History): Transaction[] {
  const out: Transaction[] = [];
  for (let i = 0; i < h.at.length; i++) if (h.amount[i] >= 0) out.push({ customerId: `C${h.customer[i] + 1}`, at: new Date(h.at[i]).toISOString(), amount: h.amount[i] });
  return out;
}

/** The NDJSON backfill: a RegisterCustomer per customer, a total-only PlaceOrder per purchase, in business-time order. */
function writeNdjson(h: History, file: string): number {
  const fd = openSync(file, 'w');
  let buffer = '';
  let order = 0;
  try {
    for (let i = 0; i < h.at.length; i++) {
      const occurredAt = new Date(h.at[i]).toISOString();
      const c = h.customer[i] + 1;
      buffer += `${
        h.amount[i] < 0
          ? JSON.stringify({ type: 'RegisterCustomer', sourceId: `C${c}`, kind: 'person', name: `CLV Customer ${c}`, occurredAt })
          : JSON.stringify({ type: 'PlaceOrder', sourceId: `O${++order}`, customer: `C${c}`, currency: 'EUR', total: h.amount[i], channel: 'web', occurredAt })
      }\n`;
      if (buffer.length > 1 << 20) {
        writeSync(fd, buffer);
        buffer = '';
      }
    }
    if (buffer) writeSync(fd, buffer);
  } finally {
    closeSync(fd);
  }
  return h.at.length;
}

/** Store settings of the CLI child: the embedded default on `dir`, nothing inherited from the shell. */
function storeEnv(dir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('TOUCHPOINT_')) env[k] = v;
  return { ...env, TOUCHPOINT_DATA_DIR: dir, TOUCHPOINT_EVENT_STORE: 'sqlite', TOUCHPOINT_READ_STORE: 'sqlite', LOG_LEVEL: 'error' };
}

/** `node dist/apps/cli/src/main.js import FILE --source bench --no-progress`; answers the import's summary. */
async function cliImport(ctx: BenchContext, dir: string, file: string, records: number): Promise<{ lastPosition: number; seconds: number }> {
  const cli = resolve(__dirname, '../../../apps/cli/src/main.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: npm run bench builds it (nest build bench compiles apps/ too)`);
  ctx.log(`  CLI import of ${records.toLocaleString('en-US')} records…`);
  const started = Date.now();
  const child = spawn(process.execPath, [cli, 'import', file, '--source', SOURCE, '--no-progress'], { env: storeEnv(dir), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-20_000)));
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('close', done);
  });
  const json = /(?:^|\n)(\{\n[\s\S]*\n\})\s*$/.exec(stdout)?.[1];
  if (code !== 0 || !json) throw new Error(`CLI import exited with ${code}:\n${stderr.slice(-4000)}\n${stdout.slice(-2000)}`);
  const summary = JSON.parse(json) as { status: string; rejected: number; eventsAppended: number; lastPosition: number };
  if (summary.status !== 'completed' || summary.rejected !== 0 || summary.eventsAppended !== records) throw new Error(`CLI import: expected ${records} events and nothing rejected, got ${json}`);
  const seconds = (Date.now() - started) / 1000;
  ctx.log(`  CLI import: ${records.toLocaleString('en-US')} events in ${seconds.toFixed(1)} s (${Math.round(records / seconds).toLocaleString('en-US')} records/s)`);
  return { lastPosition: summary.lastPosition, seconds };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** GET /health: the in-process projector's position and lag (503 while it is down still has a body). */
async function projectorHealth(base: string): Promise<{ position: number; lag: number }> {
  const response = await fetch(`${base}/health`);
  const health = (await response.json()) as Record<'info' | 'error' | 'details', { projector?: { position?: number; lag?: number; lagEvents?: number; mode?: string } } | undefined>;
  const p = health.details?.projector ?? health.info?.projector ?? health.error?.projector ?? {};
  // Projector out of process: nothing to wait for in this one.
  if (p.mode === 'external') return { position: Number.POSITIVE_INFINITY, lag: 0 };
  return { position: p.position ?? 0, lag: p.lagEvents ?? p.lag ?? Number.POSITIVE_INFINITY };
}

/** CPU seconds (user + system) a process has used so far, from /proc; NaN off Linux. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/**
 * Waits until the process has been idle (under 5 % of a core) for a second, e.g. while the in-process projector
 * re-ranks every customer after a fit was recorded; answers how long it was busy (ms). Off Linux: at once.
 */
export async function waitIdle(pid: number, limitMs = 120_000): Promise<number> {
  const started = Date.now();
  let quiet = 0;
  let before = cpuSeconds(pid);
  if (Number.isNaN(before)) return 0;
  let lastBusy = started;
  while (Date.now() - started < limitMs) {
    await sleep(250);
    const now = cpuSeconds(pid);
    if (now - before < 0.0125) quiet++;
    else {
      quiet = 0;
      lastBusy = Date.now();
    }
    before = now;
    if (quiet >= 4) return lastBusy - started;
  }
  return limitMs;
}

/** Polls /health until the projector is at `head` (or, without a head, has no lag). */
export async function waitForProjector(ctx: BenchContext, base: string, head?: number, limitMs = 30 * 60_000): Promise<number> {
  const started = Date.now();
  const bar = head ? ctx.progress('projector catch-up', head) : undefined;
  try {
    while (Date.now() - started < limitMs) {
      const { position, lag } = await projectorHealth(base);
      bar?.update(position);
      if (head ? position >= head : lag === 0) return Date.now() - started;
      await sleep(250);
    }
  } finally {
    bar?.stop();
  }
  throw new Error(`the projector did not catch up within ${limitMs / 60_000} min`);
}

/** Data directory files worth keeping: the logs and read models, not the API keys nor the backfill file. */
const keep = (name: string) => !name.startsWith('auth.db') && !name.endsWith('.ndjson') && name !== 'complete';

/**
 * Writes the NDJSON, imports it with the CLI into `dir`, lets an API child's projector catch up, stops it.
 * Full mode keeps the result under bench/.cache/clv-<key>/ (the load takes minutes and is not measured),
 * keyed by the generator's version and options; quick mode always loads.
 */
async function loadedDataDir(ctx: BenchContext, dir: string, options: ClvDatasetOptions, history: History): Promise<void> {
  const load = async (into: string) => {
    const file = join(into, 'clv.ndjson');
    const records = writeNdjson(history, file);
    const { lastPosition } = await cliImport(ctx, into, file, records);
    rmSync(file, { force: true });
    const api = runChild<{ peakRssMiB: number }>('serve-api', { dir: into });
    api.result.catch(() => undefined);
    try {
      const { port } = await api.ready;
      const ms = await waitForProjector(ctx, `http://127.0.0.1:${port}`, lastPosition);
      ctx.log(`  projector caught up with ${lastPosition.toLocaleString('en-US')} events in ${(ms / 1000).toFixed(1)} s`);
    } finally {
      if (api.process.connected) api.send('stop');
      await api.result;
    }
  };
  if (ctx.quick) return load(dir);
  const key = createHash('sha256').update(JSON.stringify({ CLV_DATASET_VERSION, options })).digest('hex').slice(0, 16);
  const cached = resolve('bench/.cache', `clv-${key}`);
  if (!existsSync(join(cached, 'complete'))) {
    const staging = `${cached}.tmp`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    await load(staging);
    for (const name of readdirSync(staging)) if (!keep(name)) rmSync(join(staging, name), { force: true });
    writeFileSync(join(staging, 'complete'), `${JSON.stringify(options)}\n`);
    rmSync(cached, { recursive: true, force: true });
    renameSync(staging, cached);
  } else ctx.log(`  reusing the loaded data directory bench/.cache/clv-${key} (same generator version and options)`);
  for (const name of readdirSync(cached)) if (keep(name)) copyFileSync(join(cached, name), join(dir, name));
}


interface FitAnswer {
  fitId: string;
  params: BgNbdParams & GammaGammaParams;
  customers: number;
  repeatCustomers: number;
  durationMs: number;
  iterations: { bgNbd: number; gammaGamma: number };
  converged: { bgNbd: boolean; gammaGamma: boolean };
}

async function call<T>(server: Server, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ ms: number; value: T }> {
  const started = process.hrtime.bigint();
  const response = await fetch(`${server.url}${path}`, { method, headers: { ...server.headers, ...(body !== undefined && { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 1000)}`);
  return { ms, value: JSON.parse(text) as T };
}

/** Sequential GETs of `paths`, each timed; answers the latency, the wall time and how many were answered by the fitted model. */
async function sequentialGets(server: Server, paths: readonly string[]): Promise<{ latency: LatencyRecorder; seconds: number; byModel: number }> {
  const latency = new LatencyRecorder();
  let byModel = 0;
  const started = process.hrtime.bigint();
  for (const path of paths) {
    const { ms, value } = await call<{ predicted?: { method?: string } }>(server, 'GET', path);
    latency.recordMs(ms);
    if (value.predicted?.method === 'bg_nbd_gamma_gamma') byModel++;
  }
  return { latency, seconds: Number(process.hrtime.bigint() - started) / 1e9, byModel };
}

const fmtParams = (p: object) =>
  Object.entries(p as Record<string, number>)
    .map(([k, v]) => `${k} ${Number(v.toPrecision(4))}`)
    .join(', ');

/** `--only clv`. */
export const clv: Scenario = async (ctx) => {
  const options = clvDataset(ctx);
  const history = simulateHistory(options);
  const records = history.at.length;
  ctx.log(`  simulated ${options.customers.toLocaleString('en-US')} customers, ${history.orders.toLocaleString('en-US')} orders (${(history.orders / options.customers).toFixed(2)} a customer)`);
  const dir = ctx.dir('clv');
  await loadedDataDir(ctx, dir, options, history);

  // An admin key in the data directory's production key store, issued before the API child opens it.
  const config = loadConfig({ TOUCHPOINT_DATA_DIR: dir });
  const keys = await createApiKeyStore(config);
  const { secret } = await issueApiKey(keys, { name: 'bench-clv', roles: ['admin'], now: new Date() });
  await keys.close();

  const getCount = ctx.quick ? 200 : 2000;
  const fitRuns = ctx.quick ? 2 : 3;
  const backtestRuns = 2;
  const rows: MeasuredRow[] = [];

  // The HTTP floor for the per-customer GET (a bare Fastify route in its own process).
  const bare = await startServer('serve-bare');
  const floor = await timeGets(ctx, bare, 'bare GET', getCount, () => '/v1/ping');
  const bareRss = await bare.stop();
  rows.push({ id: 'raw.clv.http.get', title: 'bare Fastify GET route', kind: 'baseline', engine: 'http', ops: getCount, seconds: floor.seconds, throughput: getCount / floor.seconds, unit: 'req/s', latencyMs: floor.latency.summary(), peakRssMiB: bareRss });

  // BENCH_CLV_PROJECTOR_IN_PROCESS=false: the API alone (projector in its own process, not started here), a diagnostic.
  const projectorInProcess = process.env.BENCH_CLV_PROJECTOR_IN_PROCESS !== 'false';
  const mode = projectorInProcess ? '' : ' [projector out of process]';
  const child: ChildHandle<{ peakRssMiB: number }> = runChild('serve-api', { dir, projectorInProcess });
  // A child that dies (e.g. out of memory) rejects its result before anyone awaits it: not an unhandled rejection.
  child.result.catch(() => undefined);
  let apiRows: MeasuredRow[];
  let fitted: FitAnswer;
  try {
    const { port } = await child.ready;
    const server: Server = { url: `http://127.0.0.1:${port}`, headers: { authorization: `Bearer ${secret}` }, pid: child.process.pid ?? 0, stop: async () => NaN };
    const rss = watchPeakRss(child.process.pid!);
    try {
      await waitForProjector(ctx, server.url);
      // Start-up ends with a re-ranking of every customer (segmentation): measure from a quiet process.
      const startBusy = await waitIdle(child.process.pid!);
      const startRss = rss.read();
      ctx.log(`  API child started: ${startRss} MiB, busy ${(startBusy / 1000).toFixed(1)} s after the projector caught up`);

      // (a) the fit, on every customer's purchases up to the cutoff; each run records a fit event.
      rss.reset();
      const fitLatency = new LatencyRecorder();
      const fitDurations: number[] = [];
      let fitSeconds = 0;
      fitted = undefined as unknown as FitAnswer;
      const busyAfterFit: number[] = [];
      const rng = new Rng(SEED ^ 0x17);
      const path = () => `/v1/customers/${importedId(SOURCE, 'customer', `C${rng.int(1, options.customers)}`)}/lifetime-value`;
      const warmUp = Array.from({ length: 50 }, path);
      const firstPass = Array.from({ length: getCount }, path);
      const secondPass = Array.from({ length: getCount }, path);
      for (let i = 0; i < fitRuns; i++) {
        const r = await call<{ fits: FitAnswer[]; skipped: unknown[] }>(server, 'POST', '/v1/analytics/lifetime-value/fits', { currency: 'EUR', cutoff: CUTOFF_DATE });
        if (r.value.fits.length !== 1) throw new Error(`POST fits: expected one EUR fit, got ${JSON.stringify(r.value).slice(0, 1000)}`);
        fitted = r.value.fits[0];
        fitLatency.recordMs(r.ms);
        fitSeconds += r.ms / 1000;
        fitDurations.push(fitted.durationMs);
        // Recording the fit makes the in-process projector re-rank every customer by the new model: the next fit
        // waits for that (measured); the GETs below do not (they run right after the last fit).
        const busy = i < fitRuns - 1 ? await waitIdle(child.process.pid!) : NaN;
        if (i < fitRuns - 1) busyAfterFit.push(busy);
        // Warm the GET route (JIT, statement cache) on the previous fit, so the pass after the last fit needs none.
        if (i === fitRuns - 2) await sequentialGets(server, warmUp);
        ctx.log(`  fit ${i + 1}/${fitRuns}: ${(r.ms / 1000).toFixed(2)} s wall, ${fitted.durationMs} ms inside (summarise + fits), ${fitted.customers.toLocaleString('en-US')} customers${i < fitRuns - 1 ? `; the API then stayed busy ${(busy / 1000).toFixed(1)} s` : ''}`);
      }
      const fitRss = rss.read();

      // (b) the prediction of random customers, one request at a time, right after the fit (no warm-up in between).
      rss.reset();
      const gets = await sequentialGets(server, firstPass);
      const byModel = gets.byModel;
      const answers = getCount;
      if (byModel < answers * 0.99) throw new Error(`GET lifetime-value: only ${byModel} of ${answers} answers by the fitted model`);
      const getSummary = gets.latency.summary();
      ctx.log(`  GET lifetime-value right after the fit: ${getCount} requests, p99 ${getSummary.p99} ms, max ${getSummary.max} ms`);
      // The same once the process is quiet again (the re-ranking after the last fit is over).
      const busyAfterGets = await waitIdle(child.process.pid!);
      const settled = await sequentialGets(server, secondPass);
      ctx.log(`  GET lifetime-value once quiet: ${getCount} requests, p99 ${settled.latency.summary().p99} ms`);
      const getRss = rss.read();

      // (c) the backtest: a fit on the calibration period, predictions for the holdout, compared with the log.
      rss.reset();
      const backtestLatency = new LatencyRecorder();
      let backtestSeconds = 0;
      let backtest: { durationMs: number; customers: number; fit: FitAnswer; predictors: Record<string, { purchases: { mae: number; correlation: number | null } }> } | undefined;
      const backtestDurations: number[] = [];
      for (let i = 0; i < backtestRuns; i++) {
        await waitIdle(child.process.pid!);
        const r = await call<NonNullable<typeof backtest>>(server, 'GET', `/v1/analytics/lifetime-value/backtest?calibrationEnd=${CALIBRATION_END}&holdoutEnd=${CUTOFF_DATE}&currency=EUR`);
        backtest = r.value;
        backtestLatency.recordMs(r.ms);
        backtestSeconds += r.ms / 1000;
        backtestDurations.push(r.value.durationMs);
        ctx.log(`  backtest ${i + 1}/${backtestRuns}: ${(r.ms / 1000).toFixed(2)} s wall, ${r.value.durationMs} ms inside, ${r.value.customers.toLocaleString('en-US')} customers`);
      }
      const backtestRss = rss.read();
      const phases = rss.resettable ? 'its VmHWM reset (clear_refs) at the phase start' : 'cumulative VmHWM (clear_refs refused)';
      rss.stop();
      const stopped = await (child.send('stop'), child.result);
      const peak = Math.max(fitRss, getRss, backtestRss);
      const total = fitRuns + 2 * getCount + backtestRuns;
      const totalSeconds = fitSeconds + gets.seconds + settled.seconds + backtestSeconds;

      apiRows = [
        {
          id: 'clv.fit',
          title: `POST /v1/analytics/lifetime-value/fits, ${options.customers.toLocaleString('en-US')} customers / ${history.orders.toLocaleString('en-US')} orders (latency = wall time of one fit)${mode}`,
          kind: 'scenario',
          engine: 'sqlite',
          ops: fitRuns,
          seconds: fitSeconds,
          throughput: fitRuns / fitSeconds,
          unit: 'fits/s',
          latencyMs: fitLatency.summary(),
          peakRssMiB: fitRss,
          compareTo: { id: 'raw.clv.fit-all', metric: 'p99' },
          targets: [{ description: 'wall time ≤ 5 s', metric: 'p99', comparison: 'atMost', threshold: 5000 }],
          note: `${fitRuns} fits, each on a quiet API (recorded as an event; the in-process projector then re-ranks every customer by the new model, which kept the API busy ${busyAfterFit.map((b) => (b / 1000).toFixed(1)).join(', ')} s after the fits but the last); the fit's own durationMs (summarise + fitBgNbd + fitGammaGamma, after reading the order books): ${fitDurations.join(', ')} ms; the rest of the wall time is the scan of the customers read model and HTTP; peak RSS: the API child's, ${phases}, re-ranking included`,
        },
        {
          id: 'clv.get',
          title: `GET /v1/customers/{id}/lifetime-value, random customers, sequential, right after the fit${mode}`,
          kind: 'scenario',
          engine: 'sqlite',
          ops: getCount,
          seconds: gets.seconds,
          throughput: getCount / gets.seconds,
          unit: 'req/s',
          latencyMs: getSummary,
          peakRssMiB: getRss,
          compareTo: { id: 'raw.clv.http.get', metric: 'p99' },
          targets: [{ description: 'p99 ≤ 5 ms', metric: 'p99', comparison: 'atMost', threshold: 5 }],
          note: `${byModel} of ${answers} answers were predicted by the fitted model (predicted.method = bg_nbd_gamma_gamma); the route was warmed (50 GETs) before the last fit, none after it, so the first requests meet the projector re-ranking every customer by the new fit (the process stayed busy ${(busyAfterGets / 1000).toFixed(1)} s after the pass); peak RSS: the API child's over both passes, ${phases}`,
        },
        {
          id: 'clv.get.settled',
          title: `GET /v1/customers/{id}/lifetime-value, random customers, sequential, once the re-ranking is over${mode}`,
          kind: 'scenario',
          engine: 'sqlite',
          ops: getCount,
          seconds: settled.seconds,
          throughput: getCount / settled.seconds,
          unit: 'req/s',
          latencyMs: settled.latency.summary(),
          peakRssMiB: getRss,
          compareTo: { id: 'raw.clv.http.get', metric: 'p99' },
          note: 'no target (the target is on the pass right after the fit): the same handler on a quiet process, to tell the handler\'s cost from the re-ranking\'s',
        },
        {
          id: 'clv.backtest',
          title: `GET /v1/analytics/lifetime-value/backtest, calibration to ${CALIBRATION_END}, holdout to ${CUTOFF_DATE} (latency = wall time of one)${mode}`,
          kind: 'scenario',
          engine: 'sqlite',
          ops: backtestRuns,
          seconds: backtestSeconds,
          throughput: backtestRuns / backtestSeconds,
          unit: 'backtests/s',
          latencyMs: backtestLatency.summary(),
          peakRssMiB: backtestRss,
          targets: [{ description: 'wall time ≤ 10 s', metric: 'p99', comparison: 'atMost', threshold: 10_000 }],
          note: `${backtest!.customers.toLocaleString('en-US')} customers; durationMs in the answer (the handler's, scan included): ${backtestDurations.join(', ')} ms; each on a quiet API; calibration fit ${fmtParams(backtest!.fit.params)}; purchases MAE model ${backtest!.predictors.model?.purchases.mae} vs heuristic ${backtest!.predictors.heuristic?.purchases.mae} vs zero ${backtest!.predictors.zero?.purchases.mae}; peak RSS: the API child's, ${phases}`,
        },
        {
          id: 'clv.api.rss',
          title: `API child over (a) fits, (b) GETs, (c) backtests: peak RSS${mode}`,
          kind: 'scenario',
          engine: 'sqlite',
          ops: total,
          seconds: totalSeconds,
          throughput: total / totalSeconds,
          unit: 'req/s',
          peakRssMiB: peak,
          targets: [{ description: 'peak RSS ≤ 512 MiB', metric: 'peakRssMiB', comparison: 'atMost', threshold: 512 }],
          note: `the largest of the three phases' VmHWM (polled every 100 ms); after start-up and catch-up check ${startRss} MiB; the child's lifetime VmHWM at stop ${stopped.peakRssMiB} MiB`,
        },
      ];
    } finally {
      rss.stop();
    }
  } catch (error) {
    if (child.process.connected) child.send('stop');
    await child.result.catch(() => undefined);
    throw error;
  }

  // The raw baselines, in this process once the API child is gone: the same purchases, no read model, no HTTP.
  const txs = transactions(history);
  resetPeakRss();
  const cutoff = options.end;
  const fitOnly = new LatencyRecorder();
  const all = new LatencyRecorder();
  let bg: ReturnType<typeof fitBgNbd> | undefined;
  let summaries: ReturnType<typeof summarise> = [];
  let fitOnlySeconds = 0;
  let allSeconds = 0;
  for (let i = 0; i < fitRuns; i++) {
    const t0 = process.hrtime.bigint();
    summaries = summarise(txs, { cutoff, unitDays: 7 });
    const repeat = summaries.filter((s) => s.frequency > 0 && s.monetary > 0);
    const t1 = process.hrtime.bigint();
    bg = fitBgNbd(summaries);
    const t2 = process.hrtime.bigint();
    fitGammaGamma(repeat);
    const t3 = process.hrtime.bigint();
    fitOnly.recordMs(Number(t2 - t1) / 1e6);
    all.recordMs(Number(t3 - t0) / 1e6);
    fitOnlySeconds += Number(t2 - t1) / 1e9;
    allSeconds += Number(t3 - t0) / 1e9;
  }
  const baseRss = peakRssMiB();
  const fitOnlySummary = fitOnly.summary();
  const allSummary = all.summary();
  rows.push(
    {
      id: 'raw.clv.fit-bgnbd',
      title: `fitBgNbd on the same ${summaries.length.toLocaleString('en-US')} summaries, in process (latency = one fit)`,
      kind: 'baseline',
      engine: 'model',
      ops: fitRuns,
      seconds: fitOnlySeconds,
      throughput: fitRuns / fitOnlySeconds,
      unit: 'fits/s',
      latencyMs: fitOnlySummary,
      peakRssMiB: baseRss,
      note: `${bg!.iterations} BFGS iterations (best of ${bg!.starts.length} starts); in the harness process (its RSS includes the harness)`,
    },
    {
      id: 'raw.clv.fit-all',
      title: `summarise + fitBgNbd + fitGammaGamma on the same ${txs.length.toLocaleString('en-US')} purchases, in process (latency = one)`,
      kind: 'baseline',
      engine: 'model',
      ops: fitRuns,
      seconds: allSeconds,
      throughput: fitRuns / allSeconds,
      unit: 'fits/s',
      latencyMs: allSummary,
      peakRssMiB: baseRss,
      compareTo: { id: 'raw.clv.fit-bgnbd', metric: 'p99' },
      note: 'what the API computes once the purchases are read: the ratio of the fit row to this one is the price of reading them from the customers read model (and of HTTP)',
    },
  );
  rows.push(...apiRows);

  // Sanity, not a target: the API's fit against the simulator's truth and against the in-process fit.
  const truth = { ...options.bgnbd, ...options.gg };
  const mine = bg!.params;
  const drift = Math.max(...(['r', 'alpha', 'a', 'b'] as const).map((k) => Math.abs(fitted.params[k] / mine[k] - 1)));
  if (fitted.customers !== summaries.length) throw new Error(`the API fitted ${fitted.customers} customers, the same purchases give ${summaries.length} summaries`);
  rows.push({
    id: 'clv.recovery',
    title: 'fitted parameters vs the simulator\'s (sanity, no target; latency = the fit\'s own durationMs)',
    kind: 'scenario',
    engine: 'model',
    ops: fitted.customers,
    seconds: fitted.durationMs / 1000,
    throughput: fitted.customers / Math.max(0.001, fitted.durationMs / 1000),
    unit: 'customers/s',
    latencyMs: once(fitted.durationMs),
    peakRssMiB: fitRowRss(apiRows),
    note: `API fit ${fmtParams(fitted.params)} (${fitted.repeatCustomers.toLocaleString('en-US')} repeat customers; converged BG/NBD ${fitted.converged.bgNbd}, GG ${fitted.converged.gammaGamma}); true ${fmtParams(truth)}; the in-process fitBgNbd agrees with the API's to ${drift.toExponential(1)} (relative); the simulation is in continuous time, the fit counts UTC days`,
  });
  return rows;
};

const fitRowRss = (rows: MeasuredRow[]) => rows.find((r) => r.id === 'clv.fit')?.peakRssMiB ?? 0;
