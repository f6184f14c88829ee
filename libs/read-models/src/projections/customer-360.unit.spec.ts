import type { Channel, CustomerEvent, DealEvent, DomainEvent, Direction, TouchpointType } from '@touchpoint/domain';
import { evolveCustomer360, lifetimeValue, valueByCurrency, type CustomerDoc, type OrderFacts, type ProjectedEvent } from '@touchpoint/read-models';

// ---------------------------------------------------------------- helpers

/** Wraps domain events into the envelope the projector hands projections, with increasing log positions. */
function logOf(after = 0) {
  let position = after;
  return (event: DomainEvent, actor = 'agent:maria'): ProjectedEvent => {
    position += 1;
    const data = event.data as { customerId: string; dealId?: string };
    return {
      ...event,
      eventId: `evt-${position}`,
      streamId: data.dealId ? `deal-${data.dealId}` : `customer-${data.customerId}`,
      streamRevision: position - 1,
      globalPosition: position,
      recordedAt: new Date(Date.UTC(2026, 5, 1) + position * 1000).toISOString(),
      metadata: { actor, correlationId: `corr-${position}`, causationId: `cmd-${position}` },
    } as ProjectedEvent;
  };
}

/** Folds domain events (wrapped in log order) into a customer 360 document. */
function project(events: DomainEvent[], doc?: CustomerDoc): CustomerDoc | undefined {
  const wrap = logOf();
  return events.map((e) => wrap(e)).reduce<CustomerDoc | undefined>((d, e) => evolveCustomer360(d, e), doc);
}

function projectKnown(events: DomainEvent[]): CustomerDoc {
  const doc = project(events);
  if (!doc) throw new Error('expected a document');
  return doc;
}

const C = 'c-1';
const T0 = '2026-01-10T09:00:00.000Z';

type CustomerRegistered = Extract<CustomerEvent, { type: 'CustomerRegistered' }>;
const registered = (data: Partial<CustomerRegistered['data']> = {}): CustomerRegistered => ({
  type: 'CustomerRegistered',
  data: { customerId: C, kind: 'person', name: 'Ann Smith', tags: [], occurredAt: T0, ...data },
});
const touchpoint = (touchpointId: string, touchpointType: TouchpointType, channel: Channel, direction: Direction, occurredAt: string): CustomerEvent => ({
  type: 'TouchpointRecorded',
  data: { customerId: C, touchpointId, touchpointType, channel, direction, agent: 'agent:maria', subject: `re ${touchpointId}`, occurredAt },
});
const placed = (orderId: string, currency: string, total: number, cost: number, occurredAt: string, customerId = C): CustomerEvent => ({
  type: 'OrderPlaced',
  data: { customerId, orderId, currency, lines: [{ sku: 'SKU', quantity: 1, unitPrice: total, unitCost: cost }], total, cost, occurredAt },
});
const cancelled = (orderId: string, currency: string, total: number, cost: number, occurredAt: string): CustomerEvent => ({
  type: 'OrderCancelled',
  data: { customerId: C, orderId, currency, total, cost, occurredAt },
});
const returned = (orderId: string, currency: string, refund: number, costReversed: number, occurredAt: string): CustomerEvent => ({
  type: 'OrderReturned',
  data: { customerId: C, orderId, currency, lines: [{ sku: 'SKU', quantity: 1 }], refund, costReversed, occurredAt },
});
const filed = (complaintId: string, occurredAt: string): CustomerEvent => ({
  type: 'ComplaintFiled',
  data: { customerId: C, complaintId, category: 'delivery', severity: 'high', channel: 'email', description: 'late', occurredAt },
});
const escalated = (complaintId: string, level: number, occurredAt: string): CustomerEvent => ({
  type: 'ComplaintEscalated',
  data: { customerId: C, complaintId, level, reason: 'no answer', occurredAt },
});
const resolved = (complaintId: string, satisfaction: number, occurredAt: string): CustomerEvent => ({
  type: 'ComplaintResolved',
  data: { customerId: C, complaintId, resolution: 'refunded', satisfaction, occurredAt },
});
const dealOpened = (dealId: string, amount: number, currency: string, occurredAt: string): DealEvent => ({
  type: 'DealOpened',
  data: { dealId, customerId: C, title: `Deal ${dealId}`, amount, currency, stage: 'lead', expectedCloseDate: '2026-09-30', owner: 'sales:ivan', occurredAt },
});

const at = (day: string) => `${day}T00:00:00.000Z`;

// ---------------------------------------------------------------- evolveCustomer360

describe('evolveCustomer360', () => {
  describe('registration', () => {
    it('creates the document with every registered field and empty counters', () => {
      const address = { line1: '1 Main St', city: 'Kyiv', country: 'UA' };
      const doc = projectKnown([
        registered({ kind: 'company', name: 'Acme Ltd', email: 'buyer@acme.example', phone: '+380441234567', address, company: 'Acme', tags: ['b2b', 'vip'], owner: 'sales:ivan' }),
      ]);
      expect(doc).toEqual({
        _id: C,
        _position: 1,
        customerId: C,
        kind: 'company',
        name: 'Acme Ltd',
        nameKey: 'acme ltd',
        email: 'buyer@acme.example',
        phone: '+380441234567',
        address,
        company: 'Acme',
        tags: ['b2b', 'vip'],
        owner: 'sales:ivan',
        preferredChannel: null,
        marketingConsent: { granted: null },
        contacts: [],
        registeredAt: T0,
        externalId: null,
        touchpoints: { total: 0, inbound: 0, outbound: 0, byChannel: {}, byType: {} },
        firstContactAt: null,
        lastContactAt: null,
        lastActivityAt: T0,
        complaints: { filed: 0, open: 0, resolved: 0, escalated: 0, openIds: [] },
        deals: { openCount: 0, won: 0, lost: 0, open: {} },
        orders: { placed: 0, cancelled: 0, withReturns: 0 },
        orderBook: {},
        value: { currency: '', revenue: 0, margin: 0, orders: 0 },
        valueByCurrency: {},
        segment: { tier: '', rfm: null },
      });
    });

    it('leaves optional fields out and keeps owner non-null (empty string) when none was given', () => {
      const doc = projectKnown([registered()]);
      expect(doc.owner).toBe('');
      for (const field of ['email', 'phone', 'address', 'company']) expect(doc).not.toHaveProperty(field);
    });

    it('copies the address and tags rather than sharing the event objects', () => {
      const event = registered({ address: { line1: 'a', city: 'b', country: 'UA' }, tags: ['x'] });
      const doc = projectKnown([event]);
      event.data.address!.city = 'changed';
      event.data.tags.push('y');
      expect(doc.address).toEqual({ line1: 'a', city: 'b', country: 'UA' });
      expect(doc.tags).toEqual(['x']);
    });
  });

  describe('profile changes', () => {
    const base = registered({ email: 'ann@old.example', phone: '+1', company: 'Old Co', address: { line1: 'a', city: 'b', country: 'UA' }, owner: 'sales:ivan', tags: ['a'] });

    it('sets changed fields and replaces tags', () => {
      const doc = projectKnown([
        base,
        { type: 'CustomerProfileChanged', data: { customerId: C, changes: { name: 'Ann Jones', email: 'ann@new.example', tags: ['gold', 'vip'], owner: 'sales:olga' }, occurredAt: at('2026-02-01') } },
      ]);
      expect(doc).toMatchObject({ name: 'Ann Jones', email: 'ann@new.example', tags: ['gold', 'vip'], owner: 'sales:olga', phone: '+1', company: 'Old Co' });
      expect(doc.lastActivityAt).toBe(at('2026-02-01'));
      expect(doc._position).toBe(2);
    });

    it('keeps the name search key in step with the name, and an erased name has none', () => {
      const renamed = projectKnown([
        registered({ name: 'Zoë  Kravéts' }),
        { type: 'CustomerProfileChanged', data: { customerId: C, changes: { name: 'Ann JONES' }, occurredAt: at('2026-02-01') } },
      ]);
      expect(projectKnown([registered({ name: 'Zoë  Kravéts' })]).nameKey).toBe('zoe kravets');
      expect(renamed.nameKey).toBe('ann jones');
      const erased = projectKnown([registered(), { type: 'CustomerErased', data: { customerId: C, occurredAt: at('2026-02-02') } }]);
      expect(erased.nameKey).toBe('');
    });

    it('clears optional fields given as null, and owner becomes an empty string', () => {
      const doc = projectKnown([
        base,
        { type: 'CustomerProfileChanged', data: { customerId: C, changes: { email: null, phone: null, address: null, company: null, owner: null }, occurredAt: at('2026-02-01') } },
      ]);
      for (const field of ['email', 'phone', 'address', 'company']) expect(doc).not.toHaveProperty(field);
      expect(doc.owner).toBe('');
      expect(doc.name).toBe('Ann Smith');
      expect(doc.tags).toEqual(['a']);
    });
  });

  describe('contacts, consent and preferred channel', () => {
    it('adds, replaces and removes contact persons by contactId', () => {
      const add = (contactId: string, name: string, role?: string): CustomerEvent => ({
        type: 'ContactPersonAdded',
        data: { customerId: C, contactId, name, ...(role && { role }), email: `${contactId}@acme.example`, occurredAt: at('2026-02-01') },
      });
      const withTwo = projectKnown([registered({ kind: 'company' }), add('p1', 'Petro', 'buyer'), add('p2', 'Oksana')]);
      expect(withTwo.contacts).toEqual([
        { contactId: 'p1', name: 'Petro', role: 'buyer', email: 'p1@acme.example' },
        { contactId: 'p2', name: 'Oksana', email: 'p2@acme.example' },
      ]);
      const afterRemoval = projectKnown([
        registered({ kind: 'company' }),
        add('p1', 'Petro', 'buyer'),
        add('p2', 'Oksana'),
        { type: 'ContactPersonRemoved', data: { customerId: C, contactId: 'p1', occurredAt: at('2026-02-02') } },
      ]);
      expect(afterRemoval.contacts).toEqual([{ contactId: 'p2', name: 'Oksana', email: 'p2@acme.example' }]);
      const readded = projectKnown([registered({ kind: 'company' }), add('p1', 'Petro'), add('p1', 'Petro Ivanenko', 'cfo')]);
      expect(readded.contacts).toEqual([{ contactId: 'p1', name: 'Petro Ivanenko', role: 'cfo', email: 'p1@acme.example' }]);
    });

    it('records marketing consent with its source and time, and drops the source when withdrawn without one', () => {
      const granted = projectKnown([registered(), { type: 'MarketingConsentChanged', data: { customerId: C, granted: true, source: 'web-form', occurredAt: at('2026-02-01') } }]);
      expect(granted.marketingConsent).toEqual({ granted: true, source: 'web-form', changedAt: at('2026-02-01') });
      const withdrawn = projectKnown([
        registered(),
        { type: 'MarketingConsentChanged', data: { customerId: C, granted: true, source: 'web-form', occurredAt: at('2026-02-01') } },
        { type: 'MarketingConsentChanged', data: { customerId: C, granted: false, occurredAt: at('2026-03-01') } },
      ]);
      expect(withdrawn.marketingConsent).toEqual({ granted: false, changedAt: at('2026-03-01') });
    });

    it('keeps the latest preferred channel', () => {
      const doc = projectKnown([
        registered(),
        { type: 'PreferredChannelChanged', data: { customerId: C, channel: 'email', occurredAt: at('2026-02-01') } },
        { type: 'PreferredChannelChanged', data: { customerId: C, channel: 'sms', occurredAt: at('2026-02-02') } },
      ]);
      expect(doc.preferredChannel).toBe('sms');
    });
  });

  describe('touchpoints', () => {
    it('counts touchpoints per channel, type and direction', () => {
      const doc = projectKnown([
        registered(),
        touchpoint('t1', 'call', 'phone', 'inbound', at('2026-02-01')),
        touchpoint('t2', 'call', 'video', 'outbound', at('2026-02-02')),
        touchpoint('t3', 'email', 'email', 'outbound', at('2026-02-03')),
        touchpoint('t4', 'meeting', 'video', 'outbound', at('2026-02-04')),
        touchpoint('t5', 'chat', 'web', 'inbound', at('2026-02-05')),
      ]);
      expect(doc.touchpoints).toEqual({
        total: 5,
        inbound: 2,
        outbound: 3,
        byChannel: { phone: 1, video: 2, email: 1, web: 1 },
        byType: { call: 2, email: 1, meeting: 1, chat: 1 },
      });
      expect(doc.firstContactAt).toBe(at('2026-02-01'));
      expect(doc.lastContactAt).toBe(at('2026-02-05'));
    });

    it('takes first and last contact by business time when imports arrive out of order', () => {
      const doc = projectKnown([
        registered({ occurredAt: at('2026-01-01') }),
        touchpoint('t-mid', 'call', 'phone', 'inbound', at('2026-03-15')),
        touchpoint('t-old', 'letter', 'mail', 'inbound', at('2025-11-20')), // imported later, happened earlier
        touchpoint('t-new', 'sms', 'sms', 'outbound', at('2026-04-01')),
        touchpoint('t-between', 'email', 'email', 'inbound', at('2026-02-01')),
      ]);
      expect(doc.firstContactAt).toBe(at('2025-11-20'));
      expect(doc.lastContactAt).toBe(at('2026-04-01'));
      expect(doc.lastActivityAt).toBe(at('2026-04-01'));
      expect(doc._position).toBe(5);
    });

    it('never moves lastActivityAt back when an older event arrives later', () => {
      const doc = projectKnown([
        registered({ occurredAt: at('2026-01-01') }),
        touchpoint('t1', 'call', 'phone', 'inbound', at('2026-05-01')),
        placed('o-import', 'EUR', 1000, 500, at('2025-12-01')),
        { type: 'PreferredChannelChanged', data: { customerId: C, channel: 'email', occurredAt: at('2026-02-01') } },
      ]);
      expect(doc.lastActivityAt).toBe(at('2026-05-01'));
    });

    it('moves lastActivityAt forward with any later event, not only touchpoints', () => {
      const doc = projectKnown([registered({ occurredAt: at('2026-01-01') }), touchpoint('t1', 'call', 'phone', 'inbound', at('2026-02-01')), filed('k1', at('2026-03-01'))]);
      expect(doc.lastActivityAt).toBe(at('2026-03-01'));
      expect(doc.lastContactAt).toBe(at('2026-02-01'));
    });
  });

  describe('complaints', () => {
    it('counts filed, open, resolved and escalated (once per complaint), and keeps the open ids', () => {
      const doc = projectKnown([
        registered(),
        filed('k1', at('2026-02-01')),
        filed('k2', at('2026-02-02')),
        filed('k3', at('2026-02-03')),
        escalated('k1', 1, at('2026-02-04')),
        escalated('k1', 2, at('2026-02-05')),
        escalated('k2', 1, at('2026-02-05')),
        resolved('k1', 4, at('2026-02-06')),
      ]);
      expect(doc.complaints).toEqual({ filed: 3, open: 2, resolved: 1, escalated: 2, openIds: ['k2', 'k3'] });
    });

    it('counts an escalation of a complaint that was then resolved', () => {
      const doc = projectKnown([registered(), filed('k1', at('2026-02-01')), escalated('k1', 1, at('2026-02-02')), resolved('k1', 2, at('2026-02-03'))]);
      expect(doc.complaints).toEqual({ filed: 1, open: 0, resolved: 1, escalated: 1, openIds: [] });
    });
  });

  describe('deals', () => {
    const opened = [registered(), dealOpened('d1', 100_000, 'EUR', at('2026-02-01')), dealOpened('d2', 50_000, 'USD', at('2026-02-02'))];

    it('keeps open deals with amount, currency, stage and title', () => {
      const doc = projectKnown(opened);
      expect(doc.deals).toEqual({
        openCount: 2,
        won: 0,
        lost: 0,
        open: {
          d1: { amount: 100_000, currency: 'EUR', stage: 'lead', title: 'Deal d1' },
          d2: { amount: 50_000, currency: 'USD', stage: 'lead', title: 'Deal d2' },
        },
      });
    });

    it('follows stage, amount and currency changes of open deals', () => {
      const doc = projectKnown([
        ...opened,
        { type: 'DealStageChanged', data: { dealId: 'd1', customerId: C, from: 'lead', to: 'proposal', occurredAt: at('2026-02-03') } },
        { type: 'DealAmountChanged', data: { dealId: 'd2', customerId: C, amount: 70_000, currency: 'GBP', occurredAt: at('2026-02-04') } },
      ]);
      expect(doc.deals.open).toEqual({
        d1: { amount: 100_000, currency: 'EUR', stage: 'proposal', title: 'Deal d1' },
        d2: { amount: 70_000, currency: 'GBP', stage: 'lead', title: 'Deal d2' },
      });
      expect(doc.lastActivityAt).toBe(at('2026-02-04'));
    });

    it('moves won and lost deals out of the open ones', () => {
      const doc = projectKnown([
        ...opened,
        { type: 'DealWon', data: { dealId: 'd1', customerId: C, stage: 'lead', amount: 120_000, currency: 'EUR', occurredAt: at('2026-03-01') } },
        { type: 'DealLost', data: { dealId: 'd2', customerId: C, stage: 'lead', amount: 50_000, currency: 'USD', reason: 'price', occurredAt: at('2026-03-02') } },
      ]);
      expect(doc.deals).toEqual({ openCount: 0, won: 1, lost: 1, open: {} });
    });

    it('ignores changes and outcomes of deals it never saw opened', () => {
      const doc = projectKnown([
        ...opened,
        { type: 'DealStageChanged', data: { dealId: 'd9', customerId: C, from: 'lead', to: 'proposal', occurredAt: at('2026-03-01') } },
        { type: 'DealWon', data: { dealId: 'd9', customerId: C, stage: 'lead', amount: 1, currency: 'EUR', occurredAt: at('2026-03-01') } },
        { type: 'DealLost', data: { dealId: 'd9', customerId: C, stage: 'lead', amount: 1, currency: 'EUR', reason: 'x', occurredAt: at('2026-03-01') } },
      ]);
      expect(doc.deals.openCount).toBe(2);
      expect(doc.deals.won).toBe(0);
      expect(doc.deals.lost).toBe(0);
      expect(Object.keys(doc.deals.open)).toEqual(['d1', 'd2']);
    });
  });

  describe('orders and value', () => {
    it('adds a placed order to the order book and to the value in its currency', () => {
      const doc = projectKnown([registered(), placed('o1', 'EUR', 10_000, 6_000, at('2026-02-01'))]);
      expect(doc.orders).toEqual({ placed: 1, cancelled: 0, withReturns: 0 });
      expect(doc.orderBook).toEqual({ o1: { at: at('2026-02-01'), currency: 'EUR', total: 10_000, cost: 6_000, refunded: 0, costReversed: 0, cancelled: false } });
      expect(doc.value).toEqual({ currency: 'EUR', revenue: 10_000, margin: 4_000, orders: 1 });
      expect(doc.valueByCurrency).toEqual({ EUR: { revenue: 10_000, cost: 6_000, margin: 4_000, orders: 1, firstOrderAt: at('2026-02-01'), lastOrderAt: at('2026-02-01'), purchaseDays: 1, firstDayRevenue: 10_000 } });
    });

    it('brings revenue back to 0 when the only order is cancelled', () => {
      const doc = projectKnown([registered(), placed('o1', 'EUR', 10_000, 6_000, at('2026-02-01')), cancelled('o1', 'EUR', 10_000, 6_000, at('2026-02-02'))]);
      expect(doc.orders).toEqual({ placed: 1, cancelled: 1, withReturns: 0 });
      expect(doc.orderBook.o1.cancelled).toBe(true);
      expect(doc.value).toEqual({ currency: 'EUR', revenue: 0, margin: 0, orders: 0 });
      expect(doc.valueByCurrency).toEqual({});
    });

    it('nets out a partial return, then a full return', () => {
      const events = [registered(), placed('o1', 'EUR', 30_000, 18_000, at('2026-02-01')), returned('o1', 'EUR', 10_000, 6_000, at('2026-02-05'))];
      const partial = projectKnown(events);
      expect(partial.value).toEqual({ currency: 'EUR', revenue: 20_000, margin: 8_000, orders: 1 });
      expect(partial.valueByCurrency.EUR).toEqual({ revenue: 20_000, cost: 12_000, margin: 8_000, orders: 1, firstOrderAt: at('2026-02-01'), lastOrderAt: at('2026-02-01'), purchaseDays: 1, firstDayRevenue: 20_000 });
      expect(partial.orders).toEqual({ placed: 1, cancelled: 0, withReturns: 1 });

      const full = projectKnown([...events, returned('o1', 'EUR', 20_000, 12_000, at('2026-02-10'))]);
      expect(full.value).toEqual({ currency: 'EUR', revenue: 0, margin: 0, orders: 0 });
      // A fully returned order no longer counts: no order dates either.
      expect(full.valueByCurrency.EUR).toEqual({ revenue: 0, cost: 0, margin: 0, orders: 0, firstOrderAt: null, lastOrderAt: null, purchaseDays: 0 });
      expect(full.orders).toEqual({ placed: 1, cancelled: 0, withReturns: 1 });
      expect(full.orderBook.o1).toMatchObject({ refunded: 30_000, costReversed: 18_000 });
    });

    it('ignores cancellations and returns of orders it does not know', () => {
      const doc = projectKnown([registered(), placed('o1', 'EUR', 10_000, 6_000, at('2026-02-01')), cancelled('o9', 'EUR', 5, 5, at('2026-02-02')), returned('o9', 'EUR', 5, 5, at('2026-02-02'))]);
      expect(doc.orders).toEqual({ placed: 1, cancelled: 0, withReturns: 0 });
      expect(doc.value.revenue).toBe(10_000);
    });

    it('keeps currencies apart; the primary currency is that of the earliest order by business time', () => {
      const doc = projectKnown([
        registered({ occurredAt: at('2025-01-01') }),
        placed('o-eur-1', 'EUR', 10_000, 4_000, at('2026-03-01')),
        placed('o-eur-2', 'EUR', 5_000, 2_000, at('2026-04-01')),
        placed('o-usd-import', 'USD', 7_000, 5_000, at('2025-06-01')), // arrives last, happened first
      ]);
      expect(doc.valueByCurrency).toEqual({
        EUR: { revenue: 15_000, cost: 6_000, margin: 9_000, orders: 2, firstOrderAt: at('2026-03-01'), lastOrderAt: at('2026-04-01'), purchaseDays: 2, firstDayRevenue: 10_000 },
        USD: { revenue: 7_000, cost: 5_000, margin: 2_000, orders: 1, firstOrderAt: at('2025-06-01'), lastOrderAt: at('2025-06-01'), purchaseDays: 1, firstDayRevenue: 7_000 },
      });
      expect(doc.value).toEqual({ currency: 'USD', revenue: 7_000, margin: 2_000, orders: 1 });
    });
  });

  it('ignores events of a customer it never saw registered', () => {
    const events: DomainEvent[] = [
      touchpoint('t1', 'call', 'phone', 'inbound', at('2026-02-01')),
      placed('o1', 'EUR', 10_000, 6_000, at('2026-02-01')),
      filed('k1', at('2026-02-01')),
      dealOpened('d1', 1_000, 'EUR', at('2026-02-01')),
    ];
    expect(project(events)).toBeUndefined();
  });

  it('does not change the document it was given', () => {
    const before = projectKnown([registered(), placed('o1', 'EUR', 10_000, 6_000, at('2026-02-01')), filed('k1', at('2026-02-02'))]);
    const copy = structuredClone(before);
    const wrap = logOf(before._position);
    for (const e of [placed('o2', 'EUR', 1, 1, at('2026-03-01')), resolved('k1', 5, at('2026-03-02')), touchpoint('t', 'call', 'phone', 'inbound', at('2026-03-03'))]) {
      evolveCustomer360(before, wrap(e));
    }
    expect(before).toEqual(copy);
  });
});

// ---------------------------------------------------------------- valueByCurrency

describe('valueByCurrency', () => {
  const order = (o: Partial<OrderFacts>): OrderFacts => ({ at: at('2026-01-01'), currency: 'EUR', total: 0, cost: 0, refunded: 0, costReversed: 0, cancelled: false, ...o });

  it('sums net revenue, cost and margin per currency, skipping cancelled orders and not counting fully returned ones', () => {
    expect(
      valueByCurrency({
        a: order({ total: 10_000, cost: 7_000 }),
        b: order({ total: 4_000, cost: 1_000, refunded: 1_000, costReversed: 250 }),
        c: order({ total: 2_000, cost: 1_000, refunded: 2_000, costReversed: 1_000 }),
        d: order({ total: 99_999, cost: 1, cancelled: true }),
        e: order({ currency: 'UAH', total: 50_000, cost: 20_000 }),
      }),
    ).toEqual({
      EUR: { revenue: 13_000, cost: 7_750, margin: 5_250, orders: 2, firstOrderAt: at('2026-01-01'), lastOrderAt: at('2026-01-01'), purchaseDays: 1, firstDayRevenue: 13_000 },
      UAH: { revenue: 50_000, cost: 20_000, margin: 30_000, orders: 1, firstOrderAt: at('2026-01-01'), lastOrderAt: at('2026-01-01'), purchaseDays: 1, firstDayRevenue: 50_000 },
    });
  });

  it('is empty for an empty order book', () => {
    expect(valueByCurrency({})).toEqual({});
  });

  it('counts a $0 order as a purchase (orders, days, dates) but not a fully returned one; several orders on a day are one purchase day', () => {
    expect(
      valueByCurrency({
        a: order({ total: 5_000, cost: 1_000, at: at('2026-01-01') }),
        b: order({ total: 0, cost: 0, at: at('2026-02-01') }),
        c: order({ total: 3_000, cost: 1_000, at: at('2026-03-01'), refunded: 3_000, costReversed: 1_000, returned: true }),
        d: order({ total: 1_000, cost: 500, at: '2026-01-01T18:00:00.000Z' }),
        e: order({ total: 0, cost: 0, at: at('2026-04-01'), returned: true }),
      }),
    ).toEqual({ EUR: { revenue: 6_000, cost: 1_500, margin: 4_500, orders: 3, firstOrderAt: at('2026-01-01'), lastOrderAt: at('2026-02-01'), purchaseDays: 2, firstDayRevenue: 6_000 } });
  });
});

// ---------------------------------------------------------------- lifetimeValue

describe('lifetimeValue', () => {
  const AS_OF = '2026-06-30T00:00:00.000Z';
  const REGISTERED = at('2025-07-05'); // 360 days before AS_OF
  const year = { horizonDays: 365 };

  /**
   * Three EUR orders (10 000/6 000, 20 000/12 000, 30 000/15 000): revenue 60 000, cost 33 000,
   * margin 27 000 (45 %), AOV 20 000. Tenure 360 days → frequency 3/360×365 = 3.0417/year,
   * mean interval 365/3.0417 = 120 days.
   */
  const threeOrders = (days: [string, string, string]) =>
    projectKnown([
      registered({ occurredAt: REGISTERED }),
      placed('o1', 'EUR', 10_000, 6_000, at(days[0])),
      placed('o2', 'EUR', 20_000, 12_000, at(days[1])),
      placed('o3', 'EUR', 30_000, 15_000, at(days[2])),
    ]);

  it('for an active customer (recency 90 ≤ mean interval 120): pActive 1 and the full expected value', () => {
    const doc = threeOrders(['2025-08-01', '2025-12-01', '2026-04-01']);
    expect(lifetimeValue(doc, AS_OF, year)).toEqual({
      customerId: C,
      asOf: AS_OF,
      currency: 'EUR',
      revenue: 60_000,
      cost: 33_000,
      grossMargin: 27_000,
      orders: 3,
      purchaseOccasions: 3,
      averageOrderValue: 20_000,
      firstOrderAt: at('2025-08-01'),
      lastOrderAt: at('2026-04-01'),
      tenureDays: 360,
      recencyDays: 90,
      purchaseFrequencyPerYear: 3.04,
      pActive: 1,
      horizonDays: 365,
      // 20 000 × 3.041667 × 365/365 × 1 = 60 833.3
      predictedRevenue: 60_833,
      // 60 833 × 0.45 = 27 374.85
      predictedMargin: 27_375,
      // 3.041667 × 1 × 1
      predictedPurchases: 3.04,
      method: 'heuristic',
      byCurrency: { EUR: { revenue: 60_000, cost: 33_000, margin: 27_000, orders: 3 } },
    });
  });

  it('decays pActive once recency exceeds the customer’s own interval between purchases: exp(−(240 − 57.5)/57.5)', () => {
    // 2025-07-10 → 2025-11-02 is 115 days over 2 intervals: I = 57.5 days; recency 240 days.
    const doc = threeOrders(['2025-07-10', '2025-09-01', '2025-11-02']);
    const ltv = lifetimeValue(doc, AS_OF, year);
    expect(ltv).toMatchObject({ recencyDays: 240, tenureDays: 360, purchaseFrequencyPerYear: 3.04, pActive: 0.042 });
    // exp(−182.5/57.5) = 0.0418396; 60 833.3 × 0.0418396 = 2 545.2; margin 2 545 × 0.45 = 1 145.25
    expect(ltv.predictedRevenue).toBe(2_545);
    expect(ltv.predictedMargin).toBe(1_145);
    // the horizon scales the prediction linearly: 2 × 2 545.24 = 5 090.5
    expect(lifetimeValue(doc, AS_OF, { horizonDays: 730 }).predictedRevenue).toBe(5_090);
  });

  it('lets a one-time buyer’s activity decay with the time since the purchase (assumed interval 365 days)', () => {
    const once = (day: string) => projectKnown([registered({ occurredAt: REGISTERED }), placed('o1', 'EUR', 10_000, 6_000, at(day))]);
    // bought 90 days ago: still within the assumed year, pActive 1
    expect(lifetimeValue(once('2026-04-01'), AS_OF, year)).toMatchObject({ purchaseOccasions: 1, recencyDays: 90, pActive: 1 });
    // bought 28 years before: exp(−(10 227 − 365)/365) ≈ 2e−12, so nothing is predicted
    const old = projectKnown([registered({ occurredAt: at('1997-01-01') }), placed('o1', 'EUR', 10_000, 6_000, at('1998-06-01'))]);
    const ltv = lifetimeValue(old, AS_OF, year);
    expect(ltv.pActive).toBe(0);
    expect(ltv.predictedRevenue).toBe(0);
    // a configured interval changes the assumption: 730 days → exp(−(400 − 730)...) = 1 at 400 days
    expect(lifetimeValue(once('2025-05-26'), AS_OF, { horizonDays: 365, oneTimeIntervalDays: 730 }).pActive).toBe(1);
    expect(lifetimeValue(once('2025-05-26'), AS_OF, year).pActive).toBe(Math.round(Math.exp(-(400 - 365) / 365) * 1000) / 1000);
  });

  it('counts several orders on one business day as one purchase occasion', () => {
    const doc = projectKnown([
      registered({ occurredAt: REGISTERED }),
      placed('o1', 'EUR', 10_000, 6_000, at('2026-04-01')),
      placed('o2', 'EUR', 5_000, 3_000, '2026-04-01T15:00:00.000Z'),
      placed('o3', 'EUR', 15_000, 9_000, at('2026-05-01')),
    ]);
    const ltv = lifetimeValue(doc, AS_OF, year);
    // 2 occasions over 360 days: f = 2/360 × 365 = 2.028; I = 30 days; recency 60 days → pActive exp(−30/30) = e^−1
    expect(ltv).toMatchObject({ orders: 3, purchaseOccasions: 2, purchaseFrequencyPerYear: 2.03, recencyDays: 60, pActive: 0.368 });
    // revenue per occasion 15 000 × 2.0278 × e^−1 = 11 189.9
    expect(ltv.predictedRevenue).toBe(Math.round(15_000 * ((2 / 360) * 365) * Math.exp(-1)));
  });

  it('measures tenure and recency in whole days up to asOf', () => {
    const doc = threeOrders(['2025-08-01', '2025-12-01', '2026-04-01']);
    const later = lifetimeValue(doc, '2026-07-01T23:59:59.000Z', year);
    expect(later.tenureDays).toBe(361);
    expect(later.recencyDays).toBe(91);
  });

  it('uses at least 30 days of tenure for the frequency of a new customer', () => {
    const doc = projectKnown([registered({ occurredAt: at('2026-06-20') }), placed('o1', 'EUR', 10_000, 4_000, at('2026-06-25'))]);
    const ltv = lifetimeValue(doc, AS_OF, year);
    // 1/30 × 365 = 12.1667 per year, mean interval 30 days, recency 5 → pActive 1
    expect(ltv).toMatchObject({ tenureDays: 10, recencyDays: 5, purchaseFrequencyPerYear: 12.17, pActive: 1, averageOrderValue: 10_000 });
    expect(ltv.predictedRevenue).toBe(121_667); // 10 000 × 12.1667
    expect(ltv.predictedMargin).toBe(73_000); // 121 667 × 0.6 = 73 000.2
  });

  it('counts only live orders in the primary currency', () => {
    const doc = projectKnown([
      registered({ occurredAt: REGISTERED }),
      placed('o1', 'EUR', 10_000, 6_000, at('2025-08-01')),
      placed('o2', 'EUR', 20_000, 12_000, at('2025-12-01')),
      placed('o3', 'EUR', 30_000, 15_000, at('2026-04-01')),
      placed('o-cancelled', 'EUR', 90_000, 1_000, at('2026-06-01')),
      cancelled('o-cancelled', 'EUR', 90_000, 1_000, at('2026-06-02')),
      placed('o-returned', 'EUR', 8_000, 4_000, at('2026-06-10')),
      returned('o-returned', 'EUR', 8_000, 4_000, at('2026-06-11')),
      placed('o-usd', 'USD', 77_000, 7_000, at('2026-06-20')),
    ]);
    const ltv = lifetimeValue(doc, AS_OF, year);
    expect(ltv).toMatchObject({ currency: 'EUR', revenue: 60_000, cost: 33_000, grossMargin: 27_000, orders: 3, averageOrderValue: 20_000 });
    expect(ltv.lastOrderAt).toBe(at('2026-04-01'));
    expect(ltv.recencyDays).toBe(90);
    expect(ltv.predictedRevenue).toBe(60_833);
    expect(ltv.byCurrency).toEqual({
      EUR: { revenue: 60_000, cost: 33_000, margin: 27_000, orders: 3 },
      USD: { revenue: 77_000, cost: 7_000, margin: 70_000, orders: 1 },
    });
  });

  it('is zeros and nulls for a customer without orders', () => {
    const doc = projectKnown([registered({ occurredAt: REGISTERED })]);
    expect(lifetimeValue(doc, AS_OF, year)).toEqual({
      customerId: C,
      asOf: AS_OF,
      currency: '',
      revenue: 0,
      cost: 0,
      grossMargin: 0,
      orders: 0,
      purchaseOccasions: 0,
      averageOrderValue: 0,
      firstOrderAt: null,
      lastOrderAt: null,
      tenureDays: 360,
      recencyDays: null,
      purchaseFrequencyPerYear: 0,
      pActive: 0,
      horizonDays: 365,
      predictedRevenue: 0,
      predictedMargin: 0,
      predictedPurchases: 0,
      method: 'heuristic',
      byCurrency: {},
    });
  });

  it('is zeros with a null recency when every order was cancelled', () => {
    const doc = projectKnown([registered({ occurredAt: REGISTERED }), placed('o1', 'EUR', 10_000, 6_000, at('2026-01-01')), cancelled('o1', 'EUR', 10_000, 6_000, at('2026-01-02'))]);
    expect(lifetimeValue(doc, AS_OF, year)).toMatchObject({ revenue: 0, orders: 0, averageOrderValue: 0, lastOrderAt: null, recencyDays: null, pActive: 0, predictedRevenue: 0, predictedMargin: 0 });
  });
});

describe('customer 360: touchpoints given back by undoing a merge', () => {
  const M1 = 'merge-1';
  const M2 = 'merge-2';
  const merged = (mergeId: string, duplicateId: string, occurredAt: string): CustomerEvent => ({
    type: 'CustomerMerged',
    data: { customerId: C, mergeId, survivorId: C, duplicateId, reason: 'same person', occurredAt },
  });
  const unmerged = (mergeId: string, duplicateId: string, occurredAt: string, reassignedEventIds?: string[]): CustomerEvent => ({
    type: 'CustomerUnmerged',
    data: { customerId: C, mergeId, survivorId: C, duplicateId, reason: 'two people', occurredAt, ...(reassignedEventIds && { reassignedEventIds }) },
  });
  /** Folds with event ids named by the test (the given-back ones are named by id). */
  const fold = (events: Array<[id: string, event: DomainEvent]>) => {
    const wrap = logOf();
    return events.reduce<CustomerDoc | undefined>((d, [id, e]) => evolveCustomer360(d, { ...wrap(e), eventId: id }), undefined)!;
  };
  /** The document as a reader compares it: without the log position. */
  const figures = ({ _position: _p, ...doc }: CustomerDoc) => doc;

  it('equals the record that never had them: counters, per-channel and per-type keys, contact and activity dates', () => {
    const early = touchpoint('t0', 'call', 'phone', 'inbound', '2026-01-12T09:00:00.000Z');
    const kept = touchpoint('t1', 'meeting', 'in_person', 'outbound', '2026-02-01T09:00:00.000Z');
    const order = placed('o1', 'EUR', 5000, 3000, '2026-02-05T09:00:00.000Z');
    const givenBackEmail = touchpoint('t2', 'email', 'email', 'inbound', '2026-03-01T09:00:00.000Z');
    const givenBackCall = touchpoint('t3', 'call', 'phone', 'outbound', '2026-03-02T09:00:00.000Z');
    const withMerge = fold([
      ['e0', registered()],
      ['e1', early],
      ['e2', merged(M1, 'dup-1', '2026-01-20T09:00:00.000Z')],
      ['e3', kept],
      ['e4', givenBackEmail],
      ['e5', order],
      ['e6', givenBackCall],
      ['e7', unmerged(M1, 'dup-1', '2026-03-10T09:00:00.000Z', ['e4', 'e6'])],
    ]);
    const never = fold([
      ['e0', registered()],
      ['e1', early],
      ['e3', kept],
      ['e5', order],
    ]);
    expect(figures(withMerge)).toEqual(figures(never));
    expect(withMerge.touchpoints).toEqual({ total: 2, inbound: 1, outbound: 1, byChannel: { phone: 1, in_person: 1 }, byType: { call: 1, meeting: 1 } });
    expect(withMerge.lastContactAt).toBe('2026-02-01T09:00:00.000Z');
    expect(withMerge.lastActivityAt).toBe('2026-02-05T09:00:00.000Z');
    expect(withMerge.sinceMerge).toBeUndefined();
  });

  it('keeps tracking while another merge is in effect, and gives back only what is named', () => {
    const a = touchpoint('t1', 'call', 'phone', 'inbound', '2026-02-01T09:00:00.000Z');
    const b = touchpoint('t2', 'call', 'phone', 'inbound', '2026-02-02T09:00:00.000Z');
    const doc = fold([
      ['e0', registered()],
      ['e1', merged(M1, 'dup-1', '2026-01-20T09:00:00.000Z')],
      ['e2', a],
      ['e3', merged(M2, 'dup-2', '2026-01-21T09:00:00.000Z')],
      ['e4', b],
      ['e5', unmerged(M2, 'dup-2', '2026-03-01T09:00:00.000Z', ['e4'])],
    ]);
    expect(doc.touchpoints.total).toBe(1);
    expect(doc.lastContactAt).toBe('2026-02-01T09:00:00.000Z');
    expect(doc.sinceMerge).toMatchObject({ merges: [M1], touchpoints: { e2: ['2026-02-01T09:00:00.000Z', 'phone', 'inbound', 'call'] } });
    const alone = evolveCustomer360(doc, { ...logOf(10)(unmerged(M1, 'dup-1', '2026-03-02T09:00:00.000Z')), eventId: 'e6' })!;
    expect(alone.sinceMerge).toBeUndefined();
    expect(alone.touchpoints.total).toBe(1);
  });

  it('reads an undo that names nothing (a v1 event) as giving back nothing', () => {
    const doc = fold([
      ['e0', registered()],
      ['e1', merged(M1, 'dup-1', '2026-01-20T09:00:00.000Z')],
      ['e2', touchpoint('t1', 'call', 'phone', 'inbound', '2026-02-01T09:00:00.000Z')],
      ['e3', unmerged(M1, 'dup-1', '2026-03-01T09:00:00.000Z')],
    ]);
    expect(doc.touchpoints.total).toBe(1);
    expect(doc.sinceMerge).toBeUndefined();
  });
});

describe('customer 360: open tasks', () => {
  const task = (type: string, taskId: string, dueAt?: string): DomainEvent => ({ type, data: { taskId, customerId: C, ...(dueAt && { dueAt }), kind: 'call', title: 't', assignee: 'ann', priority: 'normal', occurredAt: T0 } }) as unknown as DomainEvent;

  it('counts the open tasks and keeps the soonest due time; planning is not customer activity', () => {
    const doc = projectKnown([
      registered(),
      task('TaskCreated', 'a', '2026-03-05T09:00:00.000Z'),
      task('TaskCreated', 'b', '2026-03-03T09:00:00.000Z'),
      task('TaskRescheduled', 'b', '2026-03-07T09:00:00.000Z'),
      task('TaskCreated', 'c', '2026-03-01T09:00:00.000Z'),
      task('TaskCompleted', 'c'),
    ]);
    expect(doc.tasks).toEqual({ open: 2, nextDueAt: '2026-03-05T09:00:00.000Z', due: { a: '2026-03-05T09:00:00.000Z', b: '2026-03-07T09:00:00.000Z' } });
    expect(doc.lastActivityAt).toBe(T0);
  });

  it('drops the soonest due time when no task is open', () => {
    const doc = projectKnown([registered(), task('TaskCreated', 'a', '2026-03-05T09:00:00.000Z'), task('TaskCancelled', 'a')]);
    expect(doc.tasks).toEqual({ open: 0, due: {} });
  });
});
