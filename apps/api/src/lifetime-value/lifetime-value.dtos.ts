import { ruleViolated } from '@touchpoint/domain';
import { IsOptional, Matches } from 'class-validator';
import { BadRequestProblem } from '../http/problem';
import { IsCurrencyCode, Optional } from '../http/validators';

/** A calendar date (the whole day, UTC) or an instant with a zone. */
const DATE_OR_INSTANT = /^[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d))?$/;

/** A date means the end of that day (UTC): "through 1997-09-30" includes the 30th. */
export function endOf(value: string, field: string): string {
  const iso = /^[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/.test(value) ? `${value}T23:59:59.999Z` : value;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms) || (iso.length === 24 && new Date(ms).toISOString().slice(0, 10) !== iso.slice(0, 10))) {
    throw ruleViolated('invalid_date', `${field} must be a date YYYY-MM-DD or an ISO 8601 instant`, field);
  }
  return new Date(ms).toISOString();
}

export class FitLifetimeValueDto {
  /** Fit one currency; all with enough data when absent. */
  @Optional() @IsCurrencyCode() currency?: string;
  /** Use purchases with business time up to here (a date: the end of that day, UTC); now when absent. */
  @IsOptional() @Matches(DATE_OR_INSTANT, { message: 'cutoff must be a date YYYY-MM-DD or an ISO 8601 instant' }) cutoff?: string;
}

export class BacktestQueryDto {
  /** last day of the calibration period (purchases the fit may see) */
  @Matches(DATE_OR_INSTANT, { message: 'calibrationEnd must be a date YYYY-MM-DD or an ISO 8601 instant' }) calibrationEnd: string;
  /** last day of the holdout period (what happened next) */
  @Matches(DATE_OR_INSTANT, { message: 'holdoutEnd must be a date YYYY-MM-DD or an ISO 8601 instant' }) holdoutEnd: string;
  @IsCurrencyCode() currency: string;
}

