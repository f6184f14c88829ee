import { InMemoryReadStore, PIPELINE, PIPELINE_ID, pipelineProjection, type Document, type PipelineDoc } from '@touchpoint/read-models';
import { PipelineViews } from './pipeline-views';
import { GetForecast, GetForecastHandler } from './pipeline.queries';

/** A real in-memory read store that counts document reads. */
class CountingReadStore extends InMemoryReadStore {
  reads = 0;
  override async get<D extends Document>(collection: string, id: string): Promise<D | undefined> {
    this.reads++;
    return super.get<D>(collection, id);
  }
}

const pipeline = (position: number, amount: number): PipelineDoc => ({
  _id: PIPELINE_ID,
  _position: position,
  open: { d1: { currency: 'EUR', amount, owner: 'anna', stage: 'proposal', closeDate: '2026-04-20', visited: ['lead', 'proposal'] } },
  closed: {},
  stageOutcomes: {},
});

describe('GetForecastHandler: pipeline and answers cached by the projector checkpoint', () => {
  const settings = { horizonDays: 365, stageProbabilities: { lead: 0.1, qualified: 0.25, proposal: 0.5, negotiation: 0.75 }, forecast: { priorStrength: 10, lookbackMonths: 24 } };
  const query = new GetForecast({ period: 'month' });
  const write = (store: InMemoryReadStore, doc: PipelineDoc) => store.write({ upserts: [{ collection: PIPELINE, doc }], deletes: [], checkpoints: [{ projector: pipelineProjection.name, position: doc._position }] });

  it('reads the document once while the checkpoint stands still, and again once it moves', async () => {
    const store = new CountingReadStore();
    await store.ensureCollections(pipelineProjection.collections);
    const handler = new GetForecastHandler(new PipelineViews(store), settings);
    await write(store, pipeline(7, 1000));

    const first = await handler.execute(query);
    const second = await handler.execute(query);
    expect(store.reads).toBe(1);
    expect(second).toEqual(first);
    expect(first.totals).toEqual([{ currency: 'EUR', count: 1, amount: 1000, weightedAmount: 500 }]);

    await write(store, pipeline(9, 3000));
    const moved = await handler.execute(query);
    expect(store.reads).toBe(2);
    expect(moved.totals).toEqual([{ currency: 'EUR', count: 1, amount: 3000, weightedAmount: 1500 }]);
  });

  it('answers other options from the same document, each computed for its own options', async () => {
    const store = new CountingReadStore();
    await store.ensureCollections(pipelineProjection.collections);
    const handler = new GetForecastHandler(new PipelineViews(store), settings);
    await write(store, pipeline(3, 1000));

    const anna = await handler.execute(new GetForecast({ period: 'month', owner: 'anna' }));
    const boris = await handler.execute(new GetForecast({ period: 'month', owner: 'boris' }));
    const quarter = await handler.execute(new GetForecast({ period: 'quarter' }));
    expect(store.reads).toBe(1);
    expect(anna.totals).toEqual([{ currency: 'EUR', count: 1, amount: 1000, weightedAmount: 500 }]);
    expect(boris.totals).toEqual([]);
    expect(quarter.byPeriod).toEqual([{ period: '2026-Q2', currency: 'EUR', count: 1, amount: 1000, weightedAmount: 500 }]);
  });
});
