import type { Scenario } from '../context';
import { appendGenerated, datasetCustomerIds, generateDataset } from '../dataset';
import { Rng } from '../prng';
import { LatencyRecorder, peakRssMiB, resetPeakRss, type MeasuredRow } from '../stats';
import { openAppEventStore } from '../stores';
import { appRunner, registerCommand, runCustomerCommand, touchpointCommand } from './commands';

/**
 * A touchpoint on a customer with a long history vs on a new customer, interleaved
 * so both see the same noise, through the app's store and runner (encrypting wrapper,
 * state cache), each pair right after a registration, taking turns at going first. The long history is imported straight into the store (no snapshot yet):
 * the first command pays for one full read, measured apart. Two cases are measured:
 * warm (the runner has the stream's state cached and is its only writer: reads nothing)
 * and cold (a fresh runner per command, as after a restart: snapshot + at most 100 events).
 */
export const longHistory: Scenario = async (ctx) => {
  const { longHistory: length, longHistoryCommands: commands } = ctx.sizes;
  const store = await openAppEventStore(ctx.dir('long-history'));
  try {
    const dataset = { seed: 7, customers: 1, events: length, whaleEvents: length - 1 };
    const [whale] = datasetCustomerIds(dataset);
    const bar = ctx.progress('import long history', length);
    await appendGenerated(store, generateDataset(dataset), { onProgress: (done) => bar.update(done) });
    bar.stop();
    const runner = appRunner(store);
    const rng = new Rng(8);

    const first = process.hrtime.bigint();
    await runCustomerCommand(runner, whale, touchpointCommand(whale, rng), 0);
    const firstMs = Number(process.hrtime.bigint() - first) / 1e6;

    resetPeakRss();
    const warm = { long: new LatencyRecorder(), fresh: new LatencyRecorder(), longSeconds: 0, freshSeconds: 0 };
    const cold = { long: new LatencyRecorder(), fresh: new LatencyRecorder(), longSeconds: 0, freshSeconds: 0 };
    const timed = async (recorder: LatencyRecorder, run: () => Promise<unknown>) => {
      const t = process.hrtime.bigint();
      await recorder.time(run);
      return Number(process.hrtime.bigint() - t) / 1e9;
    };
    // The command right after a registration pays for that registration's fsyncs (keys.db, then the log) in its own
    // commit more often, so the two timed commands take turns going first: both see the same noise.
    const inTurn = async (i: number, long: () => Promise<void>, fresh: () => Promise<void>) => {
      for (const run of i % 2 ? [long, fresh] : [fresh, long]) await run();
    };
    // Warm first, with `runner` the only writer of both streams: a cold command's append would make its cached state stale.
    for (let i = 1; i <= commands; i++) {
      const fresh = rng.uuid();
      await runCustomerCommand(runner, fresh, registerCommand(fresh, i), i);
      await inTurn(
        i,
        async () => void (warm.longSeconds += await timed(warm.long, () => runCustomerCommand(runner, whale, touchpointCommand(whale, rng), i))),
        async () => void (warm.freshSeconds += await timed(warm.fresh, () => runCustomerCommand(runner, fresh, touchpointCommand(fresh, rng), i))),
      );
    }
    await runner.close();
    const registrar = appRunner(store);
    for (let i = 1; i <= commands; i++) {
      const fresh = rng.uuid();
      await runCustomerCommand(registrar, fresh, registerCommand(fresh, i), i);
      // After a restart: nothing cached, so the runner reads the latest snapshot and the events after it.
      const restarted = appRunner(store);
      await inTurn(
        i,
        async () => void (cold.longSeconds += await timed(cold.long, () => runCustomerCommand(restarted, whale, touchpointCommand(whale, rng), i))),
        async () => void (cold.freshSeconds += await timed(cold.fresh, () => runCustomerCommand(restarted, fresh, touchpointCommand(fresh, rng), i))),
      );
      // A clean shutdown lets its background snapshot saves land (untimed), as the app does before closing the store.
      await restarted.close();
    }
    await registrar.close();
    const rss = peakRssMiB();
    const longTitle = `touchpoint on a ${length.toLocaleString('en-US')}-event customer`;
    const rows = (mode: 'warm' | 'cold', m: typeof warm): MeasuredRow[] => [
      { id: `history.new-customer.${mode}`, title: `touchpoint on a new customer, ${mode}`, kind: 'baseline', engine: 'sqlite', ops: commands, seconds: m.freshSeconds, throughput: commands / m.freshSeconds, unit: 'cmd/s', latencyMs: m.fresh.summary(), peakRssMiB: rss },
      {
        id: `history.long-customer.${mode}`,
        title: `${longTitle}, ${mode}`,
        kind: 'scenario',
        engine: 'sqlite',
        ops: commands,
        seconds: m.longSeconds,
        throughput: commands / m.longSeconds,
        unit: 'cmd/s',
        latencyMs: m.long.summary(),
        peakRssMiB: rss,
        compareTo: { id: `history.new-customer.${mode}`, metric: 'p99' },
        targets: [{ description: 'p99 ≤ 1.5 × new customer', metric: 'ratio', comparison: 'atMost', threshold: 1.5 }],
        note:
          mode === 'warm'
            ? `state cached by the runner; first command after the import (no snapshot yet, reads the whole stream): ${firstMs.toFixed(1)} ms`
            : 'a fresh runner per command (as after a restart): snapshot + at most 100 events',
      },
    ];
    return [...rows('warm', warm), ...rows('cold', cold)];
  } finally {
    await store.close();
  }
};
