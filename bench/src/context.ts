import { Presets, SingleBar } from 'cli-progress';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { MeasuredRow } from './stats';

/** Sizes of every scenario; quick mode runs the same code paths on small numbers. */
export interface Sizes {
  rawTxPerEvent: number;
  rawBatchedRows: number;
  appendSequential: number;
  appendConcurrent: number;
  writers: number;
  appendBatches: number;
  httpCustomers: number;
  httpSeconds: number;
  longHistory: number;
  longHistoryCommands: number;
  rebuildEvents: number;
  rebuildCustomers: number;
  mongoRebuildEvents: number;
  queries: number;
  freshness: number;
  kafkaEvents: number;
  pgOps: number;
  /** customers at each point of the `scale` curve (≈ 20 events each) */
  scaleCustomers: number[];
}

export const FULL: Sizes = {
  rawTxPerEvent: 2000,
  rawBatchedRows: 100_000,
  appendSequential: 2000,
  appendConcurrent: 4000,
  writers: 32,
  appendBatches: 200,
  httpCustomers: 1000,
  httpSeconds: 8,
  longHistory: 100_000,
  longHistoryCommands: 1000,
  rebuildEvents: 1_000_000,
  rebuildCustomers: 10_000,
  mongoRebuildEvents: 5000,
  queries: 2000,
  freshness: 500,
  kafkaEvents: 20_000,
  pgOps: 1000,
  scaleCustomers: [10_000, 100_000],
};

export const QUICK: Sizes = {
  rawTxPerEvent: 300,
  rawBatchedRows: 5000,
  appendSequential: 200,
  appendConcurrent: 640,
  writers: 32,
  appendBatches: 20,
  httpCustomers: 100,
  httpSeconds: 2,
  longHistory: 3000,
  longHistoryCommands: 100,
  rebuildEvents: 20_000,
  rebuildCustomers: 300,
  mongoRebuildEvents: 1500,
  queries: 100,
  freshness: 50,
  kafkaEvents: 2000,
  pgOps: 200,
  scaleCustomers: [1_000],
};

export const SEED = 20_260_301;

export interface BenchContext {
  quick: boolean;
  sizes: Sizes;
  /** a fresh temporary directory for this run */
  tmp: string;
  urls: { pg?: string; kafka?: string; mongo?: string };
  log(message: string): void;
  progress(label: string, total: number): Progress;
  /** a fresh sub-directory of tmp */
  dir(name: string): string;
}

export interface Progress {
  update(done: number): void;
  stop(): void;
}

export type Scenario = (ctx: BenchContext) => Promise<MeasuredRow[]>;

export function createContext(options: { quick: boolean; tmp: string; env: NodeJS.ProcessEnv }): BenchContext {
  const { env } = options;
  return {
    quick: options.quick,
    sizes: options.quick ? QUICK : FULL,
    tmp: options.tmp,
    urls: {
      pg: env.BENCH_PG_URL || env.TOUCHPOINT_TEST_PG_URL || undefined,
      kafka: env.BENCH_KAFKA_BROKERS || env.TOUCHPOINT_TEST_KAFKA_BROKERS || undefined,
      mongo: env.BENCH_MONGO_URL || env.TOUCHPOINT_TEST_MONGO_URL || undefined,
    },
    log: (message) => process.stdout.write(`${message}\n`),
    progress(label, total) {
      // A bar only on a terminal; CI logs get one line at the end instead.
      if (!process.stdout.isTTY) return { update: () => undefined, stop: () => undefined };
      const bar = new SingleBar({ format: `  ${label.padEnd(28)} |{bar}| {percentage}% | {value}/{total}`, hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
      bar.start(total, 0);
      return { update: (done) => bar.update(Math.min(done, total)), stop: () => bar.stop() };
    },
    dir: (name) => mkdtempSync(join(options.tmp, `${name}-`)),
  };
}
