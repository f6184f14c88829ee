/**
 * System events of a bulk import (stream `import-<importId>`): who started which import, with what options,
 * and how it ended. The imported records' own events carry `importId` and `sourceId` in their metadata.
 */
export interface ImportRejectionSummary {
  line: number;
  sourceId?: string;
  field?: string;
  code: string;
  rule?: string;
  message: string;
}

export type ImportStarted = {
  type: 'ImportStarted';
  data: {
    importId: string;
    /** the source system's name; source ids are unique within it */
    source: string;
    format: 'ndjson' | 'csv';
    /** stop after this many rejected lines (null: never) */
    maxErrors: number | null;
    /** IANA zone applied to dates written without one */
    timeZone?: string;
    /** the CSV column mapping, when the format is csv */
    mapping?: Record<string, unknown>;
    /** what the importer was given: a file name or `http` */
    input: string;
    occurredAt: string;
  };
};

export type ImportFinished = {
  type: 'ImportFinished';
  data: {
    importId: string;
    status: 'completed' | 'failed';
    /** why a failed import stopped (max errors reached, unreadable input, a store failure) */
    reason?: string;
    linesRead: number;
    accepted: number;
    /** records found already imported by an earlier run (same source id, same content): nothing appended */
    alreadyImported: number;
    rejected: number;
    eventsAppended: number;
    /** global position of the last event the import appended (0: none) */
    lastPosition: number;
    durationMs: number;
    /** the first rejections, for reading back after a restart */
    rejections: ImportRejectionSummary[];
    rejectionsTruncated: boolean;
    occurredAt: string;
  };
};

export type ImportEvent = ImportStarted | ImportFinished;
