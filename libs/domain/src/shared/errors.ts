/**
 * Domain errors carry a stable machine-readable code; the HTTP edge maps
 * kind → status (not_found 404, conflict 409, rule_violated 422).
 */
export type DomainErrorKind = 'not_found' | 'conflict' | 'rule_violated';

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

export const notFound = (code: string, message: string, field?: string) => new DomainError('not_found', code, message, field);
export const conflict = (code: string, message: string, field?: string) => new DomainError('conflict', code, message, field);
export const ruleViolated = (code: string, message: string, field?: string) => new DomainError('rule_violated', code, message, field);
