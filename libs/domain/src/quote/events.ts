/** A product on a price list: its list price in the list's currency (minor units, before tax). */
export type PriceListItem = {
  sku: string;
  name: string;
  unitPrice: number;
}

/**
 * A version of a price list (stream `price-list-<priceListId>`), valid from a date (and until one, if given): the
 * version valid on a day is the one with the latest `validFrom` not after it, so the price on any past date is known.
 * `tierDiscounts` are percentages off the list price for customers of tier A, B or C (the value segmentation).
 */
export type PriceListPublished = {
  type: 'PriceListPublished';
  data: {
    priceListId: string;
    version: number;
    name: string;
    currency: string;
    validFrom: string;
    validTo?: string;
    items: PriceListItem[];
    tierDiscounts: Partial<Record<'A' | 'B' | 'C', number>>;
    occurredAt: string;
  };
};

export type PriceListEvent = PriceListPublished;

/** One priced line of a quote: list price, the tier discount, the extra discount given, and what it comes to. */
export type QuoteLine = {
  sku: string;
  name: string;
  quantity: number;
  listPrice: number;
  tierDiscountPct: number;
  /** extra discount on top of the tier's, percent */
  discountPct: number;
  /** list price less both discounts, minor units, rounded half up */
  unitPrice: number;
  lineTotal: number;
}

/** What a quote version says: lines from the price list valid on `pricedOn`, totals, tax, and whether its discount needs approval. */
export type QuoteTerms = {
  version: number;
  priceListId: string;
  priceListVersion: number;
  currency: string;
  pricedOn: string;
  customerTier: string;
  lines: QuoteLine[];
  /** Σ list price × quantity */
  listTotal: number;
  /** Σ line totals: the net amount the order and the deal take */
  subtotal: number;
  taxRatePct: number;
  tax: number;
  total: number;
  validUntil: string;
  /** the highest extra discount of its lines, percent */
  maxDiscountPct: number;
  /** over the limit of the role that drafted it: it cannot be sent before an approval is recorded */
  needsApproval: boolean;
}

/** Quote stream `quote-<quoteId>`: a deal's quote, drafted, revised into new versions, approved, sent, accepted or rejected. */
export type QuoteDrafted = { type: 'QuoteDrafted'; data: { quoteId: string; dealId: string; customerId: string; occurredAt: string } & QuoteTerms };
export type QuoteRevised = { type: 'QuoteRevised'; data: { quoteId: string; dealId: string; customerId: string; occurredAt: string } & QuoteTerms };
export type QuoteDiscountApproved = { type: 'QuoteDiscountApproved'; data: { quoteId: string; customerId: string; version: number; approvedBy: string; occurredAt: string } };
export type QuoteSent = { type: 'QuoteSent'; data: { quoteId: string; customerId: string; version: number; occurredAt: string } };
/** Accepting places the order `orderId` on the customer and wins the deal at the quote's subtotal. */
export type QuoteAccepted = { type: 'QuoteAccepted'; data: { quoteId: string; dealId: string; customerId: string; version: number; orderId: string; occurredAt: string } };
export type QuoteRejected = { type: 'QuoteRejected'; data: { quoteId: string; customerId: string; version: number; reason: string; occurredAt: string } };

export type QuoteEvent = QuoteDrafted | QuoteRevised | QuoteDiscountApproved | QuoteSent | QuoteAccepted | QuoteRejected;
