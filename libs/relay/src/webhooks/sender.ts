import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** What one POST came to. `permanent`: sending the same again cannot succeed (a 4xx, a redirect, a refused address). */
export interface SendResult {
  status: number | null;
  latencyMs: number;
  error?: string;
  /** from Retry-After, when the receiver sent one */
  retryAfterMs?: number;
  permanent?: boolean;
}

export interface WebhookSender {
  send(url: string, headers: Record<string, string>, body: string): Promise<SendResult>;
}

/**
 * Which addresses a webhook may reach: public unicast only, unless an operator allows a network (`127.0.0.0/8`,
 * `10.1.2.3`, `::1/128`). Checked on every address a name resolves to, at connect time, so a name that later
 * resolves elsewhere (DNS rebinding) is caught too.
 */
export class AddressPolicy {
  private readonly allowed: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]>;

  constructor(allowedNetworks: readonly string[] = []) {
    this.allowed = allowedNetworks.map((n) => (n.includes('/') ? ipaddr.parseCIDR(n) : ((a) => [a, a.kind() === 'ipv4' ? 32 : 128] as [ipaddr.IPv4 | ipaddr.IPv6, number])(ipaddr.parse(n))));
  }

  /** Parses `TOUCHPOINT_WEBHOOK_ALLOW_NETWORKS`: comma-separated; throws on a malformed entry. */
  static parse(list: string): AddressPolicy {
    return new AddressPolicy(
      list
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
  }

  allows(ip: string): boolean {
    if (!ipaddr.isValid(ip)) return false;
    const address = ipaddr.process(ip); // IPv4-mapped IPv6 is judged as IPv4
    if (this.allowed.some(([net, bits]) => net.kind() === address.kind() && address.match(net, bits))) return true;
    return address.range() === 'unicast';
  }
}

export interface HttpSenderOptions {
  policy: AddressPolicy;
  /** until the TCP (and TLS) connection is up */
  connectTimeoutMs?: number;
  /** for the whole attempt, response included */
  timeoutMs?: number;
  /** response bytes read (for the delivery log); the rest is dropped */
  maxResponseBytes?: number;
}

const retryAfterMs = (header: string | string[] | undefined, now: number): number | undefined => {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
};

/**
 * POSTs one webhook over node's http/https: no redirects followed, bounded time and response size, and only to
 * addresses the policy allows.
 */
export class HttpWebhookSender implements WebhookSender {
  private readonly connectTimeoutMs: number;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly lookup: LookupFunction;
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(private readonly options: HttpSenderOptions) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxResponseBytes = options.maxResponseBytes ?? 4_096;
    this.lookup = (hostname, lookupOptions, callback) => {
      dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses: LookupAddress[]) => {
        if (error) return callback(error, '', 0);
        const refused = addresses.find((a) => !options.policy.allows(a.address));
        if (refused) return callback(Object.assign(new Error(`${hostname} resolves to ${refused.address}, a private or reserved address that is not allowed`), { code: 'EADDRNOTALLOWED' }), '', 0);
        if (lookupOptions.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
        callback(null, addresses[0].address, addresses[0].family);
      });
    };
    this.agents = { http: new http.Agent({ keepAlive: true, maxSockets: 64 }), https: new https.Agent({ keepAlive: true, maxSockets: 64 }) };
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  send(url: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const started = performance.now();
    const took = () => performance.now() - started;
    const target = new URL(url);
    const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host) && !this.options.policy.allows(host)) return Promise.resolve({ status: null, latencyMs: 0, error: `${host} is a private or reserved address that is not allowed`, permanent: true });
    const secure = target.protocol === 'https:';
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      const finish = (result: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        clearTimeout(deadline);
        resolve(result);
      };
      const request = (secure ? https : http).request(target, {
        method: 'POST',
        agent: secure ? this.agents.https : this.agents.http,
        lookup: this.lookup,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Touchpoint-Webhooks/1' },
      });
      const connectTimer = setTimeout(() => request.destroy(new Error(`no connection within ${this.connectTimeoutMs} ms`)), this.connectTimeoutMs);
      const deadline = setTimeout(() => request.destroy(new Error(`no complete response within ${this.timeoutMs} ms`)), this.timeoutMs);
      request.on('socket', (socket) => {
        if (!socket.connecting) return clearTimeout(connectTimer); // a kept-alive connection
        socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
      });
      request.on('error', (error: NodeJS.ErrnoException) => finish({ status: null, latencyMs: took(), error: error.message, permanent: error.code === 'EADDRNOTALLOWED' }));
      request.on('response', (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const excerpt = Buffer.concat(chunks).toString('utf8').slice(0, 200);
          response.destroy();
          if (status >= 200 && status < 300) return finish({ status, latencyMs: took() });
          const retryable = status === 408 || status === 429 || status >= 500;
          const redirect = status >= 300 && status < 400;
          finish({
            status,
            latencyMs: took(),
            error: redirect ? `HTTP ${status}: redirects are not followed (Location: ${response.headers.location ?? 'none'})` : `HTTP ${status}${excerpt ? `: ${excerpt}` : ''}`,
            retryAfterMs: retryAfterMs(response.headers['retry-after'], Date.now()),
            permanent: !retryable,
          });
        };
        response.on('data', (chunk: Buffer) => {
          if (size < this.maxResponseBytes) chunks.push(chunk.subarray(0, this.maxResponseBytes - size));
          size += chunk.length;
          if (size >= this.maxResponseBytes) done(); // not read past the limit
        });
        response.on('end', done);
        response.on('error', () => done());
      });
      request.end(body);
    });
  }
}
