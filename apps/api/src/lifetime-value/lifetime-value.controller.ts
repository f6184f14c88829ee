import { Body, Controller, Get, HttpCode, Inject, Post, Query, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { IsOptional, Matches } from 'class-validator';
import { Roles } from '../auth';
import { CommandContextFactory } from '../http/command-context.factory';
import { BadRequestProblem } from '../http/problem';
import { IsCurrencyCode } from '../http/validators';
import { LIFETIME_VALUE_MODELS, type LifetimeValueModels } from './lifetime-value-models';

/** A calendar date (the whole day, UTC) or an instant with a zone. */
const DATE_OR_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2}))?$/;

/** A date means the end of that day (UTC): "through 1997-09-30" includes the 30th. */
export function endOf(value: string, field: string): string {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T23:59:59.999Z` : value;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms) || (iso.length === 24 && new Date(ms).toISOString().slice(0, 10) !== iso.slice(0, 10))) {
    throw new BadRequestProblem([{ field, code: 'invalid_date', message: `${field} must be a date YYYY-MM-DD or an ISO 8601 instant` }]);
  }
  return new Date(ms).toISOString();
}

export class FitLifetimeValueDto {
  /** Fit one currency; all with enough data when absent. */
  @IsOptional() @IsCurrencyCode() currency?: string;
  /** Use purchases with business time up to here (a date: the end of that day, UTC); now when absent. */
  @IsOptional() @Matches(DATE_OR_INSTANT, { message: 'cutoff must be a date YYYY-MM-DD or an ISO 8601 instant' }) cutoff?: string;
}

export class BacktestQueryDto {
  /** last day of the calibration period (purchases the fit may see) */
  @Matches(DATE_OR_INSTANT, { message: 'calibrationEnd must be a date YYYY-MM-DD or an ISO 8601 instant' }) calibrationEnd: string;
  /** last day of the holdout period (what happened next) */
  @Matches(DATE_OR_INSTANT, { message: 'holdoutEnd must be a date YYYY-MM-DD or an ISO 8601 instant' }) holdoutEnd: string;
  @IsCurrencyCode() currency: string;
}

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
  fit(@Body() dto: FitLifetimeValueDto, @Req() req: FastifyRequest) {
    const { actor } = this.ctx.from(req);
    return this.models.fit({ currency: dto.currency, cutoff: dto.cutoff === undefined ? undefined : endOf(dto.cutoff, 'cutoff'), trigger: 'manual', actor });
  }

  /** The current fit per currency, with its parameters, log-likelihood, data cut-off and size. */
  @Get('model')
  async model() {
    return { currencies: await this.models.current(), fits: (await this.models.fits()).length };
  }

  /**
   * Fits on the purchases up to calibrationEnd only and compares the predictions for the holdout with what
   * happened: per-customer MAE and correlation, totals, for the model, the heuristic and predicting zero; and the
   * weekly tracking curve of cumulative repeat purchases (actual vs expected).
   */
  @Get('backtest')
  async backtest(@Query() q: BacktestQueryDto) {
    const calibrationEnd = endOf(q.calibrationEnd, 'calibrationEnd');
    const holdoutEnd = endOf(q.holdoutEnd, 'holdoutEnd');
    if (holdoutEnd <= calibrationEnd) throw new BadRequestProblem([{ field: 'holdoutEnd', code: 'holdout_before_calibration', message: 'holdoutEnd must come after calibrationEnd' }]);
    const started = Date.now();
    const { fit, report } = await this.models.backtest({ calibrationEnd, holdoutEnd, currency: q.currency });
    return { currency: q.currency, calibrationEnd, holdoutEnd, method: 'bg_nbd_gamma_gamma', fit, ...report, durationMs: Date.now() - started };
  }
}
