import { isChainedEventStore, verifyChains, verifyWithCheckpoints, type CheckpointStore, type EventStore, type VerifyReport } from '@touchpoint/event-store';
import { Presets, SingleBar } from 'cli-progress';

export interface VerifyCommandOptions {
  from?: number;
  /** false: no progress bar (tests, pipes) */
  progress?: boolean;
  stream?: NodeJS.WritableStream;
  /** stored checkpoints to check against the recomputed chain, with the key that signed them */
  checkpoints?: { store: CheckpointStore; publicKeyPem: string };
}

/** Recomputes the hash chains with a progress bar (and checks stored checkpoints when given); exit code 0 when intact, 1 when a link or a checkpoint fails. */
export async function runVerify(store: EventStore, options: VerifyCommandOptions = {}): Promise<{ exitCode: number; report: VerifyReport }> {
  if (!isChainedEventStore(store)) throw new Error('this event store does not keep hash chains');
  const head = await store.headPosition();
  const from = options.from ?? 1;
  const bar = options.progress === false ? undefined : new SingleBar({ format: 'verify |{bar}| {percentage}% | {value}/{total} events', hideCursor: true, noTTYOutput: true, stream: options.stream ?? process.stderr }, Presets.shades_classic);
  bar?.start(Math.max(0, head - from + 1), 0);
  const verifyOptions = { fromPosition: from, onProgress: (position: number) => bar?.update(position - from + 1) };
  const report = options.checkpoints
    ? await verifyWithCheckpoints(store, options.checkpoints.store, options.checkpoints.publicKeyPem, verifyOptions)
    : await verifyChains(store, verifyOptions);
  bar?.stop();
  return { exitCode: report.ok ? 0 : 1, report };
}
