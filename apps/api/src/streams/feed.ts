import { EVENT_SCHEMA_VERSIONS, UPCASTERS, Upcasters } from '@touchpoint/domain';
import { isTextLogReader, type EventStore, type RecordedEvent, type StoredEventText } from '@touchpoint/event-store';
import { publishedEvent, publishedEventJson } from '@touchpoint/relay/envelope';
import { matches, matchesStored, type FeedFilter } from '@touchpoint/relay/filter';

export type { FeedFilter };

/** How far one page may scan past events that do not match, so a narrow filter cannot hold a request for long. */
const SCAN_LIMIT = 20_000;
const BATCH = 1000;
/** Pages read ahead for readers catching up, and how long one is kept unasked for. */
const READ_AHEAD_PAGES = 8;
const READ_AHEAD_MS = 2000;

/** One event of a page: the published envelope as JSON text (the Kafka message value), with what SSE needs beside it. */
export interface FeedEntry {
  globalPosition: number;
  type: string;
  json: string;
}

const pageKey = (after: number, limit: number, filter: FeedFilter) => `${after}:${limit}:${[...(filter.types ?? [])].join(',')}:${[...(filter.categories ?? [])].join(',')}:${filter.customerId ?? ''}`;

interface Scanned {
  events: FeedEntry[];
  next: number;
}

/** Where the feed reads: the store's text when it has it, else its events. */
interface LogSource<T extends { globalPosition: number; type: string }> {
  read(after: number, maxCount: number): Promise<T[]>;
  accepts(event: T, filter: FeedFilter): boolean;
  json(event: T): string;
}

/**
 * The global log, in order, as every way out publishes it: pages after a position, with the position to continue
 * from (`next`: the last one scanned, even when the filter skipped it, so a narrow filter never rescans). A store
 * that reads the log as text (TextLogReader) gives the envelopes without parsing and serialising each event again.
 * A reader catching up gets the next page read ahead while it takes in this one.
 */
export class Feed {
  private readonly source: LogSource<StoredEventText> | LogSource<RecordedEvent>;
  private readonly ahead = new Map<string, { page: Promise<Scanned>; at: number; erasures: number }>();
  private readonly erasures: () => number;

  constructor(
    private readonly store: EventStore,
    upcasters: Upcasters = new Upcasters(UPCASTERS, EVENT_SCHEMA_VERSIONS),
  ) {
    this.erasures = () => (store as Partial<{ erasures: number }>).erasures ?? 0;
    const text = isTextLogReader(store) ? store : undefined;
    const fromText: LogSource<StoredEventText> | undefined = text && { read: (after, maxCount) => text.readAllText({ after, maxCount }), accepts: matchesStored, json: (e) => publishedEventJson(e, upcasters) };
    const fromEvents: LogSource<RecordedEvent> = { read: (after, maxCount) => store.readAll({ after, maxCount }), accepts: matches, json: (e) => JSON.stringify(publishedEvent(e, upcasters)) };
    this.source = fromText ?? fromEvents;
  }

  async page(after: number, limit: number, filter: FeedFilter): Promise<{ events: FeedEntry[]; next: number; head: number }> {
    const key = pageKey(after, limit, filter);
    const ahead = this.ahead.get(key);
    this.ahead.delete(key);
    const fresh = ahead && Date.now() - ahead.at <= READ_AHEAD_MS && ahead.erasures === this.erasures();
    const { events, next } = fresh ? await ahead.page : await this.scan(after, limit, filter);
    const head = await this.store.headPosition();
    // A reader catching up asks for the page after this one next: read it while this one is written and parsed.
    if (events.length === limit && next < head) this.readAhead(next, limit, filter);
    return { events, next, head };
  }

  /**
   * Reads the page after `after` once the current answer is on its way. Bounded: a few pages in all, each kept for a
   * moment; dropped when this process erases a customer, so no value opened before an erasure is served after it
   * (another process's erasure is seen within the key cache's time, as every read sees it).
   */
  private readAhead(after: number, limit: number, filter: FeedFilter): void {
    const key = pageKey(after, limit, filter);
    if (this.ahead.has(key)) return;
    for (const [k, v] of this.ahead) if (this.ahead.size >= READ_AHEAD_PAGES || Date.now() - v.at > READ_AHEAD_MS) this.ahead.delete(k);
    const page = new Promise<Scanned>((resolve, reject) => setImmediate(() => this.scan(after, limit, filter).then(resolve, reject)));
    page.catch(() => this.ahead.delete(key)); // a failed read-ahead is read again when asked for
    this.ahead.set(key, { page, at: Date.now(), erasures: this.erasures() });
  }

  private scan(after: number, limit: number, filter: FeedFilter): Promise<Scanned> {
    return scanWith(this.source as LogSource<StoredEventText | RecordedEvent>, after, limit, filter);
  }

  /** Resolves when the log has an event after `after`, or after `ms` (then false). Polls: no per-caller subscription. */
  async waitBeyond(after: number, ms: number, isClosed: () => boolean = () => false): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      if ((await this.store.headPosition()) > after) return true;
      if (Date.now() >= deadline || isClosed()) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(200, Math.max(1, deadline - Date.now()))));
    }
  }
}

async function scanWith<T extends { globalPosition: number; type: string }>(source: LogSource<T>, after: number, limit: number, filter: FeedFilter): Promise<Scanned> {
  const events: FeedEntry[] = [];
  let position = after;
  let scanned = 0;
  for (;;) {
    const batch = await source.read(position, Math.min(BATCH, Math.max(limit, 100)));
    for (const event of batch) {
      position = event.globalPosition;
      scanned++;
      if (source.accepts(event, filter)) events.push({ globalPosition: event.globalPosition, type: event.type, json: source.json(event) });
      if (events.length === limit) break;
    }
    if (events.length === limit || batch.length === 0 || scanned >= SCAN_LIMIT) break;
  }
  return { events, next: position };
}
