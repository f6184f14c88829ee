import {
  DomainError,
  customerDecider,
  customerStreamId,
  fold,
  type AddContactPerson,
  type CancelOrder,
  type ChangeCustomerProfile,
  type ChangeMarketingConsent,
  type ChangePreferredChannel,
  type ComplaintEscalated,
  type ComplaintFiled,
  type ComplaintResolved,
  type ContactPersonAdded,
  type ContactPersonRemoved,
  type CustomerCommand,
  type CustomerEvent,
  type CustomerProfileChanged,
  type CustomerRegistered,
  type DomainErrorKind,
  type EscalateComplaint,
  type FileComplaint,
  type MarketingConsentChanged,
  type OrderCancelled,
  type OrderLine,
  type OrderPlaced,
  type OrderReturned,
  type PlaceOrder,
  type PreferredChannelChanged,
  type ProfilePatch,
  type RecordTouchpoint,
  type RegisterCustomer,
  type RemoveContactPerson,
  type ResolveComplaint,
  type ReturnOrder,
  type TouchpointRecorded,
} from '@touchpoint/domain';
// The decider helper alone: the package index also loads the store contracts (and their drivers).
import { DeciderSpecification } from '@touchpoint/testing/decider-specification';

// ─── fixed ids and times ────────────────────────────────────────────────────
const CUSTOMER_ID = '00000000-0000-4000-8000-000000000001';
const CONTACT_ID = '00000000-0000-4000-8000-000000000002';
const TOUCHPOINT_ID = '00000000-0000-4000-8000-000000000003';
const ORDER_ID = 'ORD-1001';
const COMPLAINT_ID = 'CASE-2001';
const REGISTERED_AT = '2026-01-15T09:00:00.000Z';
const AT = '2026-01-20T14:30:00.000Z';

const spec = DeciderSpecification.for(customerDecider);

/** Checks a thrown DomainError's kind, code and (when given) field. */
const domainError =
  (kind: DomainErrorKind, code: string, field?: string) =>
  (error: unknown): void => {
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ kind, code, ...(field !== undefined && { field }) });
  };

// ─── order lines: total 2×1500 + 1×4000 = 7000, cost 2×900 + 1×2500 = 4300 ──
const LINES: OrderLine[] = [
  { sku: 'SKU-A', quantity: 2, unitPrice: 1500, unitCost: 900 },
  { sku: 'SKU-B', quantity: 1, unitPrice: 4000, unitCost: 2500 },
];
const TOTAL = 7000;
const COST = 4300;

// ─── events ─────────────────────────────────────────────────────────────────
const customerRegistered = (data: Partial<CustomerRegistered['data']> = {}): CustomerRegistered => ({
  type: 'CustomerRegistered',
  data: { customerId: CUSTOMER_ID, kind: 'person', name: 'Olena Kovalenko', tags: [], occurredAt: REGISTERED_AT, ...data },
});
const companyRegistered = (): CustomerRegistered => customerRegistered({ kind: 'company', name: 'Dnipro Logistics LLC', company: 'Dnipro Logistics LLC' });
const profileChanged = (changes: ProfilePatch): CustomerProfileChanged => ({ type: 'CustomerProfileChanged', data: { customerId: CUSTOMER_ID, changes, occurredAt: AT } });
const contactAdded = (): ContactPersonAdded => ({
  type: 'ContactPersonAdded',
  data: { customerId: CUSTOMER_ID, contactId: CONTACT_ID, name: 'Taras Shevchuk', role: 'Buyer', email: 'taras@dnipro.example', occurredAt: AT },
});
const contactRemoved = (): ContactPersonRemoved => ({ type: 'ContactPersonRemoved', data: { customerId: CUSTOMER_ID, contactId: CONTACT_ID, occurredAt: AT } });
const preferredChannelChanged = (channel: PreferredChannelChanged['data']['channel']): PreferredChannelChanged => ({
  type: 'PreferredChannelChanged',
  data: { customerId: CUSTOMER_ID, channel, occurredAt: AT },
});
const consentChanged = (granted: boolean, source?: string): MarketingConsentChanged => ({
  type: 'MarketingConsentChanged',
  data: { customerId: CUSTOMER_ID, granted, ...(source !== undefined && { source }), occurredAt: AT },
});
const orderPlaced = (): OrderPlaced => ({
  type: 'OrderPlaced',
  data: { customerId: CUSTOMER_ID, orderId: ORDER_ID, currency: 'EUR', lines: LINES, total: TOTAL, cost: COST, occurredAt: AT },
});
const orderCancelled = (): OrderCancelled => ({
  type: 'OrderCancelled',
  data: { customerId: CUSTOMER_ID, orderId: ORDER_ID, currency: 'EUR', total: TOTAL, cost: COST, occurredAt: AT },
});
const orderReturned = (lines: OrderReturned['data']['lines'], refund: number, costReversed: number): OrderReturned => ({
  type: 'OrderReturned',
  data: { customerId: CUSTOMER_ID, orderId: ORDER_ID, currency: 'EUR', lines, refund, costReversed, occurredAt: AT },
});
const complaintFiled = (): ComplaintFiled => ({
  type: 'ComplaintFiled',
  data: { customerId: CUSTOMER_ID, complaintId: COMPLAINT_ID, category: 'delivery', severity: 'high', channel: 'email', description: 'Parcel arrived damaged', occurredAt: AT },
});
const complaintEscalated = (level: number): ComplaintEscalated => ({
  type: 'ComplaintEscalated',
  data: { customerId: CUSTOMER_ID, complaintId: COMPLAINT_ID, level, reason: 'No reply within 48h', occurredAt: AT },
});
const complaintResolved = (): ComplaintResolved => ({
  type: 'ComplaintResolved',
  data: { customerId: CUSTOMER_ID, complaintId: COMPLAINT_ID, resolution: 'Replacement sent', satisfaction: 4, occurredAt: AT },
});

// ─── commands ───────────────────────────────────────────────────────────────
const register = (data: Partial<RegisterCustomer['data']> = {}): RegisterCustomer => ({
  type: 'RegisterCustomer',
  data: { customerId: CUSTOMER_ID, kind: 'person', name: 'Olena Kovalenko', occurredAt: REGISTERED_AT, ...data },
});
const changeProfile = (changes: ProfilePatch): ChangeCustomerProfile => ({ type: 'ChangeCustomerProfile', data: { customerId: CUSTOMER_ID, changes, occurredAt: AT } });
const addContact = (): AddContactPerson => ({
  type: 'AddContactPerson',
  data: { customerId: CUSTOMER_ID, contactId: CONTACT_ID, name: 'Taras Shevchuk', role: 'Buyer', email: 'taras@dnipro.example', occurredAt: AT },
});
const removeContact = (): RemoveContactPerson => ({ type: 'RemoveContactPerson', data: { customerId: CUSTOMER_ID, contactId: CONTACT_ID, occurredAt: AT } });
const changePreferredChannel = (channel: ChangePreferredChannel['data']['channel']): ChangePreferredChannel => ({
  type: 'ChangePreferredChannel',
  data: { customerId: CUSTOMER_ID, channel, occurredAt: AT },
});
const changeConsent = (granted: boolean, source?: string): ChangeMarketingConsent => ({
  type: 'ChangeMarketingConsent',
  data: { customerId: CUSTOMER_ID, granted, ...(source !== undefined && { source }), occurredAt: AT },
});
const recordTouchpoint = (data: Partial<RecordTouchpoint['data']> = {}): RecordTouchpoint => ({
  type: 'RecordTouchpoint',
  data: { customerId: CUSTOMER_ID, touchpointId: TOUCHPOINT_ID, touchpointType: 'call', direction: 'inbound', agent: 'agent.iryna', subject: 'Delivery question', occurredAt: AT, ...data },
});
const placeOrder = (data: Partial<PlaceOrder['data']> = {}): PlaceOrder => ({
  type: 'PlaceOrder',
  data: { customerId: CUSTOMER_ID, orderId: ORDER_ID, currency: 'EUR', lines: LINES, occurredAt: AT, ...data },
});
const cancelOrder = (data: Partial<CancelOrder['data']> = {}): CancelOrder => ({ type: 'CancelOrder', data: { customerId: CUSTOMER_ID, orderId: ORDER_ID, occurredAt: AT, ...data } });
const returnOrder = (data: Partial<ReturnOrder['data']> = {}): ReturnOrder => ({ type: 'ReturnOrder', data: { customerId: CUSTOMER_ID, orderId: ORDER_ID, occurredAt: AT, ...data } });
const fileComplaint = (data: Partial<FileComplaint['data']> = {}): FileComplaint => ({
  type: 'FileComplaint',
  data: { customerId: CUSTOMER_ID, complaintId: COMPLAINT_ID, category: 'delivery', severity: 'high', channel: 'email', description: 'Parcel arrived damaged', occurredAt: AT, ...data },
});
const escalateComplaint = (data: Partial<EscalateComplaint['data']> = {}): EscalateComplaint => ({
  type: 'EscalateComplaint',
  data: { customerId: CUSTOMER_ID, complaintId: COMPLAINT_ID, reason: 'No reply within 48h', occurredAt: AT, ...data },
});
const resolveComplaint = (data: Partial<ResolveComplaint['data']> = {}): ResolveComplaint => ({
  type: 'ResolveComplaint',
  data: { customerId: CUSTOMER_ID, complaintId: COMPLAINT_ID, resolution: 'Replacement sent', satisfaction: 4, occurredAt: AT, ...data },
});

describe('customer decider', () => {
  describe('RegisterCustomer', () => {
    it('registers a new customer with every field given', () => {
      const address = { line1: 'Khreshchatyk 1', city: 'Kyiv', postalCode: '01001', country: 'UA' };
      spec
        .given([])
        .when(register({ email: 'olena@example.com', phone: '+380441234567', address, company: 'Kyiv Bakery', tags: ['vip'], owner: 'sales.anna' }))
        .then([customerRegistered({ email: 'olena@example.com', phone: '+380441234567', address, company: 'Kyiv Bakery', tags: ['vip'], owner: 'sales.anna' })]);
    });

    it('records an empty tag list when no tags are given', () => {
      spec.given([]).when(register()).then([customerRegistered({ tags: [] })]);
    });

    it('normalises tags: trimmed, lower-cased, blanks and duplicates dropped, sorted', () => {
      spec
        .given([])
        .when(register({ tags: [' VIP ', 'wholesale', 'vip', '', '   ', 'Early-Adopter'] }))
        .then([customerRegistered({ tags: ['early-adopter', 'vip', 'wholesale'] })]);
    });

    it('registers a company', () => {
      spec.given([]).when(register({ kind: 'company', name: 'Dnipro Logistics LLC', company: 'Dnipro Logistics LLC' })).then([companyRegistered()]);
    });

    it('refuses a customer id that is already registered', () => {
      spec.given([customerRegistered()]).when(register()).thenThrows(domainError('conflict', 'customer_exists', 'customerId'));
    });

    it('refuses a blank company name for a person', () => {
      spec.given([]).when(register({ company: '   ' })).thenThrows(domainError('rule_violated', 'invalid_company', 'company'));
    });
  });

  describe('every command but RegisterCustomer needs a registered customer', () => {
    const commands: CustomerCommand[] = [
      changeProfile({ name: 'Olena K.' }),
      addContact(),
      removeContact(),
      changePreferredChannel('email'),
      changeConsent(true),
      recordTouchpoint(),
      placeOrder(),
      cancelOrder(),
      returnOrder(),
      fileComplaint(),
      escalateComplaint(),
      resolveComplaint(),
    ];

    it.each(commands.map((c) => [c.type, c] as const))('%s on an unknown customer is not_found', (_type, command) => {
      spec.given([]).when(command).thenThrows(domainError('not_found', 'customer_not_found', 'customerId'));
    });
  });

  describe('ChangeCustomerProfile', () => {
    const registeredWithContacts = () => customerRegistered({ email: 'olena@example.com', phone: '+380441234567', tags: ['vip'], owner: 'sales.anna' });

    it('records the changed fields', () => {
      spec
        .given([registeredWithContacts()])
        .when(changeProfile({ name: 'Olena Kovalenko-Shevchuk', email: 'olena.ks@example.com' }))
        .then([profileChanged({ name: 'Olena Kovalenko-Shevchuk', email: 'olena.ks@example.com' })]);
    });

    it('keeps only the fields that really change', () => {
      spec
        .given([registeredWithContacts()])
        .when(changeProfile({ name: 'Olena Kovalenko', email: 'olena@example.com', phone: '+380509876543', owner: 'sales.anna' }))
        .then([profileChanged({ phone: '+380509876543' })]);
    });

    it('does nothing when no field changes (a repeated PATCH)', () => {
      spec
        .given([registeredWithContacts(), profileChanged({ phone: '+380509876543' })])
        .when(changeProfile({ phone: '+380509876543', name: 'Olena Kovalenko' }))
        .thenNothingHappens();
    });

    it('does nothing for an empty patch', () => {
      spec.given([registeredWithContacts()]).when(changeProfile({})).thenNothingHappens();
    });

    it('clears optional fields with null', () => {
      spec
        .given([registeredWithContacts()])
        .when(changeProfile({ email: null, phone: null, owner: null }))
        .then([profileChanged({ email: null, phone: null, owner: null })]);
    });

    it('does nothing when clearing a field that is already cleared', () => {
      spec.given([registeredWithContacts(), profileChanged({ email: null })]).when(changeProfile({ email: null })).thenNothingHappens();
    });

    it('does nothing when clearing a field that was never set', () => {
      spec.given([customerRegistered()]).when(changeProfile({ address: null, company: null })).thenNothingHappens();
    });

    it('sets a field again after it was cleared', () => {
      spec
        .given([registeredWithContacts(), profileChanged({ email: null })])
        .when(changeProfile({ email: 'olena@example.com' }))
        .then([profileChanged({ email: 'olena@example.com' })]);
    });

    it('refuses to clear the name', () => {
      spec.given([customerRegistered()]).when(changeProfile({ name: null as unknown as string })).thenThrows(domainError('rule_violated', 'name_required', 'changes.name'));
    });

    it('normalises tags before comparing and recording them', () => {
      spec
        .given([registeredWithContacts()])
        .when(changeProfile({ tags: ['Wholesale ', 'VIP', 'vip'] }))
        .then([profileChanged({ tags: ['vip', 'wholesale'] })]);
    });

    it('does nothing when the tags are the same once normalised', () => {
      spec.given([registeredWithContacts()]).when(changeProfile({ tags: [' VIP', 'vip '] })).thenNothingHappens();
    });

    it('records an empty tag list when every tag is removed', () => {
      spec.given([registeredWithContacts()]).when(changeProfile({ tags: [] })).then([profileChanged({ tags: [] })]);
    });

    it('compares addresses by value', () => {
      const address = { line1: 'Khreshchatyk 1', city: 'Kyiv', country: 'UA' };
      spec.given([customerRegistered({ address })]).when(changeProfile({ address: { ...address } })).thenNothingHappens();
      spec
        .given([customerRegistered({ address })])
        .when(changeProfile({ address: { ...address, line2: 'Office 4' } }))
        .then([profileChanged({ address: { ...address, line2: 'Office 4' } })]);
    });
  });

  describe('AddContactPerson', () => {
    it('adds a contact person to a company', () => {
      spec.given([companyRegistered()]).when(addContact()).then([contactAdded()]);
    });

    it('refuses contact persons for a person', () => {
      spec.given([customerRegistered()]).when(addContact()).thenThrows(domainError('rule_violated', 'not_a_company', 'customerId'));
    });

    it('refuses a contact id that already exists', () => {
      spec.given([companyRegistered(), contactAdded()]).when(addContact()).thenThrows(domainError('conflict', 'contact_exists', 'contactId'));
    });

    it('accepts the same contact id again once it was removed', () => {
      spec.given([companyRegistered(), contactAdded(), contactRemoved()]).when(addContact()).then([contactAdded()]);
    });
  });

  describe('RemoveContactPerson', () => {
    it('removes an existing contact person', () => {
      spec.given([companyRegistered(), contactAdded()]).when(removeContact()).then([contactRemoved()]);
    });

    it('refuses an unknown contact', () => {
      spec.given([companyRegistered()]).when(removeContact()).thenThrows(domainError('not_found', 'contact_not_found', 'contactId'));
    });

    it('refuses a contact that was already removed', () => {
      spec.given([companyRegistered(), contactAdded(), contactRemoved()]).when(removeContact()).thenThrows(domainError('not_found', 'contact_not_found', 'contactId'));
    });
  });

  describe('ChangePreferredChannel', () => {
    it('records the first preferred channel', () => {
      spec.given([customerRegistered()]).when(changePreferredChannel('email')).then([preferredChannelChanged('email')]);
    });

    it('records a different channel', () => {
      spec.given([customerRegistered(), preferredChannelChanged('email')]).when(changePreferredChannel('phone')).then([preferredChannelChanged('phone')]);
    });

    it('does nothing when the channel is already preferred', () => {
      spec.given([customerRegistered(), preferredChannelChanged('email')]).when(changePreferredChannel('email')).thenNothingHappens();
    });
  });

  describe('ChangeMarketingConsent', () => {
    it('records consent granted, with its source', () => {
      spec.given([customerRegistered()]).when(changeConsent(true, 'web form')).then([consentChanged(true, 'web form')]);
    });

    it('records a withdrawal even when consent was never given (an explicit no)', () => {
      spec.given([customerRegistered()]).when(changeConsent(false)).then([consentChanged(false)]);
    });

    it('records a withdrawal after consent was granted', () => {
      spec.given([customerRegistered(), consentChanged(true)]).when(changeConsent(false, 'call')).then([consentChanged(false, 'call')]);
    });

    it('does nothing when the consent is unchanged', () => {
      spec.given([customerRegistered(), consentChanged(true, 'web form')]).when(changeConsent(true, 'letter')).thenNothingHappens();
    });
  });

  describe('RecordTouchpoint', () => {
    const touchpointRecorded = (data: Partial<TouchpointRecorded['data']> = {}): TouchpointRecorded => ({
      type: 'TouchpointRecorded',
      data: { customerId: CUSTOMER_ID, touchpointId: TOUCHPOINT_ID, touchpointType: 'call', channel: 'phone', direction: 'inbound', agent: 'agent.iryna', subject: 'Delivery question', occurredAt: AT, ...data },
    });

    it('records a touchpoint with every field given', () => {
      const details = { channel: 'video', summary: 'Walked through tracking', durationSeconds: 420, outcome: 'resolved', url: 'https://meet.example/abc' } as const;
      spec
        .given([customerRegistered()])
        .when(recordTouchpoint(details))
        .then([touchpointRecorded(details)]);
    });

    it.each([
      ['call', 'phone'],
      ['email', 'email'],
      ['web_visit', 'web'],
      ['meeting', 'in_person'],
      ['chat', 'chat'],
      ['sms', 'sms'],
      ['letter', 'mail'],
      ['fax', 'fax'],
    ] as const)('a %s without a channel travels over %s by default', (touchpointType, channel) => {
      spec.given([customerRegistered()]).when(recordTouchpoint({ touchpointType })).then([touchpointRecorded({ touchpointType, channel })]);
    });

    it.each([
      ['call', 'video'],
      ['meeting', 'video'],
      ['chat', 'web'],
      ['chat', 'social'],
    ] as const)('a %s may also travel over %s', (touchpointType, channel) => {
      spec.given([customerRegistered()]).when(recordTouchpoint({ touchpointType, channel })).then([touchpointRecorded({ touchpointType, channel })]);
    });

    it.each([
      ['email', 'phone'],
      ['call', 'email'],
      ['meeting', 'phone'],
      ['letter', 'email'],
    ] as const)('refuses a %s over %s', (touchpointType, channel) => {
      spec.given([customerRegistered()]).when(recordTouchpoint({ touchpointType, channel })).thenThrows(domainError('rule_violated', 'channel_mismatch', 'channel'));
    });

    it('accepts a zero duration', () => {
      spec.given([customerRegistered()]).when(recordTouchpoint({ durationSeconds: 0 })).then([touchpointRecorded({ durationSeconds: 0 })]);
    });

    it.each([-1, 1.5, Number.NaN])('refuses a duration of %p seconds', (durationSeconds) => {
      spec.given([customerRegistered()]).when(recordTouchpoint({ durationSeconds })).thenThrows(domainError('rule_violated', 'invalid_duration', 'durationSeconds'));
    });

    it('leaves the state untouched, so long histories stay cheap', () => {
      const before = fold(customerDecider, customerDecider.initialState(), [customerRegistered()]);
      expect(customerDecider.evolve(before, touchpointRecorded())).toBe(before);
    });
  });

  describe('PlaceOrder', () => {
    it('records the order with its total and cost computed in minor units', () => {
      spec.given([customerRegistered()]).when(placeOrder()).then([orderPlaced()]);
    });

    it('keeps the sales channel when given', () => {
      spec
        .given([customerRegistered()])
        .when(placeOrder({ channel: 'web' }))
        .then([{ ...orderPlaced(), data: { ...orderPlaced().data, channel: 'web' } }]);
    });

    it('accepts free items (zero price and cost)', () => {
      const lines = [{ sku: 'GIFT', quantity: 3, unitPrice: 0, unitCost: 0 }];
      spec
        .given([customerRegistered()])
        .when(placeOrder({ lines, currency: 'UAH' }))
        .then([{ type: 'OrderPlaced', data: { customerId: CUSTOMER_ID, orderId: ORDER_ID, currency: 'UAH', lines, total: 0, cost: 0, occurredAt: AT } }]);
    });

    it('refuses an order id that already exists', () => {
      spec.given([customerRegistered(), orderPlaced()]).when(placeOrder()).thenThrows(domainError('conflict', 'order_exists', 'orderId'));
    });

    it.each(['eur', 'XXQ', 'EURO', ''])('refuses the currency %p', (currency) => {
      spec.given([customerRegistered()]).when(placeOrder({ currency })).thenThrows(domainError('rule_violated', 'unknown_currency', 'currency'));
    });

    it('refuses an order without lines', () => {
      spec.given([customerRegistered()]).when(placeOrder({ lines: [] })).thenThrows(domainError('rule_violated', 'empty_order', 'lines'));
    });

    it('refuses the same SKU on two lines', () => {
      const lines = [LINES[0], { ...LINES[0], quantity: 1 }];
      spec.given([customerRegistered()]).when(placeOrder({ lines })).thenThrows(domainError('rule_violated', 'duplicate_sku', 'lines[1].sku'));
    });

    it.each([0, -1, 1.5])('refuses a quantity of %p', (quantity) => {
      spec
        .given([customerRegistered()])
        .when(placeOrder({ lines: [LINES[0], { ...LINES[1], quantity }] }))
        .thenThrows(domainError('rule_violated', 'invalid_quantity', 'lines[1].quantity'));
    });

    it.each([-1, 12.5])('refuses a unit price of %p', (unitPrice) => {
      spec.given([customerRegistered()]).when(placeOrder({ lines: [{ ...LINES[0], unitPrice }] })).thenThrows(domainError('rule_violated', 'invalid_amount', 'lines[0].unitPrice'));
    });

    it.each([-1, 0.99])('refuses a unit cost of %p', (unitCost) => {
      spec.given([customerRegistered()]).when(placeOrder({ lines: [{ ...LINES[0], unitCost }] })).thenThrows(domainError('rule_violated', 'invalid_amount', 'lines[0].unitCost'));
    });

    it('refuses a total beyond the largest safe integer', () => {
      const lines = [{ sku: 'YACHT', quantity: 2, unitPrice: Number.MAX_SAFE_INTEGER, unitCost: 1 }];
      spec.given([customerRegistered()]).when(placeOrder({ lines })).thenThrows(domainError('rule_violated', 'amount_overflow', 'lines'));
    });

    it('refuses a cost beyond the largest safe integer', () => {
      const lines = [
        { sku: 'A', quantity: 1, unitPrice: 1, unitCost: Number.MAX_SAFE_INTEGER },
        { sku: 'B', quantity: 1, unitPrice: 1, unitCost: 1 },
      ];
      spec.given([customerRegistered()]).when(placeOrder({ lines })).thenThrows(domainError('rule_violated', 'amount_overflow', 'lines'));
    });
  });

  describe('CancelOrder', () => {
    it('cancels a placed order, restating its currency, total and cost', () => {
      spec.given([customerRegistered(), orderPlaced()]).when(cancelOrder()).then([orderCancelled()]);
    });

    it('keeps the reason when given', () => {
      spec
        .given([customerRegistered(), orderPlaced()])
        .when(cancelOrder({ reason: 'Ordered twice' }))
        .then([{ ...orderCancelled(), data: { ...orderCancelled().data, reason: 'Ordered twice' } }]);
    });

    it('refuses an unknown order', () => {
      spec.given([customerRegistered()]).when(cancelOrder()).thenThrows(domainError('not_found', 'order_not_found', 'orderId'));
    });

    it('refuses an order that is already cancelled', () => {
      spec.given([customerRegistered(), orderPlaced(), orderCancelled()]).when(cancelOrder()).thenThrows(domainError('conflict', 'order_not_cancellable', 'orderId'));
    });

    it('refuses an order that was returned in full', () => {
      spec
        .given([customerRegistered(), orderPlaced(), orderReturned([{ sku: 'SKU-A', quantity: 2 }, { sku: 'SKU-B', quantity: 1 }], TOTAL, COST)])
        .when(cancelOrder())
        .thenThrows(domainError('conflict', 'order_not_cancellable', 'orderId'));
    });

    it('refuses an order with returned items: the rest must be returned instead', () => {
      spec
        .given([customerRegistered(), orderPlaced(), orderReturned([{ sku: 'SKU-A', quantity: 1 }], 1500, 900)])
        .when(cancelOrder())
        .thenThrows(domainError('conflict', 'order_partly_returned', 'orderId'));
    });
  });

  describe('ReturnOrder', () => {
    it('returns some items, computing the refund and the cost reversed', () => {
      spec
        .given([customerRegistered(), orderPlaced()])
        .when(returnOrder({ lines: [{ sku: 'SKU-A', quantity: 1 }], reason: 'Wrong size' }))
        .then([{ ...orderReturned([{ sku: 'SKU-A', quantity: 1 }], 1500, 900), data: { ...orderReturned([{ sku: 'SKU-A', quantity: 1 }], 1500, 900).data, reason: 'Wrong size' } }]);
    });

    it('returns everything when no lines are given', () => {
      spec
        .given([customerRegistered(), orderPlaced()])
        .when(returnOrder())
        .then([orderReturned([{ sku: 'SKU-A', quantity: 2 }, { sku: 'SKU-B', quantity: 1 }], TOTAL, COST)]);
    });

    it('returns only what is still outstanding when no lines are given after a partial return', () => {
      spec
        .given([customerRegistered(), orderPlaced(), orderReturned([{ sku: 'SKU-A', quantity: 1 }], 1500, 900)])
        .when(returnOrder())
        .then([orderReturned([{ sku: 'SKU-A', quantity: 1 }, { sku: 'SKU-B', quantity: 1 }], 5500, 3400)]);
    });

    it('marks the order returned once partial returns add up to everything', () => {
      const history: CustomerEvent[] = [
        customerRegistered(),
        orderPlaced(),
        orderReturned([{ sku: 'SKU-A', quantity: 1 }], 1500, 900),
        orderReturned([{ sku: 'SKU-A', quantity: 1 }, { sku: 'SKU-B', quantity: 1 }], 5500, 3400),
      ];
      expect(fold(customerDecider, customerDecider.initialState(), history.slice(0, 3)).orders[ORDER_ID].status).toBe('placed');
      expect(fold(customerDecider, customerDecider.initialState(), history).orders[ORDER_ID].status).toBe('returned');
      spec.given(history).when(returnOrder()).thenThrows(domainError('conflict', 'order_not_returnable', 'orderId'));
      spec.given(history).when(returnOrder({ lines: [{ sku: 'SKU-B', quantity: 1 }] })).thenThrows(domainError('conflict', 'order_not_returnable', 'orderId'));
    });

    it('refuses an unknown order', () => {
      spec.given([customerRegistered()]).when(returnOrder()).thenThrows(domainError('not_found', 'order_not_found', 'orderId'));
    });

    it('refuses a cancelled order', () => {
      spec.given([customerRegistered(), orderPlaced(), orderCancelled()]).when(returnOrder()).thenThrows(domainError('conflict', 'order_not_returnable', 'orderId'));
    });

    it('refuses an explicitly empty list of lines', () => {
      spec.given([customerRegistered(), orderPlaced()]).when(returnOrder({ lines: [] })).thenThrows(domainError('rule_violated', 'nothing_to_return', 'lines'));
    });

    it('refuses a SKU that is not in the order', () => {
      spec
        .given([customerRegistered(), orderPlaced()])
        .when(returnOrder({ lines: [{ sku: 'SKU-A', quantity: 1 }, { sku: 'SKU-Z', quantity: 1 }] }))
        .thenThrows(domainError('rule_violated', 'sku_not_in_order', 'lines[1].sku'));
    });

    it.each([0, -1, 0.5])('refuses a quantity of %p', (quantity) => {
      spec
        .given([customerRegistered(), orderPlaced()])
        .when(returnOrder({ lines: [{ sku: 'SKU-A', quantity }] }))
        .thenThrows(domainError('rule_violated', 'invalid_quantity', 'lines[0].quantity'));
    });

    it('refuses more items than were ordered', () => {
      spec
        .given([customerRegistered(), orderPlaced()])
        .when(returnOrder({ lines: [{ sku: 'SKU-A', quantity: 3 }] }))
        .thenThrows(domainError('rule_violated', 'return_exceeds_order', 'lines[0].quantity'));
    });

    it('refuses more items than are still outstanding after a partial return', () => {
      spec
        .given([customerRegistered(), orderPlaced(), orderReturned([{ sku: 'SKU-A', quantity: 1 }], 1500, 900)])
        .when(returnOrder({ lines: [{ sku: 'SKU-A', quantity: 2 }] }))
        .thenThrows(domainError('rule_violated', 'return_exceeds_order', 'lines[0].quantity'));
    });

    it('refuses the same SKU on two lines (which could otherwise return more than was ordered)', () => {
      spec
        .given([customerRegistered(), orderPlaced()])
        .when(returnOrder({ lines: [{ sku: 'SKU-A', quantity: 2 }, { sku: 'SKU-A', quantity: 2 }] }))
        .thenThrows(domainError('rule_violated', 'duplicate_sku', 'lines[1].sku'));
    });
  });

  describe('FileComplaint', () => {
    it('files a complaint', () => {
      spec.given([customerRegistered()]).when(fileComplaint()).then([complaintFiled()]);
    });

    it('files a complaint about an order of the customer', () => {
      spec
        .given([customerRegistered(), orderPlaced()])
        .when(fileComplaint({ orderId: ORDER_ID }))
        .then([{ ...complaintFiled(), data: { ...complaintFiled().data, orderId: ORDER_ID } }]);
    });

    it('refuses an order the customer does not have', () => {
      spec.given([customerRegistered()]).when(fileComplaint({ orderId: 'ORD-9999' })).thenThrows(domainError('not_found', 'order_not_found', 'orderId'));
    });

    it('refuses a complaint id that already exists', () => {
      spec.given([customerRegistered(), complaintFiled()]).when(fileComplaint()).thenThrows(domainError('conflict', 'complaint_exists', 'complaintId'));
    });
  });

  describe('EscalateComplaint', () => {
    it('escalates an open complaint to level 1', () => {
      spec.given([customerRegistered(), complaintFiled()]).when(escalateComplaint()).then([complaintEscalated(1)]);
    });

    it('raises the level by one on each escalation', () => {
      spec
        .given([customerRegistered(), complaintFiled(), complaintEscalated(1), complaintEscalated(2)])
        .when(escalateComplaint({ escalatedTo: 'head.of.service' }))
        .then([{ ...complaintEscalated(3), data: { ...complaintEscalated(3).data, escalatedTo: 'head.of.service' } }]);
    });

    it('refuses an unknown complaint', () => {
      spec.given([customerRegistered()]).when(escalateComplaint()).thenThrows(domainError('not_found', 'complaint_not_found', 'complaintId'));
    });

    it('refuses a resolved complaint', () => {
      spec.given([customerRegistered(), complaintFiled(), complaintResolved()]).when(escalateComplaint()).thenThrows(domainError('conflict', 'complaint_resolved', 'complaintId'));
    });
  });

  describe('ResolveComplaint', () => {
    it('resolves an open complaint', () => {
      spec.given([customerRegistered(), complaintFiled()]).when(resolveComplaint()).then([complaintResolved()]);
    });

    it('resolves an escalated complaint', () => {
      spec.given([customerRegistered(), complaintFiled(), complaintEscalated(1)]).when(resolveComplaint()).then([complaintResolved()]);
    });

    it.each([1, 5])('accepts a satisfaction of %p', (satisfaction) => {
      spec
        .given([customerRegistered(), complaintFiled()])
        .when(resolveComplaint({ satisfaction }))
        .then([{ ...complaintResolved(), data: { ...complaintResolved().data, satisfaction } }]);
    });

    it.each([0, 6, 4.5])('refuses a satisfaction of %p', (satisfaction) => {
      spec
        .given([customerRegistered(), complaintFiled()])
        .when(resolveComplaint({ satisfaction }))
        .thenThrows(domainError('rule_violated', 'invalid_satisfaction', 'satisfaction'));
    });

    it('refuses an unknown complaint', () => {
      spec.given([customerRegistered()]).when(resolveComplaint()).thenThrows(domainError('not_found', 'complaint_not_found', 'complaintId'));
    });

    it('refuses a complaint that is already resolved', () => {
      spec.given([customerRegistered(), complaintFiled(), complaintResolved()]).when(resolveComplaint()).thenThrows(domainError('conflict', 'complaint_resolved', 'complaintId'));
    });
  });

  describe('client-chosen ids that name Object.prototype members are ordinary ids', () => {
    it('places an order numbered "constructor"', () => {
      spec
        .given([customerRegistered()])
        .when(placeOrder({ orderId: 'constructor' }))
        .then([{ ...orderPlaced(), data: { ...orderPlaced().data, orderId: 'constructor' } }]);
    });

    it('does not find an order "toString" that was never placed', () => {
      spec.given([customerRegistered()]).when(cancelOrder({ orderId: 'toString' })).thenThrows(domainError('not_found', 'order_not_found', 'orderId'));
      spec.given([customerRegistered()]).when(fileComplaint({ orderId: 'toString' })).thenThrows(domainError('not_found', 'order_not_found', 'orderId'));
    });

    it('does not find a SKU "constructor" that is not in the order', () => {
      spec
        .given([customerRegistered(), orderPlaced()])
        .when(returnOrder({ lines: [{ sku: 'constructor', quantity: 1 }] }))
        .thenThrows(domainError('rule_violated', 'sku_not_in_order', 'lines[0].sku'));
    });

    it('files, escalates and resolves a complaint numbered "constructor"', () => {
      const filed = { ...complaintFiled(), data: { ...complaintFiled().data, complaintId: 'constructor' } };
      spec.given([customerRegistered()]).when(fileComplaint({ complaintId: 'constructor' })).then([filed]);
      spec.given([customerRegistered()]).when(escalateComplaint({ complaintId: 'valueOf' })).thenThrows(domainError('not_found', 'complaint_not_found', 'complaintId'));
      spec
        .given([customerRegistered(), filed])
        .when(escalateComplaint({ complaintId: 'constructor' }))
        .then([{ ...complaintEscalated(1), data: { ...complaintEscalated(1).data, complaintId: 'constructor' } }]);
    });

    it('does not find a contact "hasOwnProperty" that was never added', () => {
      spec
        .given([companyRegistered()])
        .when({ type: 'RemoveContactPerson', data: { customerId: CUSTOMER_ID, contactId: 'hasOwnProperty', occurredAt: AT } })
        .thenThrows(domainError('not_found', 'contact_not_found', 'contactId'));
    });
  });

  describe('orders as sources know them (a total, lines without cost)', () => {
    const totalOnly = (total: number): OrderPlaced => ({ type: 'OrderPlaced', data: { customerId: CUSTOMER_ID, orderId: ORDER_ID, currency: 'USD', lines: [], total, occurredAt: AT } });

    it('records a total-only order with no lines and an unknown cost', () => {
      spec
        .given([customerRegistered()])
        .when(placeOrder({ lines: undefined, total: 2990, currency: 'USD' }))
        .then([totalOnly(2990)]);
    });

    it('accepts lines and a total that agree, and keeps the cost', () => {
      spec.given([customerRegistered()]).when(placeOrder({ total: TOTAL })).then([orderPlaced()]);
    });

    it('refuses lines and a total that disagree', () => {
      spec.given([customerRegistered()]).when(placeOrder({ total: TOTAL + 1 })).thenThrows(domainError('rule_violated', 'total_mismatch', 'total'));
    });

    it.each([-1, 1.5])('refuses a total of %p', (total) => {
      spec.given([customerRegistered()]).when(placeOrder({ lines: undefined, total })).thenThrows(domainError('rule_violated', 'invalid_amount', 'total'));
    });

    it('refuses an order with neither lines nor a total', () => {
      spec.given([customerRegistered()]).when(placeOrder({ lines: undefined })).thenThrows(domainError('rule_violated', 'empty_order', 'lines'));
    });

    it('leaves the cost out when one line has no unit cost: unknown, not zero', () => {
      const lines = [LINES[0], { sku: 'SKU-B', quantity: 1, unitPrice: 4000 }];
      spec
        .given([customerRegistered()])
        .when(placeOrder({ lines }))
        .then([{ type: 'OrderPlaced', data: { customerId: CUSTOMER_ID, orderId: ORDER_ID, currency: 'EUR', lines, total: TOTAL, occurredAt: AT } }]);
    });

    it('cancels a total-only order for its total, cost left out', () => {
      spec
        .given([customerRegistered(), totalOnly(2990)])
        .when(cancelOrder())
        .then([{ type: 'OrderCancelled', data: { customerId: CUSTOMER_ID, orderId: ORDER_ID, currency: 'USD', total: 2990, occurredAt: AT } }]);
    });

    it('returns a total-only order whole, and only whole', () => {
      spec
        .given([customerRegistered(), totalOnly(2990)])
        .when(returnOrder())
        .then([{ type: 'OrderReturned', data: { customerId: CUSTOMER_ID, orderId: ORDER_ID, currency: 'USD', lines: [], refund: 2990, occurredAt: AT } }]);
      spec
        .given([customerRegistered(), totalOnly(2990)])
        .when(returnOrder({ lines: [{ sku: 'X', quantity: 1 }] }))
        .thenThrows(domainError('rule_violated', 'order_has_no_lines', 'lines'));
      const returned: OrderReturned = { type: 'OrderReturned', data: { customerId: CUSTOMER_ID, orderId: ORDER_ID, currency: 'USD', lines: [], refund: 2990, occurredAt: AT } };
      spec.given([customerRegistered(), totalOnly(2990), returned]).when(returnOrder()).thenThrows(domainError('conflict', 'order_not_returnable', 'orderId'));
    });
  });

  describe('invoices and payments', () => {
    const issued: CustomerEvent = { type: 'InvoiceIssued', data: { customerId: CUSTOMER_ID, invoiceId: 'INV-1', orderId: ORDER_ID, currency: 'EUR', amount: 7000, dueDate: '2026-02-03', occurredAt: AT } };
    const issue = (data: Partial<Extract<CustomerCommand, { type: 'IssueInvoice' }>['data']> = {}): CustomerCommand => ({ type: 'IssueInvoice', data: { ...(issued.data as Extract<CustomerCommand, { type: 'IssueInvoice' }>['data']), ...data } });
    const pay = (paymentId: string, amount: number, currency?: string): CustomerCommand => ({ type: 'RecordPayment', data: { customerId: CUSTOMER_ID, invoiceId: 'INV-1', paymentId, amount, ...(currency && { currency }), occurredAt: AT } });
    const paid = (paymentId: string, amount: number, outstanding: number): CustomerEvent => ({ type: 'PaymentReceived', data: { customerId: CUSTOMER_ID, invoiceId: 'INV-1', paymentId, amount, currency: 'EUR', outstanding, occurredAt: AT } });

    it('issues an invoice for an order of the customer', () => {
      spec.given([customerRegistered(), orderPlaced()]).when(issue()).then([issued]);
    });
    it('refuses a second invoice id, an unknown order, another currency than the order, a due date before issue, a zero amount', () => {
      spec.given([customerRegistered(), orderPlaced(), issued]).when(issue()).thenThrows(domainError('conflict', 'invoice_exists', 'invoiceId'));
      spec.given([customerRegistered()]).when(issue()).thenThrows(domainError('not_found', 'order_not_found', 'orderId'));
      spec.given([customerRegistered(), orderPlaced()]).when(issue({ currency: 'USD' })).thenThrows(domainError('rule_violated', 'currency_mismatch', 'currency'));
      spec.given([customerRegistered(), orderPlaced()]).when(issue({ dueDate: '2026-01-19' })).thenThrows(domainError('rule_violated', 'due_before_issue', 'dueDate'));
      spec.given([customerRegistered(), orderPlaced()]).when(issue({ amount: 0 })).thenThrows(domainError('rule_violated', 'invalid_amount', 'amount'));
    });
    it('records partial payments with what remains, and the settling one with 0', () => {
      spec.given([customerRegistered(), orderPlaced(), issued]).when(pay('P-1', 2000)).then([paid('P-1', 2000, 5000)]);
      spec.given([customerRegistered(), orderPlaced(), issued, paid('P-1', 2000, 5000)]).when(pay('P-2', 5000)).then([paid('P-2', 5000, 0)]);
    });
    it('a payment id already counted records nothing, even after the invoice is settled', () => {
      spec.given([customerRegistered(), orderPlaced(), issued, paid('P-1', 7000, 0)]).when(pay('P-1', 7000)).then([]);
    });
    it('refuses a payment above the outstanding amount, in another currency, on a settled or unknown invoice', () => {
      spec.given([customerRegistered(), orderPlaced(), issued, paid('P-1', 2000, 5000)]).when(pay('P-2', 5001)).thenThrows(domainError('rule_violated', 'payment_exceeds_outstanding', 'amount'));
      spec.given([customerRegistered(), orderPlaced(), issued]).when(pay('P-2', 100, 'USD')).thenThrows(domainError('rule_violated', 'currency_mismatch', 'currency'));
      spec.given([customerRegistered(), orderPlaced(), issued, paid('P-1', 7000, 0)]).when(pay('P-2', 1)).thenThrows(domainError('conflict', 'invoice_settled', 'invoiceId'));
      spec.given([customerRegistered()]).when(pay('P-2', 1)).thenThrows(domainError('not_found', 'invoice_not_found', 'invoiceId'));
    });
    it('writes off what remains, once', () => {
      const writeOff: CustomerCommand = { type: 'WriteOffInvoice', data: { customerId: CUSTOMER_ID, invoiceId: 'INV-1', reason: 'Uncollectable', occurredAt: AT } };
      const writtenOff: CustomerEvent = { type: 'InvoiceWrittenOff', data: { customerId: CUSTOMER_ID, invoiceId: 'INV-1', reason: 'Uncollectable', currency: 'EUR', amount: 5000, occurredAt: AT } };
      spec.given([customerRegistered(), orderPlaced(), issued, paid('P-1', 2000, 5000)]).when(writeOff).then([writtenOff]);
      spec.given([customerRegistered(), orderPlaced(), issued, writtenOff]).when(writeOff).thenThrows(domainError('conflict', 'invoice_settled', 'invoiceId'));
    });
  });

  describe('merge and undo', () => {
    const DUPLICATE = '00000000-0000-4000-8000-0000000000d2';
    const MERGE = '00000000-0000-4000-8000-0000000000e1';
    const TP1 = '00000000-0000-4000-8000-0000000000f1';
    const TP2 = '00000000-0000-4000-8000-0000000000f2';
    const mergeData = { customerId: CUSTOMER_ID, mergeId: MERGE, survivorId: CUSTOMER_ID, duplicateId: DUPLICATE, reason: 'same person', occurredAt: AT };
    const absorbed: CustomerEvent = { type: 'CustomerMerged', data: mergeData };
    const locked: CustomerEvent = { type: 'CustomerMerged', data: { ...mergeData, customerId: DUPLICATE } };
    const undo = (reassign?: string[], recordedSinceMerge?: Record<string, string>): CustomerCommand => ({
      type: 'UndoMerge',
      data: { customerId: CUSTOMER_ID, mergeId: MERGE, reason: 'two people', occurredAt: AT, ...(reassign && { reassign }), ...(recordedSinceMerge && { recordedSinceMerge }) },
    });
    const since = { [TP1]: 'TouchpointRecorded', [TP2]: 'OrderPlaced' };
    const touchpoint: TouchpointRecorded = {
      type: 'TouchpointRecorded',
      data: { customerId: CUSTOMER_ID, touchpointId: TOUCHPOINT_ID, touchpointType: 'call', channel: 'phone', direction: 'inbound', agent: 'agent.iryna', subject: 'Order for my sister', occurredAt: AT },
    };

    it('undo without names: CustomerUnmerged naming no touchpoint', () => {
      spec.given([customerRegistered(), absorbed]).when(undo()).then([{ type: 'CustomerUnmerged', data: { customerId: CUSTOMER_ID, mergeId: MERGE, survivorId: CUSTOMER_ID, duplicateId: DUPLICATE, reason: 'two people', occurredAt: AT } }]);
    });

    it('undo naming touchpoints recorded since the merge: CustomerUnmerged with their ids, once each, lower case', () => {
      spec
        .given([customerRegistered(), absorbed])
        .when(undo([TP1.toUpperCase(), TP1], since))
        .then([{ type: 'CustomerUnmerged', data: { customerId: CUSTOMER_ID, mergeId: MERGE, survivorId: CUSTOMER_ID, duplicateId: DUPLICATE, reason: 'two people', occurredAt: AT, reassignedEventIds: [TP1] } }]);
    });

    it('refuses to give back an event not recorded since the merge, or one that is not a touchpoint', () => {
      spec.given([customerRegistered(), absorbed]).when(undo([TP1, 'elsewhere'], since)).thenThrows(domainError('rule_violated', 'event_not_reassignable', 'reassignEventIds[1]'));
      spec.given([customerRegistered(), absorbed]).when(undo([TP2], since)).thenThrows(domainError('rule_violated', 'event_not_reassignable', 'reassignEventIds[0]'));
    });

    it('refuses an undo on an erased survivor (its touchpoints cannot be given to anyone), and of a merge not in effect', () => {
      const erased: CustomerEvent = { type: 'CustomerErased', data: { customerId: CUSTOMER_ID, occurredAt: AT } };
      spec.given([customerRegistered(), absorbed, erased]).when(undo([TP1], since)).thenThrows(domainError('conflict', 'customer_erased', 'customerId'));
      spec.given([customerRegistered()]).when(undo()).thenThrows(domainError('not_found', 'merge_not_found', 'mergeId'));
    });

    it('release of the duplicate: its CustomerUnmerged, then the given-back touchpoints recorded on it; a second release records nothing', () => {
      const release: CustomerCommand = {
        type: 'ReleaseMergedCustomer',
        data: { customerId: DUPLICATE, mergeId: MERGE, reason: 'two people', occurredAt: AT, reassigned: [{ eventId: TP1, touchpoint: touchpoint.data }] },
      };
      const registeredDuplicate = customerRegistered({ customerId: DUPLICATE });
      spec
        .given([registeredDuplicate, locked])
        .when(release)
        .then([
          { type: 'CustomerUnmerged', data: { customerId: DUPLICATE, mergeId: MERGE, survivorId: CUSTOMER_ID, duplicateId: DUPLICATE, reason: 'two people', occurredAt: AT, reassignedEventIds: [TP1] } },
          { type: 'TouchpointRecorded', data: { ...touchpoint.data, customerId: DUPLICATE } },
        ]);
      const released: CustomerEvent = { type: 'CustomerUnmerged', data: { ...mergeData, customerId: DUPLICATE, reason: 'two people' } };
      spec.given([registeredDuplicate, locked, released]).when(release).then([]);
    });
  });

  it('keeps each customer in its own stream, customer-<id>', () => {
    expect(customerStreamId(CUSTOMER_ID)).toBe(`customer-${CUSTOMER_ID}`);
  });

  describe('evolve', () => {
    it('builds the profile from registration and changes, dropping cleared fields', () => {
      const state = fold(customerDecider, customerDecider.initialState(), [
        customerRegistered({ email: 'olena@example.com', phone: '+380441234567', tags: ['vip'] }),
        profileChanged({ email: null, owner: 'sales.anna', tags: ['vip', 'wholesale'] }),
      ]);
      expect(state.status).toBe('active');
      expect(state.kind).toBe('person');
      expect(state.profile).toEqual({ name: 'Olena Kovalenko', phone: '+380441234567', owner: 'sales.anna', tags: ['vip', 'wholesale'] });
      expect('email' in state.profile).toBe(false);
    });

    it('does not mutate the state it is given', () => {
      const registered = fold(customerDecider, customerDecider.initialState(), [customerRegistered()]);
      const snapshot = JSON.stringify(registered);
      fold(customerDecider, registered, [profileChanged({ name: 'Changed' }), orderPlaced(), complaintFiled(), contactAdded()]);
      expect(JSON.stringify(registered)).toBe(snapshot);
    });
  });
});
