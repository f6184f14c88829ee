import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, can, query, type Session } from '../api';
import { count, dateTime, money } from '../format';

interface Customer360 {
  customerId: string;
  kind: string;
  name: string | null;
  email: string | null;
  phone?: string | null;
  owner: string | null;
  tags: string[];
  contacts: Array<{ contactId: string; name: string | null; role?: string | null; email?: string | null }>;
  touchpoints: { total: number };
  complaints: { filed: number; open: number; resolved: number };
  deals: { openCount: number; won: number; lost: number };
  orders: { placed: number };
  value: { currency: string | null; revenue: number; margin: number | null; orders: number };
  segment: { tier: string; rfm: { segment: string; code: string } | null; predictedValue?: number | null };
  lifetimeValue?: {
    currency: string | null;
    predicted?: { method: string; reason?: string; revenue: number; purchases: number; pAlive: number; horizonDays: number; fit?: { fitId: string }; purchasesInterval80?: { low: number; high: number } };
  };
}
interface HistoryItem {
  eventId: string;
  type: string;
  category: string;
  occurredAt: string;
  recordedAt: string;
  actor: string;
  channel: string;
  summary: string;
}
interface AuditEvent {
  globalPosition: number;
  eventId: string;
  type: string;
  recordedAt: string;
  occurredAt: string;
  actor: string;
}
interface AsOfState {
  asOf: number | string;
  time: string;
  eventsApplied: number;
  lastPosition: number;
  customer: Customer360;
  sources?: Record<string, string[]>;
}

/** Figures shown as of a moment, with the paths their explanation (the events behind them) is keyed by. */
const AS_OF_FIGURES: Array<{ label: string; path: string; show: (c: Customer360) => string }> = [
  { label: 'Name', path: 'name', show: (c) => c.name ?? '(erased)' },
  { label: 'Email', path: 'email', show: (c) => c.email ?? '–' },
  { label: 'Owner', path: 'owner', show: (c) => c.owner ?? '–' },
  { label: 'Touchpoints', path: 'touchpoints.total', show: (c) => count(c.touchpoints.total) },
  { label: 'Orders', path: 'orders.placed', show: (c) => count(c.orders.placed) },
  { label: 'Revenue', path: 'value.revenue', show: (c) => money(c.value.revenue, c.value.currency) },
  { label: 'Open complaints', path: 'complaints.open', show: (c) => count(c.complaints.open) },
];

function Figures({ c }: { c: Customer360 }) {
  const ltv = c.lifetimeValue?.predicted;
  return (
    <dl class="figures">
      <div>
        <dt>Revenue</dt>
        <dd>{money(c.value.revenue, c.value.currency)}</dd>
      </div>
      <div>
        <dt>Margin</dt>
        <dd>{c.value.margin === null ? 'unknown' : money(c.value.margin, c.value.currency)}</dd>
      </div>
      <div>
        <dt>Orders</dt>
        <dd>{count(c.value.orders)}</dd>
      </div>
      <div>
        <dt>Tier / RFM</dt>
        <dd>
          {c.segment.tier || '–'} / {c.segment.rfm ? `${c.segment.rfm.segment.replace(/_/g, ' ')} (${c.segment.rfm.code})` : '–'}
        </dd>
      </div>
      {ltv && (
        <div>
          <dt>Predicted value, {ltv.horizonDays} days</dt>
          <dd>
            {money(ltv.revenue, c.lifetimeValue!.currency)}
            {`, ${ltv.purchases.toFixed(2)} purchases`}
            {ltv.purchasesInterval80 && ` (80 % interval ${ltv.purchasesInterval80.low}–${ltv.purchasesInterval80.high})`}
            {`, P(alive) ${(ltv.pAlive * 100).toFixed(0)} %`}
            <br />
            <span class="muted small" title={ltv.reason}>
              by {ltv.method === 'bg_nbd_gamma_gamma' ? `BG/NBD + Gamma-Gamma (fit ${ltv.fit?.fitId.slice(0, 8) ?? ''})` : `${ltv.method}${ltv.reason ? ': no model fitted for this currency yet' : ''}`}
            </span>
          </dd>
        </div>
      )}
      <div>
        <dt>Deals</dt>
        <dd>
          {count(c.deals.openCount)} open, {count(c.deals.won)} won, {count(c.deals.lost)} lost
        </dd>
      </div>
      <div>
        <dt>Complaints</dt>
        <dd>
          {count(c.complaints.open)} open of {count(c.complaints.filed)}
        </dd>
      </div>
    </dl>
  );
}

function Timeline({ customerId }: { customerId: string }) {
  const [items, setItems] = useState<HistoryItem[]>([]);
  const [next, setNext] = useState<string | null | undefined>(undefined);
  const load = async (cursor?: string) => {
    const page = await api<{ items: HistoryItem[]; nextCursor: string | null }>(`/v1/customers/${customerId}/history${query({ limit: 50, cursor })}`);
    setItems((before) => (cursor ? [...before, ...page.items] : page.items));
    setNext(page.nextCursor);
  };
  useEffect(() => {
    void load();
  }, [customerId]);
  return (
    <section aria-labelledby="timeline-h">
      <h2 id="timeline-h">Timeline</h2>
      <ol class="timeline">
        {items.map((h) => (
          <li data-type={h.type}>
            <time dateTime={h.occurredAt}>{dateTime(h.occurredAt)}</time> <strong>{h.summary}</strong>
            <span class="muted">
              {' '}
              {h.category}
              {h.channel && ` · ${h.channel}`} · by {h.actor}
            </span>
          </li>
        ))}
      </ol>
      {next && (
        <button type="button" onClick={() => load(next)}>
          Older events
        </button>
      )}
    </section>
  );
}

/** The auditor's view: the record as it stood after any of its events, replayed by the API, with the events behind each figure. */
function AsOf({ customerId }: { customerId: string }) {
  const [logOrder, setLogOrder] = useState<AuditEvent[]>([]);
  const [time, setTime] = useState<'record' | 'business'>('record');
  const [index, setIndex] = useState(0);
  const [state, setState] = useState<AsOfState | null>(null);
  const [error, setError] = useState<string | undefined>();
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => {
    (async () => {
      const all: AuditEvent[] = [];
      let cursor: string | undefined;
      // The slider steps through events; the first 2,000 are enough to scrub by hand (the API pages the rest).
      do {
        const page = await api<{ events: AuditEvent[]; nextCursor?: string }>(`/v1/audit/customers/${customerId}/events${query({ limit: 500, cursor })}`);
        all.push(...page.events);
        cursor = page.nextCursor;
      } while (cursor && all.length < 2000);
      setLogOrder(all);
      setIndex(all.length - 1);
    })().catch((e: unknown) => setError(String((e as Error).message)));
  }, [customerId]);
  // Record time steps through the log as it was written; business time through when things happened (imports, backdating).
  const events = time === 'record' ? logOrder : [...logOrder].sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : a.globalPosition - b.globalPosition));
  useEffect(() => {
    if (!events.length) return;
    window.clearTimeout(timer.current);
    const at = events[index];
    timer.current = window.setTimeout(() => {
      api<AsOfState>(`/v1/audit/customers/${customerId}/state${query({ asOf: time === 'record' ? at.globalPosition : at.occurredAt, time, explain: 'true' })}`)
        .then(setState)
        .catch((e: unknown) => setError(String((e as Error).message)));
    }, 120);
  }, [index, logOrder, time]);
  if (error) return <p class="error">{error}</p>;
  if (!events.length) return <p aria-busy="true">Loading the record’s events…</p>;
  const at = events[index];
  const byId = new Map(events.map((e) => [e.eventId, e]));
  return (
    <section aria-labelledby="asof-h">
      <h2 id="asof-h">As of</h2>
      <fieldset class="inline-choices">
        <legend>Time</legend>
        {(['record', 'business'] as const).map((t) => (
          <label class="choice">
            <input type="radio" name="asof-time" value={t} checked={time === t} onChange={() => (setTime(t), setIndex(events.length - 1))} />
            {t === 'record' ? 'Record time (as the log learned it)' : 'Business time (as it happened)'}
          </label>
        ))}
      </fieldset>
      <label for="asof" class="block">
        After event {index + 1} of {events.length}: {at.type}, {time === 'record' ? `recorded ${dateTime(at.recordedAt)}` : `happened ${dateTime(at.occurredAt)}`}
      </label>
      <input id="asof" type="range" min={0} max={events.length - 1} step={1} value={index} onInput={(e) => setIndex(Number((e.target as HTMLInputElement).value))} />
      {state && (
        <dl class="figures" data-position={state.lastPosition} data-applied={state.eventsApplied} data-time={state.time}>
          {AS_OF_FIGURES.map((f) => {
            const sources = state.sources?.[f.path] ?? [];
            return (
              <div data-figure={f.path}>
                <dt>{f.label}</dt>
                <dd>
                  <span class="value">{f.show(state.customer)}</span>
                  {sources.length > 0 && (
                    <details>
                      <summary>Explain ({sources.length})</summary>
                      <ul>
                        {sources.map((id) => {
                          const e = byId.get(id);
                          return <li>{e ? `${e.type} · ${dateTime(e.recordedAt)} · ${e.actor}` : id}</li>;
                        })}
                      </ul>
                    </details>
                  )}
                </dd>
              </div>
            );
          })}
        </dl>
      )}
    </section>
  );
}

/** The records merged into this one, each undoable (sales) with a reason; or the record this one was merged into. */
function Merges({ session, customerId }: { session: Session; customerId: string }) {
  const [merges, setMerges] = useState<{ mergedInto: { survivorId: string } | null; absorbed: Array<{ mergeId: string; customerId: string }> } | null>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | undefined>();
  const load = () => api<typeof merges>(`/v1/customers/${customerId}/merges`).then(setMerges);
  useEffect(() => {
    void load();
  }, [customerId]);
  if (!merges || (!merges.mergedInto && merges.absorbed.length === 0)) return null;
  return (
    <section aria-labelledby="merges-h">
      <h2 id="merges-h">Merges</h2>
      {merges.mergedInto && (
        <p>
          Merged into <a href={`#/customers/${merges.mergedInto.survivorId}`}>{merges.mergedInto.survivorId}</a>.
        </p>
      )}
      {merges.absorbed.length > 0 && (
        <ul>
          {merges.absorbed.map((m) => (
            <li>
              <a href={`#/customers/${m.customerId}`}>{m.customerId}</a> (merge {m.mergeId.slice(0, 8)})
              {can(session, 'sales') && (
                <form
                  class="inline"
                  onSubmit={async (e) => {
                    e.preventDefault();
                    try {
                      await api(`/v1/customers/${customerId}/merges/${m.mergeId}/undo`, { method: 'POST', body: JSON.stringify({ reason }), headers: { 'idempotency-key': crypto.randomUUID() } });
                      await load();
                    } catch (err) {
                      setError(String((err as Error).message));
                    }
                  }}
                >
                  <label for={`undo-${m.mergeId}`}>Reason to undo</label>
                  <input id={`undo-${m.mergeId}`} required maxLength={500} value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
                  <button type="submit">Undo</button>
                </form>
              )}
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

export function CustomerPage({ session, customerId }: { session: Session; customerId: string }) {
  const [c, setC] = useState<Customer360 | null>(null);
  const [error, setError] = useState<string | undefined>();
  const sees360 = can(session, 'sales', 'analyst');
  useEffect(() => {
    if (!sees360) return;
    const started = performance.now();
    api<Customer360>(`/v1/customers/${customerId}`)
      .then((found) => {
        setC(found);
        requestAnimationFrame(() => performance.measure('customers:360', { start: started }));
      })
      .catch((e: unknown) => setError(e instanceof ApiError && e.status === 404 ? 'No customer with that id.' : String((e as Error).message)));
  }, [customerId]);
  return (
    <article aria-labelledby="customer-h">
      <p>
        <a href="#/customers">← Customers</a>
      </p>
      <h1 id="customer-h">{c ? (c.name ?? '(erased)') : 'Customer'}</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {c && (
        <>
          <p class="muted">
            {c.kind} · {c.email ?? 'no email'} · owner {c.owner ?? '–'} {c.tags.length > 0 && `· ${c.tags.join(', ')}`}
          </p>
          <Figures c={c} />
          {c.contacts.length > 0 && (
            <section aria-labelledby="contacts-h">
              <h2 id="contacts-h">Contacts</h2>
              <ul>
                {c.contacts.map((p) => (
                  <li>
                    {p.name ?? '(erased)'} {p.role && `· ${p.role}`} {p.email && `· ${p.email}`}
                  </li>
                ))}
              </ul>
            </section>
          )}
        </>
      )}
      {can(session, 'sales', 'analyst', 'auditor') && <Merges session={session} customerId={customerId} />}
      {can(session, 'auditor') && <AsOf customerId={customerId} />}
      {can(session, 'sales', 'analyst', 'auditor') && <Timeline customerId={customerId} />}
    </article>
  );
}
