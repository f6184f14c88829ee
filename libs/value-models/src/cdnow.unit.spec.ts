/**
 * The published CDNOW results, reproduced from the raw transaction log (test/fixtures/cdnow, see SOURCE.md there):
 * - BG/NBD: Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way", Table 1 / section 5:
 *   r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = -9,582.4, on weeks 1-39 of 1997 (2,357 customers);
 * - Gamma-Gamma: Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value", and lifetimes' documentation:
 *   p = 6.25, q = 3.74, γ = 15.44 on the 946 customers with a repeat purchase in those weeks, spend in dollars.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { fitBgNbd } from './bg-nbd';
import { fitGammaGamma } from './gamma-gamma';
import { summarise, type Transaction } from './rfm-summary';

const FIXTURE = join(__dirname, '../../../test/fixtures/cdnow/CDNOW_sample.txt');

/** "29.33" → 2933, from the text so no binary rounding gets in. */
function cents(dollars: string): number {
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(dollars);
  if (!match) throw new Error(`not an amount: ${dollars}`);
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

function readCdnow(): Transaction[] {
  return readFileSync(FIXTURE, 'utf8')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      // customer id in the full cohort, id within the sample, YYYYMMDD, number of CDs, dollars
      const [, customerId, date, , dollars] = line.trim().split(/\s+/);
      return { customerId, at: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T00:00:00.000Z`, amount: cents(dollars) };
    });
}

const within = (actual: number, expected: number, share: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.abs(expected) * share);

describe('CDNOW sample: the published fits', () => {
  const transactions = readCdnow();
  // The calibration period is weeks 1-39 of 1997 and includes all of 1997-09-30; T counts whole days from the first
  // purchase day to that day, as lifetimes does, so a customer first seen on 1997-01-01 has T = 272/7 = 38.86 weeks,
  // the figure in FHL 2005 (and the published fit needs exactly that convention).
  const summaries = summarise(transactions, { cutoff: '1997-09-30T23:59:59.999Z' });

  it('reads the fixture whole (the revenue SOURCE.md gives)', () => {
    expect(transactions).toHaveLength(6919);
    expect(transactions.reduce((sum, t) => sum + t.amount, 0)).toBe(24_409_194);
  });

  it('summarises with the conventions of the literature', () => {
    expect(summaries).toHaveLength(2357);
    expect(summaries.filter((s) => s.frequency > 0)).toHaveLength(946);
    // customer 1: purchases on 1997-01-01, 01-18 and 08-02 in the calibration period (and 1997-12-12 after it)
    expect(summaries.find((s) => s.customerId === '0001')).toEqual({ customerId: '0001', frequency: 2, recency: 213 / 7, T: 272 / 7, monetary: (2973 + 1496) / 2 });
  });

  it('fits the BG/NBD of Fader, Hardie & Lee (2005)', () => {
    const fit = fitBgNbd(summaries);
    expect(fit.converged).toBe(true);
    within(fit.params.r, 0.243, 0.01);
    within(fit.params.alpha, 4.414, 0.01);
    within(fit.params.a, 0.793, 0.01);
    within(fit.params.b, 2.426, 0.01);
    expect(Math.abs(fit.logLikelihood - -9582.4)).toBeLessThanOrEqual(1);
    // every start lands on the same maximum
    for (const start of fit.starts) expect(Math.abs(start.logLikelihood - fit.logLikelihood)).toBeLessThan(1e-6);
  });

  it('fits the Gamma-Gamma model of Fader & Hardie (2013) on repeat spend in dollars', () => {
    // monetary is the mean of the repeat purchase days only (the first purchase excluded), in cents: /100 for dollars
    const fit = fitGammaGamma(summaries.map((s) => ({ frequency: s.frequency, monetary: s.monetary / 100 })));
    expect(fit.converged).toBe(true);
    expect(fit.customers).toBe(946);
    within(fit.params.p, 6.25, 0.01);
    within(fit.params.q, 3.74, 0.01);
    within(fit.params.gamma, 15.44, 0.01);
  });
});
