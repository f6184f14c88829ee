/** What kind of work a task is: a call or email to make, a meeting (a time slot), or anything else to do. */
export type TaskKind = 'call' | 'email' | 'meeting' | 'todo';
export const TASK_KINDS: readonly TaskKind[] = ['call', 'email', 'meeting', 'todo'];
export type TaskPriority = 'low' | 'normal' | 'high';
export const TASK_PRIORITIES: readonly TaskPriority[] = ['low', 'normal', 'high'];

/** The touchpoint or complaint a task answers: set by the follow-up process, or by whoever created it. */
export interface TaskCause {
  eventId: string;
  type: string;
}

/**
 * A piece of planned work on a customer (and optionally one of its deals), in its own stream `task-<taskId>`.
 * `dueAt` is when it is due; a meeting also has `endsAt` (its slot is dueAt–endsAt).
 */
export type TaskCreated = {
  type: 'TaskCreated';
  data: {
    taskId: string;
    customerId: string;
    dealId?: string;
    kind: TaskKind;
    title: string;
    notes?: string;
    assignee: string;
    priority: TaskPriority;
    dueAt: string;
    endsAt?: string;
    /** when to remind the assignee (calendar alarm); at or before dueAt */
    remindAt?: string;
    causedBy?: TaskCause;
    occurredAt: string;
  };
};

export type TaskRescheduled = {
  type: 'TaskRescheduled';
  data: { taskId: string; customerId: string; dueAt: string; endsAt?: string; remindAt?: string; reason?: string; occurredAt: string };
};

export type TaskReassigned = {
  type: 'TaskReassigned';
  data: { taskId: string; customerId: string; assignee: string; occurredAt: string };
};

export type TaskCompleted = {
  type: 'TaskCompleted';
  data: { taskId: string; customerId: string; outcome?: string; occurredAt: string };
};

export type TaskCancelled = {
  type: 'TaskCancelled';
  data: { taskId: string; customerId: string; reason?: string; occurredAt: string };
};

export type TaskEvent = TaskCreated | TaskRescheduled | TaskReassigned | TaskCompleted | TaskCancelled;
