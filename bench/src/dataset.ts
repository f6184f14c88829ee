import {
  CHANNELS_BY_TOUCHPOINT,
  DomainError,
  EVENT_SCHEMA_VERSIONS,
  customerDecider,
  customerStreamId,
  dealDecider,
  dealStreamId,
  isDomainEventType,
  type CustomerCommand,
  type CustomerState,
  type DealCommand,
  type DealStage,
  type DealState,
  type TouchpointType,
} from '@touchpoint/domain';
import type { EventStore, NewEvent } from '@touchpoint/event-store';
import { Rng } from './prng';

/**
 * Realistic, seeded CRM history: customers registered over time, calls,
 * emails, web visits, orders with lines, returns, complaints, deals moving
 * through the pipeline, and one "whale" customer with a very long history.
 * Every event comes out of the real deciders, so the data obeys the domain rules.
 */
export interface DatasetOptions {
  seed: number;
  customers: number;
  /** events in total, the whale's included */
  events: number;
  /** events on customer 0 (the long-history customer) */
  whaleEvents: number;
  /** business time of the first event */
  start?: string;
  spanDays?: number;
}

export interface GeneratedEvent {
  streamId: string;
  type: string;
  data: Record<string, unknown>;
}

const AGENTS = ['alice', 'bohdan', 'chen', 'dara', 'emeka', 'farah', 'goran', 'hana'];
const FIRST = ['Olena', 'Marco', 'Aiko', 'Jonas', 'Priya', 'Lucas', 'Maja', 'Omar', 'Sofia', 'Tomasz', 'Ines', 'Kwame'];
const LAST = ['Kovalenko', 'Rossi', 'Tanaka', 'Berg', 'Sharma', 'Silva', 'Novak', 'Haddad', 'Garcia', 'Wojcik', 'Moreau', 'Mensah'];
const CITIES = ['Kyiv', 'Lviv', 'Berlin', 'Milan', 'Lisbon', 'Warsaw', 'Lyon', 'Porto'];
const CATEGORIES = ['delivery', 'billing', 'quality', 'service'];
const SUBJECTS = ['Follow-up', 'Quote request', 'Delivery question', 'Invoice', 'Product demo', 'Renewal', 'Support ticket'];
const STAGES: DealStage[] = ['lead', 'qualified', 'proposal', 'negotiation'];
const SKUS = Array.from({ length: 200 }, (_, i) => `SKU-${String(i + 1).padStart(4, '0')}`);

/** The customer ids of a dataset; customer 0 is the whale. Same options → same ids. */
export function datasetCustomerIds(options: Pick<DatasetOptions, 'seed' | 'customers'>): string[] {
  const rng = new Rng(options.seed ^ 0x5eed);
  return Array.from({ length: options.customers }, () => rng.uuid());
}

interface CustomerSim {
  id: string;
  state: CustomerState;
  currency: string;
  placed: string[];
  openComplaints: string[];
  openDeals: string[];
  orders: number;
  complaints: number;
}

/** Yields exactly `options.events` events, deterministic for a given set of options. */
export function* generateDataset(options: DatasetOptions): Generator<GeneratedEvent> {
  const rng = new Rng(options.seed);
  const ids = datasetCustomerIds(options);
  const total = options.events;
  const stepMs = ((options.spanDays ?? 730) * 86_400_000) / Math.max(1, total);
  let t = Date.parse(options.start ?? '2024-01-01T00:00:00.000Z');
  const registerEvery = Math.max(1, Math.floor((total * 0.5) / ids.length));
  const customers: CustomerSim[] = [];
  const deals = new Map<string, DealState>();
  let whaleLeft = options.whaleEvents;
  let emitted = 0;

  const runCustomer = (c: CustomerSim, command: CustomerCommand): GeneratedEvent[] => {
    try {
      const events = customerDecider.decide(command, c.state);
      for (const e of events) c.state = customerDecider.evolve(c.state, e);
      return events.map((e) => ({ streamId: customerStreamId(c.id), type: e.type, data: e.data as Record<string, unknown> }));
    } catch (error) {
      if (error instanceof DomainError) return []; // the simulation asked for something the rules refuse: skip it
      throw error;
    }
  };
  const runDeal = (dealId: string, command: DealCommand): GeneratedEvent[] => {
    try {
      let state = deals.get(dealId) ?? dealDecider.initialState();
      const events = dealDecider.decide(command, state);
      for (const e of events) state = dealDecider.evolve(state, e);
      deals.set(dealId, state);
      return events.map((e) => ({ streamId: dealStreamId(dealId), type: e.type, data: e.data as Record<string, unknown> }));
    } catch (error) {
      if (error instanceof DomainError) return [];
      throw error;
    }
  };

  const register = (id: string, at: string): GeneratedEvent[] => {
    const company = rng.chance(0.2);
    const first = rng.pick(FIRST);
    const last = rng.pick(LAST);
    const c: CustomerSim = { id, state: customerDecider.initialState(), currency: rng.chance(0.9) ? 'EUR' : 'USD', placed: [], openComplaints: [], openDeals: [], orders: 0, complaints: 0 };
    customers.push(c);
    return runCustomer(c, {
      type: 'RegisterCustomer',
      data: {
        customerId: id,
        kind: company ? 'company' : 'person',
        name: company ? `${last} ${rng.pick(['GmbH', 'Ltd', 'S.p.A.', 'TOV'])}` : `${first} ${last}`,
        email: `${first}.${last}.${customers.length}@example.com`.toLowerCase(),
        address: { line1: `${rng.int(1, 200)} Main Street`, city: rng.pick(CITIES), country: rng.pick(['UA', 'DE', 'IT', 'PT', 'PL', 'FR']) },
        ...(company && { company: `${last} Group` }),
        tags: rng.chance(0.3) ? ['newsletter'] : [],
        owner: rng.pick(AGENTS),
        occurredAt: at,
      },
    });
  };

  const touchpoint = (c: CustomerSim, at: string, type?: TouchpointType): GeneratedEvent[] => {
    const r = rng.next();
    const kind: TouchpointType = type ?? (r < 0.38 ? 'call' : r < 0.66 ? 'email' : r < 0.9 ? 'web_visit' : r < 0.95 ? 'meeting' : r < 0.99 ? 'chat' : 'sms');
    return runCustomer(c, {
      type: 'RecordTouchpoint',
      data: {
        customerId: c.id,
        touchpointId: rng.uuid(),
        touchpointType: kind,
        channel: rng.pick(CHANNELS_BY_TOUCHPOINT[kind]),
        direction: rng.chance(0.55) ? 'inbound' : 'outbound',
        agent: rng.pick(AGENTS),
        subject: rng.pick(SUBJECTS),
        ...(kind === 'call' && { durationSeconds: rng.int(30, 1800), outcome: rng.pick(['answered', 'voicemail', 'callback']) }),
        ...(kind === 'web_visit' && { url: `https://shop.example.com/p/${rng.pick(SKUS).toLowerCase()}` }),
        occurredAt: at,
      },
    });
  };

  const order = (c: CustomerSim, at: string): GeneratedEvent[] => {
    const skus = new Set<string>();
    const n = rng.int(1, 5);
    while (skus.size < n) skus.add(rng.pick(SKUS));
    const orderId = `O-${c.id.slice(0, 8)}-${++c.orders}`;
    const events = runCustomer(c, {
      type: 'PlaceOrder',
      data: {
        customerId: c.id,
        orderId,
        currency: c.currency,
        lines: [...skus].map((sku) => {
          const unitPrice = rng.int(500, 50_000);
          return { sku, quantity: rng.int(1, 5), unitPrice, unitCost: Math.round(unitPrice * (0.4 + rng.next() * 0.4)) };
        }),
        channel: rng.pick(['web', 'phone', 'in_person'] as const),
        occurredAt: at,
      },
    });
    if (events.length) c.placed.push(orderId);
    return events;
  };

  const afterSale = (c: CustomerSim, at: string): GeneratedEvent[] => {
    if (!c.placed.length) return touchpoint(c, at);
    const orderId = c.placed.splice(rng.int(0, c.placed.length - 1), 1)[0];
    return rng.chance(0.5)
      ? runCustomer(c, { type: 'CancelOrder', data: { customerId: c.id, orderId, reason: 'changed mind', occurredAt: at } })
      : runCustomer(c, { type: 'ReturnOrder', data: { customerId: c.id, orderId, reason: 'damaged', occurredAt: at } });
  };

  const complaint = (c: CustomerSim, at: string): GeneratedEvent[] => {
    if (c.openComplaints.length && rng.chance(0.6)) {
      const complaintId = c.openComplaints[0];
      if (rng.chance(0.3)) return runCustomer(c, { type: 'EscalateComplaint', data: { customerId: c.id, complaintId, reason: 'no answer in 48h', escalatedTo: 'team-lead', occurredAt: at } });
      c.openComplaints.shift();
      return runCustomer(c, { type: 'ResolveComplaint', data: { customerId: c.id, complaintId, resolution: 'refund issued', satisfaction: rng.int(1, 5), occurredAt: at } });
    }
    const complaintId = `C-${c.id.slice(0, 8)}-${++c.complaints}`;
    c.openComplaints.push(complaintId);
    return runCustomer(c, {
      type: 'FileComplaint',
      data: { customerId: c.id, complaintId, category: rng.pick(CATEGORIES), severity: rng.pick(['low', 'medium', 'high', 'critical'] as const), channel: rng.pick(['phone', 'email', 'chat'] as const), description: 'Parcel arrived late and damaged', occurredAt: at },
    });
  };

  const deal = (c: CustomerSim, at: string): GeneratedEvent[] => {
    if (c.openDeals.length < 3 && (c.openDeals.length === 0 || rng.chance(0.35))) {
      const dealId = rng.uuid();
      const close = new Date(Date.parse(at) + rng.int(30, 180) * 86_400_000).toISOString().slice(0, 10);
      const events = runDeal(dealId, {
        type: 'OpenDeal',
        data: { dealId, customerId: c.id, title: `${rng.pick(['Fleet', 'Renewal', 'Upgrade', 'Pilot'])} ${rng.int(1, 99)}`, amount: rng.int(100_000, 5_000_000), currency: c.currency, stage: 'lead', expectedCloseDate: close, owner: rng.pick(AGENTS), occurredAt: at },
      });
      if (events.length) c.openDeals.push(dealId);
      return events;
    }
    const dealId = rng.pick(c.openDeals);
    const state = deals.get(dealId) as DealState & { stage?: DealStage };
    const r = rng.next();
    if (r < 0.7) {
      const index = STAGES.indexOf(state.stage ?? 'lead');
      if (index < STAGES.length - 1) return runDeal(dealId, { type: 'ChangeDealStage', data: { dealId, stage: STAGES[index + 1], occurredAt: at } });
      c.openDeals = c.openDeals.filter((d) => d !== dealId);
      return rng.chance(0.55)
        ? runDeal(dealId, { type: 'WinDeal', data: { dealId, occurredAt: at } })
        : runDeal(dealId, { type: 'LoseDeal', data: { dealId, reason: 'price', competitor: 'Acme', occurredAt: at } });
    }
    if (r < 0.8) return runDeal(dealId, { type: 'ChangeDealAmount', data: { dealId, amount: rng.int(100_000, 5_000_000), occurredAt: at } });
    const close = new Date(Date.parse(at) + rng.int(30, 180) * 86_400_000).toISOString().slice(0, 10);
    return runDeal(dealId, { type: 'ChangeDealCloseDate', data: { dealId, expectedCloseDate: close, occurredAt: at } });
  };

  const profile = (c: CustomerSim, at: string): GeneratedEvent[] =>
    rng.chance(0.5)
      ? runCustomer(c, { type: 'ChangeMarketingConsent', data: { customerId: c.id, granted: rng.chance(0.6), source: 'web-form', occurredAt: at } })
      : runCustomer(c, { type: 'ChangePreferredChannel', data: { customerId: c.id, channel: rng.pick(['phone', 'email', 'web'] as const), occurredAt: at } });

  const activity = (c: CustomerSim, at: string): GeneratedEvent[] => {
    const r = rng.next();
    if (r < 0.78) return touchpoint(c, at);
    if (r < 0.86) return order(c, at);
    if (r < 0.87) return afterSale(c, at);
    if (r < 0.9) return complaint(c, at);
    if (r < 0.96) return deal(c, at);
    return profile(c, at);
  };

  while (emitted < total) {
    t += stepMs;
    const at = new Date(Math.round(t)).toISOString();
    let out: GeneratedEvent[];
    if (customers.length < ids.length && (customers.length === 0 || emitted >= customers.length * registerEvery)) {
      out = register(ids[customers.length], at);
    } else if (whaleLeft > 0 && rng.next() < whaleLeft / (total - emitted)) {
      out = touchpoint(customers[0], at);
      whaleLeft -= out.length;
    } else if (customers.length > 1) {
      // Older customers are busier: squaring skews the pick towards the start of the list.
      out = activity(customers[1 + Math.floor(rng.next() ** 2 * (customers.length - 1))], at);
    } else {
      out = touchpoint(customers[0], at);
      whaleLeft -= out.length;
    }
    for (const e of out) {
      if (emitted >= total) break;
      emitted++;
      yield e;
    }
  }
}

const METADATA = { actor: 'bench-import', correlationId: 'bench', causationId: 'bench' };

/**
 * Writes generated events straight through the store's append, many streams
 * per group-commit transaction (all appends of a chunk are queued in one turn).
 */
export async function appendGenerated(store: EventStore, events: Iterable<GeneratedEvent>, options: { chunk?: number; onProgress?: (written: number) => void } = {}): Promise<number> {
  const chunk = options.chunk ?? 20_000;
  let written = 0;
  let pending: GeneratedEvent[] = [];
  const flush = async () => {
    const byStream = new Map<string, NewEvent[]>();
    for (const e of pending) {
      if (!isDomainEventType(e.type)) throw new Error(`generated an unknown event type ${e.type}`);
      let list = byStream.get(e.streamId);
      if (!list) byStream.set(e.streamId, (list = []));
      list.push({ type: e.type, schemaVersion: EVENT_SCHEMA_VERSIONS[e.type], data: e.data });
    }
    await Promise.all([...byStream].map(([streamId, list]) => store.append(streamId, list, { expectedRevision: 'any', metadata: METADATA })));
    written += pending.length;
    pending = [];
    options.onProgress?.(written);
  };
  for (const e of events) {
    pending.push(e);
    if (pending.length >= chunk) await flush();
  }
  if (pending.length) await flush();
  return written;
}
