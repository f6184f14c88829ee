import 'reflect-metadata';
import { AggregateRunner } from '@touchpoint/application';
import { describeError, loadConfigOrExit, systemClock, randomIds } from '@touchpoint/platform';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { Gauge, Registry } from 'prom-client';
import { openEventStore } from '../../api/src/engines';
import { createDispatcher } from '../../api/src/webhooks/dispatcher.factory';
import { createWebhookInfrastructure } from '../../api/src/webhooks/webhooks.infrastructure';

/**
 * The webhook dispatcher as its own process, off the API's request path. It follows the event store the
 * configuration names (as the api does), reads the subscriptions from their stream, and sends each subscriber its
 * events, keeping its progress beside the event store (PostgreSQL tables, or `webhooks.db` in the data dir). Safe to
 * kill at any moment: at worst the attempts in flight are sent again, with the same webhook-id. Several may run: one holds the lease and sends, the others stand by.
 *
 *   TOUCHPOINT_EVENT_STORE, TOUCHPOINT_POSTGRES_URL, TOUCHPOINT_DATA_DIR, TOUCHPOINT_KEY_STORE_URL: as for the api
 *   TOUCHPOINT_WEBHOOK_*: docs/operations.md
 *   TOUCHPOINT_DISPATCHER_PORT    /health and /metrics (default 9465, 0: none)
 */

const log = (fields: Record<string, unknown>) => console.log(JSON.stringify({ timestamp: new Date().toISOString(), context: 'dispatcher', ...fields }));

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  if (config.TOUCHPOINT_EVENT_STORE === 'memory') {
    console.error("TOUCHPOINT_EVENT_STORE=memory: the dispatcher runs in its own process and cannot see another process's memory store; use sqlite or postgres, or TOUCHPOINT_WEBHOOKS_IN_PROCESS=true in the api");
    process.exit(2);
  }
  const settings = { ...config, TOUCHPOINT_DATA_DIR: resolve(config.TOUCHPOINT_DATA_DIR) };
  const store = await openEventStore(settings, systemClock);
  const webhooks = await createWebhookInfrastructure(settings);
  const runner = new AggregateRunner(store, store, { snapshotEvery: config.TOUCHPOINT_SNAPSHOT_EVERY });
  const { dispatcher, sender } = createDispatcher({ config: settings, store, webhooks, runner, clock: systemClock, ids: randomIds, log });
  await dispatcher.init();
  dispatcher.start(config.TOUCHPOINT_DISPATCHER_POLL_MS);
  log({ msg: 'dispatcher running', eventStore: config.TOUCHPOINT_EVENT_STORE, pollMs: config.TOUCHPOINT_DISPATCHER_POLL_MS });

  const operations = config.TOUCHPOINT_DISPATCHER_PORT > 0 ? await serveOperations(config.TOUCHPOINT_DISPATCHER_PORT, config.HOST, dispatcher, webhooks.state, store, config.TOUCHPOINT_DISPATCHER_POLL_MS) : undefined;

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log({ msg: 'stopping', signal });
    try {
      operations?.close();
      await dispatcher.stop();
      await runner.close();
      (sender as { close?: () => void }).close?.();
    } finally {
      await webhooks.state.close();
      await store.close();
    }
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

/** `/health` (503 when steps keep failing or stopped) and `/metrics` (per subscription: lag, pending, delivered, failures). */
async function serveOperations(
  port: number,
  host: string,
  dispatcher: ReturnType<typeof createDispatcher>['dispatcher'],
  state: Awaited<ReturnType<typeof createWebhookInfrastructure>>['state'],
  store: Awaited<ReturnType<typeof openEventStore>>,
  pollMs: number,
) {
  const registry = new Registry();
  const reading = async () => {
    const head = await store.headPosition();
    const now = Date.now();
    const rows = [];
    for (const sub of dispatcher.known) {
      const p = await state.progress(sub.subscriptionId);
      if (!p) continue;
      const oldest = p.oldestPendingRecordedAt ? Date.parse(p.oldestPendingRecordedAt) : NaN;
      rows.push({ sub, p, lagEvents: Math.max(0, head - p.cursor) + p.pending, lagSeconds: Number.isFinite(oldest) ? Math.max(0, Math.round((now - oldest) / 1000)) : 0 });
    }
    return rows;
  };
  const gauge = (name: string, help: string, value: (r: Awaited<ReturnType<typeof reading>>[number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['subscription', 'status'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const r of await reading()) this.set({ subscription: r.sub.subscriptionId, status: r.sub.status }, value(r));
      },
    });
  gauge('touchpoint_webhook_lag_events', 'Events not yet acknowledged by the subscriber (pending, plus not yet read)', (r) => r.lagEvents);
  gauge('touchpoint_webhook_lag_seconds', 'Age of the oldest pending event', (r) => r.lagSeconds);
  gauge('touchpoint_webhook_pending', 'Events read and waiting for delivery', (r) => r.p.pending);
  gauge('touchpoint_webhook_delivered_total', 'Deliveries acknowledged (2xx)', (r) => r.p.delivered);
  gauge('touchpoint_webhook_failed_attempts_total', 'Attempts that failed (retried or dead-lettered)', (r) => r.p.failed);
  gauge('touchpoint_webhook_dead_letters', 'Events in the dead-letter list', (r) => r.p.deadLetters);
  const server = createServer((req, res) => {
    void (async () => {
      try {
        if (req.method === 'GET' && req.url === '/metrics') {
          res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
          return;
        }
        if (req.method === 'GET' && req.url === '/health') {
          const last = dispatcher.lastTickAt?.getTime() ?? 0;
          const stale = Date.now() - last > Math.max(30_000, pollMs * 20);
          const error = dispatcher.lastError ? describeError(dispatcher.lastError) : stale ? 'no dispatcher step completed in the last 30 s' : undefined;
          const subscriptions = (await reading()).map((r) => ({ subscriptionId: r.sub.subscriptionId, status: r.sub.status, lagEvents: r.lagEvents, lagSeconds: r.lagSeconds, pending: r.p.pending, deadLetters: r.p.deadLetters }));
          res.writeHead(error ? 503 : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: error ? 'down' : 'up', active: dispatcher.holdsLease, ...(error && { error }), subscriptions }));
          return;
        }
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 404, detail: 'GET /health or /metrics' }));
      } catch (error) {
        res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'down', error: describeError(error) }));
      }
    })();
  });
  await new Promise<void>((done) => server.listen(port, host, done));
  log({ msg: 'health and metrics', port, paths: ['/health', '/metrics'] });
  return { close: () => server.close() };
}

main().catch((error) => {
  log({ level: 'error', msg: 'dispatcher crashed', error: describeError(error) });
  process.exit(1);
});
