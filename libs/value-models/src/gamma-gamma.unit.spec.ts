import { expectedSpend, fitGammaGamma, gammaGammaLogLikelihood, type GammaGammaParams } from './gamma-gamma';
import { simulateGammaGamma } from './prng';
import { gammaln } from './special';

/** The published CDNOW fit (Fader & Hardie 2013), spend in dollars. */
const CDNOW: GammaGammaParams = { p: 6.25, q: 3.74, gamma: 15.44 };

const relative = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

describe('Gamma-Gamma', () => {
  it('expected spend is FH 2013 eq. 5: between the population mean pγ/(q-1) and the customer’s own mean', () => {
    const { p, q, gamma } = CDNOW;
    const population = (p * gamma) / (q - 1); // 35.22 dollars
    expect(expectedSpend(CDNOW, 0, 0)).toBeCloseTo(population, 10);
    expect(expectedSpend(CDNOW, 0, 500)).toBeCloseTo(population, 10); // no repeat purchase: own mean means nothing
    expect(expectedSpend(CDNOW, 2, 20)).toBeCloseTo((p * (gamma + 2 * 20)) / (p * 2 + q - 1), 12);
    // more evidence pulls harder towards the customer's own mean
    const few = expectedSpend(CDNOW, 1, 100);
    const many = expectedSpend(CDNOW, 50, 100);
    expect(few).toBeGreaterThan(population);
    expect(many).toBeGreaterThan(few);
    expect(many).toBeLessThan(100);
    expect(relative(expectedSpend(CDNOW, 10_000, 100), 100)).toBeLessThan(0.01);
  });

  it('falls back to the posterior mode, a finite number, when the posterior mean does not exist (q ≤ 1)', () => {
    const heavy: GammaGammaParams = { p: 0.5, q: 0.8, gamma: 10 };
    expect(expectedSpend(heavy, 0, 0)).toBeCloseTo((0.5 * 10) / (0.8 + 1), 12);
    expect(expectedSpend(heavy, 1, 30)).toBeCloseTo((0.5 * (10 + 30)) / 0.3, 12); // p·1 + q - 1 = 0.3 > 0: the mean again
  });

  it('log-likelihood is the density of the observed mean, summed', () => {
    const { p, q, gamma: v } = CDNOW;
    const data = [
      { frequency: 1, monetary: 20 },
      { frequency: 4, monetary: 55.5 },
    ];
    const expected = data.reduce((s, { frequency: x, monetary: m }) => {
      return s + gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * Math.log(v) + (p * x - 1) * Math.log(m) + p * x * Math.log(x) - (p * x + q) * Math.log(x * m + v);
    }, 0);
    expect(relative(gammaGammaLogLikelihood(CDNOW, [...data, { frequency: 0, monetary: 0 }]), expected)).toBeLessThan(1e-13);
  });

  it('is scale-equivariant: spend in cents gives γ × 100 and the same p and q', () => {
    const frequencies = Array.from({ length: 3000 }, (_, i) => 1 + (i % 7));
    const dollars = simulateGammaGamma(CDNOW, { frequencies, seed: 5 });
    const inDollars = fitGammaGamma(dollars);
    const inCents = fitGammaGamma(dollars.map((o) => ({ ...o, monetary: o.monetary * 100 })));
    expect(inDollars.converged && inCents.converged).toBe(true);
    expect(relative(inCents.params.p, inDollars.params.p)).toBeLessThan(1e-5);
    expect(relative(inCents.params.q, inDollars.params.q)).toBeLessThan(1e-5);
    expect(relative(inCents.params.gamma, inDollars.params.gamma * 100)).toBeLessThan(1e-5);
  });

  it('leaves out customers who say nothing about spend, and refuses invalid input', () => {
    const fit = fitGammaGamma([
      ...simulateGammaGamma(CDNOW, { frequencies: Array.from({ length: 500 }, () => 3), seed: 1 }),
      { frequency: 0, monetary: 0 },
      { frequency: 2, monetary: 0 }, // free orders: a zero mean has no gamma density
    ]);
    expect(fit.customers).toBe(500);
    expect(() => fitGammaGamma([{ frequency: 0, monetary: 0 }])).toThrow(RangeError);
    expect(() => expectedSpend({ ...CDNOW, q: -1 }, 1, 1)).toThrow(RangeError);
    expect(() => expectedSpend(CDNOW, 1, NaN)).toThrow(RangeError);
  });
});
