import { expectedPurchases, expectedSpend, pAlive, predictRevenue, purchaseInterval } from '@touchpoint/value-models';
import type { CurrencyFigures, OrderFacts } from './customer-360';

const DAY_MS = 86_400_000;
const day = (iso: string) => Math.floor(Date.parse(iso) / DAY_MS);

/**
 * A customer's purchases in one currency as known at `cutoff` (business time): one per order placed by then and
 * not cancelled by then, net of the refunds made by then; an order fully returned by then is no purchase, a $0
 * order is one. What a model fitted "as of" a past date may see, and no more.
 */
export function purchasesAsOf(orderBook: Record<string, OrderFacts>, currency: string, cutoff: string): Array<{ at: string; amount: number }> {
  const out: Array<{ at: string; amount: number }> = [];
  for (const o of Object.values(orderBook)) {
    if (o.currency !== currency || o.at > cutoff) continue;
    // Books projected before these dates were kept: a cancellation or refund then counts from the order's own time.
    if (o.cancelled && (o.cancelledAt ?? o.at) <= cutoff) continue;
    const refunded = o.refunds ? o.refunds.reduce((sum, [at, refund]) => (at <= cutoff ? sum + refund : sum), 0) : o.refunded;
    const returnedWhole = o.total > 0 ? refunded >= o.total : o.returned === true && (o.refunds?.some(([at]) => at <= cutoff) ?? true);
    if (!returnedWhole) out.push({ at: o.at, amount: o.total - refunded });
  }
  return out;
}

/**
 * The BG/NBD and Gamma-Gamma summary of a customer from the 360's running figures in one currency, as of `asOf`
 * (time units of `unitDays` days): frequency = repeat purchase days, recency t_x and age T, and the mean net
 * revenue of the repeat days. Undefined when the customer has no purchase in the currency by then.
 */
export function summaryOfFigures(figures: CurrencyFigures | undefined, asOf: string, unitDays = 7): { frequency: number; recency: number; T: number; monetary: number } | undefined {
  if (!figures || figures.firstOrderAt === null || figures.lastOrderAt === null || figures.firstOrderAt > asOf) return undefined;
  const days = Math.max(1, figures.purchaseDays ?? figures.orders);
  const frequency = days - 1;
  const first = day(figures.firstOrderAt);
  const recency = (day(figures.lastOrderAt) - first) / unitDays;
  const T = Math.max(recency, (day(asOf) - first) / unitDays);
  const repeatRevenue = figures.revenue - (figures.firstDayRevenue ?? figures.revenue / days);
  return { frequency, recency, T, monetary: frequency > 0 ? Math.max(0, repeatRevenue / frequency) : 0 };
}

/** The parameters of a recorded fit (LifetimeValueModelFitted): BG/NBD in time units of `unitDays`, Gamma-Gamma in minor units. */
export interface FitParams {
  params: { r: number; alpha: number; a: number; b: number; p: number; q: number; gamma: number };
  unitDays: number;
}

/**
 * A customer's prediction by a fitted BG/NBD + Gamma-Gamma model over `horizonDays`, from the 360's figures in
 * the fit's currency (the one place the API, the audit as-of and the segmentation compute it). Undefined when the
 * customer has no purchase in that currency by `asOf`.
 */
export function predictWithFit(fit: FitParams, figures: CurrencyFigures | undefined, asOf: string, horizonDays: number, discountRatePerYear = 0) {
  const summary = summaryOfFigures(figures, asOf, fit.unitDays);
  if (!summary) return undefined;
  const bgnbd = { r: fit.params.r, alpha: fit.params.alpha, a: fit.params.a, b: fit.params.b };
  const gg = { p: fit.params.p, q: fit.params.q, gamma: fit.params.gamma };
  const horizon = horizonDays / fit.unitDays;
  // Only revenue is computed up front: ranking 100k customers reads nothing else.
  return {
    revenue: predictRevenue({ bgnbd, gg, summary, horizon, discountRatePerYear, unitDays: fit.unitDays }),
    purchases: () => expectedPurchases(bgnbd, horizon, summary.frequency, summary.recency, summary.T),
    pAlive: () => pAlive(bgnbd, summary.frequency, summary.recency, summary.T),
    interval80: () => purchaseInterval(bgnbd, horizon, summary.frequency, summary.recency, summary.T, 0.8),
    spendPerPurchase: () => expectedSpend(gg, summary.frequency, summary.monetary),
  };
}
