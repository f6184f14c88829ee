import { EVENT_SCHEMA_VERSIONS, UPCASTERS, Upcasters, isDomainEventType, type DomainEvent, type DomainEventType, type Upcaster } from '@touchpoint/domain';

const CUSTOMER_ID = '00000000-0000-4000-8000-000000000001';
const DEAL_ID = '00000000-0000-4000-8000-0000000000d1';
const AT = '2026-01-15T09:00:00.000Z';

/**
 * One sample of every event type, keyed by type. The mapped type makes
 * `npm run typecheck` fail when a type is added to CustomerEvent | DealEvent
 * without a sample here; the tests below then check the catalogue against it.
 */
const SAMPLES: { [T in DomainEventType]: Extract<DomainEvent, { type: T }> } = {
  CustomerRegistered: { type: 'CustomerRegistered', data: { customerId: CUSTOMER_ID, kind: 'person', name: 'Olena Kovalenko', tags: [], occurredAt: AT } },
  CustomerProfileChanged: { type: 'CustomerProfileChanged', data: { customerId: CUSTOMER_ID, changes: { email: null }, occurredAt: AT } },
  ContactPersonAdded: { type: 'ContactPersonAdded', data: { customerId: CUSTOMER_ID, contactId: 'c-1', name: 'Taras Shevchuk', occurredAt: AT } },
  ContactPersonRemoved: { type: 'ContactPersonRemoved', data: { customerId: CUSTOMER_ID, contactId: 'c-1', occurredAt: AT } },
  PreferredChannelChanged: { type: 'PreferredChannelChanged', data: { customerId: CUSTOMER_ID, channel: 'email', occurredAt: AT } },
  MarketingConsentChanged: { type: 'MarketingConsentChanged', data: { customerId: CUSTOMER_ID, granted: true, occurredAt: AT } },
  TouchpointRecorded: {
    type: 'TouchpointRecorded',
    data: { customerId: CUSTOMER_ID, touchpointId: 't-1', touchpointType: 'call', channel: 'phone', direction: 'inbound', agent: 'agent.iryna', subject: 'Hello', occurredAt: AT },
  },
  OrderPlaced: {
    type: 'OrderPlaced',
    data: { customerId: CUSTOMER_ID, orderId: 'ORD-1', currency: 'EUR', lines: [{ sku: 'A', quantity: 1, unitPrice: 100, unitCost: 60 }], total: 100, cost: 60, occurredAt: AT },
  },
  OrderCancelled: { type: 'OrderCancelled', data: { customerId: CUSTOMER_ID, orderId: 'ORD-1', currency: 'EUR', total: 100, cost: 60, occurredAt: AT } },
  OrderReturned: { type: 'OrderReturned', data: { customerId: CUSTOMER_ID, orderId: 'ORD-1', currency: 'EUR', lines: [{ sku: 'A', quantity: 1 }], refund: 100, costReversed: 60, occurredAt: AT } },
  ComplaintFiled: {
    type: 'ComplaintFiled',
    data: { customerId: CUSTOMER_ID, complaintId: 'CASE-1', category: 'delivery', severity: 'low', channel: 'email', description: 'Late', occurredAt: AT },
  },
  ComplaintEscalated: { type: 'ComplaintEscalated', data: { customerId: CUSTOMER_ID, complaintId: 'CASE-1', level: 1, reason: 'No reply', occurredAt: AT } },
  ComplaintResolved: { type: 'ComplaintResolved', data: { customerId: CUSTOMER_ID, complaintId: 'CASE-1', resolution: 'Refunded', satisfaction: 5, occurredAt: AT } },
  CustomerErased: { type: 'CustomerErased', data: { customerId: CUSTOMER_ID, occurredAt: AT } },
  CustomerMerged: { type: 'CustomerMerged', data: { customerId: CUSTOMER_ID, mergeId: DEAL_ID, survivorId: CUSTOMER_ID, duplicateId: DEAL_ID, reason: 'Same person', occurredAt: AT } },
  CustomerUnmerged: { type: 'CustomerUnmerged', data: { customerId: CUSTOMER_ID, mergeId: DEAL_ID, survivorId: CUSTOMER_ID, duplicateId: DEAL_ID, reason: 'Two people', occurredAt: AT } },
  DealOpened: {
    type: 'DealOpened',
    data: { dealId: DEAL_ID, customerId: CUSTOMER_ID, title: 'Rollout', amount: 100, currency: 'EUR', stage: 'lead', expectedCloseDate: '2026-03-31', owner: 'sales.anna', occurredAt: AT },
  },
  DealStageChanged: { type: 'DealStageChanged', data: { dealId: DEAL_ID, customerId: CUSTOMER_ID, from: 'lead', to: 'qualified', occurredAt: AT } },
  DealForecastCategoryChanged: { type: 'DealForecastCategoryChanged', data: { dealId: DEAL_ID, customerId: CUSTOMER_ID, owner: 'sales.anna', from: 'pipeline', to: 'commit', occurredAt: AT } },
  DealAmountChanged: { type: 'DealAmountChanged', data: { dealId: DEAL_ID, customerId: CUSTOMER_ID, amount: 200, currency: 'EUR', occurredAt: AT } },
  DealCloseDateChanged: { type: 'DealCloseDateChanged', data: { dealId: DEAL_ID, customerId: CUSTOMER_ID, expectedCloseDate: '2026-04-30', occurredAt: AT } },
  DealWon: { type: 'DealWon', data: { dealId: DEAL_ID, customerId: CUSTOMER_ID, stage: 'negotiation', amount: 200, currency: 'EUR', occurredAt: AT } },
  DealLost: { type: 'DealLost', data: { dealId: DEAL_ID, customerId: CUSTOMER_ID, stage: 'proposal', amount: 200, currency: 'EUR', reason: 'Budget', occurredAt: AT } },
  ForecastSubmitted: {
    type: 'ForecastSubmitted',
    data: { submissionId: DEAL_ID, scope: 'owner', name: 'sales.anna', period: '2026-03', currency: 'EUR', amounts: { commit: 100, bestCase: 200 }, occurredAt: AT },
  },
  InvoiceIssued: { type: 'InvoiceIssued', data: { customerId: CUSTOMER_ID, invoiceId: 'INV-1', currency: 'EUR', amount: 12000, dueDate: '2026-02-19', occurredAt: AT } },
  PaymentReceived: { type: 'PaymentReceived', data: { customerId: CUSTOMER_ID, invoiceId: 'INV-1', paymentId: 'PAY-1', currency: 'EUR', amount: 5000, outstanding: 7000, method: 'bank_transfer', reference: 'Olena K.', occurredAt: AT } },
  InvoiceWrittenOff: { type: 'InvoiceWrittenOff', data: { customerId: CUSTOMER_ID, invoiceId: 'INV-1', currency: 'EUR', amount: 7000, reason: 'Uncollectable', occurredAt: AT } },
  CompetitorOfferRecorded: { type: 'CompetitorOfferRecorded', data: { customerId: CUSTOMER_ID, offerId: 'OF-1', competitor: 'Rival Corp', dealId: DEAL_ID, amount: 90000, currency: 'EUR', terms: '10 % off for 2 years', occurredAt: AT } },
  SellerPlaced: { type: 'SellerPlaced', data: { owner: 'sales.anna', team: 'kyiv-b2b', region: 'north', occurredAt: AT } },
  TeamManagerAppointed: { type: 'TeamManagerAppointed', data: { team: 'kyiv-b2b', manager: 'sales.olha', occurredAt: AT } },
  QuotaSet: { type: 'QuotaSet', data: { scope: 'owner', name: 'sales.anna', period: '2026-Q1', currency: 'EUR', amount: 10_000_000, occurredAt: AT } },
  BonusPlanPublished: { type: 'BonusPlanPublished', data: { planId: DEAL_ID, name: 'Standard 2026', currency: 'EUR', bands: [{ fromPct: 0, ratePct: 2 }, { fromPct: 100, ratePct: 5 }], occurredAt: AT } },
  PriceListPublished: { type: 'PriceListPublished', data: { priceListId: 'PL-EUR', version: 1, name: 'Main EUR', currency: 'EUR', validFrom: '2026-01-01', items: [{ sku: 'SKU-A', name: 'Widget', unitPrice: 1000 }], tierDiscounts: { A: 5 }, occurredAt: AT } },
  QuoteDrafted: { type: 'QuoteDrafted', data: { quoteId: DEAL_ID, dealId: DEAL_ID, customerId: CUSTOMER_ID, occurredAt: AT, version: 1, priceListId: 'PL-EUR', priceListVersion: 1, currency: 'EUR', pricedOn: '2026-01-20', customerTier: 'A', lines: [{ sku: 'SKU-A', name: 'Widget', quantity: 2, listPrice: 1000, tierDiscountPct: 5, discountPct: 0, unitPrice: 950, lineTotal: 1900 }], listTotal: 2000, subtotal: 1900, taxRatePct: 20, tax: 380, total: 2280, validUntil: '2026-02-20', maxDiscountPct: 0, needsApproval: false } },
  QuoteRevised: { type: 'QuoteRevised', data: { quoteId: DEAL_ID, dealId: DEAL_ID, customerId: CUSTOMER_ID, occurredAt: AT, version: 2, priceListId: 'PL-EUR', priceListVersion: 1, currency: 'EUR', pricedOn: '2026-01-20', customerTier: 'A', lines: [{ sku: 'SKU-A', name: 'Widget', quantity: 2, listPrice: 1000, tierDiscountPct: 5, discountPct: 0, unitPrice: 950, lineTotal: 1900 }], listTotal: 2000, subtotal: 1900, taxRatePct: 20, tax: 380, total: 2280, validUntil: '2026-02-20', maxDiscountPct: 0, needsApproval: false } },
  QuoteDiscountApproved: { type: 'QuoteDiscountApproved', data: { quoteId: DEAL_ID, customerId: CUSTOMER_ID, version: 2, approvedBy: 'admin.olga', occurredAt: AT } },
  QuoteSent: { type: 'QuoteSent', data: { quoteId: DEAL_ID, customerId: CUSTOMER_ID, version: 2, occurredAt: AT } },
  QuoteAccepted: { type: 'QuoteAccepted', data: { quoteId: DEAL_ID, dealId: DEAL_ID, customerId: CUSTOMER_ID, version: 2, orderId: 'Q-1', occurredAt: AT } },
  QuoteRejected: { type: 'QuoteRejected', data: { quoteId: DEAL_ID, customerId: CUSTOMER_ID, version: 2, reason: 'Too expensive', occurredAt: AT } },
  TaskCreated: {
    type: 'TaskCreated',
    data: { taskId: DEAL_ID, customerId: CUSTOMER_ID, kind: 'call', title: 'Call back about the delivery', assignee: 'sales.anna', priority: 'high', dueAt: AT, occurredAt: AT },
  },
  TaskRescheduled: { type: 'TaskRescheduled', data: { taskId: DEAL_ID, customerId: CUSTOMER_ID, dueAt: AT, occurredAt: AT } },
  TaskReassigned: { type: 'TaskReassigned', data: { taskId: DEAL_ID, customerId: CUSTOMER_ID, assignee: 'sales.petro', occurredAt: AT } },
  TaskCompleted: { type: 'TaskCompleted', data: { taskId: DEAL_ID, customerId: CUSTOMER_ID, outcome: 'Called, resolved', occurredAt: AT } },
  TaskCancelled: { type: 'TaskCancelled', data: { taskId: DEAL_ID, customerId: CUSTOMER_ID, reason: 'Customer wrote back', occurredAt: AT } },
};

// Test upcasters for a made-up `ThingHappened` whose current version is 3.
const v1ToV2: Upcaster = { type: 'ThingHappened', fromVersion: 1, upcast: ({ name, ...rest }) => ({ ...rest, fullName: name }) };
const v2ToV3: Upcaster = { type: 'ThingHappened', fromVersion: 2, upcast: (data) => ({ ...data, currency: data.currency ?? 'EUR' }) };
const VERSIONS = { ThingHappened: 3 };

describe('event catalogue', () => {
  describe('EVENT_SCHEMA_VERSIONS', () => {
    const samples: DomainEvent[] = Object.values(SAMPLES);

    it('each sample is filed under its own type', () => {
      for (const [key, event] of Object.entries(SAMPLES)) expect(event.type).toBe(key);
    });

    it('covers every event type of the CustomerEvent | DealEvent unions, and nothing else', () => {
      expect(Object.keys(EVENT_SCHEMA_VERSIONS).sort()).toEqual(samples.map((e) => e.type).sort());
    });

    it.each(Object.entries(EVENT_SCHEMA_VERSIONS))('%s is at a positive integer version (v%p)', (_type, version) => {
      expect(Number.isInteger(version) && version >= 1).toBe(true);
    });
  });

  describe('isDomainEventType', () => {
    it('knows every catalogued type', () => {
      for (const type of Object.keys(SAMPLES)) expect(isDomainEventType(type)).toBe(true);
    });

    it.each(['RegisterCustomer', 'customerregistered', 'toString', 'constructor', '__proto__', ''])('refuses %p', (type) => {
      expect(isDomainEventType(type)).toBe(false);
    });
  });

  describe('Upcasters', () => {
    it('chains steps from v1 to the current v3', () => {
      const upcasters = new Upcasters([v1ToV2, v2ToV3], VERSIONS);
      expect(upcasters.upcast('ThingHappened', 1, { id: 't-1', name: 'Olena' })).toEqual({ version: 3, data: { id: 't-1', fullName: 'Olena', currency: 'EUR' } });
    });

    it('starts the chain at the stored version (v2 runs only the last step)', () => {
      const upcasters = new Upcasters([v1ToV2, v2ToV3], VERSIONS);
      expect(upcasters.upcast('ThingHappened', 2, { id: 't-1', fullName: 'Olena', currency: 'UAH' })).toEqual({
        version: 3,
        data: { id: 't-1', fullName: 'Olena', currency: 'UAH' },
      });
    });

    it('does not depend on the order the steps are registered in', () => {
      const upcasters = new Upcasters([v2ToV3, v1ToV2], VERSIONS);
      expect(upcasters.upcast('ThingHappened', 1, { name: 'Olena' })).toEqual({ version: 3, data: { fullName: 'Olena', currency: 'EUR' } });
    });

    it('throws rather than guess when a step is missing', () => {
      const upcasters = new Upcasters([v1ToV2], VERSIONS);
      expect(() => upcasters.upcast('ThingHappened', 1, { name: 'Olena' })).toThrow('no upcaster for ThingHappened v2 → v3');
      expect(() => new Upcasters([v2ToV3], VERSIONS).upcast('ThingHappened', 1, {})).toThrow('no upcaster for ThingHappened v1 → v2');
    });

    it('leaves data already at the current version untouched', () => {
      const upcast = jest.fn((data: Record<string, unknown>) => data);
      const upcasters = new Upcasters([{ type: 'ThingHappened', fromVersion: 3, upcast }], VERSIONS);
      const data = { id: 't-1', fullName: 'Olena', currency: 'EUR' };
      const result = upcasters.upcast('ThingHappened', 3, data);
      expect(result).toEqual({ version: 3, data: { id: 't-1', fullName: 'Olena', currency: 'EUR' } });
      expect(result.data).toBe(data);
      expect(upcast).not.toHaveBeenCalled();
    });

    it('does not mutate the stored data while upcasting', () => {
      const stored = { id: 't-1', name: 'Olena' };
      new Upcasters([v1ToV2, v2ToV3], VERSIONS).upcast('ThingHappened', 1, stored);
      expect(stored).toEqual({ id: 't-1', name: 'Olena' });
    });

    it('passes types it has no current version for through unchanged', () => {
      const data = { anything: true };
      expect(new Upcasters([v1ToV2, v2ToV3], VERSIONS).upcast('SomethingElse', 1, data)).toEqual({ version: 1, data });
    });

    it('defaults to the shipped catalogue, where every event is current', () => {
      const upcasters = new Upcasters();
      for (const event of Object.values(SAMPLES)) {
        const data = event.data as Record<string, unknown>;
        expect(upcasters.upcast(event.type, EVENT_SCHEMA_VERSIONS[event.type], data)).toEqual({ version: EVENT_SCHEMA_VERSIONS[event.type], data });
      }
    });

    it('UPCASTERS hold a step for every version ever retired, so v1 onwards reaches the current one', () => {
      // Steps replaced by identity: this checks the chain is complete, not what each step does.
      const upcasters = new Upcasters(UPCASTERS.map((u) => ({ ...u, upcast: (data: Record<string, unknown>) => data })));
      for (const [type, current] of Object.entries(EVENT_SCHEMA_VERSIONS)) {
        for (let version = 1; version <= current; version++) expect(upcasters.upcast(type, version, {}).version).toBe(current);
      }
    });
  });
});
