import { readFileSync } from 'node:fs';
import type { BenchContext, Scenario } from '../context';
import { SEED } from '../context';
import { datasetCustomerIds, type DatasetOptions } from '../dataset';
import { Rng } from '../prng';
import type { TimedResult } from '../roles';
import { LatencyRecorder, once, round, type MeasuredRow, type TargetSpec } from '../stats';
import { waitIdle } from './clv';
import { startServer, timeGets, type Server } from './http';
import { generatedLog, getsRow, inChild, p99Target, row } from './rebuild';

/** Events per customer in the curve's logs (the issue's "≈ 20 events each"). */
const EVENTS_PER_CUSTOMER = 20;
/** The page of the customer list read as the "deep page" at every size (50 per page): depth stays the same, size grows. */
const DEEP_PAGE = 150;

/** The sizes of the curve: BENCH_SCALE_CUSTOMERS=10000,100000,1000000 overrides the mode's. */
export function curveSizes(ctx: BenchContext, env: NodeJS.ProcessEnv = process.env): number[] {
  const given = env.BENCH_SCALE_CUSTOMERS?.split(',').map((s) => Number(s.trim()));
  if (given?.length && given.every((n) => Number.isInteger(n) && n >= 100)) return given;
  return ctx.sizes.scaleCustomers;
}

/** Resident memory of a process now (VmRSS), MiB. */
function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? round(Number(m[1]) / 1024, 1) : NaN;
}

const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));

/** One request; a connection that fails (the server stalled past the client's timeout) is status 0, not a throw. */
async function send(server: Server, method: 'POST' | 'GET', path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  try {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...server.headers },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as unknown) : undefined };
  } catch (error) {
    return { status: 0, json: { error: error instanceof Error ? `${error.message} (${String((error as { cause?: unknown }).cause)})` : String(error) } };
  }
}

/**
 * A steady command load (touchpoints and orders, open loop at `rate` per second) for `seconds`. For every command:
 * the time from its acceptance until a 360 read with `minPosition` includes it (freshness). Meanwhile one client
 * reads random 360s without waiting, back to back: its worst latencies show whether the periodic re-ranking (due
 * after every order) stalls queries.
 */
async function underLoad(server: Server, ids: string[], rate: number, seconds: number): Promise<{ freshness: LatencyRecorder; reads: LatencyRecorder; commands: number; failures: string[] }> {
  const rng = new Rng(11);
  const freshness = new LatencyRecorder();
  const reads = new LatencyRecorder();
  const failures: string[] = [];
  const total = Math.round(rate * seconds);
  const started = performance.now();
  let stop = false;
  const reader = (async () => {
    while (!stop) {
      const id = ids[1 + rng.int(0, ids.length - 2)];
      const r = await reads.time(() => send(server, 'GET', `/v1/customers/${id}`));
      if (r.status !== 200) failures.push(`GET 360: ${r.status}`);
    }
  })();
  const commands: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const id = ids[1 + ((i * 7919) % (ids.length - 1))];
    const order = i % 4 === 3;
    commands.push(
      (async () => {
        const body = order ? { currency: 'EUR', total: 1000 + (i % 50) * 100 } : { type: 'call', direction: 'inbound', subject: 'Delivery question', durationSeconds: 120 };
        const posted = await send(server, 'POST', `/v1/customers/${id}/${order ? 'orders' : 'touchpoints'}`, body);
        if (posted.status !== 201) return void failures.push(`POST ${order ? 'order' : 'touchpoint'}: ${posted.status} ${JSON.stringify(posted.json)}`);
        const accepted = performance.now();
        const position = (posted.json as { globalPosition: number }).globalPosition;
        const seen = await send(server, 'GET', `/v1/customers/${id}?minPosition=${position}`);
        if (seen.status !== 200) return void failures.push(`GET 360 with minPosition: ${seen.status}`);
        freshness.recordMs(performance.now() - accepted);
      })(),
    );
  }
  await Promise.all(commands);
  stop = true;
  await reader;
  return { freshness, reads, commands: total, failures };
}

/**
 * Scenario `scale`: the customer-scale curve (#21 part 1). For each size (10k and 100k customers in full mode, ≈ 20 events
 * each): the rebuild's rate and peak RSS and the time of one full re-ranking, in the rebuild's own process started as
 * `npm run rebuild` starts it; then the real API over those read models: its memory once the in-process projector has
 * caught up, the 360, the customer list's first and a deep page, a history page, and under a steady command load the
 * freshness and the 360's worst latencies. Where the work is per customer the curve should be flat; the rows at the
 * larger sizes are compared with the smallest.
 */
export const scaleScenario: Scenario = async (ctx) => {
  const sizes = curveSizes(ctx);
  const rows: MeasuredRow[] = [];
  const smallest = Math.min(...sizes);
  const n = ctx.sizes.queries;
  for (const customers of sizes) {
    const tag = label(customers);
    const dataset: DatasetOptions = { seed: SEED, customers, events: customers * EVENTS_PER_CUSTOMER, whaleEvents: ctx.quick ? 500 : 5000 };
    const dir = ctx.dir(`scale-${tag}`);
    await generatedLog(ctx, dir, dataset);
    const compare = (id: string, metric: 'throughput' | 'p99') => (customers === smallest ? {} : { compareTo: { id: `scale.${label(smallest)}.${id}`, metric } });
    const flat = (metric: 'throughput' | 'p99'): TargetSpec[] =>
      customers === smallest ? [] : [{ description: metric === 'throughput' ? `flat: ≥ 0.8× the ${label(smallest)} rate` : `flat: p99 ≤ 2× the ${label(smallest)} p99`, metric: 'ratio', comparison: metric === 'throughput' ? 'atLeast' : 'atMost', threshold: metric === 'throughput' ? 0.8 : 2 }];

    let rebuilt: TimedResult & { rankMs?: number };
    try {
      rebuilt = await inChild<TimedResult & { rankMs?: number }>(ctx, 'rebuild', `rebuild (${tag} customers)`, { dir, rank: true }, dataset.events);
    } catch (error) {
      // Out of memory at this size is the curve's answer, not the harness failing: reported as a missed row.
      ctx.log(`  rebuild at ${tag} customers failed: ${error instanceof Error ? error.message : String(error)}`);
      rows.push({ id: `scale.${tag}.rebuild`, title: `curve ${tag}: rebuild FAILED (see note)`, kind: 'scenario', engine: 'sqlite', ops: 1, seconds: 1, throughput: 1, unit: 'events/s', peakRssMiB: 0, targets: [{ description: 'rebuild completes', metric: 'throughput', comparison: 'atLeast', threshold: 2 }], note: error instanceof Error ? error.message.slice(0, 300) : String(error) });
      continue;
    }
    rows.push(
      row(`scale.${tag}.rebuild`, `curve ${tag}: rebuild ${dataset.events.toLocaleString('en-US')} events`, 'scenario', 'sqlite', rebuilt, {
        ...compare('rebuild', 'throughput'),
        targets: [{ description: 'peak RSS ≤ 512 MiB', metric: 'peakRssMiB', comparison: 'atMost', threshold: 512 }, ...flat('throughput')],
        note: `own process as npm run rebuild starts it (--max-old-space-size=320); then one full re-ranking of ${customers.toLocaleString('en-US')} customers took ${Math.round(rebuilt.rankMs ?? NaN)} ms`,
      }),
    );
    rows.push({ id: `scale.${tag}.rank`, title: `curve ${tag}: re-rank every customer (tiers, RFM, predicted value)`, kind: 'scenario', engine: 'sqlite', ops: customers, seconds: (rebuilt.rankMs ?? 0) / 1000, throughput: customers / ((rebuilt.rankMs ?? 1) / 1000), unit: 'customers/s', latencyMs: once(rebuilt.rankMs ?? 0), peakRssMiB: rebuilt.peakRssMiB, ...compare('rank', 'throughput') });

    const ids = datasetCustomerIds(dataset);
    const api = await startServer('serve-api', { dir });
    try {
      // Started over the rebuilt read models: the projector loads its cache, ranks once, then idles.
      await waitIdle(api.pid);
      const liveRss = rssMiB(api.pid);
      const query = async (id: string, title: string, path: (i: number, previous: unknown) => string, p99?: number) => {
        const r = await timeGets(ctx, api, `${tag} ${title}`, n, path);
        rows.push(getsRow(`scale.${tag}.${id}`, `curve ${tag}: ${title}`, n, r, { peakRssMiB: liveRss, ...compare(id, 'p99'), targets: [...(p99 ? [p99Target(p99)] : []), ...flat('p99')] }));
      };
      await query('360', 'GET customer 360', (i) => `/v1/customers/${ids[1 + (i % (ids.length - 1))]}`, 5);
      await query('list', 'GET customers tier=A&currency=EUR&sort=-revenue, first page', () => '/v1/customers?tier=A&currency=EUR&sort=-revenue&limit=50');
      // The deep page: walk the cursor once, then read that page again and again.
      let cursor: string | undefined;
      let depth = 0;
      for (; depth < DEEP_PAGE; depth++) {
        const page = await send(api, 'GET', `/v1/customers?currency=EUR&sort=-revenue&limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        const next = (page.json as { nextCursor?: string }).nextCursor;
        if (!next) break;
        cursor = next;
      }
      await query('deep', `GET customers currency=EUR&sort=-revenue, page ${depth + 1}`, () => `/v1/customers?currency=EUR&sort=-revenue&limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      await query(
        'history',
        `GET history page of 50 (${dataset.whaleEvents.toLocaleString('en-US')}-event customer)`,
        (_i, previous) => {
          const next = (previous as { nextCursor?: string } | undefined)?.nextCursor;
          return `/v1/customers/${ids[0]}/history?limit=50${next ? `&cursor=${encodeURIComponent(next)}` : ''}`;
        },
        10,
      );
      {
        const rate = ctx.quick ? 50 : 200;
        const seconds = ctx.quick ? 3 : 20;
        const load = await underLoad(api, ids, rate, seconds);
        // A request the API answered with an error fails the run; one that timed out (a stall) is a measurement.
        const stalled = (f: string) => /: (0|503)( |$)/.test(f); // no connection within 10 s, or minPosition not reached within the API's wait
        const refused = load.failures.filter((f) => !stalled(f));
        if (refused.length) throw new Error(`scale ${tag} under load: ${refused.length} failed requests, first: ${refused[0]}`);
        const timedOut = load.failures.length;
        const live = rssMiB(api.pid);
        rows.push({
          id: `scale.${tag}.freshness`,
          title: `curve ${tag}: accepted → in the 360 (minPosition), ${rate} commands/s (¼ orders)`,
          kind: 'scenario',
          engine: 'sqlite',
          ops: load.commands,
          seconds,
          throughput: load.commands / seconds,
          unit: 'cmd/s',
          latencyMs: load.freshness.summary(),
          peakRssMiB: live,
          ...compare('freshness', 'p99'),
          targets: [{ description: 'p99 ≤ 50 ms', metric: 'p99', comparison: 'atMost', threshold: 50 }, ...flat('p99')],
        });
        rows.push({
          id: `scale.${tag}.360-under-load`,
          title: `curve ${tag}: GET 360 back to back during that load (re-ranking runs every 2 s)`,
          kind: 'scenario',
          engine: 'sqlite',
          ops: load.reads.count,
          seconds,
          throughput: load.reads.count / seconds,
          unit: 'req/s',
          latencyMs: load.reads.summary(),
          peakRssMiB: live,
          ...compare('360-under-load', 'p99'),
          targets: flat('p99'),
          note: `max ${load.reads.summary().max} ms${timedOut ? `; ${timedOut} requests stalled (no connection within 10 s, or 503: the read models not there within the API's 2 s wait)` : ''}: a re-ranking holds the API's event loop for about its run time (${Math.round(rebuilt.rankMs ?? NaN)} ms measured in the rebuild's process)`,
        });
        rows.push({
          id: `scale.${tag}.live-rss`,
          title: `curve ${tag}: API with the in-process projector, caught up (RSS)`,
          kind: 'scenario',
          engine: 'sqlite',
          ops: customers,
          seconds: 1,
          throughput: customers,
          unit: 'customers',
          peakRssMiB: liveRss,
          targets: [{ description: 'RSS ≤ 512 MiB', metric: 'peakRssMiB', comparison: 'atMost', threshold: 512 }],
          note: `resident memory once started and idle (the projector's cache loaded); ${live} MiB after the load`,
        });
      }
    } finally {
      await api.stop().catch(() => undefined);
    }
  }
  return rows;
};
