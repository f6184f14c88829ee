import { Controller, ForbiddenException, Get, Header, Inject, NotFoundException, Param, Query, Req } from '@nestjs/common';
import { ApiProduces, ApiTags } from '@nestjs/swagger';
import { CLOCK, type Clock } from '@touchpoint/platform';
import { READ_STORE, TASKS, type ReadStore, type TaskDoc } from '@touchpoint/read-models';
import type { FastifyRequest } from 'fastify';
import icalGenerator, { ICalAlarmType, ICalEventStatus } from 'ical-generator';
import { Public, Roles } from '../auth';
import { TeamScope } from '../sales/team-scope';
import type { AuthenticatedRequest } from '../auth/auth.guard';
import { CommandContextFactory } from '../http/command-context.factory';
import { BadRequestProblem } from '../http/problem';
import { PathParam } from '../http/params';
import { CALENDAR_TOKENS, type CalendarTokens } from './calendar-tokens';
import { CalendarFeedQueryDto, CalendarSubscriptionQueryDto } from './tasks.dtos';

/** How far back a feed reaches (calendar apps keep what they already have), and how many events it holds at most. */
const FEED_PAST_DAYS = 30;
const FEED_MAX = 2000;
/** A call, an email or a to-do has no slot: it shows as a short block at its due time. */
const BLOCK_MS = 15 * 60_000;

/**
 * Each owner's tasks as an iCalendar feed (RFC 5545) that the calendars people already use can subscribe to. The
 * feed URL carries a token, as calendar apps send no headers; the owner (or an admin) asks the API for it.
 */
@ApiTags('tasks')
@Controller('v1/calendar')
export class CalendarController {
  constructor(
    private readonly ctx: CommandContextFactory,
    @Inject(CALENDAR_TOKENS) private readonly tokens: CalendarTokens,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly teams: TeamScope,
  ) {}

  /** The feed URL of the caller's calendar, or of `owner`'s for their manager or an admin: keep it secret, it is the key. */
  @Get('subscription')
  @Roles('sales')
  async subscription(@Query() q: CalendarSubscriptionQueryDto, @Req() req: FastifyRequest) {
    const caller = this.ctx.from(req).actor;
    const owner = q.owner ?? caller;
    if (!(await this.teams.actsFor(req, caller, owner))) throw new ForbiddenException(`only ${owner} (their manager, or an admin) gets the feed URL of that calendar`);
    return { owner, url: `/v1/calendar/${encodeURIComponent(owner)}.ics?token=${this.tokens.tokenFor(owner)}`, keyVersion: this.tokens.version };
  }

  /** The feed: the owner's tasks due from 30 days ago on (meetings with their slots, reminders as alarms). */
  @Get(':file')
  @Public()
  @ApiProduces('text/calendar')
  @Header('content-type', 'text/calendar; charset=utf-8')
  @Header('cache-control', 'private, max-age=300')
  async feed(@Param('file', PathParam.matching('file', /^[^/]{1,128}\.ics$/, '<owner>.ics')) file: string, @Query() q: CalendarFeedQueryDto): Promise<string> {
    const owner = file.slice(0, -4);
    // Wrong token and unknown owner answer alike: the URL is the secret.
    if (!this.tokens.verify(owner, q.token)) throw new NotFoundException('no calendar feed at this URL');
    const now = this.clock.now();
    const page = await this.readStore.find<TaskDoc>(TASKS, {
      filter: [
        { field: 'assignee', op: 'eq', value: owner },
        { field: 'dueAt', op: 'gte', value: new Date(now.getTime() - FEED_PAST_DAYS * 86_400_000).toISOString() },
      ],
      sort: [{ field: 'dueAt', direction: 'asc' }],
      limit: FEED_MAX,
    });
    const calendar = icalGenerator({ name: `Touchpoint: ${owner}`, prodId: { company: 'Touchpoint', product: 'tasks', language: 'EN' }, ttl: 300 });
    for (const task of page.items) {
      const start = new Date(task.dueAt);
      const event = calendar.createEvent({
        id: `${task.taskId}@touchpoint`,
        sequence: task.revisions,
        stamp: now,
        start,
        end: task.endsAt ? new Date(task.endsAt) : new Date(start.getTime() + BLOCK_MS),
        summary: `${task.status === 'done' ? '✓ ' : ''}${task.title}`,
        description: [task.notes, `Customer ${task.customerId}${task.dealId ? `, deal ${task.dealId}` : ''}`, `Task ${task.taskId} (${task.kind}, ${task.priority} priority, ${task.status})`].filter(Boolean).join('\n'),
        status: task.status === 'cancelled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
        categories: [{ name: task.kind }],
      });
      if (task.remindAt && task.status === 'open') event.createAlarm({ type: ICalAlarmType.display, trigger: new Date(task.remindAt), description: task.title });
    }
    return calendar.toString();
  }
}
