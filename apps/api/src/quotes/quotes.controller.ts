import { Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { AggregateRunner, CommandResult } from '@touchpoint/application';
import { dealStreamId, quoteStreamId, versionOn } from '@touchpoint/domain';
import { CLOCK, ID_GENERATOR, type Clock, type IdGenerator } from '@touchpoint/platform';
import { PRICE_LISTS, QUOTES, READ_STORE, type PriceListDoc, type QuoteDoc, type ReadStore } from '@touchpoint/read-models';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Roles } from '../auth';
import type { AuthenticatedRequest } from '../auth/auth.guard';
import { AcceptQuoteVersion, AGGREGATE_RUNNER, dealAggregate, DraftQuoteVersion, ExecutePriceListCommand, ExecuteQuoteCommand, quoteAggregate } from '../commands';
import { TeamScope } from '../sales/team-scope';
import { CommandContextFactory } from '../http/command-context.factory';
import { CommandResponder } from '../http/command-responder';
import { PathParam } from '../http/params';
import { Consistency } from '../queries/consistency';
import { ConsistencyQuery } from '../queries/query.dtos';
import { quoteHtml, quotePdf } from './quote-document';
import { DraftQuoteDto, PriceOnQueryDto, PublishPriceListDto, QuoteDocumentQueryDto, QuoteVersionDto, RejectQuoteDto, ReviseQuoteDto } from './quotes.dtos';

export const QUOTE_SETTINGS = Symbol('QUOTE_SETTINGS');
export interface QuoteSettings {
  /** the highest extra discount a seller gives without an approval, percent */
  discountLimitPct: number;
}

const isAdmin = (req: FastifyRequest) => (req as AuthenticatedRequest).identity?.roles.includes('admin') ?? false;

/** Price lists (admin publishes versions valid from a date; anyone working with customers reads the price on a day). */
@ApiTags('quotes')
@ApiHeader({ name: 'Idempotency-Key', required: false })
@Controller('v1/price-lists')
export class PriceListsController {
  constructor(
    private readonly ctx: CommandContextFactory,
    private readonly respond: CommandResponder,
    private readonly consistency: Consistency,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
  ) {}

  /** Publish a version of a price list (a new list, or a new version of `priceListId` valid from `validFrom`). */
  @Post()
  @Roles('admin')
  publish(@Body() dto: PublishPriceListDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<CommandResult> {
    const { occurredAt, priceListId, items, tierDiscounts, ...rest } = dto;
    const id = priceListId?.toLowerCase() ?? this.ids.next();
    const command = new ExecutePriceListCommand(
      {
        type: 'PublishPriceList',
        data: { ...rest, priceListId: id, items: items.map((i) => ({ sku: i.sku, name: i.name, unitPrice: i.unitPrice })), tierDiscounts: Object.fromEntries(Object.entries(tierDiscounts ?? {}).filter(([, pct]) => pct !== undefined)), occurredAt: this.respond.occurredAt(occurredAt) },
      },
      this.ctx.from(req),
    );
    return this.respond.send(reply, command, { created: () => `/v1/price-lists/${id}/prices` });
  }

  /** The version valid on a day (default today): its items, list prices and tier discounts. */
  @Get(':id/prices')
  @Roles('sales', 'analyst', 'auditor')
  async prices(@Param('id', PathParam.uuid('id')) priceListId: string, @Query() q: PriceOnQueryDto, @Req() req: FastifyRequest) {
    await this.consistency.await(req, q.minPosition);
    const list = await this.readStore.get<PriceListDoc>(PRICE_LISTS, priceListId);
    if (!list) throw new NotFoundException(`price list ${priceListId} has no read model (unknown, or not projected yet: pass minPosition to wait)`);
    const on = q.on ?? this.clock.now().toISOString().slice(0, 10);
    const version = versionOn(list.versions, on);
    if (!version) throw new NotFoundException(`price list ${priceListId} has no version valid on ${on}`);
    return { ...version, name: list.name, on };
  }
}

/**
 * Quotes for deals, priced from the list valid that day with the customer's tier discount; versions; a discount over
 * the seller's limit needs an admin's approval before the quote is sent; accepting places the order and wins the deal.
 */
@ApiTags('quotes')
@ApiHeader({ name: 'Idempotency-Key', required: false })
@Roles('sales')
@Controller('v1')
export class QuotesController {
  constructor(
    private readonly ctx: CommandContextFactory,
    private readonly respond: CommandResponder,
    private readonly consistency: Consistency,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(QUOTE_SETTINGS) private readonly settings: QuoteSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(AGGREGATE_RUNNER) private readonly runner: AggregateRunner,
    private readonly teams: TeamScope,
  ) {}

  @Post('deals/:dealId/quotes')
  draft(@Param('dealId', PathParam.uuid('dealId')) dealId: string, @Body() dto: DraftQuoteDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<CommandResult> {
    const quoteId = dto.quoteId?.toLowerCase() ?? this.ids.next();
    const command = new DraftQuoteVersion({ ...this.request(dto, req), quoteId, dealId }, false, this.ctx.from(req));
    return this.respond.send(reply, command, { created: () => `/v1/quotes/${quoteId}` });
  }

  /** A new version of the quote (new lines or terms): the earlier versions can no longer be sent or accepted. */
  @Post('quotes/:id/revisions')
  @HttpCode(200)
  revise(@Param('id', PathParam.uuid('id')) quoteId: string, @Body() dto: ReviseQuoteDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<CommandResult> {
    return this.respond.send(reply, new DraftQuoteVersion({ ...this.request(dto, req), quoteId }, true, this.ctx.from(req)));
  }

  /** An admin, or the manager of the deal owner's team, approves the discount of a version over the seller's limit. */
  @Post('quotes/:id/approval')
  @HttpCode(200)
  async approve(@Param('id', PathParam.uuid('id')) quoteId: string, @Body() dto: QuoteVersionDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<CommandResult> {
    const context = this.ctx.from(req);
    const mayApprove = isAdmin(req) || (await this.managesDealOwner(req, quoteId));
    return this.respond.send(
      reply,
      new ExecuteQuoteCommand({ type: 'ApproveQuoteDiscount', data: { quoteId, version: dto.version, approvedBy: context.actor, mayApprove, occurredAt: this.respond.occurredAt(dto.occurredAt) } }, context),
    );
  }

  /** Is the caller a manager of the team whose seller owns the quote's deal? (Their own deal's discount they do not approve.) */
  private async managesDealOwner(req: FastifyRequest, quoteId: string): Promise<boolean> {
    const scope = await this.teams.of(req);
    if (scope.members.length === 0) return false;
    const quote = (await this.runner.load(quoteAggregate, quoteStreamId(quoteId))).state;
    if (!quote.dealId) return false;
    const owner = (await this.runner.load(dealAggregate, dealStreamId(quote.dealId))).state.owner;
    return owner !== undefined && owner !== this.ctx.from(req).actor && scope.members.includes(owner);
  }

  @Post('quotes/:id/sending')
  @HttpCode(200)
  send(@Param('id', PathParam.uuid('id')) quoteId: string, @Body() dto: QuoteVersionDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<CommandResult> {
    return this.respond.send(reply, new ExecuteQuoteCommand({ type: 'SendQuote', data: { quoteId, version: dto.version, occurredAt: this.respond.occurredAt(dto.occurredAt) } }, this.ctx.from(req)));
  }

  /** The customer accepts a version: QuoteAccepted, the order placed, the deal won (a retry completes what is missing). */
  @Post('quotes/:id/acceptance')
  @HttpCode(200)
  accept(@Param('id', PathParam.uuid('id')) quoteId: string, @Body() dto: QuoteVersionDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<CommandResult> {
    return this.respond.send(reply, new AcceptQuoteVersion({ quoteId, version: dto.version, occurredAt: this.respond.occurredAt(dto.occurredAt), today: this.today() }, this.ctx.from(req)));
  }

  @Post('quotes/:id/rejection')
  @HttpCode(200)
  reject(@Param('id', PathParam.uuid('id')) quoteId: string, @Body() dto: RejectQuoteDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<CommandResult> {
    return this.respond.send(reply, new ExecuteQuoteCommand({ type: 'RejectQuote', data: { quoteId, version: dto.version, reason: dto.reason, occurredAt: this.respond.occurredAt(dto.occurredAt) } }, this.ctx.from(req)));
  }

  @Get('quotes/:id')
  @Roles('sales', 'analyst', 'auditor')
  async get(@Param('id', PathParam.uuid('id')) quoteId: string, @Query() q: ConsistencyQuery, @Req() req: FastifyRequest) {
    const { _id, _position, ...quote } = await this.quote(quoteId, q.minPosition, req);
    return { ...quote, projectedThrough: _position };
  }

  /** The printable quote: HTML, or PDF (`?format=pdf` or `Accept: application/pdf`), with the quote's id and version. */
  @Get('quotes/:id/document')
  @Roles('sales', 'analyst', 'auditor')
  @ApiProduces('text/html', 'application/pdf')
  async document(@Param('id', PathParam.uuid('id')) quoteId: string, @Query() q: QuoteDocumentQueryDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const quote = await this.quote(quoteId, q.minPosition, req);
    const pdf = q.format === 'pdf' || (q.format === undefined && /application\/pdf/.test(req.headers.accept ?? ''));
    const name = `quote-${quote.quoteId}-v${quote.terms.version}`;
    if (pdf) {
      reply.header('content-type', 'application/pdf').header('content-disposition', `inline; filename="${name}.pdf"`);
      return quotePdf(quote);
    }
    reply.header('content-type', 'text/html; charset=utf-8').header('content-disposition', `inline; filename="${name}.html"`);
    return quoteHtml(quote);
  }

  /** The server's date: prices and validity follow it, not a business time the request may set. */
  private today(): string {
    return this.clock.now().toISOString().slice(0, 10);
  }

  private async quote(quoteId: string, minPosition: number | undefined, req: FastifyRequest): Promise<QuoteDoc> {
    await this.consistency.await(req, minPosition);
    const quote = await this.readStore.get<QuoteDoc>(QUOTES, quoteId);
    if (!quote) throw new NotFoundException(`quote ${quoteId} has no read model (unknown, or not projected yet: pass minPosition to wait)`);
    return quote;
  }

  private request(dto: DraftQuoteDto | ReviseQuoteDto, req: FastifyRequest) {
    return {
      priceListId: dto.priceListId.toLowerCase(),
      lines: dto.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, ...(l.discountPct !== undefined && { discountPct: l.discountPct }) })),
      taxRatePct: dto.taxRatePct,
      validUntil: dto.validUntil,
      occurredAt: this.respond.occurredAt(dto.occurredAt),
      pricedOn: this.today(),
      // An admin's discount needs no approval; a seller's above the configured limit does.
      discountLimitPct: isAdmin(req) ? 100 : this.settings.discountLimitPct,
    };
  }
}
