import { AggregateRunner } from '@touchpoint/application';
import { WEBHOOK_SUBSCRIPTIONS_STREAM } from '@touchpoint/domain';
import { systemClock } from '@touchpoint/platform';
import { AddressPolicy, HttpWebhookSender, SqliteWebhookStateStore, WebhookDispatcher, WebhookSecrets } from '@touchpoint/relay/webhooks';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { webhookAggregate } from '../../../apps/api/src/commands/aggregates';
import type { Scenario } from '../context';
import { appendGenerated, datasetCustomerIds, generateDataset } from '../dataset';
import { Rng } from '../prng';
import { LatencyRecorder, peakRssMiB, resetPeakRss, type MeasuredRow } from '../stats';
import { openAppEventStore } from '../stores';
import { runCustomerCommand, touchpointCommand } from './commands';
import { waitIdle } from './clv';
import { startServer } from './http';
import { runChild } from '../child';

const SEED = 31;
const FAILURE_RATE = Number(process.env.BENCH_WEBHOOK_FAILURES ?? 0.02);

/** The receiver, in a child process (a receiver is another service; sharing a core would halve both). */
interface ReceiverHandle {
  url: string;
  firstArrivals: number;
  setFailureRate(rate: number): void;
  /** epoch ms (sub-millisecond) when `position` first arrived, once it has */
  arrivalOf(position: number): Promise<number | undefined>;
  stop(): Promise<ReceiverStats>;
}

export interface ReceiverStats {
  requests: number;
  failed: number;
  firstArrivals: number;
  orderViolations: number;
  cpuShare: number;
}

async function startReceiver(failureRate: number): Promise<ReceiverHandle> {
  const handle: Partial<ReceiverHandle> & { firstArrivals: number } = { firstArrivals: 0 };
  const child = runChild<ReceiverStats>('webhook-receiver', { failureRate }, (done) => (handle.firstArrivals = done));
  const { port } = await child.ready;
  const base = `http://127.0.0.1:${port}`;
  return Object.assign(handle, {
    url: `${base}/hooks`,
    setFailureRate: (rate: number) => child.send({ failureRate: rate }),
    arrivalOf: async (position: number) => {
      const response = await fetch(`${base}/arrivals/${position}`);
      return response.status === 200 ? Number(await response.text()) : undefined;
    },
    stop: async () => {
      child.send('stop');
      return child.result;
    },
  }) as ReceiverHandle;
}

/**
 * Scenario `webhooks`: a log of 100k events over 1,000 customers (quick: 5k over 100) sent by the real dispatcher
 * (SQLite state, real HTTP sender, signatures) to a loopback receiver that fails 2 % of requests with 503; then,
 * healthy, the time from a command's commit to its delivery. Baseline: the same sender POSTing the same bodies with
 * the same concurrency, no dispatcher (the HTTP floor on this machine).
 */
export const webhooksScenario: Scenario = async (ctx) => {
  const dir = ctx.dir('webhooks');
  const customers = ctx.quick ? 100 : 1000;
  const events = ctx.quick ? 5_000 : 100_000;
  const store = await openAppEventStore(dir);
  const runner = new AggregateRunner(store, store);
  const receiver = await startReceiver(FAILURE_RATE);
  let stats: ReceiverStats | undefined;
  const state = new SqliteWebhookStateStore(join(dir, 'webhooks.db'));
  const sender = new HttpWebhookSender({ policy: AddressPolicy.parse('127.0.0.0/8') });
  const dispatcher = new WebhookDispatcher({
    store,
    state,
    secrets: new WebhookSecrets(randomBytes(32)),
    sender,
    clock: systemClock,
    // retries come back quickly, so the injected failures cost order waits, not minutes
    settings: { baseDelayMs: 50, maxDelayMs: 1000, concurrency: Number(process.env.BENCH_WEBHOOK_CONCURRENCY ?? 8) },
    record: async (command) => void (await runner.execute(webhookAggregate, WEBHOOK_SUBSCRIPTIONS_STREAM, command, { actor: 'bench', correlationId: randomUUID(), causationId: randomUUID() })),
  });
  const rows: MeasuredRow[] = [];
  try {
    const bar = ctx.progress('webhooks: log', events);
    await appendGenerated(store, generateDataset({ seed: SEED, customers, events, whaleEvents: 0 }), { onProgress: (n) => bar.update(n) });
    bar.stop();
    const head = await store.headPosition();
    await runner.execute(
      webhookAggregate,
      WEBHOOK_SUBSCRIPTIONS_STREAM,
      { type: 'CreateWebhookSubscription', data: { subscriptionId: randomUUID(), url: receiver.url, filter: { types: null, categories: null, customerId: null }, fromPosition: 1, description: 'bench', occurredAt: new Date().toISOString() } },
      { actor: 'bench', correlationId: randomUUID(), causationId: randomUUID() },
    );
    const expected = head; // every generated event is a domain event

    // 1. Throughput: the whole log, with injected failures.
    resetPeakRss();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    dispatcher.start(100); // the default TOUCHPOINT_DISPATCHER_POLL_MS
    const deliveries = ctx.progress('webhooks: delivered', expected);
    while (receiver.firstArrivals < expected) {
      await new Promise((r) => setTimeout(r, 20));
      deliveries.update(receiver.firstArrivals);
      if (performance.now() - started > 600_000) throw new Error(`webhooks: ${receiver.firstArrivals} of ${expected} delivered after 10 min`);
    }
    deliveries.stop();
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuShare = Math.round(((cpu.user + cpu.system) / 1e6 / seconds) * 100);
    rows.push({
      id: 'webhooks.throughput',
      title: `every event to a loopback receiver failing ${FAILURE_RATE * 100} % (503), order per customer checked`,
      kind: 'scenario',
      engine: 'sqlite',
      ops: expected,
      seconds,
      throughput: expected / seconds,
      unit: 'deliveries/s',
      peakRssMiB: peakRssMiB(),
      compareTo: { id: 'webhooks.http-floor', metric: 'throughput' },
      note: `the dispatcher used ${cpuShare} % of a core`,
      targets: [{ description: '≥ 2,000 deliveries/s', metric: 'throughput', comparison: 'atLeast', threshold: 2000 }],
    });

    // 2. Healthy freshness: commit → first arrival, one command at a time.
    receiver.setFailureRate(0);
    const ids = datasetCustomerIds({ seed: SEED, customers });
    const rng = new Rng(5);
    const latency = new LatencyRecorder();
    const samples = ctx.quick ? 50 : 300;
    const latencyStarted = performance.now();
    for (let i = 0; i < samples; i++) {
      const result = await runCustomerCommand(runner, ids[i % ids.length], touchpointCommand(ids[i % ids.length], rng), i);
      const committed = performance.timeOrigin + performance.now();
      const deadline = committed + 10_000;
      let arrived: number | undefined;
      while ((arrived = await receiver.arrivalOf(result.globalPosition)) === undefined) {
        if (performance.timeOrigin + performance.now() > deadline) throw new Error(`webhooks: position ${result.globalPosition} not delivered within 10 s`);
        await new Promise((r) => setTimeout(r, 1));
      }
      latency.recordMs(arrived - committed);
      await new Promise((r) => setTimeout(r, 10));
    }
    rows.push({
      id: 'webhooks.latency',
      title: 'commit → delivered, healthy receiver (dispatcher polling every 100 ms, the default)',
      kind: 'scenario',
      engine: 'sqlite',
      ops: samples,
      seconds: (performance.now() - latencyStarted) / 1000,
      throughput: samples / ((performance.now() - latencyStarted) / 1000),
      unit: 'cmd/s (paced)',
      latencyMs: latency.summary(),
      peakRssMiB: peakRssMiB(),
      targets: [{ description: 'p99 ≤ 250 ms', metric: 'p99', comparison: 'atMost', threshold: 250 }],
    });
    await dispatcher.stop();
    stats = await receiver.stop();
    if (stats.orderViolations > 0) throw new Error(`webhooks: ${stats.orderViolations} deliveries out of per-customer order`);
    rows[0].note = `${stats.requests} requests, ${stats.failed} failed (503) and retried; per-customer order held for all ${stats.firstArrivals} first arrivals; ${rows[0].note}; the receiver used ${stats.cpuShare} % of a core`;

    // 3. Floor: the sender alone, same bodies, same concurrency (8).
    const floorReceiver = await startReceiver(0);
    const bodies = (await store.readAll({ maxCount: Math.min(expected, 20_000) })).map((e) => JSON.stringify(e));
    let next = 0;
    const floorStarted = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = next++; i < bodies.length; i = next++) await sender.send(floorReceiver.url, { 'webhook-id': String(i) }, bodies[i]);
      }),
    );
    const floorSeconds = (performance.now() - floorStarted) / 1000;
    await floorReceiver.stop();
    rows.push({ id: 'webhooks.http-floor', title: 'raw POSTs with the same sender, 8 in flight', kind: 'baseline', engine: 'loopback', ops: bodies.length, seconds: floorSeconds, throughput: bodies.length / floorSeconds, unit: 'req/s', peakRssMiB: peakRssMiB() });
    return rows;
  } finally {
    await dispatcher.stop();
    sender.close();
    if (!stats) await receiver.stop().catch(() => undefined);
    await runner.close();
    await state.close();
    await store.close();
  }
};

/**
 * Scenario `feed`: the global log read over HTTP (`GET /v1/events?after=&limit=1000`, role service) from an API in a
 * child process, page after page; baseline: the same pages read in process through the decrypting store.
 */
export const feedScenario: Scenario = async (ctx) => {
  const dir = ctx.dir('feed');
  const events = ctx.quick ? 10_000 : 200_000;
  const store = await openAppEventStore(dir);
  const rows: MeasuredRow[] = [];
  try {
    const bar = ctx.progress('feed: log', events);
    await appendGenerated(store, generateDataset({ seed: 41, customers: ctx.quick ? 100 : 2000, events, whaleEvents: 0 }), { onProgress: (n) => bar.update(n) });
    bar.stop();
    const floorStarted = performance.now();
    let read = 0;
    for (let after = 0; ; ) {
      const page = await store.readAll({ after, maxCount: 1000 });
      if (page.length === 0) break;
      read += page.length;
      after = page[page.length - 1].globalPosition;
    }
    const floorSeconds = (performance.now() - floorStarted) / 1000;
    rows.push({ id: 'feed.read-floor', title: 'the same pages through the decrypting store, in process', kind: 'baseline', engine: 'sqlite', ops: read, seconds: floorSeconds, throughput: read / floorSeconds, unit: 'events/s', peakRssMiB: peakRssMiB() });
  } finally {
    await store.close();
  }
  const api = await startServer('serve-api', { dir, role: 'service', projectorInProcess: false });
  try {
    // Started over a log it has not seen, the API indexes every registration for duplicate detection first: measure a quiet API.
    await waitIdle(api.pid);
    const latency = new LatencyRecorder();
    let received = 0;
    const started = performance.now();
    for (let after = 0; ; ) {
      const page = (await latency.time(async () => {
        const response = await fetch(`${api.url}/v1/events?after=${after}&limit=1000`, { headers: api.headers });
        if (response.status !== 200) throw new Error(`GET /v1/events: ${response.status} ${await response.text()}`);
        return response.json();
      })) as { events: unknown[]; next: number; head: number };
      received += page.events.length;
      if (page.next >= page.head) break;
      after = page.next;
    }
    const seconds = (performance.now() - started) / 1000;
    rows.push({
      id: 'feed.http',
      title: 'GET /v1/events pages of 1,000 over HTTP (API in a child process)',
      kind: 'scenario',
      engine: 'sqlite',
      ops: received,
      seconds,
      throughput: received / seconds,
      unit: 'events/s',
      latencyMs: latency.summary(),
      peakRssMiB: 0,
      compareTo: { id: 'feed.read-floor', metric: 'throughput' },
      targets: [{ description: '≥ 50,000 events/s', metric: 'throughput', comparison: 'atLeast', threshold: 50_000 }],
    });
  } finally {
    const rss = await api.stop();
    const row = rows.find((r) => r.id === 'feed.http');
    if (row) row.peakRssMiB = rss;
  }
  return rows;
};
