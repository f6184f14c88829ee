import type { BatchHandler, ReadAllOptions, RecordedEvent, SubscribeOptions, Subscription } from './port';

export interface CatchUpSource {
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Resolves when new events may be there, or after `timeoutMs` at the latest. */
  waitForAppend(timeoutMs: number, signal: AbortSignal): Promise<void>;
}

/**
 * A catch-up subscription over any store that can read the log after a
 * position: read pages until empty (history), then wait for a wake-up (live).
 * The handler is awaited before the next page, so it sets the pace.
 */
export function catchUpSubscription(source: CatchUpSource, options: SubscribeOptions, handler: BatchHandler, idleWaitMs = 250): Subscription {
  const controller = new AbortController();
  const batchSize = options.batchSize ?? 500;
  let position = options.after;

  const loop = async () => {
    while (!controller.signal.aborted) {
      const batch = await source.readAll({ after: position, maxCount: batchSize });
      if (controller.signal.aborted) return;
      if (batch.length === 0) {
        await source.waitForAppend(idleWaitMs, controller.signal);
        continue;
      }
      await handler(batch);
      position = batch[batch.length - 1].globalPosition;
    }
  };

  const done = loop();
  done.catch(() => undefined); // observed through `done`; avoid an unhandled rejection
  return {
    done,
    async stop() {
      controller.abort();
      await done.catch(() => undefined);
    },
  };
}

/** Wakes waiting subscribers when this process appends. */
export class AppendSignal {
  private waiters = new Set<() => void>();

  notify(): void {
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }

  wait(timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(finish);
        signal.removeEventListener('abort', finish);
        resolve();
      };
      const timer = setTimeout(finish, timeoutMs);
      this.waiters.add(finish);
      signal.addEventListener('abort', finish, { once: true });
    });
  }
}
