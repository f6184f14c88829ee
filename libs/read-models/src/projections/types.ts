import type { DomainEvent } from '@touchpoint/domain';
import type { CollectionSpec, Document } from '../store/port';

/** A domain event with the envelope projections may use (position for idempotency, record time, actor). */
export type ProjectedEvent = DomainEvent & {
  eventId: string;
  streamId: string;
  streamRevision: number;
  globalPosition: number;
  recordedAt: string;
  metadata: { actor: string; correlationId: string; causationId: string; [k: string]: unknown };
};

/**
 * How a projection touches documents. `update` hands the current document to
 * a pure evolve function; the projector skips it when the document already
 * reflects this event (its _position is at or past the event), so a
 * redelivered event changes nothing.
 */
export interface DocumentAccess {
  update<D extends Document>(collection: string, id: string, evolve: (doc: D | undefined) => D | undefined): void;
  read<D extends Document>(collection: string, id: string): D | undefined;
  /** Deletes a document of a cached collection (a merged customer's own 360 gives way to the survivor's). */
  remove(collection: string, id: string): void;
}

export interface Projection {
  name: string;
  collections: Array<CollectionSpec & { /** kept in projector memory; false for insert-only collections */ cached: boolean }>;
  handles: ReadonlySet<string>;
  apply(event: ProjectedEvent, docs: DocumentAccess): void;
  /**
   * The cached documents `apply` will most likely read for this event, so a bounded cache can load them before the
   * batch. A hint only: a document missed here is still found (at the price of applying the batch twice).
   */
  needs?(event: ProjectedEvent): Array<[collection: string, id: string]>;
  /**
   * Documents that keep copies of a customer's personal data outside the
   * customer's own document: on CustomerErased the projector finds them by
   * `field` (a declared field equal to the customer id) and stores `scrub(doc)`.
   * A scrub must equal what replaying the erased events would give.
   */
  erase?: Array<{ collection: string; field: string; scrub(doc: Document): Document }>;
}

export const msBetween = (from: string, to: string) => Date.parse(to) - Date.parse(from);
export const DAY_MS = 86_400_000;
