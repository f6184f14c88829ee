import { DomainError, priceQuote, quoteDecider, quoteOrderId, versionOn, type DomainErrorKind, type PriceListVersion, type QuoteCommand, type QuoteEvent } from '@touchpoint/domain';
import { DeciderSpecification } from '@touchpoint/testing/decider-specification';

const Q = '00000000-0000-4000-8000-0000000000q1'.replace('q1', 'a1');
const AT = '2026-03-02T10:00:00.000Z';
const spec = DeciderSpecification.for(quoteDecider);
const domainError =
  (kind: DomainErrorKind, code: string, field?: string) =>
  (error: unknown): void => {
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ kind, code, ...(field !== undefined && { field }) });
  };
const v1: PriceListVersion = { priceListId: 'pl', version: 1, name: 'EUR', currency: 'EUR', validFrom: '2026-01-01', items: [{ sku: 'A', name: 'Widget', unitPrice: 1000 }, { sku: 'B', name: 'Gadget', unitPrice: 333 }], tierDiscounts: { A: 10 } };
const v2: PriceListVersion = { ...v1, version: 2, validFrom: '2026-03-01', validTo: '2026-03-31', items: [{ sku: 'A', name: 'Widget', unitPrice: 1200 }] };
const drafting = (lines: Array<{ sku: string; quantity: number; discountPct?: number }>, limit = 10, tier = 'A') => ({
  quoteId: Q,
  dealId: 'd1',
  customerId: 'c1',
  lines,
  taxRatePct: 20,
  validUntil: '2026-03-31',
  occurredAt: AT,
  priceList: v1,
  pricedOn: '2026-03-02',
  customerTier: tier,
  discountLimitPct: limit,
});
const draft = (lines: Parameters<typeof drafting>[0], limit?: number): QuoteCommand => ({ type: 'DraftQuote', data: drafting(lines, limit) });
const drafted = (lines: Parameters<typeof drafting>[0], version = 1, limit?: number): QuoteEvent => ({ type: version === 1 ? 'QuoteDrafted' : 'QuoteRevised', data: { quoteId: Q, dealId: 'd1', customerId: 'c1', occurredAt: AT, ...priceQuote(drafting(lines, limit), version) } }) as QuoteEvent;
const sent = (version = 1): QuoteEvent => ({ type: 'QuoteSent', data: { quoteId: Q, customerId: 'c1', version, occurredAt: AT } });
const accept = (version = 1, at = AT): QuoteCommand => ({ type: 'AcceptQuote', data: { quoteId: Q, version, occurredAt: AT, today: at.slice(0, 10) } });

describe('price lists', () => {
  it('the version valid on a day is the latest that started by then, unless it ended', () => {
    expect(versionOn([v1, v2], '2026-02-28')?.version).toBe(1);
    expect(versionOn([v1, v2], '2026-03-01')?.version).toBe(2);
    expect(versionOn([v1, v2], '2026-04-01')).toBeUndefined(); // v2 ended, and it superseded v1
    expect(versionOn([v1, v2], '2025-12-31')).toBeUndefined();
  });
});

describe('quote decider', () => {
  it('prices from the list: tier discount, then the extra discount, half up per unit; tax half up on the subtotal', () => {
    const terms = priceQuote(drafting([{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 2, discountPct: 5 }]), 1);
    // A: 1000 × 0.9 = 900; B: 333 × 0.9 × 0.95 = 284.715 → 285; 2700 + 570 = 3270; tax 654
    expect(terms).toMatchObject({ listTotal: 3666, subtotal: 3270, tax: 654, total: 3924, maxDiscountPct: 5, needsApproval: false, customerTier: 'A' });
    expect(terms.lines.map((l) => l.unitPrice)).toEqual([900, 285]);
  });
  it('a discount over the drafting role’s limit needs an approval before sending', () => {
    const over = drafted([{ sku: 'A', quantity: 1, discountPct: 15 }]);
    expect(over.data).toMatchObject({ needsApproval: true });
    spec.given([over]).when({ type: 'SendQuote', data: { quoteId: Q, version: 1, occurredAt: AT } }).thenThrows(domainError('conflict', 'approval_required', 'quoteId'));
    spec.given([over]).when({ type: 'ApproveQuoteDiscount', data: { quoteId: Q, version: 1, approvedBy: 'olga', mayApprove: false, occurredAt: AT } }).thenThrows(domainError('forbidden', 'not_an_approver', 'quoteId'));
    const approved: QuoteEvent = { type: 'QuoteDiscountApproved', data: { quoteId: Q, customerId: 'c1', version: 1, approvedBy: 'olga', occurredAt: AT } };
    spec.given([over]).when({ type: 'ApproveQuoteDiscount', data: { quoteId: Q, version: 1, approvedBy: 'olga', mayApprove: true, occurredAt: AT } }).then([approved]);
    spec.given([over, approved]).when({ type: 'SendQuote', data: { quoteId: Q, version: 1, occurredAt: AT } }).then([sent()]);
  });
  it('refuses a SKU not on the list, a line twice, a zero quantity, a validity ending before today', () => {
    spec.given([]).when(draft([{ sku: 'X', quantity: 1 }])).thenThrows(domainError('not_found', 'sku_not_on_price_list', 'lines[0].sku'));
    spec.given([]).when(draft([{ sku: 'A', quantity: 1 }, { sku: 'A', quantity: 1 }])).thenThrows(domainError('rule_violated', 'duplicate_sku', 'lines[1].sku'));
    spec.given([]).when(draft([{ sku: 'A', quantity: 0 }])).thenThrows(domainError('rule_violated', 'invalid_quantity', 'lines[0].quantity'));
    spec.given([]).when({ type: 'DraftQuote', data: { ...drafting([{ sku: 'A', quantity: 1 }]), validUntil: '2026-03-01' } }).thenThrows(domainError('rule_violated', 'invalid_validity', 'validUntil'));
  });
  it('accepts the current sent version once; a superseded version, an unsent one, an expired one are refused', () => {
    const one = drafted([{ sku: 'A', quantity: 1 }]);
    const two = drafted([{ sku: 'A', quantity: 2 }], 2);
    const accepted: QuoteEvent = { type: 'QuoteAccepted', data: { quoteId: Q, dealId: 'd1', customerId: 'c1', version: 2, orderId: quoteOrderId(Q, 2), occurredAt: AT } };
    spec.given([one, sent(1), two, sent(2)]).when(accept(2)).then([accepted]);
    spec.given([one, sent(1), two, sent(2)]).when(accept(1)).thenThrows(domainError('conflict', 'quote_superseded', 'version'));
    spec.given([one, sent(1), two]).when(accept(2)).thenThrows(domainError('conflict', 'quote_not_sent', 'quoteId'));
    spec.given([one, sent(1)]).when(accept(1, '2026-04-01T09:00:00.000Z')).thenThrows(domainError('conflict', 'quote_expired', 'quoteId'));
    spec.given([one, sent(1), two, sent(2), accepted]).when(accept(2)).then([]);
    spec.given([one, sent(1), two, sent(2), accepted]).when({ type: 'RejectQuote', data: { quoteId: Q, version: 2, reason: 'x', occurredAt: AT } }).thenThrows(domainError('conflict', 'quote_closed', 'quoteId'));
  });
});
