import type { AggregateSpec } from '@touchpoint/application';
import {
  CUSTOMER_STATE_PERSONAL_DATA,
  DEAL_STATE_PERSONAL_DATA,
  customerDecider,
  dealDecider,
  forecastDecider,
  taskDecider,
  salesOrgDecider,
  priceListDecider,
  quoteDecider,
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
  type SalesOrgCommand,
  type SalesOrgEvent,
  type SalesOrgState,
  type PriceListCommand,
  type PriceListEvent,
  type PriceListState,
  type QuoteCommand,
  type QuoteEvent,
  type QuoteState,
  webhookDecider,
  type WebhookCommand,
  type WebhookEvent,
  type WebhookSubscriptionsState,
} from '@touchpoint/domain';

/** Bump a stateVersion whenever that state's shape changes: old snapshots are then ignored and rebuilt. */
export const customerAggregate: AggregateSpec<CustomerCommand, CustomerState, CustomerEvent> = {
  decider: customerDecider,
  stateVersion: 'customer.v3',
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
  stateVersion: 'task.v2',
  personalDataOf: new Set(),
  startsStream: (command) => command.type === 'CreateTask',
};

/** The sales organisation: one stream (teams, regions, quotas, bonus plans), changed by admins. */
export const salesOrgAggregate: AggregateSpec<SalesOrgCommand, SalesOrgState, SalesOrgEvent> = {
  decider: salesOrgDecider,
  stateVersion: 'sales-org.v2',
  personalDataOf: new Set(),
  startsStream: () => false,
};

export const priceListAggregate: AggregateSpec<PriceListCommand, PriceListState, PriceListEvent> = {
  decider: priceListDecider,
  stateVersion: 'price-list.v1',
  personalDataOf: new Set(),
  startsStream: () => false,
};

/** One stream per quote; a quote holds no personal data but the rejection reason, which its state does not keep. */
export const quoteAggregate: AggregateSpec<QuoteCommand, QuoteState, QuoteEvent> = {
  decider: quoteDecider,
  stateVersion: 'quote.v1',
  personalDataOf: new Set(),
  startsStream: (command) => command.type === 'DraftQuote',
};

export const AGGREGATE_RUNNER = Symbol('AGGREGATE_RUNNER');

/** Webhook subscriptions: one stream of system events, changed by admins and services (and by the dispatcher, which disables). */
export const webhookAggregate: AggregateSpec<WebhookCommand, WebhookSubscriptionsState, WebhookEvent> = {
  decider: webhookDecider,
  stateVersion: 'webhooks.v1',
  personalDataOf: new Set(),
  startsStream: () => false,
};
