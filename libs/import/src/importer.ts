import type { CommandContext, CommandResult } from '@touchpoint/application';
import { DomainError, type CustomerCommand, type DealCommand } from '@touchpoint/domain';
import { IdempotencyKeyReusedError } from '@touchpoint/event-store';
import { createHash } from 'node:crypto';
import { inZone, isZoneless } from './dates';
import { BODY_ID_FIELDS, REF_ID_FIELD, RECORD_SPECS, RESERVED_ID_FIELDS, buildCommand, isRecordType, resolveIds, type RecordType, type Ref } from './records';
import type { Rejection, RejectionCode } from './rejections';
import type { ParsedLine } from './sources';

export interface FieldProblem {
  field: string;
  code: string;
  message: string;
}

/** The HTTP body validation of a command (class-validator DTOs at the edge), handed in so imports and requests share it. */
export type ValidateBody = (type: RecordType, body: Record<string, unknown>) => { ok: true; body: Record<string, unknown> } | { ok: false; problems: FieldProblem[] };

export type ImportCommand = CustomerCommand | DealCommand;

/** An existing customer a new registration looks like, with the match score (0–1) and its reasons. */
export interface Lookalike {
  customerId: string;
  score: number;
  reasons: string[];
}

export interface ImportPorts {
  validate: ValidateBody;
  /** existing customers that look like a registration (duplicate candidates); absent: registrations are not checked */
  lookalikes?(registration: Extract<CustomerCommand, { type: 'RegisterCustomer' }>['data']): Promise<Lookalike[]>;
  /** the live command path: the same handlers, runner and decider as an HTTP command */
  execute(command: ImportCommand, context: CommandContext): Promise<CommandResult>;
}

export interface ImportSettings {
  importId: string;
  /** the source system's name: source ids are unique within it, and Touchpoint ids derive from both */
  source: string;
  actor: string;
  /** the event that started the import: every imported event names it as its cause */
  causationId: string;
  /** IANA zone for dates written without one */
  timeZone?: string;
  /** stop once this many lines were rejected (null: never) */
  maxErrors: number | null;
  /** the log head when the import began: a remembered record above it was written by this import (a duplicate line) */
  headAtStart: number;
  now: () => string;
  /** records in flight at once; the memory an import holds is bounded by it, not by the file (default 512) */
  window?: number;
  /** rejections kept for reading back (default 10,000); all are counted */
  keepRejections?: number;
  /** `reject` (default): a registration that looks like an existing customer is rejected as possible_duplicate; `allow`: registered anyway */
  duplicates?: 'reject' | 'allow';
}

export class ImportProgress {
  linesRead = 0;
  accepted = 0;
  alreadyImported = 0;
  rejected = 0;
  eventsAppended = 0;
  lastPosition = 0;
  readonly rejections: Rejection[] = [];
  rejectionsTruncated = false;

  constructor(private readonly keep: number) {}

  reject(rejection: Rejection): void {
    this.rejected += 1;
    if (this.rejections.length < this.keep) this.rejections.push(rejection);
    else this.rejectionsTruncated = true;
  }
}

/** A record ready for the command path. */
export interface PreparedRecord {
  line: number;
  type: RecordType;
  sourceId: string;
  command: ImportCommand;
  /** records of one partition run in file order; a customer's records share one, so do a deal's */
  partition: string;
  /** a partition to wait for first (a deal waits for its customer's registration) */
  after?: string;
  /** exactly-once key: the record's identity in its source */
  key: string;
  /** hash of the record's content: the same key with other content is a conflict, not a repeat */
  hash: string;
}

const SOURCE_ID = /^[\x21-\x7e](?:[\x20-\x7e]{0,254}[\x21-\x7e])?$/;
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Canonical JSON (sorted keys), so equal content always hashes equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

type Reject = Omit<Rejection, 'line'>;

/** Turns a parsed record into a command, or says why not. Pure: no store is read. */
export function prepareRecord(line: number, input: unknown, settings: Pick<ImportSettings, 'source' | 'actor' | 'timeZone' | 'now'>, validate: ValidateBody): PreparedRecord | Reject {
  if (!isObject(input)) return { code: 'not_an_object', message: 'a record must be a JSON object' };
  const { type, sourceId, ...rest } = input;
  if (!isRecordType(type)) return { code: 'unknown_type', field: 'type', message: `type must be one of the record types (RegisterCustomer, PlaceOrder, …); got ${JSON.stringify(type)?.slice(0, 60)}` };
  const base = { type };
  if (sourceId === undefined || sourceId === null || sourceId === '') return { ...base, code: 'missing_source_id', field: 'sourceId', message: 'every record needs its sourceId: its id in the source system' };
  if (typeof sourceId !== 'string' || !SOURCE_ID.test(sourceId)) {
    return { ...base, code: 'invalid_source_id', field: 'sourceId', message: 'sourceId must be 1–256 printable ASCII characters, no leading or trailing space' };
  }
  const at = { ...base, sourceId };
  const spec = RECORD_SPECS[type];
  for (const field of RESERVED_ID_FIELDS) {
    if (field in rest) return { ...at, code: 'unknown_field', field, message: `${field} is not a record field: records refer to each other by source ids (customer, deal, order, complaint, contact, invoice)` };
  }
  const refs: Partial<Record<Ref, string>> = {};
  for (const ref of [...spec.refs, ...(spec.optionalRefs ?? [])]) {
    const value = rest[ref];
    delete rest[ref];
    if (value === undefined && !spec.refs.includes(ref)) continue;
    if (value === undefined || value === null || value === '') return { ...at, code: 'missing_reference', field: ref, message: `${ref} must give the sourceId of the ${ref} this record belongs to` };
    if (typeof value !== 'string' || !SOURCE_ID.test(value)) return { ...at, code: 'invalid_source_id', field: ref, message: `${ref} must be a source id: 1–256 printable ASCII characters` };
    refs[ref] = value;
  }
  if (type === 'RecordTouchpoint' && 'type' in rest) return { ...at, code: 'unknown_field', field: 'type', message: 'a touchpoint record names its kind in touchpointType (type names the record)' };
  if (type === 'RecordTouchpoint' && 'touchpointType' in rest) {
    rest.type = rest.touchpointType;
    delete rest.touchpointType;
  }
  // Zone-less business times are read in the source's zone; without one they are refused as ambiguous.
  if (typeof rest.occurredAt === 'string' && isZoneless(rest.occurredAt)) {
    if (settings.timeZone === undefined) return { ...at, code: 'invalid_date', field: 'occurredAt', message: 'occurredAt has no zone: give it one, or name the source time zone (timeZone) for the import' };
    rest.occurredAt = inZone(rest.occurredAt, settings.timeZone);
  }
  const ids = resolveIds(type, settings.source, sourceId, refs);
  const bodyIds = Object.fromEntries((BODY_ID_FIELDS[type] ?? []).filter((f) => ids[f] !== undefined).map((f) => [f, ids[f]]));
  const checked = validate(type, { ...rest, ...bodyIds });
  if (!checked.ok) return { ...at, ...fromProblem(checked.problems[0], type) };
  let command: ImportCommand;
  try {
    command = buildCommand(type, checked.body, ids, { actor: settings.actor, now: settings.now() });
  } catch (error) {
    if (error instanceof DomainError) return { ...at, ...fromDomainError(error, type) };
    throw error;
  }
  const customer = type === 'RegisterCustomer' ? sourceId : refs.customer;
  const partition = spec.stream === 'customer' ? `c:${customer}` : `d:${type === 'OpenDeal' ? sourceId : refs.deal}`;
  return {
    line,
    type,
    sourceId,
    command,
    partition,
    ...(type === 'OpenDeal' && { after: `c:${refs.customer}` }),
    key: `import:${settings.source}:${type}:${sourceId}`,
    hash: createHash('sha256').update(canonical({ ...rest, ...refs, type, sourceId })).digest('hex'),
  };
}

/** Names a field as the record spells it (the DTO's `type` of a touchpoint is the record's `touchpointType`; ids come from references). */
function recordField(field: string, type: RecordType): string {
  if (type === 'RecordTouchpoint' && field === 'type') return 'touchpointType';
  if (type === 'RecordPayment' && field === 'paymentId') return 'sourceId';
  const ref = (Object.entries(REF_ID_FIELD) as Array<[Ref, string]>).find(([, id]) => id === field)?.[0];
  if (ref) {
    const own = (type === 'PlaceOrder' && ref === 'order') || (type === 'FileComplaint' && ref === 'complaint') || (type === 'IssueInvoice' && ref === 'invoice') || (type === 'RegisterCustomer' && ref === 'customer') || (type === 'OpenDeal' && ref === 'deal');
    return own ? 'sourceId' : ref;
  }
  return field.replace(/\[(\d+)\]/g, '.$1');
}

function fromProblem(problem: FieldProblem, type: RecordType): Reject {
  const field = recordField(problem.field, type);
  if (problem.code === 'unknown_field') return { code: 'unknown_field', field, message: `${field} is not a field of ${type}` };
  if (problem.code === 'isIso8601') return { code: 'invalid_date', field, rule: problem.code, message: problem.message };
  return { code: field === 'sourceId' ? 'invalid_source_id' : 'invalid_value', field, rule: problem.code, message: problem.message };
}

/** A rejection from the decider: the command path said no, for this record alone. */
function fromDomainError(error: DomainError, type: RecordType): Reject {
  const field = error.field === undefined ? undefined : recordField(error.field, type);
  if (error.kind === 'not_found' && field !== undefined && ['customer', 'deal', 'order', 'complaint', 'contact'].includes(field)) {
    return { code: 'unknown_reference', field, rule: error.code, message: `${error.message} (no ${field} with that sourceId was imported, or it came later in the file)` };
  }
  const code: RejectionCode = error.code === 'invalid_instant' || error.code === 'invalid_date' ? 'invalid_date' : 'business_rule';
  return { code, ...(field !== undefined && { field }), rule: error.code, message: error.message };
}

/**
 * Runs records through the command path, `window` at a time: records of one partition (a customer, a deal)
 * in file order, partitions side by side, so the store commits many records per transaction.
 * Exactly once: each record appends under its source key; a rerun finds the key and appends nothing.
 * Returns why it stopped early, if it did; a failure of the store itself is thrown (after in-flight records settle).
 */
export async function runImport(lines: AsyncIterable<ParsedLine>, ports: ImportPorts, settings: ImportSettings, progress: ImportProgress): Promise<{ stoppedBy?: 'max_errors' }> {
  const window = settings.window ?? 512;
  const tails = new Map<string, Promise<void>>();
  const inFlight = new Set<Promise<void>>();
  // Woken when a record settles. Not Promise.race over the window: that adds a reaction to every pending
  // record per line read, quadratic in the window (it was most of a rerun's time).
  let slotFreed: (() => void) | undefined;
  let fatal: { error: unknown } | undefined;
  let stoppedBy: 'max_errors' | undefined;

  const reject = (line: number, r: Reject) => {
    progress.reject({ line, ...r });
    if (settings.maxErrors !== null && progress.rejected >= settings.maxErrors) stoppedBy = 'max_errors';
  };

  const run = async (p: PreparedRecord): Promise<void> => {
    if (fatal) return; // the store failed: what has not started is left for the rerun
    const context: CommandContext = {
      actor: settings.actor,
      correlationId: settings.importId,
      causationId: settings.causationId,
      idempotencyKey: p.key,
      requestHash: p.hash,
      extra: { importId: settings.importId, source: settings.source, sourceId: p.sourceId, sourceLine: p.line },
    };
    try {
      if (p.command.type === 'RegisterCustomer' && ports.lookalikes && settings.duplicates !== 'allow') {
        // A rerun finds the record's own customer: that is not a duplicate.
        const own = p.command.data.customerId;
        const found = (await ports.lookalikes(p.command.data)).filter((c) => c.customerId !== own);
        if (found.length) {
          const best = found[0];
          reject(p.line, {
            type: p.type,
            sourceId: p.sourceId,
            field: 'sourceId',
            code: 'possible_duplicate',
            message: `looks like existing customer ${best.customerId} (score ${best.score}: ${best.reasons.join(', ')})${found.length > 1 ? ` and ${found.length - 1} more` : ''}; import with duplicates=allow to register it anyway, then merge or keep both`,
          });
          return;
        }
      }
      const result = await ports.execute(p.command, context);
      if (!result.replayed) {
        progress.accepted += 1;
        progress.eventsAppended += result.events.length;
        if (result.events.length) progress.lastPosition = Math.max(progress.lastPosition, result.globalPosition);
      } else if (result.events.length > 0 && result.globalPosition > settings.headAtStart) {
        reject(p.line, { type: p.type, sourceId: p.sourceId, field: 'sourceId', code: 'duplicate_source_id', message: `sourceId ${p.sourceId} appears more than once in this import` });
      } else progress.alreadyImported += 1;
    } catch (error) {
      if (error instanceof DomainError) reject(p.line, { type: p.type, sourceId: p.sourceId, ...fromDomainError(error, p.type) });
      else if (error instanceof IdempotencyKeyReusedError) {
        reject(p.line, { type: p.type, sourceId: p.sourceId, field: 'sourceId', code: 'source_id_conflict', message: `sourceId ${p.sourceId} was imported before with different content; nothing was changed` });
      } else fatal ??= { error };
    }
  };

  const schedule = (p: PreparedRecord): Promise<void> => {
    const waits = [tails.get(p.partition), p.after === undefined ? undefined : tails.get(p.after)].filter((t): t is Promise<void> => t !== undefined);
    const task = (waits.length ? Promise.all(waits) : Promise.resolve()).then(() => run(p));
    tails.set(p.partition, task);
    void task.then(() => {
      if (tails.get(p.partition) === task) tails.delete(p.partition);
    });
    return task;
  };

  for await (const parsed of lines) {
    if (fatal || stoppedBy) break;
    progress.linesRead += 1;
    if ('rejection' in parsed) {
      reject(parsed.line, parsed.rejection);
      continue;
    }
    const prepared = prepareRecord(parsed.line, parsed.record, settings, ports.validate);
    if (!('command' in prepared)) {
      reject(parsed.line, prepared);
      continue;
    }
    const task = schedule(prepared);
    inFlight.add(task);
    void task.then(() => {
      inFlight.delete(task);
      slotFreed?.();
    });
    if (inFlight.size >= window) await new Promise<void>((resolve) => (slotFreed = resolve));
  }
  await Promise.all(inFlight);
  if (fatal) throw fatal.error;
  return stoppedBy ? { stoppedBy } : {};
}
