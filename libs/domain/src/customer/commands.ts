import type { Address, Channel, ComplaintSeverity, CustomerKind, Direction, OrderLine, ProfilePatch, ReturnedLine, TouchpointType } from './types';
import type { CompetitorOfferRecorded, InvoiceIssued, PaymentReceived, TouchpointRecorded } from './events';

/**
 * Imperative commands. Ids and `occurredAt` are resolved by the application
 * layer (injected id generator and clock) so deciding stays pure and repeatable.
 */
export type RegisterCustomer = {
  type: 'RegisterCustomer';
  data: { customerId: string; kind: CustomerKind; name: string; email?: string; phone?: string; address?: Address; company?: string; tags?: string[]; owner?: string; occurredAt: string };
};
export type ChangeCustomerProfile = { type: 'ChangeCustomerProfile'; data: { customerId: string; changes: ProfilePatch; occurredAt: string } };
export type AddContactPerson = {
  type: 'AddContactPerson';
  data: { customerId: string; contactId: string; name: string; role?: string; email?: string; phone?: string; occurredAt: string };
};
export type RemoveContactPerson = { type: 'RemoveContactPerson'; data: { customerId: string; contactId: string; occurredAt: string } };
export type ChangePreferredChannel = { type: 'ChangePreferredChannel'; data: { customerId: string; channel: Channel; occurredAt: string } };
export type ChangeMarketingConsent = { type: 'ChangeMarketingConsent'; data: { customerId: string; granted: boolean; source?: string; occurredAt: string } };
export type RecordTouchpoint = {
  type: 'RecordTouchpoint';
  data: {
    customerId: string;
    touchpointId: string;
    touchpointType: TouchpointType;
    channel?: Channel;
    direction: Direction;
    agent: string;
    subject: string;
    summary?: string;
    durationSeconds?: number;
    outcome?: string;
    url?: string;
    occurredAt: string;
  };
};
export type PlaceOrder = {
  type: 'PlaceOrder';
  /** lines, a total, or both (then they must agree): sources often know only what the order came to */
  data: { customerId: string; orderId: string; currency: string; lines?: OrderLine[]; total?: number; channel?: Channel; occurredAt: string };
};
export type CancelOrder = { type: 'CancelOrder'; data: { customerId: string; orderId: string; reason?: string; occurredAt: string } };
export type ReturnOrder = { type: 'ReturnOrder'; data: { customerId: string; orderId: string; lines?: ReturnedLine[]; reason?: string; occurredAt: string } };
export type FileComplaint = {
  type: 'FileComplaint';
  data: { customerId: string; complaintId: string; category: string; severity: ComplaintSeverity; channel: Channel; description: string; orderId?: string; occurredAt: string };
};
export type EscalateComplaint = { type: 'EscalateComplaint'; data: { customerId: string; complaintId: string; reason: string; escalatedTo?: string; occurredAt: string } };
/** GDPR erasure: the customer's data key is destroyed by the caller; this records that it happened. */
export type EraseCustomer = { type: 'EraseCustomer'; data: { customerId: string; occurredAt: string } };
export type ResolveComplaint = { type: 'ResolveComplaint'; data: { customerId: string; complaintId: string; resolution: string; satisfaction: number; occurredAt: string } };

type MergeData = { customerId: string; mergeId: string; survivorId: string; duplicateId: string; reason: string; occurredAt: string };
/** On the duplicate's stream: the record joins the survivor and stops taking commands. */
export type MergeCustomerInto = { type: 'MergeCustomerInto'; data: MergeData };
/** On the survivor's stream: the duplicate's record is combined with this one. */
export type AbsorbCustomer = { type: 'AbsorbCustomer'; data: MergeData };
/**
 * On the survivor's stream: the merge is undone (read models split the two again). `reassign` names events of the
 * survivor's stream that belong to the duplicate; `recordedSinceMerge` is what the caller found on the stream after this
 * merge (event id → type, without events an earlier undo already reassigned), against which the names are checked.
 */
export type UndoMerge = {
  type: 'UndoMerge';
  data: { customerId: string; mergeId: string; reason: string; occurredAt: string; reassign?: string[]; recordedSinceMerge?: Record<string, string> };
};
/** On the duplicate's stream, after UndoMerge: the record takes commands again, and records the reassigned touchpoints. */
export type ReleaseMergedCustomer = {
  type: 'ReleaseMergedCustomer';
  data: { customerId: string; mergeId: string; reason: string; occurredAt: string; reassigned?: Array<{ eventId: string; touchpoint: TouchpointRecorded['data'] }> };
};

export type IssueInvoice = { type: 'IssueInvoice'; data: InvoiceIssued['data'] };
/** The payment id makes a repeated payment (the same bank line imported twice) a no-op. */
export type RecordPayment = { type: 'RecordPayment'; data: Omit<PaymentReceived['data'], 'outstanding' | 'currency'> & { currency?: string } };
export type WriteOffInvoice = { type: 'WriteOffInvoice'; data: { customerId: string; invoiceId: string; reason: string; occurredAt: string } };

export type RecordCompetitorOffer = { type: 'RecordCompetitorOffer'; data: CompetitorOfferRecorded['data'] };

export type CustomerCommand =
  | RegisterCustomer
  | ChangeCustomerProfile
  | AddContactPerson
  | RemoveContactPerson
  | ChangePreferredChannel
  | ChangeMarketingConsent
  | RecordTouchpoint
  | PlaceOrder
  | CancelOrder
  | ReturnOrder
  | FileComplaint
  | EscalateComplaint
  | ResolveComplaint
  | EraseCustomer
  | MergeCustomerInto
  | AbsorbCustomer
  | UndoMerge
  | IssueInvoice
  | RecordPayment
  | WriteOffInvoice
  | RecordCompetitorOffer
  | ReleaseMergedCustomer;
