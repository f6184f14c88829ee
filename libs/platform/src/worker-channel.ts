import type { Worker } from 'node:worker_threads';

/** What the worker answered to one request: a reply, or an error to reject it with. */
export type WorkerAnswer<Reply> = { id: number; reply: Reply } | { id: number; error: Error };

/**
 * Requests to a worker thread and their answers, matched by id. Each request is
 * posted as `{ id, ...message }`; `decode` turns what the worker posts back into
 * an answer. A thread that fails or exits rejects every request still waiting
 * and every later one, so no caller waits forever on a dead thread.
 */
export class WorkerChannel<Message extends object, Reply, Posted> {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  private failure?: Error;

  constructor(
    private readonly worker: Worker,
    name: string,
    decode: (posted: Posted) => WorkerAnswer<Reply>,
  ) {
    worker.on('message', (posted: Posted) => {
      const answer = decode(posted);
      const waiter = this.pending.get(answer.id);
      this.pending.delete(answer.id);
      if (!waiter) return;
      if ('error' in answer) waiter.reject(answer.error);
      else waiter.resolve(answer.reply);
    });
    const fail = (error: Error) => {
      this.failure ??= error; // a thread that throws emits 'error', then 'exit': keep the cause
      for (const w of this.pending.values()) w.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`${name} exited (code ${code})`)));
  }

  /** Why the thread is gone, once it is. */
  get failed(): Error | undefined {
    return this.failure;
  }

  request(message: Message): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        this.worker.postMessage({ id, ...message });
      } catch (error) {
        // Nothing was sent (the message cannot be cloned): this request fails alone.
        this.pending.delete(id);
        reject(error as Error);
      }
    });
  }

  /** Sends `last` (if the thread is alive) and waits for its answer, then ends the thread. */
  async close(last?: Message): Promise<void> {
    if (last && !this.failure) await this.request(last).catch(() => undefined);
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}
