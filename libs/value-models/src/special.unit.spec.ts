import { gammaln, hyp2f1, logistic, logSumExp } from './special';

const relative = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

describe('hyp2f1', () => {
  it('is 1 at z = 0 whatever the parameters', () => {
    for (const [a, b, c] of [[1, 1, 2], [0.3, 7.5, 0.1], [-2.5, 4, -0.5], [500, 500, 500]]) expect(hyp2f1(a, b, c, 0)).toBe(1);
  });

  it('2F1(1, 1; 2; z) = -ln(1-z)/z, also near z = 1 where c-a-b = 0 is the logarithmic case', () => {
    for (const z of [1e-8, 0.1, 0.5, 0.9, -0.5, -3]) {
      expect(relative(hyp2f1(1, 1, 2, z), -Math.log1p(-z) / z)).toBeLessThan(1e-13);
    }
    // interpolated across the integer (see hyp2f1): a few digits fewer, still far more than the models need
    for (const z of [0.90001, 0.95, 0.99, 0.999, 0.99999, -10, -1e4]) {
      expect(relative(hyp2f1(1, 1, 2, z), -Math.log1p(-z) / z)).toBeLessThan(1e-11);
    }
  });

  it('is continuous in c-a-b across an integer near z = 1', () => {
    const at = (c: number) => hyp2f1(0.7, 1.3, c, 0.999);
    for (const c of [2, 3, 2 + 1e-4, 2 + 3e-4]) {
      const gap = relative(at(c), (at(c - 1e-9) + at(c + 1e-9)) / 2);
      expect(gap).toBeLessThan(1e-10);
    }
    // against the direct series, summed to the end (about 37/(1-z) = 37,000 terms)
    const series = (a: number, b: number, c: number, z: number) => {
      let [term, sum] = [1, 1];
      for (let k = 0; k < 200_000; k++) sum += term *= ((a + k) * (b + k) * z) / ((c + k) * (k + 1));
      return sum;
    };
    for (const c of [2, 3, 4.0001]) expect(relative(at(c), series(0.7, 1.3, c, 0.999))).toBeLessThan(1e-11);
  });

  it('2F1(a, b; b; z) = (1-z)^-a, on both sides of the switch to the 1-z transformation', () => {
    for (const [a, b] of [[0.7, 2.3], [2.5, 0.4], [0.243, 3.219]]) {
      for (const z of [0.3, 0.9 - 1e-12, 0.9 + 1e-12, 0.95, 0.999, 1 - 1e-9, -2]) {
        expect(relative(hyp2f1(a, b, b, z), Math.pow(1 - z, -a))).toBeLessThan(1e-12);
      }
    }
  });

  it('2F1(1/2, 1/2; 3/2; z²) = arcsin(z)/z and 2F1(1/2, 1; 3/2; z²) = artanh(z)/z', () => {
    for (const z of [0.2, 0.7, 0.97, 0.9999]) {
      expect(relative(hyp2f1(0.5, 0.5, 1.5, z * z), Math.asin(z) / z)).toBeLessThan(1e-12);
      expect(relative(hyp2f1(0.5, 1, 1.5, z * z), Math.atanh(z) / z)).toBeLessThan(1e-11);
    }
  });

  it('is a polynomial when a is a non-positive integer', () => {
    const [b, c, z] = [3.2, 1.7, 0.95];
    const expected = 1 - (2 * b * z) / c + (b * (b + 1) * z * z) / (c * (c + 1));
    expect(relative(hyp2f1(-2, b, c, z), expected)).toBeLessThan(1e-14);
  });

  it('tends to Gauss’s value Γ(c)Γ(c-a-b) / (Γ(c-a)Γ(c-b)) as z → 1 when c-a-b > 0', () => {
    const [a, b, c] = [0.6, 1.3, 3.4];
    const gauss = Math.exp(gammaln(c) + gammaln(c - a - b) - gammaln(c - a) - gammaln(c - b));
    expect(relative(hyp2f1(a, b, c, 1 - 1e-12), gauss)).toBeLessThan(1e-9);
  });

  it('agrees with itself across the switch from the series to the 1-z transformation for BG/NBD-like arguments', () => {
    // r + x, b + x, a + b + x - 1 with the CDNOW parameters and a few x
    for (const x of [0, 1, 5, 30]) {
      const [a, b, c] = [0.243 + x, 2.426 + x, 0.793 + 2.426 + x - 1];
      expect(relative(hyp2f1(a, b, c, 0.9 - 1e-13), hyp2f1(a, b, c, 0.9 + 1e-13))).toBeLessThan(1e-9);
    }
  });

  it('refuses z ≥ 1 and c a non-positive integer, where it is not defined', () => {
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, -2, 0.5)).toThrow(RangeError);
    expect(() => hyp2f1(1, NaN, 2, 0.5)).toThrow(RangeError);
  });
});

describe('log-space helpers', () => {
  it('logSumExp neither overflows nor loses the small term', () => {
    expect(logSumExp(1000, 1000)).toBeCloseTo(1000 + Math.LN2, 12);
    expect(logSumExp(-1000, -1001)).toBeCloseTo(-1000 + Math.log1p(Math.exp(-1)), 12);
    expect(logSumExp(-Infinity, 3)).toBe(3);
  });

  it('logistic is 1/(1+e^u) without overflow', () => {
    expect(logistic(0)).toBe(0.5);
    expect(logistic(800)).toBe(0);
    expect(logistic(-800)).toBe(1);
    expect(logistic(2)).toBeCloseTo(1 / (1 + Math.exp(2)), 15);
  });
});
