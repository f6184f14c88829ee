/**
 * Backtest of a fitted model against what happened next: per-customer errors in the holdout period for the model,
 * for any other predictor handed in (the heuristic), and for the naive baseline that predicts nothing for everyone;
 * and the tracking curve of the BG/NBD paper (cumulative repeat purchases, actual vs expected, week by week).
 */
import { expectedPurchases, expectedPurchasesUnconditional, purchaseDistribution, type BgNbdParams } from './bg-nbd';
import { predictRevenue } from './clv';
import { expectedSpend, type GammaGammaParams } from './gamma-gamma';
import type { CustomerSummary } from './rfm-summary';

export interface BacktestCustomer {
  /** the calibration-period summary (monetary in the unit the Gamma-Gamma model was fitted in) */
  summary: Pick<CustomerSummary, 'frequency' | 'recency' | 'T' | 'monetary'>;
  /** UTC day number (days since 1970-01-01) of the first purchase */
  firstDay: number;
  /** UTC day numbers of every repeat purchase day up to the holdout's end (calibration and holdout) */
  repeatDays: number[];
  /** what happened in the holdout: repeat purchase days and their net amount */
  actual: { purchases: number; revenue: number };
  /** other predictors' answers for the holdout, by name (e.g. heuristic) */
  others?: Record<string, { purchases: number; revenue: number }>;
}

export interface ErrorFigures {
  /** mean absolute error per customer */
  mae: number;
  /** root mean squared error per customer */
  rmse: number;
  /** Pearson correlation of predicted and actual; null when either does not vary */
  correlation: number | null;
  predictedTotal: number;
  actualTotal: number;
}

export interface BacktestReport {
  customers: number;
  holdoutUnits: number;
  /** per predictor (model, zero, and those handed in): errors in purchases and in revenue */
  predictors: Record<string, { purchases: ErrorFigures; revenue: ErrorFigures }>;
  /** cumulative repeat purchases of the cohort at the end of each time unit since the first purchase */
  tracking: Array<{ unit: number; day: number; actual: number; expected: number }>;
}

const round = (x: number, digits = 4) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

function errors(predicted: readonly number[], actual: readonly number[]): ErrorFigures {
  const n = predicted.length;
  let abs = 0;
  let sp = 0;
  let sa = 0;
  for (let i = 0; i < n; i += 1) {
    abs += Math.abs(predicted[i] - actual[i]);
    sp += predicted[i];
    sa += actual[i];
  }
  const mp = n ? sp / n : 0;
  const ma = n ? sa / n : 0;
  let cov = 0;
  let vp = 0;
  let va = 0;
  for (let i = 0; i < n; i += 1) {
    cov += (predicted[i] - mp) * (actual[i] - ma);
    vp += (predicted[i] - mp) ** 2;
    va += (actual[i] - ma) ** 2;
  }
  const correlation = vp > 0 && va > 0 ? cov / Math.sqrt(vp * va) : null;
  let sq = 0;
  for (let i = 0; i < n; i += 1) sq += (predicted[i] - actual[i]) ** 2;
  return { mae: round(n ? abs / n : 0), rmse: round(n ? Math.sqrt(sq / n) : 0), correlation: correlation === null || !Number.isFinite(correlation) ? null : round(correlation), predictedTotal: round(sp, 2), actualTotal: round(sa, 2) };
}

/**
 * `holdoutUnits`: length of the holdout in time units; `calibrationEndDay`/`holdoutEndDay`: UTC day numbers of the
 * last day of each period (the tracking curve runs from the earliest first purchase to the holdout's end).
 */
export function backtest(
  model: { bgnbd: BgNbdParams; gg: GammaGammaParams },
  customers: readonly BacktestCustomer[],
  options: { holdoutUnits: number; unitDays?: number; holdoutEndDay: number },
): BacktestReport {
  const unitDays = options.unitDays ?? 7;
  // `model`: the expectation (unbiased totals; the best point forecast for squared error). `model_median`: the
  // median of the model's predictive distribution, the best point forecast for absolute error (most customers'
  // median is no purchase at all, which is why predicting zero is a hard baseline for MAE).
  const names = new Set<string>(['model', 'model_median', 'zero']);
  for (const c of customers) for (const name of Object.keys(c.others ?? {})) names.add(name);
  const predicted: Record<string, { purchases: number[]; revenue: number[] }> = {};
  for (const name of names) predicted[name] = { purchases: [], revenue: [] };
  const actualPurchases: number[] = [];
  const actualRevenue: number[] = [];
  for (const c of customers) {
    const { frequency: x, recency: tx, T } = c.summary;
    predicted.model.purchases.push(expectedPurchases(model.bgnbd, options.holdoutUnits, x, tx, T));
    predicted.model.revenue.push(predictRevenue({ bgnbd: model.bgnbd, gg: model.gg, summary: c.summary, horizon: options.holdoutUnits, unitDays }));
    // The median is almost always a small count: look at the first few probabilities, the whole mass only if needed.
    let distribution = purchaseDistribution(model.bgnbd, options.holdoutUnits, x, tx, T, 8);
    if (distribution.reduce((sum, p) => sum + p, 0) < 0.5) distribution = purchaseDistribution(model.bgnbd, options.holdoutUnits, x, tx, T);
    let median = 0;
    for (let k = 0, cdf = 0; k < distribution.length; k += 1) {
      cdf += distribution[k];
      median = k;
      if (cdf >= 0.5) break;
    }
    predicted.model_median.purchases.push(median);
    predicted.model_median.revenue.push(median * expectedSpend(model.gg, x, c.summary.monetary));
    predicted.zero.purchases.push(0);
    predicted.zero.revenue.push(0);
    for (const name of names) {
      if (name === 'model' || name === 'model_median' || name === 'zero') continue;
      const other = c.others?.[name] ?? { purchases: 0, revenue: 0 };
      predicted[name].purchases.push(other.purchases);
      predicted[name].revenue.push(other.revenue);
    }
    actualPurchases.push(c.actual.purchases);
    actualRevenue.push(c.actual.revenue);
  }
  const predictors = Object.fromEntries([...names].map((name) => [name, { purchases: errors(predicted[name].purchases, actualPurchases), revenue: errors(predicted[name].revenue, actualRevenue) }]));
  return { customers: customers.length, holdoutUnits: options.holdoutUnits, predictors, tracking: tracking(model.bgnbd, customers, unitDays, options.holdoutEndDay) };
}

/** Expected cumulative repeat purchases summed over customers grouped by first-purchase day (one 2F1 per group and unit). */
function tracking(params: BgNbdParams, customers: readonly BacktestCustomer[], unitDays: number, endDay: number) {
  if (customers.length === 0) return [];
  const cohorts = new Map<number, number>();
  const repeats = new Map<number, number>();
  let start = Infinity;
  for (const c of customers) {
    cohorts.set(c.firstDay, (cohorts.get(c.firstDay) ?? 0) + 1);
    start = Math.min(start, c.firstDay);
    for (const d of c.repeatDays) repeats.set(d, (repeats.get(d) ?? 0) + 1);
  }
  const sortedRepeatDays = [...repeats.keys()].sort((a, b) => a - b);
  const out: BacktestReport['tracking'] = [];
  let cursor = 0;
  let actual = 0;
  for (let unit = 1; start + unit * unitDays - 1 <= endDay + unitDays - 1; unit += 1) {
    const day = Math.min(endDay, start + unit * unitDays - 1);
    while (cursor < sortedRepeatDays.length && sortedRepeatDays[cursor] <= day) actual += repeats.get(sortedRepeatDays[cursor++])!;
    let expected = 0;
    // A customer first seen on day f has been observable for (day − f) days by the end of this unit.
    for (const [first, count] of cohorts) if (day > first) expected += count * expectedPurchasesUnconditional(params, (day - first) / unitDays);
    out.push({ unit, day, actual, expected: round(expected, 2) });
    if (day === endDay) break;
  }
  return out;
}
