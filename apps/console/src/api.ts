/** The API as the console calls it: same origin, the credential from session storage, problem+json errors. */

const KEY = 'touchpoint.credential';

export type Role = 'sales' | 'manager' | 'analyst' | 'auditor' | 'service' | 'importer' | 'admin';
export interface Session {
  actor: string;
  roles: Role[];
  via: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: { title?: string; detail?: string; errors?: Array<{ field: string; message: string }> } = {},
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

// Session storage only: the credential goes when the tab does, and is never written to disk by the console.
export const credential = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (value: string) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
};

/** Fired when the API no longer accepts the credential (revoked, expired): the shell goes back to sign-in. */
export const SIGNED_OUT = 'touchpoint:signed-out';

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const token = credential.get();
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  const res = await fetch(path, { ...init, headers });
  if (res.status === 401) {
    credential.clear();
    window.dispatchEvent(new CustomEvent(SIGNED_OUT, { detail: 'Your credential is no longer accepted (revoked or expired). Sign in again.' }));
  }
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => ({})));
  return (await res.json()) as T;
}

/** Query string from defined values only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** What a role may see; the API enforces the same (admin may do everything, a manager is a seller too). */
export function can(session: Session, ...roles: Role[]): boolean {
  const held = new Set<Role>(session.roles.includes('manager') ? [...session.roles, 'sales'] : session.roles);
  return held.has('admin') || roles.some((r) => held.has(r));
}
