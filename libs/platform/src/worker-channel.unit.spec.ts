import { Worker } from 'node:worker_threads';
import { WorkerChannel } from './worker-channel';

/** A thread that doubles `n`, refuses negatives, and exits on `die`. */
const SOURCE = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ id, n, die, boom }) => {
  if (die) process.exit(3);
  if (boom) throw new Error('boom: cannot open the database');
  setTimeout(() => parentPort.postMessage(n < 0 ? { id, error: 'negative' } : { id, value: n * 2 }), n === 1 ? 30 : 0);
});
`;

type Posted = { id: number; value?: number; error?: string };
const open = () =>
  new WorkerChannel<{ n?: number; die?: boolean; boom?: boolean }, number, Posted>(new Worker(SOURCE, { eval: true }), 'doubler', ({ id, value, error }) =>
    error ? { id, error: new Error(error) } : { id, reply: value! },
  );

describe('WorkerChannel', () => {
  it('matches each answer to its request, whatever order they come back in', async () => {
    const channel = open();
    const slow = channel.request({ n: 1 });
    await expect(channel.request({ n: 5 })).resolves.toBe(10);
    await expect(slow).resolves.toBe(2);
    await expect(channel.request({ n: -1 })).rejects.toThrow('negative');
    await channel.close();
  });

  it('a thread that throws keeps its error as the cause (not the exit that follows it)', async () => {
    const channel = open();
    await expect(channel.request({ boom: true })).rejects.toThrow('boom: cannot open the database');
    await new Promise((r) => setTimeout(r, 50)); // the exit event comes after the error
    expect(channel.failed?.message).toBe('boom: cannot open the database');
    await expect(channel.request({ n: 1 })).rejects.toThrow('boom');
    await channel.close();
  });

  it('a message that cannot be sent fails alone; the thread goes on', async () => {
    const channel = open();
    await expect(channel.request({ n: 1, fn: () => 1 } as never)).rejects.toThrow();
    await expect(channel.request({ n: 4 })).resolves.toBe(8);
    await channel.close();
  });

  it('a thread that exits rejects the requests waiting and every later one', async () => {
    const channel = open();
    const waiting = channel.request({ n: 1 });
    await expect(channel.request({ die: true })).rejects.toThrow('doubler exited (code 3)');
    await expect(waiting).rejects.toThrow('doubler exited');
    expect(channel.failed?.message).toBe('doubler exited (code 3)');
    await expect(channel.request({ n: 2 })).rejects.toThrow('doubler exited');
    await channel.close();
  });
});
