import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min, validateSync } from 'class-validator';

const int = () => Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)));
const bool = () => Transform(({ value }) => (value === undefined ? undefined : ['1', 'true', 'yes', 'on'].includes(String(value).toLowerCase())));

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

  @IsIn(['sqlite', 'memory'])
  TOUCHPOINT_EVENT_STORE: 'sqlite' | 'memory' = 'sqlite';

  @IsIn(['sqlite', 'memory'])
  TOUCHPOINT_READ_STORE: 'sqlite' | 'memory' = 'sqlite';

  /** maximum request body, bytes */
  @int() @IsInt() @Min(1024) @Max(64 * 1024 * 1024)
  TOUCHPOINT_BODY_LIMIT = 256 * 1024;

  @int() @IsInt() @Min(1) @Max(100000)
  TOUCHPOINT_SNAPSHOT_EVERY = 100;

  @IsIn(['fatal', 'error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  /** run projectors inside the API process (the embedded default) */
  @bool() @IsOptional()
  TOUCHPOINT_PROJECTOR_IN_PROCESS = true;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): TouchpointConfig {
  const known = Object.keys(new TouchpointConfig());
  const raw = Object.fromEntries(known.filter((k) => env[k] !== undefined).map((k) => [k, env[k]]));
  const config = plainToInstance(TouchpointConfig, raw, { exposeDefaultValues: true });
  const errors = validateSync(config, { forbidUnknownValues: true });
  if (errors.length) {
    throw new ConfigError(errors.map((e) => `${e.property}=${JSON.stringify(raw[e.property])}: ${Object.values(e.constraints ?? {}).join('; ')}`));
  }
  return config;
}
