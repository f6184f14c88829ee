import type { Address, Channel, ComplaintSeverity, CustomerKind, Direction, OrderLine, ProfilePatch, ReturnedLine, TouchpointType } from './types';

/**
 * Customer stream events (stream `customer-<id>`). Past tense, data only;
 * schema versions and upcasters live in ../catalogue.ts. Never edit a shipped shape: add a version.
 */
export type CustomerRegistered = {
  type: 'CustomerRegistered';
  data: {
    customerId: string;
    kind: CustomerKind;
    name: string;
    email?: string;
    phone?: string;
    address?: Address;
    company?: string;
    tags: string[];
    owner?: string;
    occurredAt: string;
  };
};

export type CustomerProfileChanged = {
  type: 'CustomerProfileChanged';
  data: { customerId: string; changes: ProfilePatch; occurredAt: string };
};

export type ContactPersonAdded = {
  type: 'ContactPersonAdded';
  data: { customerId: string; contactId: string; name: string; role?: string; email?: string; phone?: string; occurredAt: string };
};

export type ContactPersonRemoved = {
  type: 'ContactPersonRemoved';
  data: { customerId: string; contactId: string; occurredAt: string };
};

export type PreferredChannelChanged = {
  type: 'PreferredChannelChanged';
  data: { customerId: string; channel: Channel; occurredAt: string };
};

export type MarketingConsentChanged = {
  type: 'MarketingConsentChanged';
  data: { customerId: string; granted: boolean; source?: string; occurredAt: string };
};

export type TouchpointRecorded = {
  type: 'TouchpointRecorded';
  data: {
    customerId: string;
    touchpointId: string;
    touchpointType: TouchpointType;
    channel: Channel;
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

export type OrderPlaced = {
  type: 'OrderPlaced';
  data: {
    customerId: string;
    orderId: string;
    currency: string;
    /** empty when the source knew only the total (v2) */
    lines: OrderLine[];
    /** Σ quantity × unitPrice, or the total given, minor units */
    total: number;
    /** Σ quantity × unitCost, minor units; absent when a line's cost (or every line) is unknown (v2) */
    cost?: number;
    channel?: Channel;
    occurredAt: string;
  };
};

export type OrderCancelled = {
  type: 'OrderCancelled';
  /** cost absent when the order's cost was unknown (v2) */
  data: { customerId: string; orderId: string; currency: string; total: number; cost?: number; reason?: string; occurredAt: string };
};

export type OrderReturned = {
  type: 'OrderReturned';
  data: {
    customerId: string;
    orderId: string;
    currency: string;
    lines: ReturnedLine[];
    /** revenue given back: Σ returned quantity × unitPrice */
    refund: number;
    /** cost taken back: Σ returned quantity × unitCost; absent when the order's cost was unknown (v2) */
    costReversed?: number;
    reason?: string;
    occurredAt: string;
  };
};

export type ComplaintFiled = {
  type: 'ComplaintFiled';
  data: {
    customerId: string;
    complaintId: string;
    category: string;
    severity: ComplaintSeverity;
    channel: Channel;
    description: string;
    orderId?: string;
    occurredAt: string;
  };
};

export type ComplaintEscalated = {
  type: 'ComplaintEscalated';
  data: { customerId: string; complaintId: string; level: number; reason: string; escalatedTo?: string; occurredAt: string };
};

export type ComplaintResolved = {
  type: 'ComplaintResolved';
  data: { customerId: string; complaintId: string; resolution: string; satisfaction: number; occurredAt: string };
};

/**
 * The customer's personal data was erased: its data key is destroyed, so the
 * personal fields of every earlier event read as erased from now on.
 */
export type CustomerErased = {
  type: 'CustomerErased';
  data: { customerId: string; occurredAt: string };
};

/**
 * Two records of one customer became one: recorded on both streams with the same data (`customerId` says whose stream
 * it is). On the duplicate's stream it is recorded first and locks the record; on the survivor's stream it is the
 * merge itself (read models combine the two from then on).
 */
export type CustomerMerged = {
  type: 'CustomerMerged';
  data: { customerId: string; mergeId: string; survivorId: string; duplicateId: string; reason: string; occurredAt: string };
};

/**
 * A merge undone: recorded on the survivor's stream first (read models split the two again), then on the duplicate's
 * (it takes commands again). v2: `reassignedEventIds` names touchpoints recorded on the survivor while merged that
 * belong to the duplicate; they leave the survivor's figures, and the duplicate's stream records them again right after
 * its own CustomerUnmerged, in the same append (v1 events read as naming none).
 */
export type CustomerUnmerged = {
  type: 'CustomerUnmerged';
  data: { customerId: string; mergeId: string; survivorId: string; duplicateId: string; reason: string; occurredAt: string; reassignedEventIds?: string[] };
};

/**
 * An invoice for what the customer bought: the amount due (minor units) by the end of `dueDate` (UTC). Payment
 * history is the customer's: invoices live on the customer's stream, so the 360, as-of and erasure see them.
 */
export type InvoiceIssued = {
  type: 'InvoiceIssued';
  data: { customerId: string; invoiceId: string; number?: string; orderId?: string; currency: string; amount: number; dueDate: string; occurredAt: string };
};

export type PaymentMethod = 'bank_transfer' | 'card' | 'cash' | 'direct_debit' | 'other';
export const PAYMENT_METHODS: readonly PaymentMethod[] = ['bank_transfer', 'card', 'cash', 'direct_debit', 'other'];

/** Money received against an invoice, in part or in full; `outstanding` is what remains after it (0: settled). */
export type PaymentReceived = {
  type: 'PaymentReceived';
  data: { customerId: string; invoiceId: string; paymentId: string; currency: string; amount: number; outstanding: number; method?: PaymentMethod; reference?: string; occurredAt: string };
};

/** What remained of an invoice given up as uncollectable: the invoice is settled, nothing more is expected. */
export type InvoiceWrittenOff = {
  type: 'InvoiceWrittenOff';
  data: { customerId: string; invoiceId: string; currency: string; amount: number; reason: string; occurredAt: string };
};

/**
 * An offer a competitor made the customer, as the customer or the seller learned of it: who, for how much (minor
 * units, optional: often only the terms are known), on what terms, and about which of our deals if any.
 */
export type CompetitorOfferRecorded = {
  type: 'CompetitorOfferRecorded';
  data: { customerId: string; offerId: string; competitor: string; dealId?: string; amount?: number; currency?: string; terms?: string; occurredAt: string };
};

export type CustomerEvent =
  | CustomerRegistered
  | CustomerProfileChanged
  | ContactPersonAdded
  | ContactPersonRemoved
  | PreferredChannelChanged
  | MarketingConsentChanged
  | TouchpointRecorded
  | OrderPlaced
  | OrderCancelled
  | OrderReturned
  | ComplaintFiled
  | ComplaintEscalated
  | ComplaintResolved
  | CustomerErased
  | CustomerMerged
  | CustomerUnmerged
  | InvoiceIssued
  | PaymentReceived
  | InvoiceWrittenOff
  | CompetitorOfferRecorded;
