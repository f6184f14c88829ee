/**
 * From a transaction log to the per-customer summary the models need, with the conventions of the Python `lifetimes`
 * package (`summary_data_from_transaction_data(..., freq='D')`, then days divided by the time unit):
 *
 * - a purchase is a UTC calendar day with at least one transaction; a day's amounts are summed;
 * - frequency = purchase days - 1 (the repeat purchases: the first purchase only starts the clock);
 * - recency (t_x) = days from the first to the last purchase day, T = days from the first purchase day to the cutoff's
 *   day, both divided by `unitDays`. With a cutoff of 1997-09-30T23:59:59.999Z a customer first seen on 1997-01-01 has
 *   T = 272 / 7 = 38.86 weeks, the figure of the BG/NBD paper and of lifetimes for CDNOW;
 * - monetary = mean amount of the repeat purchase days (the first day excluded, as the Gamma-Gamma model wants), 0 when
 *   there is none.
 */

export interface Transaction {
  customerId: string;
  /** ISO 8601 instant */
  at: string;
  /** in minor units (cents) */
  amount: number;
}

export interface CustomerSummary {
  customerId: string;
  /** repeat purchase days: several purchases on one UTC calendar day count as one */
  frequency: number;
  /** t_x: time units from the first to the last purchase day */
  recency: number;
  /** time units from the first purchase day to the cutoff's day */
  T: number;
  /** mean amount per repeat purchase day, minor units; 0 when frequency is 0 */
  monetary: number;
}

export interface SummaryOptions {
  /** ISO instant, inclusive: later transactions are ignored */
  cutoff: string;
  /** days per time unit; 7 (weeks) by default, as in the BG/NBD literature */
  unitDays?: number;
}

const DAY_MS = 86_400_000;

/** Summaries in the order customers first appear in `transactions`; customers with nothing up to the cutoff are left out. */
export function summarise(transactions: readonly Transaction[], options: SummaryOptions): CustomerSummary[] {
  const unitDays = options.unitDays ?? 7;
  if (!(unitDays > 0)) throw new RangeError(`unitDays must be positive, got ${unitDays}`);
  const cutoffMs = instant(options.cutoff);
  const cutoffDay = Math.floor(cutoffMs / DAY_MS);

  const days = new Map<string, Map<number, number>>(); // customer → day → amount of that day
  for (const tx of transactions) {
    const at = instant(tx.at);
    if (at <= cutoffMs) addToDay(days, tx, Math.floor(at / DAY_MS));
  }

  const summaries: CustomerSummary[] = [];
  for (const [customerId, byDay] of days) {
    const sorted = [...byDay.keys()].sort((a, b) => a - b);
    const first = sorted[0];
    const last = sorted[sorted.length - 1];
    const frequency = sorted.length - 1;
    let repeatAmount = 0;
    for (const day of sorted.slice(1)) repeatAmount += byDay.get(day)!;
    summaries.push({
      customerId,
      frequency,
      recency: (last - first) / unitDays,
      T: (cutoffDay - first) / unitDays,
      monetary: frequency > 0 ? repeatAmount / frequency : 0,
    });
  }
  return summaries;
}

export interface HoldoutOptions {
  /** ISO instant: the calibration period ends here, inclusive */
  calibrationEnd: string;
  /** ISO instant: the holdout period ends here, inclusive */
  holdoutEnd: string;
}

export interface HoldoutCount {
  /** repeat purchase days in (calibrationEnd, holdoutEnd] */
  purchases: number;
  /** amount of those days, minor units */
  amount: number;
}

/**
 * What each customer did in the holdout period, counted like `summarise` counts: UTC days, amounts of a day summed.
 * A day does not count when it is the customer's first purchase day ever (not a repeat) or when it already counted in
 * the calibration period (a cutoff in the middle of a day). Every customer with a transaction up to `holdoutEnd` is in
 * the map, with zeros when the holdout saw no repeat purchase.
 */
export function holdoutPurchases(transactions: readonly Transaction[], options: HoldoutOptions): Map<string, HoldoutCount> {
  const calibrationEnd = instant(options.calibrationEnd);
  const holdoutEnd = instant(options.holdoutEnd);
  if (holdoutEnd < calibrationEnd) throw new RangeError('holdoutEnd is before calibrationEnd');

  const firstDay = new Map<string, number>();
  const calibrationDays = new Map<string, Set<number>>();
  const holdoutDays = new Map<string, Map<number, number>>();
  for (const tx of transactions) {
    const at = instant(tx.at);
    if (at > holdoutEnd) continue;
    const day = Math.floor(at / DAY_MS);
    firstDay.set(tx.customerId, Math.min(firstDay.get(tx.customerId) ?? Infinity, day));
    if (at <= calibrationEnd) {
      const set = calibrationDays.get(tx.customerId) ?? new Set<number>();
      set.add(day);
      calibrationDays.set(tx.customerId, set);
    } else {
      addToDay(holdoutDays, tx, day);
    }
  }

  const counts = new Map<string, HoldoutCount>();
  for (const [customerId, first] of firstDay) {
    const count: HoldoutCount = { purchases: 0, amount: 0 };
    for (const [day, amount] of holdoutDays.get(customerId) ?? []) {
      if (day === first || calibrationDays.get(customerId)?.has(day)) continue;
      count.purchases += 1;
      count.amount += amount;
    }
    counts.set(customerId, count);
  }
  return counts;
}

function instant(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO instant: ${JSON.stringify(iso)}`);
  return ms;
}

function addToDay(days: Map<string, Map<number, number>>, tx: Transaction, day: number): void {
  if (!Number.isFinite(tx.amount)) throw new RangeError(`amount of ${tx.customerId} at ${tx.at} is not a finite number`);
  const byDay = days.get(tx.customerId) ?? new Map<number, number>();
  byDay.set(day, (byDay.get(day) ?? 0) + tx.amount);
  days.set(tx.customerId, byDay);
}
