import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, can, query, type Session } from '../api';
import { count, money } from '../format';

interface Pair {
  customerIds: [string, string];
  score: number;
  reasons: string[];
}
interface Brief {
  customerId: string;
  name: string | null;
  email: string | null;
  touchpoints: { total: number };
  value: { currency: string | null; revenue: number; orders: number };
}
interface Preview {
  survivorId: string;
  duplicateId: string;
  customer: Brief & { mergedFrom?: string[] };
}
interface CommandResult {
  ids: Record<string, string>;
  globalPosition: number;
}

const Facts = ({ c }: { c: Brief }) => (
  <>
    {c.email ?? 'no email'} · {count(c.touchpoints.total)} touchpoints · {count(c.value.orders)} orders · {money(c.value.revenue, c.value.currency)}
  </>
);

/** One pair: both records, the merged record the API would make (dry run), then merge and undo. */
function Review({ pair, session, onDone }: { pair: Pair; session: Session; onDone: () => void }) {
  const [survivor, setSurvivor] = useState(pair.customerIds[0]);
  const duplicate = pair.customerIds.find((id) => id !== survivor)!;
  const [records, setRecords] = useState<Record<string, Brief>>({});
  const [preview, setPreview] = useState<Preview | null>(null);
  const [reason, setReason] = useState('');
  const [merged, setMerged] = useState<{ mergeId: string; position: number } | null>(null);
  const [undone, setUndone] = useState(false);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    Promise.all(pair.customerIds.map((id) => api<Brief>(`/v1/customers/${id}`))).then(([a, b]) => setRecords({ [a.customerId]: a, [b.customerId]: b }));
  }, [pair]);
  useEffect(() => {
    setPreview(null);
    api<Preview>(`/v1/customers/${survivor}/merges/preview${query({ duplicateId: duplicate })}`)
      .then(setPreview)
      .catch((e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
  }, [survivor]);
  const send = async <T,>(path: string, body: object) => {
    setError(undefined);
    try {
      // One key per attempt: a retried click is the same command, not a second merge.
      return await api<T>(path, { method: 'POST', body: JSON.stringify(body), headers: { 'idempotency-key': crypto.randomUUID() } });
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
      return undefined;
    }
  };
  const name = (id: string) => records[id]?.name ?? id.slice(0, 8);
  return (
    <section aria-labelledby="review-h" class="review">
      <h2 id="review-h">
        Review: {name(pair.customerIds[0])} and {name(pair.customerIds[1])}
      </h2>
      <p class="muted">
        Score {pair.score.toFixed(2)}: {pair.reasons.map((r) => r.replace(/_/g, ' ')).join(', ')}
      </p>
      <fieldset disabled={merged !== null}>
        <legend>Keep which record?</legend>
        {pair.customerIds.map((id) => (
          <label class="choice">
            <input type="radio" name="survivor" value={id} checked={survivor === id} onChange={() => setSurvivor(id)} />
            <span>
              <strong>{name(id)}</strong> {records[id] && <Facts c={records[id]} />}
            </span>
          </label>
        ))}
      </fieldset>
      {preview && (
        <div id="merge-preview">
          <h3>After the merge (dry run, nothing written)</h3>
          <p>
            <strong>{preview.customer.name}</strong> <Facts c={preview.customer} />
          </p>
        </div>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {can(session, 'sales') && !merged && (
        <form
          class="inline"
          onSubmit={async (e) => {
            e.preventDefault();
            const done = await send<CommandResult>(`/v1/customers/${survivor}/merges`, { duplicateId: duplicate, reason });
            if (done) setMerged({ mergeId: done.ids.mergeId, position: done.globalPosition });
          }}
        >
          <label for="merge-reason">Reason</label>
          <input id="merge-reason" required maxLength={500} value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
          <button type="submit">Merge</button>
        </form>
      )}
      {merged && !undone && (
        <div role="status">
          <p>
            Merged {name(duplicate)} into {name(survivor)} (merge {merged.mergeId.slice(0, 8)}). <a href={`#/customers/${survivor}`}>Open the record</a>
          </p>
          <button
            type="button"
            onClick={async () => {
              if (await send(`/v1/customers/${survivor}/merges/${merged.mergeId}/undo`, { reason: `undo: ${reason}` })) setUndone(true);
            }}
          >
            Undo the merge
          </button>
        </div>
      )}
      {undone && (
        <p role="status">
          Undone: both records read again as before the merge.{' '}
          <button type="button" class="link" onClick={onDone}>
            Back to the list
          </button>
        </p>
      )}
    </section>
  );
}

/** Duplicates to review: pairs sharing a matching key, best first, each opening a dry run before any merge. */
export function DuplicatesPage({ session }: { session: Session }) {
  const [pairs, setPairs] = useState<Pair[] | null>(null);
  const [names, setNames] = useState<Record<string, string>>({});
  const [open, setOpen] = useState<Pair | null>(null);
  const [error, setError] = useState<string | undefined>();
  const load = () =>
    api<{ items: Pair[] }>(`/v1/duplicates${query({ minScore: 0.5, limit: 50 })}`)
      .then(async (page) => {
        setPairs(page.items);
        const ids = [...new Set(page.items.flatMap((p) => p.customerIds))];
        const found = await Promise.all(ids.map((id) => api<Brief>(`/v1/customers/${id}`).catch(() => undefined)));
        setNames(Object.fromEntries(found.filter((c): c is Brief => c !== undefined).map((c) => [c.customerId, c.name ?? '(erased)'])));
      })
      .catch((e: unknown) => setError(String((e as Error).message)));
  useEffect(() => {
    void load();
  }, []);
  if (open) {
    return (
      <Review
        pair={open}
        session={session}
        onDone={() => {
          setOpen(null);
          void load();
        }}
      />
    );
  }
  return (
    <section aria-labelledby="dups-h">
      <h1 id="dups-h">Duplicates</h1>
      {error && <p class="error">{error}</p>}
      {pairs && pairs.length === 0 && <p>No pairs score 0.5 or more.</p>}
      <div class="table-wrap" tabIndex={0}>
        <table>
          <caption>Pairs of customers that look like one, by score</caption>
          <thead>
            <tr>
              <th scope="col">Customers</th>
              <th scope="col" class="num">
                Score
              </th>
              <th scope="col">Why</th>
              <th scope="col">
                <span class="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {pairs?.map((p) => (
              <tr>
                <td>{p.customerIds.map((id) => names[id] ?? id.slice(0, 8)).join(' · ')}</td>
                <td class="num">{p.score.toFixed(2)}</td>
                <td>{p.reasons.map((r) => r.replace(/_/g, ' ')).join(', ')}</td>
                <td>
                  <button type="button" onClick={() => setOpen(p)}>
                    Review
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
