import type Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';

/**
 * Runs a SQLite database's WAL checkpoints on a worker thread with its own
 * connection. better-sqlite3 is synchronous, so SQLite's automatic checkpoint
 * (every 1,000 WAL pages, inside a commit) copied pages and fsynced the
 * database file on the event loop. The connection given here stops
 * checkpointing itself; commits keep their own durability (the WAL fsync of
 * synchronous=FULL stays in the commit).
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private stopped = false;

  constructor(
    private readonly db: Database.Database,
    options: { intervalMs?: number } = {},
  ) {
    db.pragma('wal_autocheckpoint = 0');
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver: require.resolve('better-sqlite3'), filename: db.name, intervalMs: options.intervalMs ?? 200 },
    });
    // A failed checkpoint costs a longer WAL, not data: fall back to checkpointing on the connection.
    this.worker.on('error', () => {
      if (!this.stopped && db.open) db.pragma('wal_autocheckpoint = 1000');
    });
    this.worker.unref();
  }

  /** Stops the worker; the connection checkpoints the rest when it closes. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.worker.terminate();
  }
}

/** PASSIVE never blocks the writer or readers; it copies what it can and the next round does the rest. */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.filename, { fileMustExist: true });
db.pragma('busy_timeout = 0');
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    if (error.code !== 'SQLITE_BUSY' && error.code !== 'SQLITE_LOCKED') throw error;
  }
};
setInterval(checkpoint, workerData.intervalMs);
`;
