/**
 * The dispatcher as its own process (apps/dispatcher) beside an API on the embedded SQLite engines: it reads the
 * subscriptions and events the API wrote, sends them to a local receiver that verifies each signature with the
 * standardwebhooks library, is SIGKILLed mid-way and restarted, and still delivers every event (at least once, the
 * first arrivals of each customer in order). Its /health and /metrics report the lag.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { Webhook } from 'standardwebhooks';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';

const ROOT = resolve(__dirname, '../..');

const freePort = () =>
  new Promise<number>((done) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => done(port));
    });
  });

function runDispatcher(dataDir: string, port: number): ChildProcess {
  return spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/dispatcher/src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      TOUCHPOINT_DATA_DIR: dataDir,
      TOUCHPOINT_EVENT_STORE: 'sqlite',
      TOUCHPOINT_READ_STORE: 'sqlite',
      TOUCHPOINT_WEBHOOK_ALLOW_NETWORKS: '127.0.0.0/8',
      TOUCHPOINT_DISPATCHER_POLL_MS: '50',
      TOUCHPOINT_WEBHOOK_LEASE_SECONDS: '2', // the killed one's lease lapses quickly
      TOUCHPOINT_DISPATCHER_PORT: String(port),
      HOST: '127.0.0.1',
      TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const until = async (what: string, check: () => boolean | Promise<boolean>, ms = 60_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('the dispatcher process', () => {
  let t: TestApp;
  let server: Server;
  let url: string;
  let secret = '';
  const got: Array<{ position: number; customerId: string }> = [];
  let refused = 0;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    t = await startTestApp({ engine: 'sqlite', auth: 'required', env: { TOUCHPOINT_WEBHOOK_ALLOW_NETWORKS: '127.0.0.0/8' } });
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        try {
          const payload = new Webhook(secret).verify(body, { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) }) as {
            globalPosition: number;
            data: { customerId: string };
          };
          got.push({ position: payload.globalPosition, customerId: payload.data.customerId });
          // slow enough that a kill lands mid-way
          setTimeout(() => res.writeHead(200).end('ok'), 5);
        } catch {
          refused++;
          res.writeHead(401).end();
        }
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`;
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    server.close();
    await t.close();
  });

  it('delivers everything across a SIGKILL and a restart, and reports its lag on /health and /metrics', async () => {
    const service = { Authorization: t.bearer('service') };
    const sales = { Authorization: t.bearer('sales') };
    const sub = (await request(t.http).post('/v1/subscriptions').set(service).send({ url, categories: ['customer'], fromPosition: 1 }).expect(201)).body;
    secret = sub.secret;
    const customers: string[] = [];
    for (let c = 0; c < 4; c++) customers.push((await request(t.http).post('/v1/customers').set(sales).send({ kind: 'person', name: `Customer ${c}` }).expect(201)).body.ids.customerId);
    for (let i = 0; i < 40; i++) await request(t.http).post(`/v1/customers/${customers[i % 4]}/touchpoints`).set(sales).send({ type: 'email', direction: 'inbound', subject: `m${i}` }).expect(201);
    const expected = (await t.store.readAll()).filter((e) => e.streamId.startsWith('customer-')).map((e) => e.globalPosition);

    const port = await freePort();
    const first = runDispatcher(t.dataDir, port);
    children.push(first);
    let log = '';
    first.stdout!.on('data', (c) => (log += c));
    first.stderr!.on('data', (c) => (log += c));
    await until('the first deliveries', () => got.length >= 10).catch((e) => {
      throw new Error(`${e.message}\n${log}`);
    });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));

    const second = runDispatcher(t.dataDir, port);
    children.push(second);
    await until('every event', () => expected.every((p) => got.some((g) => g.position === p)));
    expect(refused).toBe(0);
    for (const id of customers) {
      const firsts = [...new Set(got.filter((g) => g.customerId === id).map((g) => g.position))];
      expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
    }
    await until('health and metrics', async () => {
      try {
        const health = await fetch(`http://127.0.0.1:${port}/health`);
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return health.status === 200 && new RegExp(`touchpoint_webhook_lag_events\\{subscription="${sub.subscription.subscriptionId}",status="active"\\} 0`).test(metrics);
      } catch {
        return false;
      }
    });
    const view = (await request(t.http).get(`/v1/subscriptions/${sub.subscription.subscriptionId}`).set(service).expect(200)).body;
    expect(view.delivery).toMatchObject({ pending: 0, lagEvents: 0, deadLetters: 0 });
    expect(view.delivery.delivered).toBeGreaterThanOrEqual(expected.length);
    second.kill('SIGTERM');
    expect(await new Promise((r) => second.once('exit', (code) => r(code)))).toBe(0);
  }, 120_000);
});
