import type { DomainEventType } from './catalogue';

/**
 * Which event fields hold personal data that erasure must make unreadable
 * (docs/events.md § Personal data, docs/auditing.md). Paths are dotted from
 * `data`. Staff ids (owner, agent, actor), consent and preferences are kept:
 * they are needed for accountability and analytics (see docs/auditing.md).
 */
export type PersonalFieldKind = 'string' | 'string[]' | 'object';
export interface PersonalField {
  path: string;
  kind: PersonalFieldKind;
}

const s = (path: string): PersonalField => ({ path, kind: 'string' });

export const PERSONAL_FIELDS: Record<DomainEventType, PersonalField[]> = {
  CustomerRegistered: [s('name'), s('email'), s('phone'), { path: 'address', kind: 'object' }, s('company'), { path: 'tags', kind: 'string[]' }],
  CustomerProfileChanged: [s('changes.name'), s('changes.email'), s('changes.phone'), { path: 'changes.address', kind: 'object' }, s('changes.company'), { path: 'changes.tags', kind: 'string[]' }],
  ContactPersonAdded: [s('name'), s('role'), s('email'), s('phone')],
  ContactPersonRemoved: [],
  PreferredChannelChanged: [],
  MarketingConsentChanged: [s('source')],
  TouchpointRecorded: [s('subject'), s('summary'), s('outcome'), s('url')],
  OrderPlaced: [],
  OrderCancelled: [s('reason')],
  OrderReturned: [s('reason')],
  ComplaintFiled: [s('description')],
  ComplaintEscalated: [s('reason')],
  ComplaintResolved: [s('resolution')],
  CustomerErased: [],
  // Why the records were merged is free text: it may name the person.
  CustomerMerged: [s('reason')],
  CustomerUnmerged: [s('reason')],
  // Amounts and dates are facts analytics count; a bank reference or a write-off reason may name the person.
  InvoiceIssued: [],
  PaymentReceived: [s('reference')],
  InvoiceWrittenOff: [s('reason')],
  // The competitor is a company; the terms are what the customer told us, in their words.
  CompetitorOfferRecorded: [s('terms')],
  DealOpened: [s('title')],
  DealStageChanged: [],
  DealAmountChanged: [],
  DealCloseDateChanged: [],
  DealForecastCategoryChanged: [],
  DealWon: [],
  DealLost: [s('reason')],
  // Not about a customer: nothing in it is erased with one (the comment is the submitter's own words).
  ForecastSubmitted: [],
  // A task is about a customer: what it says is theirs (the assignee is staff).
  TaskCreated: [s('title'), s('notes')],
  TaskRescheduled: [s('reason')],
  TaskReassigned: [],
  TaskCompleted: [s('outcome')],
  TaskCancelled: [s('reason')],
  // The sales organisation: staff and money, about no customer.
  SellerPlaced: [],
  TeamManagerAppointed: [],
  QuotaSet: [],
  BonusPlanPublished: [],
  PriceListPublished: [],
  // A quote is about a customer; its lines are products and prices. The rejection reason is the customer's words.
  QuoteDrafted: [],
  QuoteRevised: [],
  QuoteDiscountApproved: [],
  QuoteSent: [],
  QuoteAccepted: [],
  QuoteRejected: [s('reason')],
};

/** What an erased field reads as, by kind: a fixed marker that keeps the field's type. */
export const ERASED = '[erased]';
export const erasedValue = (kind: PersonalFieldKind): unknown => (kind === 'string' ? ERASED : kind === 'string[]' ? [] : { erased: true });

export const personalFieldsOf = (type: string): PersonalField[] => (Object.prototype.hasOwnProperty.call(PERSONAL_FIELDS, type) ? PERSONAL_FIELDS[type as DomainEventType] : []);

/**
 * Applies `change` to every personal field present (not null, not absent).
 * Copy on write: `data` is never mutated, and untouched parts are shared.
 */
export function mapPersonalFields(type: string, data: Record<string, unknown>, change: (value: unknown, field: PersonalField) => unknown): Record<string, unknown> {
  const fields = personalFieldsOf(type);
  let out = data;
  for (const field of fields) {
    const parts = field.path.split('.');
    let holder: Record<string, unknown> | undefined = out;
    for (let i = 0; i < parts.length - 1 && holder; i += 1) {
      const next: unknown = holder[parts[i]];
      holder = next !== null && typeof next === 'object' && !Array.isArray(next) ? (next as Record<string, unknown>) : undefined;
    }
    const last = parts[parts.length - 1];
    if (!holder || !Object.prototype.hasOwnProperty.call(holder, last)) continue;
    const value = holder[last];
    if (value === null || value === undefined) continue;
    const replaced = change(value, field);
    if (out === data) out = { ...data };
    let target = out;
    for (let i = 0; i < parts.length - 1; i += 1) {
      target[parts[i]] = { ...(target[parts[i]] as Record<string, unknown>) };
      target = target[parts[i]] as Record<string, unknown>;
    }
    target[last] = replaced;
  }
  return out;
}

/** The event's data as it reads after erasure. */
export const erasePersonalFields = (type: string, data: Record<string, unknown>) => mapPersonalFields(type, data, (_v, f) => erasedValue(f.kind));

/**
 * The policy the encrypting event store applies (structurally its
 * PersonalDataPolicy): a customer's key protects the personal fields of its
 * own events and of its deals' events; customer snapshots hold its profile.
 */
export const PERSONAL_DATA_POLICY = {
  subjectOf: (_type: string, data: Record<string, unknown>): string | undefined => (typeof data.customerId === 'string' ? data.customerId : undefined),
  mapPersonalFields: (type: string, data: Record<string, unknown>, change: (value: unknown, kind: string) => unknown) => mapPersonalFields(type, data, (v, f) => change(v, f.kind)),
  erasedValue: (kind: string) => erasedValue(kind as PersonalFieldKind),
  erasureEventType: 'CustomerErased',
  hasPersonalFields: (type: string): boolean => personalFieldsOf(type).length > 0,
  snapshotSubject: (streamId: string): string | undefined => (streamId.startsWith('customer-') ? streamId.slice('customer-'.length) : undefined),
};
