import { conflict } from '@touchpoint/domain';
import { HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ALL_PROJECTIONS, PROJECTOR, READ_STORE, type Projector, type ReadStore } from '@touchpoint/read-models';
import type { FastifyRequest } from 'fastify';
import { EVENT_STORE, type EventStore } from '@touchpoint/event-store';
import { BadRequestProblem } from '../http/problem';

export class NotYetConsistent extends HttpException {
  readonly retryAfterSeconds = 1;
  constructor(position: number, reached: number) {
    super(`The read models have reached position ${reached}, not yet ${position}. Retry shortly.`, HttpStatus.SERVICE_UNAVAILABLE);
  }
}

export const CONSISTENCY_WAIT_MS = Symbol('CONSISTENCY_WAIT_MS');

/**
 * Read-your-writes: a query carrying a command's global position
 * (`?minPosition=` or `X-Min-Position`) waits until the projections reach it,
 * or gets 503 with Retry-After.
 */
@Injectable()
export class Consistency {
  constructor(
    @Inject(PROJECTOR) private readonly projector: Projector | null,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(CONSISTENCY_WAIT_MS) private readonly waitMs: number,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async await(request: FastifyRequest, minPosition?: number): Promise<void> {
    const header = request.headers['x-min-position'];
    let position = minPosition;
    if (header !== undefined) {
      if (Array.isArray(header) || !/^\d{1,15}$/.test(header)) {
        throw new BadRequestProblem([{ field: 'header:X-Min-Position', code: 'invalid_header', message: 'X-Min-Position must be a non-negative integer' }]);
      }
      position = Math.max(position ?? 0, Number(header));
    }
    if (position === undefined || position === 0) return;
    // A position the log has not reached cannot come from a write: say so at once rather than wait and answer 503.
    const head = await this.store.headPosition();
    if (position > head) {
      const field = header !== undefined && (minPosition === undefined || Number(header) > minPosition) ? 'header:X-Min-Position' : 'minPosition';
      // 409: the request is well-formed; the log has not reached that position (and a write's answer never names one it has not).
      throw conflict('position_beyond_head', `position ${position} is beyond the head of the log (${head}): use the globalPosition of a command's response`, field);
    }
    if (this.projector) {
      if (!(await this.projector.waitFor(position, this.waitMs))) throw new NotYetConsistent(position, this.projector.position);
      return;
    }
    // Projector in another process: watch its checkpoints in the shared read store.
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const reached = Math.min(...(await Promise.all(ALL_PROJECTIONS.map((p) => this.readStore.checkpoint(p.name)))));
      if (reached >= position) return;
      if (Date.now() >= deadline) throw new NotYetConsistent(position, reached);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
