import { useEffect, useState } from 'preact/hooks';
import { api, can, query, type Session } from '../api';
import { count, dateTime } from '../format';
import { Thead } from '../chart';

interface Health {
  status: string;
  details: {
    eventStore?: { status: string; headPosition?: number; error?: string };
    projector?: { status: string; mode?: string; position?: number; head?: number; lagEvents?: number; lagSeconds?: number; error?: string };
  };
}
interface Verification {
  ok: boolean;
  from: number;
  to: number;
  checked: number;
  headHash: string | null;
  broken?: { globalPosition: number; streamId: string; streamRevision: number; chain: 'stream' | 'global' | 'missing' };
  checkpoints?: { ok: boolean; total: number; matched: number; failed: number };
}

interface FeedEvent {
  eventId: string;
  type: string;
  streamId: string;
  globalPosition: number;
  recordedAt: string;
  metadata: { actor?: string; correlationId?: string };
}

/** The last events of the global log, as the feed serves them to integrations (role service), refreshed every 5 s. */
function FeedTail({ head }: { head: number | undefined }) {
  const [events, setEvents] = useState<FeedEvent[]>([]);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    if (head === undefined) return;
    api<{ events: FeedEvent[] }>(`/v1/events${query({ after: Math.max(0, head - 15), limit: 15 })}`)
      .then((page) => setEvents(page.events.reverse()))
      .catch((e: unknown) => setError(String((e as Error).message)));
  }, [head]);
  return (
    <section aria-labelledby="feed-h">
      <h2 id="feed-h">Latest events</h2>
      {error && <p class="error">{error}</p>}
      <div class="table-wrap" tabIndex={0}>
        <table id="feed">
          <caption>The last {events.length} events of the log, newest first (GET /v1/events)</caption>
          <Thead columns={[['Position', 'num'], 'Type', 'Stream', 'Recorded', 'Actor']} />
          <tbody>
            {events.map((e) => (
              <tr>
                <td class="num">{count(e.globalPosition)}</td>
                <td>{e.type}</td>
                <td>
                  <code>{e.streamId}</code>
                </td>
                <td>{dateTime(e.recordedAt)}</td>
                <td>{e.metadata.actor ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Operations and audit: the log head, the projector's lag, the latest events, and a verification of both hash chains on demand. */
export function OperationsPage({ session }: { session: Session }) {
  const [health, setHealth] = useState<Health | null>(null);
  const [verification, setVerification] = useState<Verification | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    const read = () =>
      fetch('/health')
        .then((r) => r.json() as Promise<Health>)
        .then(setHealth)
        .catch(() => undefined);
    void read();
    const every = setInterval(read, 5000);
    return () => clearInterval(every);
  }, []);
  const verify = async () => {
    setVerifying(true);
    setError(undefined);
    try {
      setVerification(await api<Verification>('/v1/audit/verify'));
    } catch (e) {
      setError(String((e as Error).message));
    } finally {
      setVerifying(false);
    }
  };
  const p = health?.details.projector;
  return (
    <section aria-labelledby="ops-h">
      <h1 id="ops-h">Operations</h1>
      <dl class="figures">
        <div>
          <dt>Status</dt>
          <dd>{health?.status ?? '…'}</dd>
        </div>
        <div>
          <dt>Log head (global position)</dt>
          <dd>{health?.details.eventStore?.headPosition !== undefined ? count(health.details.eventStore.headPosition) : '…'}</dd>
        </div>
        <div>
          <dt>Projector</dt>
          <dd>{p ? `${p.mode ?? ''} at ${count(p.position ?? 0)}, ${count(p.lagEvents ?? 0)} events (${p.lagSeconds ?? 0} s) behind` : '…'}</dd>
        </div>
      </dl>
      {can(session, 'service') && <FeedTail head={health?.details.eventStore?.headPosition} />}
      {can(session, 'auditor') && (
        <section aria-labelledby="verify-h">
          <h2 id="verify-h">Verify the log</h2>
          <p>Recomputes the per-stream and global hash chains from the first event, and checks every signed checkpoint against them.</p>
          <button type="button" onClick={verify} disabled={verifying}>
            {verifying ? 'Verifying…' : 'Verify now'}
          </button>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          {verification && (
            <div role="status" class={verification.ok ? 'ok' : 'error'} id="verification">
              <p>
                <strong>{verification.ok ? 'Intact' : 'Broken'}</strong>: {count(verification.checked)} events checked, positions {count(verification.from)}–{count(verification.to)}.
                {verification.broken &&
                  ` First broken link: global position ${verification.broken.globalPosition} (${verification.broken.streamId} revision ${verification.broken.streamRevision}), ${verification.broken.chain} chain.`}
              </p>
              {verification.headHash && (
                <p class="muted">
                  Head hash <code>{verification.headHash}</code>
                </p>
              )}
              {verification.checkpoints && (
                <p>
                  Signed checkpoints: {count(verification.checkpoints.matched)} of {count(verification.checkpoints.total)} match, {count(verification.checkpoints.failed)} fail.
                </p>
              )}
            </div>
          )}
        </section>
      )}
    </section>
  );
}
