/**
 * No NaN, no Infinity: every exported function over wide ranges, including the corners (x = 0 and 500, a customer one
 * day old and one 1,500 weeks old, t_x = T, parameters from 10^-3 to 10^3). Fixed seed, so a failure reproduces.
 */
import fc from 'fast-check';
import { bgNbdLogLikelihood, expectedPurchases, expectedPurchasesUnconditional, fitBgNbd, pAlive, purchaseDistribution, purchaseInterval } from './bg-nbd';
import { predictRevenue } from './clv';
import { expectedSpend, fitGammaGamma } from './gamma-gamma';

const SEED = 20_240_611;
const finite = (x: number) => Number.isFinite(x);

/** 10^e for e uniform in [lo, hi], with the ends themselves drawn now and then */
const logUniform = (lo: number, hi: number) => fc.oneof(fc.constantFrom(10 ** lo, 10 ** hi), fc.double({ min: lo, max: hi, noNaN: true }).map((e) => 10 ** e));

const params = fc.record({ r: logUniform(-3, 3), alpha: logUniform(-3, 3), a: logUniform(-3, 3), b: logUniform(-3, 3) });
const spendParams = fc.record({ p: logUniform(-3, 3), q: logUniform(-3, 3), gamma: logUniform(-3, 3) });

/** (x, t_x, T) in weeks: T from one day to 1,500 weeks, t_x anywhere in [0, T] including both ends */
const customer = fc
  .tuple(fc.oneof(fc.constantFrom(0, 1, 500), fc.integer({ min: 0, max: 500 })), fc.oneof(fc.constantFrom(1 / 7, 1500), logUniform(Math.log10(1 / 7), Math.log10(1500))), fc.oneof(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true })))
  .map(([x, T, share]) => ({ x, T, tx: x === 0 ? 0 : share * T }));

const horizon = fc.oneof(fc.constantFrom(0, 1 / 7, 52, 1500), fc.double({ min: 0, max: 1500, noNaN: true }));

describe('numerical safety (fast-check)', () => {
  it('P(alive) is a probability', () => {
    fc.assert(
      fc.property(params, customer, (p, { x, tx, T }) => {
        const alive = pAlive(p, x, tx, T);
        return finite(alive) && alive >= 0 && alive <= 1;
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('expected purchases are finite, non-negative and grow with the horizon', () => {
    fc.assert(
      fc.property(params, customer, horizon, horizon, (p, { x, tx, T }, t1, t2) => {
        const [short, long] = [Math.min(t1, t2), Math.max(t1, t2)];
        const a = expectedPurchases(p, short, x, tx, T);
        const b = expectedPurchases(p, long, x, tx, T);
        const fresh = expectedPurchasesUnconditional(p, long);
        return finite(a) && finite(b) && finite(fresh) && a >= 0 && fresh >= 0 && b >= a * (1 - 1e-9);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('the purchase distribution is made of probabilities and the interval of ordered counts', () => {
    fc.assert(
      fc.property(params, customer, horizon, (p, { x, tx, T }, t) => {
        const masses = purchaseDistribution(p, t, x, tx, T, 20);
        const { low, high } = purchaseInterval(p, t, x, tx, T);
        const total = masses.reduce((s, m) => s + m, 0);
        return masses.every((m) => finite(m) && m >= 0) && total <= 1 + 1e-9 && Number.isInteger(low) && Number.isInteger(high) && low >= 0 && low <= high;
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('the log-likelihood of any one customer is finite', () => {
    fc.assert(
      fc.property(params, customer, (p, { x, tx, T }) => finite(bgNbdLogLikelihood(p, [{ frequency: x, recency: tx, T }]))),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('expected spend and predicted revenue are finite and non-negative', () => {
    fc.assert(
      fc.property(params, spendParams, customer, horizon, fc.double({ min: 0, max: 1e7, noNaN: true }), fc.double({ min: 0, max: 0.5, noNaN: true }), (bgnbd, gg, { x, tx, T }, t, monetary, rate) => {
        const spend = expectedSpend(gg, x, monetary);
        const revenue = predictRevenue({ bgnbd, gg, summary: { frequency: x, recency: tx, T, monetary }, horizon: t, discountRatePerYear: rate });
        return finite(spend) && spend >= 0 && finite(revenue) && revenue >= 0;
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('fits on small odd samples end with finite parameters (converged or not, never NaN)', () => {
    const sample = fc.array(customer, { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(sample, (customers) => {
        const fit = fitBgNbd(customers.map(({ x, tx, T }) => ({ frequency: x, recency: tx, T })));
        return Object.values(fit.params).every((v) => finite(v) && v > 0) && finite(fit.logLikelihood);
      }),
      { seed: SEED, numRuns: 30 },
    );
    const spend = fc.array(fc.record({ frequency: fc.integer({ min: 1, max: 500 }), monetary: fc.double({ min: 0.01, max: 1e6, noNaN: true }) }), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(spend, (pairs) => {
        const fit = fitGammaGamma(pairs);
        return Object.values(fit.params).every((v) => finite(v) && v > 0) && finite(fit.logLikelihood);
      }),
      { seed: SEED, numRuns: 30 },
    );
  });
});
