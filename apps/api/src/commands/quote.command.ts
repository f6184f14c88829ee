import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AggregateRunner, CommandContext, CommandResult } from '@touchpoint/application';
import {
  conflict,
  customerStreamId,
  dealStreamId,
  DomainError,
  notFound,
  priceListStreamId,
  quoteStreamId,
  ruleViolated,
  versionOn,
  type PriceListCommand,
  type QuoteCommand,
  type QuoteTerms,
  type RequestedLine,
} from '@touchpoint/domain';
import { EVENT_STORE, type EventStore } from '@touchpoint/event-store';
import { CUSTOMERS, READ_STORE, type CustomerBody, type ReadStore } from '@touchpoint/read-models';
import { AGGREGATE_RUNNER, customerAggregate, dealAggregate, priceListAggregate, quoteAggregate } from './aggregates';

export class ExecutePriceListCommand extends Command<CommandResult> {
  constructor(
    readonly command: PriceListCommand,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ExecutePriceListCommand)
export class PriceListCommandHandler implements ICommandHandler<ExecutePriceListCommand, CommandResult> {
  constructor(@Inject(AGGREGATE_RUNNER) private readonly runner: AggregateRunner) {}

  execute({ command, context }: ExecutePriceListCommand): Promise<CommandResult> {
    return this.runner.execute(priceListAggregate, priceListStreamId(command.data.priceListId), command, context);
  }
}

export interface QuoteDraftRequest {
  /** the server's date (UTC): prices come from the list version valid that day, whatever business time is recorded */
  pricedOn: string;
  quoteId: string;
  /** absent on a revision (the quote knows its deal) */
  dealId?: string;
  priceListId: string;
  lines: RequestedLine[];
  taxRatePct: number;
  validUntil: string;
  occurredAt: string;
  discountLimitPct: number;
}

/** Drafts a quote (or a new version of one): prices from the list valid that day, the tier from the customer's 360. */
export class DraftQuoteVersion extends Command<CommandResult> {
  constructor(
    readonly request: QuoteDraftRequest,
    readonly revise: boolean,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class ExecuteQuoteCommand extends Command<CommandResult> {
  constructor(
    readonly command: Exclude<QuoteCommand, { type: 'DraftQuote' | 'ReviseQuote' | 'AcceptQuote' }>,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** Accepting a quote version: QuoteAccepted, then the order on the customer, then the deal won; a retry completes what is missing. */
export class AcceptQuoteVersion extends Command<CommandResult> {
  constructor(
    readonly request: { quoteId: string; version: number; occurredAt: string; today: string },
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** Each of the appends of one request gets its own idempotency key, derived from the request's. */
const step = (context: CommandContext, name: string): CommandContext => ({
  ...context,
  expectedRevision: undefined,
  ...(context.idempotencyKey !== undefined && { idempotencyKey: `${context.idempotencyKey}#${name}` }),
});

@CommandHandler(DraftQuoteVersion)
export class DraftQuoteHandler implements ICommandHandler<DraftQuoteVersion, CommandResult> {
  constructor(
    @Inject(AGGREGATE_RUNNER) private readonly runner: AggregateRunner,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
  ) {}

  async execute({ request, revise, context }: DraftQuoteVersion): Promise<CommandResult> {
    const dealId = revise ? (await this.runner.load(quoteAggregate, quoteStreamId(request.quoteId))).state.dealId : request.dealId;
    if (dealId === undefined) throw notFound('quote_not_found', `quote ${request.quoteId} does not exist`, 'quoteId');
    const deal = (await this.runner.load(dealAggregate, dealStreamId(dealId))).state;
    if (deal.status === 'unknown') throw notFound('deal_not_found', `deal ${dealId} does not exist`, 'dealId');
    if (deal.status !== 'open') throw conflict('deal_closed', `deal ${dealId} is already ${deal.status}`, 'dealId');
    const list = (await this.runner.load(priceListAggregate, priceListStreamId(request.priceListId))).state;
    if (list.versions.length === 0) throw notFound('price_list_not_found', `price list ${request.priceListId} does not exist`, 'priceListId');
    const pricedOn = request.pricedOn;
    const version = versionOn(list.versions, pricedOn);
    if (!version) throw ruleViolated('no_price_on_date', `price list ${request.priceListId} has no version valid on ${pricedOn}`, 'priceListId');
    if (deal.currency !== undefined && version.currency !== deal.currency) throw ruleViolated('currency_mismatch', `deal ${dealId} is in ${deal.currency}, price list ${request.priceListId} in ${version.currency}`, 'priceListId');
    // The tier as the value segmentation ranked the customer (A, B, C; none before the first ranking).
    const customer = await this.readStore.get<CustomerBody>(CUSTOMERS, deal.customerId!);
    const data = {
      quoteId: request.quoteId,
      dealId,
      customerId: deal.customerId!,
      lines: request.lines,
      taxRatePct: request.taxRatePct,
      validUntil: request.validUntil,
      occurredAt: request.occurredAt,
      priceList: version,
      pricedOn,
      customerTier: customer?.segment?.tier ?? '',
      discountLimitPct: request.discountLimitPct,
    };
    return this.runner.execute(quoteAggregate, quoteStreamId(request.quoteId), { type: revise ? 'ReviseQuote' : 'DraftQuote', data }, context);
  }
}

@CommandHandler(ExecuteQuoteCommand)
export class QuoteCommandHandler implements ICommandHandler<ExecuteQuoteCommand, CommandResult> {
  constructor(@Inject(AGGREGATE_RUNNER) private readonly runner: AggregateRunner) {}

  execute({ command, context }: ExecuteQuoteCommand): Promise<CommandResult> {
    return this.runner.execute(quoteAggregate, quoteStreamId(command.data.quoteId), command, context);
  }
}

@CommandHandler(AcceptQuoteVersion)
export class AcceptQuoteHandler implements ICommandHandler<AcceptQuoteVersion, CommandResult> {
  constructor(
    @Inject(AGGREGATE_RUNNER) private readonly runner: AggregateRunner,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async execute({ request, context }: AcceptQuoteVersion): Promise<CommandResult> {
    const { quoteId, version, occurredAt, today } = request;
    const before = (await this.runner.load(quoteAggregate, quoteStreamId(quoteId))).state;
    if (before.dealId !== undefined && before.status !== 'accepted') {
      const deal = (await this.runner.load(dealAggregate, dealStreamId(before.dealId))).state;
      if (deal.status !== 'open') throw conflict('deal_closed', `deal ${before.dealId} is already ${deal.status}: its quote cannot be accepted`, 'dealId');
    }
    const result = await this.runner.execute(quoteAggregate, quoteStreamId(quoteId), { type: 'AcceptQuote', data: { quoteId, version, occurredAt, today } }, step(context, 'quote'));
    const quote = (await this.runner.load(quoteAggregate, quoteStreamId(quoteId))).state;
    const terms = await this.termsOf(quoteId, quote.acceptedVersion!);
    const orderId = quote.orderId!;
    // The customer may have been merged into another since the quote was drafted: the order goes to the record that
    // takes commands (the end of the chain of merges).
    const buyer = await this.recordOf(quote.customerId!);
    try {
      await this.runner.execute(
        customerAggregate,
        customerStreamId(buyer),
        { type: 'PlaceOrder', data: { customerId: buyer, orderId, currency: terms.currency, lines: terms.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice })), occurredAt } },
        step(context, 'order'),
      );
    } catch (error) {
      // Placed by an earlier try of this acceptance.
      if (!(error instanceof DomainError && error.code === 'order_exists')) throw error;
    }
    try {
      await this.runner.execute(dealAggregate, dealStreamId(quote.dealId!), { type: 'WinDeal', data: { dealId: quote.dealId!, amount: terms.subtotal, occurredAt } }, step(context, 'deal'));
    } catch (error) {
      const deal = (await this.runner.load(dealAggregate, dealStreamId(quote.dealId!))).state;
      if (!(error instanceof DomainError && error.code === 'deal_closed' && deal.status === 'won')) throw error;
    }
    return { ...result, ids: { ...result.ids, quoteId, orderId, dealId: quote.dealId!, customerId: quote.customerId! } };
  }

  private async recordOf(customerId: string): Promise<string> {
    let id = customerId;
    for (let hops = 0; hops < 100; hops++) {
      const next = (await this.runner.load(customerAggregate, customerStreamId(id))).state.mergedInto?.survivorId;
      if (next === undefined) return id;
      id = next;
    }
    return id;
  }

  /** The terms of one version, from the quote's own stream. */
  private async termsOf(quoteId: string, version: number): Promise<QuoteTerms> {
    const events = await this.store.readStream(quoteStreamId(quoteId));
    const drafted = events.find((e) => (e.type === 'QuoteDrafted' || e.type === 'QuoteRevised') && (e.data as { version: number }).version === version);
    if (!drafted) throw notFound('quote_not_found', `quote ${quoteId} has no version ${version}`, 'version');
    return drafted.data as unknown as QuoteTerms;
  }
}
