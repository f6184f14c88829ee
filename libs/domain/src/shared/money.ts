import { ruleViolated } from './errors';

/** Money is integer minor units plus an ISO 4217 code; never a float. */
export interface Money {
  amount: number;
  currency: string;
}

const ISO_4217 = new Set<string>(Intl.supportedValuesOf('currency'));

/** Every code `isCurrency` accepts, sorted (for documents that list them). */
export const CURRENCY_CODES: readonly string[] = [...ISO_4217].sort();

const MINOR_DIGITS = new Map<string, number>();

/** Digits of the currency's minor unit (2 for EUR, 0 for JPY, 3 for KWD; 2 for a code Intl does not know). Memoised: an Intl.NumberFormat costs tens of microseconds to build, and projections ask per event. */
export function minorUnitDigits(currency: string): number {
  let digits = MINOR_DIGITS.get(currency);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    MINOR_DIGITS.set(currency, digits);
  }
  return digits;
}

export function isCurrency(code: string): boolean {
  return ISO_4217.has(code);
}

export function assertCurrency(code: string, field = 'currency'): void {
  if (!isCurrency(code)) throw ruleViolated('unknown_currency', `${code} is not an ISO 4217 currency code`, field);
}

export function assertMinorUnits(value: number, field: string, { allowZero = true } = {}): void {
  if (!Number.isSafeInteger(value) || value < 0 || (!allowZero && value === 0)) {
    throw ruleViolated('invalid_amount', `${field} must be a ${allowZero ? 'non-negative' : 'positive'} integer amount in minor units`, field);
  }
}

/** Sum of quantity × unit amount, refusing results beyond safe integers. */
export function multiplyAndSum(parts: Array<{ quantity: number; unit: number }>, field: string): number {
  let total = 0;
  for (const { quantity, unit } of parts) total += quantity * unit;
  if (!Number.isSafeInteger(total)) throw ruleViolated('amount_overflow', `${field} exceeds the largest representable amount`, field);
  return total;
}
