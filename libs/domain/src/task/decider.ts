import type { Decider } from '../shared/decider';
import { conflict, forbidden, notFound, ruleViolated } from '../shared/errors';
import type { TaskCreated, TaskEvent, TaskRescheduled } from './events';

/**
 * Who acts: `actor` is the caller; `mayActForOthers` (admin, or the follow-up process) may plan and change anyone's
 * tasks; a manager also those of `team` (the sellers of the teams they manage). Sales plan their own work and change
 * only the tasks assigned to them.
 */
type Acting = { actor: string; mayActForOthers: boolean; team?: readonly string[] };

/** May `acting` plan or change the work of `assignee`? */
const actsFor = (acting: Acting, assignee: string): boolean => acting.mayActForOthers || assignee === acting.actor || (acting.team?.includes(assignee) ?? false);

export type CreateTask = { type: 'CreateTask'; data: TaskCreated['data'] & Acting };
export type RescheduleTask = { type: 'RescheduleTask'; data: Omit<TaskRescheduled['data'], 'customerId'> & Acting };
export type ReassignTask = { type: 'ReassignTask'; data: { taskId: string; assignee: string; occurredAt: string } & Acting };
export type CompleteTask = { type: 'CompleteTask'; data: { taskId: string; outcome?: string; occurredAt: string } & Acting };
export type CancelTask = { type: 'CancelTask'; data: { taskId: string; reason?: string; occurredAt: string } & Acting };
export type TaskCommand = CreateTask | RescheduleTask | ReassignTask | CompleteTask | CancelTask;

export type TaskStatus = 'open' | 'done' | 'cancelled';
export interface TaskState {
  status: TaskStatus | 'none';
  kind?: string;
  customerId: string;
  assignee: string;
  dueAt: string;
  endsAt?: string;
  remindAt?: string;
}

const initialTaskState = (): TaskState => ({ status: 'none', customerId: '', assignee: '', dueAt: '' });

/** A meeting's slot ends after it starts; a reminder comes at or before the task is due. */
function checkTimes(kind: string | undefined, dueAt: string, endsAt: string | undefined, remindAt: string | undefined): void {
  if (endsAt !== undefined && Date.parse(endsAt) <= Date.parse(dueAt)) throw ruleViolated('invalid_slot', 'endsAt must be after dueAt', 'endsAt');
  if (kind !== undefined && kind !== 'meeting' && endsAt !== undefined) throw ruleViolated('slot_not_allowed', 'only a meeting has a time slot (endsAt)', 'endsAt');
  if (remindAt !== undefined && Date.parse(remindAt) > Date.parse(dueAt)) throw ruleViolated('invalid_reminder', 'remindAt must be at or before dueAt', 'remindAt');
}

function requireOpen(state: TaskState, taskId: string, acting: Acting): void {
  if (state.status === 'none') throw notFound('task_not_found', `task ${taskId} does not exist`, 'taskId');
  if (!actsFor(acting, state.assignee)) throw forbidden('not_task_assignee', `task ${taskId} is assigned to ${state.assignee}`, 'taskId');
  if (state.status !== 'open') throw conflict('task_closed', `task ${taskId} is already ${state.status}`, 'taskId');
}

export function decideTask(command: TaskCommand, state: TaskState): TaskEvent[] {
  switch (command.type) {
    case 'CreateTask': {
      const { actor, mayActForOthers, team, ...data } = command.data;
      if (state.status !== 'none') throw conflict('task_exists', `task ${data.taskId} already exists`, 'taskId');
      if (!actsFor(command.data, data.assignee)) throw forbidden('not_own_task', `only ${data.assignee} (their manager, or an admin) plans their work`, 'assignee');
      checkTimes(data.kind, data.dueAt, data.endsAt, data.remindAt);
      return [{ type: 'TaskCreated', data }];
    }
    case 'RescheduleTask': {
      const { actor, mayActForOthers, team, ...data } = command.data;
      requireOpen(state, data.taskId, command.data);
      // A meeting keeps its length when only the start moves.
      // A meeting keeps its length, and a reminder its lead time, when only the start moves.
      const shifted = (at: string | undefined) => (at === undefined ? undefined : new Date(Date.parse(at) - Date.parse(state.dueAt) + Date.parse(data.dueAt)).toISOString());
      const endsAt = data.endsAt ?? shifted(state.endsAt);
      const remindAt = data.remindAt ?? shifted(state.remindAt);
      checkTimes(state.kind, data.dueAt, endsAt, remindAt);
      if (Date.parse(data.dueAt) === Date.parse(state.dueAt) && endsAt === state.endsAt && remindAt === state.remindAt) return [];
      return [{ type: 'TaskRescheduled', data: { ...data, customerId: state.customerId, ...(endsAt !== undefined && { endsAt }), ...(remindAt !== undefined && { remindAt }) } }];
    }
    case 'ReassignTask': {
      const { actor, mayActForOthers, team, ...data } = command.data;
      requireOpen(state, data.taskId, command.data);
      // A team member's task (a manager's doing) is handed on within the team or to the manager; one's own, to anyone.
      if (!mayActForOthers && state.assignee !== actor && data.assignee !== actor && !(team ?? []).includes(data.assignee))
        throw forbidden('not_in_team', `${data.assignee} is not in a team ${actor} manages`, 'assignee');
      if (data.assignee === state.assignee) return [];
      return [{ type: 'TaskReassigned', data: { ...data, customerId: state.customerId } }];
    }
    case 'CompleteTask': {
      const { actor, mayActForOthers, team, ...data } = command.data;
      requireOpen(state, data.taskId, command.data);
      return [{ type: 'TaskCompleted', data: { ...data, customerId: state.customerId } }];
    }
    case 'CancelTask': {
      const { actor, mayActForOthers, team, ...data } = command.data;
      requireOpen(state, data.taskId, command.data);
      return [{ type: 'TaskCancelled', data: { ...data, customerId: state.customerId } }];
    }
  }
}

export function evolveTask(state: TaskState, event: TaskEvent): TaskState {
  switch (event.type) {
    case 'TaskCreated': {
      const { kind, customerId, assignee, dueAt, endsAt, remindAt } = event.data;
      return { status: 'open', kind, customerId, assignee, dueAt, ...(endsAt !== undefined && { endsAt }), ...(remindAt !== undefined && { remindAt }) };
    }
    case 'TaskRescheduled': {
      const { dueAt, endsAt, remindAt } = event.data;
      const { endsAt: _e, remindAt: _r, ...rest } = state;
      return { ...rest, dueAt, ...(endsAt !== undefined && { endsAt }), ...(remindAt !== undefined && { remindAt }) };
    }
    case 'TaskReassigned':
      return { ...state, assignee: event.data.assignee };
    case 'TaskCompleted':
      return { ...state, status: 'done' };
    case 'TaskCancelled':
      return { ...state, status: 'cancelled' };
  }
}

export const taskDecider: Decider<TaskCommand, TaskState, TaskEvent> = {
  decide: decideTask,
  evolve: evolveTask,
  initialState: initialTaskState,
};

export const taskStreamId = (taskId: string) => `task-${taskId}`;

/**
 * A task is planned on a customer that takes commands (not erased, not merged into another) and, when it names a
 * deal, on one of that customer's deals.
 */
export function assertTaskSubject(customer: { status: string; mergedInto?: { survivorId: string } }, customerId: string, deal?: { status: string; customerId?: string }, dealId?: string): void {
  if (customer.status !== 'active') throw notFound('customer_not_found', `customer ${customerId} does not exist`, 'customerId');
  if (customer.mergedInto) throw conflict('customer_merged', `customer ${customerId} was merged into ${customer.mergedInto.survivorId}; plan the task for ${customer.mergedInto.survivorId}`, 'customerId');
  if (dealId === undefined) return;
  if (!deal || deal.status === 'unknown') throw notFound('deal_not_found', `deal ${dealId} does not exist`, 'dealId');
  if (deal.customerId !== customerId) throw ruleViolated('deal_of_another_customer', `deal ${dealId} belongs to customer ${deal.customerId}`, 'dealId');
}
