import { Roles } from '../auth';
import { Body, Controller, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { CommandResult } from '@touchpoint/application';
import type { DealCommand } from '@touchpoint/domain';
import { ID_GENERATOR, type IdGenerator } from '@touchpoint/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ExecuteDealCommand } from '../commands';
import { CommandContextFactory } from '../http/command-context.factory';
import { CommandResponder } from '../http/command-responder';
import { PathParam } from '../http/params';
import type { AuthenticatedRequest } from '../auth/auth.guard';
import { ChangeDealAmountDto, ChangeDealCloseDateDto, ChangeDealStageDto, LoseDealDto, OpenDealDto, SetForecastCategoryDto, WinDealDto } from './deal.dtos';

/** Sales pipeline writes: open a deal, move it through stages, win or lose it. */
@ApiTags('deals')
@ApiHeader({ name: 'Idempotency-Key', required: false })
@ApiHeader({ name: 'If-Match', required: false, description: 'Expected deal stream revision; 409 when stale.' })
@Roles('sales')
@Controller('v1/deals')
export class DealCommandsController {
  constructor(
    private readonly ctx: CommandContextFactory,
    private readonly respond: CommandResponder,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  @Post()
  open(@Body() dto: OpenDealDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<CommandResult> {
    const context = this.ctx.from(req);
    const { occurredAt, dealId, customerId, ...rest } = dto;
    const command = new ExecuteDealCommand(
      {
        type: 'OpenDeal',
        data: {
          ...rest,
          dealId: dealId?.toLowerCase() ?? this.ids.next(),
          customerId: customerId.toLowerCase(),
          stage: rest.stage ?? 'lead',
          owner: rest.owner ?? context.actor,
          occurredAt: this.respond.occurredAt(occurredAt),
        },
      },
      context,
    );
    return this.respond.send(reply, command, { created: (r) => `/v1/deals/${r.ids.dealId}` });
  }

  @Post(':id/stage')
  @HttpCode(200)
  stage(@Param('id', PathParam.uuid('id')) dealId: string, @Body() dto: ChangeDealStageDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(req, reply, { type: 'ChangeDealStage', data: { dealId, stage: dto.stage, occurredAt: this.respond.occurredAt(dto.occurredAt) } });
  }

  @Post(':id/amount')
  @HttpCode(200)
  amount(@Param('id', PathParam.uuid('id')) dealId: string, @Body() dto: ChangeDealAmountDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { occurredAt, ...rest } = dto;
    return this.run(req, reply, { type: 'ChangeDealAmount', data: { ...rest, dealId, occurredAt: this.respond.occurredAt(occurredAt) } });
  }

  @Post(':id/close-date')
  @HttpCode(200)
  closeDate(@Param('id', PathParam.uuid('id')) dealId: string, @Body() dto: ChangeDealCloseDateDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(req, reply, {
      type: 'ChangeDealCloseDate',
      data: { dealId, expectedCloseDate: dto.expectedCloseDate, occurredAt: this.respond.occurredAt(dto.occurredAt) },
    });
  }

  /** The owner's forecast category for the deal; only its owner (or an admin) sets it. */
  @Post(':id/forecast-category')
  @HttpCode(200)
  forecastCategory(@Param('id', PathParam.uuid('id')) dealId: string, @Body() dto: SetForecastCategoryDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const context = this.ctx.from(req);
    const mayActForOthers = (req as AuthenticatedRequest).identity?.roles.includes('admin') ?? false;
    return this.respond.send(
      reply,
      new ExecuteDealCommand({ type: 'SetDealForecastCategory', data: { dealId, category: dto.category, setBy: context.actor, mayActForOthers, occurredAt: this.respond.occurredAt(dto.occurredAt) } }, context),
    );
  }

  @Post(':id/won')
  @HttpCode(200)
  won(@Param('id', PathParam.uuid('id')) dealId: string, @Body() dto: WinDealDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { occurredAt, ...rest } = dto;
    return this.run(req, reply, { type: 'WinDeal', data: { ...rest, dealId, occurredAt: this.respond.occurredAt(occurredAt) } });
  }

  @Post(':id/lost')
  @HttpCode(200)
  lost(@Param('id', PathParam.uuid('id')) dealId: string, @Body() dto: LoseDealDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { occurredAt, ...rest } = dto;
    return this.run(req, reply, { type: 'LoseDeal', data: { ...rest, dealId, occurredAt: this.respond.occurredAt(occurredAt) } });
  }

  private run(req: FastifyRequest, reply: FastifyReply, command: DealCommand): Promise<CommandResult> {
    return this.respond.send(reply, new ExecuteDealCommand(command, this.ctx.from(req)));
  }
}
