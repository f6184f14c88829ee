import fc from 'fast-check';
import { CHANNELS, CHANNELS_BY_TOUCHPOINT, DEAL_STAGES, DIRECTIONS, ERASED, TOUCHPOINT_TYPES, type Channel, type DealStage, type DomainEvent, type ProfilePatch, type TouchpointType } from '@touchpoint/domain';
import { evolveCustomer360, scrubCustomer, valueByCurrency, type CustomerDoc } from './customer-360';
import { combineCustomers, type CombinedCustomerDoc } from './customer-merge';
import type { ProjectedEvent } from './types';

// ---------------------------------------------------------------- helpers

const S = 's';
const D = 'd';
const at = (day: string, time = '00:00:00') => `${day}T${time}.000Z`;

/** The envelope the projector hands projections, at a given log position. */
function envelope(event: DomainEvent, position: number, metadata: Record<string, unknown> = {}): ProjectedEvent {
  const data = event.data as { customerId: string; dealId?: string };
  return {
    ...event,
    eventId: `evt-${position}`,
    streamId: data.dealId ? `deal-${data.dealId}` : `customer-${data.customerId}`,
    streamRevision: position - 1,
    globalPosition: position,
    recordedAt: new Date(Date.UTC(2026, 5, 1) + position * 1000).toISOString(),
    metadata: { actor: 'agent:maria', correlationId: `corr-${position}`, causationId: `cmd-${position}`, ...metadata },
  } as ProjectedEvent;
}

function foldLog(log: ProjectedEvent[]): CustomerDoc {
  const doc = log.reduce<CustomerDoc | undefined>((d, e) => evolveCustomer360(d, e), undefined);
  if (!doc) throw new Error('expected a registered customer');
  return doc;
}

/** One customer's own 360 (its part): its events folded from log position `first` on. */
const fold = (events: DomainEvent[], first = 1) => foldLog(events.map((e, i) => envelope(e, first + i)));

/** Event builders for any customer. */
const ev = {
  registered: (customerId: string, occurredAt: string, more: Partial<Extract<DomainEvent, { type: 'CustomerRegistered' }>['data']> = {}): DomainEvent => ({
    type: 'CustomerRegistered',
    data: { customerId, kind: 'person', name: `Customer ${customerId}`, tags: [], occurredAt, ...more },
  }),
  profile: (customerId: string, changes: ProfilePatch, occurredAt: string): DomainEvent => ({ type: 'CustomerProfileChanged', data: { customerId, changes, occurredAt } }),
  contact: (customerId: string, contactId: string, name: string, occurredAt: string, more: { role?: string; email?: string } = {}): DomainEvent => ({
    type: 'ContactPersonAdded',
    data: { customerId, contactId, name, ...more, occurredAt },
  }),
  contactRemoved: (customerId: string, contactId: string, occurredAt: string): DomainEvent => ({ type: 'ContactPersonRemoved', data: { customerId, contactId, occurredAt } }),
  channel: (customerId: string, channel: Channel, occurredAt: string): DomainEvent => ({ type: 'PreferredChannelChanged', data: { customerId, channel, occurredAt } }),
  consent: (customerId: string, granted: boolean, occurredAt: string, source?: string): DomainEvent => ({
    type: 'MarketingConsentChanged',
    data: { customerId, granted, ...(source !== undefined && { source }), occurredAt },
  }),
  touchpoint: (customerId: string, touchpointId: string, touchpointType: TouchpointType, channel: Channel, direction: 'inbound' | 'outbound', occurredAt: string): DomainEvent => ({
    type: 'TouchpointRecorded',
    data: { customerId, touchpointId, touchpointType, channel, direction, agent: 'agent:maria', subject: `re ${touchpointId}`, occurredAt },
  }),
  placed: (customerId: string, orderId: string, currency: string, total: number, cost: number | null, occurredAt: string): DomainEvent => ({
    type: 'OrderPlaced',
    data: {
      customerId,
      orderId,
      currency,
      lines: [{ sku: 'SKU', quantity: 1, unitPrice: total, ...(cost !== null && { unitCost: cost }) }],
      total,
      ...(cost !== null && { cost }),
      occurredAt,
    },
  }),
  cancelled: (customerId: string, orderId: string, currency: string, total: number, cost: number | null, occurredAt: string): DomainEvent => ({
    type: 'OrderCancelled',
    data: { customerId, orderId, currency, total, ...(cost !== null && { cost }), occurredAt },
  }),
  returned: (customerId: string, orderId: string, currency: string, refund: number, costReversed: number | undefined, occurredAt: string): DomainEvent => ({
    type: 'OrderReturned',
    data: { customerId, orderId, currency, lines: [{ sku: 'SKU', quantity: 1 }], refund, ...(costReversed !== undefined && { costReversed }), occurredAt },
  }),
  filed: (customerId: string, complaintId: string, occurredAt: string): DomainEvent => ({
    type: 'ComplaintFiled',
    data: { customerId, complaintId, category: 'delivery', severity: 'high', channel: 'email', description: 'late', occurredAt },
  }),
  escalated: (customerId: string, complaintId: string, level: number, occurredAt: string): DomainEvent => ({
    type: 'ComplaintEscalated',
    data: { customerId, complaintId, level, reason: 'no answer', occurredAt },
  }),
  resolved: (customerId: string, complaintId: string, occurredAt: string): DomainEvent => ({
    type: 'ComplaintResolved',
    data: { customerId, complaintId, resolution: 'refunded', satisfaction: 4, occurredAt },
  }),
  dealOpened: (customerId: string, dealId: string, amount: number, currency: string, occurredAt: string, title = `Deal ${dealId}`): DomainEvent => ({
    type: 'DealOpened',
    data: { dealId, customerId, title, amount, currency, stage: 'lead', expectedCloseDate: '2026-09-30', owner: 'sales:ivan', occurredAt },
  }),
  dealStage: (customerId: string, dealId: string, from: DealStage, to: DealStage, occurredAt: string): DomainEvent => ({ type: 'DealStageChanged', data: { dealId, customerId, from, to, occurredAt } }),
  dealAmount: (customerId: string, dealId: string, amount: number, currency: string, occurredAt: string): DomainEvent => ({
    type: 'DealAmountChanged',
    data: { dealId, customerId, amount, currency, occurredAt },
  }),
  dealWon: (customerId: string, dealId: string, stage: DealStage, amount: number, currency: string, occurredAt: string): DomainEvent => ({
    type: 'DealWon',
    data: { dealId, customerId, stage, amount, currency, occurredAt },
  }),
  dealLost: (customerId: string, dealId: string, stage: DealStage, amount: number, currency: string, occurredAt: string): DomainEvent => ({
    type: 'DealLost',
    data: { dealId, customerId, stage, amount, currency, reason: 'price', occurredAt },
  }),
};

/** Freezes every object reachable from `value`, so any write to an input throws (spec files run in strict mode). */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Every object reachable from `value`. */
function objectsIn(value: unknown, out: object[] = []): object[] {
  if (value !== null && typeof value === 'object') {
    out.push(value);
    for (const v of Object.values(value)) objectsIn(v, out);
  }
  return out;
}

/** Every number reachable from `value`. */
const numbersIn = (value: unknown): number[] =>
  typeof value === 'number' ? [value] : value !== null && typeof value === 'object' ? Object.values(value).flatMap(numbersIn) : [];

// ---------------------------------------------------------------- rules, one by one

describe('combineCustomers', () => {
  describe('identity', () => {
    it('is the survivor’s: name, contact data, address, company, kind, owner, externalId and segment', () => {
      const survivor = fold([
        ev.registered(S, at('2026-02-01'), { kind: 'company', name: 'Acme Ltd', email: 'buyer@acme.example', address: { line1: '1 Main St', city: 'Kyiv', country: 'UA' }, company: 'Acme', owner: 'sales:ivan' }),
      ]);
      const duplicate = foldLog([
        envelope(
          ev.registered(D, at('2026-01-01'), { name: 'ACME', email: 'old@acme.example', phone: '+380441234567', address: { line1: '2 Side St', city: 'Lviv', country: 'UA' }, company: 'ACME', owner: 'sales:olga' }),
          101,
          { source: 'shop', sourceId: '42' },
        ),
        envelope(ev.profile(D, { name: 'ACME Limited', owner: 'sales:petro' }, at('2026-03-01')), 102),
      ]);
      const segmented = { ...survivor, segment: { tier: 'gold', rfm: { recency: 5, frequency: 4, monetary: 5, code: '545', segment: 'champions' }, predictedValue: 1_000 } };

      const combined = combineCustomers(segmented, [duplicate]);

      expect(combined).toMatchObject({
        _id: S,
        customerId: S,
        kind: 'company',
        name: 'Acme Ltd',
        email: 'buyer@acme.example',
        address: { line1: '1 Main St', city: 'Kyiv', country: 'UA' },
        company: 'Acme',
        owner: 'sales:ivan',
        externalId: null,
        segment: segmented.segment,
      });
      // a field the survivor does not have is not filled in from the duplicate
      expect(combined).not.toHaveProperty('phone');
    });

    it('lists the others’ ids in mergedFrom, in the order given, and keeps the highest log position', () => {
      const survivor = fold([ev.registered(S, at('2026-01-01'))], 50);
      const d1 = fold([ev.registered('d1', at('2026-01-01')), ev.touchpoint('d1', 't', 'call', 'phone', 'inbound', at('2026-01-02'))], 70);
      const d2 = fold([ev.registered('d2', at('2026-01-01'))], 60);
      const combined = combineCustomers(survivor, [d2, d1]);
      expect(combined.mergedFrom).toEqual(['d2', 'd1']);
      expect(combined._position).toBe(71);
    });

    it('is the survivor itself, with an empty mergedFrom, when nothing was merged into it', () => {
      const survivor = fold([
        ev.registered(S, at('2026-01-01'), { email: 'ann@example.com', tags: ['vip'], owner: 'sales:ivan' }),
        ev.contact(S, 'p1', 'Petro', at('2026-01-02'), { role: 'buyer' }),
        ev.channel(S, 'email', at('2026-01-03')),
        ev.consent(S, true, at('2026-01-04'), 'web-form'),
        ev.touchpoint(S, 't1', 'call', 'phone', 'inbound', at('2026-01-05')),
        ev.placed(S, 'o1', 'EUR', 10_000, 6_000, at('2026-01-06')),
        ev.placed(S, 'o2', 'USD', 5_000, null, at('2026-01-07')),
        ev.returned(S, 'o1', 'EUR', 2_000, 1_200, at('2026-01-08')),
        ev.filed(S, 'k1', at('2026-01-09')),
        ev.dealOpened(S, 'deal1', 9_000, 'EUR', at('2026-01-10')),
      ]);
      expect(combineCustomers(survivor, [])).toStrictEqual({ ...survivor, mergedFrom: [] });
    });
  });

  describe('dates', () => {
    it('registeredAt is the earliest, lastActivityAt the latest, of all parts', () => {
      const survivor = fold([ev.registered(S, at('2026-03-01')), ev.filed(S, 'k1', at('2026-03-05'))]);
      const d1 = fold([ev.registered('d1', at('2026-02-01')), ev.filed('d1', 'k2', at('2026-06-01'))]);
      const d2 = fold([ev.registered('d2', at('2025-12-01'))]);
      const combined = combineCustomers(survivor, [d1, d2]);
      expect(combined.registeredAt).toBe(at('2025-12-01'));
      expect(combined.lastActivityAt).toBe(at('2026-06-01'));
    });

    it('first and last contact are the earliest and latest of the parts that have one', () => {
      const survivor = fold([ev.registered(S, at('2026-01-01')), ev.touchpoint(S, 't1', 'call', 'phone', 'inbound', at('2026-03-01')), ev.touchpoint(S, 't2', 'call', 'phone', 'inbound', at('2026-05-01'))]);
      const silent = fold([ev.registered('d0', at('2026-01-01'))]);
      const early = fold([ev.registered('d1', at('2026-01-01')), ev.touchpoint('d1', 't3', 'email', 'email', 'outbound', at('2026-02-01'))]);
      expect(combineCustomers(survivor, [silent, early])).toMatchObject({ firstContactAt: at('2026-02-01'), lastContactAt: at('2026-05-01') });
      expect(combineCustomers(silent, [survivor])).toMatchObject({ firstContactAt: at('2026-03-01'), lastContactAt: at('2026-05-01') });
      expect(combineCustomers(silent, [fold([ev.registered('d2', at('2026-01-01'))])])).toMatchObject({ firstContactAt: null, lastContactAt: null });
    });
  });

  describe('tags and contacts', () => {
    it('tags: the union, the survivor’s first in its order, then new ones in the others’ order', () => {
      const survivor = fold([ev.registered(S, at('2026-01-01'), { tags: ['vip', 'b2b'] })]);
      const d1 = fold([ev.registered('d1', at('2026-01-01'), { tags: ['newsletter', 'b2b', 'gold'] })]);
      const d2 = fold([ev.registered('d2', at('2026-01-01'), { tags: ['gold', 'churn-risk', 'vip'] })]);
      expect(combineCustomers(survivor, [d1, d2]).tags).toEqual(['vip', 'b2b', 'newsletter', 'gold', 'churn-risk']);
    });

    it('contacts: the union by contactId, the survivor’s first; the survivor’s entry wins a shared id', () => {
      const survivor = fold([ev.registered(S, at('2026-01-01')), ev.contact(S, 'p2', 'Oksana', at('2026-01-02')), ev.contact(S, 'p1', 'Petro', at('2026-01-03'), { role: 'cfo' })]);
      const duplicate = fold([
        ev.registered(D, at('2026-01-01')),
        ev.contact(D, 'p3', 'Ivan', at('2026-01-02')),
        ev.contact(D, 'p1', 'Petro Ivanenko', at('2026-01-03'), { role: 'buyer' }),
        ev.contact(D, 'p4', 'Olha', at('2026-01-04')),
        ev.contactRemoved(D, 'p4', at('2026-01-05')),
      ]);
      expect(combineCustomers(survivor, [duplicate]).contacts).toEqual([
        { contactId: 'p2', name: 'Oksana' },
        { contactId: 'p1', name: 'Petro', role: 'cfo' },
        { contactId: 'p3', name: 'Ivan' },
      ]);
    });
  });

  describe('counters', () => {
    it('sums touchpoints, per channel and per type', () => {
      const survivor = fold([
        ev.registered(S, at('2026-01-01')),
        ev.touchpoint(S, 't1', 'call', 'phone', 'inbound', at('2026-01-02')),
        ev.touchpoint(S, 't2', 'email', 'email', 'outbound', at('2026-01-03')),
      ]);
      const duplicate = fold([
        ev.registered(D, at('2026-01-01')),
        ev.touchpoint(D, 't3', 'call', 'video', 'outbound', at('2026-01-02')),
        ev.touchpoint(D, 't4', 'call', 'phone', 'inbound', at('2026-01-03')),
        ev.touchpoint(D, 't5', 'chat', 'web', 'inbound', at('2026-01-04')),
      ]);
      expect(combineCustomers(survivor, [duplicate]).touchpoints).toEqual({
        total: 5,
        inbound: 3,
        outbound: 2,
        byChannel: { phone: 2, email: 1, video: 1, web: 1 },
        byType: { call: 3, email: 1, chat: 1 },
      });
    });

    it('sums complaints and concatenates the open ids, the survivor’s first', () => {
      const survivor = fold([ev.registered(S, at('2026-01-01')), ev.filed(S, 'k1', at('2026-01-02')), ev.filed(S, 'k2', at('2026-01-03')), ev.escalated(S, 'k1', 1, at('2026-01-04'))]);
      const duplicate = fold([
        ev.registered(D, at('2026-01-01')),
        ev.filed(D, 'k3', at('2026-01-02')),
        ev.filed(D, 'k4', at('2026-01-03')),
        ev.escalated(D, 'k3', 1, at('2026-01-04')),
        ev.escalated(D, 'k3', 2, at('2026-01-05')),
        ev.resolved(D, 'k3', at('2026-01-06')),
      ]);
      expect(combineCustomers(survivor, [duplicate]).complaints).toEqual({ filed: 4, open: 3, resolved: 1, escalated: 2, openIds: ['k1', 'k2', 'k4'] });
    });

    it('sums deals and keeps every open one', () => {
      const survivor = fold([
        ev.registered(S, at('2026-01-01')),
        ev.dealOpened(S, 'deal1', 10_000, 'EUR', at('2026-01-02')),
        ev.dealOpened(S, 'deal2', 20_000, 'EUR', at('2026-01-03')),
        ev.dealWon(S, 'deal2', 'lead', 20_000, 'EUR', at('2026-01-04')),
      ]);
      const duplicate = fold([
        ev.registered(D, at('2026-01-01')),
        ev.dealOpened(D, 'deal3', 5_000, 'USD', at('2026-01-02')),
        ev.dealStage(D, 'deal3', 'lead', 'proposal', at('2026-01-03')),
        ev.dealOpened(D, 'deal4', 1_000, 'USD', at('2026-01-04')),
        ev.dealLost(D, 'deal4', 'lead', 1_000, 'USD', at('2026-01-05')),
      ]);
      expect(combineCustomers(survivor, [duplicate]).deals).toEqual({
        openCount: 2,
        won: 1,
        lost: 1,
        open: {
          deal1: { amount: 10_000, currency: 'EUR', stage: 'lead', title: 'Deal deal1' },
          deal3: { amount: 5_000, currency: 'USD', stage: 'proposal', title: 'Deal deal3' },
        },
      });
    });

    it('counts a counter missing from an older document as 0, never NaN', () => {
      const survivor = fold([ev.registered(S, at('2026-01-01')), ev.filed(S, 'k1', at('2026-01-02'))]);
      const legacy = fold([ev.registered(D, at('2026-01-01')), ev.filed(D, 'k2', at('2026-01-02'))]);
      const { escalated: _missing, ...complaints } = legacy.complaints;
      const combined = combineCustomers(survivor, [{ ...legacy, complaints } as CustomerDoc]);
      expect(combined.complaints).toEqual({ filed: 2, open: 2, resolved: 0, escalated: 0, openIds: ['k1', 'k2'] });
      expect(numbersIn(combined).filter((n) => !Number.isFinite(n))).toEqual([]);
    });
  });

  describe('orders and value', () => {
    it('unites the order books and recomputes the value as the 360 does: one purchase day across parts, unknown cost spreads, primary currency of the group’s first order', () => {
      const survivor = fold([
        ev.registered(S, at('2026-01-01')),
        ev.placed(S, 'o1', 'EUR', 10_000, 6_000, at('2026-03-01', '09:00:00')),
        ev.placed(S, 'o2', 'EUR', 4_000, 1_000, at('2026-04-01')),
        ev.cancelled(S, 'o2', 'EUR', 4_000, 1_000, at('2026-04-02')),
      ]);
      const duplicate = fold([
        ev.registered(D, at('2026-01-01')),
        ev.placed(D, 'o3', 'EUR', 3_000, null, at('2026-03-01', '18:00:00')),
        ev.placed(D, 'o4', 'USD', 7_000, 2_000, at('2026-02-01')),
        ev.placed(D, 'o5', 'USD', 5_000, 2_500, at('2026-02-15')),
        ev.returned(D, 'o5', 'USD', 1_000, 500, at('2026-02-20')),
      ]);
      const combined = combineCustomers(survivor, [duplicate]);

      expect(combined.orders).toEqual({ placed: 5, cancelled: 1, withReturns: 1 });
      expect(Object.keys(combined.orderBook)).toEqual(['o1', 'o2', 'o3', 'o4', 'o5']);
      expect(combined.orderBook.o3).toEqual(duplicate.orderBook.o3);
      expect(combined.valueByCurrency).toEqual({
        // o1 and o3 on one day: one purchase day; o3's unknown cost makes the EUR cost and margin unknown
        EUR: { revenue: 13_000, cost: null, margin: null, orders: 2, firstOrderAt: at('2026-03-01', '09:00:00'), lastOrderAt: at('2026-03-01', '18:00:00'), purchaseDays: 1, firstDayRevenue: 13_000 },
        USD: { revenue: 11_000, cost: 4_000, margin: 7_000, orders: 2, firstOrderAt: at('2026-02-01'), lastOrderAt: at('2026-02-15'), purchaseDays: 2, firstDayRevenue: 7_000 },
      });
      // the duplicate's USD order is the group's first: USD becomes the primary currency, though the survivor's was EUR
      expect(survivor.value.currency).toBe('EUR');
      expect(combined.value).toEqual({ currency: 'USD', revenue: 11_000, margin: 7_000, orders: 2 });
      expect(combined.valueByCurrency).toEqual(valueByCurrency(combined.orderBook));
    });

    it('takes the primary currency from a counting order before an earlier cancelled one, across parts', () => {
      const survivor = fold([ev.registered(S, at('2026-01-01')), ev.placed(S, 'o1', 'USD', 1_000, 500, at('2026-02-01')), ev.cancelled(S, 'o1', 'USD', 1_000, 500, at('2026-02-02'))]);
      const duplicate = fold([ev.registered(D, at('2026-01-01')), ev.placed(D, 'o2', 'EUR', 2_000, 500, at('2026-03-01'))]);
      expect(combineCustomers(survivor, [duplicate]).value).toEqual({ currency: 'EUR', revenue: 2_000, margin: 1_500, orders: 1 });
    });

    it('keeps an empty value when no part has orders', () => {
      const combined = combineCustomers(fold([ev.registered(S, at('2026-01-01'))]), [fold([ev.registered(D, at('2026-01-01'))])]);
      expect(combined).toMatchObject({ orderBook: {}, valueByCurrency: {}, value: { currency: '', revenue: 0, margin: 0, orders: 0 } });
    });

    describe('order ids that collide', () => {
      it('keys another part’s colliding order as <customerId>/<orderId> and counts both', () => {
        const survivor = fold([ev.registered(S, at('2026-01-01')), ev.placed(S, 'o1', 'EUR', 1_000, 400, at('2026-02-01'))]);
        const duplicate = fold([ev.registered(D, at('2026-01-01')), ev.placed(D, 'o1', 'EUR', 500, 100, at('2026-02-03'))]);
        const combined = combineCustomers(survivor, [duplicate]);
        expect(combined.orderBook).toEqual({ o1: survivor.orderBook.o1, 'd/o1': duplicate.orderBook.o1 });
        expect(combined.value).toEqual({ currency: 'EUR', revenue: 1_500, margin: 1_000, orders: 2 });
      });

      it('keys each part of a chain by its own id', () => {
        const part = (id: string, total: number) => fold([ev.registered(id, at('2026-01-01')), ev.placed(id, 'o1', 'EUR', total, 0, at('2026-02-01'))]);
        const combined = combineCustomers(part(S, 100), [part('d1', 20), part('d2', 3)]);
        expect(Object.entries(combined.orderBook).map(([id, o]) => [id, o.total])).toEqual([
          ['o1', 100],
          ['d1/o1', 20],
          ['d2/o1', 3],
        ]);
        expect(combined.value.revenue).toBe(123);
      });

      it('never overwrites an order even when the prefixed id is taken too', () => {
        const survivor = fold([ev.registered(S, at('2026-01-01')), ev.placed(S, 'o1', 'EUR', 100, 0, at('2026-02-01')), ev.placed(S, 'd/o1', 'EUR', 20, 0, at('2026-02-02'))]);
        const duplicate = fold([ev.registered(D, at('2026-01-01')), ev.placed(D, 'o1', 'EUR', 3, 0, at('2026-02-03'))]);
        const combined = combineCustomers(survivor, [duplicate]);
        expect(Object.entries(combined.orderBook).map(([id, o]) => [id, o.total])).toEqual([
          ['o1', 100],
          ['d/o1', 20],
          ['d/o1#2', 3],
        ]);
        expect(combined.value.revenue).toBe(123);
      });
    });
  });

  describe('preferred channel', () => {
    const survivorChose = (channel: Channel, when: string) => fold([ev.registered(S, at('2026-01-01')), ev.channel(S, channel, when)]);
    const duplicateChose = (channel: Channel, when: string) => fold([ev.registered(D, at('2026-01-01')), ev.channel(D, channel, when)]);
    const noChoice = (id: string) => fold([ev.registered(id, at('2026-01-01')), ev.touchpoint(id, `t-${id}`, 'call', 'phone', 'inbound', at('2026-12-01'))]);

    it('is the most recent explicit choice, with its time', () => {
      expect(combineCustomers(survivorChose('email', at('2026-02-01')), [duplicateChose('sms', at('2026-03-01'))])).toMatchObject({ preferredChannel: 'sms', preferredChannelChangedAt: at('2026-03-01') });
      expect(combineCustomers(survivorChose('email', at('2026-04-01')), [duplicateChose('sms', at('2026-03-01'))])).toMatchObject({ preferredChannel: 'email', preferredChannelChangedAt: at('2026-04-01') });
    });

    it('is the survivor’s on a tie', () => {
      expect(combineCustomers(survivorChose('email', at('2026-02-01')), [duplicateChose('sms', at('2026-02-01'))])).toMatchObject({ preferredChannel: 'email', preferredChannelChangedAt: at('2026-02-01') });
    });

    it('ignores parts without a choice, however recent their activity', () => {
      expect(combineCustomers(noChoice(S), [duplicateChose('sms', at('2026-02-01'))])).toMatchObject({ preferredChannel: 'sms', preferredChannelChangedAt: at('2026-02-01') });
      expect(combineCustomers(survivorChose('email', at('2026-02-01')), [noChoice(D)])).toMatchObject({ preferredChannel: 'email', preferredChannelChangedAt: at('2026-02-01') });
    });

    it('is null, without a time, when no part chose', () => {
      const combined = combineCustomers(noChoice(S), [noChoice(D)]);
      expect(combined.preferredChannel).toBeNull();
      expect(combined).not.toHaveProperty('preferredChannelChangedAt');
    });

    it('counts a choice without a time (a document from before the time was kept) as older than any dated one', () => {
      const { preferredChannelChangedAt: _time, ...undated } = survivorChose('email', at('2026-09-01'));
      expect(combineCustomers(undated, [duplicateChose('sms', at('2026-02-01'))])).toMatchObject({ preferredChannel: 'sms', preferredChannelChangedAt: at('2026-02-01') });
      const combined = combineCustomers(undated, [noChoice(D)]);
      expect(combined.preferredChannel).toBe('email');
      expect(combined).not.toHaveProperty('preferredChannelChangedAt');
    });
  });

  describe('marketing consent', () => {
    const consenting = (id: string, ...choices: Array<[granted: boolean, when: string, source?: string]>) =>
      fold([ev.registered(id, at('2026-01-01')), ...choices.map(([granted, when, source]) => ev.consent(id, granted, when, source))]);

    it('is withdrawn when the duplicate withdrew, even if the survivor granted later', () => {
      const combined = combineCustomers(consenting(S, [true, at('2026-03-01'), 'web-form']), [consenting(D, [true, at('2026-01-05'), 'shop'], [false, at('2026-02-01')])]);
      expect(combined.marketingConsent).toEqual({ granted: false, changedAt: at('2026-02-01') });
    });

    it('is the most recent withdrawal when several parts withdrew', () => {
      const combined = combineCustomers(consenting(S, [false, at('2026-02-01'), 'call']), [consenting(D, [false, at('2026-03-01'), 'unsubscribe-link']), consenting('d2', [true, at('2026-04-01')])]);
      expect(combined.marketingConsent).toEqual({ granted: false, source: 'unsubscribe-link', changedAt: at('2026-03-01') });
    });

    it('is the survivor’s choice on a tie', () => {
      const withdrawals = combineCustomers(consenting(S, [false, at('2026-02-01'), 'call']), [consenting(D, [false, at('2026-02-01'), 'unsubscribe-link'])]);
      expect(withdrawals.marketingConsent).toEqual({ granted: false, source: 'call', changedAt: at('2026-02-01') });
      const grants = combineCustomers(consenting(S, [true, at('2026-02-01'), 'web-form']), [consenting(D, [true, at('2026-02-01'), 'shop'])]);
      expect(grants.marketingConsent).toEqual({ granted: true, source: 'web-form', changedAt: at('2026-02-01') });
    });

    it('is the most recent grant when every part that chose granted', () => {
      const later = combineCustomers(consenting(S, [true, at('2026-02-01'), 'web-form']), [consenting(D, [true, at('2026-03-01'), 'shop'])]);
      expect(later.marketingConsent).toEqual({ granted: true, source: 'shop', changedAt: at('2026-03-01') });
      const earlier = combineCustomers(consenting(S, [true, at('2026-04-01'), 'web-form']), [consenting(D, [true, at('2026-03-01'), 'shop'])]);
      expect(earlier.marketingConsent).toEqual({ granted: true, source: 'web-form', changedAt: at('2026-04-01') });
    });

    it('is the only choice made, whichever part made it', () => {
      expect(combineCustomers(consenting(S), [consenting(D, [true, at('2026-03-01'), 'shop'])]).marketingConsent).toEqual({ granted: true, source: 'shop', changedAt: at('2026-03-01') });
    });

    it('is no choice when no part chose', () => {
      expect(combineCustomers(consenting(S), [consenting(D)]).marketingConsent).toEqual({ granted: null });
    });
  });

  describe('erasure', () => {
    const personal = {
      name: 'Dmytro Duplicate',
      email: 'dmytro@dup.example',
      phone: '+380990000001',
      company: 'Dup LLC',
      line1: '9 Side St',
      city: 'Ternopil',
      tag: 'dup-only-tag',
      contactName: 'Petro Contact',
      contactEmail: 'petro@dup.example',
      role: 'dup-buyer',
      dealTitle: 'Secret deal',
      consentSource: 'dup-web-form',
    };
    const survivor = fold([ev.registered(S, at('2026-01-01'), { name: 'Ann Smith', tags: ['vip'] }), ev.placed(S, 'o1', 'EUR', 1_000, 500, at('2026-02-01'))]);
    const duplicate = fold(
      [
        ev.registered(D, at('2025-12-01'), { name: personal.name, email: personal.email, phone: personal.phone, company: personal.company, address: { line1: personal.line1, city: personal.city, country: 'UA' }, tags: [personal.tag] }),
        ev.contact(D, 'p9', personal.contactName, at('2026-01-02'), { role: personal.role, email: personal.contactEmail }),
        ev.consent(D, true, at('2026-01-03'), personal.consentSource),
        ev.touchpoint(D, 't1', 'call', 'phone', 'inbound', at('2026-01-04')),
        ev.filed(D, 'k1', at('2026-01-05')),
        ev.dealOpened(D, 'deal9', 3_000, 'EUR', at('2026-01-06'), personal.dealTitle),
        ev.placed(D, 'o2', 'EUR', 2_000, 700, at('2026-01-07')),
      ],
      101,
    );

    it('keeps an erased part’s figures and shows none of its personal data', () => {
      const plain = combineCustomers(survivor, [duplicate]);
      const erased = combineCustomers(survivor, [scrubCustomer(duplicate)]);

      for (const figure of ['registeredAt', 'lastActivityAt', 'firstContactAt', 'lastContactAt', 'touchpoints', 'complaints', 'orders', 'orderBook', 'value', 'valueByCurrency', 'preferredChannel', '_position', 'mergedFrom'] as const) {
        expect(erased[figure]).toEqual(plain[figure]);
      }
      expect(erased.deals).toEqual({ ...plain.deals, open: { deal9: { ...plain.deals.open.deal9, title: ERASED } } });
      expect(erased.contacts).toEqual([{ contactId: 'p9', name: ERASED, role: ERASED, email: ERASED }]);
      // consent itself is kept (accountability), its source is personal
      expect(erased.marketingConsent).toEqual({ granted: true, source: ERASED, changedAt: at('2026-01-03') });
      expect(erased.tags).toEqual(['vip']);
      const text = JSON.stringify(erased);
      for (const value of Object.values(personal)) expect(text).not.toContain(value);
      // the unscrubbed combination did show them: the check above is not vacuous
      const plainText = JSON.stringify(plain);
      for (const value of [personal.tag, personal.contactName, personal.dealTitle, personal.consentSource]) expect(plainText).toContain(value);
    });

    it('shows an erased survivor’s identity as erased, with the duplicate’s figures added', () => {
      const combined = combineCustomers(scrubCustomer(survivor), [duplicate]);
      expect(combined).toMatchObject({ name: ERASED, tags: [personal.tag], value: { currency: 'EUR', revenue: 3_000, margin: 1_800, orders: 2 } });
      expect(combined).not.toHaveProperty('email');
    });
  });

  it('neither changes its inputs nor shares an object with them', () => {
    const survivor = fold([
      ev.registered(S, at('2026-01-01'), { address: { line1: 'a', city: 'b', country: 'UA' }, tags: ['vip'] }),
      ev.contact(S, 'p1', 'Petro', at('2026-01-02')),
      ev.consent(S, true, at('2026-01-03')),
      ev.placed(S, 'o1', 'EUR', 1_000, 500, at('2026-01-04')),
      ev.returned(S, 'o1', 'EUR', 100, 50, at('2026-01-05')),
      ev.dealOpened(S, 'deal1', 10, 'EUR', at('2026-01-06')),
    ]);
    const duplicate = fold([ev.registered(D, at('2026-01-01')), ev.contact(D, 'p2', 'Olha', at('2026-01-02')), ev.placed(D, 'o1', 'EUR', 1_000, 500, at('2026-01-03')), ev.filed(D, 'k1', at('2026-01-04'))]);
    const segmented = { ...survivor, segment: { tier: 'gold', rfm: { recency: 5, frequency: 4, monetary: 5, code: '545', segment: 'champions' } } };
    const copies = structuredClone([segmented, duplicate]);
    deepFreeze([segmented, duplicate]);

    const combined = combineCustomers(segmented, [duplicate]);

    expect([segmented, duplicate]).toEqual(copies);
    expect(objectsIn(combined).filter((o) => Object.isFrozen(o))).toEqual([]);
  });
});

// ---------------------------------------------------------------- property: a merge is as if every event had been recorded on the survivor

const SEED = 20_260_422;
const BASE = Date.UTC(2025, 0, 1);
const TAG_POOL = ['vip', 'b2b', 'newsletter', 'gold', 'churn-risk'];
const CURRENCY_SETS = [['EUR'], ['USD'], ['EUR', 'USD']];

const step = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('touchpoint' as const), type: fc.constantFrom(...TOUCHPOINT_TYPES), pick: fc.nat(), direction: fc.constantFrom(...DIRECTIONS) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('order' as const),
      pick: fc.nat(),
      total: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 6, arbitrary: fc.integer({ min: 1, max: 50_000 }) }),
      cost: fc.option(fc.integer({ min: 0, max: 40_000 }), { nil: null }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('cancel' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('return' as const), pick: fc.nat(), percent: fc.oneof(fc.constant(100), fc.integer({ min: 1, max: 99 })) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('file' as const) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('escalate' as const), pick: fc.nat(), level: fc.constantFrom(1, 2) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('resolve' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('dealOpen' as const), pick: fc.nat(), amount: fc.integer({ min: 0, max: 100_000 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('dealStage' as const), pick: fc.nat(), to: fc.constantFrom(...DEAL_STAGES) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('dealAmount' as const), pick: fc.nat(), amount: fc.integer({ min: 0, max: 100_000 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('dealClosed' as const), pick: fc.nat(), won: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('contactAdd' as const), slot: fc.integer({ min: 0, max: 3 }), name: fc.constantFrom('Petro', 'Oksana', 'Ivan'), role: fc.option(fc.constantFrom('buyer', 'cfo'), { nil: undefined }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('contactRemove' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('profile' as const),
      tags: fc.option(fc.shuffledSubarray(TAG_POOL), { nil: undefined }),
      name: fc.option(fc.constantFrom('Renamed', 'Another Name'), { nil: undefined }),
      owner: fc.option(fc.constantFrom('sales:olga', null), { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('channel' as const), channel: fc.constantFrom(...CHANNELS) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('consent' as const), granted: fc.boolean(), source: fc.option(fc.constantFrom('web-form', 'shop'), { nil: undefined }) }) },
);
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

const history = fc.record({
  kind: fc.constantFrom('person' as const, 'company' as const),
  tags: fc.shuffledSubarray(TAG_POOL),
  owner: fc.option(fc.constantFrom('sales:ivan', 'sales:petro'), { nil: undefined }),
  imported: fc.boolean(),
  currencies: fc.constantFrom(...CURRENCY_SETS),
  steps: fc.array(step, { maxLength: 40, size: 'max' }),
});
type History = typeof history extends fc.Arbitrary<infer T> ? T : never;

/** Two histories, how they interleave (true: the survivor's next), and the minutes between consecutive events. */
const scenario = fc.record({
  s: history,
  d: history,
  interleaving: fc.array(fc.boolean(), { maxLength: 90, size: 'max' }),
  gaps: fc.array(fc.oneof(fc.integer({ min: 1, max: 6 * 60 }), fc.integer({ min: 1, max: 3 * 24 * 60 })), { minLength: 1, maxLength: 16 }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** What one customer's stream holds so far, so each step becomes a valid event (or none, when it has no target). */
interface StreamState {
  customerId: string;
  currencies: string[];
  n: number;
  orders: Array<{ id: string; currency: string; total: number; cost: number | null; refunded: number; costReversed: number; cancelled: boolean; returned: boolean }>;
  openComplaints: string[];
  openDeals: Array<{ id: string; stage: DealStage }>;
  contacts: string[];
}

const choose = <T>(items: T[], pick: number): T | undefined => (items.length === 0 ? undefined : items[pick % items.length]);

function eventOf(st: StreamState, s: Step, occurredAt: string): DomainEvent | undefined {
  const c = st.customerId;
  const id = (prefix: string) => `${c}-${prefix}${(st.n += 1)}`;
  switch (s.k) {
    case 'touchpoint':
      return ev.touchpoint(c, id('t'), s.type, choose([...CHANNELS_BY_TOUCHPOINT[s.type]], s.pick)!, s.direction, occurredAt);
    case 'order': {
      const order = { id: id('o'), currency: choose(st.currencies, s.pick)!, total: s.total, cost: s.cost, refunded: 0, costReversed: 0, cancelled: false, returned: false };
      st.orders.push(order);
      return ev.placed(c, order.id, order.currency, order.total, order.cost, occurredAt);
    }
    case 'cancel': {
      const order = choose(
        st.orders.filter((o) => !o.cancelled && !o.returned),
        s.pick,
      );
      if (!order) return undefined;
      order.cancelled = true;
      return ev.cancelled(c, order.id, order.currency, order.total, order.cost, occurredAt);
    }
    case 'return': {
      const order = choose(
        st.orders.filter((o) => !o.cancelled && (o.total > o.refunded || (o.total === 0 && !o.returned))),
        s.pick,
      );
      if (!order) return undefined;
      const remaining = order.total - order.refunded;
      const refund = s.percent === 100 ? remaining : Math.min(remaining, Math.max(1, Math.floor((remaining * s.percent) / 100)));
      const full = order.refunded + refund >= order.total;
      const costReversed = order.cost === null ? undefined : full ? order.cost - order.costReversed : Math.floor((order.cost * refund) / order.total);
      order.refunded += refund;
      order.costReversed += costReversed ?? 0;
      order.returned = true;
      return ev.returned(c, order.id, order.currency, refund, costReversed, occurredAt);
    }
    case 'file': {
      const complaintId = id('k');
      st.openComplaints.push(complaintId);
      return ev.filed(c, complaintId, occurredAt);
    }
    case 'escalate': {
      const complaintId = choose(st.openComplaints, s.pick);
      return complaintId === undefined ? undefined : ev.escalated(c, complaintId, s.level, occurredAt);
    }
    case 'resolve': {
      const complaintId = choose(st.openComplaints, s.pick);
      if (complaintId === undefined) return undefined;
      st.openComplaints = st.openComplaints.filter((k) => k !== complaintId);
      return ev.resolved(c, complaintId, occurredAt);
    }
    case 'dealOpen': {
      const deal = { id: id('deal'), stage: 'lead' as DealStage };
      st.openDeals.push(deal);
      return ev.dealOpened(c, deal.id, s.amount, choose(st.currencies, s.pick)!, occurredAt);
    }
    case 'dealStage': {
      const deal = choose(st.openDeals, s.pick);
      if (!deal) return undefined;
      const from = deal.stage;
      deal.stage = s.to;
      return ev.dealStage(c, deal.id, from, s.to, occurredAt);
    }
    case 'dealAmount': {
      const deal = choose(st.openDeals, s.pick);
      return deal && ev.dealAmount(c, deal.id, s.amount, choose(st.currencies, s.pick + 1)!, occurredAt);
    }
    case 'dealClosed': {
      const deal = choose(st.openDeals, s.pick);
      if (!deal) return undefined;
      st.openDeals = st.openDeals.filter((d) => d !== deal);
      return s.won ? ev.dealWon(c, deal.id, deal.stage, 1_000, 'EUR', occurredAt) : ev.dealLost(c, deal.id, deal.stage, 1_000, 'EUR', occurredAt);
    }
    case 'contactAdd': {
      const contactId = `${c}-p${s.slot}`;
      st.contacts = [...st.contacts.filter((p) => p !== contactId), contactId];
      return ev.contact(c, contactId, s.name, occurredAt, { ...(s.role && { role: s.role }), email: `${contactId}@example.com` });
    }
    case 'contactRemove': {
      const contactId = choose(st.contacts, s.pick);
      if (contactId === undefined) return undefined;
      st.contacts = st.contacts.filter((p) => p !== contactId);
      return ev.contactRemoved(c, contactId, occurredAt);
    }
    case 'profile': {
      const changes: ProfilePatch = { ...(s.tags && { tags: s.tags }), ...(s.name && { name: s.name }), ...(s.owner !== undefined && { owner: s.owner }) };
      return ev.profile(c, changes, occurredAt);
    }
    case 'channel':
      return ev.channel(c, s.channel, occurredAt);
    case 'consent':
      return ev.consent(c, s.granted, occurredAt, s.source);
    default: {
      const _unknown: never = s;
      return _unknown;
    }
  }
}

/**
 * One log of both customers' events: interleaved as the scenario says, each customer's own order kept (registration
 * first), log positions from 1 and business times strictly increasing, so the latest in time is the last in the log.
 */
function logOf(sc: Scenario): ProjectedEvent[] {
  type Item = { kind: 'registration'; h: History } | { kind: 'step'; step: Step };
  const queue = (h: History): Item[] => [{ kind: 'registration', h }, ...h.steps.map((step): Item => ({ kind: 'step', step }))];
  const queues: Record<string, Item[]> = { [S]: queue(sc.s), [D]: queue(sc.d) };
  const states: Record<string, StreamState> = {};
  const log: ProjectedEvent[] = [];
  let time = BASE;
  for (let turn = 0; queues[S].length + queues[D].length > 0; turn += 1) {
    const survivorsTurn = queues[D].length === 0 || (queues[S].length > 0 && (sc.interleaving[turn] ?? turn % 2 === 0));
    const who = survivorsTurn ? S : D;
    const item = queues[who].shift()!;
    const occurredAt = new Date(time + sc.gaps[log.length % sc.gaps.length] * 60_000).toISOString();
    let event: DomainEvent | undefined;
    let metadata: Record<string, unknown> = {};
    if (item.kind === 'registration') {
      const h = item.h;
      states[who] = { customerId: who, currencies: h.currencies, n: 0, orders: [], openComplaints: [], openDeals: [], contacts: [] };
      event = ev.registered(who, occurredAt, { kind: h.kind, name: `Name of ${who}`, email: `${who}@example.com`, tags: h.tags, ...(h.owner && { owner: h.owner }) });
      if (h.imported) metadata = { source: 'shop', sourceId: `ext-${who}` };
    } else {
      event = eventOf(states[who], item.step, occurredAt);
    }
    if (!event) continue;
    time = Date.parse(occurredAt);
    log.push(envelope(event, log.length + 1, metadata));
  }
  return log;
}

const customerOf = (e: ProjectedEvent) => (e.data as { customerId: string }).customerId;
const later = (a: string, b: string) => (b > a ? b : a);
const earlier = (a: string, b: string) => (b < a ? b : a);

/**
 * The reference: the whole log folded onto the survivor as if every event had been recorded on it (evolveCustomer360
 * for everything, the duplicate's events re-keyed to the survivor), except the duplicate's identity: its registration
 * only moves lastActivityAt and lowers registeredAt, its profile changes only move lastActivityAt, so the survivor's
 * profile wins. Tags are a union by rule, so the duplicate's tag list is followed on the side (as its registration and
 * profile changes set it) and joined at the end.
 */
function asIfRecordedOnSurvivor(log: ProjectedEvent[], survivor: string): CustomerDoc {
  const registration = log.find((e) => e.type === 'CustomerRegistered' && customerOf(e) === survivor)!;
  let doc = evolveCustomer360(undefined, registration)!;
  let duplicateTags: string[] = [];
  for (const e of log) {
    if (e === registration) continue;
    if (customerOf(e) === survivor) {
      doc = evolveCustomer360(doc, e)!;
    } else if (e.type === 'CustomerRegistered') {
      doc = { ...doc, lastActivityAt: later(doc.lastActivityAt, e.data.occurredAt), registeredAt: earlier(doc.registeredAt, e.data.occurredAt) };
      duplicateTags = e.data.tags;
    } else if (e.type === 'CustomerProfileChanged') {
      doc = { ...doc, lastActivityAt: later(doc.lastActivityAt, e.data.occurredAt) };
      duplicateTags = e.data.changes.tags ?? duplicateTags;
    } else {
      doc = evolveCustomer360(doc, { ...e, data: { ...e.data, customerId: survivor } } as ProjectedEvent)!;
    }
  }
  return { ...doc, tags: [...new Set([...doc.tags, ...duplicateTags])] };
}

/** What the property compares: all but consent and the keys, with sets as sorted lists and the order book by its values. */
function comparable(doc: CustomerDoc) {
  const { _id, customerId, _position, marketingConsent, mergedFrom, orderBook, tags, contacts, complaints, ...rest } = doc as CombinedCustomerDoc;
  const sorted = <T>(items: T[]) => items.map((x) => JSON.stringify(x)).sort();
  return { ...rest, tags: [...tags].sort(), contacts: sorted(contacts), complaints: { ...complaints, openIds: [...complaints.openIds].sort() }, orderBook: sorted(Object.values(orderBook)) };
}

describe('combineCustomers (property)', () => {
  it('shows the survivor as if every event of the duplicate had been recorded on it', () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        const log = logOf(sc);
        const survivor = foldLog(log.filter((e) => customerOf(e) === S));
        const duplicate = foldLog(log.filter((e) => customerOf(e) === D));
        const before = structuredClone([survivor, duplicate]);

        const combined = combineCustomers(survivor, [duplicate]);

        expect(comparable(combined)).toStrictEqual(comparable(asIfRecordedOnSurvivor(log, S)));
        expect(combined).toMatchObject({ _id: S, customerId: S, _position: log.length, mergedFrom: [D] });
        expect(numbersIn(combined).filter((n) => !Number.isFinite(n))).toEqual([]);
        // the parts are untouched, so unmerging (showing each part again) restores both exactly
        expect([survivor, duplicate]).toStrictEqual(before);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('is the identity when nothing is merged', () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        const survivor = foldLog(logOf(sc).filter((e) => customerOf(e) === S));
        expect(combineCustomers(survivor, [])).toStrictEqual({ ...survivor, mergedFrom: [] });
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});
