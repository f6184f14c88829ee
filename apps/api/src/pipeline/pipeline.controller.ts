import { ruleViolated } from '@touchpoint/domain';
import { Body, Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { CommandResult } from '@touchpoint/application';
import { CLOCK, ID_GENERATOR, type Clock, type IdGenerator } from '@touchpoint/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Roles } from '../auth';
import type { AuthenticatedRequest } from '../auth/auth.guard';
import { ExecuteForecastCommand } from '../commands';
import { CommandContextFactory } from '../http/command-context.factory';
import { CommandResponder } from '../http/command-responder';
import { BadRequestProblem } from '../http/problem';
import { Consistency } from '../queries/consistency';
import { ForecastAccuracyQueryDto, ForecastQueryDto, SalesCycleQueryDto, SubmitForecastDto } from './pipeline.dtos';
import { GetForecast, GetForecastAccuracy, GetSalesCycle } from './pipeline.queries';
import { CsvExport } from '../http/csv';
import { accuracyTable, forecastTable, salesCycleTable } from '../http/csv-tables';

/** A period key must match the period asked for: YYYY-MM for months, YYYY-Qn for quarters. */
function checkPeriods(period: 'month' | 'quarter', fields: Array<['from' | 'to', string | undefined]>): void {
  for (const [field, value] of fields) {
    if (value && value.includes('Q') !== (period === 'quarter')) {
      throw ruleViolated('period_mismatch', `${field} must be ${period === 'month' ? 'YYYY-MM' : 'YYYY-Qn'} for period=${period}`, field);
    }
  }
}

/** Pipeline forecasts by every method, their accuracy over closed periods, and the sales cycle. */
@ApiTags('pipeline')
@Roles('analyst', 'sales')
@Controller('v1/pipeline')
export class PipelineController {
  constructor(
    private readonly queries: QueryBus,
    private readonly consistency: Consistency,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Open deals by expected close period, owner and stage; every forecast method side by side; win rates learned and configured; as of a past day. */
  @CsvExport('forecast', forecastTable)
  @Get('forecast')
  async forecast(@Query() q: ForecastQueryDto, @Req() req: FastifyRequest) {
    await this.consistency.await(req, q.minPosition);
    const period = q.period ?? 'month';
    checkPeriods(period, [['from', q.from], ['to', q.to]]);
    if (q.asOf !== undefined) {
      if (Number.isNaN(Date.parse(`${q.asOf}T00:00:00Z`)) || new Date(`${q.asOf}T00:00:00Z`).toISOString().slice(0, 10) !== q.asOf) {
        throw ruleViolated('invalid_date', `asOf ${q.asOf} is not a calendar date`, 'asOf');
      }
      if (q.asOf > this.clock.now().toISOString().slice(0, 10)) throw ruleViolated('in_the_future', 'asOf is after today: a forecast as of the future is not on record', 'asOf');
    }
    return this.queries.execute(new GetForecast({ period, from: q.from, to: q.to, owner: q.owner, currency: q.currency, asOf: q.asOf }));
  }

  /** For each closed period and lead time, what each method forecast then against what was won: APE, bias, MAPE, WAPE. */
  @CsvExport('forecast-accuracy', accuracyTable)
  @Get('forecast/accuracy')
  async accuracy(@Query() q: ForecastAccuracyQueryDto, @Req() req: FastifyRequest) {
    await this.consistency.await(req, q.minPosition);
    const period = q.period ?? 'month';
    checkPeriods(period, [['from', q.from], ['to', q.to]]);
    if (q.from && q.to && q.from > q.to) throw ruleViolated('empty_range', 'from is after to', 'from');
    const leadDays = [...new Set(q.leadDays ?? [90, 60, 30, 7])].sort((a, b) => b - a);
    return this.queries.execute(new GetForecastAccuracy({ period, from: q.from, to: q.to, leadDays, currency: q.currency, owner: q.owner }));
  }

  /** Stage-to-stage conversion, median days in each stage, median won cycle, slipped close dates: in total and per owner. */
  @CsvExport('sales-cycle', salesCycleTable)
  @Get('sales-cycle')
  async salesCycle(@Query() q: SalesCycleQueryDto, @Req() req: FastifyRequest) {
    await this.consistency.await(req, q.minPosition);
    return this.queries.execute(new GetSalesCycle(q.owner));
  }
}

/** An owner's (or a manager's, for a team) forecast call for a period, recorded as an event. */
@ApiTags('pipeline')
@ApiHeader({ name: 'Idempotency-Key', required: false })
@Roles('sales')
@Controller('v1/forecast-submissions')
export class ForecastSubmissionsController {
  constructor(
    private readonly ctx: CommandContextFactory,
    private readonly respond: CommandResponder,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  /** Submit a forecast for a period: commit and best case (cumulative, minor units), optional closed and pipeline, and a comment. */
  @Post()
  submit(@Body() dto: SubmitForecastDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<CommandResult> {
    const context = this.ctx.from(req);
    const { occurredAt, submissionId, scope, name, ...rest } = dto;
    const command = new ExecuteForecastCommand(
      {
        type: 'SubmitForecast',
        data: {
          ...rest,
          amounts: { ...dto.amounts },
          submissionId: submissionId?.toLowerCase() ?? this.ids.next(),
          scope: scope ?? 'owner',
          name: name ?? context.actor,
          occurredAt: this.respond.occurredAt(occurredAt),
          submittedBy: context.actor,
          mayActForOthers: (req as AuthenticatedRequest).identity?.roles.includes('admin') ?? false,
        },
      },
      context,
    );
    return this.respond.send(reply, command);
  }
}
