import { ERASED, type TaskCreated, type TaskPriority } from '@touchpoint/domain';
import type { Document } from '../store/port';
import type { DocumentAccess, ProjectedEvent, Projection } from './types';

/**
 * Tasks as the sales desk reads them, and the inbound contacts still waiting for an answer (the follow-up process
 * reads those). Both are pure folds of events; "overdue" and "too long without an answer" are decided by the reader's
 * clock, never stored.
 */
export const TASKS = 'tasks';
export const FOLLOW_UPS = 'follow_ups';
const WAITING = 'follow_up_customers';

/** A task as its events leave it: TaskCreated's fields (as last rescheduled or reassigned), its status and life. */
export type TaskDoc = Document &
  Omit<TaskCreated['data'], 'occurredAt'> & {
    /** sortable priority: high 0, normal 1, low 2 */
    rank: number;
    status: 'open' | 'done' | 'cancelled';
    createdAt: string;
    createdBy: string;
    closedAt?: string;
    outcome?: string;
    cancelReason?: string;
    /** events applied: the calendar feed's SEQUENCE */
    revisions: number;
  };

/** An inbound contact nobody has answered yet. */
export interface FollowUpDoc extends Document {
  customerId: string;
  /** the contact's event and type, which the follow-up task names as its cause */
  eventId: string;
  type: 'TouchpointRecorded' | 'ComplaintFiled';
  /** business time of the contact: the answer window runs from it */
  at: string;
  /** call, email, chat …; 'complaint' for a complaint */
  touchpointType: string;
  channel: string;
  complaintId?: string;
  /** the contact's correlation id, carried by the follow-up task */
  correlationId?: string;
}

interface WaitingDoc extends Document {
  /** follow-up ids (the contacts' event ids) still waiting, per customer */
  waiting: string[];
}

const RANK: Record<TaskPriority, number> = { high: 0, normal: 1, low: 2 };
/** Inbound contacts that expect an answer (a web visit or a meeting does not). */
const WATCHED = new Set(['call', 'email', 'chat', 'sms', 'letter', 'fax']);

export function evolveTask(doc: TaskDoc | undefined, event: ProjectedEvent): TaskDoc | undefined {
  if (event.type === 'TaskCreated') {
    const { occurredAt, ...t } = event.data;
    return { _id: t.taskId, _position: event.globalPosition, ...t, rank: RANK[t.priority], status: 'open', createdAt: occurredAt, createdBy: event.metadata.actor, revisions: 1 };
  }
  if (!doc) return doc;
  const d = { ...doc, _position: event.globalPosition, revisions: doc.revisions + 1 };
  switch (event.type) {
    case 'TaskRescheduled': {
      const { endsAt: _e, remindAt: _r, ...rest } = d;
      const { dueAt, endsAt, remindAt } = event.data;
      return { ...rest, dueAt, ...(endsAt !== undefined && { endsAt }), ...(remindAt !== undefined && { remindAt }) };
    }
    case 'TaskReassigned':
      return { ...d, assignee: event.data.assignee };
    case 'TaskCompleted':
      return { ...d, status: 'done', closedAt: event.data.occurredAt, ...(event.data.outcome !== undefined && { outcome: event.data.outcome }) };
    case 'TaskCancelled':
      return { ...d, status: 'cancelled', closedAt: event.data.occurredAt, ...(event.data.reason !== undefined && { cancelReason: event.data.reason }) };
    default:
      return doc;
  }
}

/** The task with every personal field read as erased (what replaying the erased events gives). */
export function scrubTask(doc: TaskDoc): TaskDoc {
  const out = { ...doc, title: ERASED };
  if (out.notes !== undefined) out.notes = ERASED;
  if (out.outcome !== undefined) out.outcome = ERASED;
  if (out.cancelReason !== undefined) out.cancelReason = ERASED;
  return out;
}

type Waiting = Pick<FollowUpDoc, 'customerId' | 'type' | 'at' | 'touchpointType' | 'channel' | 'complaintId'>;

function wait(docs: DocumentAccess, event: ProjectedEvent, followUp: Waiting): void {
  docs.update<FollowUpDoc>(FOLLOW_UPS, event.eventId, () => ({ _id: event.eventId, _position: event.globalPosition, eventId: event.eventId, correlationId: event.metadata.correlationId, ...followUp }));
  docs.update<WaitingDoc>(WAITING, followUp.customerId, (w) => ({ _id: followUp.customerId, _position: event.globalPosition, waiting: [...(w?.waiting ?? []), event.eventId] }));
}

/** Ends the wait of the customer's contacts that `answers` picks. */
function answer(docs: DocumentAccess, event: ProjectedEvent, customerId: string, answers: (f: FollowUpDoc) => boolean): void {
  const w = docs.read<WaitingDoc>(WAITING, customerId);
  if (!w) return;
  const still = w.waiting.filter((id) => {
    const f = docs.read<FollowUpDoc>(FOLLOW_UPS, id);
    if (f && !answers(f)) return true;
    if (f) docs.remove(FOLLOW_UPS, id);
    return false;
  });
  if (still.length === w.waiting.length) return;
  if (still.length === 0) docs.remove(WAITING, customerId);
  else docs.update<WaitingDoc>(WAITING, customerId, () => ({ ...w, _position: event.globalPosition, waiting: still }));
}

/**
 * Which inbound contacts wait for an answer. Watched: an inbound call, email, chat, SMS, letter or fax, and a filed
 * complaint, recorded live (an import's history is not watched: its answers, if any, were never recorded). Answered:
 * by any outbound touchpoint to the customer after it, a complaint also by its resolution, and any contact by a task
 * created for it (by the follow-up process or by a person).
 */
export function applyFollowUps(event: ProjectedEvent, docs: DocumentAccess): void {
  if (typeof event.metadata.source === 'string' || event.metadata.reassignedBy !== undefined) return;
  switch (event.type) {
    case 'TouchpointRecorded': {
      const t = event.data;
      if (t.direction === 'inbound') {
        if (WATCHED.has(t.touchpointType)) wait(docs, event, { customerId: t.customerId, type: 'TouchpointRecorded', at: t.occurredAt, touchpointType: t.touchpointType, channel: t.channel });
        return;
      }
      answer(docs, event, t.customerId, (f) => f.at <= t.occurredAt);
      return;
    }
    case 'ComplaintFiled': {
      const c = event.data;
      wait(docs, event, { customerId: c.customerId, type: 'ComplaintFiled', at: c.occurredAt, touchpointType: 'complaint', channel: c.channel, complaintId: c.complaintId });
      return;
    }
    case 'ComplaintResolved':
      answer(docs, event, event.data.customerId, (f) => f.complaintId === event.data.complaintId);
      return;
    case 'TaskCreated': {
      // By the contact itself: the task may be on another record than the contact (a merged customer's survivor).
      const cause = event.data.causedBy?.eventId;
      const contact = cause === undefined ? undefined : docs.read<FollowUpDoc>(FOLLOW_UPS, cause);
      if (contact) answer(docs, event, contact.customerId, (f) => f.eventId === cause);
      return;
    }
    case 'CustomerUnmerged': {
      // Touchpoints an undo gave back: the originals stop waiting on the survivor; their copies on the duplicate are
      // recorded again with the undo's metadata (`reassignedBy`) and are not watched anew.
      const moved = new Set(event.data.reassignedEventIds ?? []);
      if (moved.size > 0 && event.data.customerId === event.data.survivorId) answer(docs, event, event.data.customerId, (f) => moved.has(f.eventId));
      return;
    }
    case 'CustomerErased':
      answer(docs, event, event.data.customerId, () => true);
      return;
    default:
  }
}

export const tasksProjection: Projection = {
  name: 'tasks',
  collections: [
    {
      name: TASKS,
      // Updated in place (a task moves, is reassigned, closes): the projector keeps the documents it updates.
      cached: true,
      fields: {
        assignee: { path: 'assignee', type: 'string' },
        status: { path: 'status', type: 'string' },
        dueAt: { path: 'dueAt', type: 'string' },
        customerId: { path: 'customerId', type: 'string' },
        dealId: { path: 'dealId', type: 'string' },
        kind: { path: 'kind', type: 'string' },
        rank: { path: 'rank', type: 'number' },
      },
      indexes: [['assignee', 'status', 'dueAt'], ['customerId', 'status', 'dueAt'], ['status', 'dueAt']],
    },
    {
      name: FOLLOW_UPS,
      cached: true,
      fields: { at: { path: 'at', type: 'string' }, customerId: { path: 'customerId', type: 'string' } },
      indexes: [['at']],
    },
    { name: WAITING, cached: true, fields: {}, indexes: [] },
  ],
  handles: new Set(['TaskCreated', 'TaskRescheduled', 'TaskReassigned', 'TaskCompleted', 'TaskCancelled', 'TouchpointRecorded', 'ComplaintFiled', 'ComplaintResolved', 'CustomerErased', 'CustomerUnmerged']),
  apply(event: ProjectedEvent, docs: DocumentAccess): void {
    if (event.type.startsWith('Task')) docs.update<TaskDoc>(TASKS, (event.data as { taskId: string }).taskId, (doc) => evolveTask(doc, event));
    applyFollowUps(event, docs);
  },
  needs(event: ProjectedEvent): Array<[string, string]> {
    const data = event.data as { taskId?: string; customerId?: string };
    return [...(event.type.startsWith('Task') && data.taskId ? [[TASKS, data.taskId] as [string, string]] : []), ...(data.customerId ? [[WAITING, data.customerId] as [string, string]] : [])];
  },
  erase: [{ collection: TASKS, field: 'customerId', scrub: (doc) => scrubTask(doc as TaskDoc) }],
};
