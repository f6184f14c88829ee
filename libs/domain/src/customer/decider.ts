import type { Decider } from '../shared/decider';
import { conflict, notFound, ruleViolated } from '../shared/errors';
import { assertCurrency, assertMinorUnits, multiplyAndSum } from '../shared/money';
import { own } from '../shared/records';
import type { CustomerCommand, ReturnOrder } from './commands';
import type { CustomerEvent, OrderReturned } from './events';
import { CHANNELS_BY_TOUCHPOINT, type Channel, type CustomerKind, type ProfilePatch, type ReturnedLine } from './types';

/**
 * What decisions need to know, and no more: touchpoints leave no trace here,
 * so the state stays small however long the history grows.
 */
export interface OrderState {
  status: 'placed' | 'cancelled' | 'returned';
  currency: string;
  /** what the order came to, minor units */
  total: number;
  /** null: the source did not know the cost of every line */
  cost: number | null;
  /** per SKU: ordered and already returned quantities, and unit amounts; empty for a total-only order */
  lines: Record<string, { quantity: number; returned: number; unitPrice: number; unitCost?: number }>;
}

export type ComplaintStatus = { status: 'open' | 'resolved'; level: number };

export interface CustomerState {
  status: 'unknown' | 'active' | 'erased';
  kind?: CustomerKind;
  profile: Omit<ProfilePatch, 'tags'> & { tags: string[] };
  preferredChannel?: Channel;
  marketingConsent?: boolean;
  contacts: Record<string, true>;
  orders: Record<string, OrderState>;
  complaints: Record<string, ComplaintStatus>;
  /** set while this record is merged into another: it takes no commands but erasure and the release */
  mergedInto?: { survivorId: string; mergeId: string };
  /** the merges this record absorbed and has not undone: mergeId → duplicate's id */
  absorbed?: Record<string, string>;
  /** competitor offers recorded (their ids: a repeated report is a no-op) */
  competitorOffers?: string[];
  /** invoices by id: what is still owed, and the payments already counted (a repeated payment id is a no-op) */
  invoices?: Record<string, InvoiceState>;
}

export interface InvoiceState {
  currency: string;
  amount: number;
  outstanding: number;
  status: 'open' | 'paid' | 'written_off';
  payments: string[];
}

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export const initialCustomerState = (): CustomerState => ({ status: 'unknown', profile: { tags: [] }, contacts: {}, orders: {}, complaints: {} });

function requireCustomer(state: CustomerState, customerId: string): void {
  requireRecord(state, customerId);
  if (state.mergedInto) {
    throw conflict('customer_merged', `customer ${customerId} was merged into ${state.mergedInto.survivorId}; send commands to ${state.mergedInto.survivorId}`, 'customerId');
  }
}

/** The record exists and was not erased (it may be merged into another). */
function requireInvoice(state: CustomerState, invoiceId: string): InvoiceState {
  const invoice = own(state.invoices ?? {}, invoiceId);
  if (!invoice) throw notFound('invoice_not_found', `invoice ${invoiceId} does not exist`, 'invoiceId');
  return invoice;
}

function requireRecord(state: CustomerState, customerId: string): void {
  if (state.status === 'erased') throw conflict('customer_erased', `customer ${customerId} was erased; nothing more can be recorded about them`, 'customerId');
  if (state.status !== 'active') throw notFound('customer_not_found', `customer ${customerId} does not exist`, 'customerId');
}

function requireOrder(state: CustomerState, orderId: string): OrderState {
  const order = own(state.orders, orderId);
  if (!order) throw notFound('order_not_found', `order ${orderId} does not exist for this customer`, 'orderId');
  return order;
}

function requireComplaint(state: CustomerState, complaintId: string): ComplaintStatus {
  const complaint = own(state.complaints, complaintId);
  if (!complaint) throw notFound('complaint_not_found', `complaint ${complaintId} does not exist for this customer`, 'complaintId');
  return complaint;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Keeps only the fields that really change, so a repeated PATCH records nothing. */
function effectiveChanges(profile: CustomerState['profile'], patch: ProfilePatch): ProfilePatch {
  const changes: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(patch) as Array<[keyof ProfilePatch, unknown]>) {
    if (value === undefined) continue;
    if (field === 'name' && value === null) throw ruleViolated('name_required', 'name cannot be cleared', 'changes.name');
    if (field === 'tags') {
      const tags = normaliseTags(value as string[]);
      if (!sameValue(tags, profile.tags)) changes.tags = tags;
      continue;
    }
    if (!sameValue(value, profile[field])) changes[field] = value;
  }
  return changes as ProfilePatch;
}

export function normaliseTags(tags: string[] | undefined): string[] {
  return [...new Set((tags ?? []).map((t) => t.trim().toLowerCase()).filter(Boolean))].sort();
}

/** The return as recorded: the order's currency, and the cost taken back only when the order's cost was known. */
function orderReturned(command: ReturnOrder['data'], order: OrderState, lines: ReturnedLine[], refund: number, costReversed: number): OrderReturned {
  return {
    type: 'OrderReturned',
    data: {
      customerId: command.customerId,
      orderId: command.orderId,
      currency: order.currency,
      lines,
      refund,
      ...(order.cost !== null && { costReversed }),
      ...(command.reason !== undefined && { reason: command.reason }),
      occurredAt: command.occurredAt,
    },
  };
}

export function decideCustomer(command: CustomerCommand, state: CustomerState): CustomerEvent[] {
  const { type, data } = command;
  switch (type) {
    case 'RegisterCustomer': {
      if (state.status !== 'unknown') throw conflict('customer_exists', `customer ${data.customerId} already exists`, 'customerId');
      if (data.kind === 'person' && data.company !== undefined && data.company.trim() === '') {
        throw ruleViolated('invalid_company', 'company must not be blank', 'company');
      }
      return [{ type: 'CustomerRegistered', data: { ...data, tags: normaliseTags(data.tags) } }];
    }
    case 'ChangeCustomerProfile': {
      requireCustomer(state, data.customerId);
      const changes = effectiveChanges(state.profile, data.changes);
      if (Object.keys(changes).length === 0) return [];
      return [{ type: 'CustomerProfileChanged', data: { customerId: data.customerId, changes, occurredAt: data.occurredAt } }];
    }
    case 'AddContactPerson': {
      requireCustomer(state, data.customerId);
      if (state.kind !== 'company') throw ruleViolated('not_a_company', 'contact persons can only be added to companies', 'customerId');
      if (own(state.contacts, data.contactId)) throw conflict('contact_exists', `contact ${data.contactId} already exists`, 'contactId');
      return [{ type: 'ContactPersonAdded', data }];
    }
    case 'RemoveContactPerson': {
      requireCustomer(state, data.customerId);
      if (!own(state.contacts, data.contactId)) throw notFound('contact_not_found', `contact ${data.contactId} does not exist`, 'contactId');
      return [{ type: 'ContactPersonRemoved', data }];
    }
    case 'ChangePreferredChannel': {
      requireCustomer(state, data.customerId);
      if (state.preferredChannel === data.channel) return [];
      return [{ type: 'PreferredChannelChanged', data }];
    }
    case 'ChangeMarketingConsent': {
      requireCustomer(state, data.customerId);
      if (state.marketingConsent === data.granted) return [];
      return [{ type: 'MarketingConsentChanged', data }];
    }
    case 'RecordTouchpoint': {
      requireCustomer(state, data.customerId);
      const allowed = CHANNELS_BY_TOUCHPOINT[data.touchpointType];
      const channel = data.channel ?? allowed[0];
      if (!allowed.includes(channel)) {
        throw ruleViolated('channel_mismatch', `a ${data.touchpointType} cannot travel over ${channel} (allowed: ${allowed.join(', ')})`, 'channel');
      }
      if (data.durationSeconds !== undefined && (!Number.isSafeInteger(data.durationSeconds) || data.durationSeconds < 0)) {
        throw ruleViolated('invalid_duration', 'durationSeconds must be a non-negative integer', 'durationSeconds');
      }
      return [{ type: 'TouchpointRecorded', data: { ...data, channel } }];
    }
    case 'PlaceOrder': {
      requireCustomer(state, data.customerId);
      if (own(state.orders, data.orderId)) throw conflict('order_exists', `order ${data.orderId} already exists`, 'orderId');
      assertCurrency(data.currency);
      const lines = data.lines ?? [];
      if (lines.length === 0 && data.total === undefined) throw ruleViolated('empty_order', 'an order needs at least one line or a total', 'lines');
      const skus = new Set<string>();
      lines.forEach((line, i) => {
        if (skus.has(line.sku)) throw ruleViolated('duplicate_sku', `SKU ${line.sku} appears twice; merge the lines`, `lines[${i}].sku`);
        skus.add(line.sku);
        if (!Number.isSafeInteger(line.quantity) || line.quantity < 1) throw ruleViolated('invalid_quantity', 'quantity must be a positive integer', `lines[${i}].quantity`);
        assertMinorUnits(line.unitPrice, `lines[${i}].unitPrice`);
        if (line.unitCost !== undefined) assertMinorUnits(line.unitCost, `lines[${i}].unitCost`);
      });
      if (data.total !== undefined) assertMinorUnits(data.total, 'total');
      const linesTotal = lines.length ? multiplyAndSum(lines.map((l) => ({ quantity: l.quantity, unit: l.unitPrice })), 'lines') : undefined;
      if (linesTotal !== undefined && data.total !== undefined && linesTotal !== data.total) {
        throw ruleViolated('total_mismatch', `total ${data.total} differs from the lines' sum ${linesTotal}`, 'total');
      }
      const total = linesTotal ?? (data.total as number);
      // Margin needs every line's cost: one unknown cost makes the order's cost unknown, never zero.
      const costKnown = lines.length > 0 && lines.every((l) => l.unitCost !== undefined);
      const cost = costKnown ? multiplyAndSum(lines.map((l) => ({ quantity: l.quantity, unit: l.unitCost as number })), 'lines') : undefined;
      const { total: _given, lines: _lines, ...rest } = data;
      return [{ type: 'OrderPlaced', data: { ...rest, lines, total, ...(cost !== undefined && { cost }) } }];
    }
    case 'CancelOrder': {
      requireCustomer(state, data.customerId);
      const order = requireOrder(state, data.orderId);
      if (order.status !== 'placed') throw conflict('order_not_cancellable', `order ${data.orderId} is ${order.status}`, 'orderId');
      if (Object.values(order.lines).some((l) => l.returned > 0)) {
        throw conflict('order_partly_returned', `order ${data.orderId} has returned items; return the rest instead`, 'orderId');
      }
      return [
        {
          type: 'OrderCancelled',
          data: {
            customerId: data.customerId,
            orderId: data.orderId,
            currency: order.currency,
            total: order.total,
            ...(order.cost !== null && { cost: order.cost }),
            ...(data.reason !== undefined && { reason: data.reason }),
            occurredAt: data.occurredAt,
          },
        },
      ];
    }
    case 'ReturnOrder': {
      requireCustomer(state, data.customerId);
      const order = requireOrder(state, data.orderId);
      if (order.status !== 'placed') throw conflict('order_not_returnable', `order ${data.orderId} is ${order.status}`, 'orderId');
      if (Object.keys(order.lines).length === 0) {
        // A total-only order has no lines to return piecemeal: it goes back whole.
        if (data.lines !== undefined) throw ruleViolated('order_has_no_lines', `order ${data.orderId} was recorded by its total only; return it without lines`, 'lines');
        return [orderReturned(data, order, [], order.total, order.cost ?? 0)];
      }
      // No lines given: return everything still outstanding.
      const requested =
        data.lines ?? Object.entries(order.lines).filter(([, l]) => l.quantity > l.returned).map(([sku, l]) => ({ sku, quantity: l.quantity - l.returned }));
      if (requested.length === 0) throw ruleViolated('nothing_to_return', 'no items left to return', 'lines');
      let refund = 0;
      let costReversed = 0;
      const skus = new Set<string>();
      requested.forEach((line, i) => {
        // Each line is checked against what is outstanding, so one SKU on two lines could return more than was ordered.
        if (skus.has(line.sku)) throw ruleViolated('duplicate_sku', `SKU ${line.sku} appears twice; merge the lines`, `lines[${i}].sku`);
        skus.add(line.sku);
        const ordered = own(order.lines, line.sku);
        if (!ordered) throw ruleViolated('sku_not_in_order', `SKU ${line.sku} is not in order ${data.orderId}`, `lines[${i}].sku`);
        if (!Number.isSafeInteger(line.quantity) || line.quantity < 1) throw ruleViolated('invalid_quantity', 'quantity must be a positive integer', `lines[${i}].quantity`);
        if (line.quantity > ordered.quantity - ordered.returned) {
          throw ruleViolated('return_exceeds_order', `only ${ordered.quantity - ordered.returned} of ${line.sku} can still be returned`, `lines[${i}].quantity`);
        }
        refund += line.quantity * ordered.unitPrice;
        costReversed += line.quantity * (ordered.unitCost ?? 0);
      });
      return [orderReturned(data, order, requested, refund, costReversed)];
    }
    case 'FileComplaint': {
      requireCustomer(state, data.customerId);
      if (own(state.complaints, data.complaintId)) throw conflict('complaint_exists', `complaint ${data.complaintId} already exists`, 'complaintId');
      if (data.orderId !== undefined) requireOrder(state, data.orderId);
      return [{ type: 'ComplaintFiled', data }];
    }
    case 'EscalateComplaint': {
      requireCustomer(state, data.customerId);
      const complaint = requireComplaint(state, data.complaintId);
      if (complaint.status === 'resolved') throw conflict('complaint_resolved', `complaint ${data.complaintId} is already resolved`, 'complaintId');
      return [{ type: 'ComplaintEscalated', data: { ...data, level: complaint.level + 1 } }];
    }
    case 'ResolveComplaint': {
      requireCustomer(state, data.customerId);
      const complaint = requireComplaint(state, data.complaintId);
      if (complaint.status === 'resolved') throw conflict('complaint_resolved', `complaint ${data.complaintId} is already resolved`, 'complaintId');
      if (!Number.isInteger(data.satisfaction) || data.satisfaction < 1 || data.satisfaction > 5) {
        throw ruleViolated('invalid_satisfaction', 'satisfaction must be an integer from 1 to 5', 'satisfaction');
      }
      return [{ type: 'ComplaintResolved', data }];
    }
    case 'EraseCustomer': {
      if (state.status === 'erased') return [];
      // A merged record is erased too (with its survivor, or on its own): erasure is never refused for a merge.
      requireRecord(state, data.customerId);
      return [{ type: 'CustomerErased', data }];
    }
    case 'IssueInvoice': {
      requireCustomer(state, data.customerId);
      if (own(state.invoices ?? {}, data.invoiceId)) throw conflict('invoice_exists', `invoice ${data.invoiceId} already exists`, 'invoiceId');
      assertCurrency(data.currency);
      assertMinorUnits(data.amount, 'amount', { allowZero: false });
      if (!DATE.test(data.dueDate) || Number.isNaN(Date.parse(`${data.dueDate}T00:00:00Z`))) throw ruleViolated('invalid_date', 'dueDate must be a date YYYY-MM-DD', 'dueDate');
      if (data.dueDate < data.occurredAt.slice(0, 10)) throw ruleViolated('due_before_issue', `dueDate ${data.dueDate} is before the invoice was issued`, 'dueDate');
      if (data.orderId !== undefined) {
        const order = requireOrder(state, data.orderId);
        if (order.currency !== data.currency) throw ruleViolated('currency_mismatch', `order ${data.orderId} is in ${order.currency}`, 'currency');
      }
      return [{ type: 'InvoiceIssued', data }];
    }
    case 'RecordPayment': {
      // A merged record's invoices are still its own: money that arrives after a merge is recorded where it is owed.
      requireRecord(state, data.customerId);
      const invoice = requireInvoice(state, data.invoiceId);
      // The same payment again (a retried import, a bank line seen twice): already counted.
      if (invoice.payments.includes(data.paymentId)) return [];
      if (invoice.status !== 'open') throw conflict('invoice_settled', `invoice ${data.invoiceId} is already ${invoice.status.replace('_', ' ')}`, 'invoiceId');
      if (data.currency !== undefined && data.currency !== invoice.currency) throw ruleViolated('currency_mismatch', `invoice ${data.invoiceId} is in ${invoice.currency}`, 'currency');
      assertMinorUnits(data.amount, 'amount', { allowZero: false });
      if (data.amount > invoice.outstanding) {
        throw ruleViolated('payment_exceeds_outstanding', `payment of ${data.amount} exceeds the ${invoice.outstanding} outstanding on invoice ${data.invoiceId}`, 'amount');
      }
      return [{ type: 'PaymentReceived', data: { ...data, currency: invoice.currency, outstanding: invoice.outstanding - data.amount } }];
    }
    case 'WriteOffInvoice': {
      requireRecord(state, data.customerId);
      const invoice = requireInvoice(state, data.invoiceId);
      if (invoice.status !== 'open') throw conflict('invoice_settled', `invoice ${data.invoiceId} is already ${invoice.status.replace('_', ' ')}`, 'invoiceId');
      return [{ type: 'InvoiceWrittenOff', data: { ...data, currency: invoice.currency, amount: invoice.outstanding } }];
    }
    case 'RecordCompetitorOffer': {
      requireCustomer(state, data.customerId);
      // The offer id makes a repeated report of one offer a no-op.
      if (state.competitorOffers?.includes(data.offerId)) return [];
      if (data.competitor.trim() === '') throw ruleViolated('invalid_competitor', 'competitor must name the competitor', 'competitor');
      if ((data.amount === undefined) !== (data.currency === undefined)) {
        throw ruleViolated('amount_needs_currency', 'an amount needs its currency, and a currency an amount', data.amount === undefined ? 'amount' : 'currency');
      }
      if (data.amount !== undefined) assertMinorUnits(data.amount, 'amount');
      if (data.currency !== undefined) assertCurrency(data.currency);
      return [{ type: 'CompetitorOfferRecorded', data: { ...data, competitor: data.competitor.trim() } }];
    }
    case 'MergeCustomerInto': {
      // Retried after an interruption between the two appends: already done, nothing more to record.
      if (state.mergedInto?.mergeId === data.mergeId) return [];
      requireCustomer(state, data.customerId);
      if (data.survivorId === data.customerId) throw ruleViolated('merge_into_itself', 'a customer cannot be merged into itself', 'duplicateId');
      if (data.customerId !== data.duplicateId) throw ruleViolated('wrong_stream', 'MergeCustomerInto goes to the duplicate\'s stream', 'duplicateId');
      return [{ type: 'CustomerMerged', data }];
    }
    case 'AbsorbCustomer': {
      if (state.absorbed?.[data.mergeId] !== undefined) return [];
      requireCustomer(state, data.customerId);
      if (data.duplicateId === data.customerId) throw ruleViolated('merge_into_itself', 'a customer cannot be merged into itself', 'duplicateId');
      if (data.customerId !== data.survivorId) throw ruleViolated('wrong_stream', 'AbsorbCustomer goes to the survivor\'s stream', 'survivorId');
      if (Object.values(state.absorbed ?? {}).includes(data.duplicateId)) throw conflict('already_merged', `customer ${data.duplicateId} is already merged into ${data.customerId}`, 'duplicateId');
      return [{ type: 'CustomerMerged', data }];
    }
    case 'UndoMerge': {
      requireRecord(state, data.customerId);
      const duplicateId = state.absorbed?.[data.mergeId];
      if (duplicateId === undefined) throw notFound('merge_not_found', `customer ${data.customerId} has no merge ${data.mergeId} in effect`, 'mergeId');
      const { reassign, recordedSinceMerge, ...undo } = data;
      const reassignedEventIds = checkReassignment(reassign ?? [], recordedSinceMerge ?? {});
      return [{ type: 'CustomerUnmerged', data: { ...undo, survivorId: data.customerId, duplicateId, ...(reassignedEventIds.length > 0 && { reassignedEventIds }) } }];
    }
    case 'ReleaseMergedCustomer': {
      if (state.status === 'erased') return [];
      requireRecord(state, data.customerId);
      // Released already (a retry), or never merged by this merge: nothing to record.
      if (state.mergedInto?.mergeId !== data.mergeId) return [];
      const { reassigned = [], ...release } = data;
      const unmerged: CustomerEvent = {
        type: 'CustomerUnmerged',
        data: { ...release, survivorId: state.mergedInto.survivorId, duplicateId: data.customerId, ...(reassigned.length > 0 && { reassignedEventIds: reassigned.map((r) => r.eventId) }) },
      };
      // The touchpoints that were the duplicate's, recorded again on its own record (as they would have been).
      return [unmerged, ...reassigned.map((r): CustomerEvent => ({ type: 'TouchpointRecorded', data: { ...r.touchpoint, customerId: data.customerId } }))];
    }
    default: {
      const _exhaustive: never = type;
      throw new Error(`unknown command ${String(_exhaustive)}`);
    }
  }
}

/**
 * The event types whose personal fields evolveCustomer reads (the profile). A command's load may leave the
 * personal fields of every other type sealed: decrypting them would cost time and change no state.
 */
export const CUSTOMER_STATE_PERSONAL_DATA: ReadonlySet<CustomerEvent['type']> = new Set(['CustomerRegistered', 'CustomerProfileChanged']);

export function evolveCustomer(state: CustomerState, event: CustomerEvent): CustomerState {
  const { type, data } = event;
  switch (type) {
    case 'CustomerRegistered': {
      const { customerId: _id, kind, occurredAt: _at, ...profile } = data;
      return { ...state, status: 'active', kind, profile: { ...profile, tags: profile.tags ?? [] } };
    }
    case 'CustomerProfileChanged': {
      const profile = { ...state.profile };
      for (const [field, value] of Object.entries(data.changes)) {
        if (value === null) delete (profile as Record<string, unknown>)[field];
        else (profile as Record<string, unknown>)[field] = value;
      }
      return { ...state, profile };
    }
    case 'ContactPersonAdded':
      return { ...state, contacts: { ...state.contacts, [data.contactId]: true } };
    case 'ContactPersonRemoved': {
      const { [data.contactId]: _removed, ...contacts } = state.contacts;
      return { ...state, contacts };
    }
    case 'PreferredChannelChanged':
      return { ...state, preferredChannel: data.channel };
    case 'MarketingConsentChanged':
      return { ...state, marketingConsent: data.granted };
    case 'TouchpointRecorded':
      return state;
    case 'OrderPlaced': {
      const lines: OrderState['lines'] = {};
      for (const l of data.lines) lines[l.sku] = { quantity: l.quantity, returned: 0, unitPrice: l.unitPrice, ...(l.unitCost !== undefined && { unitCost: l.unitCost }) };
      const order: OrderState = { status: 'placed', currency: data.currency, total: data.total, cost: data.cost ?? null, lines };
      return { ...state, orders: { ...state.orders, [data.orderId]: order } };
    }
    case 'OrderCancelled': {
      const order = own(state.orders, data.orderId);
      return order ? { ...state, orders: { ...state.orders, [data.orderId]: { ...order, status: 'cancelled' } } } : state;
    }
    case 'OrderReturned': {
      const order = own(state.orders, data.orderId);
      if (!order) return state;
      const lines = { ...order.lines };
      for (const r of data.lines) {
        const line = own(lines, r.sku);
        if (line) lines[r.sku] = { ...line, returned: line.returned + r.quantity };
      }
      // A total-only order (no lines) is returned whole.
      const fullyReturned = Object.values(lines).every((l) => l.returned >= l.quantity);
      return { ...state, orders: { ...state.orders, [data.orderId]: { ...order, lines, status: fullyReturned ? 'returned' : 'placed' } } };
    }
    case 'ComplaintFiled':
      return { ...state, complaints: { ...state.complaints, [data.complaintId]: { status: 'open', level: 0 } } };
    case 'ComplaintEscalated': {
      const complaint = own(state.complaints, data.complaintId);
      return complaint ? { ...state, complaints: { ...state.complaints, [data.complaintId]: { ...complaint, level: data.level } } } : state;
    }
    case 'ComplaintResolved': {
      const complaint = own(state.complaints, data.complaintId);
      return complaint ? { ...state, complaints: { ...state.complaints, [data.complaintId]: { ...complaint, status: 'resolved' } } } : state;
    }
    case 'CustomerErased':
      // Keeps what decisions need (orders, complaints); the profile goes.
      return { ...state, status: 'erased', profile: { tags: [] }, contacts: {} };
    case 'CompetitorOfferRecorded':
      return { ...state, competitorOffers: [...(state.competitorOffers ?? []), data.offerId] };
    case 'InvoiceIssued':
      return { ...state, invoices: { ...state.invoices, [data.invoiceId]: { currency: data.currency, amount: data.amount, outstanding: data.amount, status: 'open', payments: [] } } };
    case 'PaymentReceived': {
      const invoice = own(state.invoices ?? {}, data.invoiceId);
      if (!invoice) return state;
      const paid: InvoiceState = { ...invoice, outstanding: data.outstanding, status: data.outstanding === 0 ? 'paid' : 'open', payments: [...invoice.payments, data.paymentId] };
      return { ...state, invoices: { ...state.invoices, [data.invoiceId]: paid } };
    }
    case 'InvoiceWrittenOff': {
      const invoice = own(state.invoices ?? {}, data.invoiceId);
      return invoice ? { ...state, invoices: { ...state.invoices, [data.invoiceId]: { ...invoice, outstanding: 0, status: 'written_off' } } } : state;
    }
    case 'CustomerMerged':
      return data.customerId === data.duplicateId
        ? { ...state, mergedInto: { survivorId: data.survivorId, mergeId: data.mergeId } }
        : { ...state, absorbed: { ...state.absorbed, [data.mergeId]: data.duplicateId } };
    case 'CustomerUnmerged': {
      if (data.customerId === data.duplicateId) {
        const { mergedInto: _m, ...rest } = state;
        return rest;
      }
      const { [data.mergeId]: _undone, ...absorbed } = state.absorbed ?? {};
      return { ...state, absorbed };
    }
    default: {
      const _exhaustive: never = type;
      return state;
    }
  }
}

/**
 * The events an undo may give back to the duplicate: touchpoints recorded on the survivor after this merge. Orders,
 * complaints and deals have a lifecycle on the record they were recorded on; they are cancelled there and recorded again.
 */
function checkReassignment(named: string[], recordedSinceMerge: Record<string, string>): string[] {
  const ids = [...new Set(named.map((id) => id.toLowerCase()))];
  ids.forEach((id, i) => {
    const type = own(recordedSinceMerge, id);
    if (type === undefined) throw ruleViolated('event_not_reassignable', `event ${id} was not recorded on this customer after the merge (or was reassigned already)`, `reassignEventIds[${i}]`);
    if (type !== 'TouchpointRecorded') {
      throw ruleViolated('event_not_reassignable', `event ${id} is a ${type}: only touchpoints move with an undo; cancel it here and record it on the other customer`, `reassignEventIds[${i}]`);
    }
  });
  return ids;
}

export const customerDecider: Decider<CustomerCommand, CustomerState, CustomerEvent> = {
  decide: decideCustomer,
  evolve: evolveCustomer,
  initialState: initialCustomerState,
};

export const customerStreamId = (customerId: string) => `customer-${customerId}`;
