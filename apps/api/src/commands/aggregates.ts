import type { AggregateSpec } from '@touchpoint/application';
import {
  CUSTOMER_STATE_PERSONAL_DATA,
  DEAL_STATE_PERSONAL_DATA,
  customerDecider,
  dealDecider,
  forecastDecider,
  type CustomerCommand,
  type CustomerEvent,
  type CustomerState,
  type DealCommand,
  type DealEvent,
  type DealState,
  type ForecastCommand,
  type ForecastEvent,
  type ForecastState,
} from '@touchpoint/domain';

/** Bump a stateVersion whenever that state's shape changes: old snapshots are then ignored and rebuilt. */
export const customerAggregate: AggregateSpec<CustomerCommand, CustomerState, CustomerEvent> = {
  decider: customerDecider,
  stateVersion: 'customer.v2',
  personalDataOf: CUSTOMER_STATE_PERSONAL_DATA,
  startsStream: (command) => command.type === 'RegisterCustomer',
};
export const dealAggregate: AggregateSpec<DealCommand, DealState, DealEvent> = {
  decider: dealDecider,
  stateVersion: 'deal.v2',
  personalDataOf: DEAL_STATE_PERSONAL_DATA,
  startsStream: (command) => command.type === 'OpenDeal',
};

/** One stream per forecast submission. */
export const forecastAggregate: AggregateSpec<ForecastCommand, ForecastState, ForecastEvent> = {
  decider: forecastDecider,
  stateVersion: 'forecast.v1',
  personalDataOf: new Set(),
  startsStream: () => true,
};

export const AGGREGATE_RUNNER = Symbol('AGGREGATE_RUNNER');
