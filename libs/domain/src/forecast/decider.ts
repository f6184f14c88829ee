import type { Decider } from '../shared/decider';
import { conflict, forbidden, ruleViolated } from '../shared/errors';
import { assertCurrency, assertMinorUnits } from '../shared/money';
import type { ForecastEvent, ForecastSubmitted } from './events';

/** `submittedBy` is the caller; `mayActForOthers` (admin, the manager's role) may submit for any owner and for teams. */
export type SubmitForecast = { type: 'SubmitForecast'; data: ForecastSubmitted['data'] & { submittedBy: string; mayActForOthers: boolean } };
export type ForecastCommand = SubmitForecast;

export interface ForecastState {
  submitted: boolean;
}

const PERIOD = /^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$/;

/** One submission per stream: a new call for the same period is a new submission, and the latest one counts. */
export function decideForecast(command: ForecastCommand, state: ForecastState): ForecastEvent[] {
  const { submittedBy, mayActForOthers, ...data } = command.data;
  if (state.submitted) throw conflict('submission_exists', `forecast submission ${data.submissionId} already exists`, 'submissionId');
  if (!mayActForOthers && (data.scope !== 'owner' || data.name !== submittedBy)) {
    throw forbidden('not_own_forecast', data.scope === 'team' ? 'a team forecast is submitted by a manager (admin)' : `only ${data.name} submits their own forecast`, 'name');
  }
  if (!PERIOD.test(data.period)) throw ruleViolated('invalid_period', `period ${data.period} is neither YYYY-MM nor YYYY-Qn`, 'period');
  assertCurrency(data.currency);
  const { closed, commit, bestCase, pipeline } = data.amounts;
  for (const [field, value] of Object.entries({ closed, commit, bestCase, pipeline })) {
    if (value === undefined) continue;
    assertMinorUnits(value, `amounts.${field}`);
  }
  // Categories roll up: what is closed is committed, what is committed is in the best case.
  if (closed !== undefined && closed > commit) throw ruleViolated('commit_below_closed', 'amounts.commit includes what is closed, so it cannot be smaller', 'amounts.commit');
  if (commit > bestCase) throw ruleViolated('best_case_below_commit', 'amounts.bestCase includes the commit, so it cannot be smaller', 'amounts.bestCase');
  return [{ type: 'ForecastSubmitted', data }];
}

export const forecastDecider: Decider<ForecastCommand, ForecastState, ForecastEvent> = {
  decide: decideForecast,
  evolve: () => ({ submitted: true }),
  initialState: () => ({ submitted: false }),
};

export const forecastStreamId = (submissionId: string) => `forecast-${submissionId}`;
