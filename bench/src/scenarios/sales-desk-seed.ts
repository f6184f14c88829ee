import { issueApiKey } from '@touchpoint/auth';
import { loadConfig, randomIds, systemClock } from '@touchpoint/platform';
import { CommandBus } from '@nestjs/cqrs';
import type { CommandResult } from '@touchpoint/application';
import { createApp } from '../../../apps/api/src/app.factory';
import { ExecuteCustomerCommand } from '../../../apps/api/src/commands/customer.command';
import { ExecuteDealCommand } from '../../../apps/api/src/commands/deal.command';
import { ExecuteTaskCommand } from '../../../apps/api/src/commands/task.command';
import { createApiKeyStore, createEngines } from '../../../apps/api/src/engines';
import type { ChildMessage } from '../child';
import { Rng } from '../prng';
import { peakRssMiB } from '../stats';

export interface SalesDeskSizes {
  owners: number;
  customers: number;
  tasks: number;
  quotes: number;
  invoices: number;
}

/** What the scenario reads with once the seeded log is rebuilt. */
export interface SalesDeskSeed {
  events: number;
  ms: number;
  peakRssMiB: number;
  commands: number;
  /** an admin API key in the data directory's key store, and the actor it records ("my day" is this actor's) */
  token: string;
  self: string;
  assignees: string[];
  /** open deals, each with a quote, for the quote drafts timed later (the first few hundred) */
  openDeals: string[];
  priceListId: string;
  head: number;
}

const wonDeals = (sizes: SalesDeskSizes) => Math.max(sizes.owners * 3, Math.round(sizes.quotes / 2));
/** The commands the seed sends (each invoice is paid three times in four). */
export const commandCount = (sizes: SalesDeskSizes) => sizes.owners * 2 + 2 + sizes.customers + sizes.tasks + wonDeals(sizes) * 2 + sizes.quotes * 2 + sizes.invoices + Math.ceil((sizes.invoices * 3) / 4);

/** Commands in flight at once while seeding (in-process requests: no sockets). */
const IN_FLIGHT = 256;
/** Assignees of tasks, the caller included: about 1,000 tasks each at every scale. */
export const assigneeCount = (sizes: SalesDeskSizes) => Math.max(50, Math.min(sizes.owners + 1, Math.round(sizes.tasks / 1000)));

/**
 * Scenario `sales-desk`, the writes (#24): the organisation, customers, tasks, won and open deals with quotes, invoices
 * and payments, written as commands through the real app with no projector running. The bulk (tasks, deals, invoices,
 * payments) goes to the command bus with the data the controllers build, the rest (sellers, quotas, plans, price list,
 * customers, quotes) through the HTTP pipeline in process (`http.inject`): the same deciders, sealing and hash chains
 * either way. The scenario then rebuilds the read models from this log, as a deployment that imported its history
 * would, and measures reads on the API started over them. Writing 2.3M commands through HTTP at the write path's ~800
 * requests/s on two cores would take most of an hour, and is not what the scenario measures (*HTTP append* is).
 */
export async function seedSalesDesk(args: { dir: string; sizes: SalesDeskSizes; now: string }, report: (m: ChildMessage) => void): Promise<SalesDeskSeed> {
  const { sizes } = args;
  const now = new Date(args.now);
  const config = loadConfig({ TOUCHPOINT_DATA_DIR: args.dir, LOG_LEVEL: 'error', TOUCHPOINT_AUTH: 'off', TOUCHPOINT_RATE_LIMIT_MAX: '0', TOUCHPOINT_PROJECTOR_IN_PROCESS: 'false', TOUCHPOINT_FOLLOW_UP_CHECK_EVERY_MS: '0' });
  const { record, secret } = await issueApiKey(await createApiKeyStore(config), { name: 'bench', roles: ['admin'], now });
  const self = `key:${record.id}`;
  const engines = await createEngines(config, systemClock);
  const app = await createApp({ config, engines, clock: systemClock, ids: randomIds, logs: false });
  const http = app.getHttpAdapter().getInstance();
  const rng = new Rng(24);
  let commands = 0;
  let head = 0;
  const bus = app.get(CommandBus);
  /** The bulk (tasks, deals, invoices, payments) goes straight to the command bus with the data the controllers build: the same handlers, sealing and chains, without the HTTP pipeline's cost per request. */
  const dispatch = async (command: ExecuteTaskCommand | ExecuteCustomerCommand | ExecuteDealCommand): Promise<CommandResult> => {
    const result: CommandResult = await bus.execute(command);
    commands++;
    head = Math.max(head, result.globalPosition);
    return result;
  };
  const context = () => {
    const id = randomIds.next();
    return { actor: 'bench.desk', correlationId: id, causationId: id };
  };
  const call = async (method: 'POST' | 'PUT', url: string, payload: object): Promise<Record<string, any>> => {
    const res = await http.inject({ method, url, payload, headers: { 'x-actor': 'bench.desk' } });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    const body = JSON.parse(res.body) as Record<string, any>;
    commands++;
    head = Math.max(head, Number(body.globalPosition ?? 0));
    return body;
  };
  const total = commandCount(sizes);
  const progress = setInterval(() => report({ type: 'progress', done: commands, total }), 1000);
  const many = async (n: number, work: (i: number) => Promise<unknown>) => {
    let next = 0;
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => { for (let i = next++; i < n; i = next++) await work(i); }));
  };

  const day = (offset: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + offset)).toISOString().slice(0, 10);
  const period = args.now.slice(0, 7);
  const wonOn = (i: number) => `${period}-${String(1 + (i % Math.max(1, now.getUTCDate() - 1))).padStart(2, '0')}T12:00:00.000Z`;
  const started = Date.now();
  try {
    // The organisation: two regions, ten teams, a monthly quota per owner, one bonus plan, one price list.
    const owners = Array.from({ length: sizes.owners }, (_, i) => `sales.${String(i).padStart(4, '0')}`);
    await many(owners.length, (i) => call('PUT', `/v1/sales/sellers/${owners[i]}`, { team: `team-${i % 10}`, region: i % 2 ? 'south' : 'north' }));
    await many(owners.length, (i) => call('POST', '/v1/sales/quotas', { scope: 'owner', name: owners[i], period, currency: 'EUR', amount: 5_000_000 }));
    await call('POST', '/v1/sales/bonus-plans', { name: 'Standard', currency: 'EUR', bands: [{ fromPct: 0, ratePct: 2 }, { fromPct: 50, ratePct: 4 }, { fromPct: 100, ratePct: 8 }] });
    const priceListId = (await call('POST', '/v1/price-lists', { name: 'Main EUR', currency: 'EUR', validFrom: '2025-01-01', items: Array.from({ length: 50 }, (_, i) => ({ sku: `SKU-${i}`, name: `Item ${i}`, unitPrice: 1000 + i * 250 })), tierDiscounts: { A: 5, B: 2 } })).ids.priceListId as string;

    const customers: string[] = [];
    await many(sizes.customers, async (i) => {
      customers[i] = (await call('POST', '/v1/customers', { kind: i % 5 ? 'person' : 'company', name: `Customer ${i}`, owner: owners[i % owners.length], occurredAt: '2025-06-01T09:00:00Z' })).ids.customerId;
    });
    const assignees = [self, ...owners].slice(0, assigneeCount(sizes));
    await many(sizes.tasks, (i) => {
      const due = day(Math.floor(rng.next() * 28) - 14);
      const hour = 8 + Math.floor(rng.next() * 10);
      const data = {
        kind: rng.pick(['call', 'email', 'todo'] as const),
        title: `Follow up ${i}`,
        taskId: randomIds.next(),
        customerId: customers[i % customers.length],
        assignee: assignees[i % assignees.length],
        priority: rng.pick(['low', 'normal', 'high'] as const),
        dueAt: `${due}T${String(hour).padStart(2, '0')}:00:00.000Z`,
        occurredAt: new Date().toISOString(),
        actor: 'bench.desk',
        mayActForOthers: true,
      };
      return dispatch(new ExecuteTaskCommand({ type: 'CreateTask', data }, context()));
    });
    const openDeal = async (i: number, title: string, amount: number, expectedCloseDate: string, occurredAt: string) => {
      const data = { title, amount, currency: 'EUR', dealId: randomIds.next(), customerId: customers[i % customers.length], stage: 'lead' as const, owner: owners[i % owners.length], expectedCloseDate, occurredAt };
      return (await dispatch(new ExecuteDealCommand({ type: 'OpenDeal', data }, context()))).ids.dealId;
    };
    await many(wonDeals(sizes), async (i) => {
      const dealId = await openDeal(i, `Deal ${i}`, 100_000 + (i % 40) * 50_000, day(0), `${day(-60)}T09:00:00.000Z`);
      await dispatch(new ExecuteDealCommand({ type: 'WinDeal', data: { dealId, occurredAt: wonOn(i) } }, context()));
    });
    const openDeals: string[] = [];
    const validUntil = day(60);
    await many(sizes.quotes, async (i) => {
      openDeals[i] = await openDeal(i, `Open ${i}`, 200_000, day(45), new Date().toISOString());
      await call('POST', `/v1/deals/${openDeals[i]}/quotes`, { priceListId, lines: [{ sku: `SKU-${i % 50}`, quantity: 1 + (i % 7) }, { sku: `SKU-${(i + 7) % 50}`, quantity: 2, discountPct: 5 }], taxRatePct: 20, validUntil });
    });
    await many(sizes.invoices, async (i) => {
      const customerId = customers[i % customers.length];
      const amount = 10_000 + (i % 90) * 1000;
      await dispatch(new ExecuteCustomerCommand({ type: 'IssueInvoice', data: { customerId, invoiceId: `INV-${i}`, currency: 'EUR', amount, dueDate: '2026-02-20', occurredAt: '2026-02-01T09:00:00.000Z' } }, context()));
      if (i % 4 !== 3) await dispatch(new ExecuteCustomerCommand({ type: 'RecordPayment', data: { customerId, invoiceId: `INV-${i}`, paymentId: `PAY-${i}`, amount, occurredAt: `2026-02-${String(10 + (i % 18)).padStart(2, '0')}T09:00:00.000Z` } }, context()));
    });
    const ms = Date.now() - started;
    return { events: head, ms, peakRssMiB: peakRssMiB(), commands, token: secret, self, assignees, openDeals: openDeals.slice(0, 1000), priceListId, head };
  } finally {
    clearInterval(progress);
    await app.close();
  }
}
