import { customerDecider, dealDecider, fold, isDomainEventType, type CustomerEvent, type DealEvent } from '@touchpoint/domain';
import { InMemoryEventStore } from '@touchpoint/event-store';
import { appendGenerated, datasetCustomerIds, generateDataset, type DatasetOptions, type GeneratedEvent } from './dataset';
import { Rng } from './prng';

const OPTIONS: DatasetOptions = { seed: 42, customers: 50, events: 5000, whaleEvents: 500 };
const all = (options: DatasetOptions) => [...generateDataset(options)];

describe('Rng', () => {
  it('repeats the same sequence for the same seed and differs for another', () => {
    const a = new Rng(1);
    const b = new Rng(1);
    const c = new Rng(2);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(seqA);
  });

  it('draws integers within bounds and version-4 shaped UUIDs', () => {
    const rng = new Rng(3);
    const ints = Array.from({ length: 1000 }, () => rng.int(2, 4));
    expect(new Set(ints)).toEqual(new Set([2, 3, 4]));
    expect(rng.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('generateDataset', () => {
  const events = all(OPTIONS);

  it('is deterministic: the same options give the same events, another seed other events', () => {
    expect(all(OPTIONS)).toEqual(events);
    expect(all({ ...OPTIONS, seed: 43 })).not.toEqual(events);
  });

  it('yields exactly the requested number of events, the whale getting its share', () => {
    expect(events).toHaveLength(5000);
    const [whale] = datasetCustomerIds(OPTIONS);
    const onWhale = events.filter((e) => e.streamId === `customer-${whale}`);
    expect(onWhale.length).toBe(1 + OPTIONS.whaleEvents); // registration + its touchpoints
  });

  it('registers every customer, and mixes touchpoints, orders, complaints and deals', () => {
    const count = (type: string) => events.filter((e) => e.type === type).length;
    expect(count('CustomerRegistered')).toBe(OPTIONS.customers);
    expect(count('TouchpointRecorded')).toBeGreaterThan(events.length / 2);
    for (const type of ['OrderPlaced', 'ComplaintFiled', 'DealOpened', 'DealStageChanged']) expect(count(type)).toBeGreaterThan(0);
    expect(events.every((e) => isDomainEventType(e.type))).toBe(true);
    const order = events.find((e) => e.type === 'OrderPlaced')!;
    expect((order.data.lines as unknown[]).length).toBeGreaterThan(0);
  });

  it('produces streams that fold under the real deciders (every stream starts with its creation event)', () => {
    const streams = new Map<string, GeneratedEvent[]>();
    for (const e of events) streams.set(e.streamId, [...(streams.get(e.streamId) ?? []), e]);
    for (const [streamId, list] of streams) {
      const first = list[0].type;
      if (streamId.startsWith('customer-')) {
        expect(first).toBe('CustomerRegistered');
        expect(fold(customerDecider, customerDecider.initialState(), list as unknown as CustomerEvent[]).status).toBe('active');
      } else {
        expect(first).toBe('DealOpened');
        expect(fold(dealDecider, dealDecider.initialState(), list as unknown as DealEvent[]).status).not.toBe('unknown');
      }
    }
  });
});

describe('appendGenerated', () => {
  it('writes every event through the store, keeping each stream in order', async () => {
    const store = new InMemoryEventStore(() => new Date('2026-03-01T00:00:00Z'));
    const options = { ...OPTIONS, events: 1200, whaleEvents: 100 };
    const progress: number[] = [];
    const written = await appendGenerated(store, generateDataset(options), { chunk: 500, onProgress: (n) => progress.push(n) });
    expect(written).toBe(1200);
    expect(progress).toEqual([500, 1000, 1200]);
    expect(await store.headPosition()).toBe(1200);
    const [whale] = datasetCustomerIds(options);
    const stream = await store.readStream(`customer-${whale}`);
    const expected = all(options).filter((e) => e.streamId === `customer-${whale}`);
    expect(stream.map((e) => e.data)).toEqual(expected.map((e) => e.data));
    expect(stream.map((e) => e.streamRevision)).toEqual(expected.map((_, i) => i));
  });
});
