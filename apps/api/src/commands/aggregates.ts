import type { AggregateSpec } from '@touchpoint/application';
import {
  CUSTOMER_STATE_PERSONAL_DATA,
  DEAL_STATE_PERSONAL_DATA,
  customerDecider,
  dealDecider,
  forecastDecider,
  taskDecider,
  type CustomerCommand,
  type CustomerEvent,
  type CustomerState,
  type DealCommand,
  type DealEvent,
  type DealState,
  type ForecastCommand,
  type ForecastEvent,
  type ForecastState,
  type TaskCommand,
  type TaskEvent,
  type TaskState,
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

/** One stream per task; its personal fields (title, notes) are sealed with its customer's key. */
export const taskAggregate: AggregateSpec<TaskCommand, TaskState, TaskEvent> = {
  decider: taskDecider,
  stateVersion: 'task.v1',
  personalDataOf: new Set(),
  startsStream: (command) => command.type === 'CreateTask',
};

export const AGGREGATE_RUNNER = Symbol('AGGREGATE_RUNNER');
