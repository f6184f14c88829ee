import { normaliseInstant, type CustomerCommand, type DealCommand } from '@touchpoint/domain';
import { createHash } from 'node:crypto';

/** Every command the API has, by the name a record gives in `type` (erasure excepted: it is no history). */
export const RECORD_TYPES = [
  'RegisterCustomer',
  'ChangeCustomerProfile',
  'AddContactPerson',
  'RemoveContactPerson',
  'ChangePreferredChannel',
  'ChangeMarketingConsent',
  'RecordTouchpoint',
  'PlaceOrder',
  'CancelOrder',
  'ReturnOrder',
  'FileComplaint',
  'EscalateComplaint',
  'ResolveComplaint',
  'IssueInvoice',
  'RecordPayment',
  'WriteOffInvoice',
  'OpenDeal',
  'ChangeDealStage',
  'ChangeDealAmount',
  'ChangeDealCloseDate',
  'WinDeal',
  'LoseDeal',
] as const;
export type RecordType = (typeof RECORD_TYPES)[number];
export const isRecordType = (type: unknown): type is RecordType => typeof type === 'string' && (RECORD_TYPES as readonly string[]).includes(type);

/** What a record may refer to, by the referred record's `sourceId`. */
export type Ref = 'customer' | 'deal' | 'order' | 'complaint' | 'contact' | 'invoice';

interface RecordSpec {
  stream: 'customer' | 'deal';
  /** references the record must carry */
  refs: Ref[];
  /** references it may carry */
  optionalRefs?: Ref[];
}

const onCustomer = (...refs: Ref[]): RecordSpec => ({ stream: 'customer', refs: ['customer', ...refs] });
const onDeal: RecordSpec = { stream: 'deal', refs: ['deal'] };

export const RECORD_SPECS: Record<RecordType, RecordSpec> = {
  RegisterCustomer: { stream: 'customer', refs: [] },
  ChangeCustomerProfile: onCustomer(),
  AddContactPerson: onCustomer(),
  RemoveContactPerson: onCustomer('contact'),
  ChangePreferredChannel: onCustomer(),
  ChangeMarketingConsent: onCustomer(),
  RecordTouchpoint: onCustomer(),
  PlaceOrder: onCustomer(),
  CancelOrder: onCustomer('order'),
  ReturnOrder: onCustomer('order'),
  FileComplaint: { stream: 'customer', refs: ['customer'], optionalRefs: ['order'] },
  EscalateComplaint: onCustomer('complaint'),
  ResolveComplaint: onCustomer('complaint'),
  IssueInvoice: { stream: 'customer', refs: ['customer'], optionalRefs: ['order'] },
  RecordPayment: onCustomer('invoice'),
  WriteOffInvoice: onCustomer('invoice'),
  OpenDeal: { stream: 'deal', refs: ['customer'] },
  ChangeDealStage: onDeal,
  ChangeDealAmount: onDeal,
  ChangeDealCloseDate: onDeal,
  WinDeal: onDeal,
  LoseDeal: onDeal,
};

/** Touchpoint ids a record may not set: they follow from source ids, so a rerun finds the same ones. */
export const RESERVED_ID_FIELDS = ['customerId', 'dealId', 'orderId', 'complaintId', 'contactId', 'touchpointId', 'invoiceId', 'paymentId'] as const;

/** The id field a reference resolves to in the command. */
export const REF_ID_FIELD: Record<Ref, (typeof RESERVED_ID_FIELDS)[number]> = {
  customer: 'customerId',
  deal: 'dealId',
  order: 'orderId',
  complaint: 'complaintId',
  contact: 'contactId',
  invoice: 'invoiceId',
};

/** Fixed namespace of Touchpoint's import ids (UUID v5): the same source and source id give the same id on every machine. */
const IMPORT_NAMESPACE = '6f1d4c52-3a7e-5b0e-9c1a-2f4b8e7d9a31';
const NAMESPACE_BYTES = Buffer.from(IMPORT_NAMESPACE.replace(/-/g, ''), 'hex');

/** RFC 9562 UUID version 5 (SHA-1 of namespace and name), written out: four times cheaper than the `uuid` package's per id. */
function uuidv5(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE_BYTES).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The Touchpoint id of a record of `kind` known as `sourceId` in `source`. Deterministic, so reruns and later imports agree. */
export function importedId(source: string, kind: 'customer' | 'deal' | 'contact' | 'touchpoint', sourceId: string): string {
  const name = `${source}\u0000${kind}\u0000${sourceId}`;
  // A customer's records follow each other: remember recent ids rather than hash the same name again.
  let id = recentIds.get(name);
  if (id === undefined) {
    id = uuidv5(name);
    if (recentIds.size >= 10_000) recentIds.delete(recentIds.keys().next().value as string);
    recentIds.set(name, id);
  }
  return id;
}
const recentIds = new Map<string, string>();

/** Ids the command gets from its record: the record's own (from its sourceId) and those of what it refers to. */
export function resolveIds(type: RecordType, source: string, sourceId: string, refs: Partial<Record<Ref, string>>): Record<string, string> {
  const ids: Record<string, string> = {};
  if (refs.customer !== undefined) ids.customerId = importedId(source, 'customer', refs.customer);
  if (refs.deal !== undefined) ids.dealId = importedId(source, 'deal', refs.deal);
  if (refs.contact !== undefined) ids.contactId = importedId(source, 'contact', refs.contact);
  // Orders and complaints keep the source's number: it is what people search for, and it is unique per customer.
  if (refs.order !== undefined) ids.orderId = refs.order;
  if (refs.complaint !== undefined) ids.complaintId = refs.complaint;
  // Invoices and payments keep the source's numbers too (a payment's is the bank's or the payment system's id).
  if (refs.invoice !== undefined) ids.invoiceId = refs.invoice;
  switch (type) {
    case 'RegisterCustomer':
      ids.customerId = importedId(source, 'customer', sourceId);
      break;
    case 'OpenDeal':
      ids.dealId = importedId(source, 'deal', sourceId);
      break;
    case 'AddContactPerson':
      ids.contactId = importedId(source, 'contact', sourceId);
      break;
    case 'RecordTouchpoint':
      ids.touchpointId = importedId(source, 'touchpoint', sourceId);
      break;
    case 'PlaceOrder':
      ids.orderId = sourceId;
      break;
    case 'FileComplaint':
      ids.complaintId = sourceId;
      break;
    case 'IssueInvoice':
      ids.invoiceId = sourceId;
      break;
    case 'RecordPayment':
      ids.paymentId = sourceId;
      break;
    default:
      break;
  }
  return ids;
}

/** The id fields the HTTP body of `type` carries itself (so its validation checks them too); the rest come from the path. */
export const BODY_ID_FIELDS: Partial<Record<RecordType, string[]>> = {
  RegisterCustomer: ['customerId'],
  OpenDeal: ['customerId', 'dealId'],
  PlaceOrder: ['orderId'],
  FileComplaint: ['complaintId', 'orderId'],
  IssueInvoice: ['invoiceId', 'orderId'],
  RecordPayment: ['paymentId'],
};

export interface BuildDefaults {
  /** who handled a touchpoint or owns a deal when the record does not say: the importing actor */
  actor: string;
  /** business time when the record gives none */
  now: string;
}

type Body = Record<string, unknown>;

/**
 * The domain command a validated record becomes: the same shape the HTTP controllers build from their
 * bodies, so the same decider judges it.
 */
export function buildCommand(type: RecordType, body: Body, ids: Record<string, string>, defaults: BuildDefaults): CustomerCommand | DealCommand {
  // UTC with milliseconds, as the HTTP edge stores it, so business times sort as text everywhere.
  const occurredAt = body.occurredAt === undefined ? defaults.now : normaliseInstant(body.occurredAt as string, 'occurredAt');
  const { occurredAt: _at, ...rest } = body;
  const data = { ...rest, ...ids, occurredAt };
  switch (type) {
    case 'ChangeCustomerProfile':
      return { type, data: { customerId: ids.customerId, changes: rest, occurredAt } } as CustomerCommand;
    case 'RecordTouchpoint': {
      const { type: touchpointType, agent, ...tp } = rest as Body & { type: string; agent?: string };
      return { type, data: { ...tp, ...ids, touchpointType, agent: agent ?? defaults.actor, occurredAt } } as CustomerCommand;
    }
    case 'OpenDeal':
      return { type, data: { ...data, stage: rest.stage ?? 'lead', owner: rest.owner ?? defaults.actor } } as DealCommand;
    case 'ChangeDealStage':
    case 'ChangeDealAmount':
    case 'ChangeDealCloseDate':
    case 'WinDeal':
    case 'LoseDeal':
      return { type, data } as DealCommand;
    default:
      return { type, data } as CustomerCommand;
  }
}
