import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, can, credential, SIGNED_OUT, type Session } from './api';
import { CustomerPage } from './pages/customer';
import { CustomersPage } from './pages/customers';
import { DuplicatesPage } from './pages/duplicates';
import { ImportsPage } from './pages/imports';
import { LifetimeValuePage } from './pages/lifetime-value';
import { PipelinePage } from './pages/pipeline';
import { OperationsPage } from './pages/operations';
import { ValuePage } from './pages/value';
import './styles.css';

/** Hash routes: #/customers, #/customers/<id>, #/value, #/operations. */
function useRoute(): string[] {
  const read = () => (location.hash.replace(/^#\/?/, '') || 'customers').split('/');
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

function SignIn({ onSignedIn, notice }: { onSignedIn: (s: Session) => void; notice?: string }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | undefined>(notice);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    credential.set(value.trim());
    try {
      onSignedIn(await api<Session>('/v1/session'));
    } catch (err) {
      credential.clear();
      setError(err instanceof ApiError && err.status === 401 ? 'That key or token is not accepted.' : String((err as Error).message));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <h1>Touchpoint console</h1>
      <form onSubmit={submit}>
        <label for="credential">API key or bearer token</label>
        <input id="credential" name="credential" type="password" autocomplete="off" required value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
        <p class="hint">Kept in this tab’s session storage only. `npm start` prints an admin key on its first run.</p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const route = useRoute();
  const pages = [
    { path: 'customers', label: 'Customers', allowed: can(session, 'sales', 'analyst', 'auditor') },
    { path: 'value', label: 'Value', allowed: can(session, 'sales', 'analyst') },
    { path: 'lifetime-value', label: 'Lifetime value', allowed: can(session, 'analyst') },
    { path: 'pipeline', label: 'Pipeline', allowed: can(session, 'sales', 'analyst') },
    { path: 'duplicates', label: 'Duplicates', allowed: can(session, 'sales', 'analyst') },
    { path: 'imports', label: 'Imports', allowed: can(session, 'importer') },
    { path: 'operations', label: 'Operations', allowed: true },
  ].filter((p) => p.allowed);
  const [page, id] = route;
  let body;
  if (page === 'customers' && id) body = <CustomerPage session={session} customerId={id} />;
  else if (page === 'customers') body = <CustomersPage session={session} />;
  else if (page === 'value') body = <ValuePage />;
  else if (page === 'lifetime-value') body = <LifetimeValuePage session={session} />;
  else if (page === 'pipeline') body = <PipelinePage />;
  else if (page === 'duplicates') body = <DuplicatesPage session={session} />;
  else if (page === 'imports') body = <ImportsPage />;
  else if (page === 'operations') body = <OperationsPage session={session} />;
  else body = <p>Nothing here. Pick a page above.</p>;
  return (
    <>
      <header class="top">
        <a class="brand" href="#/customers">
          Touchpoint
        </a>
        <nav aria-label="Pages">
          {pages.map((p) => (
            <a href={`#/${p.path}`} aria-current={p.path === page ? 'page' : undefined}>
              {p.label}
            </a>
          ))}
        </nav>
        <span class="who">
          {session.actor} · {session.roles.join(', ')}
        </span>
        <button type="button" class="link" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main">{body}</main>
    </>
  );
}

function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(credential.get() !== null);
  const [notice, setNotice] = useState<string | undefined>();
  useEffect(() => {
    const out = (e: Event) => {
      setSession(null);
      setNotice((e as CustomEvent<string>).detail);
    };
    addEventListener(SIGNED_OUT, out);
    if (credential.get()) {
      api<Session>('/v1/session')
        .then(setSession)
        .catch(() => undefined)
        .finally(() => setChecking(false));
    }
    return () => removeEventListener(SIGNED_OUT, out);
  }, []);
  if (checking) return <p aria-busy="true">Checking your credential…</p>;
  if (!session) return <SignIn onSignedIn={(s) => (setNotice(undefined), setSession(s))} notice={notice} />;
  return (
    <Shell
      session={session}
      onSignOut={() => {
        credential.clear();
        setSession(null);
      }}
    />
  );
}

render(<App />, document.getElementById('app')!);
