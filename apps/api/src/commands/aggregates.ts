import type { AggregateSpec } from '@touchpoint/application';
import { CUSTOMER_STATE_PERSONAL_DATA, DEAL_STATE_PERSONAL_DATA, customerDecider, dealDecider, type CustomerCommand, type CustomerEvent, type CustomerState, type DealCommand, type DealEvent, type DealState } from '@touchpoint/domain';

/** Bump a stateVersion whenever that state's shape changes: old snapshots are then ignored and rebuilt. */
export const customerAggregate: AggregateSpec<CustomerCommand, CustomerState, CustomerEvent> = {
  decider: customerDecider,
  stateVersion: 'customer.v2',
  personalDataOf: CUSTOMER_STATE_PERSONAL_DATA,
  startsStream: (command) => command.type === 'RegisterCustomer',
};
export const dealAggregate: AggregateSpec<DealCommand, DealState, DealEvent> = {
  decider: dealDecider,
  stateVersion: 'deal.v1',
  personalDataOf: DEAL_STATE_PERSONAL_DATA,
  startsStream: (command) => command.type === 'OpenDeal',
};

export const AGGREGATE_RUNNER = Symbol('AGGREGATE_RUNNER');
