import type { Document } from '../store/port';
import { lifetimeValue, type CustomerDoc, type RfmScore } from './customer-360';
import { predictWithFit, type FitParams } from './purchases';
import type { ServiceDoc } from './service';
import { DAY_MS } from './types';

// ---------- Tiers (Pareto/ABC) and RFM ----------

export interface SegmentationConfig {
  /** cumulative revenue share that closes tier A, then B; the rest is C (classic 80/15/5) */
  tierCutoffs: { A: number; B: number };
  /** the current lifetime-value fit per currency (with its id): predicted values use it, else the heuristic */
  fits?: Record<string, FitParams & { fitId: string }>;
  /** horizon of the predicted value (default 365 days) */
  horizonDays?: number;
  /** what tiers rank by: revenue to date (default) or predicted value (the future worth, TOUCHPOINT_TIER_BY=predicted) */
  tierBy?: 'revenue' | 'predicted';
  /** predicted values already computed, reused while the customer, the fit and the day are unchanged */
  memo?: Map<string, { key: string; value: number; by: 'bg_nbd_gamma_gamma' | 'heuristic' }>;
}

export const DEFAULT_SEGMENTATION: SegmentationConfig = { tierCutoffs: { A: 0.8, B: 0.95 } };

export interface ValueDistribution extends Document {
  asOf: string;
  currencies: Record<
    string,
    {
      customers: number;
      revenue: number;
      /** null when any customer's margin is unknown (an order without cost) */
      margin: number | null;
      /** share of revenue and margin brought by the top p % of customers, p in 1/5/10/20/50 (marginShare null when margin is) */
      top: Array<{ percent: number; customers: number; revenueShare: number; marginShare: number | null }>;
      /**
       * The concentration (Pareto) curve: share of revenue brought by the top p % of customers, p = 0, 1, …, 100,
       * customers ranked by revenue, the top p % being the first ⌈n·p/100⌉ (as in `top`).
       */
      curve: Array<{ percent: number; revenueShare: number }>;
      /** customers by RFM segment, with their revenue */
      segments: Record<string, { customers: number; revenue: number }>;
      /** customers by recency score (rows, 1–5) and frequency score (columns, 1–5): rfmGrid[r − 1][f − 1] */
      rfmGrid: number[][];
      tiers: Record<string, { customers: number; revenue: number }>;
    }
  >;
  customersWithoutOrders: number;
}

export const ANALYTICS = 'analytics';
export const VALUE_DISTRIBUTION_ID = 'value-distribution';
const TOP_PERCENTS = [1, 5, 10, 20, 50];

const byValueDesc = (a: CustomerDoc, b: CustomerDoc) => b.value.revenue - a.value.revenue || (a._id < b._id ? -1 : a._id > b._id ? 1 : 0);

/** Quintile scores 1–5 by rank; equal values share the score of their first rank. */
function quintiles(values: number[], higherIsBetter: boolean): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => (higherIsBetter ? a.v - b.v : b.v - a.v));
  const scores = new Array<number>(values.length);
  let firstRank = 0;
  order.forEach((item, rank) => {
    if (rank > 0 && item.v !== order[rank - 1].v) firstRank = rank;
    scores[item.i] = Math.floor((firstRank * 5) / values.length) + 1;
  });
  return scores;
}

export function rfmSegment(r: number, f: number, m: number): string {
  if (r >= 4 && f >= 4 && m >= 4) return 'champions';
  if (r >= 4 && f === 1) return 'new';
  if (r <= 2 && f >= 4) return 'cannot_lose';
  if (r <= 2 && f >= 3) return 'at_risk';
  if (r <= 2) return 'hibernating';
  if (f >= 4) return 'loyal';
  if (r >= 3 && f >= 2) return 'potential_loyalist';
  return 'needs_attention';
}

/**
 * What the customer is predicted to bring over the horizon (minor units), for sorting and tiering lists: by the
 * currency's fitted model when there is one, else by the heuristic. Memoised per customer, fit and day.
 */
function predictedValue(c: CustomerDoc, currency: string, asOf: string, config: SegmentationConfig): { value: number; by: 'bg_nbd_gamma_gamma' | 'heuristic' } {
  const fit = config.fits?.[currency];
  const horizonDays = config.horizonDays ?? 365;
  const key = `${c._position}|${fit?.fitId ?? ''}|${asOf.slice(0, 10)}|${horizonDays}`;
  const known = config.memo?.get(c._id);
  if (known?.key === key) return known;
  const byModel = fit ? predictWithFit(fit, c.valueByCurrency[currency], asOf, horizonDays) : undefined;
  const result = byModel
    ? { value: Math.round(byModel.revenue), by: 'bg_nbd_gamma_gamma' as const }
    : { value: lifetimeValue(c, asOf, { horizonDays }).predictedRevenue, by: 'heuristic' as const };
  config.memo?.set(c._id, { key, ...result });
  return result;
}

export interface SegmentationResult {
  segments: Map<string, CustomerDoc['segment']>;
  distribution: ValueDistribution;
}

/**
 * Ranks customers within each primary currency (no mixing of currencies):
 * ABC tiers by cumulative revenue share, RFM quintiles, and the value distribution.
 * Pure: the same customers and asOf always give the same result.
 */
export function segmentCustomers(customers: CustomerDoc[], asOf: string, config: SegmentationConfig = DEFAULT_SEGMENTATION): SegmentationResult {
  const segments = new Map<string, CustomerDoc['segment']>();
  const groups = new Map<string, CustomerDoc[]>();
  let customersWithoutOrders = 0;
  for (const c of customers) {
    if (!c.value.currency) {
      customersWithoutOrders += 1;
      segments.set(c._id, { tier: 'C', rfm: null, predictedValue: null, predictedBy: null });
      continue;
    }
    const g = groups.get(c.value.currency) ?? [];
    g.push(c);
    groups.set(c.value.currency, g);
  }
  const distribution: ValueDistribution = { _id: VALUE_DISTRIBUTION_ID, _position: 0, asOf, currencies: {}, customersWithoutOrders };
  const asOfMs = Date.parse(asOf);
  for (const currency of [...groups.keys()].sort()) {
    const group = groups.get(currency)!.sort(byValueDesc);
    const revenue = group.reduce((s, c) => s + Math.max(0, c.value.revenue), 0);
    // Unknown for the currency when unknown for anyone: a sum over the known part would mislead.
    const margin = group.some((c) => c.value.margin === null) ? null : group.reduce((s, c) => s + (c.value.margin ?? 0), 0);
    const tiers: Record<string, { customers: number; revenue: number }> = { A: { customers: 0, revenue: 0 }, B: { customers: 0, revenue: 0 }, C: { customers: 0, revenue: 0 } };
    // Recency counts the orders lifetime value counts: not cancelled, not fully returned.
    const lastOrder = group.map((c) => c.valueByCurrency[currency]?.lastOrderAt ?? '');
    const r = quintiles(lastOrder.map((at) => (at ? Math.floor((asOfMs - Date.parse(at)) / DAY_MS) : Number.MAX_SAFE_INTEGER)), false);
    const f = quintiles(group.map((c) => c.value.orders), true);
    const m = quintiles(group.map((c) => c.value.revenue), true);
    const predicted = group.map((c) => predictedValue(c, currency, asOf, config));
    // Tiers by cumulative share of what they rank by: revenue to date, or predicted value.
    const rankValue = (i: number) => Math.max(0, config.tierBy === 'predicted' ? predicted[i].value : group[i].value.revenue);
    const order = group.map((_, i) => i);
    if (config.tierBy === 'predicted') order.sort((a, b) => rankValue(b) - rankValue(a) || (group[a]._id < group[b]._id ? -1 : 1));
    const rankTotal = order.reduce((s, i) => s + rankValue(i), 0);
    const tierOf = new Array<string>(group.length);
    let cumulative = 0;
    for (const i of order) {
      const shareBefore = rankTotal === 0 ? 1 : cumulative / rankTotal;
      tierOf[i] = rankValue(i) > 0 && shareBefore < config.tierCutoffs.A ? 'A' : rankValue(i) > 0 && shareBefore < config.tierCutoffs.B ? 'B' : 'C';
      cumulative += rankValue(i);
    }
    const bySegment: Record<string, { customers: number; revenue: number }> = {};
    const rfmGrid = Array.from({ length: 5 }, () => new Array<number>(5).fill(0));
    group.forEach((c, i) => {
      const tier = tierOf[i];
      tiers[tier].customers += 1;
      tiers[tier].revenue += c.value.revenue;
      const rfm: RfmScore = { recency: r[i], frequency: f[i], monetary: m[i], code: `${r[i]}${f[i]}${m[i]}`, segment: rfmSegment(r[i], f[i], m[i]) };
      const seg = (bySegment[rfm.segment] ??= { customers: 0, revenue: 0 });
      seg.customers += 1;
      seg.revenue += c.value.revenue;
      rfmGrid[r[i] - 1][f[i] - 1] += 1;
      segments.set(c._id, { tier, rfm, predictedValue: predicted[i].value, predictedBy: predicted[i].by });
    });
    const top = TOP_PERCENTS.map((percent) => {
      const n = Math.max(1, Math.ceil((group.length * percent) / 100));
      const slice = group.slice(0, n);
      const rev = slice.reduce((s, c) => s + Math.max(0, c.value.revenue), 0);
      const mar = slice.reduce((s, c) => s + (c.value.margin ?? 0), 0);
      const marginShare = margin === null ? null : margin === 0 ? 0 : round4(mar / margin);
      return { percent, customers: n, revenueShare: revenue === 0 ? 0 : round4(rev / revenue), marginShare };
    });
    const rfmSegments = Object.fromEntries(Object.keys(bySegment).sort().map((k) => [k, bySegment[k]]));
    distribution.currencies[currency] = { customers: group.length, revenue, margin, top, curve: concentrationCurve(group, revenue), segments: rfmSegments, rfmGrid, tiers };
  }
  return { segments, distribution };
}

const round4 = (x: number) => Math.round(x * 10000) / 10000;

/** Revenue share of the top p % (p = 0…100) of `ranked` (sorted by revenue, highest first), from one running sum. */
function concentrationCurve(ranked: CustomerDoc[], revenue: number): Array<{ percent: number; revenueShare: number }> {
  const curve: Array<{ percent: number; revenueShare: number }> = [];
  let taken = 0;
  let sum = 0;
  for (let percent = 0; percent <= 100; percent++) {
    const n = Math.ceil((ranked.length * percent) / 100);
    for (; taken < n; taken++) sum += Math.max(0, ranked[taken].value.revenue);
    curve.push({ percent, revenueShare: revenue === 0 ? 0 : round4(sum / revenue) });
  }
  return curve;
}

// ---------- Service ----------

export interface ServiceSummary {
  categories: Array<{
    category: string;
    filed: number;
    open: number;
    resolved: number;
    escalated: number;
    meanHoursToResolution: number | null;
    meanSatisfaction: number | null;
    satisfactionHistogram: Record<string, number>;
    bySeverity: Record<string, number>;
  }>;
  totals: { filed: number; open: number; resolved: number; escalated: number; meanHoursToResolution: number | null; meanSatisfaction: number | null };
}

export function serviceSummary(doc: ServiceDoc | undefined): ServiceSummary {
  const categories = Object.entries(doc?.categories ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([category, c]) => ({
      category,
      filed: c.filed,
      open: c.open,
      resolved: c.resolved,
      escalated: c.escalated,
      meanHoursToResolution: c.resolved === 0 ? null : Math.round((c.resolutionMsTotal / c.resolved / 3_600_000) * 100) / 100,
      meanSatisfaction: c.satisfaction.count === 0 ? null : Math.round((c.satisfaction.sum / c.satisfaction.count) * 100) / 100,
      satisfactionHistogram: c.satisfaction.histogram,
      bySeverity: c.bySeverity,
    }));
  const all = Object.values(doc?.categories ?? {});
  const sum = (f: (c: (typeof all)[number]) => number) => all.reduce((s, c) => s + f(c), 0);
  const resolved = sum((c) => c.resolved);
  const satCount = sum((c) => c.satisfaction.count);
  return {
    categories,
    totals: {
      filed: sum((c) => c.filed),
      open: sum((c) => c.open),
      resolved,
      escalated: sum((c) => c.escalated),
      meanHoursToResolution: resolved === 0 ? null : Math.round((sum((c) => c.resolutionMsTotal) / resolved / 3_600_000) * 100) / 100,
      meanSatisfaction: satCount === 0 ? null : Math.round((sum((c) => c.satisfaction.sum) / satCount) * 100) / 100,
    },
  };
}
