import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AppendResult } from '../port';
import { fromWire, type AppendOutcome, type CommitBatch, type WireError } from './sqlite-commit';

type WireOutcome = { ok: true; result: AppendResult } | { ok: false; error: WireError };

/**
 * The writer thread: its own connection runs SqliteCommitter, one batch at a time in arrival order.
 * It loads sqlite-commit from beside this file: compiled JavaScript in a build; under ts-jest the
 * TypeScript source, through ts-node (a dev dependency), since a worker thread has no jest transform.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
if (workerData.tsNode) require(workerData.tsNode).register({ transpileOnly: true, compilerOptions: { module: 'commonjs' } });
const { SqliteCommitter, toWire } = require(workerData.module);
const Database = require(workerData.driver);
const db = new Database(workerData.filename, { fileMustExist: true });
for (const p of workerData.pragmas) db.pragma(p);
const committer = new SqliteCommitter(db);
parentPort.on('message', ({ id, op, batch }) => {
  if (op === 'close') {
    db.close();
    parentPort.postMessage({ id });
    return;
  }
  try {
    const outcomes = committer.commit(batch).map((o) => (o.ok ? o : { ok: false, error: toWire(o.error) }));
    parentPort.postMessage({ id, outcomes });
  } catch (error) {
    parentPort.postMessage({ id, error: toWire(error) });
  }
});
`;

/**
 * Moves the event log's commits off the event loop. better-sqlite3 is synchronous, so the durable
 * commit (synchronous=FULL: an fsync of the WAL) and the chain hashing blocked request handling for
 * its whole duration. The store keeps its own connection for reads; WAL lets both work at once, and an
 * append resolves only after its commit, so a read that follows it sees it.
 */
export class SqliteCommitThread {
  private readonly worker: Worker;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (outcomes: AppendOutcome[]) => void; reject: (error: Error) => void }>();
  private failure?: Error;

  constructor(filename: string, pragmas: string[]) {
    const typescript = extname(__filename) === '.ts';
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver: require.resolve('better-sqlite3'),
        module: join(__dirname, `sqlite-commit${extname(__filename)}`),
        tsNode: typescript ? require.resolve('ts-node') : undefined,
        filename,
        pragmas,
      },
    });
    this.worker.on('message', ({ id, outcomes, error }: { id: number; outcomes?: WireOutcome[]; error?: WireError }) => {
      const waiter = this.pending.get(id);
      this.pending.delete(id);
      if (!waiter) return;
      if (error) waiter.reject(fromWire(error));
      else waiter.resolve((outcomes ?? []).map((o) => (o.ok ? o : { ok: false, error: fromWire(o.error) })));
    });
    const fail = (error: Error) => {
      this.failure = error;
      for (const w of this.pending.values()) w.reject(error);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`SQLite commit thread exited (code ${code})`)));
  }

  private request(message: { op: 'commit'; batch: CommitBatch } | { op: 'close' }): Promise<AppendOutcome[]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...message });
    });
  }

  /** One group commit on the thread; rejects when the transaction as a whole failed (nothing written). */
  commit(batch: CommitBatch): Promise<AppendOutcome[]> {
    return this.request({ op: 'commit', batch });
  }

  /** Waits for the commits already sent, closes the thread's connection, ends the thread. */
  async close(): Promise<void> {
    if (!this.failure) await this.request({ op: 'close' }).catch(() => undefined);
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}
