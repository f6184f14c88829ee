import { Worker } from 'node:worker_threads';
import { WorkerChannel } from '@touchpoint/platform/worker-channel';

// Plain JavaScript run with `eval`: it needs nothing but node:crypto, so no module resolution or TypeScript loader.
// Both sealed formats are `tp:enc:vN:` + base64(iv 12 | tag 16 | ciphertext), AES-256-GCM with the subject as AAD.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createDecipheriv } = require('node:crypto');
const PREFIX_LENGTH = 'tp:enc:v1:'.length;
parentPort.on('message', ({ id, keys, subjects, jobs }) => {
  try {
    const aad = subjects.map((s) => Buffer.from(s, 'utf8'));
    const out = new Array(jobs.length / 2);
    for (let i = 0; i < jobs.length; i += 2) {
      const who = jobs[i];
      const raw = Buffer.from(jobs[i + 1].slice(PREFIX_LENGTH), 'base64');
      const decipher = createDecipheriv('aes-256-gcm', keys[who], raw.subarray(0, 12));
      decipher.setAAD(aad[who]);
      decipher.setAuthTag(raw.subarray(12, 28));
      out[i / 2] = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    }
    parentPort.postMessage({ id, out });
  } catch (error) {
    parentPort.postMessage({ id, error: { name: error.name, message: error.message } });
  }
});
`;

interface Message {
  keys: Uint8Array[];
  subjects: string[];
  /** pairs: index into keys/subjects, sealed value */
  jobs: Array<number | string>;
}
type Posted = { id: number; out?: string[]; error?: { name: string; message: string } };

/**
 * Opens sealed values on a worker thread, so a reader of many events (a rebuild, the feed, a catch-up) spends the
 * main thread on parsing and projecting while the AES work runs on another core. Only keys, subjects and
 * ciphertexts cross the thread boundary, and plaintext JSON comes back. Started on first use; it does not keep the
 * process alive.
 */
export class DecryptThread {
  private channel?: WorkerChannel<Message, string[], Posted>;
  private worker?: Worker;
  private inFlight = 0;

  private start(): WorkerChannel<Message, string[], Posted> {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    const channel = new WorkerChannel<Message, string[], Posted>(worker, 'decrypt thread', ({ id, out, error }) =>
      error ? { id, error: Object.assign(new Error(error.message), { name: error.name }) } : { id, reply: out ?? [] },
    );
    worker.unref(); // after the listeners: attaching them refs the thread again
    this.worker = worker;
    return channel;
  }

  /** The plaintext (JSON text) of each sealed value, in order; rejects when any fails to open. */
  async open(keys: Uint8Array[], subjects: string[], jobs: Array<number | string>): Promise<string[]> {
    // A thread that died (it should not) is replaced for the next batch; this batch fails.
    if (!this.channel || this.channel.failed) this.channel = this.start();
    // Held (ref'd) only while a batch is open, so an idle thread never keeps the process alive and a busy one does.
    if (this.inFlight++ === 0) this.worker?.ref();
    try {
      return await this.channel.request({ keys, subjects, jobs });
    } finally {
      if (--this.inFlight === 0) this.worker?.unref();
    }
  }

  async close(): Promise<void> {
    await this.channel?.close();
    this.channel = undefined;
    this.worker = undefined;
  }
}
