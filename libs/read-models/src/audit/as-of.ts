import { customersProjection, evolveCustomer360, type CustomerDoc } from '../projections/customer-360';
import { toProjected, type AuditEvent } from './customer-log';

/**
 * "As of" a moment, by one of two clocks:
 *  - record time: what the system knew then (events recorded at or before an
 *    instant, or at or before a global position);
 *  - business time: what had happened by then (occurredAt at or before the
 *    instant) according to everything known now.
 */
export type AsOf = { time: 'record'; position: number } | { time: 'record' | 'business'; instant: string };

export function includes(asOf: AsOf, e: AuditEvent): boolean {
  if ('position' in asOf) return e.globalPosition <= asOf.position;
  if (asOf.time === 'record') return e.recordedAt <= asOf.instant;
  return e.occurredAt !== null && e.occurredAt <= asOf.instant;
}

export interface AsOfState {
  doc: CustomerDoc | undefined;
  /** events folded, and the last of them */
  events: number;
  lastPosition: number;
  lastRecordedAt: string | null;
  /** figure path (e.g. `touchpoints.byChannel.phone`, `value.revenue`) → ids of the events that set or changed it */
  sources?: Record<string, string[]>;
}

/** Every leaf of a document by dotted path (arrays are leaves). */
function leaves(value: unknown, prefix: string, out: Map<string, string>): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) out.set(prefix, JSON.stringify(value));
  return out;
}

/**
 * Folds the customer's events with the live projection's own evolve function
 * (no second implementation). With `explain`, it records for each figure the
 * events whose application changed it; a figure an event left unchanged does
 * not list that event.
 */
export async function customerAsOf(events: AsyncIterable<AuditEvent>, asOf: AsOf, options: { explain?: boolean } = {}): Promise<AsOfState> {
  let doc: CustomerDoc | undefined;
  let count = 0;
  let lastPosition = 0;
  let lastRecordedAt: string | null = null;
  const sources = options.explain ? new Map<string, string[]>() : undefined;
  let before = new Map<string, string>();
  for await (const e of events) {
    if (!includes(asOf, e) || !customersProjection.handles.has(e.type)) continue;
    const next = evolveCustomer360(doc, toProjected(e));
    if (next === doc) continue;
    doc = next;
    count += 1;
    lastPosition = e.globalPosition;
    lastRecordedAt = e.recordedAt;
    if (sources) {
      const after = leaves(doc, '', new Map());
      for (const [path, value] of after) {
        if (path === '_position' || path.startsWith('sinceMerge.') || before.get(path) === value) continue;
        const list = sources.get(path) ?? [];
        list.push(e.eventId);
        sources.set(path, list);
      }
      before = after;
    }
  }
  // Only figures the state still has (an open deal that closed is no longer a figure).
  return { doc, events: count, lastPosition, lastRecordedAt, ...(sources && { sources: Object.fromEntries([...sources].filter(([p]) => doc && hasPath(doc, p))) }) };
}

function hasPath(doc: CustomerDoc, path: string): boolean {
  let value: unknown = doc;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, part)) return false;
    value = (value as Record<string, unknown>)[part];
  }
  return true;
}
