import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { ProjectionLag } from './projection-lag';

/**
 * The projector process's own HTTP port: `/health` (200 while it runs and keeps up, 503 with the reason when it
 * failed or fell more than `maxLagSeconds` behind) and `/metrics` (Prometheus text). Nothing else is served.
 */
export async function startOperationsServer(options: { port: number; host: string; lag: ProjectionLag; registry: Registry; maxLagSeconds: number }): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      try {
        if (req.method === 'GET' && req.url === '/metrics') {
          res.writeHead(200, { 'content-type': options.registry.contentType }).end(await options.registry.metrics());
          return;
        }
        if (req.method === 'GET' && req.url === '/health') {
          const reading = await options.lag.read();
          const behind = options.maxLagSeconds > 0 && reading.lagSeconds > options.maxLagSeconds;
          const status = reading.error || behind ? 'down' : 'up';
          const error = reading.error ?? (behind ? `the read models are ${reading.lagSeconds} s behind the log (more than ${options.maxLagSeconds})` : undefined);
          res.writeHead(status === 'up' ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status, projector: { ...reading, ...(error && { error }) } }));
          return;
        }
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 404, detail: 'GET /health or /metrics' }));
      } catch (error) {
        res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'down', error: (error as Error).message }));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
