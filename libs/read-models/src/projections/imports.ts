import type { ImportFinished, ImportStarted } from '@touchpoint/domain';
import type { Document } from '../store/port';
import type { DocumentAccess, ProjectedEvent, Projection } from './types';

/**
 * One document per bulk import, from its own stream's two events: who started it, from which source and input,
 * and how it ended. A document without an end is an import that is running, or whose process stopped first.
 */
export interface ImportDoc extends Document {
  importId: string;
  source: string;
  format: 'ndjson' | 'csv';
  input: string;
  /** who started it (the event's actor) */
  startedBy: string;
  startedAt: string;
  /** `started` until its ImportFinished is projected */
  status: 'started' | 'completed' | 'failed';
  reason?: string;
  finishedAt: string | null;
  durationMs: number | null;
  linesRead: number | null;
  accepted: number | null;
  alreadyImported: number | null;
  rejected: number | null;
  eventsAppended: number | null;
  lastPosition: number | null;
}

export const IMPORTS = 'imports';

const importIdOf = (event: ProjectedEvent) => (event.data as unknown as { importId: string }).importId;

export function evolveImport(doc: ImportDoc | undefined, event: ProjectedEvent): ImportDoc | undefined {
  if ((event.type as string) === 'ImportStarted') {
    const { importId, source, format, input, occurredAt } = event.data as unknown as ImportStarted['data']; // system events: not in DomainEvent
    // An end is only projected onto its start (below), so a start always begins the document.
    return {
      _id: importId,
      _position: event.globalPosition,
      importId,
      source,
      format,
      input,
      startedBy: event.metadata.actor,
      startedAt: occurredAt,
      status: 'started',
      finishedAt: null,
      durationMs: null,
      linesRead: null,
      accepted: null,
      alreadyImported: null,
      rejected: null,
      eventsAppended: null,
      lastPosition: null,
    };
  }
  if ((event.type as string) === 'ImportFinished' && doc) {
    const f = event.data as unknown as ImportFinished['data'];
    return {
      ...doc,
      _position: event.globalPosition,
      status: f.status,
      ...(f.reason !== undefined && { reason: f.reason }),
      finishedAt: f.occurredAt,
      durationMs: f.durationMs,
      linesRead: f.linesRead,
      accepted: f.accepted,
      alreadyImported: f.alreadyImported,
      rejected: f.rejected,
      eventsAppended: f.eventsAppended,
      lastPosition: f.lastPosition,
    };
  }
  return doc;
}

export const importsProjection: Projection = {
  name: 'imports',
  collections: [
    {
      name: IMPORTS,
      cached: true,
      fields: { startedAt: { path: 'startedAt', type: 'string' }, source: { path: 'source', type: 'string' }, status: { path: 'status', type: 'string' } },
      indexes: [['startedAt'], ['source', 'startedAt']],
    },
  ],
  handles: new Set(['ImportStarted', 'ImportFinished']),
  apply(event: ProjectedEvent, docs: DocumentAccess): void {
    docs.update<ImportDoc>(IMPORTS, importIdOf(event), (doc) => evolveImport(doc, event));
  },
  needs(event: ProjectedEvent): Array<[string, string]> {
    return [[IMPORTS, importIdOf(event)]];
  },
};
