import type { PriceListVersion, QuoteTerms } from '@touchpoint/domain';
import type { Document } from '../store/port';
import type { DocumentAccess, ProjectedEvent, Projection } from './types';

/** A price list with every version published, so the price on any past date is known. */
export interface PriceListDoc extends Document {
  priceListId: string;
  name: string;
  currency: string;
  versions: Array<PriceListVersion & { publishedAt: string }>;
}

/** A quote as the sales desk reads it: its current version's terms, status, and each version's history. */
export interface QuoteDoc extends Document {
  quoteId: string;
  dealId: string;
  customerId: string;
  status: 'draft' | 'sent' | 'accepted' | 'rejected';
  terms: QuoteTerms;
  approvedBy?: string;
  orderId?: string;
  rejectedReason?: string;
  versions: Array<{ version: number; subtotal: number; total: number; needsApproval: boolean; draftedAt: string; approvedBy?: string; sentAt?: string; acceptedAt?: string; rejectedAt?: string }>;
  createdBy: string;
  updatedAt: string;
}

export const PRICE_LISTS = 'price_lists';
export const QUOTES = 'quotes';

export function evolveQuoteView(doc: QuoteDoc | undefined, event: ProjectedEvent): QuoteDoc | undefined {
  const at = (event.data as { occurredAt: string }).occurredAt;
  if (event.type === 'QuoteDrafted') {
    const { quoteId, dealId, customerId, occurredAt, ...terms } = event.data;
    return { _id: quoteId, _position: event.globalPosition, quoteId, dealId, customerId, status: 'draft', terms, versions: [{ version: terms.version, subtotal: terms.subtotal, total: terms.total, needsApproval: terms.needsApproval, draftedAt: occurredAt }], createdBy: event.metadata.actor, updatedAt: occurredAt };
  }
  if (!doc) return doc;
  const d = { ...doc, _position: event.globalPosition, updatedAt: at };
  const mark = (version: number, change: Partial<QuoteDoc['versions'][number]>) => d.versions.map((v) => (v.version === version ? { ...v, ...change } : v));
  switch (event.type) {
    case 'QuoteRevised': {
      const { quoteId: _q, dealId: _d, customerId: _c, occurredAt, ...terms } = event.data;
      const { approvedBy: _a, ...rest } = d;
      return { ...rest, status: 'draft', terms, versions: [...d.versions, { version: terms.version, subtotal: terms.subtotal, total: terms.total, needsApproval: terms.needsApproval, draftedAt: occurredAt }] };
    }
    case 'QuoteDiscountApproved':
      return { ...d, approvedBy: event.data.approvedBy, versions: mark(event.data.version, { approvedBy: event.data.approvedBy }) };
    case 'QuoteSent':
      return { ...d, status: 'sent', versions: mark(event.data.version, { sentAt: at }) };
    case 'QuoteAccepted':
      return { ...d, status: 'accepted', orderId: event.data.orderId, versions: mark(event.data.version, { acceptedAt: at }) };
    case 'QuoteRejected':
      return { ...d, status: 'rejected', rejectedReason: event.data.reason, versions: mark(event.data.version, { rejectedAt: at }) };
    default:
      return doc;
  }
}

export const quotesProjection: Projection = {
  name: 'quotes',
  collections: [
    {
      name: QUOTES,
      cached: true,
      fields: { dealId: { path: 'dealId', type: 'string' }, customerId: { path: 'customerId', type: 'string' }, status: { path: 'status', type: 'string' }, updatedAt: { path: 'updatedAt', type: 'string' } },
      indexes: [['dealId'], ['customerId'], ['status', 'updatedAt']],
    },
    { name: PRICE_LISTS, cached: true, fields: { currency: { path: 'currency', type: 'string' } }, indexes: [['currency']] },
  ],
  handles: new Set(['PriceListPublished', 'QuoteDrafted', 'QuoteRevised', 'QuoteDiscountApproved', 'QuoteSent', 'QuoteAccepted', 'QuoteRejected']),
  apply(event: ProjectedEvent, docs: DocumentAccess): void {
    if (event.type === 'PriceListPublished') {
      const { occurredAt, ...version } = event.data;
      docs.update<PriceListDoc>(PRICE_LISTS, version.priceListId, (doc) => ({
        _id: version.priceListId,
        _position: event.globalPosition,
        priceListId: version.priceListId,
        name: version.name,
        currency: version.currency,
        versions: [...(doc?.versions ?? []), { ...version, publishedAt: occurredAt }],
      }));
      return;
    }
    docs.update<QuoteDoc>(QUOTES, (event.data as { quoteId: string }).quoteId, (doc) => evolveQuoteView(doc, event));
  },
  needs(event: ProjectedEvent): Array<[string, string]> {
    const data = event.data as { quoteId?: string; priceListId?: string };
    return event.type === 'PriceListPublished' ? [[PRICE_LISTS, String(data.priceListId)]] : data.quoteId ? [[QUOTES, data.quoteId]] : [];
  },
  // The rejection reason is the customer's words.
  erase: [{ collection: QUOTES, field: 'customerId', scrub: (doc) => ((doc as QuoteDoc).rejectedReason === undefined ? doc : { ...doc, rejectedReason: '[erased]' }) }],
};
