import { ERASED, own } from '@touchpoint/domain';
import type { Document } from '../store/port';
import { applyCustomerEvent, CUSTOMER_IDENTITY, CUSTOMER_PARTS } from './customer-groups';
import { nameSearchKey } from './name-search';
import { DAY_MS, type DocumentAccess, type ProjectedEvent, type Projection } from './types';

/** What the projection remembers of each order: enough to net out cancellations and returns. */
export interface OrderFacts {
  at: string;
  currency: string;
  total: number;
  /** null: the source did not know the order's cost */
  cost: number | null;
  refunded: number;
  costReversed: number;
  cancelled: boolean;
  returned?: boolean;
  /** business time of the cancellation, so a figure as of an earlier date does not see it */
  cancelledAt?: string;
  /** each return's business time and refund, for the same reason */
  refunds?: Array<[at: string, refund: number]>;
}

export interface CurrencyValue {
  revenue: number;
  /** null when any order that counts has an unknown cost: the margin is then unknown, not zero */
  cost: number | null;
  margin: number | null;
  orders: number;
}

/** A currency's figures as the 360 keeps them: with the dates of the orders that count, so readers need no order book. */
export interface CurrencyFigures extends CurrencyValue {
  firstOrderAt: string | null;
  lastOrderAt: string | null;
  /** purchase occasions: distinct business days (UTC) with an order that counts; several orders on one day are one */
  purchaseDays?: number;
  /** net revenue of the orders of the first purchase day (the models' monetary value leaves it out) */
  firstDayRevenue?: number;
}

export interface RfmScore {
  recency: number;
  frequency: number;
  monetary: number;
  /** e.g. "545" */
  code: string;
  segment: string;
}

/**
 * A 360 as queries get it (`get`, `find`): everything but the order book, a detached key only the projector
 * reads back. Code that serves queries takes this type, so the compiler refuses a read of the book there.
 */
export interface CustomerBody extends Document {
  customerId: string;
  /** the records merged into this one (customer ids), once it has absorbed any */
  mergedFrom?: string[];
  kind: 'person' | 'company';
  name: string;
  /** the name as searched (nameSearchKey): lists filter on it by prefix; never answered */
  nameKey?: string;
  email?: string;
  phone?: string;
  /** after an erasure, `{ erased: true }` */
  address?: Record<string, string> | { erased: true };
  company?: string;
  tags: string[];
  /** account manager; '' when none (kept non-null so it sorts and filters) */
  owner: string;
  preferredChannel: string | null;
  /** business time of the last explicit channel choice (merges keep the most recent choice) */
  preferredChannelChangedAt?: string;
  marketingConsent: { granted: boolean | null; source?: string; changedAt?: string };
  contacts: Array<{ contactId: string; name: string; role?: string; email?: string; phone?: string }>;
  registeredAt: string;
  /** `<source>:<sourceId>` when the customer came in by an import (from the registration's metadata), else null */
  externalId: string | null;
  touchpoints: { total: number; inbound: number; outbound: number; byChannel: Record<string, number>; byType: Record<string, number> };
  firstContactAt: string | null;
  lastContactAt: string | null;
  /** latest business time of anything that happened with the customer */
  lastActivityAt: string;
  complaints: { filed: number; open: number; resolved: number; escalated: number; openIds: string[] };
  deals: { openCount: number; won: number; lost: number; open: Record<string, { amount: number; currency: string; stage: string; title: string }> };
  orders: { placed: number; cancelled: number; withReturns: number };
  /** net value in the customer's primary currency (that of the first order): what lists sort and tiers rank by */
  value: { currency: string; revenue: number; margin: number | null; orders: number };
  valueByCurrency: Record<string, CurrencyFigures>;
  /**
   * written by segmentation (tiers are a ranking across customers), not by single events; predictedValue is what the
   * customer is predicted to bring over the horizon, by the fitted model (predictedBy) or the heuristic
   */
  segment: { tier: string; rfm: RfmScore | null; predictedValue?: number | null; predictedBy?: 'bg_nbd_gamma_gamma' | 'heuristic' | null };
  /** offers competitors made the customer: how many, and each competitor's latest; absent before the first */
  competitorOffers?: { count: number; latest: Record<string, { competitor: string; at: string; amount?: number; currency?: string; dealId?: string }> };
  /** payment history; absent before the first invoice */
  payments?: PaymentFacts;
  /** open tasks on the customer (task id → due time) and the soonest due time; absent before the first task */
  tasks?: { open: number; nextDueAt?: string; due: Record<string, string> };
}

/** Payment history as the 360 keeps it: the open invoices, and counts and sums over the settled ones. */
export interface PaymentFacts {
  invoices: number;
  /** open invoices: what is still owed, by when, and since when */
  open: Record<string, { currency: string; outstanding: number; dueDate: string; issuedAt: string }>;
  /** fully paid invoices, and of them those settled after the end (UTC) of their due date */
  paid: number;
  paidLate: number;
  /** over paid invoices: days from issue to the settling payment (business time) */
  daysToPaySum: number;
  writtenOff: number;
  writtenOffAmount: Record<string, number>;
  /** invoices paid by their due date ÷ invoices settled (paid or written off); null until one is settled */
  reliability: number | null;
}

const emptyPayments = (): PaymentFacts => ({ invoices: 0, open: {}, paid: 0, paidLate: 0, daysToPaySum: 0, writtenOff: 0, writtenOffAmount: {}, reliability: null });

/** The on-time share of settled invoices, 4 decimals. */
export function paymentReliability(p: Pick<PaymentFacts, 'paid' | 'paidLate' | 'writtenOff'>): number | null {
  const settled = p.paid + p.writtenOff;
  return settled === 0 ? null : Math.round(((p.paid - p.paidLate) / settled) * 10_000) / 10_000;
}

function evolvePayments(doc: CustomerDoc, event: ProjectedEvent): CustomerDoc {
  const p: PaymentFacts = { ...emptyPayments(), ...doc.payments };
  const open = { ...p.open };
  switch (event.type) {
    case 'InvoiceIssued': {
      const { invoiceId, currency, amount, dueDate, occurredAt } = event.data;
      open[invoiceId] = { currency, outstanding: amount, dueDate, issuedAt: occurredAt };
      return { ...doc, payments: { ...p, invoices: p.invoices + 1, open } };
    }
    case 'PaymentReceived': {
      const { invoiceId, outstanding, occurredAt } = event.data;
      const invoice = own(open, invoiceId);
      if (!invoice) return doc;
      if (outstanding > 0) {
        open[invoiceId] = { ...invoice, outstanding };
        return { ...doc, payments: { ...p, open } };
      }
      delete open[invoiceId];
      const late = occurredAt > `${invoice.dueDate}T23:59:59.999Z`;
      const days = Math.max(0, Date.parse(occurredAt) - Date.parse(invoice.issuedAt)) / DAY_MS;
      const next = { ...p, open, paid: p.paid + 1, paidLate: p.paidLate + (late ? 1 : 0), daysToPaySum: p.daysToPaySum + days };
      return { ...doc, payments: { ...next, reliability: paymentReliability(next) } };
    }
    case 'InvoiceWrittenOff': {
      const { invoiceId, currency, amount } = event.data;
      if (!own(open, invoiceId)) return doc;
      delete open[invoiceId];
      const next = { ...p, open, writtenOff: p.writtenOff + 1, writtenOffAmount: inc(p.writtenOffAmount, currency, amount) };
      return { ...doc, payments: { ...next, reliability: paymentReliability(next) } };
    }
    default:
      return doc;
  }
}

/** A touchpoint as undoing a merge needs it: [occurredAt, channel, direction, touchpointType]. */
export type TrackedTouchpoint = [at: string, channel: string, direction: string, type: string];

/**
 * While a record has absorbed others: its contact dates as they stood at the first merge in effect (later activity
 * other than touchpoints folded in), and each touchpoint recorded since, so an undo can give some back exactly.
 */
export interface SinceMerge {
  merges: string[];
  firstContactAt: string | null;
  lastContactAt: string | null;
  lastActivityAt: string;
  touchpoints: Record<string, TrackedTouchpoint>;
}

/** The 360 as the projector keeps it: with every order's facts, from which the figures are recomputed. */
export interface CustomerDoc extends CustomerBody {
  orderBook: Record<string, OrderFacts>;
  /** only on a survivor while merges are in effect; never shown */
  sinceMerge?: SinceMerge;
}

export const CUSTOMERS = 'customers';

const later = (a: string | null, b: string) => (a === null || b > a ? b : a);
const earlier = (a: string | null, b: string) => (a === null || b < a ? b : a);
const inc = (map: Record<string, number>, key: string, by = 1) => ({ ...map, [key]: (map[key] ?? 0) + by });

/**
 * Whether an order is a purchase: not cancelled and not fully returned. An order worth nothing ($0, a free
 * item) still is one: the customer came and bought. Orders, frequency, recency and purchase occasions all use this.
 */
export const orderCounts = (o: OrderFacts): boolean => !o.cancelled && !(o.total > 0 ? o.refunded >= o.total : o.returned === true);

/**
 * Net figures per currency from the order book: cancelled orders count for nothing, returns are subtracted.
 * Orders, purchase days and the first and last order dates are those of the orders that count (`orderCounts`).
 */
export function valueByCurrency(orderBook: Record<string, OrderFacts>): Record<string, CurrencyFigures> {
  const out: Record<string, CurrencyFigures> = {};
  const days: Record<string, Set<string>> = {};
  for (const o of Object.values(orderBook)) {
    if (o.cancelled) continue;
    const v = (out[o.currency] ??= { revenue: 0, cost: 0, margin: 0, orders: 0, firstOrderAt: null, lastOrderAt: null, purchaseDays: 0 });
    v.revenue += o.total - o.refunded;
    // One order of unknown cost makes the currency's cost unknown: a partial sum would overstate the margin.
    v.cost = v.cost === null || o.cost === null ? null : v.cost + o.cost - o.costReversed;
    v.margin = v.cost === null ? null : v.revenue - v.cost;
    if (orderCounts(o)) {
      v.orders += 1;
      v.firstOrderAt = earlier(v.firstOrderAt, o.at);
      v.lastOrderAt = later(v.lastOrderAt, o.at);
      (days[o.currency] ??= new Set()).add(o.at.slice(0, 10));
      v.purchaseDays = days[o.currency].size;
    }
  }
  for (const o of Object.values(orderBook)) {
    const v = out[o.currency];
    if (v?.firstOrderAt && orderCounts(o) && o.at.slice(0, 10) === v.firstOrderAt.slice(0, 10)) v.firstDayRevenue = (v.firstDayRevenue ?? 0) + o.total - o.refunded;
  }
  return out;
}

/** Currency of the earliest order that still counts (not cancelled, not fully returned); else of the earliest order. */
function primaryCurrency(orderBook: Record<string, OrderFacts>): string {
  let first: OrderFacts | undefined;
  let firstCounted: OrderFacts | undefined;
  for (const o of Object.values(orderBook)) {
    if (!first || o.at < first.at) first = o;
    if (orderCounts(o) && (!firstCounted || o.at < firstCounted.at)) firstCounted = o;
  }
  return (firstCounted ?? first)?.currency ?? '';
}

/** value (in the primary currency) and valueByCurrency from an order book: what a merge recomputes from the union too. */
export function valueOfOrders(orderBook: Record<string, OrderFacts>): Pick<CustomerDoc, 'value' | 'valueByCurrency'> {
  const byCurrency = valueByCurrency(orderBook);
  const currency = primaryCurrency(orderBook);
  const v = byCurrency[currency];
  return { valueByCurrency: byCurrency, value: { currency, revenue: v?.revenue ?? 0, margin: v ? v.margin : 0, orders: v?.orders ?? 0 } };
}

function withValue(doc: CustomerDoc): CustomerDoc {
  return { ...doc, ...valueOfOrders(doc.orderBook) };
}

function touch(doc: CustomerDoc, event: ProjectedEvent): CustomerDoc {
  return { ...doc, _position: event.globalPosition, lastActivityAt: later(doc.lastActivityAt, event.data.occurredAt) };
}

/** The id an import gave the customer in its source system; survives rebuilds, as it lives in the log. */
function externalIdOf(metadata: ProjectedEvent['metadata']): string | null {
  const { source, sourceId } = metadata;
  return typeof source === 'string' && typeof sourceId === 'string' ? `${source}:${sourceId}` : null;
}

/** Customer 360: pure evolve over the customer's events and the deals opened for it. */
export function evolveCustomer360(doc: CustomerDoc | undefined, event: ProjectedEvent): CustomerDoc | undefined {
  if (event.type === 'CustomerMerged' || event.type === 'CustomerUnmerged') {
    // Merging records is not something the customer did: the record only notes it has seen the event.
    if (!doc) return doc;
    const seen = { ...doc, _position: event.globalPosition };
    if (event.data.customerId !== event.data.survivorId) return seen;
    return event.type === 'CustomerMerged' ? startTracking(seen, event.data.mergeId) : giveBack(seen, event.data.mergeId, event.data.reassignedEventIds ?? []);
  }
  // Planning work is not something the customer did: tasks change the open-task figures only.
  if (event.type.startsWith('Task')) return doc && evolveOpenTasks(doc, event);
  const next = withNameKey(doc, evolveOwn(doc, event));
  return next?.sinceMerge && next !== doc ? track(next.sinceMerge, next, event) : next;
}

/** Keeps the search key in step with the name (registration, a profile change, an erasure). */
function withNameKey(before: CustomerDoc | undefined, next: CustomerDoc | undefined): CustomerDoc | undefined {
  if (!next || (next.nameKey !== undefined && next.name === before?.name)) return next;
  return { ...next, nameKey: nameSearchKey(next.name) };
}

/** The open tasks from their events; the soonest due time is kept as a field lists filter on (overdue = before now). */
function evolveOpenTasks(doc: CustomerDoc, event: ProjectedEvent): CustomerDoc {
  const data = event.data as { taskId: string; dueAt?: string };
  const due = { ...doc.tasks?.due };
  if (event.type === 'TaskCreated' || (event.type === 'TaskRescheduled' && own(due, data.taskId) !== undefined)) due[data.taskId] = data.dueAt!;
  else if (event.type === 'TaskCompleted' || event.type === 'TaskCancelled') delete due[data.taskId];
  else return { ...doc, _position: event.globalPosition };
  return { ...doc, _position: event.globalPosition, tasks: openTasks(due) };
}

export function openTasks(due: Record<string, string>): NonNullable<CustomerBody['tasks']> {
  const times = Object.values(due);
  const nextDueAt = times.reduce<string | undefined>((min, at) => (min === undefined || at < min ? at : min), undefined);
  return { open: times.length, ...(nextDueAt !== undefined && { nextDueAt }), due };
}

function startTracking(doc: CustomerDoc, mergeId: string): CustomerDoc {
  const since = doc.sinceMerge;
  if (since) return since.merges.includes(mergeId) ? doc : { ...doc, sinceMerge: { ...since, merges: [...since.merges, mergeId] } };
  return { ...doc, sinceMerge: { merges: [mergeId], firstContactAt: doc.firstContactAt, lastContactAt: doc.lastContactAt, lastActivityAt: doc.lastActivityAt, touchpoints: {} } };
}

function track(since: SinceMerge, doc: CustomerDoc, event: ProjectedEvent): CustomerDoc {
  if (event.type === 'TouchpointRecorded') {
    const t = event.data;
    return { ...doc, sinceMerge: { ...since, touchpoints: { ...since.touchpoints, [event.eventId]: [t.occurredAt, t.channel, t.direction, t.touchpointType] } } };
  }
  if (event.type === 'CustomerErased') return doc; // not an activity
  return { ...doc, sinceMerge: { ...since, lastActivityAt: later(since.lastActivityAt, event.data.occurredAt) as string } };
}

/** Undoes the effect of the touchpoints given back to the duplicate, as if they had never been recorded here. */
function giveBack(doc: CustomerDoc, mergeId: string, reassigned: string[]): CustomerDoc {
  const since = doc.sinceMerge;
  if (!since) return doc;
  const moved = new Set(reassigned.filter((id) => own(since.touchpoints, id) !== undefined));
  const kept = Object.entries(since.touchpoints).filter(([id]) => !moved.has(id));
  let d = doc;
  if (moved.size > 0) {
    const dec = (map: Record<string, number>, key: string) => {
      const { [key]: count = 0, ...rest } = map;
      return count > 1 ? { ...rest, [key]: count - 1 } : rest;
    };
    let { total, inbound, outbound, byChannel, byType } = d.touchpoints;
    for (const id of moved) {
      const [, channel, direction, type] = since.touchpoints[id];
      total -= 1;
      if (direction === 'inbound') inbound -= 1;
      if (direction === 'outbound') outbound -= 1;
      byChannel = dec(byChannel, channel);
      byType = dec(byType, type);
    }
    const dates = kept.map(([, [at]]) => at);
    d = {
      ...d,
      touchpoints: { total, inbound, outbound, byChannel, byType },
      firstContactAt: dates.reduce(earlier, since.firstContactAt),
      lastContactAt: dates.reduce(later, since.lastContactAt),
      lastActivityAt: dates.reduce(later, since.lastActivityAt) as string,
    };
  }
  const merges = since.merges.filter((m) => m !== mergeId);
  if (merges.length > 0) return { ...d, sinceMerge: { ...since, merges, touchpoints: Object.fromEntries(kept) } };
  const { sinceMerge: _done, ...alone } = d;
  return alone;
}

function evolveOwn(doc: CustomerDoc | undefined, event: ProjectedEvent): CustomerDoc | undefined {
  if (event.type === 'CustomerRegistered') {
    const { customerId, kind, name, email, phone, address, company, tags, owner, occurredAt } = event.data;
    return {
      _id: customerId,
      _position: event.globalPosition,
      customerId,
      kind,
      name,
      ...(email !== undefined && { email }),
      ...(phone !== undefined && { phone }),
      ...(address !== undefined && { address: { ...address } as Record<string, string> }),
      ...(company !== undefined && { company }),
      tags: [...(tags ?? [])],
      owner: owner ?? '',
      preferredChannel: null,
      marketingConsent: { granted: null },
      contacts: [],
      registeredAt: occurredAt,
      externalId: externalIdOf(event.metadata),
      touchpoints: { total: 0, inbound: 0, outbound: 0, byChannel: {}, byType: {} },
      firstContactAt: null,
      lastContactAt: null,
      lastActivityAt: occurredAt,
      complaints: { filed: 0, open: 0, resolved: 0, escalated: 0, openIds: [] },
      deals: { openCount: 0, won: 0, lost: 0, open: {} },
      orders: { placed: 0, cancelled: 0, withReturns: 0 },
      orderBook: {},
      value: { currency: '', revenue: 0, margin: 0, orders: 0 },
      valueByCurrency: {},
      segment: { tier: '', rfm: null },
    };
  }
  if (!doc) return doc; // events of a customer we never saw registered: nothing to attach them to
  if (event.type === 'CustomerErased') return { ...scrubCustomer(doc), _position: event.globalPosition }; // not an activity
  const d = touch(doc, event);
  switch (event.type) {
    case 'CustomerProfileChanged': {
      const next: Record<string, unknown> = { ...d };
      for (const [field, value] of Object.entries(event.data.changes)) {
        if (value === null) next[field] = field === 'owner' ? '' : undefined;
        else next[field] = value;
        if (next[field] === undefined) delete next[field];
      }
      return next as CustomerDoc;
    }
    case 'ContactPersonAdded': {
      const { customerId: _c, occurredAt: _o, ...contact } = event.data;
      return { ...d, contacts: [...d.contacts.filter((c) => c.contactId !== contact.contactId), contact] };
    }
    case 'ContactPersonRemoved':
      return { ...d, contacts: d.contacts.filter((c) => c.contactId !== event.data.contactId) };
    case 'PreferredChannelChanged':
      return { ...d, preferredChannel: event.data.channel, preferredChannelChangedAt: event.data.occurredAt };
    case 'MarketingConsentChanged':
      return { ...d, marketingConsent: { granted: event.data.granted, ...(event.data.source && { source: event.data.source }), changedAt: event.data.occurredAt } };
    case 'TouchpointRecorded': {
      const t = event.data;
      return {
        ...d,
        touchpoints: {
          total: d.touchpoints.total + 1,
          inbound: d.touchpoints.inbound + (t.direction === 'inbound' ? 1 : 0),
          outbound: d.touchpoints.outbound + (t.direction === 'outbound' ? 1 : 0),
          byChannel: inc(d.touchpoints.byChannel, t.channel),
          byType: inc(d.touchpoints.byType, t.touchpointType),
        },
        firstContactAt: earlier(d.firstContactAt, t.occurredAt),
        lastContactAt: later(d.lastContactAt, t.occurredAt),
      };
    }
    case 'OrderPlaced': {
      const o = event.data;
      const orderBook = { ...d.orderBook, [o.orderId]: { at: o.occurredAt, currency: o.currency, total: o.total, cost: o.cost ?? null, refunded: 0, costReversed: 0, cancelled: false } };
      return withValue({ ...d, orders: { ...d.orders, placed: d.orders.placed + 1 }, orderBook });
    }
    case 'OrderCancelled': {
      const o = own(d.orderBook, event.data.orderId);
      if (!o) return d;
      return withValue({
        ...d,
        orders: { ...d.orders, cancelled: d.orders.cancelled + 1 },
        orderBook: { ...d.orderBook, [event.data.orderId]: { ...o, cancelled: true, cancelledAt: event.data.occurredAt } },
      });
    }
    case 'OrderReturned': {
      const o = own(d.orderBook, event.data.orderId);
      if (!o) return d;
      const firstReturn = !o.returned;
      return withValue({
        ...d,
        orders: { ...d.orders, withReturns: d.orders.withReturns + (firstReturn ? 1 : 0) },
        orderBook: {
          ...d.orderBook,
          [event.data.orderId]: {
            ...o,
            returned: true,
            refunded: o.refunded + event.data.refund,
            costReversed: o.costReversed + (event.data.costReversed ?? 0),
            refunds: [...(o.refunds ?? []), [event.data.occurredAt, event.data.refund]],
          },
        },
      });
    }
    case 'InvoiceIssued':
    case 'PaymentReceived':
    case 'InvoiceWrittenOff':
      return evolvePayments(d, event);
    case 'CompetitorOfferRecorded': {
      const { competitor, occurredAt, amount, currency, dealId } = event.data;
      const seen = d.competitorOffers ?? { count: 0, latest: {} };
      const key = competitor.trim().toLowerCase();
      const previous = own(seen.latest, key);
      const latest = { ...seen.latest };
      if (!previous || occurredAt >= previous.at) {
        Object.defineProperty(latest, key, { value: { competitor, at: occurredAt, ...(amount !== undefined && { amount, currency }), ...(dealId !== undefined && { dealId }) }, enumerable: true, writable: true, configurable: true });
      }
      return { ...d, competitorOffers: { count: seen.count + 1, latest } };
    }
    case 'ComplaintFiled':
      return { ...d, complaints: { ...d.complaints, filed: d.complaints.filed + 1, open: d.complaints.open + 1, openIds: [...d.complaints.openIds, event.data.complaintId] } };
    case 'ComplaintEscalated':
      return { ...d, complaints: { ...d.complaints, escalated: d.complaints.escalated + (event.data.level === 1 ? 1 : 0) } };
    case 'ComplaintResolved':
      return {
        ...d,
        complaints: {
          ...d.complaints,
          open: d.complaints.open - 1,
          resolved: d.complaints.resolved + 1,
          openIds: d.complaints.openIds.filter((id) => id !== event.data.complaintId),
        },
      };
    case 'DealOpened': {
      const { dealId, amount, currency, stage, title } = event.data;
      return { ...d, deals: { ...d.deals, openCount: d.deals.openCount + 1, open: { ...d.deals.open, [dealId]: { amount, currency, stage, title } } } };
    }
    case 'DealStageChanged':
    case 'DealAmountChanged': {
      const deal = d.deals.open[event.data.dealId];
      if (!deal) return d;
      const changed = event.type === 'DealStageChanged' ? { stage: event.data.to } : { amount: event.data.amount, currency: event.data.currency };
      return { ...d, deals: { ...d.deals, open: { ...d.deals.open, [event.data.dealId]: { ...deal, ...changed } } } };
    }
    case 'DealWon':
    case 'DealLost': {
      if (!d.deals.open[event.data.dealId]) return d;
      const { [event.data.dealId]: _closed, ...open } = d.deals.open;
      return {
        ...d,
        deals: { open, openCount: d.deals.openCount - 1, won: d.deals.won + (event.type === 'DealWon' ? 1 : 0), lost: d.deals.lost + (event.type === 'DealLost' ? 1 : 0) },
      };
    }
    default:
      return d;
  }
}

/** The 360 with every personal field read as erased (the same fields erasure hides in the events). */
export function scrubCustomer(doc: CustomerDoc): CustomerDoc {
  const marked = <T extends object>(o: T, keys: string[]): T => {
    const out = { ...o } as Record<string, unknown>;
    for (const k of keys) if (out[k] !== undefined) out[k] = ERASED;
    return out as T;
  };
  const next = marked(doc, ['name', 'email', 'phone', 'company']);
  if (next.address !== undefined) next.address = { erased: true };
  const open = Object.fromEntries(Object.entries(doc.deals.open).map(([id, d]) => [id, { ...d, title: ERASED }]));
  return {
    ...next,
    tags: [],
    contacts: doc.contacts.map((c) => marked(c, ['name', 'role', 'email', 'phone'])),
    marketingConsent: marked(doc.marketingConsent, ['source']),
    deals: { ...doc.deals, open },
  };
}

export interface LifetimeValueOptions {
  /** horizon of the predicted value, in days */
  horizonDays: number;
  /** the interval assumed for a customer with one purchase occasion, whose own interval is unknown (default 365 days) */
  oneTimeIntervalDays?: number;
}

export interface LifetimeValue {
  customerId: string;
  asOf: string;
  currency: string;
  revenue: number;
  /** null: some order's cost is unknown, so margin is too */
  cost: number | null;
  grossMargin: number | null;
  orders: number;
  /** distinct business days with an order that counts: the purchase occasions frequency is measured in */
  purchaseOccasions: number;
  averageOrderValue: number;
  firstOrderAt: string | null;
  lastOrderAt: string | null;
  tenureDays: number;
  recencyDays: number | null;
  purchaseFrequencyPerYear: number;
  pActive: number;
  horizonDays: number;
  predictedRevenue: number;
  predictedMargin: number | null;
  /** purchase occasions expected over the horizon by the heuristic (unrounded inputs, 2 decimals) */
  predictedPurchases: number;
  /** how the prediction was made: this function is the `heuristic`; the fitted model's answer says `bg_nbd_gamma_gamma` */
  method: 'heuristic';
  byCurrency: Record<string, CurrencyValue>;
}

/**
 * Lifetime value as of a moment, by the heuristic (docs/read-models.md has the formula). Frequency counts purchase
 * occasions (distinct days), and a one-time buyer's activity decays with the time since that purchase:
 *   f = k / max(tenure, 30 days) × 365                   k = purchase occasions
 *   I = (lastOrder − firstOrder) / (k − 1), or oneTimeIntervalDays when k = 1
 *   pActive   = exp(−max(0, recency − I) / I)
 *   predicted = (revenue / k) × f × horizon/365 × pActive   (margin: × margin rate)
 */
export function lifetimeValue(doc: CustomerBody, asOf: string, options: LifetimeValueOptions): LifetimeValue {
  const currency = doc.value.currency;
  // From the running figures, not the order book: queries read the 360 without it (a detached key).
  const v = doc.valueByCurrency[currency] ?? { revenue: 0, cost: 0, margin: 0, orders: 0, firstOrderAt: null, lastOrderAt: null };
  // `?? null`: documents projected before these dates were kept (a MongoDB store not yet rebuilt) have none.
  const firstOrderAt = v.firstOrderAt ?? null;
  const lastOrderAt = v.lastOrderAt ?? null;
  const occasions = Math.min(v.orders, v.purchaseDays ?? v.orders);
  const asOfMs = Date.parse(asOf);
  // Imports can bring orders older than the registration: the relationship began at the earlier of the two.
  const since = firstOrderAt !== null && firstOrderAt < doc.registeredAt ? firstOrderAt : doc.registeredAt;
  const tenureDays = Math.max(0, Math.floor((asOfMs - Date.parse(since)) / DAY_MS));
  const recencyDays = lastOrderAt === null ? null : Math.max(0, Math.floor((asOfMs - Date.parse(lastOrderAt)) / DAY_MS));
  const frequency = occasions === 0 ? 0 : (occasions / Math.max(tenureDays, 30)) * 365;
  const ownInterval = occasions >= 2 && firstOrderAt !== null && lastOrderAt !== null ? (Date.parse(lastOrderAt) - Date.parse(firstOrderAt)) / DAY_MS / (occasions - 1) : 0;
  // One occasion says nothing of the customer's rhythm: assume the configured interval, so the decay still starts.
  const meanInterval = occasions === 0 ? 0 : Math.max(1, occasions >= 2 ? ownInterval : (options.oneTimeIntervalDays ?? 365));
  const pActive = occasions === 0 || recencyDays === null ? 0 : Math.exp(-Math.max(0, recencyDays - meanInterval) / meanInterval);
  const aov = v.orders === 0 ? 0 : Math.round(v.revenue / v.orders);
  const perOccasion = occasions === 0 ? 0 : v.revenue / occasions;
  const predictedRevenue = Math.round(perOccasion * frequency * (options.horizonDays / 365) * pActive);
  const marginRate = v.margin === null ? null : v.revenue === 0 ? 0 : v.margin / v.revenue;
  return {
    customerId: doc.customerId,
    asOf,
    currency,
    revenue: v.revenue,
    cost: v.cost,
    grossMargin: v.margin,
    orders: v.orders,
    purchaseOccasions: occasions,
    averageOrderValue: aov,
    firstOrderAt,
    lastOrderAt,
    tenureDays,
    recencyDays,
    purchaseFrequencyPerYear: Math.round(frequency * 100) / 100,
    pActive: Math.round(pActive * 1000) / 1000,
    horizonDays: options.horizonDays,
    predictedRevenue,
    predictedMargin: marginRate === null ? null : Math.round(predictedRevenue * marginRate),
    predictedPurchases: Math.round(frequency * (options.horizonDays / 365) * pActive * 100) / 100,
    method: 'heuristic',
    byCurrency: Object.fromEntries(Object.entries(doc.valueByCurrency).map(([c, { revenue, cost, margin, orders }]) => [c, { revenue, cost, margin, orders }])),
  };
}

const CUSTOMER_EVENTS = [
  'CustomerRegistered',
  'CustomerProfileChanged',
  'ContactPersonAdded',
  'ContactPersonRemoved',
  'PreferredChannelChanged',
  'MarketingConsentChanged',
  'TouchpointRecorded',
  'OrderPlaced',
  'OrderCancelled',
  'OrderReturned',
  'ComplaintFiled',
  'ComplaintEscalated',
  'ComplaintResolved',
  'CustomerErased',
  'CustomerMerged',
  'CustomerUnmerged',
  'TaskCreated',
  'TaskRescheduled',
  'TaskCompleted',
  'TaskCancelled',
  'InvoiceIssued',
  'PaymentReceived',
  'InvoiceWrittenOff',
  'CompetitorOfferRecorded',
  'DealOpened',
  'DealStageChanged',
  'DealAmountChanged',
  'DealCloseDateChanged',
  'DealWon',
  'DealLost',
];

export const customersProjection: Projection = {
  name: 'customers',
  collections: [
    {
      name: CUSTOMERS,
      cached: true,
      fields: {
        name: { path: 'name', type: 'string' },
        nameKey: { path: 'nameKey', type: 'string' },
        kind: { path: 'kind', type: 'string' },
        owner: { path: 'owner', type: 'string' },
        tier: { path: 'segment.tier', type: 'string' },
        rfm: { path: 'segment.rfm.code', type: 'string' },
        rfmSegment: { path: 'segment.rfm.segment', type: 'string' },
        currency: { path: 'value.currency', type: 'string' },
        revenue: { path: 'value.revenue', type: 'number' },
        margin: { path: 'value.margin', type: 'number' },
        orders: { path: 'value.orders', type: 'number' },
        lastActivityAt: { path: 'lastActivityAt', type: 'string' },
        nextTaskDueAt: { path: 'tasks.nextDueAt', type: 'string' },
        paymentReliability: { path: 'payments.reliability', type: 'number' },
        registeredAt: { path: 'registeredAt', type: 'string' },
        externalId: { path: 'externalId', type: 'string' },
        predictedValue: { path: 'segment.predictedValue', type: 'number' },
        openComplaints: { path: 'complaints.open', type: 'number' },
        openDeals: { path: 'deals.openCount', type: 'number' },
        tags: { path: 'tags', type: 'string[]' },
      },
      indexes: [['revenue'], ['tier', 'revenue'], ['owner', 'revenue'], ['lastActivityAt'], ['name'], ['nameKey'], ['registeredAt'], ['externalId'], ['predictedValue']],
      // Grows with every order; only the projector needs it, so queries never read or parse it.
      detached: ['orderBook'],
    },
    // Merged customers only: each record's own 360 while its group's is the combination (customer-groups.ts).
    { name: CUSTOMER_PARTS, cached: true, fields: {}, indexes: [], detached: ['orderBook'] },
    { name: CUSTOMER_IDENTITY, cached: true, fields: {}, indexes: [] },
  ],
  handles: new Set(CUSTOMER_EVENTS),
  apply(event: ProjectedEvent, docs: DocumentAccess): void {
    applyCustomerEvent(event, docs);
  },
  needs(event: ProjectedEvent): Array<[string, string]> {
    const data = event.data as { customerId: string; survivorId?: string; duplicateId?: string };
    const ids = [data.customerId, data.survivorId, data.duplicateId].filter((id): id is string => typeof id === 'string');
    return ids.flatMap((id) => [CUSTOMERS, CUSTOMER_PARTS, CUSTOMER_IDENTITY].map((c): [string, string] => [c, id]));
  },
};
