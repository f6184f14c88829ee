import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, query } from '../api';
import { COLORS, download, LineChart, Thead } from '../chart';
import { count, csv, money, percent } from '../format';

const METHODS = ['stage_weighted', 'learned_weighted', 'category_commit', 'category_best_case', 'submitted'] as const;
type Method = (typeof METHODS)[number];
const LABEL: Record<Method, string> = {
  stage_weighted: 'Stage-weighted',
  learned_weighted: 'Learned win rates',
  category_commit: 'Commit',
  category_best_case: 'Best case',
  submitted: 'Submitted',
};

interface MethodRow extends Record<Method, number | null> {
  period: string;
  currency: string;
  openDeals: number;
  openAmount: number;
  wonSoFar: number;
}
interface Forecast {
  period: string;
  forecasts: { byPeriod: MethodRow[]; learnedProbabilities: Array<{ stage: string; configured: number; learned: number; closedDeals: number; interval: [number, number] }> };
}
interface Summary {
  currency: string;
  owner: string | null;
  leadDays: number;
  method: Method;
  periods: number;
  mape: number | null;
  wape: number | null;
  meanBias: number | null;
}
interface Accuracy {
  leadDays: number[];
  periods: string[];
  summary: Summary[];
}

interface SalesCycle {
  opened: number;
  stages: Array<{ stage: string; exits: number; conversion: number | null; medianDaysInStage: number | null }>;
  won: number;
  medianWonCycleDays: number | null;
  slipped: { deals: number; shareOfOpened: number | null; pushes: number; meanDaysPerPush: number | null };
}

/** Pipeline: every forecast method side by side per period, and how wrong each was over closed periods by lead time. */
export function PipelinePage() {
  const [period, setPeriod] = useState<'month' | 'quarter'>('month');
  const [forecast, setForecast] = useState<Forecast | null>(null);
  const [accuracy, setAccuracy] = useState<Accuracy | null>(null);
  const [cycle, setCycle] = useState<SalesCycle | null>(null);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    setError(undefined);
    Promise.all([api<Forecast>(`/v1/pipeline/forecast${query({ period })}`), api<Accuracy>(`/v1/pipeline/forecast/accuracy${query({ period })}`)])
      .then(([f, a]) => {
        setForecast(f);
        setAccuracy(a);
      })
      .catch((e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
  }, [period]);
  useEffect(() => {
    api<{ total: SalesCycle }>('/v1/pipeline/sales-cycle')
      .then((c) => setCycle(c.total))
      .catch(() => undefined);
  }, []);
  const rows = forecast?.forecasts.byPeriod ?? [];
  const total = accuracy?.summary.filter((s) => s.owner === null) ?? [];
  const currencies = [...new Set(total.map((s) => s.currency))];
  return (
    <section aria-labelledby="pipeline-h">
      <h1 id="pipeline-h">Pipeline</h1>
      <label>
        Period
        <select value={period} onChange={(e) => setPeriod((e.target as HTMLSelectElement).value as 'month' | 'quarter')}>
          <option value="month">month</option>
          <option value="quarter">quarter</option>
        </select>
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <h2>Forecast by {period}</h2>
      <p class="muted">Every method includes what is already won in the period. Stage-weighted uses the configured stage probabilities, learned uses win rates learned from closed deals, commit and best case the owners’ categories, submitted the owners’ own calls.</p>
      {forecast && rows.length === 0 && <p>No open deals or submissions in the range.</p>}
      {rows.length > 0 && (
        <div class="table-wrap" tabIndex={0}>
          <table id="forecast">
            <caption>Forecast per {period} and currency</caption>
            <thead>
              <tr>
                <th scope="col">Period</th>
                <th scope="col" class="num">
                  Open deals
                </th>
                <th scope="col" class="num">
                  Open amount
                </th>
                <th scope="col" class="num">
                  Won so far
                </th>
                {METHODS.map((m) => (
                  <th scope="col" class="num">
                    {LABEL[m]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr data-period={r.period}>
                  <th scope="row">
                    {r.period} {r.currency}
                  </th>
                  <td class="num">{count(r.openDeals)}</td>
                  <td class="num">{money(r.openAmount, r.currency)}</td>
                  <td class="num">{money(r.wonSoFar, r.currency)}</td>
                  {METHODS.map((m) => (
                    <td class="num" data-method={m} data-value={r[m] ?? ''}>
                      {r[m] === null ? '–' : money(r[m], r.currency)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {rows.length > 0 && (
        <button
          type="button"
          onClick={() =>
            download(
              `forecast-${period}.csv`,
              csv(
                ['period', 'currency', 'open_deals', 'open_amount_minor', 'won_so_far_minor', ...METHODS.map((m) => `${m}_minor`)],
                rows.map((r) => [r.period, r.currency, r.openDeals, r.openAmount, r.wonSoFar, ...METHODS.map((m) => r[m])]),
              ),
            )
          }
        >
          Download the forecast as CSV
        </button>
      )}
      <h2>Accuracy over closed periods</h2>
      <p class="muted">
        Each method’s forecast for each closed {period}, read the given number of days before its end, against what was won. WAPE = Σ|error| ÷ Σ won (larger periods weigh more); bias above zero
        means over-forecast.
      </p>
      {accuracy && total.length === 0 && <p>No closed period with a forecast to score yet.</p>}
      {currencies.map((currency) => {
        const mine = total.filter((s) => s.currency === currency);
        const leads = [...new Set(mine.map((s) => s.leadDays))].sort((a, b) => b - a);
        const at = (m: Method, lead: number) => mine.find((s) => s.method === m && s.leadDays === lead);
        return (
          <div>
            <LineChart
              x={leads.map((l) => -l)}
              series={METHODS.map((m, i) => ({ label: LABEL[m], values: leads.map((l) => (at(m, l)?.wape ?? null) === null ? null : at(m, l)!.wape! * 100), color: COLORS[i % COLORS.length], ...(i > 2 && { dash: [6, 3] }) }))}
              xLabel="days before the period's end"
              yLabel="WAPE"
              xFormat={(v) => `${-v}`}
              yFormat={(v) => `${Math.round(v)} %`}
              ariaLabel={`Forecast error (WAPE) by lead time for ${currency}, one line per method; the table below has the numbers`}
            />
            <div class="table-wrap" tabIndex={0}>
              <table>
                <caption>
                  {currency}: WAPE / bias by method and lead time ({accuracy?.periods.length ?? 0} periods)
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Method</th>
                    {leads.map((l) => (
                      <th scope="col" class="num">
                        {l} days
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {METHODS.map((m) => (
                    <tr>
                      <th scope="row">{LABEL[m]}</th>
                      {leads.map((l) => {
                        const s = at(m, l);
                        return <td class="num">{s?.wape === null || s === undefined ? '–' : `${percent(s.wape)} / ${s.meanBias === null ? '–' : percent(s.meanBias)}`}</td>;
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        );
      })}
      {cycle && (
        <>
          <h2>Sales cycle</h2>
          <p id="sales-cycle">
            {count(cycle.opened)} deals opened, {count(cycle.won)} won; median won cycle {cycle.medianWonCycleDays === null ? '–' : `${cycle.medianWonCycleDays} days`}. {count(cycle.slipped.deals)} deals slipped their close
            date ({cycle.slipped.shareOfOpened === null ? '–' : percent(cycle.slipped.shareOfOpened)} of opened), {count(cycle.slipped.pushes)} pushes, {cycle.slipped.meanDaysPerPush === null ? '–' : `${cycle.slipped.meanDaysPerPush} days`} each
            on average.
          </p>
          <div class="table-wrap" tabIndex={0}>
            <table>
              <caption>Stage by stage: deals that left it, the share that moved on, the median days spent in it</caption>
              <Thead columns={['Stage', ['Exits', 'num'], ['Conversion', 'num'], ['Median days in stage', 'num']]} />
              <tbody>
                {cycle.stages.map((st) => (
                  <tr>
                    <th scope="row">{st.stage}</th>
                    <td class="num">{count(st.exits)}</td>
                    <td class="num">{st.conversion === null ? '–' : percent(st.conversion)}</td>
                    <td class="num">{st.medianDaysInStage === null ? '–' : st.medianDaysInStage}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      {forecast && (
        <>
          <h2>Win rates by stage</h2>
          <div class="table-wrap" tabIndex={0}>
            <table>
              <caption>Configured against learned from closed deals (posterior mean, 90 % credible interval)</caption>
              <Thead columns={['Stage', ['Configured', 'num'], ['Learned', 'num'], ['Interval', 'num'], ['Closed deals', 'num']]} />
              <tbody>
                {forecast.forecasts.learnedProbabilities.map((p) => (
                  <tr>
                    <th scope="row">{p.stage}</th>
                    <td class="num">{percent(p.configured)}</td>
                    <td class="num">{percent(p.learned)}</td>
                    <td class="num">
                      {percent(p.interval[0])}–{percent(p.interval[1])}
                    </td>
                    <td class="num">{count(p.closedDeals)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
