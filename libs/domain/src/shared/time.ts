import { ruleViolated } from './errors';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Normalises an ISO 8601 instant to UTC with milliseconds, so strings sort as times. */
export function normaliseInstant(value: string, field: string): string {
  // Date.parse rolls impossible days over (2026-02-30 → 2026-03-02), so the date part is checked first.
  const ms = ISO_INSTANT.test(value) && isCalendarDate(value.slice(0, 10)) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw ruleViolated('invalid_instant', `${field} must be an ISO 8601 date-time with a zone`, field);
  return new Date(ms).toISOString();
}

function isCalendarDate(value: string): boolean {
  const ms = ISO_DATE.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value;
}

export function assertCalendarDate(value: string, field: string): void {
  if (!isCalendarDate(value)) throw ruleViolated('invalid_date', `${field} must be a calendar date YYYY-MM-DD`, field);
}
