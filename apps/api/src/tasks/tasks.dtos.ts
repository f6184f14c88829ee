import { QueryNumber } from '../http/validators';
import { TASK_KINDS, TASK_PRIORITIES, type TaskKind, type TaskPriority } from '@touchpoint/domain';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsObject, IsOptional, IsString, IsUUID, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import { Optional } from '../http/validators';
import { ConsistencyQuery, IsInstant } from '../queries/query.dtos';

export class TaskCauseDto {
  /** the event (an inbound touchpoint, a complaint) the task answers */
  @IsUUID() eventId: string;
  @IsIn(['TouchpointRecorded', 'ComplaintFiled']) type: 'TouchpointRecorded' | 'ComplaintFiled';
}

export class CreateTaskDto {
  @Optional() @IsUUID() taskId?: string;
  @IsUUID() customerId: string;
  /** one of the customer's deals, when the task is about it */
  @Optional() @IsUUID() dealId?: string;
  @IsIn(TASK_KINDS) kind: TaskKind;
  /** personal data (sealed with the customer's key) */
  @IsString() @Length(1, 200) title: string;
  @Optional() @IsString() @Length(1, 2000) notes?: string;
  /** who does it; defaults to the caller (only an admin plans for someone else) */
  @Optional() @IsString() @Length(1, 128) assignee?: string;
  @Optional() @IsIn(TASK_PRIORITIES) priority?: TaskPriority;
  /** when it is due; for a meeting, when it starts */
  @IsInstant() dueAt: string;
  /** a meeting's end */
  @Optional() @IsInstant() endsAt?: string;
  /** the reminder (calendar alarm), at or before dueAt */
  @Optional() @IsInstant() remindAt?: string;
  @Optional() @IsObject() @ValidateNested() @Type(() => TaskCauseDto) causedBy?: TaskCauseDto;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class RescheduleTaskDto {
  @IsInstant() dueAt: string;
  /** a meeting's new end; by default it keeps its length */
  @Optional() @IsInstant() endsAt?: string;
  /** by default the reminder keeps its lead time */
  @Optional() @IsInstant() remindAt?: string;
  @Optional() @IsString() @Length(1, 500) reason?: string;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class ReassignTaskDto {
  @IsString() @Length(1, 128) assignee: string;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class CompleteTaskDto {
  @Optional() @IsString() @Length(1, 2000) outcome?: string;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class CancelTaskDto {
  @Optional() @IsString() @Length(1, 500) reason?: string;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export const TASK_LIST_STATUSES = ['open', 'overdue', 'done', 'cancelled'] as const;

export class ListTasksQueryDto extends ConsistencyQuery {
  @IsOptional() @IsString() @Length(1, 128) assignee?: string;
  @IsOptional() @IsUUID() customerId?: string;
  @IsOptional() @IsUUID() dealId?: string;
  /** overdue: open and due before now */
  @IsOptional() @IsIn(TASK_LIST_STATUSES) status?: (typeof TASK_LIST_STATUSES)[number];
  @IsOptional() @IsInstant() dueFrom?: string;
  @IsOptional() @IsInstant() dueTo?: string;
  @IsOptional() @QueryNumber() @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional() @IsString() @Length(1, 2000) cursor?: string;
}

export class MyDayQueryDto extends ConsistencyQuery {
  /** the day (UTC), YYYY-MM-DD; default today */
  @IsOptional() @Matches(/^[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, { message: 'date must be a date YYYY-MM-DD' }) date?: string;
}

export class CalendarFeedQueryDto {
  /** from GET /v1/calendar/{owner}/subscription */
  @IsString() @Length(10, 200) token: string;
}

export class CalendarSubscriptionQueryDto {
  /** whose calendar (their manager or an admin may ask for someone else's); default the caller's. No slash: the name becomes the feed's path. */
  @IsOptional() @IsString() @Matches(/^[^/]{1,128}$/, { message: 'owner must be 1–128 characters without a slash' }) owner?: string;
}
