import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, can, query, type Session } from '../api';
import { count, date, money, toMinor } from '../format';
import { Thead } from '../chart';

export interface CustomerRow {
  customerId: string;
  kind: string;
  name: string | null;
  owner: string | null;
  externalId: string | null;
  lastActivityAt: string | null;
  value: { currency: string | null; revenue: number; orders: number };
  segment: { tier: string; rfm: { segment: string; code: string } | null; predictedValue: number | null; predictedBy: string | null };
}
interface Page {
  items: CustomerRow[];
  nextCursor: string | null;
}

const SORTS: Array<[string, string]> = [
  ['-lastActivityAt', 'Latest activity'],
  ['name', 'Name'],
  ['-revenue', 'Revenue, highest first'],
  ['-predictedValue', 'Predicted value, highest first'],
  ['-registeredAt', 'Newest'],
];
const TYPED = ['name', 'currency', 'minPredicted', 'owner', 'externalId'] as const;
const SEGMENTS = ['champions', 'loyal', 'potential_loyalist', 'new', 'needs_attention', 'at_risk', 'cannot_lose', 'hibernating'];

/** Customers: filters and sort as the API takes them, pages by its cursors (a stack of them for "previous"). */
export function CustomersPage({ session }: { session: Session }) {
  const [filters, setFilters] = useState({ name: '', tier: '', rfmSegment: '', currency: '', minPredicted: '', owner: '', externalId: '', sort: '-lastActivityAt' });
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState<string | undefined>();
  const [openId, setOpenId] = useState('');
  const listable = can(session, 'sales', 'analyst');
  const cursor = cursors[cursors.length - 1];

  useEffect(() => {
    if (!listable) return;
    setError(undefined);
    const started = performance.now();
    const { minPredicted, ...rest } = filters;
    // Typed in the currency's major units; the API counts minor units (a malformed amount reaches it as typed and is refused).
    api<Page>(`/v1/customers${query({ ...rest, minPredictedValue: toMinor(minPredicted, filters.currency), limit: 25, cursor })}`)
      .then((p) => {
        setPage(p);
        // Read by the browser tests: search → rendered list, as the console sees it.
        requestAnimationFrame(() => performance.measure('customers:list', { start: started }));
      })
      .catch((e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
  }, [JSON.stringify(filters), cursor]);

  // Typed filters apply together on Enter or Search (one request, not one per keystroke); choices apply at once.
  const search = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const typed = Object.fromEntries(TYPED.map((k) => [k, String(form.get(k) ?? '').trim()]));
    typed.currency = typed.currency.toUpperCase();
    setFilters({ ...filters, ...typed });
    setCursors([undefined]);
  };
  const set = (name: keyof typeof filters) => (e: Event) => {
    setFilters({ ...filters, [name]: (e.target as HTMLInputElement | HTMLSelectElement).value });
    setCursors([undefined]);
  };

  const open = (
    <form
      class="inline"
      onSubmit={(e) => {
        e.preventDefault();
        location.hash = `#/customers/${openId.trim()}`;
      }}
    >
      <label for="open-id">Open a customer by id</label>
      <input id="open-id" value={openId} pattern="[0-9a-fA-F-]{36}" required onInput={(e) => setOpenId((e.target as HTMLInputElement).value)} />
      <button type="submit">Open</button>
    </form>
  );
  if (!listable) {
    return (
      <section aria-labelledby="customers-h">
        <h1 id="customers-h">Customers</h1>
        <p>Your roles do not list customers; an auditor opens one by its id to replay its history.</p>
        {open}
      </section>
    );
  }
  return (
    <section aria-labelledby="customers-h">
      <h1 id="customers-h">Customers</h1>
      <form class="filters" onSubmit={search} aria-label="Filters">
        <label>
          Name starts with
          <input type="search" name="name" defaultValue={filters.name} placeholder="olena k" maxLength={200} />
        </label>
        <label>
          Tier
          <select value={filters.tier} onChange={set('tier')}>
            <option value="">any</option>
            {['A', 'B', 'C'].map((t) => (
              <option value={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          RFM segment
          <select value={filters.rfmSegment} onChange={set('rfmSegment')}>
            <option value="">any</option>
            {SEGMENTS.map((s) => (
              <option value={s}>{s.replace(/_/g, ' ')}</option>
            ))}
          </select>
        </label>
        <label>
          Currency
          <input name="currency" defaultValue={filters.currency} placeholder="EUR" maxLength={3} size={4} />
        </label>
        <label>
          Predicted value at least
          <input name="minPredicted" defaultValue={filters.minPredicted} inputMode="decimal" placeholder="1000" size={8} aria-describedby="predicted-hint" />
        </label>
        <label>
          Owner
          <input name="owner" defaultValue={filters.owner} placeholder="sales:ivan" />
        </label>
        <label>
          Source id
          <input name="externalId" defaultValue={filters.externalId} placeholder="crm:0042" />
        </label>
        <label>
          Sort
          <select value={filters.sort} onChange={set('sort')}>
            {SORTS.map(([v, l]) => (
              <option value={v}>{l}</option>
            ))}
          </select>
        </label>
        <button type="submit">Search</button>
      </form>
      <p id="predicted-hint" class="muted">
        Predicted value is over the ranking's horizon, in the chosen currency's units; it needs a currency.
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="table-wrap" tabIndex={0}>
        <table>
          <caption>{page ? `${count(page.items.length)} customers on this page` : 'Loading…'}</caption>
          <Thead columns={['Name', 'Tier', 'RFM', ['Revenue', 'num'], ['Orders', 'num'], ['Predicted value', 'num'], 'Last activity']} />
          <tbody>
            {page?.items.map((c) => (
              <tr>
                <td>
                  <a href={`#/customers/${c.customerId}`}>{c.name ?? '(erased)'}</a>
                  {c.externalId && <span class="muted"> {c.externalId}</span>}
                </td>
                <td>{c.segment.tier}</td>
                <td>{c.segment.rfm ? `${c.segment.rfm.segment.replace(/_/g, ' ')} (${c.segment.rfm.code})` : '–'}</td>
                <td class="num">{money(c.value.revenue, c.value.currency)}</td>
                <td class="num">{count(c.value.orders)}</td>
                <td class="num" title={c.segment.predictedBy ?? undefined}>
                  {money(c.segment.predictedValue, c.value.currency)}
                </td>
                <td>{date(c.lastActivityAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Pages of customers">
        <button type="button" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous
        </button>
        <span>Page {cursors.length}</span>
        <button type="button" disabled={!page?.nextCursor} onClick={() => setCursors([...cursors, page!.nextCursor!])}>
          Next
        </button>
      </nav>
      {open}
    </section>
  );
}
