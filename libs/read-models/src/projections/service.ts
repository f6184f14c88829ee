import { own } from '@touchpoint/domain';
import type { Document } from '../store/port';
import type { DocumentAccess, ProjectedEvent, Projection } from './types';
import { msBetween } from './types';

export interface CategoryStats {
  filed: number;
  open: number;
  resolved: number;
  escalated: number;
  /** sum over resolved complaints, for the mean */
  resolutionMsTotal: number;
  satisfaction: { count: number; sum: number; histogram: Record<string, number> };
  bySeverity: Record<string, number>;
}

/** Service (complaints handled to resolution), self-contained so each event updates it alone. */
export interface ServiceDoc extends Document {
  open: Record<string, { category: string; filedAt: string; escalated: boolean }>;
  categories: Record<string, CategoryStats>;
}

export const SERVICE = 'service';
export const SERVICE_ID = 'service';

const emptyCategory = (): CategoryStats => ({ filed: 0, open: 0, resolved: 0, escalated: 0, resolutionMsTotal: 0, satisfaction: { count: 0, sum: 0, histogram: {} }, bySeverity: {} });

/** Updates the service document in place (it holds every open complaint; see evolvePipeline). */
export function evolveService(doc: ServiceDoc | undefined, event: ProjectedEvent): ServiceDoc {
  const s = doc ?? { _id: SERVICE_ID, _position: 0, open: {}, categories: {} };
  s._position = event.globalPosition;
  const openKey = (customerId: string, complaintId: string) => `${customerId}/${complaintId}`;
  switch (event.type) {
    case 'ComplaintFiled': {
      const e = event.data;
      let c = own(s.categories, e.category);
      if (!c) {
        c = emptyCategory();
        // defineProperty: a category named "__proto__" must become a key, not a prototype.
        Object.defineProperty(s.categories, e.category, { value: c, enumerable: true, writable: true, configurable: true });
      }
      s.open[openKey(e.customerId, e.complaintId)] = { category: e.category, filedAt: e.occurredAt, escalated: false };
      c.filed += 1;
      c.open += 1;
      c.bySeverity[e.severity] = (c.bySeverity[e.severity] ?? 0) + 1;
      return s;
    }
    case 'ComplaintEscalated': {
      const entry = own(s.open, openKey(event.data.customerId, event.data.complaintId));
      if (!entry || entry.escalated) return s;
      entry.escalated = true;
      s.categories[entry.category].escalated += 1;
      return s;
    }
    case 'ComplaintResolved': {
      const key = openKey(event.data.customerId, event.data.complaintId);
      const entry = own(s.open, key);
      if (!entry) return s;
      delete s.open[key];
      const c = s.categories[entry.category];
      const score = String(event.data.satisfaction);
      c.open -= 1;
      c.resolved += 1;
      c.resolutionMsTotal += Math.max(0, msBetween(entry.filedAt, event.data.occurredAt));
      c.satisfaction.count += 1;
      c.satisfaction.sum += event.data.satisfaction;
      c.satisfaction.histogram[score] = (c.satisfaction.histogram[score] ?? 0) + 1;
      return s;
    }
    default:
      return s;
  }
}

export const serviceProjection: Projection = {
  name: 'service',
  collections: [{ name: SERVICE, cached: true, fields: {}, indexes: [] }],
  handles: new Set(['ComplaintFiled', 'ComplaintEscalated', 'ComplaintResolved']),
  apply(event: ProjectedEvent, docs: DocumentAccess): void {
    docs.update<ServiceDoc>(SERVICE, SERVICE_ID, (doc) => evolveService(doc, event));
  },
};
