import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateIf, validateSync } from 'class-validator';

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

  @IsIn(['fatal', 'error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  /** stage → probability for the weighted pipeline, e.g. lead=0.1,qualified=0.25,proposal=0.5,negotiation=0.75 */
  @Matches(/^([a-z_]+=(0(\.\d+)?|1(\.0+)?))(,[a-z_]+=(0(\.\d+)?|1(\.0+)?))*$/, { message: 'must look like lead=0.1,qualified=0.25,...' })
  TOUCHPOINT_STAGE_PROBABILITIES = 'lead=0.1,qualified=0.25,proposal=0.5,negotiation=0.75';

  /** cumulative revenue shares closing tiers A and B, e.g. A=0.8,B=0.95 */
  @Matches(/^A=0?\.\d+,B=0?\.\d+$/, { message: 'must look like A=0.8,B=0.95' })
  TOUCHPOINT_TIER_CUTOFFS = 'A=0.8,B=0.95';

  @int() @IsInt() @Min(1) @Max(3650)
  TOUCHPOINT_LTV_HORIZON_DAYS = 365;

  /** least time between two re-rankings of all customers while live */
  @int() @IsInt() @Min(0) @Max(86_400_000)
  TOUCHPOINT_SEGMENT_EVERY_MS = 2000;

  /** how long a query with minPosition waits for the projections before 503 */
  @int() @IsInt() @Min(0) @Max(30_000)
  TOUCHPOINT_CONSISTENCY_WAIT_MS = 2000;

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
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): TouchpointConfig {
  const known = [...Object.keys(new TouchpointConfig()), 'TOUCHPOINT_POSTGRES_URL', 'TOUCHPOINT_EVENTSTORE_URL', 'TOUCHPOINT_MONGO_URL', 'TOUCHPOINT_AUDIT_SIGNING_KEY', 'TOUCHPOINT_KEY_STORE_URL'];
  const raw = Object.fromEntries(known.filter((k) => env[k] !== undefined).map((k) => [k, env[k]]));
  const config = plainToInstance(TouchpointConfig, raw, { exposeDefaultValues: true });
  const errors = validateSync(config, { forbidUnknownValues: true });
  if (!errors.length) parseTierCutoffs(config.TOUCHPOINT_TIER_CUTOFFS);
  if (errors.length) {
    throw new ConfigError(errors.map((e) => `${e.property}=${JSON.stringify(raw[e.property])}: ${Object.values(e.constraints ?? {}).join('; ')}`));
  }
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
