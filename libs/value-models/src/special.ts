import betaln from '@stdlib/math-base-special-betaln';
import digamma from '@stdlib/math-base-special-digamma';
import gammaln from '@stdlib/math-base-special-gammaln';

// Math's functions as module constants: jest runs tests in a vm sandbox where every lookup of a global is slow.
const { abs, ceil, exp, floor, log, log1p, max, round } = Math;

// Log-gamma, log-beta and digamma come from stdlib (well tested, CommonJS); the rest is small enough to keep here.
export { betaln, digamma, gammaln };

/** log(e^a + e^b) without overflow; -Infinity stands for a zero term. */
export function logSumExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b));
}

/** 1 / (1 + e^u), stable for any u. */
export function logistic(u: number): number {
  if (u >= 0) {
    const e = exp(-u);
    return e / (1 + e);
  }
  return 1 / (1 + exp(u));
}

const SERIES_EPS = 1e-16;
const MAX_SERIES_TERMS = 5_000_000;
const NEAR_INTEGER = 2e-4;

/**
 * Gauss hypergeometric function 2F1(a, b; c; z) for real arguments and z < 1.
 *
 * - z < 0: Pfaff's transformation 2F1(a,b;c;z) = (1-z)^-a 2F1(a, c-b; c; z/(z-1)) moves z into [0, 1).
 * - 0 ≤ z ≤ 0.9: the Gauss series, summed until a bound on the rest of it is below 1e-16 of the sum.
 * - z > 0.9: the linear transformation to 1-z (Abramowitz & Stegun 15.3.6), where both series converge fast.
 *   When c-a-b is an integer n the transformation needs logarithmic terms (A&S 15.3.10-12), and near one its two halves
 *   cancel; within 2e-4 of n it is evaluated instead with b moved so that c-a-b = n ± h, n ± 2h (h = 2e-4, where the
 *   cancellation costs under 4 digits) and interpolated back to b with a cubic: F is smooth in b, so this is accurate to
 *   ~1e-11 where the Gauss series would need ~37/(1-z) terms.
 *
 * Throws for z ≥ 1 and for c a non-positive integer (where the function is not defined). Returns ±Infinity only when
 * the true value does not fit in a double (e.g. 2F1(500, 500; 500; 0.9) = 10^500).
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (![a, b, c, z].every(Number.isFinite)) throw new RangeError('hyp2f1: arguments must be finite');
  if (z >= 1) throw new RangeError(`hyp2f1: z must be < 1, got ${z}`);
  if (c <= 0 && Number.isInteger(c)) throw new RangeError(`hyp2f1: c must not be a non-positive integer, got ${c}`);
  if (z < 0) {
    const w = z / (z - 1);
    return exp(-a * log1p(-z)) * hyp2f1(a, c - b, c, w);
  }
  if (z <= 0.9) return gaussSeries(a, b, c, z);
  const s = c - a - b;
  const offset = s - round(s);
  if (abs(offset) > NEAR_INTEGER) return viaOneMinusZ(a, b, c, z);
  return interpolateAt(offset, NEAR_INTEGER, (delta) => viaOneMinusZ(a, b + offset - delta, c, z));
}

/**
 * f(target) from f at ±h and ±2h by cubic (Lagrange) interpolation, for |target| ≤ h: for functions that are smooth
 * but cannot be evaluated accurately near 0.
 */
export function interpolateAt(target: number, h: number, f: (x: number) => number): number {
  const nodes = [-2 * h, -h, h, 2 * h];
  let sum = 0;
  for (const xi of nodes) {
    let weight = 1;
    for (const xj of nodes) if (xj !== xi) weight *= (target - xj) / (xi - xj);
    sum += weight * f(xi);
  }
  return sum;
}

/** Σ (a)_k (b)_k / ((c)_k k!) z^k for 0 ≤ z < 1. */
function gaussSeries(a: number, b: number, c: number, z: number): number {
  let term = 1;
  let sum = 1;
  // Beyond k0 the term ratio (a+k)(b+k)z/((c+k)(k+1)) is monotone in k and tends to z, so it stays below
  // max(current ratio, z): the rest of the series is then bounded by a geometric series.
  const k0 = ceil(max(abs(a), abs(b), abs(c))) + 2;
  let quietTerms = 0;
  for (let k = 0; k < MAX_SERIES_TERMS; k++) {
    const ratio = (((a + k) * (b + k)) / ((c + k) * (k + 1))) * z;
    term *= ratio;
    sum += term;
    if (term === 0 || !Number.isFinite(sum)) return sum; // a polynomial (a or b a non-positive integer), or overflow
    if (k < k0) continue;
    const rho = max(abs(ratio), z);
    const restBound = rho < 1 ? (abs(term) * rho) / (1 - rho) : Infinity;
    quietTerms = restBound <= SERIES_EPS * abs(sum) ? quietTerms + 1 : 0;
    if (quietTerms >= 2) return sum;
  }
  return sum;
}

/** log|Γ(x)| and its sign; Γ has poles at 0, -1, -2, … where 1/Γ = 0 (returned as log = +Infinity). */
function signedLogGamma(x: number): { log: number; sign: number } {
  if (x <= 0 && Number.isInteger(x)) return { log: Infinity, sign: 1 };
  const sign = x > 0 || floor(x) % 2 === 0 ? 1 : -1;
  return { log: gammaln(x), sign };
}

/** sign · exp(extraLog) · Π Γ(num) / Π Γ(den), in log space so that huge and tiny factors meet before exp. */
function gammaRatioTerm(num: number[], den: number[], extraLog = 0): number {
  let logValue = extraLog;
  let sign = 1;
  for (const x of den) {
    const g = signedLogGamma(x);
    if (g.log === Infinity) return 0; // 1/Γ(pole) = 0 kills the whole term
    logValue -= g.log;
    sign *= g.sign;
  }
  for (const x of num) {
    const g = signedLogGamma(x);
    logValue += g.log;
    sign *= g.sign;
  }
  return sign * exp(logValue);
}

/** A&S 15.3.6, for z close to 1 and c-a-b not an integer. */
function viaOneMinusZ(a: number, b: number, c: number, z: number): number {
  const w = 1 - z;
  const s = c - a - b;
  const first = gammaRatioTerm([c, s], [c - a, c - b]);
  const second = gammaRatioTerm([c, -s], [a, b], s * log(w));
  const left = first === 0 ? 0 : first * gaussSeries(a, b, 1 - s, w);
  const right = second === 0 ? 0 : second * gaussSeries(c - a, c - b, 1 + s, w);
  return left + right;
}
