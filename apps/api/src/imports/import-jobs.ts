import type { AggregateRunner, AggregateSpec, CommandContext } from '@touchpoint/application';
import { conflict, importDecider, importStreamId, notFound, type ImportCommand as ImportJobCommand, type ImportEvent, type ImportFinished, type ImportStarted, type ImportState } from '@touchpoint/domain';
import type { EventStore } from '@touchpoint/event-store';
import {
  csvRecords,
  ImportProgress,
  ndjsonRecords,
  parseMapping,
  runImport,
  isTimeZone,
  MappingError,
  type CsvMapping,
  type ImportPorts,
  type ParsedLine,
  type Rejection,
} from '@touchpoint/import';
import type { Clock, IdGenerator } from '@touchpoint/platform';
import type { FieldError } from '../http/problem';

export const importAggregate: AggregateSpec<ImportJobCommand, ImportState, ImportEvent> = { decider: importDecider, stateVersion: 'import.v1' };

export const SOURCE_NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

/** What a caller asks for; checked by `parseImportOptions` before any byte is read. */
export interface ImportOptions {
  format: 'ndjson' | 'csv';
  source: string;
  maxErrors: number | null;
  timeZone?: string;
  mapping?: CsvMapping;
  /** a file name, or `http` */
  input: string;
  /** what to do with a registration that looks like an existing customer (default reject) */
  duplicates?: 'reject' | 'allow';
}

export class ImportOptionsError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    this.name = 'ImportOptionsError';
  }
}

/** Options from flags or a query string; every problem is named by field. */
export function parseImportOptions(raw: { format?: string; source?: string; maxErrors?: string | number; timeZone?: string; mapping?: unknown; duplicates?: string; input: string }): ImportOptions {
  const errors: FieldError[] = [];
  const format = raw.format ?? 'ndjson';
  if (format !== 'ndjson' && format !== 'csv') errors.push({ field: 'format', code: 'invalid_value', message: 'format must be ndjson or csv' });
  const source = raw.source ?? 'import';
  if (!SOURCE_NAME.test(source)) errors.push({ field: 'source', code: 'invalid_value', message: 'source must be 1–64 characters of [a-z0-9_.-], starting with a letter or digit' });
  let maxErrors: number | null = null;
  if (raw.maxErrors !== undefined && raw.maxErrors !== '') {
    maxErrors = Number(raw.maxErrors);
    if (!Number.isSafeInteger(maxErrors) || maxErrors < 1 || !/^\d+$/.test(String(raw.maxErrors))) errors.push({ field: 'maxErrors', code: 'invalid_value', message: 'maxErrors must be a positive integer' });
  }
  if (raw.duplicates !== undefined && raw.duplicates !== 'reject' && raw.duplicates !== 'allow') errors.push({ field: 'duplicates', code: 'invalid_value', message: 'duplicates must be reject or allow' });
  if (raw.timeZone !== undefined && !isTimeZone(raw.timeZone)) errors.push({ field: 'timeZone', code: 'invalid_value', message: 'timeZone must be an IANA zone such as Europe/Kyiv' });
  let mapping: CsvMapping | undefined;
  if (format === 'csv') {
    if (raw.mapping === undefined) errors.push({ field: 'mapping', code: 'required', message: 'a CSV import needs a column mapping (docs/import.md)' });
    else {
      try {
        mapping = parseMapping(raw.mapping);
      } catch (error) {
        if (!(error instanceof MappingError)) throw error;
        errors.push({ field: error.field, code: 'invalid_mapping', message: error.message });
      }
    }
  } else if (raw.mapping !== undefined) errors.push({ field: 'mapping', code: 'unknown_field', message: 'a mapping goes with format csv' });
  if (errors.length) throw new ImportOptionsError(errors);
  return {
    format: format as 'ndjson' | 'csv',
    source,
    maxErrors,
    ...(raw.timeZone !== undefined && { timeZone: raw.timeZone }),
    ...(mapping && { mapping }),
    ...(raw.duplicates !== undefined && { duplicates: raw.duplicates as 'reject' | 'allow' }),
    input: raw.input,
  };
}

export interface ImportStatus {
  importId: string;
  source: string;
  format: 'ndjson' | 'csv';
  input: string;
  status: 'running' | 'completed' | 'failed';
  reason?: string;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number;
  linesRead: number;
  accepted: number;
  alreadyImported: number;
  rejected: number;
  eventsAppended: number;
  lastPosition: number;
  eventsPerSecond: number;
  bytesRead?: number;
}

interface Job {
  status: ImportStatus;
  progress: ImportProgress;
  done: Promise<ImportStatus>;
  abort: AbortController;
  startedMs: number;
}

export interface ImportJobsDeps {
  runner: AggregateRunner;
  store: EventStore;
  /** the live command path (the command bus in the API; the same handlers in the CLI) */
  execute: ImportPorts['execute'];
  validate: ImportPorts['validate'];
  clock: Clock;
  ids: IdGenerator;
  concurrency: number;
  maxLineBytes: number;
  /** jobs whose status is kept in memory after they end (older ones are read back from the log) */
  keepFinished?: number;
  /** duplicate check for registrations (the API's blind index); absent in the CLI */
  duplicates?: { lookalikes: NonNullable<ImportPorts['lookalikes']>; indexedUpTo(position: number): Promise<void> };
}

/** A byte source an import reads once, from its start; `bytesRead` lets progress show an ETA. */
export interface ImportInput {
  open(): AsyncIterable<Buffer>;
  totalBytes?: number;
  /** called once the import has ended, whatever the outcome (a spool file is removed) */
  cleanup?(): Promise<void> | void;
}

const KEPT_REJECTIONS_IN_EVENT = 1000;

/**
 * Bulk imports, in the API process or the CLI: each records ImportStarted, streams its input through
 * the shared command path (libs/import), and records ImportFinished with the counts.
 */
export class ImportJobs {
  private readonly jobs = new Map<string, Job>();
  private reserved = 0;

  constructor(private readonly deps: ImportJobsDeps) {}

  private running(): number {
    return [...this.jobs.values()].filter((j) => j.status.status === 'running').length + this.reserved;
  }

  /** Takes a slot before the input is read, so a second upload is refused before it is stored. */
  reserve(): { release(): void } {
    if (this.running() >= this.deps.concurrency) {
      throw conflict('import_running', `${this.deps.concurrency} import(s) already running; wait for it to finish (GET /v1/imports/{id})`, 'import');
    }
    this.reserved += 1;
    let released = false;
    return {
      release: () => {
        if (!released) this.reserved -= 1;
        released = true;
      },
    };
  }

  /** Starts an import (records ImportStarted) and runs it in the background; `done` settles with the final status. */
  async start(options: ImportOptions, input: ImportInput, context: Pick<CommandContext, 'actor' | 'correlationId'>, slot?: { release(): void }, importId = this.deps.ids.next()): Promise<{ status: ImportStatus; done: Promise<ImportStatus> }> {
    const own = slot ?? this.reserve();
    try {
      const startedAt = this.deps.clock.now().toISOString();
      const headAtStart = await this.deps.store.headPosition();
      const started: ImportStarted['data'] = {
        importId,
        source: options.source,
        format: options.format,
        maxErrors: options.maxErrors,
        ...(options.timeZone !== undefined && { timeZone: options.timeZone }),
        ...(options.mapping && { mapping: options.mapping as unknown as Record<string, unknown> }),
        input: options.input,
        occurredAt: startedAt,
      };
      const result = await this.deps.runner.execute(importAggregate, importStreamId(importId), { type: 'StartImport', data: started }, { ...context, causationId: this.deps.ids.next() });
      const progress = new ImportProgress(10_000);
      const status: ImportStatus = {
        importId,
        source: options.source,
        format: options.format,
        input: options.input,
        status: 'running',
        startedAt,
        finishedAt: null,
        durationMs: 0,
        linesRead: 0,
        accepted: 0,
        alreadyImported: 0,
        rejected: 0,
        eventsAppended: 0,
        lastPosition: 0,
        eventsPerSecond: 0,
      };
      const job: Job = { status, progress, abort: new AbortController(), startedMs: Date.now(), done: undefined as unknown as Promise<ImportStatus> };
      this.jobs.set(importId, job);
      own.release();
      job.done = this.run(job, options, input, { actor: context.actor, causationId: result.events[0].eventId, headAtStart });
      return { status: this.snapshot(job), done: job.done };
    } catch (error) {
      own.release();
      throw error;
    }
  }

  private async run(job: Job, options: ImportOptions, input: ImportInput, settings: { actor: string; causationId: string; headAtStart: number }): Promise<ImportStatus> {
    const { progress } = job;
    let failure: string | undefined;
    let bytesRead = 0;
    const counted = async function* (bytes: AsyncIterable<Buffer>, signal: AbortSignal): AsyncGenerator<Buffer> {
      for await (const chunk of bytes) {
        if (signal.aborted) return;
        bytesRead += chunk.length;
        job.status.bytesRead = bytesRead;
        yield chunk;
      }
    };
    try {
      const bytes = counted(input.open(), job.abort.signal);
      const lines: AsyncIterable<ParsedLine> =
        options.format === 'csv' ? csvRecords(bytes, options.mapping!, this.deps.maxLineBytes) : ndjsonRecords(bytes, this.deps.maxLineBytes);
      const timeZone = options.timeZone ?? options.mapping?.timeZone;
      // Registrations are compared with every customer known when the import began.
      if (this.deps.duplicates && options.duplicates !== 'allow') await this.deps.duplicates.indexedUpTo(settings.headAtStart);
      const outcome = await runImport(
        lines,
        { execute: this.deps.execute, validate: this.deps.validate, ...(this.deps.duplicates && { lookalikes: this.deps.duplicates.lookalikes }) },
        {
          importId: job.status.importId,
          source: options.source,
          actor: settings.actor,
          causationId: settings.causationId,
          ...(timeZone !== undefined && { timeZone }),
          maxErrors: options.maxErrors,
          headAtStart: settings.headAtStart,
          now: () => this.deps.clock.now().toISOString(),
          duplicates: options.duplicates ?? 'reject',
        },
        progress,
      );
      if (outcome.stoppedBy === 'max_errors') failure = `stopped after ${progress.rejected} rejected lines (maxErrors ${options.maxErrors}); fix them and run the import again: accepted lines are not imported twice`;
      else if (job.abort.signal.aborted) failure = 'stopped before the end of the input (the process shut down); run the import again to resume';
    } catch (error) {
      failure = `the import stopped: ${error instanceof Error ? error.message : String(error)}; run it again to resume`;
    } finally {
      await input.cleanup?.();
    }
    this.refresh(job);
    const finishedAt = this.deps.clock.now().toISOString();
    const outcome = failure === undefined ? 'completed' : 'failed';
    const finished: ImportFinished['data'] = {
      importId: job.status.importId,
      status: outcome,
      ...(failure !== undefined && { reason: failure }),
      linesRead: progress.linesRead,
      accepted: progress.accepted,
      alreadyImported: progress.alreadyImported,
      rejected: progress.rejected,
      eventsAppended: progress.eventsAppended,
      lastPosition: progress.lastPosition,
      durationMs: job.status.durationMs,
      rejections: progress.rejections.slice(0, KEPT_REJECTIONS_IN_EVENT),
      rejectionsTruncated: progress.rejectionsTruncated || progress.rejections.length > KEPT_REJECTIONS_IN_EVENT,
      occurredAt: finishedAt,
    };
    try {
      await this.deps.runner.execute(importAggregate, importStreamId(job.status.importId), { type: 'FinishImport', data: finished }, {
        actor: settings.actor,
        correlationId: job.status.importId,
        causationId: settings.causationId,
      });
    } catch {
      // The store is gone (shutdown): the import reads back as interrupted, and a rerun resumes it.
    }
    // Ended only once ImportFinished is in the log: a reader who sees the status sees the event too.
    job.status.status = outcome;
    if (failure !== undefined) job.status.reason = failure;
    job.status.finishedAt = finishedAt;
    this.forgetOld();
    return this.snapshot(job);
  }

  private refresh(job: Job): void {
    const p = job.progress;
    const durationMs = job.status.finishedAt === null ? Date.now() - job.startedMs : job.status.durationMs;
    Object.assign(job.status, {
      linesRead: p.linesRead,
      accepted: p.accepted,
      alreadyImported: p.alreadyImported,
      rejected: p.rejected,
      eventsAppended: p.eventsAppended,
      lastPosition: p.lastPosition,
      durationMs,
      eventsPerSecond: durationMs > 0 ? Math.round((p.eventsAppended / durationMs) * 1000) : 0,
    });
  }

  private snapshot(job: Job): ImportStatus {
    this.refresh(job);
    return { ...job.status };
  }

  private forgetOld(): void {
    const finished = [...this.jobs.entries()].filter(([, j]) => j.status.status !== 'running');
    for (const [id] of finished.slice(0, Math.max(0, finished.length - (this.deps.keepFinished ?? 100)))) this.jobs.delete(id);
  }

  /** The live status of a job of this process, else what the log says about it. */
  async status(importId: string): Promise<ImportStatus> {
    const job = this.jobs.get(importId);
    if (job) return this.snapshot(job);
    const { started, finished } = await this.fromLog(importId);
    return {
      importId,
      source: started.source,
      format: started.format,
      input: started.input,
      status: finished?.status ?? 'failed',
      ...(finished?.reason !== undefined && { reason: finished.reason }),
      ...(!finished && { reason: 'interrupted: the process that ran it stopped before it finished; run the import again to resume' }),
      startedAt: started.occurredAt,
      finishedAt: finished?.occurredAt ?? null,
      durationMs: finished?.durationMs ?? 0,
      linesRead: finished?.linesRead ?? 0,
      accepted: finished?.accepted ?? 0,
      alreadyImported: finished?.alreadyImported ?? 0,
      rejected: finished?.rejected ?? 0,
      eventsAppended: finished?.eventsAppended ?? 0,
      lastPosition: finished?.lastPosition ?? 0,
      eventsPerSecond: finished && finished.durationMs > 0 ? Math.round((finished.eventsAppended / finished.durationMs) * 1000) : 0,
    };
  }

  /** Rejected lines in line order, a page at a time (`after`: the last line number of the previous page). */
  async rejections(importId: string, page: { after?: number; limit: number }): Promise<{ items: Rejection[]; next: number | null; truncated: boolean }> {
    const job = this.jobs.get(importId);
    let all: Rejection[];
    let truncated: boolean;
    if (job) {
      all = [...job.progress.rejections].sort((a, b) => a.line - b.line);
      truncated = job.progress.rejectionsTruncated;
    } else {
      const { finished } = await this.fromLog(importId);
      all = (finished?.rejections ?? []) as Rejection[];
      truncated = finished?.rejectionsTruncated ?? false;
    }
    const from = page.after === undefined ? 0 : all.findIndex((r) => r.line > page.after!);
    const items = from === -1 ? [] : all.slice(from, from + page.limit);
    const more = from !== -1 && from + page.limit < all.length;
    return { items, next: more ? items[items.length - 1].line : null, truncated };
  }

  private async fromLog(importId: string): Promise<{ started: ImportStarted['data']; finished?: ImportFinished['data'] }> {
    const events = await this.deps.store.readStream(importStreamId(importId), { maxCount: 2 });
    const started = events.find((e) => e.type === 'ImportStarted')?.data as ImportStarted['data'] | undefined;
    if (!started) throw notFound('import_not_found', `import ${importId} does not exist`, 'importId');
    return { started, finished: events.find((e) => e.type === 'ImportFinished')?.data as ImportFinished['data'] | undefined };
  }

  /** Stops every running job after the records in flight (shutdown); each reads back as failed, to be rerun. */
  async close(): Promise<void> {
    const running = [...this.jobs.values()].filter((j) => j.status.status === 'running');
    for (const job of running) job.abort.abort();
    await Promise.all(running.map((j) => j.done.catch(() => undefined)));
  }
}
