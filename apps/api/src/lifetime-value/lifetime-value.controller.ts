import { ruleViolated } from '@touchpoint/domain';
import { Body, Controller, Get, HttpCode, Inject, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiExtension, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Roles } from '../auth';
import { CommandContextFactory } from '../http/command-context.factory';
import { BadRequestProblem } from '../http/problem';
import { BacktestQueryDto, endOf, FitLifetimeValueDto } from './lifetime-value.dtos';
import { LIFETIME_VALUE_MODELS, type LifetimeValueModels } from './lifetime-value-models';
import { CsvExport } from '../http/csv';
import { backtestTrackingTable, lifetimeValueModelTable } from '../http/csv-tables';

/** Predicted lifetime value by BG/NBD + Gamma-Gamma: fits (recorded as events), the current model, backtests. */
@ApiTags('analytics')
@Roles('analyst')
@Controller('v1/analytics/lifetime-value')
export class LifetimeValueController {
  constructor(
    @Inject(LIFETIME_VALUE_MODELS) private readonly models: LifetimeValueModels,
    private readonly ctx: CommandContextFactory,
  ) {}

  /** Fit the models on the log (per currency, or one) and record each fit as an event; currencies without enough data are listed with the reason. */
  @Post('fits')
  @HttpCode(201)
  @ApiExtension('x-not-a-command', true)
  @ApiCreatedResponse({
    description: 'The fits recorded, and the currencies skipped with the reason',
    schema: {
      type: 'object',
      required: ['fits', 'skipped'],
      properties: {
        fits: { type: 'array', items: { type: 'object', description: 'LifetimeValueModelFitted data (docs/events.md)' } },
        skipped: { type: 'array', items: { type: 'object', required: ['currency', 'reason'], properties: { currency: { type: 'string' }, reason: { type: 'string' } } } },
      },
    },
  })
  fit(@Body() dto: FitLifetimeValueDto, @Req() req: FastifyRequest) {
    const { actor } = this.ctx.from(req);
    return this.models.fit({ currency: dto.currency, cutoff: dto.cutoff === undefined ? undefined : endOf(dto.cutoff, 'cutoff'), trigger: 'manual', actor });
  }

  /** The current fit per currency, with its parameters, log-likelihood, data cut-off and size. */
  @CsvExport('lifetime-value-model', lifetimeValueModelTable)
  @Get('model')
  async model() {
    return { currencies: await this.models.current(), fits: (await this.models.fits()).length };
  }

  /**
   * Fits on the purchases up to calibrationEnd only and compares the predictions for the holdout with what
   * happened: per-customer MAE and correlation, totals, for the model, the heuristic and predicting zero; and the
   * weekly tracking curve of cumulative repeat purchases (actual vs expected).
   */
  @CsvExport('lifetime-value-backtest-tracking', backtestTrackingTable)
  @Get('backtest')
  async backtest(@Query() q: BacktestQueryDto) {
    const calibrationEnd = endOf(q.calibrationEnd, 'calibrationEnd');
    const holdoutEnd = endOf(q.holdoutEnd, 'holdoutEnd');
    if (holdoutEnd <= calibrationEnd) throw ruleViolated('holdout_before_calibration', 'holdoutEnd must come after calibrationEnd', 'holdoutEnd');
    const started = Date.now();
    const { fit, report } = await this.models.backtest({ calibrationEnd, holdoutEnd, currency: q.currency });
    return { currency: q.currency, calibrationEnd, holdoutEnd, method: 'bg_nbd_gamma_gamma', fit, ...report, durationMs: Date.now() - started };
  }
}
