import type { Decider } from '../shared/decider';
import { conflict, forbidden, notFound, ruleViolated } from '../shared/errors';
import { assertCurrency, assertMinorUnits } from '../shared/money';
import type { PriceListEvent, PriceListPublished, QuoteEvent, QuoteLine, QuoteTerms } from './events';

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const checkDate = (value: string, field: string) => {
  if (!DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) throw ruleViolated('invalid_date', `${field} must be a date YYYY-MM-DD`, field);
};
const checkPct = (value: number, field: string) => {
  if (!Number.isFinite(value) || value < 0 || value > 100) throw ruleViolated('invalid_discount', `${field} must be a percentage 0–100`, field);
};

// ─── price lists ────────────────────────────────────────────────────────────

export type PublishPriceList = { type: 'PublishPriceList'; data: Omit<PriceListPublished['data'], 'version'> };
export type PriceListCommand = PublishPriceList;
export type PriceListVersion = Omit<PriceListPublished['data'], 'occurredAt'>;
export interface PriceListState {
  currency?: string;
  versions: PriceListVersion[];
}

export function decidePriceList(command: PriceListCommand, state: PriceListState): PriceListEvent[] {
  const data = command.data;
  assertCurrency(data.currency);
  if (state.currency !== undefined && data.currency !== state.currency) throw ruleViolated('currency_mismatch', `price list ${data.priceListId} is in ${state.currency}`, 'currency');
  checkDate(data.validFrom, 'validFrom');
  if (data.validTo !== undefined) {
    checkDate(data.validTo, 'validTo');
    if (data.validTo < data.validFrom) throw ruleViolated('invalid_validity', 'validTo must not be before validFrom', 'validTo');
  }
  if (data.items.length === 0) throw ruleViolated('empty_price_list', 'a price list needs at least one item', 'items');
  const skus = new Set<string>();
  data.items.forEach((item, i) => {
    if (skus.has(item.sku)) throw ruleViolated('duplicate_sku', `SKU ${item.sku} appears twice`, `items[${i}].sku`);
    skus.add(item.sku);
    assertMinorUnits(item.unitPrice, `items[${i}].unitPrice`);
  });
  for (const [tier, pct] of Object.entries(data.tierDiscounts)) checkPct(pct as number, `tierDiscounts.${tier}`);
  if (state.versions.some((v) => v.validFrom === data.validFrom)) throw conflict('version_exists', `price list ${data.priceListId} already has a version valid from ${data.validFrom}`, 'validFrom');
  return [{ type: 'PriceListPublished', data: { ...data, version: state.versions.length + 1 } }];
}

export const priceListDecider: Decider<PriceListCommand, PriceListState, PriceListEvent> = {
  decide: decidePriceList,
  evolve: (state, event) => {
    const { occurredAt: _o, ...version } = event.data;
    return { currency: event.data.currency, versions: [...state.versions, version] };
  },
  initialState: () => ({ versions: [] }),
};

export const priceListStreamId = (priceListId: string) => `price-list-${priceListId}`;

/** The version valid on `day`: the latest `validFrom` not after it, unless it ended (`validTo`) before the day. */
export function versionOn<V extends PriceListVersion>(versions: V[], day: string): V | undefined {
  const candidate = versions.filter((v) => v.validFrom <= day).sort((a, b) => (a.validFrom < b.validFrom ? 1 : -1))[0];
  return candidate && (candidate.validTo === undefined || candidate.validTo >= day) ? candidate : undefined;
}

// ─── quotes ─────────────────────────────────────────────────────────────────

/** What a seller asks for; the prices come from the list, never from the request. */
export interface RequestedLine {
  sku: string;
  quantity: number;
  discountPct?: number;
}

interface Drafting {
  quoteId: string;
  dealId: string;
  customerId: string;
  lines: RequestedLine[];
  taxRatePct: number;
  validUntil: string;
  occurredAt: string;
  /** the price list version valid on the pricing day, and the customer's tier: read by the caller */
  priceList: PriceListVersion;
  pricedOn: string;
  customerTier: string;
  /** the highest extra discount the drafting role may give without an approval */
  discountLimitPct: number;
}

export type DraftQuote = { type: 'DraftQuote'; data: Drafting };
export type ReviseQuote = { type: 'ReviseQuote'; data: Drafting };
export type ApproveQuoteDiscount = { type: 'ApproveQuoteDiscount'; data: { quoteId: string; version: number; approvedBy: string; mayApprove: boolean; occurredAt: string } };
export type SendQuote = { type: 'SendQuote'; data: { quoteId: string; version: number; occurredAt: string } };
/** `today`: the server's date (UTC), against which `validUntil` is checked: a request cannot backdate an acceptance. */
export type AcceptQuote = { type: 'AcceptQuote'; data: { quoteId: string; version: number; occurredAt: string; today: string } };
export type RejectQuote = { type: 'RejectQuote'; data: { quoteId: string; version: number; reason: string; occurredAt: string } };
export type QuoteCommand = DraftQuote | ReviseQuote | ApproveQuoteDiscount | SendQuote | AcceptQuote | RejectQuote;

export interface QuoteState {
  status: 'none' | 'draft' | 'sent' | 'accepted' | 'rejected';
  dealId?: string;
  customerId?: string;
  version: number;
  needsApproval: boolean;
  approved: boolean;
  validUntil?: string;
  acceptedVersion?: number;
  orderId?: string;
}

/** The order an accepted quote version places: the same id on every retry. */
export const quoteOrderId = (quoteId: string, version: number) => `Q-${quoteId}-v${version}`;

/**
 * Prices requested lines from a price list version: list price, less the tier's discount, less the extra discount,
 * rounded half up to minor units per unit; tax on the subtotal, rounded half up. Pure: the same inputs, the same quote.
 */
export function priceQuote(d: Drafting, version: number): QuoteTerms {
  const items = new Map(d.priceList.items.map((i) => [i.sku, i]));
  if (d.lines.length === 0) throw ruleViolated('empty_quote', 'a quote needs at least one line', 'lines');
  checkPct(d.taxRatePct, 'taxRatePct');
  checkDate(d.validUntil, 'validUntil');
  if (d.validUntil < d.pricedOn) throw ruleViolated('invalid_validity', 'validUntil must not be before the quote is priced', 'validUntil');
  const tierDiscountPct = d.priceList.tierDiscounts[d.customerTier as 'A' | 'B' | 'C'] ?? 0;
  const seen = new Set<string>();
  const lines: QuoteLine[] = d.lines.map((l, i) => {
    const item = items.get(l.sku);
    if (!item) throw notFound('sku_not_on_price_list', `SKU ${l.sku} is not on price list ${d.priceList.priceListId} valid on ${d.pricedOn}`, `lines[${i}].sku`);
    if (seen.has(l.sku)) throw ruleViolated('duplicate_sku', `SKU ${l.sku} appears twice; merge the lines`, `lines[${i}].sku`);
    seen.add(l.sku);
    if (!Number.isSafeInteger(l.quantity) || l.quantity < 1) throw ruleViolated('invalid_quantity', 'quantity must be a positive integer', `lines[${i}].quantity`);
    const discountPct = l.discountPct ?? 0;
    checkPct(discountPct, `lines[${i}].discountPct`);
    const unitPrice = Math.round(item.unitPrice * (1 - tierDiscountPct / 100) * (1 - discountPct / 100));
    const lineTotal = unitPrice * l.quantity;
    if (!Number.isSafeInteger(lineTotal)) throw ruleViolated('amount_overflow', 'the line comes to more than 2^53 − 1', `lines[${i}].quantity`);
    return { sku: l.sku, name: item.name, quantity: l.quantity, listPrice: item.unitPrice, tierDiscountPct, discountPct, unitPrice, lineTotal };
  });
  const listTotal = lines.reduce((s, l) => s + l.listPrice * l.quantity, 0);
  const subtotal = lines.reduce((s, l) => s + l.lineTotal, 0);
  const tax = Math.round((subtotal * d.taxRatePct) / 100);
  const maxDiscountPct = Math.max(...lines.map((l) => l.discountPct));
  return {
    version,
    priceListId: d.priceList.priceListId,
    priceListVersion: d.priceList.version,
    currency: d.priceList.currency,
    pricedOn: d.pricedOn,
    customerTier: d.customerTier,
    lines,
    listTotal,
    subtotal,
    taxRatePct: d.taxRatePct,
    tax,
    total: subtotal + tax,
    validUntil: d.validUntil,
    maxDiscountPct,
    needsApproval: maxDiscountPct > d.discountLimitPct,
  };
}

function requireVersion(state: QuoteState, quoteId: string, version: number): void {
  if (state.status === 'none') throw notFound('quote_not_found', `quote ${quoteId} does not exist`, 'quoteId');
  if (version !== state.version) throw conflict('quote_superseded', `version ${version} of quote ${quoteId} was superseded by version ${state.version}`, 'version');
}

export function decideQuote(command: QuoteCommand, state: QuoteState): QuoteEvent[] {
  switch (command.type) {
    case 'DraftQuote': {
      const d = command.data;
      if (state.status !== 'none') throw conflict('quote_exists', `quote ${d.quoteId} already exists`, 'quoteId');
      return [{ type: 'QuoteDrafted', data: { quoteId: d.quoteId, dealId: d.dealId, customerId: d.customerId, occurredAt: d.occurredAt, ...priceQuote(d, 1) } }];
    }
    case 'ReviseQuote': {
      const d = command.data;
      if (state.status === 'none') throw notFound('quote_not_found', `quote ${d.quoteId} does not exist`, 'quoteId');
      if (state.status === 'accepted' || state.status === 'rejected') throw conflict('quote_closed', `quote ${d.quoteId} is ${state.status}`, 'quoteId');
      return [{ type: 'QuoteRevised', data: { quoteId: d.quoteId, dealId: state.dealId!, customerId: state.customerId!, occurredAt: d.occurredAt, ...priceQuote(d, state.version + 1) } }];
    }
    case 'ApproveQuoteDiscount': {
      const { quoteId, version, approvedBy, mayApprove, occurredAt } = command.data;
      requireVersion(state, quoteId, version);
      if (!mayApprove) throw forbidden('not_an_approver', 'a discount over the limit is approved by an admin', 'quoteId');
      if (!state.needsApproval || state.approved) return [];
      return [{ type: 'QuoteDiscountApproved', data: { quoteId, customerId: state.customerId!, version, approvedBy, occurredAt } }];
    }
    case 'SendQuote': {
      const { quoteId, version, occurredAt } = command.data;
      requireVersion(state, quoteId, version);
      if (state.status === 'accepted' || state.status === 'rejected') throw conflict('quote_closed', `quote ${quoteId} is ${state.status}`, 'quoteId');
      if (state.needsApproval && !state.approved) throw conflict('approval_required', `version ${version} gives a discount over the limit: an admin approves it first`, 'quoteId');
      if (state.status === 'sent') return [];
      return [{ type: 'QuoteSent', data: { quoteId, customerId: state.customerId!, version, occurredAt } }];
    }
    case 'AcceptQuote': {
      const { quoteId, version, occurredAt, today } = command.data;
      // Accepted already (a retry): nothing more to record here; the caller completes the order and the deal.
      if (state.status === 'accepted' && state.acceptedVersion === version) return [];
      requireVersion(state, quoteId, version);
      if (state.status === 'accepted' || state.status === 'rejected') throw conflict('quote_closed', `quote ${quoteId} is ${state.status}`, 'quoteId');
      if (state.status !== 'sent') throw conflict('quote_not_sent', `version ${version} of quote ${quoteId} was not sent to the customer`, 'quoteId');
      if (today > state.validUntil!) throw conflict('quote_expired', `quote ${quoteId} was valid until ${state.validUntil}`, 'quoteId');
      return [{ type: 'QuoteAccepted', data: { quoteId, dealId: state.dealId!, customerId: state.customerId!, version, orderId: quoteOrderId(quoteId, version), occurredAt } }];
    }
    case 'RejectQuote': {
      const { quoteId, version, reason, occurredAt } = command.data;
      requireVersion(state, quoteId, version);
      if (state.status === 'accepted' || state.status === 'rejected') throw conflict('quote_closed', `quote ${quoteId} is ${state.status}`, 'quoteId');
      return [{ type: 'QuoteRejected', data: { quoteId, customerId: state.customerId!, version, reason, occurredAt } }];
    }
  }
}

export function evolveQuote(state: QuoteState, event: QuoteEvent): QuoteState {
  switch (event.type) {
    case 'QuoteDrafted':
    case 'QuoteRevised':
      return { ...state, status: 'draft', dealId: event.data.dealId, customerId: event.data.customerId, version: event.data.version, needsApproval: event.data.needsApproval, approved: false, validUntil: event.data.validUntil };
    case 'QuoteDiscountApproved':
      return { ...state, approved: true };
    case 'QuoteSent':
      return { ...state, status: 'sent' };
    case 'QuoteAccepted':
      return { ...state, status: 'accepted', acceptedVersion: event.data.version, orderId: event.data.orderId };
    case 'QuoteRejected':
      return { ...state, status: 'rejected' };
  }
}

export const quoteDecider: Decider<QuoteCommand, QuoteState, QuoteEvent> = {
  decide: decideQuote,
  evolve: evolveQuote,
  initialState: () => ({ status: 'none', version: 0, needsApproval: false, approved: false }),
};

export const quoteStreamId = (quoteId: string) => `quote-${quoteId}`;
