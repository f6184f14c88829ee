import type { ComplaintSeverity, CustomerEvent } from '@touchpoint/domain';
import { evolveService, serviceSummary, SERVICE_ID, serviceProjection, type ProjectedEvent, type ServiceDoc } from '@touchpoint/read-models';

// ---------------------------------------------------------------- helpers

/** Wraps domain events into the projector's envelope with increasing log positions. */
function logOf() {
  let position = 0;
  return (event: CustomerEvent): ProjectedEvent => {
    position += 1;
    return {
      ...event,
      eventId: `evt-${position}`,
      streamId: `customer-${event.data.customerId}`,
      streamRevision: position - 1,
      globalPosition: position,
      recordedAt: new Date(Date.UTC(2026, 0, 1) + position * 1000).toISOString(),
      metadata: { actor: 'agent:maria', correlationId: `corr-${position}`, causationId: `cmd-${position}` },
    } as ProjectedEvent;
  };
}

function project(events: CustomerEvent[]): ServiceDoc {
  const wrap = logOf();
  return events.reduce<ServiceDoc | undefined>((doc, e) => evolveService(doc, wrap(e)), undefined) as ServiceDoc;
}

const HOUR = 3_600_000;
const T0 = Date.parse('2026-02-02T08:00:00.000Z');
const h = (hours: number) => new Date(T0 + hours * HOUR).toISOString();

const filed = (customerId: string, complaintId: string, category: string, severity: ComplaintSeverity, atHour: number): CustomerEvent => ({
  type: 'ComplaintFiled',
  data: { customerId, complaintId, category, severity, channel: 'email', description: '…', occurredAt: h(atHour) },
});
const escalated = (customerId: string, complaintId: string, level: number, atHour: number): CustomerEvent => ({
  type: 'ComplaintEscalated',
  data: { customerId, complaintId, level, reason: 'slow', occurredAt: h(atHour) },
});
const resolved = (customerId: string, complaintId: string, satisfaction: number, atHour: number): CustomerEvent => ({
  type: 'ComplaintResolved',
  data: { customerId, complaintId, resolution: 'done', satisfaction, occurredAt: h(atHour) },
});

/**
 * delivery: k1 (high) escalated twice, resolved after 6 h with 4/5; k2 (low) resolved after 24 h with 2/5;
 *           k3 (medium) escalated once, still open.
 * billing:  k4 (critical) resolved after 3 h with 5/5; another customer's "k1" (low) still open.
 */
const EVENTS: CustomerEvent[] = [
  filed('c1', 'k1', 'delivery', 'high', 0),
  filed('c1', 'k2', 'delivery', 'low', 1),
  filed('c1', 'k3', 'delivery', 'medium', 2),
  filed('c1', 'k4', 'billing', 'critical', 3),
  filed('c2', 'k1', 'billing', 'low', 4),
  escalated('c1', 'k1', 1, 4),
  escalated('c1', 'k1', 2, 5),
  escalated('c1', 'k3', 1, 5),
  resolved('c1', 'k1', 4, 6),
  resolved('c1', 'k4', 5, 6),
  resolved('c1', 'k2', 2, 25),
];

// ---------------------------------------------------------------- evolveService

describe('evolveService', () => {
  it('handles the complaint events only', () => {
    expect([...serviceProjection.handles].sort()).toEqual(['ComplaintEscalated', 'ComplaintFiled', 'ComplaintResolved']);
  });

  it('keeps open complaints by customer and complaint id, and statistics per category', () => {
    const doc = project(EVENTS);
    expect(doc).toEqual<ServiceDoc>({
      _id: SERVICE_ID,
      _position: EVENTS.length,
      open: {
        'c1/k3': { category: 'delivery', filedAt: h(2), escalated: true },
        'c2/k1': { category: 'billing', filedAt: h(4), escalated: false },
      },
      categories: {
        delivery: {
          filed: 3,
          open: 1,
          resolved: 2,
          escalated: 2, // k1 twice counts once, k3 once
          resolutionMsTotal: 30 * HOUR, // 6 h + 24 h
          satisfaction: { count: 2, sum: 6, histogram: { '4': 1, '2': 1 } },
          bySeverity: { high: 1, low: 1, medium: 1 },
        },
        billing: {
          filed: 2,
          open: 1,
          resolved: 1,
          escalated: 0,
          resolutionMsTotal: 3 * HOUR,
          satisfaction: { count: 1, sum: 5, histogram: { '5': 1 } },
          bySeverity: { critical: 1, low: 1 },
        },
      },
    });
  });

  it('does not mix up equal complaint ids of different customers', () => {
    const doc = project([filed('c1', 'k1', 'delivery', 'low', 0), filed('c2', 'k1', 'billing', 'low', 0), resolved('c2', 'k1', 3, 2)]);
    expect(Object.keys(doc.open)).toEqual(['c1/k1']);
    expect(doc.categories.billing.resolved).toBe(1);
    expect(doc.categories.delivery.open).toBe(1);
  });

  it('ignores escalations and resolutions of complaints that are not open', () => {
    const base = [filed('c1', 'k1', 'delivery', 'low', 0), resolved('c1', 'k1', 3, 1)];
    const doc = project([...base, escalated('c1', 'k1', 1, 2), resolved('c1', 'k1', 1, 3), resolved('c1', 'k9', 1, 3), escalated('c9', 'k1', 1, 3)]);
    const reference = project(base);
    expect({ ...doc, _position: 0 }).toEqual({ ...reference, _position: 0 });
  });

  it('measures resolution time in business time and never below zero (a back-dated resolution)', () => {
    const doc = project([filed('c1', 'k1', 'delivery', 'low', 10), resolved('c1', 'k1', 3, 9)]);
    expect(doc.categories.delivery.resolutionMsTotal).toBe(0);
  });

  it('updates the document it was given in place (the projector owns it)', () => {
    const wrap = logOf();
    const doc = evolveService(undefined, wrap(filed('c1', 'k1', 'delivery', 'low', 0)));
    expect(evolveService(doc, wrap(resolved('c1', 'k1', 5, 1)))).toBe(doc);
    expect(doc.categories.delivery.resolved).toBe(1);
  });
});

// ---------------------------------------------------------------- serviceSummary

describe('serviceSummary', () => {
  it('reports each category (sorted by name) with mean hours to resolution and mean satisfaction', () => {
    expect(serviceSummary(project(EVENTS)).categories).toEqual([
      {
        category: 'billing',
        filed: 2,
        open: 1,
        resolved: 1,
        escalated: 0,
        meanHoursToResolution: 3,
        meanSatisfaction: 5,
        satisfactionHistogram: { '5': 1 },
        bySeverity: { critical: 1, low: 1 },
      },
      {
        category: 'delivery',
        filed: 3,
        open: 1,
        resolved: 2,
        escalated: 2,
        meanHoursToResolution: 15, // (6 + 24) / 2
        meanSatisfaction: 3, // (4 + 2) / 2
        satisfactionHistogram: { '4': 1, '2': 1 },
        bySeverity: { high: 1, low: 1, medium: 1 },
      },
    ]);
  });

  it('totals over all categories: means weighted by resolved complaints, rounded to two decimals', () => {
    expect(serviceSummary(project(EVENTS)).totals).toEqual({
      filed: 5,
      open: 2,
      resolved: 3,
      escalated: 2,
      meanHoursToResolution: 11, // (6 + 24 + 3) / 3
      meanSatisfaction: 3.67, // (4 + 2 + 5) / 3 = 3.666…
    });
  });

  it('rounds fractional hours to two decimals', () => {
    const doc = project([filed('c1', 'k1', 'x', 'low', 0), resolved('c1', 'k1', 5, 1 / 3)]);
    expect(serviceSummary(doc).categories[0].meanHoursToResolution).toBe(0.33);
  });

  it('has null means for categories without resolved complaints', () => {
    const summary = serviceSummary(project([filed('c1', 'k1', 'delivery', 'low', 0)]));
    expect(summary.categories[0]).toMatchObject({ filed: 1, open: 1, resolved: 0, meanHoursToResolution: null, meanSatisfaction: null, satisfactionHistogram: {} });
    expect(summary.totals).toEqual({ filed: 1, open: 1, resolved: 0, escalated: 0, meanHoursToResolution: null, meanSatisfaction: null });
  });

  it('is empty without a service document', () => {
    expect(serviceSummary(undefined)).toEqual({
      categories: [],
      totals: { filed: 0, open: 0, resolved: 0, escalated: 0, meanHoursToResolution: null, meanSatisfaction: null },
    });
  });
});
