import type { Upcasters } from '@touchpoint/domain';
import type { RecordedEvent, StoredEventText } from '@touchpoint/event-store';

/** The message value: the stored envelope, with `data` upcast to the current schema version. */
export interface PublishedEvent {
  eventId: string;
  type: string;
  schemaVersion: number;
  streamId: string;
  streamRevision: number;
  globalPosition: number;
  recordedAt: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/** The envelope every way out publishes (Kafka, the HTTP feed, webhooks): the stored event with `data` upcast. */
export function publishedEvent(event: RecordedEvent, upcasters: Upcasters): PublishedEvent {
  const { version, data } = upcasters.upcast(event.type, event.schemaVersion, event.data);
  return {
    eventId: event.eventId,
    type: event.type,
    schemaVersion: version,
    streamId: event.streamId,
    streamRevision: event.streamRevision,
    globalPosition: event.globalPosition,
    recordedAt: event.recordedAt,
    data,
    metadata: publishedMetadata(event.metadata),
  };
}

/**
 * `JSON.stringify(publishedEvent(…))` of an event still in its stored text: the data and metadata are written out as
 * stored, unparsed, when there is nothing to change in them (the schema is current, no idempotency key to unprefix).
 */
export function publishedEventJson(event: StoredEventText, upcasters: Upcasters): string {
  if (!upcasters.isCurrent(event.type, event.schemaVersion) || event.metadata.includes('"idempotencyKey"')) {
    return JSON.stringify(publishedEvent({ ...event, data: JSON.parse(event.data) as RecordedEvent['data'], metadata: JSON.parse(event.metadata) as RecordedEvent['metadata'] }, upcasters));
  }
  const { eventId, type, schemaVersion, streamId, streamRevision, globalPosition, recordedAt, data, metadata } = event;
  return `{"eventId":${JSON.stringify(eventId)},"type":${JSON.stringify(type)},"schemaVersion":${schemaVersion},"streamId":${JSON.stringify(streamId)},"streamRevision":${streamRevision},"globalPosition":${globalPosition},"recordedAt":${JSON.stringify(recordedAt)},"data":${data},"metadata":${metadata}}`;
}

/**
 * The idempotency key as the client sent it. It is stored prefixed with the actor, length first
 * (`<length of actor>:<actor>:<key>`, so that keys of different actors never collide and the form is unambiguous);
 * consumers get the client's key alone, beside `actor`. An import's key (`import:<source>:<type>:<sourceId>`) has no
 * prefix and is published as stored.
 */
export function clientIdempotencyKey(stored: string): string {
  const m = /^(\d{1,4}):/.exec(stored);
  if (!m) return stored;
  const length = Number(m[1]);
  const rest = stored.slice(m[0].length);
  return rest.length > length && rest[length] === ':' ? rest.slice(length + 1) : stored;
}

function publishedMetadata(metadata: RecordedEvent['metadata']): Record<string, unknown> {
  if (typeof metadata?.idempotencyKey !== 'string') return metadata;
  return { ...metadata, idempotencyKey: clientIdempotencyKey(metadata.idempotencyKey) };
}

