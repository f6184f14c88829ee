import type { DomainEvent } from '@touchpoint/domain';
import { FOLLOW_UPS, TASKS, tasksProjection, type DocumentAccess, type FollowUpDoc, type ProjectedEvent, type TaskDoc } from '@touchpoint/read-models';
import type { Document } from '../store/port';

/** In-memory document access, as the projector gives it. */
function memoryDocs() {
  const collections = new Map<string, Map<string, Document>>();
  const of = (c: string) => collections.get(c) ?? collections.set(c, new Map()).get(c)!;
  const docs: DocumentAccess = {
    update: (c, id, evolve) => {
      const next = evolve(of(c).get(id) as never);
      if (next) of(c).set(id, next);
    },
    read: (c, id) => of(c).get(id) as never,
    remove: (c, id) => void of(c).delete(id),
  };
  return { docs, all: <D>(c: string) => [...of(c).values()] as D[] };
}

let position = 0;
const at = (e: DomainEvent, metadata: Record<string, unknown> = {}): ProjectedEvent =>
  ({ ...e, eventId: `e${++position}`, streamId: 's', streamRevision: 0, globalPosition: position, recordedAt: '2026-03-02T10:00:00.000Z', metadata: { actor: 'agent', correlationId: 'c', causationId: 'c', ...metadata } }) as ProjectedEvent;
const C = 'cust-1';
const inbound = (type: string, occurredAt: string, direction = 'inbound'): DomainEvent =>
  ({ type: 'TouchpointRecorded', data: { customerId: C, touchpointId: `t${position}`, touchpointType: type, channel: type === 'call' ? 'phone' : type, direction, agent: 'a', occurredAt } }) as DomainEvent;

describe('tasks projection: contacts waiting for an answer', () => {
  it('watches live inbound calls, emails and complaints; an outbound touchpoint answers what came before it', () => {
    const { docs, all } = memoryDocs();
    const apply = (e: ProjectedEvent) => tasksProjection.apply(e, docs);
    apply(at(inbound('call', '2026-03-02T09:00:00.000Z')));
    apply(at(inbound('web_visit', '2026-03-02T09:05:00.000Z'))); // a visit expects no answer
    apply(at(inbound('email', '2026-03-02T09:10:00.000Z'), { source: 'legacy-crm', sourceId: '17' })); // imported history
    apply(at({ type: 'ComplaintFiled', data: { customerId: C, complaintId: 'K1', category: 'delivery', severity: 'high', channel: 'email', description: 'Late', occurredAt: '2026-03-02T09:20:00.000Z' } }));
    expect(all<FollowUpDoc>(FOLLOW_UPS).map((f) => f.touchpointType)).toEqual(['call', 'complaint']);
    apply(at(inbound('email', '2026-03-02T09:15:00.000Z', 'outbound')));
    // The reply at 09:15 answers the call at 09:00, not the complaint filed at 09:20.
    expect(all<FollowUpDoc>(FOLLOW_UPS).map((f) => f.touchpointType)).toEqual(['complaint']);
    apply(at({ type: 'ComplaintResolved', data: { customerId: C, complaintId: 'K1', resolution: 'Refund', satisfaction: 4, occurredAt: '2026-03-02T12:00:00.000Z' } }));
    expect(all(FOLLOW_UPS)).toEqual([]);
  });

  it('a task caused by a contact ends its wait; erasure ends every wait of the customer and scrubs the tasks', () => {
    const { docs, all } = memoryDocs();
    const apply = (e: ProjectedEvent) => tasksProjection.apply(e, docs);
    const call = at(inbound('call', '2026-03-02T09:00:00.000Z'));
    apply(call);
    apply(at(inbound('sms', '2026-03-02T09:30:00.000Z')));
    apply(at({ type: 'TaskCreated', data: { taskId: 'T1', customerId: C, kind: 'call', title: 'Call Olena back', assignee: 'anna', priority: 'normal', dueAt: '2026-03-03T09:00:00.000Z', causedBy: { eventId: call.eventId, type: 'TouchpointRecorded' }, occurredAt: '2026-03-03T09:00:00.000Z' } }));
    expect(all<FollowUpDoc>(FOLLOW_UPS).map((f) => f.touchpointType)).toEqual(['sms']);
    expect(all<TaskDoc>(TASKS)[0]).toMatchObject({ taskId: 'T1', status: 'open', rank: 1, revisions: 1 });
    apply(at({ type: 'CustomerErased', data: { customerId: C, occurredAt: '2026-03-04T00:00:00.000Z' } }));
    expect(all(FOLLOW_UPS)).toEqual([]);
    const scrubbed = tasksProjection.erase![0].scrub(all<TaskDoc>(TASKS)[0]);
    expect(scrubbed).toMatchObject({ title: '[erased]', assignee: 'anna' });
  });

  it('a task for a contact on another record (a merged customer’s survivor) ends that contact’s wait', () => {
    const { docs, all } = memoryDocs();
    const apply = (e: ProjectedEvent) => tasksProjection.apply(e, docs);
    const call = at(inbound('call', '2026-03-02T09:00:00.000Z'));
    apply(call);
    apply(at({ type: 'TaskCreated', data: { taskId: 'T9', customerId: 'survivor', kind: 'call', title: 'Call back', assignee: 'anna', priority: 'normal', dueAt: '2026-03-03T09:00:00.000Z', causedBy: { eventId: call.eventId, type: 'TouchpointRecorded' }, occurredAt: '2026-03-03T09:00:00.000Z' } }));
    expect(all(FOLLOW_UPS)).toEqual([]);
  });

  it('touchpoints given back by an undo stop waiting on the survivor, and their copies on the duplicate are not watched anew', () => {
    const { docs, all } = memoryDocs();
    const apply = (e: ProjectedEvent, metadata: Record<string, unknown> = {}) => tasksProjection.apply({ ...e, metadata: { ...e.metadata, ...metadata } }, docs);
    const original = at(inbound('call', '2026-03-02T09:00:00.000Z'));
    apply(original);
    apply(at({ type: 'CustomerUnmerged', data: { customerId: C, mergeId: 'm1', survivorId: C, duplicateId: 'dup', reason: 'two people', occurredAt: '2026-03-02T10:00:00.000Z', reassignedEventIds: [original.eventId] } }));
    expect(all(FOLLOW_UPS)).toEqual([]);
    const copy = at({ ...inbound('call', '2026-03-02T09:00:00.000Z'), data: { ...(inbound('call', '2026-03-02T09:00:00.000Z').data as object), customerId: 'dup' } } as DomainEvent);
    apply(copy, { reassignedBy: 'm1' });
    expect(all(FOLLOW_UPS)).toEqual([]);
  });
});
