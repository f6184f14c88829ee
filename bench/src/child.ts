import { fork, type ChildProcess } from 'node:child_process';

/**
 * Scenarios that must own their memory or a CPU core (rebuild, the HTTP
 * servers) run in a child process of this same script: `main.js --child <role>`.
 * Protocol over IPC: the parent sends { role, args }; the child answers with
 * progress/ready messages and finally { type: 'result', value } or { type: 'error' }.
 */
export type ChildMessage =
  | { type: 'progress'; done: number; total: number }
  | { type: 'ready'; port: number; token?: string }
  | { type: 'result'; value: unknown }
  | { type: 'error'; message: string };

export interface ChildHandle<T> {
  process: ChildProcess;
  result: Promise<T>;
  /** resolves with the port (and the API key to send, if any) once a server role is listening */
  ready: Promise<{ port: number; token?: string }>;
  send(message: unknown): void;
}

/** How a role's process starts, as the product starts it: the rebuild as `npm run rebuild` does (package.json). */
const ROLE_START: Record<string, { flags: string[]; env: Record<string, string> }> = {
  rebuild: { flags: ['--max-old-space-size=320'], env: { MALLOC_ARENA_MAX: '2' } },
  // As operations.md suggests for a machine with the memory: every document held, a heap to hold them.
  'rebuild-roomy': { flags: ['--max-old-space-size=16384'], env: { MALLOC_ARENA_MAX: '2', TOUCHPOINT_PROJECTOR_CACHE_DOCS: '0' } },
};

export function runChild<T>(role: string, args: unknown, onProgress?: (done: number, total: number) => void): ChildHandle<T> {
  const start = ROLE_START[role];
  const child = fork(process.argv[1], ['--child', role], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [...process.execArgv, ...(start?.flags ?? [])],
    env: { ...process.env, ...start?.env },
  });
  let markReady: (r: { port: number; token?: string }) => void = () => undefined;
  let failReady: (e: Error) => void = () => undefined;
  const ready = new Promise<{ port: number; token?: string }>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  const result = new Promise<T>((resolve, reject) => {
    let settled = false;
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'progress') onProgress?.(m.done, m.total);
      else if (m.type === 'ready') markReady({ port: m.port, token: m.token });
      else if (m.type === 'result') {
        settled = true;
        resolve(m.value as T);
      } else if (m.type === 'error') {
        settled = true;
        reject(new Error(`child ${role}: ${m.message}`));
      }
    });
    child.on('exit', (code) => {
      const error = new Error(`child ${role} exited with code ${code} before reporting a result`);
      failReady(error);
      if (!settled) reject(error);
    });
  });
  ready.catch(() => undefined);
  child.send({ role, args });
  return { process: child, result, ready, send: (message) => child.send(message as object) };
}

/** In the child: waits for the role's arguments, runs it, reports, exits. */
export function serveChild(roles: Record<string, (args: never, report: (m: ChildMessage) => void) => Promise<unknown>>): void {
  process.once('message', (message: { role: string; args: unknown }) => {
    const run = roles[message.role];
    const report = (m: ChildMessage) => process.send?.(m);
    if (!run) {
      report({ type: 'error', message: `unknown role ${message.role}` });
      process.exit(1);
    }
    run(message.args as never, report).then(
      (value) => {
        report({ type: 'result', value });
        process.disconnect?.();
        setTimeout(() => process.exit(0), 50).unref();
      },
      (error: unknown) => {
        report({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
        setTimeout(() => process.exit(1), 50).unref();
      },
    );
  });
}

/** Resolves on the next message from the parent that satisfies `accept`. */
export function nextParentMessage(accept: (m: unknown) => boolean): Promise<unknown> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      if (!accept(m)) return;
      process.off('message', on);
      resolve(m);
    };
    process.on('message', on);
  });
}
