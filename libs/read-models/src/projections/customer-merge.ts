import { openTasks, paymentReliability, valueOfOrders, type CustomerDoc, type OrderFacts, type PaymentFacts } from './customer-360';

/** A survivor's 360 as shown after merges: the combination of its group's parts, with the ids it absorbed. */
export type CombinedCustomerDoc = CustomerDoc & { mergedFrom: string[] };

type Consent = CustomerDoc['marketingConsent'];
type Contact = CustomerDoc['contacts'][number];
type OpenDeal = CustomerDoc['deals']['open'][string];

/** A counter as a number: an older document that lacks one (or holds garbage) adds 0, never NaN. */
const num = (x: unknown): number => (typeof x === 'number' && Number.isFinite(x) ? x : 0);
const sum = <T>(items: T[], pick: (item: T) => unknown) => items.reduce((total, item) => total + num(pick(item)), 0);

/** ISO-8601 times compare as strings; nulls are ignored. */
const earliest = (times: Array<string | null | undefined>): string | null => times.reduce<string | null>((a, t) => (t == null ? a : a === null || t < a ? t : a), null);
const latest = (times: Array<string | null | undefined>): string | null => times.reduce<string | null>((a, t) => (t == null ? a : a === null || t > a ? t : a), null);

/** Per-key sums; built through a Map so a key such as "__proto__" stays an ordinary own key. */
function sumByKey(maps: Array<Record<string, number> | undefined>): Record<string, number> {
  const out = new Map<string, number>();
  for (const map of maps) for (const [key, n] of Object.entries(map ?? {})) out.set(key, (out.get(key) ?? 0) + num(n));
  return Object.fromEntries(out);
}

/** Distinct values, first occurrence first. */
const union = (lists: string[][]): string[] => [...new Set(lists.flat())];

/** Entries by key, the first part's entry winning and keeping its place; each entry copied. */
function unionBy<V extends object>(parts: Array<Array<[string, V]>>): Map<string, V> {
  const out = new Map<string, V>();
  for (const entries of parts) for (const [key, value] of entries) if (!out.has(key)) out.set(key, { ...value });
  return out;
}

/**
 * Every part's orders in one book, the survivor's first. An order id of a later part that is already taken is keyed
 * `<thatCustomerId>/<orderId>` (and, should even that be taken, `<thatCustomerId>/<orderId>#2`, `#3`…): no order is
 * ever dropped or overwritten.
 */
function unionOrderBook(parts: CustomerDoc[]): Record<string, OrderFacts> {
  const book = new Map<string, OrderFacts>();
  for (const part of parts) {
    for (const [orderId, facts] of Object.entries(part.orderBook ?? {})) {
      let key = orderId;
      if (book.has(key)) key = `${part.customerId}/${orderId}`;
      for (let n = 2; book.has(key); n += 1) key = `${part.customerId}/${orderId}#${n}`;
      book.set(key, { ...facts, ...(facts.refunds && { refunds: facts.refunds.map((r) => [...r] as [at: string, refund: number]) }) });
    }
  }
  return Object.fromEntries(book);
}

/**
 * The part whose `time` is the latest; a part without a time counts as older than any with one, and ties go to the
 * part met first (the survivor).
 */
function mostRecent<T>(candidates: T[], time: (c: T) => string | undefined): T | undefined {
  let winner: T | undefined;
  for (const c of candidates) if (winner === undefined || (time(c) ?? '') > (time(winner) ?? '')) winner = c;
  return winner;
}

/** A withdrawal wins (the latest one); else the latest choice; else no choice. */
function combinedConsent(parts: CustomerDoc[]): Consent {
  const consents = parts.map((p) => p.marketingConsent).filter((c): c is Consent => c != null);
  const withdrawal = mostRecent(
    consents.filter((c) => c.granted === false),
    (c) => c.changedAt,
  );
  const chosen = withdrawal ?? mostRecent(consents.filter((c) => c.granted === true), (c) => c.changedAt);
  return chosen ? { ...chosen } : { granted: null };
}

/**
 * Shows a survivor and the duplicates merged into it as one customer, from each one's own 360 (its "part": the fold of
 * that customer's own events). The parts are never changed, so unmerging is only ceasing to combine. `others` are the
 * absorbed customers in merge order (several after chains of merges). Pure: the inputs are not mutated, and the result
 * shares none of the 360's nested objects with them (a caller may change it freely).
 *
 * - identity is the survivor's: _id, customerId, kind, name, email, phone, address, company, owner, externalId and
 *   segment (segmentation re-ranks the group later), and any field no rule below covers;
 * - registeredAt is the earliest of all parts, lastActivityAt the latest; firstContactAt the earliest and lastContactAt
 *   the latest of those that are set (null when no part has one);
 * - tags: their union, the survivor's first in its order, then new ones in the others' order;
 * - contacts: their union by contactId, the survivor's first; on a shared contactId the survivor's entry wins;
 * - touchpoints, complaints, deals and orders: counters summed (byChannel and byType per key); complaints.openIds
 *   concatenated, the survivor's first; deals.open their union (the survivor's entry wins a shared deal id);
 * - orderBook: the union of the books; an order id already taken by an earlier part is keyed
 *   `<thatCustomerId>/<orderId>`. value and valueByCurrency are then recomputed from it exactly as customer-360 does,
 *   so orders of different parts on one day are one purchase day and the primary currency is that of the group's
 *   earliest order that counts;
 * - preferredChannel: the most recent explicit choice by preferredChannelChangedAt, whose time is kept; parts without
 *   a choice are ignored; ties go to the survivor; a choice without a time (a document projected before the field was
 *   kept) is older than any dated choice;
 * - marketingConsent: a withdrawal always wins (the most recent withdrawal, by changedAt, if several); else the most
 *   recent grant; else `{ granted: null }`. Ties go to the survivor;
 * - _position: the highest of all parts';
 * - tasks: the union of the open tasks (task ids are unique), with the soonest due time;
 * - competitorOffers: counts added, each competitor's latest offer across parts;
 * - payments: counts and sums added, open invoices united (an id taken by an earlier part keyed `<n>/<invoiceId>`),
 *   reliability recomputed from the sums;
 * - mergedFrom: the others' customer ids, in the order given.
 *
 * `combineCustomers(x, [])` is x with `mergedFrom: []`. Counters missing from an older document count as 0: no NaN.
 */
export function combineCustomers(survivor: CustomerDoc, others: CustomerDoc[]): CombinedCustomerDoc {
  const parts = [survivor, ...others];
  const orderBook = unionOrderBook(parts);
  const channel = mostRecent(
    parts.filter((p) => p.preferredChannel != null),
    (p) => p.preferredChannelChangedAt,
  );
  const { preferredChannelChangedAt: _survivorsChoice, sinceMerge: _tracking, ...identity } = survivor;
  return {
    ...identity,
    ...(survivor.address !== undefined && { address: { ...survivor.address } }),
    segment: { ...survivor.segment, ...(survivor.segment?.rfm && { rfm: { ...survivor.segment.rfm } }) },
    _position: Math.max(...parts.map((p) => num(p._position))),
    registeredAt: earliest(parts.map((p) => p.registeredAt)) ?? survivor.registeredAt,
    lastActivityAt: latest(parts.map((p) => p.lastActivityAt)) ?? survivor.lastActivityAt,
    firstContactAt: earliest(parts.map((p) => p.firstContactAt)),
    lastContactAt: latest(parts.map((p) => p.lastContactAt)),
    tags: union(parts.map((p) => p.tags ?? [])),
    contacts: [...unionBy<Contact>(parts.map((p) => (p.contacts ?? []).map((c): [string, Contact] => [c.contactId, c]))).values()],
    preferredChannel: channel?.preferredChannel ?? null,
    ...(channel?.preferredChannelChangedAt !== undefined && { preferredChannelChangedAt: channel.preferredChannelChangedAt }),
    marketingConsent: combinedConsent(parts),
    touchpoints: {
      total: sum(parts, (p) => p.touchpoints?.total),
      inbound: sum(parts, (p) => p.touchpoints?.inbound),
      outbound: sum(parts, (p) => p.touchpoints?.outbound),
      byChannel: sumByKey(parts.map((p) => p.touchpoints?.byChannel)),
      byType: sumByKey(parts.map((p) => p.touchpoints?.byType)),
    },
    complaints: {
      filed: sum(parts, (p) => p.complaints?.filed),
      open: sum(parts, (p) => p.complaints?.open),
      resolved: sum(parts, (p) => p.complaints?.resolved),
      escalated: sum(parts, (p) => p.complaints?.escalated),
      openIds: parts.flatMap((p) => p.complaints?.openIds ?? []),
    },
    deals: {
      openCount: sum(parts, (p) => p.deals?.openCount),
      won: sum(parts, (p) => p.deals?.won),
      lost: sum(parts, (p) => p.deals?.lost),
      open: Object.fromEntries(unionBy<OpenDeal>(parts.map((p) => Object.entries(p.deals?.open ?? {})))),
    },
    orders: {
      placed: sum(parts, (p) => p.orders?.placed),
      cancelled: sum(parts, (p) => p.orders?.cancelled),
      withReturns: sum(parts, (p) => p.orders?.withReturns),
    },
    orderBook,
    ...valueOfOrders(orderBook),
    ...(parts.some((p) => p.tasks) && { tasks: openTasks(Object.assign({}, ...parts.map((p) => p.tasks?.due ?? {}))) }),
    ...(parts.some((p) => p.competitorOffers) && { competitorOffers: combineOffers(parts.flatMap((p) => (p.competitorOffers ? [p.competitorOffers] : []))) }),
    ...(parts.some((p) => p.payments) && { payments: combinePayments(parts.flatMap((p) => (p.payments ? [p.payments] : []))) }),
    mergedFrom: others.map((o) => o.customerId),
  };
}

function combinePayments(all: PaymentFacts[]): PaymentFacts {
  const open: PaymentFacts['open'] = {};
  all.forEach((p, n) => {
    for (const [id, invoice] of Object.entries(p.open)) open[Object.prototype.hasOwnProperty.call(open, id) ? `${n}/${id}` : id] = invoice;
  });
  const add = (f: (p: PaymentFacts) => number) => all.reduce((sum, p) => sum + num(f(p)), 0);
  const writtenOffAmount: Record<string, number> = {};
  for (const p of all) for (const [currency, amount] of Object.entries(p.writtenOffAmount ?? {})) writtenOffAmount[currency] = (writtenOffAmount[currency] ?? 0) + amount;
  const sums = { paid: add((p) => p.paid), paidLate: add((p) => p.paidLate), writtenOff: add((p) => p.writtenOff) };
  return { invoices: add((p) => p.invoices), open, ...sums, daysToPaySum: add((p) => p.daysToPaySum), writtenOffAmount, reliability: paymentReliability(sums) };
}

function combineOffers(all: Array<NonNullable<CustomerDoc['competitorOffers']>>): NonNullable<CustomerDoc['competitorOffers']> {
  const latest: NonNullable<CustomerDoc['competitorOffers']>['latest'] = {};
  for (const o of all) {
    for (const [key, offer] of Object.entries(o.latest)) {
      const seen = Object.prototype.hasOwnProperty.call(latest, key) ? latest[key] : undefined;
      if (!seen || offer.at > seen.at) Object.defineProperty(latest, key, { value: offer, enumerable: true, writable: true, configurable: true });
    }
  }
  return { count: all.reduce((sum, o) => sum + num(o.count), 0), latest };
}
