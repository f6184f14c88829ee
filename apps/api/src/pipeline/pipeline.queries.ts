import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { accuracyPlan, forecast, forecastAccuracy, salesCycle, type AccuracyOptions, type AccuracyReport, type Forecast, type ForecastQuery, type PipelineView, type SalesCycle } from '@touchpoint/read-models';
import { READ_SIDE_SETTINGS, type ReadSideSettings } from '../queries/read-model.queries';
import { PipelineViews } from './pipeline-views';

export class GetForecast extends Query<Forecast> {
  constructor(readonly options: ForecastQuery & { asOf?: string }) {
    super();
  }
}
export class GetForecastAccuracy extends Query<AccuracyReport> {
  constructor(readonly options: AccuracyOptions) {
    super();
  }
}
export class GetSalesCycle extends Query<{ total: SalesCycle; owners: SalesCycle[] }> {
  constructor(readonly owner?: string) {
    super();
  }
}

const MAX_CACHED_FORECASTS = 64;

@QueryHandler(GetForecast)
export class GetForecastHandler implements IQueryHandler<GetForecast> {
  constructor(
    private readonly views: PipelineViews,
    @Inject(READ_SIDE_SETTINGS) private readonly settings: ReadSideSettings,
  ) {}
  /**
   * Answers computed from one view, valid while the view stands still (one checkpoint of the pipeline projector, or a
   * past day's view, which never changes): a forecast is a pure function of the view and the options (no clock), so a
   * repeated forecast skips the aggregation over every open deal.
   */
  private answers = new Map<string, Forecast>();
  private answersFor?: PipelineView;

  async execute({ options }: GetForecast): Promise<Forecast> {
    const view = options.asOf !== undefined ? await this.views.onDay(options.asOf) : (await this.views.current()).view;
    if (this.answersFor !== view) this.answers = new Map();
    this.answersFor = view;
    const key = JSON.stringify([view.day, view.position, options.period, options.from, options.to, options.owner, options.currency]);
    let answer = this.answers.get(key);
    if (!answer) {
      const { asOf: _asOf, ...query } = options;
      answer = forecast(view, { ...query, stageProbabilities: this.settings.stageProbabilities }, this.settings.forecast);
      // Bounded: owners × ranges could otherwise grow without limit while the view stands still.
      if (this.answers.size >= MAX_CACHED_FORECASTS) this.answers.delete(this.answers.keys().next().value as string);
      this.answers.set(key, answer);
    }
    return answer;
  }
}

@QueryHandler(GetForecastAccuracy)
export class GetForecastAccuracyHandler implements IQueryHandler<GetForecastAccuracy> {
  constructor(
    private readonly views: PipelineViews,
    @Inject(READ_SIDE_SETTINGS) private readonly settings: ReadSideSettings,
  ) {}

  async execute({ options }: GetForecastAccuracy): Promise<AccuracyReport> {
    const { view: live } = await this.views.current();
    // The day views the report reads, loaded first: the computation itself is pure.
    const loaded = new Map<string, PipelineView>();
    for (const day of accuracyPlan(live, options).days) loaded.set(day, await this.views.onDay(day));
    return forecastAccuracy(live, (day) => loaded.get(day)!, options, { ...this.settings.forecast, stageProbabilities: this.settings.stageProbabilities });
  }
}

@QueryHandler(GetSalesCycle)
export class GetSalesCycleHandler implements IQueryHandler<GetSalesCycle> {
  constructor(private readonly views: PipelineViews) {}

  async execute({ owner }: GetSalesCycle) {
    return salesCycle((await this.views.current()).doc, { owner });
  }
}

export const PIPELINE_QUERY_HANDLERS = [GetForecastHandler, GetForecastAccuracyHandler, GetSalesCycleHandler];
