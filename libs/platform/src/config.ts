import { readFileSync } from 'node:fs';
import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, Length, Matches, Max, Min, ValidateIf, validateSync } from 'class-validator';

const int = () => Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)));
const BOOLEANS: Record<string, boolean> = { '1': true, true: true, yes: true, on: true, '0': false, false: false, no: false, off: false };
/** Only the spellings above; anything else stays a string and fails @IsBoolean (no silent false on a typo). */
const bool = () => Transform(({ value }) => (value === undefined || typeof value === 'boolean' ? value : (BOOLEANS[String(value).toLowerCase()] ?? value)));

/**
 * Every setting comes from the environment and is validated at start;
 * a bad value stops the process with a message naming the variable.
 */
export class TouchpointConfig {
  @int() @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  @IsString()
  TOUCHPOINT_DATA_DIR = './data';

  /** the built console (npm run build:console) served at /console; absent there: /console answers 404 saying so */
  @IsString()
  TOUCHPOINT_CONSOLE_DIR = './dist/console';

  @IsIn(['sqlite', 'memory', 'postgres', 'eventstoredb'])
  TOUCHPOINT_EVENT_STORE: 'sqlite' | 'memory' | 'postgres' | 'eventstoredb' = 'sqlite';

  /** PostgreSQL connection string, required when TOUCHPOINT_EVENT_STORE=postgres */
  @ValidateIf((c: TouchpointConfig) => c.TOUCHPOINT_EVENT_STORE === 'postgres')
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'TOUCHPOINT_POSTGRES_URL must be a postgres:// URL when TOUCHPOINT_EVENT_STORE=postgres' })
  TOUCHPOINT_POSTGRES_URL?: string;

  /** EventStoreDB/KurrentDB connection string, required when TOUCHPOINT_EVENT_STORE=eventstoredb */
  @ValidateIf((c: TouchpointConfig) => c.TOUCHPOINT_EVENT_STORE === 'eventstoredb')
  @Matches(/^esdb(\+discover)?:\/\/\S+$/, {
    message: 'TOUCHPOINT_EVENTSTORE_URL must be an esdb:// URL (e.g. esdb://127.0.0.1:2113?tls=false) when TOUCHPOINT_EVENT_STORE=eventstoredb',
  })
  TOUCHPOINT_EVENTSTORE_URL?: string;

  @IsIn(['sqlite', 'memory', 'mongodb'])
  TOUCHPOINT_READ_STORE: 'sqlite' | 'memory' | 'mongodb' = 'sqlite';

  /** MongoDB connection string, required when TOUCHPOINT_READ_STORE=mongodb */
  @ValidateIf((c: TouchpointConfig) => c.TOUCHPOINT_READ_STORE === 'mongodb')
  @Matches(/^mongodb(\+srv)?:\/\/\S+$/, { message: 'TOUCHPOINT_MONGO_URL must be a mongodb:// URL when TOUCHPOINT_READ_STORE=mongodb' })
  TOUCHPOINT_MONGO_URL?: string;

  /** maximum request body, bytes */
  @int() @IsInt() @Min(1024) @Max(64 * 1024 * 1024)
  TOUCHPOINT_BODY_LIMIT = 256 * 1024;

  @int() @IsInt() @Min(1) @Max(100000)
  TOUCHPOINT_SNAPSHOT_EVERY = 100;

  /** what ABC tiers rank by: revenue to date, or predicted value (the fitted model's, else the heuristic's) */
  @IsIn(['revenue', 'predicted'])
  TOUCHPOINT_TIER_BY: 'revenue' | 'predicted' = 'revenue';

  /** fit the lifetime-value models this often (ms); 0: only on request (POST /v1/analytics/lifetime-value/fits) */
  @int() @IsInt() @Min(0)
  TOUCHPOINT_LTV_FIT_EVERY_MS = 0;

  /** customers with a repeat purchase a currency needs before a model is fitted for it (below: the heuristic answers) */
  @int() @IsInt() @Min(10)
  TOUCHPOINT_LTV_MIN_REPEAT_CUSTOMERS = 100;

  /** yearly discount rate of predicted revenue, e.g. 0.1 */
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value))) @IsNumber() @Min(0) @Max(1)
  TOUCHPOINT_LTV_DISCOUNT_RATE = 0;

  /** largest import body accepted over HTTP, bytes (stored to a spool file in the data dir while it runs) */
  @int() @IsInt() @Min(1024) @Max(1024 ** 4)
  TOUCHPOINT_IMPORT_MAX_BYTES = 10 * 1024 ** 3;

  /** imports that may run at once in one process; more answer 409 */
  @int() @IsInt() @Min(1) @Max(16)
  TOUCHPOINT_IMPORT_CONCURRENCY = 1;

  /** longest line (NDJSON) or row (CSV) of an import, bytes; a longer one is rejected alone */
  @int() @IsInt() @Min(1024) @Max(16 * 1024 * 1024)
  TOUCHPOINT_IMPORT_MAX_LINE_BYTES = 1024 * 1024;

  @IsIn(['fatal', 'error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  /** stage → probability for the weighted pipeline, e.g. lead=0.1,qualified=0.25,proposal=0.5,negotiation=0.75 */
  @Matches(/^([a-z_]+=(0(\.\d+)?|1(\.0+)?))(,[a-z_]+=(0(\.\d+)?|1(\.0+)?))*$/, { message: 'must look like lead=0.1,qualified=0.25,...' })
  TOUCHPOINT_STAGE_PROBABILITIES = 'lead=0.1,qualified=0.25,proposal=0.5,negotiation=0.75';

  /** version of the blind-index key (key store subject `blind-index:v<N>`); raise it to rotate (docs/customers.md) */
  @int() @IsInt() @Min(1) @Max(1_000_000)
  TOUCHPOINT_BLIND_INDEX_KEY_VERSION = 1;

  /** weight of the configured stage probability when forecasts learn win rates, in closed deals (0: the data alone) */
  @int() @IsInt() @Min(0) @Max(100_000)
  TOUCHPOINT_FORECAST_PRIOR_STRENGTH = 10;

  /** closed deals of the last N close months teach the learned win rates (0: all history) */
  @int() @IsInt() @Min(0) @Max(600)
  TOUCHPOINT_FORECAST_LOOKBACK_MONTHS = 24;

  /** an inbound call, email, chat, SMS, letter, fax or complaint unanswered for this many minutes gets a follow-up task */
  @int() @IsInt() @Min(1) @Max(525_600)
  TOUCHPOINT_FOLLOW_UP_AFTER_MINUTES = 1440;

  /** contacts older than this many days are not followed up (missed before the process watched them) */
  @int() @IsInt() @Min(1) @Max(3650)
  TOUCHPOINT_FOLLOW_UP_MAX_AGE_DAYS = 7;

  /** how often the follow-up process looks for unanswered contacts, in ms (0: never, e.g. in tests that run it by hand) */
  @int() @IsInt() @Min(0) @Max(86_400_000)
  TOUCHPOINT_FOLLOW_UP_CHECK_EVERY_MS = 60_000;

  /** contacts the follow-up process reads per page (a run reads every page of contacts due) */
  @int() @IsInt() @Min(1) @Max(10_000)
  TOUCHPOINT_FOLLOW_UP_BATCH = 500;

  /** follow-up tasks the process creates at once (their appends share commits) */
  @int() @IsInt() @Min(1) @Max(1024)
  TOUCHPOINT_FOLLOW_UP_CONCURRENCY = 128;

  /** who gets a follow-up task when the customer has no owner */
  @IsString() @Length(1, 128)
  TOUCHPOINT_FOLLOW_UP_ASSIGNEE = 'service-desk';

  /** version of the calendar feed key (key store subject `calendar-feed:v<N>`); raise it to revoke every feed URL */
  @int() @IsInt() @Min(1) @Max(1_000_000)
  TOUCHPOINT_CALENDAR_KEY_VERSION = 1;

  /** the highest extra discount (percent) a seller gives on a quote line without an admin's approval */
  @int() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(100)
  TOUCHPOINT_QUOTE_DISCOUNT_LIMIT_PCT = 10;

  /** Server-Sent-Events streams of GET /v1/events one API process serves at once (more: 503 with Retry-After) */
  @int() @IsInt() @Min(0) @Max(100_000)
  TOUCHPOINT_FEED_MAX_STREAMS = 64;

  /** the longest a GET /v1/events?wait= long poll is held, in ms (the request's wait is capped to it; 0: never held) */
  @int() @IsInt() @Min(0) @Max(30_000)
  TOUCHPOINT_FEED_MAX_WAIT_MS = 30_000;

  /** an idle event stream gets a comment line this often (ms), so proxies keep it open */
  @int() @IsInt() @Min(100) @Max(600_000)
  TOUCHPOINT_FEED_HEARTBEAT_MS = 15_000;

  /** reads of at least this many events open their sealed fields on a worker thread (rebuilds, catch-ups, the feed); 0: always on the caller's thread (a one-core machine) */
  @int() @IsInt() @Min(0) @Max(1_000_000)
  TOUCHPOINT_DECRYPT_THREAD_MIN_EVENTS = 256;

  /** /health is down when the oldest event not yet projected is older than this (s); 0: the lag never fails it */
  @int() @IsInt() @Min(0) @Max(86_400)
  TOUCHPOINT_READY_MAX_LAG_SECONDS = 300;

  /** networks webhooks may reach besides public addresses (comma-separated IPs or CIDRs, e.g. 127.0.0.0/8,::1/128 for a local receiver) */
  @Matches(/^[0-9a-fA-F:.,/ ]*$/, { message: 'must be a comma-separated list of IP addresses or CIDR networks' })
  TOUCHPOINT_WEBHOOK_ALLOW_NETWORKS = '';

  /** how long a failing webhook delivery is retried, from its first failure, before it goes to the dead letters (minutes) */
  @int() @IsInt() @Min(1) @Max(30 * 1440)
  TOUCHPOINT_WEBHOOK_RETRY_HORIZON_MINUTES = 1440;

  /** the whole of one webhook attempt, response included (ms) */
  @int() @IsInt() @Min(100) @Max(60_000)
  TOUCHPOINT_WEBHOOK_TIMEOUT_MS = 10_000;

  /** webhook deliveries in flight per subscription, each to a different customer */
  @int() @IsInt() @Min(1) @Max(256)
  TOUCHPOINT_WEBHOOK_CONCURRENCY = 8;

  /** dead letters in a row that disable a webhook subscription (0: never) */
  @int() @IsInt() @Min(0) @Max(1_000_000)
  TOUCHPOINT_WEBHOOK_DISABLE_AFTER = 10;

  /** how often the dispatcher looks for new events and due retries (ms) */
  @int() @IsInt() @Min(10) @Max(60_000)
  TOUCHPOINT_DISPATCHER_POLL_MS = 100;

  /** one dispatcher sends at a time: a standby takes over this long after the active one stopped renewing its lease (s) */
  @int() @IsInt() @Min(1) @Max(3600)
  TOUCHPOINT_WEBHOOK_LEASE_SECONDS = 30;

  /** the dispatcher process's own HTTP port for /health and /metrics (0: none) */
  @int() @IsInt() @Min(0) @Max(65535)
  TOUCHPOINT_DISPATCHER_PORT = 9465;

  /** send webhooks from the API process too (the embedded single-process setup); production runs `npm run start:dispatcher` */
  @bool() @IsBoolean()
  TOUCHPOINT_WEBHOOKS_IN_PROCESS = false;

  /** the projector process's own HTTP port for /health and /metrics (0: none) */
  @int() @IsInt() @Min(0) @Max(65535)
  TOUCHPOINT_PROJECTOR_PORT = 9464;

  /** cumulative revenue shares closing tiers A and B, e.g. A=0.8,B=0.95 */
  @Matches(/^A=0?\.\d+,B=0?\.\d+$/, { message: 'must look like A=0.8,B=0.95' })
  TOUCHPOINT_TIER_CUTOFFS = 'A=0.8,B=0.95';

  @int() @IsInt() @Min(1) @Max(3650)
  TOUCHPOINT_LTV_HORIZON_DAYS = 365;

  /**
   * Most documents the projector keeps in memory per cached read model (customers, deals, tasks, …); beyond it
   * the least recently changed are read back from the read store when needed. 0: all of them (memory grows with
   * the customers).
   */
  @int() @IsInt() @Min(0) @Max(100_000_000)
  TOUCHPOINT_PROJECTOR_CACHE_DOCS = 10_000;

  /** least time between two re-rankings of all customers while live */
  @int() @IsInt() @Min(0) @Max(86_400_000)
  TOUCHPOINT_SEGMENT_EVERY_MS = 2000;

  /** how long a query with minPosition waits for the projections before 503 */
  @int() @IsInt() @Min(0) @Max(30_000)
  TOUCHPOINT_CONSISTENCY_WAIT_MS = 2000;

  /** how often the API signs and stores the global chain head as an audit checkpoint, when it moved (0: off) */
  @int() @IsInt() @Min(0) @Max(31 * 86_400_000)
  TOUCHPOINT_AUDIT_CHECKPOINT_EVERY_MS = 3_600_000;

  /**
   * Ed25519 private key (PKCS#8 PEM, or the path of a PEM file) that signs audit checkpoints.
   * Unset: a key is generated once and kept in TOUCHPOINT_DATA_DIR/audit-signing-key.pem (development).
   */
  @IsOptional() @IsString()
  TOUCHPOINT_AUDIT_SIGNING_KEY?: string;

  /** PostgreSQL database for the per-customer data keys; unset: keys.db in TOUCHPOINT_DATA_DIR (memory with the memory event store) */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'TOUCHPOINT_KEY_STORE_URL must be a postgres:// URL' })
  TOUCHPOINT_KEY_STORE_URL?: string;

  /** run projectors inside the API process (the embedded default) */
  @bool() @IsBoolean()
  TOUCHPOINT_PROJECTOR_IN_PROCESS = true;

  /** `required`: API key or JWT on every non-public route; `off`: trusted network behind a gateway (X-Actor honoured) */
  @IsIn(['required', 'off'])
  TOUCHPOINT_AUTH: 'required' | 'off' = 'required';

  /** print a generated admin key at start when none exists; defaults on unless NODE_ENV=production, refused there */
  @bool() @IsBoolean() @ValidateIf((c: TouchpointConfig) => c.TOUCHPOINT_DEV_MODE !== undefined)
  TOUCHPOINT_DEV_MODE?: boolean;

  @IsString() @ValidateIf((c: TouchpointConfig) => c.NODE_ENV !== undefined)
  NODE_ENV?: string;

  @IsString() @ValidateIf((c: TouchpointConfig) => c.TOUCHPOINT_JWT_ISSUER !== undefined || jwtKeyed(c))
  TOUCHPOINT_JWT_ISSUER?: string;

  @IsString() @ValidateIf((c: TouchpointConfig) => c.TOUCHPOINT_JWT_AUDIENCE !== undefined || jwtKeyed(c))
  TOUCHPOINT_JWT_AUDIENCE?: string;

  @Matches(/^https?:\/\/\S+$/) @ValidateIf((c: TouchpointConfig) => c.TOUCHPOINT_JWT_JWKS_URL !== undefined)
  TOUCHPOINT_JWT_JWKS_URL?: string;

  /** PEM (SPKI) public key for RS256 tokens; or TOUCHPOINT_JWT_PUBLIC_KEY_FILE */
  @Matches(/-----BEGIN PUBLIC KEY-----/) @ValidateIf((c: TouchpointConfig) => c.TOUCHPOINT_JWT_PUBLIC_KEY !== undefined)
  TOUCHPOINT_JWT_PUBLIC_KEY?: string;

  /** HS256 shared secret, at least 32 characters; or TOUCHPOINT_JWT_SECRET_FILE */
  @IsString() @Matches(/^.{32,}$/s, { message: 'TOUCHPOINT_JWT_SECRET must be at least 32 characters' }) @ValidateIf((c: TouchpointConfig) => c.TOUCHPOINT_JWT_SECRET !== undefined)
  TOUCHPOINT_JWT_SECRET?: string;

  /** JWT claim holding the roles (array, or space-separated string) */
  @Matches(/^[A-Za-z0-9_:/.-]{1,200}$/)
  TOUCHPOINT_JWT_ROLES_CLAIM = 'roles';

  /** requests per window per API key / token (or per IP without one); 0 turns rate limiting off */
  @int() @IsInt() @Min(0) @Max(1_000_000)
  TOUCHPOINT_RATE_LIMIT_MAX = 600;

  @int() @IsInt() @Min(1000) @Max(3_600_000)
  TOUCHPOINT_RATE_LIMIT_WINDOW_MS = 60_000;

  /** whole request (headers and body) must arrive within this; 0 = no limit */
  @int() @IsInt() @Min(0) @Max(600_000)
  TOUCHPOINT_REQUEST_TIMEOUT_MS = 30_000;
}

const jwtKeyed = (c: TouchpointConfig): boolean => [c.TOUCHPOINT_JWT_JWKS_URL, c.TOUCHPOINT_JWT_PUBLIC_KEY, c.TOUCHPOINT_JWT_SECRET].some((v) => v !== undefined);

/** Secrets may be given as files (`<NAME>_FILE`, e.g. Docker/Kubernetes secrets) instead of values. */
export const SECRET_SETTINGS = ['TOUCHPOINT_JWT_SECRET', 'TOUCHPOINT_JWT_PUBLIC_KEY', 'TOUCHPOINT_POSTGRES_URL', 'TOUCHPOINT_EVENTSTORE_URL', 'TOUCHPOINT_MONGO_URL', 'TOUCHPOINT_KEY_STORE_URL', 'TOUCHPOINT_AUDIT_SIGNING_KEY'] as const;

/** Dev mode is on by default outside production and never in production. */
export function devModeEnabled(config: TouchpointConfig): boolean {
  return config.NODE_ENV !== 'production' && (config.TOUCHPOINT_DEV_MODE ?? true);
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): TouchpointConfig {
  const known = [...Object.keys(new TouchpointConfig()), 'TOUCHPOINT_POSTGRES_URL', 'TOUCHPOINT_EVENTSTORE_URL', 'TOUCHPOINT_MONGO_URL', 'TOUCHPOINT_AUDIT_SIGNING_KEY', 'TOUCHPOINT_KEY_STORE_URL', 'TOUCHPOINT_DEV_MODE', 'NODE_ENV', 'TOUCHPOINT_JWT_ISSUER', 'TOUCHPOINT_JWT_AUDIENCE', 'TOUCHPOINT_JWT_JWKS_URL', 'TOUCHPOINT_JWT_PUBLIC_KEY', 'TOUCHPOINT_JWT_SECRET'];
  const raw: Record<string, string | undefined> = Object.fromEntries(known.filter((k) => env[k] !== undefined).map((k) => [k, env[k]]));
  const problems: string[] = [];
  for (const name of SECRET_SETTINGS) {
    const file = env[`${name}_FILE`];
    if (file === undefined) continue;
    if (raw[name] !== undefined) problems.push(`${name} and ${name}_FILE: give one, not both`);
    else {
      try {
        raw[name] = readFileSync(file, 'utf8').trim();
      } catch {
        problems.push(`${name}_FILE=${JSON.stringify(file)}: cannot read the file`);
      }
    }
  }
  const config = plainToInstance(TouchpointConfig, raw, { exposeDefaultValues: true });
  const errors = validateSync(config, { forbidUnknownValues: true });
  // Secret values never appear in messages (they end up in logs).
  const shown = (k: string) => ((SECRET_SETTINGS as readonly string[]).includes(k) ? '(hidden)' : JSON.stringify(raw[k]));
  problems.push(...errors.map((e) => `${e.property}=${shown(e.property)}: ${Object.values(e.constraints ?? {}).join('; ')}`));
  if (config.NODE_ENV === 'production' && config.TOUCHPOINT_DEV_MODE === true) problems.push('TOUCHPOINT_DEV_MODE=true: refused with NODE_ENV=production (dev mode prints an admin key)');
  if ([config.TOUCHPOINT_JWT_JWKS_URL, config.TOUCHPOINT_JWT_PUBLIC_KEY, config.TOUCHPOINT_JWT_SECRET].filter((v) => v !== undefined).length > 1) {
    problems.push('TOUCHPOINT_JWT_JWKS_URL, TOUCHPOINT_JWT_PUBLIC_KEY and TOUCHPOINT_JWT_SECRET: give exactly one');
  }
  if ((config.TOUCHPOINT_JWT_ISSUER !== undefined || config.TOUCHPOINT_JWT_AUDIENCE !== undefined) && !jwtKeyed(config)) {
    problems.push('TOUCHPOINT_JWT_ISSUER/AUDIENCE: also give TOUCHPOINT_JWT_JWKS_URL, TOUCHPOINT_JWT_PUBLIC_KEY or TOUCHPOINT_JWT_SECRET');
  }
  if (problems.length) throw new ConfigError(problems);
  parseTierCutoffs(config.TOUCHPOINT_TIER_CUTOFFS);
  return config;
}

export function parseStageProbabilities(value: string): Record<string, number> {
  return Object.fromEntries(value.split(',').map((pair) => {
    const [stage, p] = pair.split('=');
    return [stage, Number(p)];
  }));
}

export function parseTierCutoffs(value: string): { A: number; B: number } {
  const { A, B } = parseStageProbabilities(value);
  if (!(A > 0 && A < B && B < 1)) throw new ConfigError([`TOUCHPOINT_TIER_CUTOFFS=${JSON.stringify(value)}: need 0 < A < B < 1`]);
  return { A, B };
}

/** For process entry points: a bad configuration prints what is wrong and exits with code 2. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): TouchpointConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}
