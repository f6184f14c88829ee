import type { ExpectedRevision } from '@touchpoint/event-store';

/** Who asked, why, and under which guarantees; filled at the edge (HTTP), never by the domain. */
export interface CommandContext {
  actor: string;
  correlationId: string;
  /** id of the request/command that caused the events */
  causationId: string;
  idempotencyKey?: string;
  /** hash of what the client sent, so a key reused for another request is refused */
  requestHash?: string;
  /** set when the client asked for optimistic concurrency (If-Match / expectedRevision) */
  expectedRevision?: ExpectedRevision;
  /** more metadata for the events (an import's `importId`, `source`, `sourceId`); never overrides the fields above */
  extra?: Readonly<Record<string, string | number>>;
}

export interface CommandResult {
  streamId: string;
  streamRevision: number;
  globalPosition: number;
  /** ids of what the command created or touched, read back from the events (stable on replay) */
  ids: Record<string, string>;
  events: Array<{ eventId: string; type: string; streamRevision: number; globalPosition: number }>;
  /** true when an earlier result was returned for a repeated Idempotency-Key */
  replayed: boolean;
}
