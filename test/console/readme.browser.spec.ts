/**
 * The README's path for a newcomer, as it is written: `npm start` (the built API, `node dist/apps/api/src/main.js`, on a
 * fresh data directory, in dev mode) prints an admin key; the walk-through's first command registers Acme Ltd; the
 * console at /console/ takes the printed key and lists that customer. The browser project's global setup runs
 * `npm run build`, which `npm start` runs first (prestart).
 */
import { chromiumPath, describeWith } from '@touchpoint/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const executablePath = chromiumPath('README console path');

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describeWith(executablePath)('the README path: npm start, the printed key, the console', () => {
  jest.setTimeout(60_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'tp-readme-'));
  let api: ChildProcess;
  let base: string;
  let key: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // A newcomer's shell: none of the test run's TOUCHPOINT_* settings, no NODE_ENV (dev mode is the default).
    api = spawn(process.execPath, ['dist/apps/api/src/main.js'], { env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), TOUCHPOINT_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    key = await new Promise<string>((resolve, reject) => {
      api.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const printed = /export TP_KEY=(tp_\S+)/.exec(stderr);
        if (printed) resolve(printed[1]);
      });
      api.once('exit', (code) => reject(new Error(`the API exited (${code}) before printing a key:\n${stderr}`)));
    });
    api.stdout!.resume();
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`${base}/health`).then((r) => r.ok, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 60_000);
  afterAll(async () => {
    if (api && api.exitCode === null) {
      const exited = new Promise((resolve) => api.once('exit', resolve));
      api.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs in with the key npm start printed and lists the walk-through’s customer', async () => {
    // Walk-through step 1, as its curl sends it.
    const registered = await fetch(`${base}/v1/customers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-correlation-id': 'onboarding-42' },
      body: JSON.stringify({ kind: 'company', name: 'Acme Ltd', email: 'buyer@acme.example', tags: ['b2b'], owner: 'sales:ivan' }),
    });
    expect(registered.status).toBe(201);

    const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${base}/console/`);
      await page.getByLabel('API key or bearer token').fill(key);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: 'Acme Ltd' }).click();
      await page.getByRole('heading', { name: 'Acme Ltd' }).waitFor();
      await expect(page.getByText('sales:ivan').first().textContent()).resolves.toContain('sales:ivan');
    } finally {
      await browser.close();
    }
  });
});
