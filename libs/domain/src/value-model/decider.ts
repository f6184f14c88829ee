import type { Decider } from '../shared/decider';
import { ruleViolated } from '../shared/errors';
import type { LifetimeValueModelFitted, ValueModelEvent } from './events';

export type RecordLifetimeValueFit = { type: 'RecordLifetimeValueFit'; data: LifetimeValueModelFitted['data'] };
export type ValueModelCommand = RecordLifetimeValueFit;
export interface ValueModelState {
  fits: number;
}

/** A fit is recorded only with parameters a prediction can use: finite and positive, never NaN. */
export function decideValueModel(command: ValueModelCommand, _state: ValueModelState): ValueModelEvent[] {
  const { params, logLikelihood } = command.data;
  for (const [name, value] of Object.entries(params)) {
    if (!Number.isFinite(value) || value <= 0) throw ruleViolated('invalid_fit', `fitted parameter ${name} is ${value}: not a usable fit`, `params.${name}`);
  }
  if (!Number.isFinite(logLikelihood.bgNbd) || !Number.isFinite(logLikelihood.gammaGamma)) throw ruleViolated('invalid_fit', 'the fit has no finite log-likelihood', 'logLikelihood');
  return [{ type: 'LifetimeValueModelFitted', data: command.data }];
}

export const valueModelDecider: Decider<ValueModelCommand, ValueModelState, ValueModelEvent> = {
  decide: decideValueModel,
  evolve: (state) => ({ fits: state.fits + 1 }),
  initialState: () => ({ fits: 0 }),
};
