import type { Upcasters } from '@touchpoint/domain';
import type { RecordedEvent } from '@touchpoint/event-store';

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

