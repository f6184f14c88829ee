import autocannon from 'autocannon';
import type { BenchContext, Scenario } from '../context';
import { runChild, type ChildHandle } from '../child';
import { Rng } from '../prng';
import { LatencyRecorder, type MeasuredRow } from '../stats';

export interface Server {
  url: string;
  /** request headers for this server: the API key as a bearer token when the server issued one */
  headers: Record<string, string>;
  /** the server's process id (for its resident memory) */
  pid: number;
  /** stops the server and returns its peak RSS */
  stop(): Promise<number>;
}

/** A server role in a child process, so the load generator and the server each get a core. */
export async function startServer(role: 'serve-api' | 'serve-bare', args: unknown = {}): Promise<Server> {
  const child: ChildHandle<{ peakRssMiB: number }> = runChild(role, args);
  const { port, token } = await child.ready;
  return {
    url: `http://127.0.0.1:${port}`,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    pid: child.process.pid ?? 0,
    async stop() {
      child.send('stop');
      return (await child.result).peakRssMiB;
    },
  };
}

async function post(server: Server, path: string, body: unknown): Promise<void> {
  const url = `${server.url}${path}`;
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...server.headers }, body: JSON.stringify(body) });
  if (response.status >= 300) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
  await response.arrayBuffer();
}

const TOUCHPOINT = JSON.stringify({ type: 'call', direction: 'inbound', subject: 'Delivery question', summary: 'Asked when the second parcel arrives.', durationSeconds: 240 });

/** autocannon at N connections, POSTing touchpoints round-robin over the customers; latency kept in our own histogram. */
async function load(server: Server, customers: string[], seconds: number): Promise<{ requests: number; seconds: number; latency: LatencyRecorder; failures: number }> {
  let next = 0;
  const latency = new LatencyRecorder();
  let failures = 0;
  // Without a callback autocannon returns its instance, which is also a promise of the result.
  const instance = autocannon({
    url: server.url,
    connections: 32,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...server.headers },
        setupRequest: (request) => ({ ...request, path: `/v1/customers/${customers[next++ % customers.length]}/touchpoints`, body: TOUCHPOINT }),
      },
    ],
  }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status !== 201 && status !== 200) failures++;
    latency.recordMs(ms);
  });
  const result = await instance;
  failures += result.errors + result.timeouts;
  return { requests: result.requests.total, seconds: result.duration, latency, failures };
}

export const httpAppend: Scenario = async (ctx) => {
  const rows: MeasuredRow[] = [];
  const rng = new Rng(5);
  const customers = Array.from({ length: ctx.sizes.httpCustomers }, () => rng.uuid());

  const bare = await startServer('serve-bare');
  const floor = await load(bare, customers, ctx.sizes.httpSeconds);
  const bareRss = await bare.stop();
  if (floor.failures) throw new Error(`bare Fastify route: ${floor.failures} failed requests`);
  rows.push({ id: 'raw.http.fastify', title: 'bare Fastify POST route', kind: 'baseline', engine: 'http', ops: floor.requests, seconds: floor.seconds, throughput: floor.requests / floor.seconds, unit: 'req/s', latencyMs: floor.latency.summary(), peakRssMiB: bareRss });

  // The embedded default (projector in the API process), then the API alone with the projector out of process, as a write-heavy deployment runs it.
  for (const projectorInProcess of [true, false]) {
    const api = await startServer('serve-api', { dir: ctx.dir('http-api'), projectorInProcess });
    try {
      for (let i = 0; i < customers.length; i += 32) {
        await Promise.all(customers.slice(i, i + 32).map((customerId, j) => post(api, '/v1/customers', { customerId, kind: 'person', name: `Load Customer ${i + j}` })));
      }
      const measured = await load(api, customers, ctx.sizes.httpSeconds);
      const rss = await api.stop();
      if (measured.failures) throw new Error(`POST touchpoints: ${measured.failures} failed requests (non-2xx, errors or timeouts)`);
      rows.push({
        id: projectorInProcess ? 'http.append' : 'http.append.projector-out',
        title: `POST /v1/customers/:id/touchpoints, 32 conns${projectorInProcess ? '' : ', projector out of process'}`,
        kind: 'scenario',
        engine: 'sqlite',
        ops: measured.requests,
        seconds: measured.seconds,
        throughput: measured.requests / measured.seconds,
        unit: 'req/s',
        latencyMs: measured.latency.summary(),
        peakRssMiB: rss,
        compareTo: { id: 'raw.http.fastify', metric: 'throughput' },
        targets: [{ description: '≥ 5,000 req/s', metric: 'throughput', comparison: 'atLeast', threshold: 5000 }],
        note: `server in a child process (its peak RSS), API key auth, helmet, synchronous=FULL; autocannon in the harness process${projectorInProcess ? '' : '; TOUCHPOINT_PROJECTOR_IN_PROCESS=false (no projector running)'}`,
      });
    } catch (error) {
      await api.stop().catch(() => undefined);
      throw error;
    }
  }
  return rows;
};

/** Sequential GETs (steady state, one at a time) recorded in a histogram. */
export async function timeGets(ctx: BenchContext, server: Server, label: string, count: number, path: (i: number, previous: unknown) => string): Promise<{ latency: LatencyRecorder; seconds: number }> {
  const latency = new LatencyRecorder();
  let previous: unknown;
  const get = async (url: string): Promise<unknown> => {
    const response = await fetch(url, { headers: server.headers });
    if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  // Warm-up: JIT, statement caches, connection.
  for (let i = 0; i < Math.min(20, count); i++) previous = await get(`${server.url}${path(i, previous)}`);
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const url = `${server.url}${path(i, previous)}`;
    previous = await latency.time(() => get(url));
  }
  ctx.log(`  ${label}: ${count} requests`);
  return { latency, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}
