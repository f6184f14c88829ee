import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, credential, query } from '../api';
import { Thead } from '../chart';
import { count, dateTime } from '../format';

interface ImportStatus {
  importId: string;
  source: string;
  status: 'running' | 'completed' | 'failed';
  reason?: string;
  startedAt: string;
  finishedAt: string | null;
  linesRead: number;
  accepted: number;
  alreadyImported: number;
  rejected: number;
  eventsAppended: number;
  lastPosition: number;
  eventsPerSecond: number;
}
interface Rejection {
  line: number;
  type?: string;
  sourceId?: string;
  field?: string;
  code: string;
  message: string;
}

/** One import's progress (polled while it runs) and its first rejected lines. */
function ImportView({ importId, onEnded }: { importId: string; onEnded: (lastPosition: number) => void }) {
  const [status, setStatus] = useState<ImportStatus | null>(null);
  const [rejections, setRejections] = useState<Rejection[]>([]);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let timer: number | undefined;
    const poll = async () => {
      try {
        const s = await api<ImportStatus>(`/v1/imports/${importId}`);
        setStatus(s);
        if (s.status === 'running') timer = window.setTimeout(poll, 1000);
        else onEnded(s.lastPosition);
        if (s.status !== 'running' && s.rejected > 0) setRejections((await api<{ items: Rejection[] }>(`/v1/imports/${importId}/errors${query({ limit: 50 })}`)).items);
      } catch (e) {
        setError(e instanceof ApiError ? e.message : String(e));
      }
    };
    void poll();
    return () => window.clearTimeout(timer);
  }, [importId]);
  if (error) return <p class="error">{error}</p>;
  if (!status) return <p aria-busy="true">Reading the import…</p>;
  return (
    <section aria-labelledby="import-h" id="import-status" data-status={status.status}>
      <h2 id="import-h">
        Import {importId.slice(0, 8)} from {status.source}: {status.status}
      </h2>
      <p>
        {count(status.linesRead)} lines read: {count(status.accepted)} accepted, {count(status.alreadyImported)} already imported, {count(status.rejected)} rejected; {count(status.eventsAppended)} events appended
        {status.eventsPerSecond > 0 && ` (${count(status.eventsPerSecond)} events/s)`}. Started {dateTime(status.startedAt)}
        {status.finishedAt && `, finished ${dateTime(status.finishedAt)}`}.
      </p>
      {status.reason && <p class="error">{status.reason}</p>}
      {rejections.length > 0 && (
        <div class="table-wrap" tabIndex={0}>
          <table id="rejections">
            <caption>Rejected lines (the first {rejections.length}); fix them and import the file again: accepted lines are not imported twice</caption>
            <Thead columns={[['Line', 'num'], 'Record', 'Field', 'Code', 'Why']} />
            <tbody>
              {rejections.map((r) => (
                <tr>
                  <td class="num">{r.line}</td>
                  <td>{[r.type, r.sourceId].filter(Boolean).join(' ')}</td>
                  <td>{r.field ?? '–'}</td>
                  <td>
                    <code>{r.code}</code>
                  </td>
                  <td>{r.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

type Listed = ImportStatus & { startedBy: string };

/** Every import, newest first (GET /v1/imports), a page at a time; a row opens its progress and rejected lines. */
function ImportList({ refresh, onShow }: { refresh: { n: number; position: number }; onShow: (importId: string) => void }) {
  // refresh: the last position an ended import appended, so the list waits until the read model has it (its start is earlier)
  const [items, setItems] = useState<Listed[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | undefined>();
  const load = async (cursor?: string) => {
    try {
      const page = await api<{ items: Listed[]; nextCursor: string | null }>(`/v1/imports${query({ limit: 20, cursor, minPosition: refresh.position || undefined })}`);
      setItems(cursor ? [...items, ...page.items] : page.items);
      setNext(page.nextCursor);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };
  useEffect(() => void load(), [refresh.n]);
  if (error) return <p class="error">{error}</p>;
  return (
    <section aria-labelledby="import-list-h">
      <h2 id="import-list-h">Imports so far</h2>
      <div class="table-wrap" tabIndex={0}>
        <table id="import-list">
          <caption>{items.length === 0 ? 'No import yet' : `The ${count(items.length)} latest imports, newest first`}</caption>
          <Thead columns={['Started', 'Source', 'Outcome', ['Lines', 'num'], ['Accepted', 'num'], ['Rejected', 'num'], ['Events', 'num'], 'Started by', 'Details']} />
          <tbody>
            {items.map((i) => (
              <tr>
                <td>{dateTime(i.startedAt)}</td>
                <td>{i.source}</td>
                <td title={i.reason}>{i.status}</td>
                <td class="num">{count(i.linesRead)}</td>
                <td class="num">{count(i.accepted)}</td>
                <td class="num">{count(i.rejected)}</td>
                <td class="num">{count(i.eventsAppended)}</td>
                <td>{i.startedBy}</td>
                <td>
                  <button type="button" onClick={() => onShow(i.importId)} aria-label={`Show import ${i.importId.slice(0, 8)}`}>
                    Show
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {next && (
        <button type="button" onClick={() => void load(next)}>
          More imports
        </button>
      )}
    </section>
  );
}

/** Imports (importer): an NDJSON file (gzipped or not) through POST /v1/imports, then its progress; or an earlier one by id. */
export function ImportsPage() {
  const [file, setFile] = useState<File | null>(null);
  const [source, setSource] = useState('');
  const [timeZone, setTimeZone] = useState('');
  const [importId, setImportId] = useState<string | null>(null);
  const [lookup, setLookup] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [refresh, setRefresh] = useState({ n: 0, position: 0 });
  const upload = async (e: Event) => {
    e.preventDefault();
    if (!file) return;
    setError(undefined);
    // The body is the file itself, streamed by the browser; the API spools it to disk, never to memory.
    const res = await fetch(`/v1/imports${query({ source, timeZone })}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${credential.get()}`, 'content-type': file.name.endsWith('.gz') ? 'application/gzip' : 'application/x-ndjson' },
      body: file,
    });
    const body = await res.json().catch(() => ({}));
    if (res.status !== 202) return setError(body.detail ?? `HTTP ${res.status}`);
    setImportId(body.importId);
  };
  return (
    <section aria-labelledby="imports-h">
      <h1 id="imports-h">Imports</h1>
      <p class="muted">One JSON record per line (RegisterCustomer, PlaceOrder, RecordTouchpoint, … with sourceId; docs/import.md), plain or gzipped. Each accepted line goes through the same commands as the API, exactly once.</p>
      <form class="filters" onSubmit={upload}>
        <label>
          NDJSON file
          <input type="file" accept=".ndjson,.jsonl,.json,.gz" required onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} />
        </label>
        <label>
          Source system
          <input value={source} onInput={(e) => setSource((e.target as HTMLInputElement).value)} placeholder="oldcrm" pattern="[a-z0-9_.\-]{1,64}" required />
        </label>
        <label>
          Time zone of zone-less dates
          <input value={timeZone} onInput={(e) => setTimeZone((e.target as HTMLInputElement).value)} placeholder="Europe/Kyiv" />
        </label>
        <button type="submit">Import</button>
      </form>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          setImportId(lookup.trim().toLowerCase());
        }}
      >
        <label for="import-id">Or look up an import by id</label>
        <input id="import-id" value={lookup} required pattern="[0-9a-fA-F-]{36}" onInput={(e) => setLookup((e.target as HTMLInputElement).value)} />
        <button type="submit">Show</button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {importId && <ImportView key={importId} importId={importId} onEnded={(position) => setRefresh((r) => ({ n: r.n + 1, position }))} />}
      <ImportList refresh={refresh} onShow={setImportId} />
    </section>
  );
}
