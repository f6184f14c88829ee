import { DomainError, taskDecider, type DomainErrorKind, type TaskCommand, type TaskCreated, type TaskEvent } from '@touchpoint/domain';
import { DeciderSpecification } from '@touchpoint/testing/decider-specification';

const TASK = '00000000-0000-4000-8000-0000000000a1';
const CUSTOMER = '00000000-0000-4000-8000-0000000000c1';
const AT = '2026-03-02T10:00:00.000Z';
const ANNA = { actor: 'sales.anna', mayActForOthers: false };
const ADMIN = { actor: 'admin.olga', mayActForOthers: true };

const spec = DeciderSpecification.for(taskDecider);
const domainError =
  (kind: DomainErrorKind, code: string, field?: string) =>
  (error: unknown): void => {
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ kind, code, ...(field !== undefined && { field }) });
  };

const createdData: TaskCreated['data'] = {
  taskId: TASK,
  customerId: CUSTOMER,
  kind: 'meeting',
  title: 'Demo at the office',
  assignee: 'sales.anna',
  priority: 'normal',
  dueAt: '2026-03-04T10:00:00.000Z',
  endsAt: '2026-03-04T11:30:00.000Z',
  remindAt: '2026-03-04T09:45:00.000Z',
  occurredAt: AT,
};
const created: TaskEvent = { type: 'TaskCreated', data: createdData };
const create = (data: Partial<TaskCreated['data']> = {}, acting = ANNA): TaskCommand => ({ type: 'CreateTask', data: { ...createdData, ...data, ...acting } });
const reschedule = (dueAt: string, more: { endsAt?: string; remindAt?: string } = {}, acting = ANNA): TaskCommand => ({ type: 'RescheduleTask', data: { taskId: TASK, dueAt, ...more, occurredAt: AT, ...acting } });
const complete = (acting = ANNA): TaskCommand => ({ type: 'CompleteTask', data: { taskId: TASK, outcome: 'Signed', occurredAt: AT, ...acting } });
const cancel = (acting = ANNA): TaskCommand => ({ type: 'CancelTask', data: { taskId: TASK, reason: 'Customer cancelled', occurredAt: AT, ...acting } });
const done: TaskEvent = { type: 'TaskCompleted', data: { taskId: TASK, customerId: CUSTOMER, outcome: 'Signed', occurredAt: AT } };

describe('task decider', () => {
  describe('CreateTask', () => {
    it('records TaskCreated for the caller\'s own task', () => {
      spec.given([]).when(create()).then([created]);
    });
    it('lets an admin (or the follow-up process) plan for someone else, and refuses a seller that', () => {
      spec.given([]).when(create({ assignee: 'sales.boris' }, ADMIN)).then([{ type: 'TaskCreated', data: { ...createdData, assignee: 'sales.boris' } }]);
      spec.given([]).when(create({ assignee: 'sales.boris' })).thenThrows(domainError('forbidden', 'not_own_task', 'assignee'));
    });
    it('refuses a slot that ends before it starts, a slot on anything but a meeting, a reminder after the due time, and a second creation', () => {
      spec.given([]).when(create({ endsAt: '2026-03-04T09:00:00.000Z' })).thenThrows(domainError('rule_violated', 'invalid_slot', 'endsAt'));
      spec.given([]).when(create({ kind: 'call' })).thenThrows(domainError('rule_violated', 'slot_not_allowed', 'endsAt'));
      spec.given([]).when(create({ remindAt: '2026-03-04T10:01:00.000Z' })).thenThrows(domainError('rule_violated', 'invalid_reminder', 'remindAt'));
      spec.given([created]).when(create()).thenThrows(domainError('conflict', 'task_exists', 'taskId'));
    });
  });

  describe('RescheduleTask', () => {
    it('moves the task; a meeting keeps its length and the reminder its lead time', () => {
      spec
        .given([created])
        .when(reschedule('2026-03-05T14:00:00.000Z'))
        .then([{ type: 'TaskRescheduled', data: { taskId: TASK, customerId: CUSTOMER, dueAt: '2026-03-05T14:00:00.000Z', endsAt: '2026-03-05T15:30:00.000Z', remindAt: '2026-03-05T13:45:00.000Z', occurredAt: AT } }]);
    });
    it('records nothing when nothing changes', () => {
      spec.given([created]).when(reschedule(createdData.dueAt)).then([]);
    });
    it('refuses to move a done task, an unknown task, and someone else\'s task', () => {
      spec.given([created, done]).when(reschedule('2026-03-05T14:00:00.000Z')).thenThrows(domainError('conflict', 'task_closed', 'taskId'));
      spec.given([]).when(reschedule('2026-03-05T14:00:00.000Z')).thenThrows(domainError('not_found', 'task_not_found', 'taskId'));
      spec.given([created]).when(reschedule('2026-03-05T14:00:00.000Z', {}, { actor: 'sales.boris', mayActForOthers: false })).thenThrows(domainError('forbidden', 'not_task_assignee', 'taskId'));
    });
    it('gives a slot only to a meeting, on a reschedule too', () => {
      const call: TaskEvent = { type: 'TaskCreated', data: { ...createdData, kind: 'call', endsAt: undefined } };
      delete (call.data as { endsAt?: string }).endsAt;
      spec.given([call]).when(reschedule('2026-03-05T14:00:00.000Z', { endsAt: '2026-03-05T15:00:00.000Z' })).thenThrows(domainError('rule_violated', 'slot_not_allowed', 'endsAt'));
    });
    it('refuses a new end before the new start', () => {
      spec.given([created]).when(reschedule('2026-03-05T14:00:00.000Z', { endsAt: '2026-03-05T13:00:00.000Z' })).thenThrows(domainError('rule_violated', 'invalid_slot', 'endsAt'));
    });
  });

  describe('ReassignTask, CompleteTask, CancelTask', () => {
    it('hands the task over (admin), records nothing for the same assignee', () => {
      spec.given([created]).when({ type: 'ReassignTask', data: { taskId: TASK, assignee: 'sales.boris', occurredAt: AT, ...ADMIN } }).then([{ type: 'TaskReassigned', data: { taskId: TASK, customerId: CUSTOMER, assignee: 'sales.boris', occurredAt: AT } }]);
      spec.given([created]).when({ type: 'ReassignTask', data: { taskId: TASK, assignee: 'sales.anna', occurredAt: AT, ...ADMIN } }).then([]);
    });
    it('completes and cancels an open task once; a closed task takes neither again', () => {
      spec.given([created]).when(complete()).then([done]);
      spec.given([created]).when(cancel()).then([{ type: 'TaskCancelled', data: { taskId: TASK, customerId: CUSTOMER, reason: 'Customer cancelled', occurredAt: AT } }]);
      spec.given([created, done]).when(complete()).thenThrows(domainError('conflict', 'task_closed', 'taskId'));
      spec.given([created, done]).when(cancel(ADMIN)).thenThrows(domainError('conflict', 'task_closed', 'taskId'));
    });
    it('after a hand-over, the new assignee may finish it and the old one may not', () => {
      const reassigned: TaskEvent = { type: 'TaskReassigned', data: { taskId: TASK, customerId: CUSTOMER, assignee: 'sales.boris', occurredAt: AT } };
      spec.given([created, reassigned]).when(complete()).thenThrows(domainError('forbidden', 'not_task_assignee', 'taskId'));
      spec.given([created, reassigned]).when(complete({ actor: 'sales.boris', mayActForOthers: false })).then([done]);
    });
  });

  describe('a manager (acting for the sellers of the teams they manage)', () => {
    const OLHA = { actor: 'sales.olha', mayActForOthers: false, team: ['sales.anna', 'sales.boris'] };
    it('plans for and changes the work of a team member, but not of anyone else', () => {
      spec.given([]).when(create({}, OLHA)).then([created]);
      spec.given([]).when(create({ assignee: 'sales.vira' }, OLHA)).thenThrows(domainError('forbidden', 'not_own_task', 'assignee'));
      spec.given([created]).when(complete(OLHA)).then([done]);
      const viras: TaskEvent = { type: 'TaskCreated', data: { ...createdData, assignee: 'sales.vira' } };
      spec.given([viras]).when(complete(OLHA)).thenThrows(domainError('forbidden', 'not_task_assignee', 'taskId'));
    });
    it('hands a team member\'s task on within the team or to themselves, not outside it', () => {
      const reassign = (assignee: string): TaskCommand => ({ type: 'ReassignTask', data: { taskId: TASK, assignee, occurredAt: AT, ...OLHA } });
      spec.given([created]).when(reassign('sales.boris')).then([{ type: 'TaskReassigned', data: { taskId: TASK, customerId: CUSTOMER, assignee: 'sales.boris', occurredAt: AT } }]);
      spec.given([created]).when(reassign('sales.olha')).then([{ type: 'TaskReassigned', data: { taskId: TASK, customerId: CUSTOMER, assignee: 'sales.olha', occurredAt: AT } }]);
      spec.given([created]).when(reassign('sales.vira')).thenThrows(domainError('forbidden', 'not_in_team', 'assignee'));
    });
  });
});
