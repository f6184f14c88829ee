/**
 * The BG/NBD model of Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way", Marketing Science 24(2).
 *
 * While alive a customer buys at rate λ ~ Gamma(r, α) (Poisson purchases); after each repeat purchase they drop out
 * for good with probability p ~ Beta(a, b). A customer is summarised by x (repeat purchases), t_x (time of the last
 * one) and T (age), all measured from the first purchase; see rfm-summary.ts.
 */
import { minimiseBfgs } from './optimise';
import type { CustomerSummary } from './rfm-summary';
import { betaln, digamma, gammaln, hyp2f1, interpolateAt, logistic } from './special';

// Math's functions as module constants: jest runs tests in a vm sandbox where every lookup of a global is slow.
const { abs, exp, log, log1p, max, sqrt } = Math;

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export type BgNbdCustomer = Pick<CustomerSummary, 'frequency' | 'recency' | 'T'>;

export interface BgNbdStart {
  from: BgNbdParams;
  params: BgNbdParams;
  logLikelihood: number;
  iterations: number;
  converged: boolean;
}

export interface BgNbdFit {
  params: BgNbdParams;
  logLikelihood: number;
  /** BFGS iterations of the start that won */
  iterations: number;
  /** the winning start met the gradient tolerance */
  converged: boolean;
  /** every start, so a caller can see whether they agree */
  starts: BgNbdStart[];
}

export interface BgNbdFitOptions {
  /** starting points; by default three, scaled to the data's purchase rate */
  starts?: BgNbdParams[];
  maxIterations?: number;
  /** on the gradient of the mean log-likelihood per customer, in log-parameters */
  gradientTolerance?: number;
}

// ---------------------------------------------------------------------------------------------------------------------
// Likelihood (FHL 2005, eq. 6) and its gradient

/**
 * Customers grouped by identical (x, t_x, T), which many share (all the x = 0 customers of one first-purchase day),
 * with the terms that depend on x alone computed once per distinct x.
 */
interface Grouped {
  frequencies: number[];
  frequencyIndex: Int32Array;
  recency: Float64Array;
  age: Float64Array;
  weight: Float64Array;
  total: number;
}

function group(summaries: readonly BgNbdCustomer[]): Grouped {
  if (summaries.length === 0) throw new RangeError('no customers to fit');
  const rows = new Map<string, { x: number; tx: number; T: number; n: number }>();
  for (const s of summaries) {
    checkObservation(s.frequency, s.recency, s.T);
    const key = `${s.frequency}|${s.recency}|${s.T}`;
    const row = rows.get(key);
    if (row) row.n += 1;
    else rows.set(key, { x: s.frequency, tx: s.frequency === 0 ? 0 : s.recency, T: s.T, n: 1 });
  }
  const frequencies = [...new Set([...rows.values()].map((row) => row.x))];
  const indexOf = new Map(frequencies.map((x, i) => [x, i]));
  const size = rows.size;
  const grouped: Grouped = {
    frequencies,
    frequencyIndex: new Int32Array(size),
    recency: new Float64Array(size),
    age: new Float64Array(size),
    weight: new Float64Array(size),
    total: summaries.length,
  };
  let i = 0;
  for (const row of rows.values()) {
    grouped.frequencyIndex[i] = indexOf.get(row.x)!;
    grouped.recency[i] = row.tx;
    grouped.age[i] = row.T;
    grouped.weight[i] = row.n;
    i++;
  }
  return grouped;
}

/** Log-likelihood and its gradient with respect to (log r, log α, log a, log b). */
function logLikelihoodAndGradient({ r, alpha, a, b }: BgNbdParams, data: Grouped): { value: number; gradient: number[] } {
  const xs = data.frequencies;
  // Per distinct x: log Γ(r+x)/Γ(r), log B(a,b+x)/B(a,b), log B(a+1,b+x-1)/B(a,b), and their derivatives.
  const c0 = new Float64Array(xs.length);
  const dc0 = new Float64Array(xs.length);
  const l1 = new Float64Array(xs.length);
  const l1a = new Float64Array(xs.length);
  const l1b = new Float64Array(xs.length);
  const l2 = new Float64Array(xs.length);
  const l2a = new Float64Array(xs.length);
  const l2b = new Float64Array(xs.length);
  const lbAB = betaln(a, b);
  const [psiR, psiA, psiB, psiAB, psiA1] = [digamma(r), digamma(a), digamma(b), digamma(a + b), digamma(a + 1)];
  for (let k = 0; k < xs.length; k++) {
    const x = xs[k];
    const psiABX = digamma(a + b + x);
    c0[k] = gammaln(r + x) - gammaln(r);
    dc0[k] = digamma(r + x) - psiR;
    l1[k] = betaln(a, b + x) - lbAB;
    l1a[k] = psiAB - psiABX;
    l1b[k] = digamma(b + x) - psiABX - (psiB - psiAB);
    if (x > 0) {
      l2[k] = betaln(a + 1, b + x - 1) - lbAB;
      l2a[k] = psiA1 - psiABX - (psiA - psiAB);
      l2b[k] = digamma(b + x - 1) - psiABX - (psiB - psiAB);
    }
  }

  const logAlpha = log(alpha);
  let ll = 0;
  let gr = 0;
  let gAlpha = 0;
  let ga = 0;
  let gb = 0;
  for (let i = 0; i < data.weight.length; i++) {
    const k = data.frequencyIndex[i];
    const x = xs[k];
    const n = data.weight[i];
    const rx = r + x;
    const logAge = log(alpha + data.age[i]);
    const alive = l1[k] - rx * logAge; // still alive at T
    let both = alive; // log of (alive at T) + (dropped out right after the last purchase)
    let wAlive = 1; // share of the first term in the sum
    let logRecency = 0;
    if (x > 0) {
      logRecency = log(alpha + data.recency[i]);
      const dropped = l2[k] - rx * logRecency;
      if (alive >= dropped) {
        const e = exp(dropped - alive);
        both = alive + log1p(e);
        wAlive = 1 / (1 + e);
      } else {
        const e = exp(alive - dropped);
        both = dropped + log1p(e);
        wAlive = e / (1 + e);
      }
    }
    const wDropped = 1 - wAlive;
    ll += n * (c0[k] + both);
    gr += n * (dc0[k] - wAlive * logAge - wDropped * logRecency);
    gAlpha -= n * rx * (wAlive / (alpha + data.age[i]) + (x > 0 ? wDropped / (alpha + data.recency[i]) : 0));
    ga += n * (wAlive * l1a[k] + wDropped * l2a[k]);
    gb += n * (wAlive * l1b[k] + wDropped * l2b[k]);
  }
  const N = data.total;
  ll += N * r * logAlpha;
  gr += N * logAlpha;
  gAlpha += (N * r) / alpha;
  // Chain rule to log-parameters: d/d(log θ) = θ · d/dθ.
  return { value: ll, gradient: [r * gr, alpha * gAlpha, a * ga, b * gb] };
}

/** Total log-likelihood of the customers under the BG/NBD (FHL 2005, eq. 6, summed). */
export function bgNbdLogLikelihood(params: BgNbdParams, summaries: readonly BgNbdCustomer[]): number {
  checkParams(params);
  return logLikelihoodAndGradient(params, group(summaries)).value;
}

/**
 * Maximum likelihood over log-parameters (so every parameter stays positive) with BFGS, from several starts; the best
 * start wins. The objective is the mean log-likelihood per customer, so the tolerance does not depend on the size.
 */
export function fitBgNbd(summaries: readonly BgNbdCustomer[], options: BgNbdFitOptions = {}): BgNbdFit {
  const data = group(summaries);
  const starts = options.starts ?? defaultStarts(summaries);
  const results: BgNbdStart[] = starts.map((from) => {
    checkParams(from);
    const minimum = minimiseBfgs(
      (theta) => {
        const { value, gradient } = logLikelihoodAndGradient(fromLog(theta), data);
        return { value: -value / data.total, gradient: gradient.map((g) => -g / data.total) };
      },
      [log(from.r), log(from.alpha), log(from.a), log(from.b)],
      { maxIterations: options.maxIterations, gradientTolerance: options.gradientTolerance },
    );
    return { from, params: fromLog(minimum.x), logLikelihood: -minimum.value * data.total, iterations: minimum.iterations, converged: minimum.converged };
  });
  const finite = results.filter((s) => Number.isFinite(s.logLikelihood));
  if (finite.length === 0) throw new Error('BG/NBD fit failed from every start');
  const best = finite.reduce((x, y) => (y.logLikelihood > x.logLikelihood ? y : x));
  return { params: best.params, logLikelihood: best.logLikelihood, iterations: best.iterations, converged: best.converged, starts: results };
}

function fromLog(theta: readonly number[]): BgNbdParams {
  return { r: exp(theta[0]), alpha: exp(theta[1]), a: exp(theta[2]), b: exp(theta[3]) };
}

/** Starts around the data's mean repeat-purchase rate ρ (per time unit): E[λ] = r/α, so α = r/ρ. */
function defaultStarts(summaries: readonly BgNbdCustomer[]): BgNbdParams[] {
  let purchases = 0;
  let time = 0;
  for (const s of summaries) {
    purchases += s.frequency;
    time += s.T;
  }
  const rate = max(purchases / max(time, 1e-12), 1e-6);
  return [
    { r: 1, alpha: 1 / rate, a: 1, b: 1 },
    { r: 0.3, alpha: 0.3 / rate, a: 0.5, b: 3 },
    { r: 3, alpha: 3 / rate, a: 2, b: 1 },
  ];
}

// ---------------------------------------------------------------------------------------------------------------------
// Predictions

/** P(alive at T | x, t_x, T) (FHL 2005, eq. 11); 1 for a customer with no repeat purchase. */
export function pAlive(params: BgNbdParams, x: number, tx: number, T: number): number {
  checkParams(params);
  checkObservation(x, tx, T);
  if (x === 0) return 1;
  const { r, alpha, a, b } = params;
  // odds of "dropped out after the last purchase" against "alive", in log space so large x or T never overflow
  const logOdds = log(a) - log(b + x - 1) + (r + x) * log1p((T - tx) / (alpha + tx));
  return logistic(logOdds);
}

/**
 * E[purchases in (T, T+t] | x, t_x, T] (FHL 2005, eq. 10) = P(alive) · E[purchases in the next t | alive].
 *
 * Given alive at T, the posterior is λ ~ Gamma(r+x, α+T), p ~ Beta(a, b+x), independent.
 */
export function expectedPurchases(params: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  const alive = pAlive(params, x, tx, T);
  checkHorizon(t);
  const { r, alpha, a, b } = params;
  return alive * expectedWhileAlive(r + x, alpha + T, a, b + x, t);
}

/** E[X(t)]: expected repeat purchases of a new customer in their first t time units (FHL 2005, eq. 9), for tracking curves. */
export function expectedPurchasesUnconditional(params: BgNbdParams, t: number): number {
  checkParams(params);
  checkHorizon(t);
  const { r, alpha, a, b } = params;
  return expectedWhileAlive(r, alpha, a, b, t);
}

const DIRECT_SUM_TERMS = 100_000;
const NEAR_ONE = 1e-4;
const MAX_DIRECT_SUM_TERMS = 10_000_000;

/**
 * Expected purchases in the next t of a customer alive now with λ ~ Gamma(m, β), p ~ Beta(a, B).
 *
 * If nobody dropped out they would make N ~ NBD(m, z = t/(β+t)) purchases; with dropout they make the j-th of them only
 * if they survived the j-1 before, so E = Σ_k P(N=k) · S_k, S_k = Σ_{j<k} E[(1-p)^j] = Σ_{j<k} (B)_j / (a+B)_j.
 * This is eq. 10's 2F1 expression summed term by term after expanding the "1 -" in it as a binomial series: all terms
 * are positive (no cancellation, and no 0/0 at a = 1 where eq. 10 divides by a - 1).
 *
 * The sum needs about as many terms as N's mean plus a few tail lengths. Beyond 10^5 (only for horizons far longer
 * than the customer's history, e.g. t/(α+T) > 10^3) eq. 10 itself is used, in Euler's form
 * (1-z)^m 2F1(m, B; a+B-1; z) = (1-z)^(a-1) 2F1(a+B-1-m, a-1; a+B-1; z) whose terms stay small; hyp2f1 then takes
 * its 1-z route. Within 1e-4 of a = 1, where eq. 10 loses digits to cancellation, it is interpolated across a = 1.
 * Should it fail (non-finite), the direct sum runs, up to 10^7 terms; past those (only with extreme inputs: e.g.
 * 500 purchases in a customer one day old with a horizon of decades) it is cut short and the result is a lower bound.
 */
function expectedWhileAlive(m: number, beta: number, a: number, B: number, t: number): number {
  if (t === 0) return 0;
  const s = t / beta;
  const terms = m * s + 40 * (1 + s) + 40 * sqrt(m * s * (1 + s));
  if (terms > DIRECT_SUM_TERMS) {
    // eq. 10 divides by a - 1: near a = 1 take it at a = 1 ± h, 1 ± 2h and interpolate (see interpolateAt)
    const closed = abs(a - 1) > NEAR_ONE ? viaHypergeometric(m, beta, a, B, t) : interpolateAt(a - 1, NEAR_ONE, (d) => viaHypergeometric(m, beta, 1 + d, B, t));
    if (Number.isFinite(closed) && closed >= 0) return closed;
  }
  return directSum(m, beta, a, B, t);
}

function directSum(m: number, beta: number, a: number, B: number, t: number): number {
  const z = t / (beta + t);
  // P(N=k) = w · e^logScale, rescaled as it grows so that P(N=0) = (1-z)^m may underflow without harm.
  let logScale = -m * log1p(t / beta);
  let w = 1;
  let q = 1; // E[(1-p)^k]
  let survivalSum = 0; // S_k
  let sum = 0;
  for (let k = 0; k < MAX_DIRECT_SUM_TERMS; k++) {
    w *= ((m + k) * z) / (k + 1); // P(N=k+1)
    survivalSum += q; // S_{k+1}
    q *= (B + k) / (a + B + k);
    const term = w * survivalSum;
    sum += term;
    if (w > 1e200) {
      w *= 1e-200;
      sum *= 1e-200;
      logScale += 200 * Math.LN10;
    }
    // P(N=k) falls by the ratio (m+k)z/(k+1) per step, which tends to z monotonically, and S_k grows by at most 1 per
    // step, so the rest is below term · Σ_j ρ^j (1 + j).
    const rho = max(((m + k + 1) * z) / (k + 2), z);
    if (rho < 1 && (term * rho * (2 - rho)) / ((1 - rho) * (1 - rho)) <= 1e-15 * sum) break;
    if (term === 0 && k > m * z) break; // underflowed far in the tail
  }
  return sum > 0 ? exp(logScale + log(sum)) : 0;
}

/** FHL eq. 10 without the P(alive) factor, in Euler's form (see above). */
function viaHypergeometric(m: number, beta: number, a: number, B: number, t: number): number {
  const c = a + B - 1;
  const logOneMinusZ = -log1p(t / beta);
  try {
    const f = hyp2f1(c - m, a - 1, c, t / (beta + t));
    const rest = 1 - exp((a - 1) * logOneMinusZ) * f;
    return (c / (a - 1)) * rest;
  } catch {
    return NaN; // c a non-positive integer: the caller falls back to the direct sum
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Distribution of the number of purchases

/**
 * P(Y = k) for k = 0, 1, 2, …, Y = purchases in (T, T+t], from the model's probability mass (no simulation).
 *
 * Dead at T (probability 1 - P(alive)): Y = 0. Alive: with N ~ NBD(r+x, t/(α+T+t)) the purchases a never-dropping
 * customer would make and p ~ Beta(a, b+x),
 *   P(Y = k | alive) = E[p (1-p)^(k-1)] · P(N ≥ k)   (made k, then dropped out after the k-th)
 *                    + E[(1-p)^k] · P(N = k)        (made exactly k, still alive),
 * where E[p (1-p)^(k-1)] = B(a+1, b+x+k-1) / B(a, b+x) and E[(1-p)^k] = B(a, b+x+k) / B(a, b+x), both by recursion.
 */
function* purchaseMass(params: BgNbdParams, t: number, x: number, tx: number, T: number): Generator<number> {
  const alive = pAlive(params, x, tx, T);
  checkHorizon(t);
  const { r, alpha, a, b } = params;
  if (t === 0) {
    // nothing can happen in no time
    yield 1;
    while (true) yield 0;
  }
  const m = r + x;
  const beta = alpha + T;
  const B = b + x;
  const logZ = log(t) - log(beta + t);
  let logPN = -m * log1p(t / beta); // log P(N = 0)
  let cdfN = exp(logPN);
  let dropAfter = a / (a + B); // E[p (1-p)^(k-1)] at k = 1
  let survive = 1; // E[(1-p)^k] at k = 0
  yield 1 - alive + alive * cdfN;
  for (let k = 1; ; k++) {
    logPN += log((m + k - 1) / k) + logZ;
    survive *= (B + k - 1) / (a + B + k - 1);
    const pN = exp(logPN);
    yield alive * (dropAfter * max(0, 1 - cdfN) + survive * pN);
    cdfN += pN;
    dropAfter *= (B + k - 1) / (a + B + k);
  }
}

/** [P(Y=0), …, P(Y=maxPurchases)] for the purchases in the next t units; see purchaseMass for the method. */
export function purchaseDistribution(params: BgNbdParams, t: number, x: number, tx: number, T: number, maxPurchases = 100): number[] {
  if (!Number.isInteger(maxPurchases) || maxPurchases < 0) throw new RangeError(`maxPurchases must be a count, got ${maxPurchases}`);
  const masses: number[] = [];
  for (const p of purchaseMass(params, t, x, tx, T)) {
    masses.push(p);
    if (masses.length > maxPurchases) break;
  }
  return masses;
}

const MAX_INTERVAL_STEPS = 10_000_000;

/**
 * Equal-tailed interval of the purchases in the next t units: low is the smallest k with P(Y ≤ k) ≥ (1-level)/2, high
 * the smallest with P(Y ≤ k) ≥ (1+level)/2. Y is discrete, so the interval holds at least `level` of the mass.
 */
export function purchaseInterval(params: BgNbdParams, t: number, x: number, tx: number, T: number, level = 0.8): { low: number; high: number } {
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  const lowTarget = (1 - level) / 2;
  const highTarget = (1 + level) / 2;
  let cdf = 0;
  let low = -1;
  let k = 0;
  for (const p of purchaseMass(params, t, x, tx, T)) {
    cdf += p;
    if (low < 0 && cdf >= lowTarget) low = k;
    // rounding may leave the total a hair under 1: a target within 1e-12 of it counts as reached
    if (cdf >= highTarget - 1e-12 || k >= MAX_INTERVAL_STEPS) break;
    k++;
  }
  return { low: max(low, 0), high: k };
}

// ---------------------------------------------------------------------------------------------------------------------
// Input checks: invalid input is an error, never a NaN further down

function checkParams(params: BgNbdParams): void {
  for (const [name, value] of Object.entries(params)) {
    if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`BG/NBD parameter ${name} must be positive and finite, got ${value}`);
  }
}

function checkObservation(x: number, tx: number, T: number): void {
  if (!(Number.isInteger(x) && x >= 0)) throw new RangeError(`frequency must be a non-negative integer, got ${x}`);
  if (!(Number.isFinite(T) && T >= 0)) throw new RangeError(`T must be non-negative and finite, got ${T}`);
  // a little slack for recency and T computed in different ways from the same dates
  if (!(Number.isFinite(tx) && tx >= 0 && tx <= T * (1 + 1e-12) + 1e-12)) throw new RangeError(`recency must be in [0, T], got ${tx} with T = ${T}`);
}

function checkHorizon(t: number): void {
  if (!(Number.isFinite(t) && t >= 0)) throw new RangeError(`horizon must be non-negative and finite, got ${t}`);
}
