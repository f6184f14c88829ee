import type { CustomerEvent } from './customer/events';
import type { DealEvent } from './deal/events';
import type { ForecastEvent } from './forecast/events';
import type { TaskEvent } from './task/events';
import type { SalesOrgEvent } from './sales/events';
import type { PriceListEvent, QuoteEvent } from './quote/events';
import type { ImportEvent } from './imports/events';
import type { ValueModelEvent } from './value-model/events';
import type { WebhookEvent } from './webhook/events';

export type DomainEvent = CustomerEvent | DealEvent | ForecastEvent | TaskEvent | SalesOrgEvent | PriceListEvent | QuoteEvent;
export type DomainEventType = DomainEvent['type'];

/**
 * The published event catalogue: every type with its current schema version.
 * Stored events keep the version they were written with; readers upcast old
 * versions to the current one. A shipped version is never edited.
 */
export const EVENT_SCHEMA_VERSIONS: Record<DomainEventType, number> = {
  CustomerRegistered: 1,
  CustomerProfileChanged: 1,
  ContactPersonAdded: 1,
  ContactPersonRemoved: 1,
  PreferredChannelChanged: 1,
  MarketingConsentChanged: 1,
  TouchpointRecorded: 1,
  OrderPlaced: 2,
  OrderCancelled: 2,
  OrderReturned: 2,
  ComplaintFiled: 1,
  ComplaintEscalated: 1,
  ComplaintResolved: 1,
  CustomerErased: 1,
  CustomerMerged: 1,
  CustomerUnmerged: 2,
  InvoiceIssued: 1,
  PaymentReceived: 1,
  InvoiceWrittenOff: 1,
  CompetitorOfferRecorded: 1,
  DealOpened: 1,
  DealStageChanged: 1,
  DealAmountChanged: 1,
  DealCloseDateChanged: 1,
  DealForecastCategoryChanged: 1,
  DealWon: 1,
  DealLost: 1,
  ForecastSubmitted: 1,
  TaskCreated: 1,
  TaskRescheduled: 1,
  TaskReassigned: 1,
  TaskCompleted: 1,
  TaskCancelled: 1,
  SellerPlaced: 1,
  QuotaSet: 1,
  BonusPlanPublished: 1,
  TeamManagerAppointed: 1,
  PriceListPublished: 1,
  QuoteDrafted: 1,
  QuoteRevised: 1,
  QuoteDiscountApproved: 1,
  QuoteSent: 1,
  QuoteAccepted: 1,
  QuoteRejected: 1,
};

export const isDomainEventType = (type: string): type is DomainEventType => Object.prototype.hasOwnProperty.call(EVENT_SCHEMA_VERSIONS, type);

/**
 * System events: facts about the system's own work (imports), in streams of their own. Catalogued and
 * versioned like domain events; the relay does not publish them, and only the imports list projects any (imports;
 * lifetime-value model fits; webhook subscriptions).
 */
export const SYSTEM_EVENT_SCHEMA_VERSIONS: Record<ImportEvent['type'] | ValueModelEvent['type'] | WebhookEvent['type'], number> = {
  ImportStarted: 1,
  ImportFinished: 1,
  LifetimeValueModelFitted: 1,
  WebhookSubscriptionCreated: 1,
  WebhookSubscriptionPaused: 1,
  WebhookSubscriptionResumed: 1,
  WebhookSubscriptionDisabled: 1,
  WebhookSecretRotated: 1,
  WebhookRedeliveryRequested: 1,
  WebhookSubscriptionDeleted: 1,
};

export const isSystemEventType = (type: string): type is keyof typeof SYSTEM_EVENT_SCHEMA_VERSIONS => Object.prototype.hasOwnProperty.call(SYSTEM_EVENT_SCHEMA_VERSIONS, type);

/** The schema version new events of `type` are written with; throws for a type outside both catalogues. */
export function currentSchemaVersion(type: string): number {
  if (isDomainEventType(type)) return EVENT_SCHEMA_VERSIONS[type];
  if (isSystemEventType(type)) return SYSTEM_EVENT_SCHEMA_VERSIONS[type];
  throw new Error(`event type ${type} is not in the catalogue`);
}

/** One step: turns `type` at `fromVersion` into `fromVersion + 1`. */
export interface Upcaster {
  type: string;
  fromVersion: number;
  upcast(data: Record<string, unknown>): Record<string, unknown>;
}

export class Upcasters {
  private readonly steps = new Map<string, Upcaster>();

  constructor(
    upcasters: Upcaster[] = [],
    private readonly currentVersions: Record<string, number> = EVENT_SCHEMA_VERSIONS,
  ) {
    for (const u of upcasters) this.steps.set(`${u.type}@${u.fromVersion}`, u);
  }

  /** Whether data of this type and version is already at the current schema (nothing to upcast). */
  isCurrent(type: string, version: number): boolean {
    return version >= (this.currentVersions[type] ?? version);
  }

  /** Brings stored data to the current schema; throws when a step is missing rather than guess. */
  upcast(type: string, version: number, data: Record<string, unknown>): { version: number; data: Record<string, unknown> } {
    const target = this.currentVersions[type] ?? version;
    let current = { version, data };
    while (current.version < target) {
      const step = this.steps.get(`${type}@${current.version}`);
      if (!step) throw new Error(`no upcaster for ${type} v${current.version} → v${current.version + 1}`);
      current = { version: current.version + 1, data: step.upcast(current.data) };
    }
    return current;
  }
}

/** v1 → v2 changes no stored field: v2 only allows what v1 could not say (no lines, unknown cost). */
const unchanged = (type: string): Upcaster => ({ type, fromVersion: 1, upcast: (data) => data });

/** Upcasters for every version ever retired. */
export const UPCASTERS: Upcaster[] = [
  // Orders as sources know them: a total without lines, lines without unit cost (margin unknown, not zero).
  unchanged('OrderPlaced'),
  unchanged('OrderCancelled'),
  unchanged('OrderReturned'),
  // v2 may name touchpoints given back to the duplicate (reassignedEventIds); a v1 undo gave back none.
  unchanged('CustomerUnmerged'),
];
