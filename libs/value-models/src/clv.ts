/**
 * Predicted revenue of a customer over a horizon: BG/NBD expected purchases × Gamma-Gamma expected spend per purchase.
 *
 * Multiplying the two expectations treats the number of purchases and their value as independent, the assumption of
 * Fader, Hardie & Lee (2005b, "RFM and CLV") that the Gamma-Gamma model is built on.
 */
import { expectedPurchases, type BgNbdParams } from './bg-nbd';
import { expectedSpend, type GammaGammaParams } from './gamma-gamma';
import type { CustomerSummary } from './rfm-summary';

export interface RevenueQuestion {
  bgnbd: BgNbdParams;
  gg: GammaGammaParams;
  /** summary.monetary must be in the unit `gg` was fitted in; the result is in that unit */
  summary: Pick<CustomerSummary, 'frequency' | 'recency' | 'T' | 'monetary'>;
  /** in time units (weeks by default) */
  horizon: number;
  /** e.g. 0.1 for 10 % a year; 0 (no discounting) by default */
  discountRatePerYear?: number;
  /** days per time unit, to turn the horizon into years for discounting; 7 by default */
  unitDays?: number;
}

const DAYS_PER_YEAR = 365.25;
const DAYS_PER_MONTH = DAYS_PER_YEAR / 12;
const MAX_SLICES = 24;

/**
 * Discounting: the horizon is cut into monthly slices (at most 24; longer horizons get longer slices), the purchases
 * expected in each slice (a difference of cumulative expectations) are discounted at the slice's mid-point with
 * (1 + rate)^-years, and the sum is multiplied by the expected spend. For a monthly slice and 10 % a year the mid-point
 * rule is off by less than 10^-5 of the slice's value.
 */
export function predictRevenue(question: RevenueQuestion): number {
  const { bgnbd, gg, summary, horizon, discountRatePerYear = 0, unitDays = 7 } = question;
  if (!(Number.isFinite(discountRatePerYear) && discountRatePerYear > -1)) throw new RangeError(`discountRatePerYear must be > -1, got ${discountRatePerYear}`);
  if (!(Number.isFinite(unitDays) && unitDays > 0)) throw new RangeError(`unitDays must be positive, got ${unitDays}`);
  const { frequency: x, recency: tx, T } = summary;
  const spend = expectedSpend(gg, x, summary.monetary);
  const purchasesBy = (t: number) => expectedPurchases(bgnbd, t, x, tx, T);

  let purchases: number;
  if (discountRatePerYear === 0) {
    purchases = purchasesBy(horizon);
  } else {
    const slices = Math.min(MAX_SLICES, Math.max(1, Math.ceil((horizon * unitDays) / DAYS_PER_MONTH)));
    const width = horizon / slices;
    const logDiscountPerUnit = (Math.log1p(discountRatePerYear) * unitDays) / DAYS_PER_YEAR;
    purchases = 0;
    let before = 0;
    for (let i = 1; i <= slices; i++) {
      const upTo = purchasesBy(i * width);
      purchases += Math.max(0, upTo - before) * Math.exp(-logDiscountPerUnit * (i - 0.5) * width);
      before = upTo;
    }
  }
  return Math.min(purchases * spend, Number.MAX_VALUE);
}
