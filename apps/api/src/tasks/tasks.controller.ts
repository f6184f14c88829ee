import { ruleViolated } from '@touchpoint/domain';
import { Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { CommandResult } from '@touchpoint/application';
import type { TaskCommand } from '@touchpoint/domain';
import { CLOCK, ID_GENERATOR, type Clock, type IdGenerator } from '@touchpoint/platform';
import { READ_STORE, TASKS, type Condition, type ReadStore, type SortKey, type TaskDoc, type DocumentBody } from '@touchpoint/read-models';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Roles } from '../auth';
import type { AuthenticatedRequest } from '../auth/auth.guard';
import { ExecuteTaskCommand } from '../commands';
import { CommandContextFactory } from '../http/command-context.factory';
import { CommandResponder } from '../http/command-responder';
import { PathParam } from '../http/params';
import { TeamScope } from '../sales/team-scope';
import { BadRequestProblem } from '../http/problem';
import { Consistency } from '../queries/consistency';
import { decodeCursor, encodeCursor } from '../queries/cursor';
import { ConsistencyQuery } from '../queries/query.dtos';
import { CancelTaskDto, CompleteTaskDto, CreateTaskDto, ListTasksQueryDto, MyDayQueryDto, ReassignTaskDto, RescheduleTaskDto } from './tasks.dtos';

const iso = (at: string) => new Date(at).toISOString();
/** carried-over tasks shown in "my day"; `truncated` says when there are more (GET /v1/tasks?status=overdue lists them) */
const MY_DAY_OVERDUE = 50;
const BY_DUE: SortKey[] = [
  { field: 'dueAt', direction: 'asc' },
  { field: 'rank', direction: 'asc' },
];

/** A task as reads answer it; `overdue` is decided by the clock at the time of the read. */
export type TaskView = DocumentBody<TaskDoc, 'rank'> & { overdue: boolean; projectedThrough: number };

/** A task as readers get it: overdue is decided by the clock at the time of the read. */
export function presentTask(doc: TaskDoc, now: Date): TaskView {
  const { _id, _position, rank: _rank, ...task } = doc;
  return { ...task, overdue: task.status === 'open' && Date.parse(task.dueAt) < now.getTime(), projectedThrough: _position };
}

/**
 * Tasks, calls and meetings on customers and deals: planned, moved, handed over, done or cancelled, each as an event
 * on the task's stream. Everyone who works with customers sees their tasks (the record is shared); sales change only
 * the tasks assigned to them, an admin anyone's.
 */
@ApiTags('tasks')
@ApiHeader({ name: 'Idempotency-Key', required: false })
@ApiHeader({ name: 'If-Match', required: false, description: 'Expected task stream revision; 409 when stale.' })
@Roles('sales')
@Controller('v1/tasks')
export class TasksController {
  constructor(
    private readonly ctx: CommandContextFactory,
    private readonly respond: CommandResponder,
    private readonly consistency: Consistency,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    private readonly teams: TeamScope,
  ) {}

  @Post()
  create(@Body() dto: CreateTaskDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<CommandResult> {
    const { taskId, customerId, dealId, dueAt, endsAt, remindAt, occurredAt, causedBy, assignee, priority, ...rest } = dto;
    return this.run(req, reply, (acting) => ({
      type: 'CreateTask',
      data: {
        ...rest,
        taskId: taskId?.toLowerCase() ?? this.ids.next(),
        customerId: customerId.toLowerCase(),
        ...(dealId !== undefined && { dealId: dealId.toLowerCase() }),
        assignee: assignee ?? acting.actor,
        priority: priority ?? 'normal',
        dueAt: iso(dueAt),
        ...(endsAt !== undefined && { endsAt: iso(endsAt) }),
        ...(remindAt !== undefined && { remindAt: iso(remindAt) }),
        ...(causedBy !== undefined && { causedBy: { eventId: causedBy.eventId.toLowerCase(), type: causedBy.type } }),
        occurredAt: this.respond.occurredAt(occurredAt),
        ...acting,
      },
    }), true);
  }

  /** Move the task (a meeting keeps its length and a reminder its lead time unless given). */
  @Post(':id/reschedule')
  @HttpCode(200)
  reschedule(@Param('id', PathParam.uuid('id')) taskId: string, @Body() dto: RescheduleTaskDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { dueAt, endsAt, remindAt, occurredAt, reason } = dto;
    return this.run(req, reply, (acting) => ({
      type: 'RescheduleTask',
      data: {
        taskId,
        dueAt: iso(dueAt),
        ...(endsAt !== undefined && { endsAt: iso(endsAt) }),
        ...(remindAt !== undefined && { remindAt: iso(remindAt) }),
        ...(reason !== undefined && { reason }),
        occurredAt: this.respond.occurredAt(occurredAt),
        ...acting,
      },
    }));
  }

  @Post(':id/reassign')
  @HttpCode(200)
  reassign(@Param('id', PathParam.uuid('id')) taskId: string, @Body() dto: ReassignTaskDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(req, reply, (acting) => ({ type: 'ReassignTask', data: { taskId, assignee: dto.assignee, occurredAt: this.respond.occurredAt(dto.occurredAt), ...acting } }));
  }

  @Post(':id/completion')
  @HttpCode(200)
  complete(@Param('id', PathParam.uuid('id')) taskId: string, @Body() dto: CompleteTaskDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { outcome, occurredAt } = dto;
    return this.run(req, reply, (acting) => ({ type: 'CompleteTask', data: { taskId, ...(outcome !== undefined && { outcome }), occurredAt: this.respond.occurredAt(occurredAt), ...acting } }));
  }

  @Post(':id/cancellation')
  @HttpCode(200)
  cancel(@Param('id', PathParam.uuid('id')) taskId: string, @Body() dto: CancelTaskDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { reason, occurredAt } = dto;
    return this.run(req, reply, (acting) => ({ type: 'CancelTask', data: { taskId, ...(reason !== undefined && { reason }), occurredAt: this.respond.occurredAt(occurredAt), ...acting } }));
  }

  /** Tasks by assignee, customer, deal, status (overdue: open and past due now) and due window, soonest first; cursor pages. */
  @Get()
  @Roles('sales', 'analyst', 'auditor')
  async list(@Query() q: ListTasksQueryDto, @Req() req: FastifyRequest) {
    await this.consistency.await(req, q.minPosition);
    const now = this.clock.now();
    if (q.dueFrom !== undefined && q.dueTo !== undefined && Date.parse(q.dueFrom) > Date.parse(q.dueTo)) {
      throw ruleViolated('invalid_range', 'dueTo must not be before dueFrom', 'dueTo');
    }
    const filter: Condition[] = [];
    if (q.assignee !== undefined) filter.push({ field: 'assignee', op: 'eq', value: q.assignee });
    if (q.customerId !== undefined) filter.push({ field: 'customerId', op: 'eq', value: q.customerId.toLowerCase() });
    if (q.dealId !== undefined) filter.push({ field: 'dealId', op: 'eq', value: q.dealId.toLowerCase() });
    if (q.status !== undefined) filter.push({ field: 'status', op: 'eq', value: q.status === 'overdue' ? 'open' : q.status });
    if (q.dueFrom !== undefined) filter.push({ field: 'dueAt', op: 'gte', value: iso(q.dueFrom) });
    if (q.dueTo !== undefined) filter.push({ field: 'dueAt', op: 'lte', value: iso(q.dueTo) });
    // Overdue: due strictly before now (one millisecond less, as the store compares inclusively).
    if (q.status === 'overdue') filter.push({ field: 'dueAt', op: 'lte', value: new Date(now.getTime() - 1).toISOString() });
    const page = await this.readStore.find<TaskDoc>(TASKS, { filter, sort: BY_DUE, limit: q.limit ?? 50, after: decodeCursor(q.cursor, BY_DUE) });
    return { items: page.items.map((t) => presentTask(t, now)), nextCursor: encodeCursor(page.next, BY_DUE) };
  }

  /**
   * The caller's day (UTC): open tasks carried over from earlier days (overdue), the day's own tasks soonest first
   * (meetings with their slots; those already past flagged overdue), and what was done of them.
   */
  @Get('my-day')
  @Roles('sales', 'analyst', 'auditor')
  async myDay(@Query() q: MyDayQueryDto, @Req() req: FastifyRequest) {
    await this.consistency.await(req, q.minPosition);
    const now = this.clock.now();
    const date = q.date ?? now.toISOString().slice(0, 10);
    const start = `${date}T00:00:00.000Z`;
    if (Number.isNaN(Date.parse(start))) throw ruleViolated('invalid_date', `${date} is not a date`, 'date');
    const end = `${date}T23:59:59.999Z`;
    const assignee = this.ctx.from(req).actor;
    const open = (range: Condition[], limit: number) => this.readStore.find<TaskDoc>(TASKS, { filter: [{ field: 'assignee', op: 'eq', value: assignee }, { field: 'status', op: 'eq', value: 'open' }, ...range], sort: BY_DUE, limit });
    const cutoff = new Date(Math.min(now.getTime(), Date.parse(start)) - 1).toISOString();
    const [overdue, today, done] = await Promise.all([
      // The oldest carried-over tasks first, a page of them (the list has the rest): a day is not a backlog.
      open([{ field: 'dueAt', op: 'lte', value: cutoff }], MY_DAY_OVERDUE),
      open([
        { field: 'dueAt', op: 'gte', value: start },
        { field: 'dueAt', op: 'lte', value: end },
      ], 200),
      this.readStore.find<TaskDoc>(TASKS, {
        filter: [
          { field: 'assignee', op: 'eq', value: assignee },
          { field: 'status', op: 'eq', value: 'done' },
          { field: 'dueAt', op: 'gte', value: start },
          { field: 'dueAt', op: 'lte', value: end },
        ],
        sort: BY_DUE,
        limit: 200,
      }),
    ]);
    const present = (items: TaskDoc[]) => items.map((t) => presentTask(t, now));
    return { date, assignee, overdue: present(overdue.items), due: present(today.items), done: present(done.items), truncated: [overdue, today, done].some((p) => p.next !== undefined) };
  }

  @Get(':id')
  @Roles('sales', 'analyst', 'auditor')
  async get(@Param('id', PathParam.uuid('id')) taskId: string, @Query() q: ConsistencyQuery, @Req() req: FastifyRequest) {
    await this.consistency.await(req, q.minPosition);
    const doc = await this.readStore.get<TaskDoc>(TASKS, taskId);
    if (!doc) throw new NotFoundException(`task ${taskId} has no read model (unknown, or not projected yet: pass minPosition to wait)`);
    return presentTask(doc, this.clock.now());
  }

  private async run(req: FastifyRequest, reply: FastifyReply, build: (acting: { actor: string; mayActForOthers: boolean; team?: string[] }) => TaskCommand, created = false): Promise<CommandResult> {
    const context = this.ctx.from(req);
    const mayActForOthers = (req as AuthenticatedRequest).identity?.roles.includes('admin') ?? false;
    // A manager acts for the sellers of the teams they manage.
    const scope = mayActForOthers ? undefined : await this.teams.of(req);
    const command = new ExecuteTaskCommand(build({ actor: context.actor, mayActForOthers, ...(scope && scope.teams.length > 0 && { team: scope.members }) }), context);
    return this.respond.send(reply, command, created ? { created: (r) => `/v1/tasks/${r.ids.taskId}` } : undefined);
  }
}
