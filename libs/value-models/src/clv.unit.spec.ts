import { expectedPurchases, type BgNbdParams } from './bg-nbd';
import { predictRevenue } from './clv';
import { expectedSpend, type GammaGammaParams } from './gamma-gamma';

const bgnbd: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const gg: GammaGammaParams = { p: 6.25, q: 3.74, gamma: 15.44 };
const summary = { frequency: 2, recency: 30.43, T: 38.86, monetary: 22.35 };

describe('predictRevenue', () => {
  it('is expected purchases × expected spend when nothing is discounted', () => {
    const revenue = predictRevenue({ bgnbd, gg, summary, horizon: 39 });
    expect(revenue).toBeCloseTo(expectedPurchases(bgnbd, 39, 2, 30.43, 38.86) * expectedSpend(gg, 2, 22.35), 10);
    expect(predictRevenue({ bgnbd, gg, summary, horizon: 0 })).toBe(0);
  });

  it('discounts each monthly slice at its mid-point', () => {
    const horizon = 52; // weeks
    const rate = 0.15;
    const undiscounted = predictRevenue({ bgnbd, gg, summary, horizon });
    const discounted = predictRevenue({ bgnbd, gg, summary, horizon, discountRatePerYear: rate });
    // bounds: no purchase is discounted by more than a year's worth nor by less than nothing
    expect(discounted).toBeLessThan(undiscounted);
    expect(discounted).toBeGreaterThan(undiscounted / (1 + rate));

    // the same sum written out with weekly slices: the slicing matters little
    const spend = expectedSpend(gg, 2, 22.35);
    let weekly = 0;
    for (let w = 1; w <= horizon; w++) {
      const slice = expectedPurchases(bgnbd, w, 2, 30.43, 38.86) - expectedPurchases(bgnbd, w - 1, 2, 30.43, 38.86);
      weekly += slice * spend * Math.pow(1 + rate, -((w - 0.5) * 7) / 365.25);
    }
    expect(Math.abs(discounted - weekly) / weekly).toBeLessThan(1e-4);
  });

  it('takes the time unit into account when discounting', () => {
    const inWeeks = predictRevenue({ bgnbd, gg, summary, horizon: 52, discountRatePerYear: 0.1 });
    const daily: BgNbdParams = { ...bgnbd, alpha: bgnbd.alpha * 7 }; // the same model with time in days
    const inDays = predictRevenue({ bgnbd: daily, gg, summary: { ...summary, recency: 30.43 * 7, T: 38.86 * 7 }, horizon: 364, discountRatePerYear: 0.1, unitDays: 1 });
    expect(Math.abs(inDays - inWeeks) / inWeeks).toBeLessThan(1e-4);
  });

  it('refuses a discount rate of -100 % or less', () => {
    expect(() => predictRevenue({ bgnbd, gg, summary, horizon: 10, discountRatePerYear: -1 })).toThrow(RangeError);
  });
});
