import {
  bgNbdLogLikelihood,
  expectedPurchases,
  expectedPurchasesUnconditional,
  fitBgNbd,
  pAlive,
  purchaseDistribution,
  purchaseInterval,
  type BgNbdParams,
} from './bg-nbd';
import { simulateBgNbd } from './prng';
import { betaln, gammaln, hyp2f1 } from './special';

/** The published CDNOW fit (Fader, Hardie & Lee 2005). */
const CDNOW: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

const relative = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

// ---------------------------------------------------------------------------------------------------------------------
// An independent reference: the posterior over (λ, p) integrated numerically, from the model's definition alone.
//
// Prior λ ~ Gamma(r, α), p ~ Beta(a, b). Likelihood of (x, t_x, T) (FHL 2005, eq. 3):
//   alive at T:              (1-p)^x λ^x e^(-λT)
//   dropped after purchase x: p (1-p)^(x-1) λ^x e^(-λ t_x)      (x > 0)
// Given λ, p and alive at T, purchases in the next t: each purchase (rate λ) is followed by dropout with probability p,
// so E[Y | λ, p] = Σ_j (1-p)^(j-1) P(Poisson(λt) ≥ j) = (1 - e^(-λpt)) / p, and
// P(Y = k | λ, p) = p (1-p)^(k-1) P(N ≥ k) + (1-p)^k P(N = k), N ~ Poisson(λt).
// Integrals run over u = log λ and w = logit p, where the integrands are smooth bells vanishing at both ends; the
// trapezoid rule is then accurate to ~1e-10 with a few hundred nodes.

function trapezoidNodes(lo: number, hi: number, n: number): Array<{ at: number; weight: number }> {
  const h = (hi - lo) / (n - 1);
  return Array.from({ length: n }, (_, i) => ({ at: lo + i * h, weight: i === 0 || i === n - 1 ? h / 2 : h }));
}

/** λ-part λ^(m-1) e^(-βλ) dλ = e^(mu - βe^u) du. */
function lambdaNodes(m: number, beta: number, n = 500) {
  const lo = Math.log(m / beta) - 45 / m - 2;
  const hi = Math.log((m + 60 + 10 * Math.sqrt(m)) / beta);
  return trapezoidNodes(lo, hi, n).map(({ at, weight }) => ({ lambda: Math.exp(at), weight: weight * Math.exp(m * at - beta * Math.exp(at)) }));
}

/** p-part p^(c-1) (1-p)^(d-1) dp = p^c (1-p)^d dw. */
function pNodes(c: number, d: number, n = 500) {
  return trapezoidNodes(-45 / c - 2, 45 / d + 2, n).map(({ at, weight }) => {
    const logP = -Math.log1p(Math.exp(-at));
    const logQ = -Math.log1p(Math.exp(at));
    return { p: Math.exp(logP), weight: weight * Math.exp(c * logP + d * logQ) };
  });
}

function reference({ r, alpha, a, b }: BgNbdParams, x: number, tx: number, T: number) {
  const aliveLambda = lambdaNodes(r + x, alpha + T);
  const aliveP = pNodes(a, b + x);
  const sum = <N extends { weight: number }>(nodes: N[], f: (node: N) => number = () => 1) => nodes.reduce((s, node) => s + node.weight * f(node), 0);
  const alive = sum(aliveLambda) * sum(aliveP);
  const dropped = x > 0 ? sum(lambdaNodes(r + x, alpha + tx)) * sum(pNodes(a + 1, b + x - 1)) : 0;
  const evidence = alive + dropped;
  /** E over the posterior restricted to "alive at T" of f(λ, p), times P(alive) */
  const whileAlive = (f: (lambda: number, p: number) => number) => {
    let total = 0;
    for (const l of aliveLambda) for (const q of aliveP) total += l.weight * q.weight * f(l.lambda, q.p);
    return total / evidence;
  };
  return {
    pAlive: alive / evidence,
    expected: (t: number) => whileAlive((lambda, p) => -Math.expm1(-lambda * p * t) / p),
    /** [P(Y = 0), …, P(Y = kMax)] */
    probabilities: (t: number, kMax: number) => {
      const masses = Array.from({ length: kMax + 1 }, (_, k) => (k === 0 ? dropped / evidence : 0));
      for (const l of aliveLambda) {
        const poisson = [Math.exp(-l.lambda * t)];
        for (let j = 1; j <= kMax; j++) poisson.push((poisson[j - 1] * l.lambda * t) / j);
        for (const q of aliveP) {
          const weight = (l.weight * q.weight) / evidence;
          masses[0] += weight * poisson[0];
          let atLeast = 1 - poisson[0];
          let survived = 1; // (1-p)^(k-1)
          for (let k = 1; k <= kMax; k++) {
            masses[k] += weight * survived * (q.p * atLeast + (1 - q.p) * poisson[k]);
            atLeast -= poisson[k];
            survived *= 1 - q.p;
          }
        }
      }
      return masses;
    },
  };
}

/** FHL 2005 eq. 10 written out as published, with hyp2f1. */
function equation10({ r, alpha, a, b }: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  const z = t / (alpha + T + t);
  const numerator = ((a + b + x - 1) / (a - 1)) * (1 - Math.pow((alpha + T) / (alpha + T + t), r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z));
  const denominator = 1 + (x > 0 ? (a / (b + x - 1)) * Math.pow((alpha + T) / (alpha + tx), r + x) : 0);
  return numerator / denominator;
}

// (x, t_x, T, t) in weeks, around the CDNOW calibration period
const CASES: Array<[number, number, number, number]> = [
  [0, 0, 38.86, 39],
  [2, 30.43, 38.86, 39],
  [1, 2, 38.86, 39],
  [7, 35.14, 38.86, 39],
  [7, 5, 38.86, 39],
  [3, 1, 2, 13],
  [15, 70, 78, 52],
];

describe('BG/NBD predictions with the published CDNOW parameters', () => {
  it('match the figure in FHL 2005: a customer with x = 2, t_x = 30.43, T = 38.86 makes 1.226 purchases in the next 39 weeks', () => {
    expect(expectedPurchases(CDNOW, 39, 2, 30.43, 38.86)).toBeCloseTo(1.226, 3);
  });

  it.each(CASES)('P(alive) and E[purchases] for x=%d, t_x=%d, T=%d, t=%d agree with the numerical integration of the posterior', (x, tx, T, t) => {
    const ref = reference(CDNOW, x, tx, T);
    expect(relative(pAlive(CDNOW, x, tx, T), ref.pAlive)).toBeLessThan(1e-7);
    expect(relative(expectedPurchases(CDNOW, t, x, tx, T), ref.expected(t))).toBeLessThan(1e-7);
  });

  it.each(CASES)('E[purchases] for x=%d, t_x=%d, T=%d, t=%d agrees with eq. 10 evaluated with hyp2f1', (x, tx, T, t) => {
    expect(relative(expectedPurchases(CDNOW, t, x, tx, T), equation10(CDNOW, t, x, tx, T))).toBeLessThan(1e-10);
  });

  it('E[X(t)] of a new customer agrees with eq. 9 (hyp2f1) and with the integral over the prior', () => {
    for (const t of [1 / 7, 13, 39, 78, 520]) {
      const eq9 = equation10(CDNOW, t, 0, 0, 0); // eq. 10 at x = t_x = T = 0 is eq. 9
      expect(relative(expectedPurchasesUnconditional(CDNOW, t), eq9)).toBeLessThan(1e-10);
      expect(relative(expectedPurchasesUnconditional(CDNOW, t), reference(CDNOW, 0, 0, 0).expected(t))).toBeLessThan(1e-7);
    }
    expect(expectedPurchasesUnconditional(CDNOW, 0)).toBe(0);
  });

  it('far horizons (where eq. 10 in Euler form replaces the direct sum) still agree with the integral', () => {
    const young: BgNbdParams = { ...CDNOW, alpha: 0.05 };
    for (const [x, tx, T, t] of [[0, 0, 1 / 7, 5000], [1, 1 / 7, 2 / 7, 5000]]) {
      expect(relative(expectedPurchases(young, t, x, tx, T), reference(young, x, tx, T).expected(t))).toBeLessThan(1e-6);
    }
  });

  it('is continuous at a = 1, where eq. 10 divides by a - 1', () => {
    const at = (a: number) => expectedPurchases({ ...CDNOW, a }, 39, 2, 30.43, 38.86);
    expect(Number.isFinite(at(1))).toBe(true);
    expect(relative(at(1), (at(1 - 1e-6) + at(1 + 1e-6)) / 2)).toBeLessThan(1e-9);
    expect(relative(at(1), reference({ ...CDNOW, a: 1 }, 2, 30.43, 38.86).expected(39))).toBeLessThan(1e-7);
  });
});

describe('distribution of future purchases', () => {
  it.each(CASES)('P(Y = k) for x=%d, t_x=%d, T=%d, t=%d: sums to 1, has the right mean, and matches the integral for small k', (x, tx, T, t) => {
    const masses = purchaseDistribution(CDNOW, t, x, tx, T, 5000);
    expect(masses.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 9);
    const mean = masses.reduce((s, p, k) => s + k * p, 0);
    expect(relative(mean, expectedPurchases(CDNOW, t, x, tx, T))).toBeLessThan(1e-8);
    reference(CDNOW, x, tx, T)
      .probabilities(t, 3)
      .forEach((p, k) => expect(Math.abs(masses[k] - p)).toBeLessThan(1e-8));
  });

  it('gives an equal-tailed 80 % interval read off the cumulative distribution', () => {
    const masses = purchaseDistribution(CDNOW, 39, 2, 30.43, 38.86, 1000);
    const cdf: number[] = [];
    masses.forEach((p, k) => cdf.push((cdf[k - 1] ?? 0) + p));
    const { low, high } = purchaseInterval(CDNOW, 39, 2, 30.43, 38.86);
    expect(low).toBe(cdf.findIndex((c) => c >= 0.1));
    expect(high).toBe(cdf.findIndex((c) => c >= 0.9));
    expect(low).toBe(0); // a quarter of these customers are gone: P(Y = 0) > 0.1
    expect(high).toBeGreaterThanOrEqual(3);
    // wider for a higher level, and nothing for no time
    expect(purchaseInterval(CDNOW, 39, 2, 30.43, 38.86, 0.98).high).toBeGreaterThan(high);
    expect(purchaseInterval(CDNOW, 0, 2, 30.43, 38.86)).toEqual({ low: 0, high: 0 });
  });
});

describe('likelihood and fit', () => {
  it('sums FHL 2005 eq. 6 over customers', () => {
    const customers = [
      { frequency: 0, recency: 0, T: 38.86 },
      { frequency: 2, recency: 30.43, T: 38.86 },
      { frequency: 5, recency: 12, T: 20 },
    ];
    const { r, alpha, a, b } = CDNOW;
    const eq6 = ({ frequency: x, recency: tx, T }: (typeof customers)[number]) => {
      const common = gammaln(r + x) - gammaln(r) + r * Math.log(alpha);
      const alive = Math.exp(betaln(a, b + x) - betaln(a, b) - (r + x) * Math.log(alpha + T));
      const dropped = x > 0 ? Math.exp(betaln(a + 1, b + x - 1) - betaln(a, b) - (r + x) * Math.log(alpha + tx)) : 0;
      return common + Math.log(alive + dropped);
    };
    const expected = customers.reduce((s, c) => s + eq6(c), 0);
    expect(relative(bgNbdLogLikelihood(CDNOW, customers), expected)).toBeLessThan(1e-13);
  });

  it('ends at a stationary point of the likelihood (so the analytic gradient it follows is right)', () => {
    const data = simulateBgNbd(CDNOW, { customers: 2000, T: { min: 27, max: 39 }, seed: 11 });
    const fit = fitBgNbd(data);
    expect(fit.converged).toBe(true);
    for (const name of ['r', 'alpha', 'a', 'b'] as const) {
      const h = 1e-5;
      const at = (factor: number) => bgNbdLogLikelihood({ ...fit.params, [name]: fit.params[name] * factor }, data);
      const slope = (at(Math.exp(h)) - at(Math.exp(-h))) / (2 * h); // d LL / d log θ
      expect(Math.abs(slope)).toBeLessThan(1e-3);
    }
  });

  it('refuses invalid input instead of returning NaN', () => {
    expect(() => pAlive(CDNOW, 1.5, 1, 2)).toThrow(RangeError);
    expect(() => pAlive(CDNOW, 1, 3, 2)).toThrow(RangeError);
    expect(() => expectedPurchases({ ...CDNOW, r: 0 }, 1, 1, 1, 2)).toThrow(RangeError);
    expect(() => expectedPurchases(CDNOW, -1, 1, 1, 2)).toThrow(RangeError);
    expect(() => fitBgNbd([])).toThrow(RangeError);
  });
});
