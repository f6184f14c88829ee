import { createHash } from 'node:crypto';
import type { RecordedEvent } from './port';

/**
 * Tamper evidence: two hash chains over the log, computed by every adapter
 * with the same pure functions inside its append transaction.
 *
 *   streamHash = SHA-256(canonical{ v, eventId, streamId, streamRevision, type, schemaVersion, data, metadata, recordedAt, prevStreamHash })
 *   globalHash = SHA-256(canonical{ v, globalPosition, streamHash, prevGlobalHash })
 *
 * The first event of a stream (and of the log) links to GENESIS_HASH.
 * Canonical JSON = JSON with object keys sorted and undefined members left
 * out, so a value hashes the same before it is stored and after it is read back.
 */
export const GENESIS_HASH = '0'.repeat(64);
export const CHAIN_VERSION = 1;

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('canonicalJson: non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i += 1) out += (i ? ',' : '') + (value[i] === undefined ? 'null' : canonicalJson(value[i]));
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (v === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The fields of a stored event the stream hash covers (everything but the global position). */
export type ChainedContent = Pick<RecordedEvent, 'eventId' | 'streamId' | 'streamRevision' | 'type' | 'schemaVersion' | 'data' | 'metadata' | 'recordedAt'>;

export function streamHash(event: ChainedContent, prevStreamHash: string): string {
  const { eventId, streamId, streamRevision, type, schemaVersion, data, metadata, recordedAt } = event;
  return sha256(canonicalJson({ v: CHAIN_VERSION, eventId, streamId, streamRevision, type, schemaVersion, data, metadata, recordedAt, prevStreamHash }));
}

export function globalHash(globalPosition: number, ownStreamHash: string, prevGlobalHash: string): string {
  return sha256(canonicalJson({ v: CHAIN_VERSION, globalPosition, streamHash: ownStreamHash, prevGlobalHash }));
}

/** Both links of one event, given the heads it extends. */
export function chainLink(event: ChainedContent & { globalPosition: number }, prevStreamHash: string, prevGlobalHash: string): { streamHash: string; globalHash: string } {
  const s = streamHash(event, prevStreamHash);
  return { streamHash: s, globalHash: globalHash(event.globalPosition, s, prevGlobalHash) };
}

/** A stored event with the hashes stored beside it (null: written before chaining existed). */
export interface ChainLink {
  event: RecordedEvent;
  streamHash: string | null;
  globalHash: string | null;
}

/**
 * Optional capability of an event store: read events with their stored hashes.
 * Adapters that chain (memory, SQLite, PostgreSQL) implement it; an adapter
 * that joins later opts in by implementing it and the chain contract.
 */
export interface ChainedEventStore {
  readChain(options: { after: number; maxCount: number }): Promise<ChainLink[]>;
  /** the stored stream hash of one event (null when absent or unchained) */
  storedStreamHash(streamId: string, streamRevision: number): Promise<string | null>;
}

export const isChainedEventStore = (store: unknown): store is ChainedEventStore => {
  const s = store as (ChainedEventStore & { innerStore?: unknown }) | undefined;
  if (typeof s?.readChain !== 'function' || typeof s.storedStreamHash !== 'function') return false;
  // A wrapper (encryption) is chained exactly when what it wraps is.
  return s.innerStore === undefined || isChainedEventStore(s.innerStore);
};

export interface BrokenLink {
  globalPosition: number;
  streamId: string;
  streamRevision: number;
  /** which check failed: the event's own content (stream chain), the global chain, or a hash missing after the chain began */
  chain: 'stream' | 'global' | 'missing';
  expected: string;
  stored: string | null;
}

export interface VerifyReport {
  ok: boolean;
  /** first position checked and last position read */
  from: number;
  to: number;
  checked: number;
  /** events without hashes before the chain begins (written before chaining existed); not covered */
  unchained: number;
  /** global hash of the last event checked: sign or note it to anchor later verifications */
  headHash: string | null;
  broken?: BrokenLink;
}

/**
 * Recomputes both chains from `fromPosition` (1 = the whole log) and stops at
 * the first broken link. When starting later, the stored hashes just before
 * the range are taken as anchors.
 */
export async function verifyChains(
  store: ChainedEventStore,
  options: { fromPosition?: number; pageSize?: number; onProgress?: (position: number) => void; onLink?: (globalPosition: number, recomputedGlobalHash: string) => void } = {},
): Promise<VerifyReport> {
  const from = Math.max(1, options.fromPosition ?? 1);
  const pageSize = options.pageSize ?? 1000;
  let prevGlobal: string | null = null;
  if (from > 1) {
    const [anchor] = await store.readChain({ after: from - 2, maxCount: 1 });
    prevGlobal = anchor?.globalHash ?? null;
  }
  const streamHeads = new Map<string, string | null>();
  let checked = 0;
  let unchained = 0;
  let after = from - 1;
  let to = after;
  let chainStarted = prevGlobal !== null;
  for (;;) {
    const page = await store.readChain({ after, maxCount: pageSize });
    if (page.length === 0) break;
    for (const link of page) {
      const e = link.event;
      to = e.globalPosition;
      if (link.streamHash === null || link.globalHash === null) {
        if (chainStarted) {
          return { ok: false, from, to, checked, unchained, headHash: prevGlobal, broken: { globalPosition: e.globalPosition, streamId: e.streamId, streamRevision: e.streamRevision, chain: 'missing', expected: 'a hash', stored: null } };
        }
        unchained += 1;
        streamHeads.set(e.streamId, null);
        continue;
      }
      chainStarted = true;
      let prevStream = streamHeads.get(e.streamId);
      if (prevStream === undefined) prevStream = e.streamRevision === 0 ? null : await store.storedStreamHash(e.streamId, e.streamRevision - 1);
      const expectedStream = streamHash(e, prevStream ?? GENESIS_HASH);
      if (expectedStream !== link.streamHash) {
        return { ok: false, from, to, checked, unchained, headHash: prevGlobal, broken: { globalPosition: e.globalPosition, streamId: e.streamId, streamRevision: e.streamRevision, chain: 'stream', expected: expectedStream, stored: link.streamHash } };
      }
      const expectedGlobal = globalHash(e.globalPosition, link.streamHash, prevGlobal ?? GENESIS_HASH);
      if (expectedGlobal !== link.globalHash) {
        return { ok: false, from, to, checked, unchained, headHash: prevGlobal, broken: { globalPosition: e.globalPosition, streamId: e.streamId, streamRevision: e.streamRevision, chain: 'global', expected: expectedGlobal, stored: link.globalHash } };
      }
      streamHeads.set(e.streamId, link.streamHash);
      prevGlobal = link.globalHash;
      options.onLink?.(e.globalPosition, expectedGlobal);
      checked += 1;
    }
    after = page[page.length - 1].event.globalPosition;
    options.onProgress?.(after);
  }
  return { ok: true, from, to, checked, unchained, headHash: prevGlobal };
}
