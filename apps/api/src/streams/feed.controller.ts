import { Controller, Get, HttpException, HttpStatus, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiProduces, ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, type EventStore } from '@touchpoint/event-store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Roles } from '../auth';
import { jsonText, type JsonText } from '../http/json-text';
import { BadRequestProblem } from '../http/problem';
import type { PublishedEvent } from '@touchpoint/relay/envelope';
import { Feed, type FeedFilter } from './feed';
import { FeedQueryDto } from './feed.dtos';

export const FEED_SETTINGS = Symbol('FEED_SETTINGS');
export interface FeedSettings {
  /** open Server-Sent-Events streams this process serves at once */
  maxStreams: number;
  /** a comment line to an idle stream this often, so proxies keep it open */
  heartbeatMs: number;
  /** the longest a long poll is held */
  maxWaitMs: number;
}

/** how long a stream waits for a reader's socket to take more before it closes the stream */
const DRAIN_TIMEOUT_MS = 60_000;

class StreamLimitReached extends HttpException {
  readonly retryAfterSeconds = 5;
  constructor(max: number) {
    super(`This process already serves ${max} event streams; retry shortly, or page with GET /v1/events?after=`, HttpStatus.SERVICE_UNAVAILABLE);
  }
}

/** A page of the log: the events after `after` that the filter selects, where to continue, and the head. */
export interface FeedPage {
  events: PublishedEvent[];
  /** the last position scanned: pass it as `after` for the next page */
  next: number;
  /** the log's last position when the page was read */
  head: number;
}

const filterOf = (q: FeedQueryDto): FeedFilter => ({
  ...(q.types && { types: new Set(q.types) }),
  ...(q.categories && { categories: new Set(q.categories) }),
  ...(q.customerId && { customerId: q.customerId.toLowerCase() }),
});

/**
 * The global event log over HTTP, for services that cannot run a Kafka consumer: pages in order with a cursor,
 * a long poll at the head, or a Server-Sent-Events stream that resumes from Last-Event-ID. Same envelope as Kafka.
 */
@ApiTags('streams')
@Roles('service')
@Controller('v1/events')
export class FeedController {
  private readonly feed: Feed;
  private open = 0;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(FEED_SETTINGS) private readonly settings: FeedSettings,
  ) {
    this.feed = new Feed(store);
  }

  /** A page of the log after `after`, or (`Accept: text/event-stream`) a stream of every event from there on. */
  @Get()
  @ApiProduces('application/json', 'text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'SSE: resume after this global position (instead of `after`).' })
  async events(@Query() q: FeedQueryDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<JsonText<FeedPage> | void> {
    const filter = filterOf(q);
    if (/text\/event-stream/.test(req.headers.accept ?? '')) return this.stream(req, reply, this.resumeFrom(req, q), filter);
    const after = q.after ?? 0;
    const limit = q.limit ?? 100;
    let page = await this.feed.page(after, limit, filter);
    // At the head with nothing for this caller: hold the request until something is written, or the wait is over.
    const waitMs = Math.min((q.wait ?? 0) * 1000, this.settings.maxWaitMs);
    if (page.events.length === 0 && waitMs > 0 && page.next >= page.head) {
      if (await this.feed.waitBeyond(page.next, waitMs, () => req.raw.destroyed)) page = await this.feed.page(page.next, limit, filter);
    }
    // The envelopes are JSON text already (the store's text, opened): the page is written, not serialised again.
    reply.header('content-type', 'application/json; charset=utf-8');
    return jsonText(`{"events":[${page.events.map((e) => e.json).join(',')}],"next":${page.next},"head":${page.head}}`);
  }

  private resumeFrom(req: FastifyRequest, q: FeedQueryDto): number {
    const header = req.headers['last-event-id'];
    if (header === undefined) return q.after ?? 0;
    if (Array.isArray(header) || !/^\d{1,15}$/.test(header)) throw new BadRequestProblem([{ field: 'header:Last-Event-ID', code: 'invalid_header', message: 'Last-Event-ID must be a global position (a non-negative integer)' }]);
    return Number(header);
  }

  /**
   * SSE: one event per message (`id:` the global position, `event:` the type, `data:` the envelope). Memory per
   * connection is one page; a slow reader only slows its own loop (each write waits for the socket to drain).
   */
  private async stream(req: FastifyRequest, reply: FastifyReply, from: number, filter: FeedFilter): Promise<void> {
    if (this.open >= this.settings.maxStreams) throw new StreamLimitReached(this.settings.maxStreams);
    this.open++;
    reply.hijack();
    const raw = reply.raw;
    let closed = raw.destroyed;
    // The place is free the moment the client goes away, not when the loop next looks.
    let released = false;
    const release = () => {
      if (!released) this.open--;
      released = true;
    };
    // The response's close: the client went away (the request's own close fires once its body is read).
    raw.on('close', () => {
      closed = true;
      release();
    });
    // Waits for the socket to drain, or to close: a reader that went away must not hold the loop.
    const write = (chunk: string) =>
      closed || raw.write(chunk)
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            // A reader that stops reading but keeps its connection would hold a place forever: cut it off.
            const stalled = setTimeout(() => raw.destroy(), DRAIN_TIMEOUT_MS);
            const done = () => {
              clearTimeout(stalled);
              raw.off('drain', done);
              raw.off('close', done);
              resolve();
            };
            raw.once('drain', done);
            raw.once('close', done);
          });
    try {
      raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      await write(': touchpoint event stream\nretry: 2000\n\n');
      let position = from;
      let lastWrite = Date.now();
      while (!closed) {
        const page = await this.feed.page(position, 500, filter);
        for (const event of page.events) {
          if (closed) break;
          await write(`id: ${event.globalPosition}\nevent: ${event.type}\ndata: ${event.json}\n\n`);
        }
        if (page.events.length > 0) lastWrite = Date.now();
        position = page.next;
        if (page.next < page.head) continue;
        if (Date.now() - lastWrite >= this.settings.heartbeatMs) {
          await write(': keep-alive\n\n');
          lastWrite = Date.now();
        }
        await this.feed.waitBeyond(position, Math.max(1, this.settings.heartbeatMs - (Date.now() - lastWrite)), () => closed);
      }
    } finally {
      release();
      raw.end();
    }
  }
}
