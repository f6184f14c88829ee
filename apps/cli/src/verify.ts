import { isChainedEventStore, verifyChains, type EventStore, type VerifyReport } from '@touchpoint/event-store';
import { Presets, SingleBar } from 'cli-progress';

export interface VerifyCommandOptions {
  from?: number;
  /** false: no progress bar (tests, pipes) */
  progress?: boolean;
  stream?: NodeJS.WritableStream;
}

/** Recomputes the hash chains with a progress bar; exit code 0 when intact, 1 when a link is broken. */
export async function runVerify(store: EventStore, options: VerifyCommandOptions = {}): Promise<{ exitCode: number; report: VerifyReport }> {
  if (!isChainedEventStore(store)) throw new Error('this event store does not keep hash chains');
  const head = await store.headPosition();
  const from = options.from ?? 1;
  const bar = options.progress === false ? undefined : new SingleBar({ format: 'verify |{bar}| {percentage}% | {value}/{total} events', hideCursor: true, noTTYOutput: true, stream: options.stream ?? process.stderr }, Presets.shades_classic);
  bar?.start(Math.max(0, head - from + 1), 0);
  const report = await verifyChains(store, { fromPosition: from, onProgress: (position) => bar?.update(position - from + 1) });
  bar?.stop();
  return { exitCode: report.ok ? 0 : 1, report };
}
