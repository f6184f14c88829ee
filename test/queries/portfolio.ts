/**
 * A portfolio of 30 customers for the list and value-distribution specs:
 * 25 with EUR orders, 3 with UAH orders, 2 without orders; different owners,
 * tags, kinds and activity times. Each spec carries the tier and RFM segment
 * worked out by hand (see the comments); everything else the tests expect is
 * derived from the specs here, never from the API.
 */
import { Crm, plusDays } from './helpers';

export interface OrderSpec {
  currency: string;
  total: number;
  cost: number;
  at: string;
}

export interface CustomerSpec {
  key: string;
  name: string;
  kind: 'person' | 'company';
  owner?: string;
  tags?: string[];
  registeredAt: string;
  orders: OrderSpec[];
  touchpoints: string[];
  complaints: string[];
  /** a later profile change */
  patch?: { changes: { owner?: string; tags?: string[] }; at: string };
  /** by hand, see below */
  tier: 'A' | 'B' | 'C';
  rfmSegment: string | null;
}

/** A customer as the tests model it, with the id the API gave it. */
export interface Modelled extends CustomerSpec {
  id: string;
  currency: string;
  revenue: number;
  margin: number;
  owner: string;
  tags: string[];
  lastActivityAt: string;
  openComplaints: number;
}

/*
 * EUR revenue, largest first: 100 000, 80 000, 60 000, 50 000, 40 000, then
 * 10 000 down to 500 in steps of 500 (20 customers). Total 435 000.
 * Tiers (A while the share BEFORE the customer < 80 %, B while < 95 %):
 *   #1–#7 A (the 7th starts at 340 000/435 000 = 78.2 %), #8 starts at 349 500/435 000 = 80.3 % → B,
 *   #8–#17 B (the 17th starts at 412 500/435 000 = 94.8 %), #18 starts at 417 000/435 000 = 95.9 % → C.
 *   A: 7 customers, 349 500; B: 10, 67 500; C: 8, 18 000.
 * UAH 2 000 000, 500 000, 100 000 (total 2 600 000): A (0 %), A (76.9 %), C (96.2 %).
 * Without orders: C.
 *
 * RFM (quintiles by rank within the currency; 25 EUR customers → score = ⌊rank/5⌋ + 1):
 *   #1 (3 orders, latest 2026-02-25) and #2 (2 orders, latest 2026-02-20) are the most recent,
 *   frequent and valuable → 5,5,5 → champions.
 *   #3–#25 have one order each, on 2025-06-01 + 7·i days, so recency rank = i − 3:
 *   i 3–12 → r ≤ 2 → hibernating; i 13–17 → r 3 → needs_attention; i 18–25 → r ≥ 4, f 1 → new.
 *   UAH: U1 (latest) r 4, f 1 → new; U2, U3 → r ≤ 2 → hibernating.
 */
const EUR_TOTALS = [100_000, 80_000, 60_000, 50_000, 40_000, ...Array.from({ length: 20 }, (_, k) => 10_000 - 500 * k)];

const NAMES = [
  'Nadia Bondar',
  'Oleg Marchenko',
  'Zoryana Kravets',
  'Andriy Melnyk',
  'Bohdan Lysenko',
  'Iryna Tkachenko',
  'Shared Name',
  'Shared Name',
  'Kateryna Savchenko',
  'Dmytro Rudenko',
  'Halyna Moroz',
  'Yurii Pavlenko',
  'Larysa Kovalenko',
  'Maksym Boyko',
  'Taras Shevchuk',
  'Viktor Oliynyk',
  'Sofia Polishchuk',
  'Roman Kharchenko',
  'Ustym Hnatyuk',
  'Fedir Zinchenko',
  'Emma Lewis',
  'Chris Doe',
  'Pavlo Kuzmenko',
  'Wanda Ostrowska',
  'Ganna Lytvyn',
];

const OWNERS = ['anna', 'boris', 'chen'];
const registered = (n: number) => plusDays('2025-01-01T00:00:00.000Z', n / 24);
const tierOf = (i: number): 'A' | 'B' | 'C' => (i <= 7 ? 'A' : i <= 17 ? 'B' : 'C');
const rfmOf = (i: number) => (i <= 2 ? 'champions' : i <= 12 ? 'hibernating' : i <= 17 ? 'needs_attention' : 'new');

function eurCustomer(i: number): CustomerSpec {
  const total = EUR_TOTALS[i - 1];
  const orders: OrderSpec[] =
    i === 1
      ? [
          // low-margin top customer: cost 90 %
          { currency: 'EUR', total: 50_000, cost: 45_000, at: '2026-01-10T10:00:00.000Z' },
          { currency: 'EUR', total: 30_000, cost: 27_000, at: '2026-02-01T10:00:00.000Z' },
          { currency: 'EUR', total: 20_000, cost: 18_000, at: '2026-02-25T10:00:00.000Z' },
        ]
      : i === 2
        ? [
            { currency: 'EUR', total: 40_000, cost: 24_000, at: '2025-12-01T10:00:00.000Z' },
            { currency: 'EUR', total: 40_000, cost: 24_000, at: '2026-02-20T10:00:00.000Z' },
          ]
        : [{ currency: 'EUR', total, cost: total * 0.6, at: plusDays('2025-06-01T10:00:00.000Z', 7 * i) }];
  return {
    key: `E${i}`,
    name: NAMES[i - 1],
    kind: i % 4 === 0 ? 'company' : 'person',
    ...(i % 7 !== 0 && { owner: OWNERS[i % 3] }),
    tags: i <= 5 ? [['VIP', 'vip', ' Vip ', 'VIP', 'vIp'][i - 1]] : i % 2 === 0 ? ['newsletter'] : [],
    registeredAt: registered(i),
    orders,
    touchpoints: i % 3 === 0 ? [plusDays('2026-01-01T09:00:00.000Z', i)] : [],
    complaints: i === 3 ? ['2025-05-01T10:00:00.000Z'] : [],
    ...(i === 5 && { patch: { changes: { owner: 'anna' }, at: '2025-05-02T10:00:00.000Z' } }),
    ...(i === 6 && { patch: { changes: { tags: ['VIP', 'Newsletter'] }, at: '2025-05-02T10:00:00.000Z' } }),
    tier: tierOf(i),
    rfmSegment: rfmOf(i),
  };
}

export const PORTFOLIO: CustomerSpec[] = [
  ...Array.from({ length: 25 }, (_, k) => eurCustomer(k + 1)),
  {
    key: 'U1',
    name: 'Xenia Ivanova',
    kind: 'company',
    owner: 'chen',
    tags: ['wholesale', 'VIP'],
    registeredAt: registered(26),
    orders: [{ currency: 'UAH', total: 2_000_000, cost: 1_200_000, at: '2026-02-10T10:00:00.000Z' }],
    touchpoints: ['2026-01-15T09:00:00.000Z'],
    complaints: [],
    tier: 'A',
    rfmSegment: 'new',
  },
  {
    key: 'U2',
    name: 'Petro Sydorenko',
    kind: 'person',
    owner: 'anna',
    tags: ['wholesale'],
    registeredAt: registered(27),
    orders: [{ currency: 'UAH', total: 500_000, cost: 300_000, at: '2025-08-01T10:00:00.000Z' }],
    touchpoints: [],
    complaints: ['2025-07-01T10:00:00.000Z'],
    tier: 'A',
    rfmSegment: 'hibernating',
  },
  {
    key: 'U3',
    name: 'Mykola Hrytsenko',
    kind: 'company',
    tags: ['wholesale'],
    registeredAt: registered(28),
    orders: [{ currency: 'UAH', total: 100_000, cost: 60_000, at: '2025-10-01T10:00:00.000Z' }],
    touchpoints: ['2026-01-12T09:00:00.000Z', '2025-11-12T09:00:00.000Z'],
    complaints: [],
    tier: 'C',
    rfmSegment: 'hibernating',
  },
  { key: 'N1', name: 'Quiet Prospect', kind: 'person', owner: 'boris', registeredAt: registered(29), orders: [], touchpoints: ['2026-01-20T09:00:00.000Z'], complaints: [], tier: 'C', rfmSegment: null },
  { key: 'N2', name: 'Bare Lead', kind: 'company', registeredAt: registered(30), orders: [], touchpoints: [], complaints: [], tier: 'C', rfmSegment: null },
];

const normaliseTags = (tags: string[] = []) => [...new Set(tags.map((t) => t.trim().toLowerCase()))].sort();
const latest = (times: string[]) => times.reduce((a, b) => (b > a ? b : a));

/** Registers the portfolio through HTTP and returns the model of every customer. */
export async function buildPortfolio(crm: Crm): Promise<Modelled[]> {
  const out: Modelled[] = [];
  for (const spec of PORTFOLIO) {
    const id = await crm.register({ kind: spec.kind, name: spec.name, ...(spec.owner && { owner: spec.owner }), tags: spec.tags ?? [], occurredAt: spec.registeredAt });
    for (const o of spec.orders) await crm.order(id, { currency: o.currency, lines: [{ sku: 'ITEM', quantity: 1, unitPrice: o.total, unitCost: o.cost }], occurredAt: o.at });
    for (const at of spec.touchpoints) await crm.touchpoint(id, { type: 'call', occurredAt: at });
    for (const at of spec.complaints) await crm.complaint(id, { occurredAt: at });
    if (spec.patch) await crm.changeProfile(id, { ...spec.patch.changes, occurredAt: spec.patch.at });
    const revenue = spec.orders.reduce((s, o) => s + o.total, 0);
    out.push({
      ...spec,
      id,
      currency: spec.orders[0]?.currency ?? '',
      revenue,
      margin: revenue - spec.orders.reduce((s, o) => s + o.cost, 0),
      owner: spec.patch?.changes.owner ?? spec.owner ?? '',
      tags: normaliseTags(spec.patch?.changes.tags ?? spec.tags),
      lastActivityAt: latest([spec.registeredAt, ...spec.orders.map((o) => o.at), ...spec.touchpoints, ...spec.complaints, ...(spec.patch ? [spec.patch.at] : [])]),
      openComplaints: spec.complaints.length,
    });
  }
  return out;
}
