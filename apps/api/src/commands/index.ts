import { CustomerCommandHandler } from './customer.command';
import { DealCommandHandler } from './deal.command';
import { ForecastCommandHandler } from './forecast.command';
import { MergeCommandHandler, UnmergeCommandHandler } from './merge.command';
import { SalesOrgCommandHandler, TaskCommandHandler, WebhookCommandHandler } from './task.command';
import { AcceptQuoteHandler, DraftQuoteHandler, PriceListCommandHandler, QuoteCommandHandler } from './quote.command';

export * from './aggregates';
export * from './customer.command';
export * from './deal.command';
export * from './forecast.command';
export * from './merge.command';
export * from './task.command';
export * from './quote.command';

export const COMMAND_HANDLERS = [CustomerCommandHandler, DealCommandHandler, ForecastCommandHandler, MergeCommandHandler, UnmergeCommandHandler, TaskCommandHandler, SalesOrgCommandHandler, PriceListCommandHandler, DraftQuoteHandler, QuoteCommandHandler, AcceptQuoteHandler, WebhookCommandHandler];
