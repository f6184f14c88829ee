import type { DomainEvent } from '@touchpoint/domain';
import { historyEntry, historyProjection, type HistoryEntry, type ProjectedEvent } from '@touchpoint/read-models';

// ---------------------------------------------------------------- helpers

/** Wraps a domain event into the projector's envelope at a given log position. */
function atPosition(globalPosition: number, event: DomainEvent, actor = 'agent:maria'): ProjectedEvent {
  const data = event.data as { customerId: string; dealId?: string };
  return {
    ...event,
    eventId: `evt-${globalPosition}`,
    streamId: data.dealId ? `deal-${data.dealId}` : `customer-${data.customerId}`,
    streamRevision: globalPosition - 1,
    globalPosition,
    recordedAt: `2026-06-01T00:00:${String(globalPosition % 60).padStart(2, '0')}.000Z`,
    metadata: { actor, correlationId: `corr-${globalPosition}`, causationId: `cmd-${globalPosition}` },
  } as ProjectedEvent;
}

const C = 'c-1';
const T = '2026-03-02T10:00:00.000Z';

/** One event of every type, with the category, channel and summary its timeline entry should have. */
const CASES: Array<[DomainEvent, string, string, string]> = [
  [{ type: 'CustomerRegistered', data: { customerId: C, kind: 'company', name: 'Acme', tags: [], occurredAt: T } }, 'customer', '', 'Registered as company'],
  [{ type: 'CustomerProfileChanged', data: { customerId: C, changes: { email: 'a@b.example', owner: null }, occurredAt: T } }, 'customer', '', 'Profile changed: email, owner'],
  [{ type: 'ContactPersonAdded', data: { customerId: C, contactId: 'p1', name: 'Petro', occurredAt: T } }, 'customer', '', 'Contact person added'],
  [{ type: 'ContactPersonRemoved', data: { customerId: C, contactId: 'p1', occurredAt: T } }, 'customer', '', 'Contact person removed'],
  [{ type: 'PreferredChannelChanged', data: { customerId: C, channel: 'sms', occurredAt: T } }, 'customer', 'sms', 'Preferred channel: sms'],
  [{ type: 'MarketingConsentChanged', data: { customerId: C, granted: true, source: 'web', occurredAt: T } }, 'customer', '', 'Marketing consent granted'],
  [{ type: 'MarketingConsentChanged', data: { customerId: C, granted: false, occurredAt: T } }, 'customer', '', 'Marketing consent withdrawn'],
  [
    { type: 'TouchpointRecorded', data: { customerId: C, touchpointId: 't1', touchpointType: 'call', channel: 'phone', direction: 'inbound', agent: 'agent:maria', subject: 'Pricing question', occurredAt: T } },
    'touchpoint',
    'phone',
    'inbound call: Pricing question',
  ],
  [
    { type: 'OrderPlaced', data: { customerId: C, orderId: 'SO-1', currency: 'EUR', lines: [{ sku: 'W', quantity: 3, unitPrice: 2500, unitCost: 1500 }], total: 7500, cost: 4500, channel: 'web', occurredAt: T } },
    'order',
    'web',
    'Order SO-1 placed: 75.00 EUR',
  ],
  [
    { type: 'OrderPlaced', data: { customerId: C, orderId: 'SO-2', currency: 'UAH', lines: [{ sku: 'W', quantity: 1, unitPrice: 5, unitCost: 1 }], total: 5, cost: 1, occurredAt: T } },
    'order',
    '',
    'Order SO-2 placed: 0.05 UAH',
  ],
  [
    { type: 'OrderPlaced', data: { customerId: C, orderId: 'SO-3', currency: 'JPY', lines: [{ sku: 'W', quantity: 1, unitPrice: 1500, unitCost: 900 }], total: 1500, cost: 900, occurredAt: T } },
    'order',
    '',
    'Order SO-3 placed: 1500 JPY', // JPY has no minor unit: 1500 means ¥1,500 (docs/events.md, Money)
  ],
  [
    { type: 'OrderReturned', data: { customerId: C, orderId: 'SO-4', currency: 'BHD', lines: [{ sku: 'W', quantity: 1 }], refund: 12_345, costReversed: 1, occurredAt: T } },
    'order',
    '',
    'Order SO-4: 12.345 BHD returned', // BHD has three decimals
  ],
  [{ type: 'OrderCancelled', data: { customerId: C, orderId: 'SO-1', currency: 'EUR', total: 7500, cost: 4500, reason: 'changed mind', occurredAt: T } }, 'order', '', 'Order SO-1 cancelled'],
  [
    { type: 'OrderReturned', data: { customerId: C, orderId: 'SO-1', currency: 'EUR', lines: [{ sku: 'W', quantity: 1 }], refund: 2500, costReversed: 1500, occurredAt: T } },
    'order',
    '',
    'Order SO-1: 25.00 EUR returned',
  ],
  [
    { type: 'ComplaintFiled', data: { customerId: C, complaintId: 'K-1', category: 'delivery', severity: 'high', channel: 'email', description: 'late', occurredAt: T } },
    'complaint',
    'email',
    'Complaint K-1 (delivery, high)',
  ],
  [{ type: 'ComplaintEscalated', data: { customerId: C, complaintId: 'K-1', level: 2, reason: 'no answer', occurredAt: T } }, 'complaint', '', 'Complaint K-1 escalated to level 2'],
  [{ type: 'ComplaintResolved', data: { customerId: C, complaintId: 'K-1', resolution: 'refund', satisfaction: 4, occurredAt: T } }, 'complaint', '', 'Complaint K-1 resolved (satisfaction 4/5)'],
  [{ type: 'CustomerErased', data: { customerId: C, occurredAt: T } }, 'customer', '', 'Personal data erased'],
  [{ type: 'CustomerMerged', data: { customerId: C, mergeId: 'm1', survivorId: C, duplicateId: 'c-2', reason: 'same person', occurredAt: T } }, 'customer', '', 'Merged with duplicate c-2: same person'],
  [{ type: 'CustomerMerged', data: { customerId: C, mergeId: 'm2', survivorId: 'c-0', duplicateId: C, reason: 'same person', occurredAt: T } }, 'customer', '', 'Merged into c-0: same person'],
  [{ type: 'CustomerUnmerged', data: { customerId: C, mergeId: 'm1', survivorId: C, duplicateId: 'c-2', reason: 'two people', occurredAt: T } }, 'customer', '', 'Merge with c-2 undone: two people'],
  [
    {
      type: 'DealOpened',
      data: { dealId: 'd1', customerId: C, title: 'Fleet renewal', amount: 1_250_000, currency: 'USD', stage: 'qualified', expectedCloseDate: '2026-09-30', owner: 'sales:ivan', occurredAt: T },
    },
    'deal',
    '',
    'Deal "Fleet renewal" opened at qualified: 12500.00 USD',
  ],
  [{ type: 'DealStageChanged', data: { dealId: 'd1', customerId: C, from: 'qualified', to: 'proposal', occurredAt: T } }, 'deal', '', 'Deal moved qualified → proposal'],
  [{ type: 'DealAmountChanged', data: { dealId: 'd1', customerId: C, amount: 99, currency: 'GBP', occurredAt: T } }, 'deal', '', 'Deal amount now 0.99 GBP'],
  [{ type: 'DealCloseDateChanged', data: { dealId: 'd1', customerId: C, expectedCloseDate: '2026-12-31', occurredAt: T } }, 'deal', '', 'Deal expected to close 2026-12-31'],
  [{ type: 'DealForecastCategoryChanged', data: { dealId: 'd1', customerId: C, owner: 'ann', from: 'pipeline', to: 'commit', occurredAt: T } }, 'deal', '', 'Deal forecast category pipeline → commit'],
  [{ type: 'DealWon', data: { dealId: 'd1', customerId: C, stage: 'proposal', amount: 1_300_000, currency: 'USD', occurredAt: T } }, 'deal', '', 'Deal won: 13000.00 USD'],
  [{ type: 'DealLost', data: { dealId: 'd1', customerId: C, stage: 'proposal', amount: 1, currency: 'USD', reason: 'price', competitor: 'Initech', occurredAt: T } }, 'deal', '', 'Deal lost: price'],
  [
    { type: 'TaskCreated', data: { taskId: 't1', customerId: C, kind: 'call', title: 'Call back', assignee: 'ann', priority: 'high', dueAt: T, causedBy: { eventId: 'e1', type: 'TouchpointRecorded' }, occurredAt: T } },
    'task',
    '',
    `Call planned for ann, due ${T} (follow-up of an unanswered contact): Call back`,
  ],
  [{ type: 'QuoteDrafted', data: { quoteId: 'q1', dealId: 'd1', customerId: C, occurredAt: T, version: 1, priceListId: 'pl', priceListVersion: 1, currency: 'EUR', pricedOn: '2026-03-02', customerTier: 'A', lines: [{ sku: 'A', name: 'W', quantity: 1, listPrice: 1000, tierDiscountPct: 0, discountPct: 20, unitPrice: 800, lineTotal: 800 }], listTotal: 1000, subtotal: 800, taxRatePct: 20, tax: 160, total: 960, validUntil: '2026-03-31', maxDiscountPct: 20, needsApproval: true } }, 'quote', '', 'Quote v1 drafted: 1 line, 9.60 EUR incl. tax, discount awaiting approval'],
  [{ type: 'QuoteRevised', data: { quoteId: 'q1', dealId: 'd1', customerId: C, occurredAt: T, version: 2, priceListId: 'pl', priceListVersion: 1, currency: 'EUR', pricedOn: '2026-03-02', customerTier: 'A', lines: [{ sku: 'A', name: 'W', quantity: 1, listPrice: 1000, tierDiscountPct: 0, discountPct: 20, unitPrice: 800, lineTotal: 800 }], listTotal: 1000, subtotal: 800, taxRatePct: 20, tax: 160, total: 960, validUntil: '2026-03-31', maxDiscountPct: 20, needsApproval: false } }, 'quote', '', 'Quote v2 revised: 1 line, 9.60 EUR incl. tax'],
  [{ type: 'QuoteDiscountApproved', data: { quoteId: 'q1', customerId: C, version: 2, approvedBy: 'olga', occurredAt: T } }, 'quote', '', 'Discount of quote v2 approved by olga'],
  [{ type: 'QuoteSent', data: { quoteId: 'q1', customerId: C, version: 2, occurredAt: T } }, 'quote', '', 'Quote v2 sent'],
  [{ type: 'QuoteAccepted', data: { quoteId: 'q1', dealId: 'd1', customerId: C, version: 2, orderId: 'Q-1', occurredAt: T } }, 'quote', '', 'Quote v2 accepted: order Q-1'],
  [{ type: 'QuoteRejected', data: { quoteId: 'q2', customerId: C, version: 1, reason: 'too dear', occurredAt: T } }, 'quote', '', 'Quote v1 rejected: too dear'],
  [
    { type: 'CompetitorOfferRecorded', data: { customerId: C, offerId: 'O-1', competitor: 'Rival Corp', amount: 90000, currency: 'EUR', terms: '2 years fixed', occurredAt: T } },
    'competitor',
    '',
    'Offer from Rival Corp: 900.00 EUR (2 years fixed)',
  ],
  [{ type: 'InvoiceIssued', data: { customerId: C, invoiceId: 'I-1', number: '2026/17', currency: 'EUR', amount: 12000, dueDate: '2026-04-01', occurredAt: T } }, 'payment', '', 'Invoice 2026/17 issued: 120.00 EUR, due 2026-04-01'],
  [{ type: 'PaymentReceived', data: { customerId: C, invoiceId: 'I-1', paymentId: 'P-1', currency: 'EUR', amount: 2000, outstanding: 10000, occurredAt: T } }, 'payment', '', 'Payment of 20.00 EUR on invoice I-1: 100.00 EUR outstanding'],
  [{ type: 'InvoiceWrittenOff', data: { customerId: C, invoiceId: 'I-1', currency: 'EUR', amount: 10000, reason: 'bankrupt', occurredAt: T } }, 'payment', '', 'Invoice I-1 written off: 100.00 EUR: bankrupt'],
  [{ type: 'TaskCreated', data: { taskId: 't2', customerId: C, kind: 'todo', title: 'Send samples', assignee: 'ann', priority: 'low', dueAt: T, occurredAt: T } }, 'task', '', `Task planned for ann, due ${T}: Send samples`],
  [{ type: 'TaskRescheduled', data: { taskId: 't1', customerId: C, dueAt: T, reason: 'asked', occurredAt: T } }, 'task', '', `Task moved to ${T}: asked`],
  [{ type: 'TaskReassigned', data: { taskId: 't1', customerId: C, assignee: 'bob', occurredAt: T } }, 'task', '', 'Task reassigned to bob'],
  [{ type: 'TaskCompleted', data: { taskId: 't1', customerId: C, outcome: 'done well', occurredAt: T } }, 'task', '', 'Task done: done well'],
  [{ type: 'TaskCancelled', data: { taskId: 't2', customerId: C, occurredAt: T } }, 'task', '', 'Task cancelled'],
];

// ---------------------------------------------------------------- tests

describe('historyEntry', () => {
  it.each(CASES.map(([event, category, channel, summary]) => [event.type, summary, event, category, channel] as const))(
    '%s → "%s"',
    (_type, summary, event, category, channel) => {
      const entry = historyEntry(atPosition(7, event));
      expect(entry.category).toBe(category);
      expect(entry.channel).toBe(channel);
      expect(entry.summary).toBe(summary);
    },
  );

  it('handles every event type that has an entry, and no other', () => {
    expect([...historyProjection.handles].sort()).toEqual([...new Set(CASES.map(([e]) => e.type))].sort());
  });

  it('carries identity, times, actor and the envelope position', () => {
    const event: DomainEvent = {
      type: 'TouchpointRecorded',
      data: { customerId: C, touchpointId: 't1', touchpointType: 'email', channel: 'email', direction: 'outbound', agent: 'agent:maria', subject: 'Offer', durationSeconds: 0, occurredAt: T },
    };
    const entry = historyEntry(atPosition(42, event, 'user:olga'));
    expect(entry).toEqual<HistoryEntry>({
      _id: 'evt-42',
      _position: 42,
      customerId: C,
      eventId: 'evt-42',
      type: 'TouchpointRecorded',
      category: 'touchpoint',
      occurredAt: T,
      recordedAt: '2026-06-01T00:00:42.000Z',
      sortKey: `${T}|0000000000000042`,
      actor: 'user:olga',
      channel: 'email',
      summary: 'outbound email: Offer',
      details: { touchpointId: 't1', touchpointType: 'email', channel: 'email', direction: 'outbound', agent: 'agent:maria', subject: 'Offer', durationSeconds: 0 },
    });
  });

  it.each(CASES.map(([event]) => [event.type, event] as const))('%s: details keep the event data except customerId and occurredAt', (_type, event) => {
    const { customerId: _c, occurredAt: _o, ...rest } = event.data as Record<string, unknown>;
    const entry = historyEntry(atPosition(3, event));
    expect(entry.details).toEqual(rest);
    expect(entry.details).not.toHaveProperty('customerId');
    expect(entry.details).not.toHaveProperty('occurredAt');
    expect(entry.customerId).toBe(C);
    expect(entry.occurredAt).toBe(T);
  });

  describe('sortKey', () => {
    const touch = (occurredAt: string): DomainEvent => ({
      type: 'TouchpointRecorded',
      data: { customerId: C, touchpointId: occurredAt, touchpointType: 'call', channel: 'phone', direction: 'inbound', agent: 'a', subject: 's', occurredAt },
    });

    it('orders by business time first, then by log position', () => {
      // log order (position) differs from business order: 9 and 10 happened at the same instant, 11 is an older import
      const entries = [
        historyEntry(atPosition(9, touch('2026-03-02T10:00:00.000Z'))),
        historyEntry(atPosition(10, touch('2026-03-02T10:00:00.000Z'))),
        historyEntry(atPosition(11, touch('2026-01-15T08:30:00.000Z'))),
        historyEntry(atPosition(2, touch('2026-03-02T10:00:00.001Z'))),
        historyEntry(atPosition(123_456, touch('2025-12-31T23:59:59.999Z'))),
      ];
      const sorted = [...entries].sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
      expect(sorted.map((e) => e._position)).toEqual([123_456, 11, 9, 10, 2]);
    });

    it('pads the position so that 9 sorts before 10 as strings', () => {
      const nine = historyEntry(atPosition(9, touch(T))).sortKey;
      const ten = historyEntry(atPosition(10, touch(T))).sortKey;
      expect(nine).toBe(`${T}|0000000000000009`);
      expect(nine < ten).toBe(true);
    });
  });

  it('is pure: the same event always gives the same entry', () => {
    const [event] = CASES[8];
    expect(historyEntry(atPosition(5, event))).toEqual(historyEntry(atPosition(5, event)));
  });
});
