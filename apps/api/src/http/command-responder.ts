import { Inject, Injectable } from '@nestjs/common';
import { CommandBus, type Command } from '@nestjs/cqrs';
import type { CommandResult } from '@touchpoint/application';
import { normaliseInstant } from '@touchpoint/domain';
import { CLOCK, type Clock } from '@touchpoint/platform';
import type { FastifyReply } from 'fastify';

/** The few lines every command endpoint shares: time defaults, bus dispatch, status and ETag. */
@Injectable()
export class CommandResponder {
  constructor(
    private readonly bus: CommandBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Business time given by the client (normalised to UTC), or now. */
  occurredAt(value: string | undefined, field = 'occurredAt'): string {
    return value === undefined ? this.clock.now().toISOString() : normaliseInstant(value, field);
  }

  async send(reply: FastifyReply, command: Command<CommandResult>, options: { created?: (r: CommandResult) => string | undefined } = {}): Promise<CommandResult> {
    const result = await this.bus.execute(command);
    const location = options.created?.(result);
    reply.status(location ? 201 : 200);
    if (location) reply.header('location', location);
    reply.header('etag', `"${result.streamRevision}"`);
    if (result.replayed) reply.header('idempotent-replayed', 'true');
    return result;
  }
}
