import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { CommandResult } from '@touchpoint/application';
import { ID_GENERATOR, type IdGenerator } from '@touchpoint/platform';
import { COMPETITION, competitionReport, READ_STORE, type CompetitorDoc, type ReadStore } from '@touchpoint/read-models';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Roles } from '../auth';
import { ExecuteCustomerCommand } from '../commands';
import { CommandContextFactory } from '../http/command-context.factory';
import { CommandResponder } from '../http/command-responder';
import { PathParam } from '../http/params';
import { Consistency } from '../queries/consistency';
import { ConsistencyQuery } from '../queries/query.dtos';
import { RecordCompetitorOfferDto } from './payments.dtos';

/** Offers competitors made a customer, recorded on the customer's record as the seller learns of them. */
@ApiTags('customers')
@ApiHeader({ name: 'Idempotency-Key', required: false })
@Roles('sales')
@Controller('v1/customers')
export class CompetitorOffersController {
  constructor(
    private readonly ctx: CommandContextFactory,
    private readonly respond: CommandResponder,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  @Post(':id/competitor-offers')
  record(@Param('id', PathParam.uuid('id')) customerId: string, @Body() dto: RecordCompetitorOfferDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<CommandResult> {
    const { occurredAt, offerId, dealId, ...rest } = dto;
    const command = new ExecuteCustomerCommand(
      { type: 'RecordCompetitorOffer', data: { ...rest, customerId, offerId: offerId ?? this.ids.next(), ...(dealId !== undefined && { dealId: dealId.toLowerCase() }), occurredAt: this.respond.occurredAt(occurredAt) } },
      this.ctx.from(req),
    );
    return this.respond.send(reply, command, { created: () => `/v1/customers/${customerId}/history?category=competitor` });
  }
}

const REPORT_LIMIT = 500;

/** The competition report: per competitor, the offers customers told of and the deals lost to it. */
@ApiTags('analytics')
@Roles('sales', 'analyst')
@Controller('v1/analytics')
export class CompetitionController {
  constructor(
    private readonly consistency: Consistency,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
  ) {}

  @Get('competitors')
  async report(@Query() q: ConsistencyQuery, @Req() req: FastifyRequest) {
    await this.consistency.await(req, q.minPosition);
    // The 500 competitors customers lost the most deals to or mentioned most.
    const page = await this.readStore.find<CompetitorDoc>(COMPETITION, { sort: [{ field: 'dealsLost', direction: 'desc' }, { field: 'offersSeen', direction: 'desc' }], limit: REPORT_LIMIT });
    return { items: competitionReport(page.items), truncated: page.next !== undefined };
  }
}
