import { WorkerChannel } from '@touchpoint/platform/worker-channel';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AppendResult } from '../port';
import { fromWire, type AppendOutcome, type CommitBatch, type WireError } from './sqlite-commit';

type WireOutcome = { ok: true; result: AppendResult } | { ok: false; error: WireError };
/** What the thread posts back: the outcomes of a commit, or why the whole commit failed. */
type Posted = { id: number; outcomes?: WireOutcome[]; error?: WireError };
type Message = { op: 'commit'; batch: CommitBatch } | { op: 'close' };

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
    parentPort.postMessage({ id, outcomes: [] });
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
  private readonly channel: WorkerChannel<Message, AppendOutcome[], Posted>;

  constructor(filename: string, pragmas: string[]) {
    const typescript = extname(__filename) === '.ts';
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver: require.resolve('better-sqlite3'),
        module: join(__dirname, `sqlite-commit${extname(__filename)}`),
        tsNode: typescript ? require.resolve('ts-node') : undefined,
        filename,
        pragmas,
      },
    });
    this.channel = new WorkerChannel<Message, AppendOutcome[], Posted>(worker, 'SQLite commit thread', ({ id, outcomes, error }) =>
      error ? { id, error: fromWire(error) } : { id, reply: (outcomes ?? []).map((o): AppendOutcome => (o.ok ? o : { ok: false, error: fromWire(o.error) })) },
    );
  }

  /** Why the thread is gone, once it is: every later commit fails with this. */
  get failure(): Error | undefined {
    return this.channel.failed;
  }

  /** One group commit on the thread; rejects when the transaction as a whole failed (nothing written). */
  commit(batch: CommitBatch): Promise<AppendOutcome[]> {
    return this.channel.request({ op: 'commit', batch });
  }

  /** Waits for the commits already sent, closes the thread's connection, ends the thread. */
  close(): Promise<void> {
    return this.channel.close({ op: 'close' });
  }
}
