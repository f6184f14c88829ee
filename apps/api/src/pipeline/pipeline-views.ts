import { Inject, Injectable } from '@nestjs/common';
import { decodeDayView, emptyView, PIPELINE, PIPELINE_DAYS, PIPELINE_ID, pipelineProjection, READ_STORE, viewOf, type PipelineDayDoc, type PipelineDoc, type PipelineView, type ReadStore } from '@touchpoint/read-models';

/** Day views are immutable once written; this many are kept parsed (an accuracy report reads periods × lead times). */
const MAX_CACHED_DAYS = 512;

/**
 * The pipeline as forecasts read it: the live document and its view, valid for one checkpoint of the pipeline
 * projector, and the views of past days (the `pipeline_days` documents the projector writes when a day closes).
 */
@Injectable()
export class PipelineViews {
  private live?: { checkpoint: number; doc: PipelineDoc | undefined; view: PipelineView };
  private readonly days = new Map<string, PipelineView>();

  constructor(@Inject(READ_STORE) private readonly store: ReadStore) {}

  /** The live pipeline; read again only when the projector's checkpoint moved. */
  async current(): Promise<{ checkpoint: number; doc: PipelineDoc | undefined; view: PipelineView }> {
    // Checkpoint first: the document read after it is at least that fresh, so the cache never serves older data.
    const checkpoint = await this.store.checkpoint(pipelineProjection.name);
    if (this.live?.checkpoint !== checkpoint) {
      // A checkpoint that went back is a rebuild: past days are written again, drop what was read before.
      if (this.live && checkpoint < this.live.checkpoint) this.days.clear();
      const doc = await this.store.get<PipelineDoc>(PIPELINE, PIPELINE_ID);
      this.live = { checkpoint, doc, view: viewOf(doc) };
    }
    return this.live;
  }

  /** The pipeline as it stood at the end of `day` (YYYY-MM-DD): the last day view written at or before it, or the live one. */
  async onDay(day: string): Promise<PipelineView> {
    const { view } = await this.current();
    if (view.day === null || day >= view.day) return view;
    const known = this.days.get(day);
    if (known) return known;
    const page = await this.store.find<PipelineDayDoc>(PIPELINE_DAYS, { filter: [{ field: 'day', op: 'lte', value: day }], sort: [{ field: 'day', direction: 'desc' }], limit: 1 });
    const found = page.items[0];
    const result: PipelineView = found ? decodeDayView(found) : emptyView();
    if (this.days.size >= MAX_CACHED_DAYS) this.days.delete(this.days.keys().next().value as string);
    this.days.set(day, result);
    return result;
  }
}
