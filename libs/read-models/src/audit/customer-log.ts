import { UPCASTERS, Upcasters, isDomainEventType } from '@touchpoint/domain';
import type { EventStore, RecordedEvent } from '@touchpoint/event-store';
import { DEALS } from '../projections/pipeline';
import type { ProjectedEvent } from '../projections/types';
import type { ReadStore } from '../store/port';

/** One event as an auditor sees it: the stored envelope, data upcast to the current schema. */
export interface AuditEvent {
  globalPosition: number;
  streamId: string;
  streamRevision: number;
  eventId: string;
  type: string;
  /** schema version of `data` as returned (after upcasting) */
  schemaVersion: number;
  /** schema version the event was stored with */
  storedSchemaVersion: number;
  recordedAt: string;
  /** business time, when the event has one */
  occurredAt: string | null;
  actor: string;
  correlationId: string;
  causationId: string;
  data: Record<string, unknown>;
  metadata: RecordedEvent['metadata'];
}

/** Where reading stopped: the last position returned and, per stream, the next revision to read. */
export interface LogCursor {
  after: number;
  next: Record<string, number>;
}

export const customerStreamOf = (customerId: string) => `customer-${customerId}`;
export const dealStreamOf = (dealId: string) => `deal-${dealId}`;

/**
 * Every event that concerns one customer: its own stream and the streams of
 * its deals, merged in global order and read in pages (never the whole log,
 * never a whole stream at once). Deals are found through the pipeline read
 * model's `deals` collection (indexed by customerId); callers that need it
 * complete wait for the projector to reach the head first.
 */
export class CustomerLog {
  constructor(
    private readonly events: EventStore,
    private readonly readStore: ReadStore,
    private readonly upcasters = new Upcasters(UPCASTERS),
  ) {}

  async streams(customerId: string): Promise<string[]> {
    const streams = [customerStreamOf(customerId)];
    let after: { values: (string | number | boolean)[]; id: string } | undefined;
    for (;;) {
      const page = await this.readStore.find<{ _id: string; _position: number; dealId: string }>(DEALS, {
        filter: [{ field: 'customerId', op: 'eq', value: customerId }],
        sort: [],
        limit: 500,
        after,
      });
      streams.push(...page.items.map((d) => dealStreamOf(d.dealId)));
      if (!page.next) return streams;
      after = page.next;
    }
  }

  /** Up to `limit` events after the cursor, in global order. */
  async page(streams: string[], cursor: LogCursor, limit: number): Promise<{ events: AuditEvent[]; cursor: LogCursor; done: boolean }> {
    const heads = await Promise.all(streams.map((s) => this.events.readStream(s, { fromRevision: cursor.next[s] ?? 0, maxCount: limit })));
    const merged = heads.flat().filter((e) => e.globalPosition > cursor.after);
    merged.sort((a, b) => a.globalPosition - b.globalPosition);
    const taken = merged.slice(0, limit);
    const next = { ...cursor.next };
    for (const e of taken) next[e.streamId] = e.streamRevision + 1;
    const after = taken.length ? taken[taken.length - 1].globalPosition : cursor.after;
    return { events: taken.map((e) => this.toAudit(e)), cursor: { after, next }, done: merged.length <= limit && heads.every((h) => h.length < limit) };
  }

  /** Streams every event of the customer in global order, page by page. */
  async *iterate(customerId: string, pageSize = 500): AsyncGenerator<AuditEvent> {
    yield* this.iterateStreams(await this.streams(customerId), pageSize);
  }

  /** Every event of these streams in global order, page by page (memory stays flat whatever the history's length). */
  async *iterateStreams(streams: string[], pageSize = 500): AsyncGenerator<AuditEvent> {
    let cursor: LogCursor = { after: 0, next: {} };
    for (;;) {
      const page = await this.page(streams, cursor, pageSize);
      yield* page.events;
      cursor = page.cursor;
      if (page.done || page.events.length === 0) return;
    }
  }

  toAudit(e: RecordedEvent): AuditEvent {
    const { version, data } = isDomainEventType(e.type) ? this.upcasters.upcast(e.type, e.schemaVersion, e.data) : { version: e.schemaVersion, data: e.data };
    return {
      globalPosition: e.globalPosition,
      streamId: e.streamId,
      streamRevision: e.streamRevision,
      eventId: e.eventId,
      type: e.type,
      schemaVersion: version,
      storedSchemaVersion: e.schemaVersion,
      recordedAt: e.recordedAt,
      occurredAt: typeof data.occurredAt === 'string' ? data.occurredAt : null,
      actor: e.metadata.actor,
      correlationId: e.metadata.correlationId,
      causationId: e.metadata.causationId,
      data,
      metadata: e.metadata,
    };
  }
}

/** The envelope the projections take, rebuilt from an audit event. */
export function toProjected(e: AuditEvent): ProjectedEvent {
  return {
    type: e.type,
    data: e.data,
    eventId: e.eventId,
    streamId: e.streamId,
    streamRevision: e.streamRevision,
    globalPosition: e.globalPosition,
    recordedAt: e.recordedAt,
    metadata: e.metadata,
  } as unknown as ProjectedEvent;
}
