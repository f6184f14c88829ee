import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { COLORS, download, LineChart, Thead } from '../chart';
import { count, csv, money, percent } from '../format';

interface CurrencyDistribution {
  customers: number;
  revenue: number;
  margin: number | null;
  top: Array<{ percent: number; customers: number; revenueShare: number; marginShare: number | null }>;
  curve: Array<{ percent: number; revenueShare: number }>;
  segments: Record<string, { customers: number; revenue: number }>;
  rfmGrid: number[][];
  tiers: Record<string, { customers: number; revenue: number }>;
}
interface Distribution {
  asOf: string;
  currencies: Record<string, CurrencyDistribution>;
  customersWithoutOrders: number;
}

/** The concentration curve: share of revenue (y) brought by the top x % of customers, with the line of equal shares. */
function CurveChart({ d, currency }: { d: CurrencyDistribution; currency: string }) {
  const x = d.curve.map((p) => p.percent);
  const top20 = d.curve[20]?.revenueShare ?? 0;
  return (
    <LineChart
      x={x}
      series={[
        { label: `${currency} revenue share`, values: d.curve.map((p) => p.revenueShare * 100), color: COLORS[0] },
        { label: 'equal shares', values: x, color: '#6b7280', dash: [4, 4] },
      ]}
      xLabel="top % of customers by revenue"
      yLabel="% of revenue"
      xRange={[0, 100]}
      yRange={[0, 100]}
      xFormat={(v) => `${v} %`}
      yFormat={(v) => `${Math.round(v * 10) / 10} %`}
      ariaLabel={`Concentration curve for ${currency}: the top 20 % of customers bring ${percent(top20)} of revenue`}
    />
  );
}

/** Recency (rows, 5 = most recent) by frequency (columns): a count per cell, shaded by its share of the busiest cell. */
function RfmGrid({ d, currency }: { d: CurrencyDistribution; currency: string }) {
  const most = Math.max(1, ...d.rfmGrid.flat());
  return (
    <div class="table-wrap" tabIndex={0}>
      <table id="rfm-grid" class="grid">
        <caption>Customers by RFM recency (rows) and frequency (columns) score, {currency}; 5 is the most recent, the most frequent</caption>
        <Thead columns={['Recency \\ frequency', ['1', 'num'], ['2', 'num'], ['3', 'num'], ['4', 'num'], ['5', 'num']]} />
        <tbody>
          {[5, 4, 3, 2, 1].map((r) => (
            <tr>
              <th scope="row">{r}</th>
              {d.rfmGrid[r - 1].map((n, f) => (
                <td class="num" data-cell={`${r}${f + 1}`} style={{ background: `rgba(29, 78, 216, ${(0.55 * n) / most})` }}>
                  {count(n)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Value: who brings the revenue, per currency (never mixed): the curve, the top shares, the ABC tiers. */
export function ValuePage() {
  const [dist, setDist] = useState<Distribution | null>(null);
  const [currency, setCurrency] = useState<string>('');
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    api<Distribution>('/v1/analytics/value-distribution')
      .then((found) => {
        setDist(found);
        setCurrency(Object.keys(found.currencies)[0] ?? '');
      })
      .catch((e: unknown) => setError(String((e as Error).message)));
  }, []);
  if (error) return <p class="error">{error}</p>;
  if (!dist) return <p aria-busy="true">Loading…</p>;
  const d = dist.currencies[currency];
  return (
    <section aria-labelledby="value-h">
      <h1 id="value-h">Value</h1>
      <p class="muted">
        Ranked by revenue to date within each currency; {count(dist.customersWithoutOrders)} customers without orders are not ranked. As of the last ranking,{' '}
        {new Date(dist.asOf).toLocaleString()}.
      </p>
      {Object.keys(dist.currencies).length === 0 && <p>No orders yet: nothing to rank.</p>}
      {Object.keys(dist.currencies).length > 1 && (
        <label>
          Currency{' '}
          <select value={currency} onChange={(e) => setCurrency((e.target as HTMLSelectElement).value)}>
            {Object.keys(dist.currencies).map((c) => (
              <option value={c}>{c}</option>
            ))}
          </select>
        </label>
      )}
      {d && (
        <>
          <p>
            {count(d.customers)} customers, {money(d.revenue, currency)} revenue{d.margin !== null && `, ${money(d.margin, currency)} margin`}.
          </p>
          <CurveChart d={d} currency={currency} />
          <div class="table-wrap" tabIndex={0}>
            <table id="top-shares">
              <caption>Share of revenue by the top customers ({currency})</caption>
              <Thead columns={['Top', ['Customers', 'num'], ['Revenue share', 'num'], ['Margin share', 'num']]} />
              <tbody>
                {d.top.map((t) => (
                  <tr data-percent={t.percent}>
                    <th scope="row">{t.percent} %</th>
                    <td class="num">{count(t.customers)}</td>
                    <td class="num" data-share={t.revenueShare}>
                      {percent(t.revenueShare)}
                    </td>
                    <td class="num">{t.marginShare === null ? 'unknown' : percent(t.marginShare)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="table-wrap" tabIndex={0}>
            <table>
              <caption>ABC tiers ({currency})</caption>
              <Thead columns={['Tier', ['Customers', 'num'], ['Revenue', 'num']]} />
              <tbody>
                {Object.entries(d.tiers).map(([tier, t]) => (
                  <tr>
                    <th scope="row">{tier}</th>
                    <td class="num">{count(t.customers)}</td>
                    <td class="num">{money(t.revenue, currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <RfmGrid d={d} currency={currency} />
          <div class="table-wrap" tabIndex={0}>
            <table id="rfm-segments">
              <caption>RFM segments ({currency})</caption>
              <Thead columns={['Segment', ['Customers', 'num'], ['Revenue', 'num']]} />
              <tbody>
                {Object.entries(d.segments).map(([name, x]) => (
                  <tr>
                    <th scope="row">{name.replace(/_/g, ' ')}</th>
                    <td class="num">{count(x.customers)}</td>
                    <td class="num">{money(x.revenue, currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <button
            type="button"
            onClick={() =>
              download(
                `value-curve-${currency}.csv`,
                csv(
                  ['top_percent_of_customers', 'revenue_share'],
                  d.curve.map((p) => [p.percent, p.revenueShare]),
                ),
              )
            }
          >
            Download the curve as CSV
          </button>
        </>
      )}
    </section>
  );
}
