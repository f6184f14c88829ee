import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AddressPolicy, HttpWebhookSender } from './sender';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function receiver(handler: Handler): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, server };
}

describe('address policy', () => {
  it('allows public unicast only, unless a network is allowed', () => {
    const none = new AddressPolicy();
    expect(none.allows('93.184.216.34')).toBe(true);
    expect(none.allows('2606:4700::1111')).toBe(true);
    for (const ip of ['127.0.0.1', '10.0.0.5', '192.168.1.1', '172.16.0.1', '169.254.169.254', '0.0.0.0', '::1', 'fc00::1', 'fe80::1', '::ffff:127.0.0.1', '100.64.0.1', '224.0.0.1'])
      expect([ip, none.allows(ip)]).toEqual([ip, false]);
    const local = AddressPolicy.parse('127.0.0.0/8, ::1/128,10.1.2.3');
    expect(local.allows('127.0.0.9')).toBe(true);
    expect(local.allows('::1')).toBe(true);
    expect(local.allows('::ffff:127.0.0.1')).toBe(true);
    expect(local.allows('10.1.2.3')).toBe(true);
    expect(local.allows('10.1.2.4')).toBe(false);
    expect(() => AddressPolicy.parse('not-an-ip')).toThrow();
  });
});

describe('HTTP webhook sender', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });
  const start = async (h: Handler) => {
    const r = await receiver(h);
    servers.push(r.server);
    return r.url;
  };
  const local = (options: Partial<ConstructorParameters<typeof HttpWebhookSender>[0]> = {}) => new HttpWebhookSender({ policy: AddressPolicy.parse('127.0.0.0/8'), ...options });

  it('POSTs the body with the given headers and takes a 2xx as delivered', async () => {
    let seen: { headers: IncomingMessage['headers']; body: string } | undefined;
    const url = await start((req, res, body) => {
      seen = { headers: req.headers, body };
      res.writeHead(204).end();
    });
    const sender = local();
    const result = await sender.send(url, { 'webhook-id': 'e1' }, '{"a":1}');
    sender.close();
    expect(result).toMatchObject({ status: 204 });
    expect(result.error).toBeUndefined();
    expect(seen).toMatchObject({ body: '{"a":1}', headers: { 'webhook-id': 'e1', 'content-type': 'application/json' } });
  });

  it('refuses loopback without an allowed network, by literal address and by a name resolving to it', async () => {
    const url = await start((_req, res) => res.writeHead(200).end());
    const sender = new HttpWebhookSender({ policy: new AddressPolicy() });
    expect(await sender.send(url, {}, '{}')).toMatchObject({ status: null, permanent: true, error: expect.stringContaining('not allowed') });
    expect(await sender.send(url.replace('127.0.0.1', 'localhost'), {}, '{}')).toMatchObject({ status: null, permanent: true, error: expect.stringContaining('not allowed') });
    sender.close();
  });

  it('does not follow redirects; a 4xx is permanent; 5xx, 408 and 429 are retryable with Retry-After read', async () => {
    const answers: Array<[number, Record<string, string>]> = [
      [302, { location: 'http://169.254.169.254/' }],
      [400, {}],
      [503, { 'retry-after': '7' }],
      [429, { 'retry-after': new Date(Date.now() + 60_000).toUTCString() }],
      [408, {}],
    ];
    let i = 0;
    const url = await start((_req, res) => {
      const [status, headers] = answers[i++];
      res.writeHead(status, headers).end('nope');
    });
    const sender = local();
    const r = [];
    for (let n = 0; n < answers.length; n++) r.push(await sender.send(url, {}, '{}'));
    sender.close();
    expect(r[0]).toMatchObject({ status: 302, permanent: true, error: expect.stringContaining('redirects are not followed') });
    expect(r[1]).toMatchObject({ status: 400, permanent: true, error: 'HTTP 400: nope' });
    expect(r[2]).toMatchObject({ status: 503, permanent: false, retryAfterMs: 7000 });
    expect(r[3]).toMatchObject({ status: 429, permanent: false });
    expect(r[3].retryAfterMs).toBeGreaterThan(50_000);
    expect(r[4]).toMatchObject({ status: 408, permanent: false });
  });

  it('gives up on a receiver that does not answer in time, and reads no more of a response than the limit', async () => {
    const slow = await start(() => undefined);
    const sender = local({ timeoutMs: 300, maxResponseBytes: 64 });
    const t0 = Date.now();
    expect(await sender.send(slow, {}, '{}')).toMatchObject({ status: null, error: expect.stringContaining('no complete response within 300 ms') });
    expect(Date.now() - t0).toBeLessThan(5_000);
    const huge = await start((_req, res) => {
      res.writeHead(500);
      const chunk = 'x'.repeat(16 * 1024);
      const write = () => res.write(chunk) && !res.destroyed && setImmediate(write);
      write();
    });
    const result = await sender.send(huge, {}, '{}');
    sender.close();
    expect(result.status).toBe(500);
    expect(result.error!.length).toBeLessThanOrEqual(220);
  });

  it('reports a refused connection as retryable', async () => {
    const url = await start(() => undefined);
    servers.pop()!.close();
    await new Promise((r) => setTimeout(r, 50));
    const sender = local();
    expect(await sender.send(url, {}, '{}')).toMatchObject({ status: null, permanent: false, error: expect.stringContaining('ECONNREFUSED') });
    sender.close();
  });
});
