import { isDomainEventType } from '@touchpoint/domain';
import type { RecordedEvent, StoredEventText } from '@touchpoint/event-store';

/** What a reader of the global log selects (the HTTP feed's query, a webhook subscription's filter). */
export interface FeedFilter {
  types?: ReadonlySet<string>;
  categories?: ReadonlySet<string>;
  customerId?: string;
}

/** The stream kind of a stream id: `customer-…` → customer, `sales-org` → sales. */
export const categoryOf = (streamId: string): string => (streamId === 'sales-org' ? 'sales' : streamId.startsWith('price-list-') ? 'price-list' : streamId.slice(0, streamId.indexOf('-')));

function matchesWith(type: string, streamId: string, customerIdOf: () => unknown, filter: FeedFilter): boolean {
  if (!isDomainEventType(type)) return false; // system events (imports, model fits, subscriptions) are not published
  if (filter.types && !filter.types.has(type)) return false;
  if (filter.categories && !filter.categories.has(categoryOf(streamId))) return false;
  if (filter.customerId && customerIdOf() !== filter.customerId) return false;
  return true;
}

export const matches = (event: RecordedEvent, filter: FeedFilter): boolean => matchesWith(event.type, event.streamId, () => (event.data as { customerId?: unknown }).customerId, filter);

/** `matches` for an event still in its stored text: the data is parsed for a customer filter alone. */
export const matchesStored = (event: StoredEventText, filter: FeedFilter): boolean => matchesWith(event.type, event.streamId, () => (JSON.parse(event.data) as { customerId?: unknown }).customerId, filter);

/** The customer an event is about (its `customerId`), else its stream: what per-customer ordering is kept on. */
export function orderingKey(event: Pick<RecordedEvent, 'streamId' | 'data'>): string {
  const customerId = (event.data as { customerId?: unknown }).customerId;
  return typeof customerId === 'string' ? `customer:${customerId}` : event.streamId;
}
