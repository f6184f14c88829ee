import type { Scenario } from '../context';
import { Rng } from '../prng';
import { LatencyRecorder, once, type MeasuredRow } from '../stats';
import { startServer, timeGets, type Server } from './http';
import { inChild } from './rebuild';
import type { TimedResult } from '../roles';

/**
 * Scenario `sales-desk`: owners with their customers, tasks, deals won against quotas, quotes and invoices with
 * payments, all written through the HTTP API (an admin key) to one API in a child process; then what a seller and a
 * manager read: "my day", the task list, a quote drafted at the HTTP edge, attainment for every owner of a period,
 * and how fast inbound touchpoints reach the follow-up watch (the read model the follow-up process works from).
 *
 * Sizes: BENCH_SALES_DESK_SCALE (a fraction of the 1,000 owners, 1M tasks, 100k quotes, 1M invoices and
 * payments); quick 0.005, full 0.05 (writing 1M tasks through HTTP alone would take over half an hour here).
 */
const FULL_SCALE = 0.05;
const QUICK_SCALE = 0.005;
const CONNECTIONS = 32;
const QUOTE_SAMPLES = 200;
const READ_SAMPLES = 300;
const INBOUND_BURST = { quick: 2_000, full: 10_000 };

interface Sizes {
  owners: number;
  customers: number;
  tasks: number;
  quotes: number;
  invoices: number;
}

const sizesAt = (scale: number): Sizes => ({
  owners: Math.max(10, Math.round(1000 * scale)),
  customers: Math.max(100, Math.round(20_000 * scale)),
  tasks: Math.round(1_000_000 * scale),
  quotes: Math.round(100_000 * scale),
  invoices: Math.round(500_000 * scale),
});

async function call(server: Server, method: 'POST' | 'PUT', path: string, body: unknown): Promise<Record<string, any>> {
  const response = await fetch(`${server.url}${path}`, { method, headers: { 'content-type': 'application/json', ...server.headers }, body: JSON.stringify(body) });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, any>;
}

async function get(server: Server, path: string): Promise<Record<string, any>> {
  const response = await fetch(`${server.url}${path}`, { headers: server.headers });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, any>;
}

/** Runs `work(i)` for i < n with `CONNECTIONS` requests in flight; returns the highest global position written. */
async function inFlight(n: number, work: (i: number) => Promise<Record<string, any>>, tick: () => void): Promise<number> {
  let next = 0;
  let position = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      for (let i = next++; i < n; i = next++) {
        const result = await work(i);
        position = Math.max(position, Number(result.globalPosition ?? 0));
        tick();
      }
    }),
  );
  return position;
}

export const salesDeskScenario: Scenario = async (ctx) => {
  const scale = Number(process.env.BENCH_SALES_DESK_SCALE ?? (ctx.quick ? QUICK_SCALE : FULL_SCALE));
  const size = sizesAt(scale);
  const rng = new Rng(24);
  const rows: MeasuredRow[] = [];
  // The API runs on the real clock: quotes are valid from today, deals are won this month, tasks fall around today.
  const now = new Date();
  const day = (offset: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + offset)).toISOString().slice(0, 10);
  const period = now.toISOString().slice(0, 7);
  const validUntil = day(60);
  const wonOn = (i: number) => `${period}-${String(1 + (i % Math.max(1, now.getUTCDate() - 1))).padStart(2, '0')}T12:00:00Z`;
  const api = await startServer('serve-api', { dir: ctx.dir('sales-desk'), role: 'admin' });
  try {
    const owners = Array.from({ length: size.owners }, (_, i) => `sales.${String(i).padStart(4, '0')}`);
    const write = async (label: string, n: number, work: (i: number) => Promise<Record<string, any>>) => {
      const bar = ctx.progress(label, n);
      const started = Date.now();
      let done = 0;
      const position = await inFlight(n, work, () => bar.update(++done));
      bar.stop();
      ctx.log(`  ${label}: ${n.toLocaleString('en-US')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return position;
    };

    // The organisation: two regions, ten teams, a monthly quota per owner, one bonus plan.
    await write('sellers', owners.length, (i) => call(api, 'PUT', `/v1/sales/sellers/${owners[i]}`, { team: `team-${i % 10}`, region: i % 2 ? 'south' : 'north' }));
    await write('quotas', owners.length, (i) => call(api, 'POST', '/v1/sales/quotas', { scope: 'owner', name: owners[i], period, currency: 'EUR', amount: 5_000_000 }));
    await call(api, 'POST', '/v1/sales/bonus-plans', { name: 'Standard', currency: 'EUR', bands: [{ fromPct: 0, ratePct: 2 }, { fromPct: 50, ratePct: 4 }, { fromPct: 100, ratePct: 8 }] });
    const priceList = (await call(api, 'POST', '/v1/price-lists', { name: 'Main EUR', currency: 'EUR', validFrom: '2025-01-01', items: Array.from({ length: 50 }, (_, i) => ({ sku: `SKU-${i}`, name: `Item ${i}`, unitPrice: 1000 + i * 250 })), tierDiscounts: { A: 5, B: 2 } })).ids.priceListId as string;

    const customers: string[] = [];
    await write('customers', size.customers, async (i) => {
      const result = await call(api, 'POST', '/v1/customers', { kind: i % 5 ? 'person' : 'company', name: `Customer ${i}`, owner: owners[i % owners.length], occurredAt: '2025-06-01T09:00:00Z' });
      customers[i] = result.ids.customerId;
      return result;
    });
    // The bench key's own actor: "my day" is the caller's.
    const me = (await call(api, 'POST', '/v1/tasks', { customerId: customers[0], kind: 'call', title: 'Who am I', dueAt: `${day(0)}T08:00:00Z` })) as Record<string, any>;
    const self = (await get(api, `/v1/tasks/${me.ids.taskId}?minPosition=${me.globalPosition}`)).assignee as string;
    const assignees = [self, ...owners];
    await write('tasks', size.tasks, (i) => {
      const due = day(Math.floor(rng.next() * 28) - 14);
      const hour = 8 + Math.floor(rng.next() * 10);
      return call(api, 'POST', '/v1/tasks', {
        customerId: customers[i % customers.length],
        kind: rng.pick(['call', 'email', 'todo']),
        title: `Follow up ${i}`,
        assignee: assignees[i % Math.min(assignees.length, 50)],
        priority: rng.pick(['low', 'normal', 'high']),
        dueAt: `${due}T${String(hour).padStart(2, '0')}:00:00Z`,
      });
    });
    const deals: string[] = [];
    await write('deals won this month', Math.max(owners.length * 3, Math.round(size.quotes / 2)), async (i) => {
      const owner = owners[i % owners.length];
      const opened = await call(api, 'POST', '/v1/deals', { customerId: customers[i % customers.length], title: `Deal ${i}`, amount: 100_000 + (i % 40) * 50_000, currency: 'EUR', owner, expectedCloseDate: day(0), occurredAt: `${day(-60)}T09:00:00Z` });
      deals[i] = opened.ids.dealId;
      return call(api, 'POST', `/v1/deals/${opened.ids.dealId}/won`, { occurredAt: wonOn(i) });
    });
    const openDeals: string[] = [];
    await write('open deals and their quotes', size.quotes, async (i) => {
      const opened = await call(api, 'POST', '/v1/deals', { customerId: customers[i % customers.length], title: `Open ${i}`, amount: 200_000, currency: 'EUR', owner: owners[i % owners.length], expectedCloseDate: day(45) });
      openDeals[i] = opened.ids.dealId;
      return call(api, 'POST', `/v1/deals/${opened.ids.dealId}/quotes`, { priceListId: priceList, lines: [{ sku: `SKU-${i % 50}`, quantity: 1 + (i % 7) }, { sku: `SKU-${(i + 7) % 50}`, quantity: 2, discountPct: 5 }], taxRatePct: 20, validUntil });
    });
    const head = await write('invoices and payments', size.invoices, async (i) => {
      const customerId = customers[i % customers.length];
      const invoice = await call(api, 'POST', `/v1/customers/${customerId}/invoices`, { invoiceId: `INV-${i}`, currency: 'EUR', amount: 10_000 + (i % 90) * 1000, dueDate: '2026-02-20', occurredAt: '2026-02-01T09:00:00Z' });
      if (i % 4 === 3) return invoice;
      return call(api, 'POST', `/v1/customers/${customerId}/invoices/INV-${i}/payments`, { paymentId: `PAY-${i}`, amount: 10_000 + (i % 90) * 1000, occurredAt: `2026-02-${String(10 + (i % 18)).padStart(2, '0')}T09:00:00Z` });
    });
    // Reads start once the read models hold everything.
    const caughtUp = Date.now();
    await get(api, `/v1/tasks?limit=1&minPosition=${head}`);
    ctx.log(`  read models caught up ${((Date.now() - caughtUp) / 1000).toFixed(1)} s after the last write`);

    const myDay = await timeGets(ctx, api, 'my day', READ_SAMPLES, (i) => `/v1/tasks/my-day?date=${day((i % 28) - 14)}`);
    const list = await timeGets(ctx, api, 'task list', READ_SAMPLES, (i) => `/v1/tasks?assignee=${encodeURIComponent(assignees[i % Math.min(assignees.length, 50)])}&status=open&limit=50`);
    const quoteLatency = new LatencyRecorder();
    const quoteStarted = process.hrtime.bigint();
    for (let i = 0; i < QUOTE_SAMPLES; i++) {
      const dealId = openDeals[i % openDeals.length];
      await quoteLatency.time(() => call(api, 'POST', `/v1/deals/${dealId}/quotes`, { priceListId: priceList, lines: [{ sku: `SKU-${i % 50}`, quantity: 3 }, { sku: `SKU-${(i + 11) % 50}`, quantity: 1, discountPct: 8 }], taxRatePct: 20, validUntil }));
    }
    const quoteSeconds = Number(process.hrtime.bigint() - quoteStarted) / 1e9;
    const attainment = new LatencyRecorder();
    let attainmentRows = 0;
    for (let i = 0; i < 5; i++) attainmentRows = ((await attainment.time(() => get(api, `/v1/sales/attainment?period=${period}`))).items as unknown[]).length;

    // Follow-up watch: a burst of live inbound calls, then the time until the read model holds them all.
    const burst = ctx.quick ? INBOUND_BURST.quick : INBOUND_BURST.full;
    const burstStarted = Date.now();
    const burstHead = await inFlight(burst, (i) => call(api, 'POST', `/v1/customers/${customers[i % customers.length]}/touchpoints`, { type: 'call', direction: 'inbound', subject: 'Call me back' }), () => undefined);
    const written = Date.now();
    await get(api, `/v1/tasks?limit=1&minPosition=${burstHead}`);
    const watched = Date.now();
    const rss = await api.stop();

    rows.push(
      {
        id: 'sales-desk.my-day',
        title: `GET /v1/tasks/my-day, ${size.tasks.toLocaleString('en-US')} tasks over ${Math.min(assignees.length, 50)} assignees, sequential`,
        kind: 'scenario',
        engine: 'sqlite',
        ops: READ_SAMPLES,
        seconds: myDay.seconds,
        throughput: READ_SAMPLES / myDay.seconds,
        unit: 'req/s',
        latencyMs: myDay.latency.summary(),
        peakRssMiB: rss,
        targets: [{ description: 'p99 ≤ 10 ms', metric: 'p99', comparison: 'atMost', threshold: 10 }],
        note: `the caller's overdue, due and done tasks of a day (three keyset reads on [assignee, status, dueAt]); ${size.owners} owners, ${size.customers} customers`,
      },
      {
        id: 'sales-desk.task-list',
        title: 'GET /v1/tasks?assignee=&status=open&limit=50, sequential',
        kind: 'scenario',
        engine: 'sqlite',
        ops: READ_SAMPLES,
        seconds: list.seconds,
        throughput: READ_SAMPLES / list.seconds,
        unit: 'req/s',
        latencyMs: list.latency.summary(),
        peakRssMiB: rss,
        targets: [{ description: 'p99 ≤ 10 ms', metric: 'p99', comparison: 'atMost', threshold: 10 }],
      },
      {
        id: 'sales-desk.quote',
        title: `POST /v1/deals/{id}/quotes (2 lines, priced from the list), sequential, ${size.quotes.toLocaleString('en-US')} quotes before`,
        kind: 'scenario',
        engine: 'sqlite',
        ops: QUOTE_SAMPLES,
        seconds: quoteSeconds,
        throughput: QUOTE_SAMPLES / quoteSeconds,
        unit: 'req/s',
        latencyMs: quoteLatency.summary(),
        peakRssMiB: rss,
        targets: [{ description: 'p99 ≤ 20 ms', metric: 'p99', comparison: 'atMost', threshold: 20 }],
        note: 'each loads the deal, the price list and the customer’s 360 (tier), prices the lines and appends QuoteDrafted',
      },
      {
        id: 'sales-desk.attainment',
        title: `GET /v1/sales/attainment?period=<this month>, all ${size.owners} owners (latency = one report)`,
        kind: 'scenario',
        engine: 'sqlite',
        ops: 5,
        seconds: attainment.summary().p50 / 1000,
        throughput: 1000 / Math.max(1, attainment.summary().p50),
        unit: 'reports/s',
        latencyMs: attainment.summary(),
        peakRssMiB: rss,
        targets: [{ description: 'p99 ≤ 1,000 ms', metric: 'p99', comparison: 'atMost', threshold: 1000 }],
        note: `${attainmentRows} rows: every won deal of the month read from deals by [status, closedAt], summed per owner, team and region, bonus by the plan's bands`,
      },
      {
        id: 'sales-desk.follow-up-watch',
        title: `${burst.toLocaleString('en-US')} inbound calls at ${CONNECTIONS} connections until the follow-up watch holds them all`,
        kind: 'scenario',
        engine: 'sqlite',
        ops: burst,
        seconds: (watched - burstStarted) / 1000,
        throughput: burst / ((watched - burstStarted) / 1000),
        unit: 'touchpoints/s',
        latencyMs: once(watched - written),
        peakRssMiB: rss,
        targets: [{ description: '≥ 2,000 inbound touchpoints/s', metric: 'throughput', comparison: 'atLeast', threshold: 2000 }],
        note: `end to end: written through HTTP and projected into follow_ups (latency column: the projection's lag after the last write, ms); the process that turns them into tasks reads that collection by date, once a minute`,
      },
    );
    // The process that turns unanswered contacts into tasks, on a backlog of them all due at once (its own app and log).
    const contacts = Number(process.env.BENCH_FOLLOW_UP_CONTACTS ?? (ctx.quick ? 500 : 10_000));
    const pass = await inChild<TimedResult & { created: number }>(ctx, 'follow-up-pass', `follow-up run over ${contacts.toLocaleString('en-US')} due contacts`, { dir: ctx.dir('follow-up-pass'), contacts }, contacts);
    rows.push({
      id: 'sales-desk.follow-up-run',
      title: `follow-up process: one run over ${contacts.toLocaleString('en-US')} unanswered inbound calls due at once → one task each`,
      kind: 'scenario',
      engine: 'sqlite',
      ops: pass.created,
      seconds: pass.ms / 1000,
      throughput: pass.created / (pass.ms / 1000),
      unit: 'tasks/s',
      latencyMs: once(pass.ms),
      peakRssMiB: pass.peakRssMiB,
      targets: [{ description: '≥ 2,000 contacts/s (keeps up with 2,000 inbound touchpoints/s left unanswered)', metric: 'throughput', comparison: 'atLeast', threshold: 2000 }],
      note: 'the real app in its own process, the follow-up process run by hand on a clock moved past the answer window: pages of 500 due contacts, TOUCHPOINT_FOLLOW_UP_CONCURRENCY (default 128) tasks created at once (latency column: the whole run, ms); a second run creates none',
    });
    return rows;
  } catch (error) {
    await api.stop().catch(() => undefined);
    throw error;
  }
};
