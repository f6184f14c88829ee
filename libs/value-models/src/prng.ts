/**
 * A small seeded PRNG and the samplers the simulations need, so tests and benchmarks are reproducible without
 * Math.random. Not for anything that needs cryptographic randomness.
 */
import type { BgNbdParams } from './bg-nbd';
import type { GammaGammaParams, SpendObservation } from './gamma-gamma';
import type { CustomerSummary } from './rfm-summary';
import { gammaln } from './special';

// Math's functions as module constants: jest runs tests in a vm sandbox where every lookup of a global is slow.
const { abs, ceil, cos, exp, floor, imul, log, log1p, max, sqrt } = Math;

/** Uniform on [0, 1). */
export type Rng = () => number;

/** mulberry32 (Tommy Ettinger): 32 bits of state, passes the usual statistical batteries for this kind of use. */
export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform on (0, 1): never 0, so its logarithm is finite. */
function openUniform(rng: Rng): number {
  let u = rng();
  while (u === 0) u = rng();
  return u;
}

export function sampleExponential(rng: Rng, rate: number): number {
  return -log(openUniform(rng)) / rate;
}

export function sampleNormal(rng: Rng): number {
  // Box–Muller; one of the pair is thrown away, which keeps the function stateless
  return sqrt(-2 * log(openUniform(rng))) * cos(2 * Math.PI * rng());
}

/**
 * log of a Gamma(shape, 1) draw: Marsaglia & Tsang (2000), with their boost G(a) = G(a+1) · U^(1/a) for shape < 1
 * done in log space, so tiny shapes (whose draws underflow to 0) still give a usable value.
 */
function sampleLogGamma(rng: Rng, shape: number): number {
  if (shape < 1) return sampleLogGamma(rng, shape + 1) + log(openUniform(rng)) / shape;
  const d = shape - 1 / 3;
  const c = 1 / sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = sampleNormal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = openUniform(rng);
    if (log(u) < 0.5 * x * x + d - d * v + d * log(v)) return log(d * v);
  }
}

/** Gamma with the given shape and rate (mean shape/rate). */
export function sampleGamma(rng: Rng, shape: number, rate: number): number {
  return exp(sampleLogGamma(rng, shape)) / rate;
}

/** Beta(a, b) as G_a / (G_a + G_b), in log space so small shapes do not give 0/0. */
export function sampleBeta(rng: Rng, a: number, b: number): number {
  const ga = sampleLogGamma(rng, a);
  const gb = sampleLogGamma(rng, b);
  return 1 / (1 + exp(gb - ga));
}

/** Poisson: Knuth's product of uniforms below mean 10, Hörmann's PTRS (1993, as in numpy) above. */
export function samplePoisson(rng: Rng, mean: number): number {
  if (mean <= 0) return 0;
  if (mean < 10) {
    const limit = exp(-mean);
    let k = 0;
    let product = rng();
    while (product > limit) {
      k++;
      product *= rng();
    }
    return k;
  }
  const logMean = log(mean);
  const b = 0.931 + 2.53 * sqrt(mean);
  const a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng() - 0.5;
    const v = rng();
    const us = 0.5 - abs(u);
    const k = floor(((2 * a) / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (log(v) + log(invAlpha) - log(a / (us * us) + b) <= -mean + k * logMean - gammaln(k + 1)) return k;
  }
}

/** Trials up to and including the first success, success probability p per trial (support 1, 2, …). */
export function sampleGeometric(rng: Rng, p: number): number {
  if (!(p > 0 && p <= 1)) throw new RangeError(`success probability must be in (0, 1], got ${p}`);
  if (p === 1) return 1;
  return max(1, ceil(log(openUniform(rng)) / log1p(-p)));
}

export interface BgNbdSimulation {
  customers: number;
  /** age of every customer, or a range drawn uniformly (first purchases spread over time, like a quarter's cohort) */
  T: number | { min: number; max: number };
  seed: number;
}

/**
 * Customers drawn from the BG/NBD itself, in continuous time: first purchase at 0, then exponential gaps at rate λ, and
 * after each repeat purchase a coin with probability p ends the customer. Summaries come out as summarise() gives them
 * (monetary 0: spend is simulateGammaGamma's business).
 */
export function simulateBgNbd(params: BgNbdParams, options: BgNbdSimulation): CustomerSummary[] {
  const rng = mulberry32(options.seed);
  const summaries: CustomerSummary[] = [];
  for (let i = 0; i < options.customers; i++) {
    const T = typeof options.T === 'number' ? options.T : options.T.min + rng() * (options.T.max - options.T.min);
    const lambda = sampleGamma(rng, params.r, params.alpha);
    const p = sampleBeta(rng, params.a, params.b);
    let x = 0;
    let tx = 0;
    for (let at = sampleExponential(rng, lambda); at <= T; at += sampleExponential(rng, lambda)) {
      x++;
      tx = at;
      if (rng() < p) break;
    }
    summaries.push({ customerId: `sim-${i}`, frequency: x, recency: tx, T, monetary: 0 });
  }
  return summaries;
}

/**
 * Mean spend of customers drawn from the Gamma-Gamma model: ν ~ Gamma(q, γ) per customer, and the sum of x
 * Gamma(p, ν) values is one Gamma(p·x, ν) draw. One customer per entry of `frequencies` (0 gives monetary 0).
 */
export function simulateGammaGamma(params: GammaGammaParams, options: { frequencies: readonly number[]; seed: number }): SpendObservation[] {
  const rng = mulberry32(options.seed);
  return options.frequencies.map((frequency) => {
    if (frequency <= 0) return { frequency, monetary: 0 };
    const nu = sampleGamma(rng, params.q, params.gamma);
    return { frequency, monetary: sampleGamma(rng, params.p * frequency, nu) / frequency };
  });
}
