/**
 * The Gamma-Gamma model of spend per transaction: Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value"
 * (after Colombo & Jiang 1999).
 *
 * A customer's transaction values are Gamma(p, ν) with a customer-specific rate ν ~ Gamma(q, γ), so their mean value is
 * p/ν. What is observed is x (repeat transactions) and their mean m̄; the first purchase is left out, as in the
 * literature (see rfm-summary.ts). The model is scale-equivariant: fitting in cents instead of dollars multiplies γ by 100
 * and leaves p and q as they are; expected spend comes out in the unit the data went in.
 */
import { minimiseBfgs } from './optimise';
import { digamma, gammaln } from './special';

// Math's functions as module constants: jest runs tests in a vm sandbox where every lookup of a global is slow.
const { exp, log, min } = Math;

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

export interface SpendObservation {
  /** repeat transactions (days) */
  frequency: number;
  /** their mean value */
  monetary: number;
}

export interface GammaGammaFit {
  params: GammaGammaParams;
  logLikelihood: number;
  /** BFGS iterations of the start that won */
  iterations: number;
  converged: boolean;
  /** customers the fit used: frequency > 0 and monetary > 0 */
  customers: number;
}

interface Grouped {
  frequencies: number[];
  frequencyIndex: Int32Array;
  logMonetary: Float64Array;
  /** x · m̄ */
  total: Float64Array;
  /** Σ over customers of px·log x, px·log m̄ and log m̄ need only these sums */
  sumXLogX: number;
  sumXLogM: number;
  sumLogM: number;
  count: number;
}

/**
 * Only customers with a repeat purchase say anything about spend, and a mean of 0 (free orders) has no density under a
 * gamma, so the fit keeps frequency > 0 and monetary > 0.
 */
function group(pairs: readonly SpendObservation[]): Grouped {
  const kept = pairs.filter((o) => {
    if (!(Number.isInteger(o.frequency) && o.frequency >= 0)) throw new RangeError(`frequency must be a non-negative integer, got ${o.frequency}`);
    if (!(Number.isFinite(o.monetary) && o.monetary >= 0)) throw new RangeError(`monetary must be non-negative and finite, got ${o.monetary}`);
    return o.frequency > 0 && o.monetary > 0;
  });
  if (kept.length === 0) throw new RangeError('no customer with a repeat purchase of positive value to fit');
  const frequencies = [...new Set(kept.map((o) => o.frequency))];
  const indexOf = new Map(frequencies.map((x, i) => [x, i]));
  const grouped: Grouped = {
    frequencies,
    frequencyIndex: new Int32Array(kept.length),
    logMonetary: new Float64Array(kept.length),
    total: new Float64Array(kept.length),
    sumXLogX: 0,
    sumXLogM: 0,
    sumLogM: 0,
    count: kept.length,
  };
  kept.forEach((o, i) => {
    const logM = log(o.monetary);
    grouped.frequencyIndex[i] = indexOf.get(o.frequency)!;
    grouped.logMonetary[i] = logM;
    grouped.total[i] = o.frequency * o.monetary;
    grouped.sumXLogX += o.frequency * log(o.frequency);
    grouped.sumXLogM += o.frequency * logM;
    grouped.sumLogM += logM;
  });
  return grouped;
}

/**
 * Log-likelihood of the observed means (the density of m̄, as in lifetimes' GammaGammaFitter):
 *   log Γ(px+q) - log Γ(px) - log Γ(q) + q log γ + (px-1) log m̄ + px log x - (px+q) log(x m̄ + γ),
 * and its gradient with respect to (log p, log q, log γ).
 */
function logLikelihoodAndGradient({ p, q, gamma }: GammaGammaParams, data: Grouped): { value: number; gradient: number[] } {
  const xs = data.frequencies;
  const lg = new Float64Array(xs.length);
  const psiSum = new Float64Array(xs.length);
  const psiPx = new Float64Array(xs.length);
  for (let k = 0; k < xs.length; k++) {
    const px = p * xs[k];
    lg[k] = gammaln(px + q) - gammaln(px);
    psiSum[k] = digamma(px + q);
    psiPx[k] = digamma(px);
  }
  const logGamma = log(gamma);
  let ll = 0;
  let gp = 0;
  let gq = 0;
  let gGamma = 0;
  for (let i = 0; i < data.count; i++) {
    const k = data.frequencyIndex[i];
    const x = xs[k];
    const px = p * x;
    const logTotal = log(data.total[i] + gamma);
    ll += lg[k] - (px + q) * logTotal;
    gp += x * (psiSum[k] - psiPx[k] - logTotal);
    gq += psiSum[k] - logTotal;
    gGamma -= (px + q) / (data.total[i] + gamma);
  }
  const n = data.count;
  ll += n * (q * logGamma - gammaln(q)) + p * (data.sumXLogM + data.sumXLogX) - data.sumLogM;
  gp += data.sumXLogM + data.sumXLogX;
  gq += n * (logGamma - digamma(q));
  gGamma += (n * q) / gamma;
  return { value: ll, gradient: [p * gp, q * gq, gamma * gGamma] };
}

export function gammaGammaLogLikelihood(params: GammaGammaParams, pairs: readonly SpendObservation[]): number {
  checkParams(params);
  return logLikelihoodAndGradient(params, group(pairs)).value;
}

/** Maximum likelihood over log-parameters with BFGS from three starts (the best wins), like fitBgNbd. */
export function fitGammaGamma(pairs: readonly SpendObservation[], options: { starts?: GammaGammaParams[]; maxIterations?: number } = {}): GammaGammaFit {
  const data = group(pairs);
  const starts = options.starts ?? defaultStarts(pairs);
  let best: GammaGammaFit | null = null;
  for (const from of starts) {
    checkParams(from);
    const minimum = minimiseBfgs(
      (theta) => {
        const { value, gradient } = logLikelihoodAndGradient(fromLog(theta), data);
        return { value: -value / data.count, gradient: gradient.map((g) => -g / data.count) };
      },
      [log(from.p), log(from.q), log(from.gamma)],
      { maxIterations: options.maxIterations },
    );
    const fit = { params: fromLog(minimum.x), logLikelihood: -minimum.value * data.count, iterations: minimum.iterations, converged: minimum.converged, customers: data.count };
    if (Number.isFinite(fit.logLikelihood) && (!best || fit.logLikelihood > best.logLikelihood)) best = fit;
  }
  if (!best) throw new Error('Gamma-Gamma fit failed from every start');
  return best;
}

function fromLog(theta: readonly number[]): GammaGammaParams {
  return { p: exp(theta[0]), q: exp(theta[1]), gamma: exp(theta[2]) };
}

/** Starts with the model's mean spend pγ/(q-1) equal to the data's mean, so γ carries the currency unit. */
function defaultStarts(pairs: readonly SpendObservation[]): GammaGammaParams[] {
  const kept = pairs.filter((o) => o.frequency > 0 && o.monetary > 0);
  const mean = kept.reduce((sum, o) => sum + o.monetary, 0) / kept.length;
  return [
    { p: 1, q: 2, gamma: mean },
    { p: 5, q: 4, gamma: (mean * 3) / 5 },
    { p: 0.5, q: 1.5, gamma: mean },
  ];
}

/**
 * E[mean transaction value | x, m̄] = p (γ + x m̄) / (p x + q - 1) (Fader & Hardie 2013, eq. 5): a weighted mean of the
 * population mean pγ/(q-1) and the customer's own m̄, the weight moving to m̄ as x grows.
 *
 * When p x + q ≤ 1 (only possible with q ≤ 1) the posterior has no finite mean; the posterior mode
 * p (γ + x m̄) / (p x + q + 1) is returned instead, so the result is always finite.
 */
export function expectedSpend(params: GammaGammaParams, frequency: number, monetary: number): number {
  checkParams(params);
  if (!(Number.isInteger(frequency) && frequency >= 0)) throw new RangeError(`frequency must be a non-negative integer, got ${frequency}`);
  if (!(Number.isFinite(monetary) && monetary >= 0)) throw new RangeError(`monetary must be non-negative and finite, got ${monetary}`);
  const { p, q, gamma } = params;
  const x = frequency;
  const m = x > 0 ? monetary : 0;
  const denominator = p * x + q - 1;
  const value = denominator > 0 ? (p * (gamma + x * m)) / denominator : (p * (gamma + x * m)) / (p * x + q + 1);
  return min(value, Number.MAX_VALUE);
}

function checkParams(params: GammaGammaParams): void {
  for (const [name, value] of Object.entries(params)) {
    if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`Gamma-Gamma parameter ${name} must be positive and finite, got ${value}`);
  }
}
