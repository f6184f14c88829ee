import { CustomerCommandHandler } from './customer.command';
import { DealCommandHandler } from './deal.command';
import { ForecastCommandHandler } from './forecast.command';

export * from './aggregates';
export * from './customer.command';
export * from './deal.command';
export * from './forecast.command';

export const COMMAND_HANDLERS = [CustomerCommandHandler, DealCommandHandler, ForecastCommandHandler];
