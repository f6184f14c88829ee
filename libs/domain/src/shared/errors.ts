/**
 * Domain errors carry a stable machine-readable code; the HTTP edge maps
 * kind → status (forbidden 403, not_found 404, conflict 409, rule_violated 422).
 */
export type DomainErrorKind = 'forbidden' | 'not_found' | 'conflict' | 'rule_violated';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** The caller's role allows the command, but not on this record (a deal someone else owns). */
export const forbidden = (code: string, message: string, field?: string) => new DomainError('forbidden', code, message, field);
export const notFound = (code: string, message: string, field?: string) => new DomainError('not_found', code, message, field);
export const conflict = (code: string, message: string, field?: string) => new DomainError('conflict', code, message, field);
export const ruleViolated = (code: string, message: string, field?: string) => new DomainError('rule_violated', code, message, field);
