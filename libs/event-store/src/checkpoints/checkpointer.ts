import type { KeyObject } from 'node:crypto';
import { GENESIS_HASH, type ChainedEventStore } from '../chain';
import { signCheckpoint, type CheckpointClaim, type SignedCheckpoint } from '../checkpoint';
import type { EventStore } from '../port';
import type { CheckpointStore } from './checkpoint-store';

/** Repeats a task; injected so tests drive the checkpointer by calling `tick()` instead of waiting. */
export interface Timer {
  every(ms: number, task: () => void): { cancel(): void };
}

/** Real time; unref'd so a pending checkpoint never keeps a process alive. */
export const systemTimer: Timer = {
  every(ms, task) {
    const handle = setInterval(task, ms);
    handle.unref();
    return { cancel: () => clearInterval(handle) };
  },
};

/** The global chain head as it stands: its position and global hash (zeros for an empty log). */
export async function chainHead(store: EventStore & ChainedEventStore): Promise<Omit<CheckpointClaim, 'at'>> {
  const position = await store.headPosition();
  const [link] = position > 0 ? await store.readChain({ after: position - 1, maxCount: 1 }) : [];
  return { position, headHash: link?.globalHash ?? GENESIS_HASH };
}

export interface CheckpointerOptions {
  everyMs: number;
  now: () => Date;
  timer?: Timer;
  onError?: (error: unknown) => void;
}

/**
 * Signs the chain head and stores it every `everyMs`, only when the head moved
 * since the last stored checkpoint (several API processes may run one: the
 * store keeps one checkpoint per position).
 */
export class Checkpointer {
  private running?: { cancel(): void };
  private inFlight?: Promise<SignedCheckpoint | undefined>;

  constructor(
    private readonly store: EventStore & ChainedEventStore,
    private readonly checkpoints: CheckpointStore,
    private readonly privateKey: KeyObject,
    private readonly options: CheckpointerOptions,
  ) {}

  start(): void {
    if (this.running || this.options.everyMs <= 0) return;
    this.running = (this.options.timer ?? systemTimer).every(this.options.everyMs, () => {
      this.tick().catch((error) => this.options.onError?.(error));
    });
  }

  /** Stops the timer and waits for a checkpoint being written. */
  async stop(): Promise<void> {
    this.running?.cancel();
    this.running = undefined;
    await this.inFlight?.catch(() => undefined);
  }

  /** One round: the stored checkpoint, or undefined when the head has not moved. Overlapping calls share one round. */
  tick(): Promise<SignedCheckpoint | undefined> {
    this.inFlight ??= this.round().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async round(): Promise<SignedCheckpoint | undefined> {
    const head = await chainHead(this.store);
    const last = await this.checkpoints.latest();
    if (head.position === 0 || head.position <= (last?.position ?? 0)) return undefined;
    const checkpoint = signCheckpoint(this.privateKey, { ...head, at: this.options.now().toISOString() });
    return (await this.checkpoints.save(checkpoint)) ? checkpoint : undefined;
  }
}
