import { mulberry32, sampleBeta, sampleExponential, sampleGamma, sampleGeometric, samplePoisson, simulateBgNbd, simulateGammaGamma, type Rng } from './prng';

function moments(rng: Rng, draw: (rng: Rng) => number, n = 20_000) {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const x = draw(rng);
    sum += x;
    squares += x * x;
  }
  const mean = sum / n;
  return { mean, variance: squares / n - mean * mean };
}

// With 2·10^4 draws the sample mean is within 4 standard errors (sd/141) of the true one except once in ~16,000 runs;
// the seeds are fixed, so these either always pass or always fail.
const closeTo = (actual: number, expected: number, sd: number, n = 20_000) => expect(Math.abs(actual - expected)).toBeLessThan((4 * sd) / Math.sqrt(n));

describe('prng', () => {
  it('mulberry32 is deterministic per seed and uniform on [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const draws = Array.from({ length: 1000 }, () => a());
    expect(draws).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    const { mean, variance } = moments(mulberry32(1), (rng) => rng());
    closeTo(mean, 0.5, Math.sqrt(1 / 12));
    expect(variance).toBeCloseTo(1 / 12, 3);
  });

  it('samplers have the right means and variances', () => {
    const rng = mulberry32(7);
    const gamma = moments(rng, (r) => sampleGamma(r, 2.5, 0.5)); // mean 5, variance 10
    closeTo(gamma.mean, 5, Math.sqrt(10));
    expect(gamma.variance / 10).toBeCloseTo(1, 1);
    const small = moments(rng, (r) => sampleGamma(r, 0.25, 4)); // shape < 1: mean 1/16, variance 1/64
    closeTo(small.mean, 1 / 16, 1 / 8);
    const beta = moments(rng, (r) => sampleBeta(r, 0.8, 2.5)); // mean 0.2424, variance ab/((a+b)²(a+b+1))
    closeTo(beta.mean, 0.8 / 3.3, Math.sqrt((0.8 * 2.5) / (3.3 * 3.3 * 4.3)));
    for (const mean of [0.5, 3, 25, 400]) closeTo(moments(rng, (r) => samplePoisson(r, mean)).mean, mean, Math.sqrt(mean));
    closeTo(moments(rng, (r) => sampleExponential(r, 2)).mean, 0.5, 0.5);
    closeTo(moments(rng, (r) => sampleGeometric(r, 0.2)).mean, 5, Math.sqrt(0.8) / 0.2);
  });

  it('tiny shapes give small but valid draws, never NaN', () => {
    const rng = mulberry32(3);
    for (let i = 0; i < 1000; i++) {
      const x = sampleBeta(rng, 1e-3, 1e-3);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(1);
      expect(Number.isFinite(sampleGamma(rng, 1e-3, 1))).toBe(true);
    }
  });

  it('simulations are reproducible and consistent', () => {
    const params = { r: 0.25, alpha: 4, a: 0.8, b: 2.5 };
    const one = simulateBgNbd(params, { customers: 500, T: { min: 27, max: 39 }, seed: 9 });
    expect(simulateBgNbd(params, { customers: 500, T: { min: 27, max: 39 }, seed: 9 })).toEqual(one);
    for (const s of one) {
      expect(Number.isInteger(s.frequency)).toBe(true);
      expect(s.T).toBeGreaterThanOrEqual(27);
      expect(s.T).toBeLessThanOrEqual(39);
      expect(s.recency).toBeLessThanOrEqual(s.T);
      if (s.frequency === 0) expect(s.recency).toBe(0);
    }
    const spend = simulateGammaGamma({ p: 6, q: 4, gamma: 15 }, { frequencies: [0, 1, 5], seed: 2 });
    expect(spend[0]).toEqual({ frequency: 0, monetary: 0 });
    expect(spend[1].monetary).toBeGreaterThan(0);
  });
});
