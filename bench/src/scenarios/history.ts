import { AggregateRunner } from '@touchpoint/application';
import { SqliteEventStore } from '@touchpoint/event-store';
import { join } from 'node:path';
import type { Scenario } from '../context';
import { appendGenerated, datasetCustomerIds, generateDataset } from '../dataset';
import { Rng } from '../prng';
import { LatencyRecorder, peakRssMiB, resetPeakRss } from '../stats';
import { registerCommand, runCustomerCommand, touchpointCommand } from './commands';

/**
 * A touchpoint on a customer with a long history vs on a new customer, interleaved
 * so both see the same noise. The long history is imported straight into the
 * store (no snapshot yet): the first command pays for one full read, measured apart.
 */
export const longHistory: Scenario = async (ctx) => {
  const { longHistory: length, longHistoryCommands: commands } = ctx.sizes;
  const store = new SqliteEventStore({ filename: join(ctx.dir('long-history'), 'events.db') });
  try {
    const dataset = { seed: 7, customers: 1, events: length, whaleEvents: length - 1 };
    const [whale] = datasetCustomerIds(dataset);
    const bar = ctx.progress('import long history', length);
    await appendGenerated(store, generateDataset(dataset), { onProgress: (done) => bar.update(done) });
    bar.stop();
    const runner = new AggregateRunner(store, store, { snapshotEvery: 100 });
    const rng = new Rng(8);

    const first = process.hrtime.bigint();
    await runCustomerCommand(runner, whale, touchpointCommand(whale, rng), 0);
    const firstMs = Number(process.hrtime.bigint() - first) / 1e6;

    resetPeakRss();
    const onLong = new LatencyRecorder();
    const onNew = new LatencyRecorder();
    let longSeconds = 0;
    let newSeconds = 0;
    for (let i = 1; i <= commands; i++) {
      let t = process.hrtime.bigint();
      await onLong.time(() => runCustomerCommand(runner, whale, touchpointCommand(whale, rng), i));
      longSeconds += Number(process.hrtime.bigint() - t) / 1e9;
      const fresh = rng.uuid();
      await runCustomerCommand(runner, fresh, registerCommand(fresh, i), i);
      t = process.hrtime.bigint();
      await onNew.time(() => runCustomerCommand(runner, fresh, touchpointCommand(fresh, rng), i));
      newSeconds += Number(process.hrtime.bigint() - t) / 1e9;
    }
    const rss = peakRssMiB();
    return [
      { id: 'history.new-customer', title: 'touchpoint on a new customer', kind: 'baseline', engine: 'sqlite', ops: commands, seconds: newSeconds, throughput: commands / newSeconds, unit: 'cmd/s', latencyMs: onNew.summary(), peakRssMiB: rss },
      {
        id: 'history.long-customer',
        title: `touchpoint on a ${length.toLocaleString('en-US')}-event customer`,
        kind: 'scenario',
        engine: 'sqlite',
        ops: commands,
        seconds: longSeconds,
        throughput: commands / longSeconds,
        unit: 'cmd/s',
        latencyMs: onLong.summary(),
        peakRssMiB: rss,
        compareTo: { id: 'history.new-customer', metric: 'p99' },
        targets: [{ description: 'p99 ≤ 1.5 × new customer', metric: 'ratio', comparison: 'atMost', threshold: 1.5 }],
        note: `first command after the import (no snapshot yet, reads the whole stream): ${firstMs.toFixed(1)} ms`,
      },
    ];
  } finally {
    await store.close();
  }
};
