/** Least-privilege roles; `admin` may do everything. */
export const ROLES = ['sales', 'analyst', 'auditor', 'service', 'importer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Who is calling, as established by an API key or a bearer JWT. */
export interface Identity {
  /** recorded as the actor in event metadata */
  actor: string;
  roles: Role[];
  via: 'api-key' | 'jwt' | 'trusted-network';
}

/** The guard's decision: admin passes everywhere, otherwise one of the required roles. */
export function allows(identity: Pick<Identity, 'roles'>, required: readonly Role[]): boolean {
  return identity.roles.includes('admin') || required.some((r) => identity.roles.includes(r));
}
