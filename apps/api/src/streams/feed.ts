import { EVENT_SCHEMA_VERSIONS, UPCASTERS, Upcasters } from '@touchpoint/domain';
import type { EventStore, RecordedEvent } from '@touchpoint/event-store';
import { publishedEvent, type PublishedEvent } from '@touchpoint/relay/envelope';
import { matches, type FeedFilter } from '@touchpoint/relay/filter';

export type { FeedFilter };

/** How far one page may scan past events that do not match, so a narrow filter cannot hold a request for long. */
const SCAN_LIMIT = 20_000;
const BATCH = 1000;

/**
 * The global log, in order, as every way out publishes it: pages after a position, with the position to continue
 * from (`next`: the last one scanned, even when the filter skipped it, so a narrow filter never rescans).
 */
export class Feed {
  constructor(
    private readonly store: EventStore,
    private readonly upcasters: Upcasters = new Upcasters(UPCASTERS, EVENT_SCHEMA_VERSIONS),
  ) {}

  async page(after: number, limit: number, filter: FeedFilter): Promise<{ events: PublishedEvent[]; next: number; head: number }> {
    const events: PublishedEvent[] = [];
    let position = after;
    let scanned = 0;
    for (;;) {
      const batch = await this.store.readAll({ after: position, maxCount: Math.min(BATCH, Math.max(limit, 100)) });
      for (const event of batch) {
        position = event.globalPosition;
        scanned++;
        if (matches(event, filter)) events.push(publishedEvent(event, this.upcasters));
        if (events.length === limit) break;
      }
      if (events.length === limit || batch.length === 0 || scanned >= SCAN_LIMIT) break;
    }
    return { events, next: position, head: await this.store.headPosition() };
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
