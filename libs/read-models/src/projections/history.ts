import { erasePersonalFields, minorUnitDigits } from '@touchpoint/domain';
import type { Document } from '../store/port';
import type { DocumentAccess, ProjectedEvent, Projection } from './types';

/** One line of a customer's timeline: what happened, when (business time), who, over which channel. */
export interface HistoryEntry extends Document {
  customerId: string;
  eventId: string;
  type: string;
  /** touchpoint | customer | order | complaint | deal */
  category: string;
  occurredAt: string;
  recordedAt: string;
  /** business time then log position: a total order even for events at the same instant */
  sortKey: string;
  actor: string;
  channel: string;
  summary: string;
  details: Record<string, unknown>;
}

export const HISTORY = 'history';

const CATEGORY: Record<string, string> = {
  CustomerRegistered: 'customer',
  CustomerProfileChanged: 'customer',
  ContactPersonAdded: 'customer',
  ContactPersonRemoved: 'customer',
  PreferredChannelChanged: 'customer',
  MarketingConsentChanged: 'customer',
  TouchpointRecorded: 'touchpoint',
  OrderPlaced: 'order',
  OrderCancelled: 'order',
  OrderReturned: 'order',
  ComplaintFiled: 'complaint',
  ComplaintEscalated: 'complaint',
  ComplaintResolved: 'complaint',
  CustomerErased: 'customer',
  CustomerMerged: 'customer',
  CustomerUnmerged: 'customer',
  DealOpened: 'deal',
  DealStageChanged: 'deal',
  DealAmountChanged: 'deal',
  DealCloseDateChanged: 'deal',
  DealForecastCategoryChanged: 'deal',
  DealWon: 'deal',
  DealLost: 'deal',
  CompetitorOfferRecorded: 'competitor',
  QuoteDrafted: 'quote',
  QuoteRevised: 'quote',
  QuoteDiscountApproved: 'quote',
  QuoteSent: 'quote',
  QuoteAccepted: 'quote',
  QuoteRejected: 'quote',
  InvoiceIssued: 'payment',
  PaymentReceived: 'payment',
  InvoiceWrittenOff: 'payment',
  TaskCreated: 'task',
  TaskRescheduled: 'task',
  TaskReassigned: 'task',
  TaskCompleted: 'task',
  TaskCancelled: 'task',
};

/** Minor units in the currency's own decimals (JPY 0, EUR 2, BHD 3). */
const money = (amount: number, currency: string) => {
  const digits = minorUnitDigits(currency);
  return `${(amount / 10 ** digits).toFixed(digits)} ${currency}`;
};

function describe(event: ProjectedEvent): { channel: string; summary: string } {
  switch (event.type) {
    case 'CustomerRegistered':
      return { channel: '', summary: `Registered as ${event.data.kind}` };
    case 'CustomerProfileChanged':
      return { channel: '', summary: `Profile changed: ${Object.keys(event.data.changes).join(', ')}` };
    case 'ContactPersonAdded':
      return { channel: '', summary: 'Contact person added' };
    case 'ContactPersonRemoved':
      return { channel: '', summary: 'Contact person removed' };
    case 'PreferredChannelChanged':
      return { channel: event.data.channel, summary: `Preferred channel: ${event.data.channel}` };
    case 'MarketingConsentChanged':
      return { channel: '', summary: event.data.granted ? 'Marketing consent granted' : 'Marketing consent withdrawn' };
    case 'TouchpointRecorded':
      return { channel: event.data.channel, summary: `${event.data.direction} ${event.data.touchpointType}: ${event.data.subject}` };
    case 'OrderPlaced':
      return { channel: event.data.channel ?? '', summary: `Order ${event.data.orderId} placed: ${money(event.data.total, event.data.currency)}` };
    case 'OrderCancelled':
      return { channel: '', summary: `Order ${event.data.orderId} cancelled` };
    case 'OrderReturned':
      return { channel: '', summary: `Order ${event.data.orderId}: ${money(event.data.refund, event.data.currency)} returned` };
    case 'ComplaintFiled':
      return { channel: event.data.channel, summary: `Complaint ${event.data.complaintId} (${event.data.category}, ${event.data.severity})` };
    case 'ComplaintEscalated':
      return { channel: '', summary: `Complaint ${event.data.complaintId} escalated to level ${event.data.level}` };
    case 'ComplaintResolved':
      return { channel: '', summary: `Complaint ${event.data.complaintId} resolved (satisfaction ${event.data.satisfaction}/5)` };
    case 'CustomerErased':
      return { channel: '', summary: 'Personal data erased' };
    case 'CustomerMerged':
      return {
        channel: '',
        summary: event.data.customerId === event.data.survivorId ? `Merged with duplicate ${event.data.duplicateId}: ${event.data.reason}` : `Merged into ${event.data.survivorId}: ${event.data.reason}`,
      };
    case 'CustomerUnmerged':
      return {
        channel: '',
        summary: `${event.data.customerId === event.data.survivorId ? `Merge with ${event.data.duplicateId} undone` : `Merge into ${event.data.survivorId} undone`}${movedTouchpoints(event.data.reassignedEventIds)}: ${event.data.reason}`,
      };
    case 'DealOpened':
      return { channel: '', summary: `Deal "${event.data.title}" opened at ${event.data.stage}: ${money(event.data.amount, event.data.currency)}` };
    case 'DealStageChanged':
      return { channel: '', summary: `Deal moved ${event.data.from} → ${event.data.to}` };
    case 'DealAmountChanged':
      return { channel: '', summary: `Deal amount now ${money(event.data.amount, event.data.currency)}` };
    case 'DealCloseDateChanged':
      return { channel: '', summary: `Deal expected to close ${event.data.expectedCloseDate}` };
    case 'DealWon':
      return { channel: '', summary: `Deal won: ${money(event.data.amount, event.data.currency)}` };
    case 'DealForecastCategoryChanged':
      return { channel: '', summary: `Deal forecast category ${event.data.from} → ${event.data.to}` };
    case 'DealLost':
      return { channel: '', summary: `Deal lost: ${event.data.reason}` };
    case 'QuoteDrafted':
    case 'QuoteRevised': {
      const q = event.data;
      const approval = q.needsApproval ? ', discount awaiting approval' : '';
      return { channel: '', summary: `Quote v${q.version} ${event.type === 'QuoteDrafted' ? 'drafted' : 'revised'}: ${q.lines.length} line${q.lines.length === 1 ? '' : 's'}, ${money(q.total, q.currency)} incl. tax${approval}` };
    }
    case 'QuoteDiscountApproved':
      return { channel: '', summary: `Discount of quote v${event.data.version} approved by ${event.data.approvedBy}` };
    case 'QuoteSent':
      return { channel: '', summary: `Quote v${event.data.version} sent` };
    case 'QuoteAccepted':
      return { channel: '', summary: `Quote v${event.data.version} accepted: order ${event.data.orderId}` };
    case 'QuoteRejected':
      return { channel: '', summary: `Quote v${event.data.version} rejected: ${event.data.reason}` };
    case 'CompetitorOfferRecorded': {
      const o = event.data;
      return { channel: '', summary: `Offer from ${o.competitor}${o.amount !== undefined && o.currency ? `: ${money(o.amount, o.currency)}` : ''}${o.terms ? ` (${o.terms})` : ''}` };
    }
    case 'InvoiceIssued':
      return { channel: '', summary: `Invoice ${event.data.number ?? event.data.invoiceId} issued: ${money(event.data.amount, event.data.currency)}, due ${event.data.dueDate}` };
    case 'PaymentReceived':
      return {
        channel: '',
        summary: `Payment of ${money(event.data.amount, event.data.currency)} on invoice ${event.data.invoiceId}${event.data.outstanding === 0 ? ': settled' : `: ${money(event.data.outstanding, event.data.currency)} outstanding`}`,
      };
    case 'InvoiceWrittenOff':
      return { channel: '', summary: `Invoice ${event.data.invoiceId} written off: ${money(event.data.amount, event.data.currency)}: ${event.data.reason}` };
    case 'TaskCreated': {
      const t = event.data;
      const cause = t.causedBy ? ' (follow-up of an unanswered contact)' : '';
      return { channel: '', summary: `${t.kind === 'todo' ? 'Task' : t.kind[0].toUpperCase() + t.kind.slice(1)} planned for ${t.assignee}, due ${t.dueAt}${cause}: ${t.title}` };
    }
    case 'TaskRescheduled':
      return { channel: '', summary: `Task moved to ${event.data.dueAt}${event.data.reason ? `: ${event.data.reason}` : ''}` };
    case 'TaskReassigned':
      return { channel: '', summary: `Task reassigned to ${event.data.assignee}` };
    case 'TaskCompleted':
      return { channel: '', summary: `Task done${event.data.outcome ? `: ${event.data.outcome}` : ''}` };
    case 'TaskCancelled':
      return { channel: '', summary: `Task cancelled${event.data.reason ? `: ${event.data.reason}` : ''}` };
    default:
      // Not a customer's event (a forecast submission): never in a timeline.
      return { channel: '', summary: event.type };
  }
}

const movedTouchpoints = (ids: string[] | undefined) => (ids?.length ? ` (${ids.length} touchpoint${ids.length === 1 ? '' : 's'} given back to the duplicate)` : '');

/** Pure: the timeline entry an event becomes. */
export function historyEntry(event: ProjectedEvent): HistoryEntry {
  const { channel, summary } = describe(event);
  const { customerId, occurredAt, ...details } = event.data as { customerId: string; occurredAt: string } & Record<string, unknown>;
  return {
    _id: event.eventId,
    _position: event.globalPosition,
    customerId,
    eventId: event.eventId,
    type: event.type,
    category: CATEGORY[event.type],
    occurredAt,
    recordedAt: event.recordedAt,
    sortKey: `${occurredAt}|${String(event.globalPosition).padStart(16, '0')}`,
    actor: event.metadata.actor,
    channel,
    summary,
    details,
  };
}

/** The entry as projecting the erased event would make it (summary included). */
export function scrubHistoryEntry(entry: HistoryEntry): HistoryEntry {
  const data = erasePersonalFields(entry.type, { ...entry.details, customerId: entry.customerId, occurredAt: entry.occurredAt });
  const event = { type: entry.type, data, eventId: entry.eventId, globalPosition: entry._position, recordedAt: entry.recordedAt, metadata: { actor: entry.actor } };
  return historyEntry(event as unknown as ProjectedEvent);
}

export const historyProjection: Projection = {
  name: 'history',
  collections: [
    {
      name: HISTORY,
      cached: false,
      fields: {
        customerId: { path: 'customerId', type: 'string' },
        type: { path: 'type', type: 'string' },
        category: { path: 'category', type: 'string' },
        channel: { path: 'channel', type: 'string' },
        occurredAt: { path: 'occurredAt', type: 'string' },
        sortKey: { path: 'sortKey', type: 'string' },
        actor: { path: 'actor', type: 'string' },
      },
      indexes: [['customerId', 'sortKey'], ['customerId', 'channel', 'sortKey'], ['customerId', 'type', 'sortKey']],
    },
  ],
  handles: new Set(Object.keys(CATEGORY)),
  apply(event: ProjectedEvent, docs: DocumentAccess): void {
    docs.update<HistoryEntry>(HISTORY, event.eventId, () => historyEntry(event));
    // Touchpoints an undo gave back leave the survivor's timeline; the duplicate's stream records them again.
    if (event.type === 'CustomerUnmerged' && event.data.customerId === event.data.survivorId) for (const id of event.data.reassignedEventIds ?? []) docs.remove(HISTORY, id);
  },
  erase: [{ collection: HISTORY, field: 'customerId', scrub: (doc) => scrubHistoryEntry(doc as HistoryEntry) }],
};
