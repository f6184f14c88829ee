import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { IMPORTS, READ_STORE, type Condition, type ImportDoc, type ReadStore, type SortKey } from '@touchpoint/read-models';
import { decodeCursor, encodeCursor } from '../queries/cursor';
import { ImportJobs, type ImportStatus } from './import-jobs';

export type ListedImport = ImportStatus & { startedBy: string };

export class ListImports extends Query<{ items: ListedImport[]; nextCursor: string | null }> {
  constructor(
    readonly filter: { source?: string; status?: 'completed' | 'failed' },
    readonly limit: number,
    readonly cursor?: string,
  ) {
    super();
  }
}

const NEWEST_FIRST: SortKey[] = [{ field: 'startedAt', direction: 'desc' }];

/** An ended import as GET /v1/imports/{id} answers it. */
function ended(doc: ImportDoc & { status: 'completed' | 'failed' }): ImportStatus {
  const durationMs = doc.durationMs ?? 0;
  const eventsAppended = doc.eventsAppended ?? 0;
  return {
    importId: doc.importId,
    source: doc.source,
    format: doc.format,
    input: doc.input,
    status: doc.status,
    ...(doc.reason !== undefined && { reason: doc.reason }),
    startedAt: doc.startedAt,
    finishedAt: doc.finishedAt,
    durationMs,
    linesRead: doc.linesRead ?? 0,
    accepted: doc.accepted ?? 0,
    alreadyImported: doc.alreadyImported ?? 0,
    rejected: doc.rejected ?? 0,
    eventsAppended,
    lastPosition: doc.lastPosition ?? 0,
    eventsPerSecond: durationMs > 0 ? Math.round((eventsAppended / durationMs) * 1000) : 0,
  };
}

/**
 * Imports newest first, from the imports read model. One not ended there is asked of the jobs: its live progress when
 * this process runs it, else what its stream says (interrupted), exactly as GET /v1/imports/{id} answers.
 */
@QueryHandler(ListImports)
export class ListImportsHandler implements IQueryHandler<ListImports> {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    private readonly jobs: ImportJobs,
  ) {}
  async execute(q: ListImports) {
    const filter: Condition[] = [];
    if (q.filter.source !== undefined) filter.push({ field: 'source', op: 'eq', value: q.filter.source });
    if (q.filter.status !== undefined) filter.push({ field: 'status', op: 'eq', value: q.filter.status });
    const page = await this.store.find<ImportDoc>(IMPORTS, { filter, sort: NEWEST_FIRST, limit: q.limit, after: decodeCursor(q.cursor, NEWEST_FIRST) });
    const items = await Promise.all(
      page.items.map(async (doc): Promise<ListedImport> => ({ ...(doc.status === 'started' ? await this.jobs.status(doc.importId) : ended({ ...doc, status: doc.status })), startedBy: doc.startedBy })),
    );
    return { items, nextCursor: encodeCursor(page.next, NEWEST_FIRST) };
  }
}
