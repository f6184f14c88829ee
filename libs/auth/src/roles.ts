/** Least-privilege roles; `admin` may do everything. */
export const ROLES = ['sales', 'manager', 'analyst', 'auditor', 'service', 'importer', 'admin'] as const;
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

/** What a role includes besides itself: a sales manager is a seller too (and oversees a team's work on top). */
const INCLUDES: Partial<Record<Role, readonly Role[]>> = { manager: ['sales'] };

/** The roles a route open to `roles` admits: those, the roles that include one of them, and admin. */
export function admittedRoles(roles: readonly Role[]): Role[] {
  const including = (Object.keys(INCLUDES) as Role[]).filter((r) => INCLUDES[r]!.some((included) => roles.includes(included)));
  return [...new Set<Role>([...roles, ...including, 'admin'])];
}

/** The guard's decision: admin passes everywhere, otherwise one of the required roles (or a role that includes it). */
export function allows(identity: Pick<Identity, 'roles'>, required: readonly Role[]): boolean {
  const admitted = admittedRoles(required);
  return identity.roles.some((held) => admitted.includes(held));
}
