import { Inject, NotFoundException } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '@touchpoint/platform';
import {
  ANALYTICS,
  CUSTOMERS,
  CUSTOMER_IDENTITY,
  DEALS,
  HISTORY,
  lifetimeValue,
  READ_STORE,
  SERVICE,
  SERVICE_ID,
  serviceSummary,
  VALUE_DISTRIBUTION_ID,
  type Condition,
  type CustomerBody,
  type DealDoc,
  type DocumentBody,
  type HistoryEntry,
  type IdentityDoc,
  type LifetimeValue,
  type PaymentFacts,
  type ReadStore,
  type ServiceDoc,
  type ServiceSummary,
  type SortKey,
  type ValueDistribution,
} from '@touchpoint/read-models';
import { decodeCursor, encodeCursor } from './cursor';
import { LIFETIME_VALUE_MODELS, type LifetimeValueAnswer, type LifetimeValueModels } from '../lifetime-value/lifetime-value-models';
import { EVENT_STORE, type EventStore } from '@touchpoint/event-store';
import { CustomerLog, customerAsOf } from '@touchpoint/read-models';

export const READ_SIDE_SETTINGS = Symbol('READ_SIDE_SETTINGS');
export interface ReadSideSettings {
  horizonDays: number;
  stageProbabilities: Record<string, number>;
  /** how forecasts learn win probabilities: the prior's weight in closed deals, and the look-back in months (0 = all) */
  forecast: { priorStrength: number; lookbackMonths: number };
}

export interface Paged<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * The record a customer id reads as, and every id of its group: a merged id reads as its survivor (the end of its
 * chain of merges); the survivor's group is itself and every record merged into it.
 */
export async function customerGroup(store: ReadStore, customerId: string): Promise<{ root: string; ids: string[] }> {
  const loaded = new Map<string, IdentityDoc | undefined>();
  const identity = async (id: string) => {
    if (!loaded.has(id)) loaded.set(id, await store.get<IdentityDoc>(CUSTOMER_IDENTITY, id));
    return loaded.get(id);
  };
  let root = customerId;
  for (let hops = 0; hops < 1000; hops++) {
    const next = (await identity(root))?.mergedInto?.survivorId;
    if (next === undefined) break;
    root = next;
  }
  const ids = [root];
  for (let i = 0; i < ids.length && ids.length < 1000; i++) ids.push(...Object.values((await identity(ids[i]))?.absorbed ?? {}));
  return { root, ids };
}

const customerNotFound = (id: string) => new NotFoundException(`customer ${id} has no read model (unknown, or not projected yet: pass minPosition to wait)`);

const DAY_MS = 86_400_000;

/**
 * Payment history as of an instant: what is owed per currency, how much of it is overdue and by how long, how fast
 * and how reliably the customer pays (each figure says how it is computed, in `method`).
 */
export function presentPayments(p: PaymentFacts | undefined, asOf: string) {
  const open = Object.values(p?.open ?? {});
  const now = Date.parse(asOf);
  const outstanding: Record<string, number> = {};
  const overdueAmount: Record<string, number> = {};
  let daysOverdue = 0;
  let overdueInvoices = 0;
  for (const invoice of open) {
    outstanding[invoice.currency] = (outstanding[invoice.currency] ?? 0) + invoice.outstanding;
    const dueEnd = Date.parse(`${invoice.dueDate}T23:59:59.999Z`);
    if (dueEnd < now) {
      overdueInvoices++;
      overdueAmount[invoice.currency] = (overdueAmount[invoice.currency] ?? 0) + invoice.outstanding;
      daysOverdue = Math.max(daysOverdue, Math.floor((now - dueEnd) / DAY_MS) + 1);
    }
  }
  const paid = p?.paid ?? 0;
  return {
    invoices: p?.invoices ?? 0,
    openInvoices: open.length,
    outstanding,
    overdueInvoices,
    overdueAmount,
    daysOverdue,
    paid,
    averageDaysToPay: paid > 0 ? Math.round(((p?.daysToPaySum ?? 0) / paid) * 10) / 10 : null,
    paidLateShare: paid > 0 ? Math.round(((p?.paidLate ?? 0) / paid) * 10_000) / 10_000 : null,
    writtenOff: p?.writtenOff ?? 0,
    writtenOffAmount: p?.writtenOffAmount ?? {},
    reliability: p?.reliability ?? null,
    asOf,
    method:
      'reliability = invoices paid in full by the end of their due date (UTC) ÷ invoices settled (paid in full or written off); averageDaysToPay = mean days from issue to the settling payment over paid invoices; daysOverdue = days past the due date of the oldest overdue open invoice',
  };
}

/** The public shape of the 360: internals (order book, positions) stay inside. */
/** The customer 360 as every read answers it (the record, a list item, an as-of state, a merge preview). */
export type Customer360 = Omit<DocumentBody<CustomerBody>, 'valueByCurrency' | 'tasks' | 'payments' | 'lifetimeValue'> & {
  tasks: { open: number; overdue: number; nextDueAt: string | null };
  payments: ReturnType<typeof presentPayments>;
  lifetimeValue: LifetimeValue | LifetimeValueAnswer;
  projectedThrough: number;
};

export function present360(doc: CustomerBody, ltv: LifetimeValue | LifetimeValueAnswer): Customer360 {
  // A document from the projector (audit as-of) still holds its order book: strip it too.
  const { _id, _position, valueByCurrency: _v, nameKey: _k, ...rest } = doc;
  delete (rest as { orderBook?: unknown }).orderBook;
  delete (rest as { sinceMerge?: unknown }).sinceMerge;
  // Open tasks as of the answer's instant: overdue is decided by the clock, never stored.
  const due = Object.values(doc.tasks?.due ?? {});
  const tasks = { open: due.length, overdue: due.filter((at) => at < ltv.asOf).length, nextDueAt: doc.tasks?.nextDueAt ?? null };
  return { ...rest, tasks, payments: presentPayments(doc.payments, ltv.asOf), lifetimeValue: ltv, projectedThrough: _position };
}

export class GetCustomer360 extends Query<ReturnType<typeof present360>> {
  constructor(readonly customerId: string) {
    super();
  }
}

export class GetLifetimeValue extends Query<LifetimeValueAnswer> {
  constructor(
    readonly customerId: string,
    readonly horizonDays?: number,
    /** business time: the customer as the log says they stood then, and the fit current then */
    readonly asOf?: string,
  ) {
    super();
  }
}

export class GetCustomerHistory extends Query<Paged<DocumentBody<HistoryEntry, 'sortKey'> & { position: number }>> {
  constructor(
    readonly customerId: string,
    readonly filter: Condition[],
    readonly order: 'newest' | 'oldest',
    readonly limit: number,
    readonly cursor?: string,
  ) {
    super();
  }
}

export class ListCustomers extends Query<Paged<ReturnType<typeof present360>>> {
  constructor(
    readonly filter: Condition[],
    readonly sort: SortKey[],
    readonly limit: number,
    readonly cursor?: string,
  ) {
    super();
  }
}

export class GetDeal extends Query<DocumentBody<DealDoc> & { projectedThrough: number }> {
  constructor(readonly dealId: string) {
    super();
  }
}

@QueryHandler(GetDeal)
export class GetDealHandler implements IQueryHandler<GetDeal> {
  constructor(@Inject(READ_STORE) private readonly store: ReadStore) {}
  async execute({ dealId }: GetDeal) {
    const doc = await this.store.get<DealDoc>(DEALS, dealId);
    if (!doc) throw new NotFoundException(`deal ${dealId} has no read model (unknown, or not projected yet: pass minPosition to wait)`);
    const { _id, _position, ...deal } = doc;
    return { ...deal, projectedThrough: _position };
  }
}

export class GetValueDistribution extends Query<DocumentBody<ValueDistribution>> {}
export class GetServiceAnalytics extends Query<ServiceSummary> {}

@QueryHandler(GetCustomer360)
export class GetCustomer360Handler implements IQueryHandler<GetCustomer360> {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(READ_SIDE_SETTINGS) private readonly settings: ReadSideSettings,
    @Inject(LIFETIME_VALUE_MODELS) private readonly models: LifetimeValueModels,
  ) {}
  async execute({ customerId }: GetCustomer360) {
    const { root } = await customerGroup(this.store, customerId);
    const doc = await this.store.get<CustomerBody>(CUSTOMERS, root);
    if (!doc) throw customerNotFound(customerId);
    const answer = present360(doc, await this.models.lifetimeValue(doc, this.clock.now().toISOString(), this.settings.horizonDays));
    // A merged id answers with its survivor, saying so.
    return root === customerId ? answer : { ...answer, mergedInto: root, requestedId: customerId };
  }
}

@QueryHandler(GetLifetimeValue)
export class GetLifetimeValueHandler implements IQueryHandler<GetLifetimeValue> {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(READ_SIDE_SETTINGS) private readonly settings: ReadSideSettings,
    @Inject(LIFETIME_VALUE_MODELS) private readonly models: LifetimeValueModels,
    @Inject(EVENT_STORE) private readonly events: EventStore,
  ) {}
  async execute({ customerId, horizonDays, asOf }: GetLifetimeValue) {
    const horizon = horizonDays ?? this.settings.horizonDays;
    if (asOf === undefined) {
      const doc = await this.store.get<CustomerBody>(CUSTOMERS, (await customerGroup(this.store, customerId)).root);
      if (!doc) throw customerNotFound(customerId);
      return this.models.lifetimeValue(doc, this.clock.now().toISOString(), horizon);
    }
    // As of a past business date: the customer folded from the log up to then with the live projection's code.
    const { doc } = await customerAsOf(new CustomerLog(this.events, this.store).iterate(customerId, 1000), { time: 'business', instant: asOf });
    if (!doc) throw new NotFoundException(`customer ${customerId} had no record by ${asOf}`);
    return this.models.lifetimeValue(doc, asOf, horizon);
  }
}

@QueryHandler(GetCustomerHistory)
export class GetCustomerHistoryHandler implements IQueryHandler<GetCustomerHistory> {
  constructor(@Inject(READ_STORE) private readonly store: ReadStore) {}
  async execute(q: GetCustomerHistory) {
    const sort: SortKey[] = [{ field: 'sortKey', direction: q.order === 'oldest' ? 'asc' : 'desc' }];
    // A merged group's history is every record's: the entries keep the id of the record they happened to.
    const { ids } = await customerGroup(this.store, q.customerId);
    const page = await this.store.find<HistoryEntry>(HISTORY, {
      filter: [ids.length === 1 ? { field: 'customerId', op: 'eq', value: ids[0] } : { field: 'customerId', op: 'in', value: ids }, ...q.filter],
      sort,
      limit: q.limit,
      after: decodeCursor(q.cursor, sort),
    });
    return {
      items: page.items.map(({ _id, _position, sortKey: _s, ...entry }) => ({ ...entry, position: _position })),
      nextCursor: encodeCursor(page.next, sort),
    };
  }
}

@QueryHandler(ListCustomers)
export class ListCustomersHandler implements IQueryHandler<ListCustomers> {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(READ_SIDE_SETTINGS) private readonly settings: ReadSideSettings,
    @Inject(LIFETIME_VALUE_MODELS) private readonly models: LifetimeValueModels,
  ) {}
  async execute(q: ListCustomers) {
    const page = await this.store.find<CustomerBody>(CUSTOMERS, { filter: q.filter, sort: q.sort, limit: q.limit, after: decodeCursor(q.cursor, q.sort) });
    const asOf = this.clock.now().toISOString();
    const items = await Promise.all(page.items.map(async (d) => present360(d, await this.models.lifetimeValue(d, asOf, this.settings.horizonDays))));
    return { items, nextCursor: encodeCursor(page.next, q.sort) };
  }
}

@QueryHandler(GetValueDistribution)
export class GetValueDistributionHandler implements IQueryHandler<GetValueDistribution> {
  constructor(@Inject(READ_STORE) private readonly store: ReadStore) {}
  async execute() {
    const doc = await this.store.get<ValueDistribution>(ANALYTICS, VALUE_DISTRIBUTION_ID);
    if (!doc) return { asOf: null as unknown as string, currencies: {}, customersWithoutOrders: 0 };
    const { _id, _position, ...rest } = doc;
    return rest;
  }
}

@QueryHandler(GetServiceAnalytics)
export class GetServiceAnalyticsHandler implements IQueryHandler<GetServiceAnalytics> {
  constructor(@Inject(READ_STORE) private readonly store: ReadStore) {}
  async execute() {
    return serviceSummary(await this.store.get<ServiceDoc>(SERVICE, SERVICE_ID));
  }
}

export const QUERY_HANDLERS = [
  GetCustomer360Handler,
  GetLifetimeValueHandler,
  GetDealHandler,
  GetCustomerHistoryHandler,
  ListCustomersHandler,
  GetValueDistributionHandler,
  GetServiceAnalyticsHandler,
];
