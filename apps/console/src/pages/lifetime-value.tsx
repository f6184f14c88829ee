import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, can, query, type Session } from '../api';
import { COLORS, download, LineChart, Thead } from '../chart';
import { count, csv, date, money } from '../format';

interface Fit {
  fitId: string;
  currency: string;
  model: string;
  customers: number;
  repeatCustomers: number;
  unitDays: number;
  cutoff: { businessTime: string };
  params: Record<string, number>;
  logLikelihood: { bgNbd: number; gammaGamma?: number };
  converged: { bgNbd: boolean; gammaGamma: boolean };
}
interface ErrorFigures {
  mae: number;
  rmse: number;
  correlation: number | null;
  predictedTotal: number;
  actualTotal: number;
}
interface Backtest {
  currency: string;
  customers: number;
  predictors: Record<string, { purchases: ErrorFigures; revenue: ErrorFigures }>;
  tracking: Array<{ unit: number; day: number; actual: number; expected: number }>;
}

const PREDICTORS: Array<[string, string]> = [
  ['model', 'Model (expectation)'],
  ['model_median', 'Model (median)'],
  ['heuristic', 'Heuristic'],
  ['zero', 'Zero'],
];

/** The lifetime-value model: fitted parameters per currency, and a backtest against what happened next. */
export function LifetimeValuePage({ session }: { session: Session }) {
  const [fits, setFits] = useState<Record<string, Fit> | null>(null);
  const [form, setForm] = useState({ currency: '', calibrationEnd: '', holdoutEnd: '' });
  const [backtest, setBacktest] = useState<Backtest | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    api<{ currencies: Record<string, Fit> }>('/v1/analytics/lifetime-value/model')
      .then((m) => {
        setFits(m.currencies);
        const first = Object.values(m.currencies)[0];
        if (first) setForm({ currency: first.currency, calibrationEnd: first.cutoff.businessTime.slice(0, 10), holdoutEnd: '' });
      })
      .catch((e: unknown) => setError(String((e as Error).message)));
  }, []);
  const run = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      setBacktest(await api<Backtest>(`/v1/analytics/lifetime-value/backtest${query(form)}`));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const set = (name: keyof typeof form) => (e: Event) => setForm({ ...form, [name]: (e.target as HTMLInputElement).value });
  const last = backtest?.tracking[backtest.tracking.length - 1];
  return (
    <section aria-labelledby="ltv-h">
      <h1 id="ltv-h">Lifetime value model</h1>
      <p class="muted">BG/NBD (purchases and churn) with Gamma-Gamma (spend per purchase), fitted per currency on the log and recorded as an event; every predicted value names its fit.</p>
      {fits && Object.keys(fits).length === 0 && <p>No model fitted yet{can(session, 'analyst') ? ': POST /v1/analytics/lifetime-value/fits fits one per currency with enough repeat customers.' : '.'}</p>}
      {fits && Object.keys(fits).length > 0 && (
        <div class="table-wrap" tabIndex={0}>
          <table id="fits">
            <caption>Current fit per currency</caption>
            <Thead columns={['Currency', 'Data up to', ['Customers (repeat)', 'num'], 'BG/NBD r, α, a, b', 'Gamma-Gamma p, q, γ', ['Log-likelihood', 'num']]} />
            <tbody>
              {Object.values(fits).map((f) => (
                <tr>
                  <th scope="row">{f.currency}</th>
                  <td>{date(f.cutoff.businessTime)}</td>
                  <td class="num">
                    {count(f.customers)} ({count(f.repeatCustomers)})
                  </td>
                  <td>{['r', 'alpha', 'a', 'b'].map((k) => f.params[k]?.toPrecision(4)).join(', ')}</td>
                  <td>{['p', 'q', 'gamma'].map((k) => f.params[k]?.toPrecision(4)).join(', ')}</td>
                  <td class="num">{f.logLikelihood.bgNbd.toFixed(1)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Backtest</h2>
      <p class="muted">Fits on purchases up to the calibration end, predicts each customer’s holdout, and compares with what happened, next to the heuristic and to predicting zero.</p>
      <form class="filters" onSubmit={run}>
        <label>
          Currency
          <input required value={form.currency} onInput={set('currency')} maxLength={3} size={4} pattern="[A-Z]{3}" />
        </label>
        <label>
          Calibration end
          <input required type="date" value={form.calibrationEnd} onInput={set('calibrationEnd')} />
        </label>
        <label>
          Holdout end
          <input required type="date" value={form.holdoutEnd} onInput={set('holdoutEnd')} />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Running…' : 'Run the backtest'}
        </button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {backtest && (
        <div id="backtest">
          <LineChart
            x={backtest.tracking.map((t) => t.unit)}
            series={[
              { label: 'actual', values: backtest.tracking.map((t) => t.actual), color: COLORS[0] },
              { label: 'expected (model)', values: backtest.tracking.map((t) => t.expected), color: COLORS[1], dash: [6, 3] },
            ]}
            xLabel="weeks since the first purchase"
            yLabel="cumulative repeat purchases"
            yFormat={(v) => count(Math.round(v))}
            ariaLabel={`Tracking plot for ${backtest.currency}: ${last ? `${count(Math.round(last.actual))} repeat purchases happened, the model expected ${count(Math.round(last.expected))}` : 'no data'}`}
          />
          <button type="button" onClick={() => download(`ltv-tracking-${backtest.currency}.csv`, csv(['unit', 'day', 'actual', 'expected'], backtest.tracking.map((t) => [t.unit, t.day, t.actual, t.expected])))}>
            Download the tracking curve as CSV
          </button>
          <div class="table-wrap" tabIndex={0}>
            <table id="backtest-errors">
              <caption>
                Errors per customer over the holdout ({count(backtest.customers)} customers)
              </caption>
              <Thead columns={['Predictor', ['Purchases MAE', 'num'], ['Purchases RMSE', 'num'], ['Revenue MAE', 'num'], ['Revenue RMSE', 'num'], ['Revenue predicted / actual', 'num']]} />
              <tbody>
                {PREDICTORS.filter(([k]) => backtest.predictors[k]).map(([k, label]) => {
                  const p = backtest.predictors[k];
                  return (
                    <tr data-predictor={k}>
                      <th scope="row">{label}</th>
                      <td class="num">{p.purchases.mae.toFixed(3)}</td>
                      <td class="num">{p.purchases.rmse.toFixed(3)}</td>
                      <td class="num" data-mae={p.revenue.mae}>
                        {money(p.revenue.mae, backtest.currency)}
                      </td>
                      <td class="num">{money(p.revenue.rmse, backtest.currency)}</td>
                      <td class="num">
                        {money(p.revenue.predictedTotal, backtest.currency)} / {money(p.revenue.actualTotal, backtest.currency)}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}
