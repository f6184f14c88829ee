import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, devModeEnabled, loadConfig } from './config';

const SECRET = 'hs256-secret-that-is-long-enough-0123456789';

describe('auth configuration', () => {
  it('requires auth by default; dev mode is on outside production and off in production', () => {
    expect(loadConfig({}).TOUCHPOINT_AUTH).toBe('required');
    expect(devModeEnabled(loadConfig({}))).toBe(true);
    expect(devModeEnabled(loadConfig({ NODE_ENV: 'development' }))).toBe(true);
    expect(devModeEnabled(loadConfig({ TOUCHPOINT_DEV_MODE: 'false' }))).toBe(false);
    expect(devModeEnabled(loadConfig({ NODE_ENV: 'production' }))).toBe(false);
    expect(devModeEnabled(loadConfig({ NODE_ENV: 'production', TOUCHPOINT_DEV_MODE: 'false' }))).toBe(false);
  });

  it('refuses dev mode switched on explicitly in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', TOUCHPOINT_DEV_MODE: 'true' })).toThrow(/TOUCHPOINT_DEV_MODE=true: refused with NODE_ENV=production/);
  });

  it('rejects unknown auth modes and typos in booleans', () => {
    expect(() => loadConfig({ TOUCHPOINT_AUTH: 'maybe' })).toThrow(ConfigError);
    expect(() => loadConfig({ TOUCHPOINT_DEV_MODE: 'ture' })).toThrow(/TOUCHPOINT_DEV_MODE/);
  });

  it('needs exactly one JWT key source, plus issuer and audience', () => {
    expect(() => loadConfig({ TOUCHPOINT_JWT_SECRET: SECRET })).toThrow(/TOUCHPOINT_JWT_ISSUER/);
    expect(() => loadConfig({ TOUCHPOINT_JWT_ISSUER: 'https://idp/', TOUCHPOINT_JWT_AUDIENCE: 'tp' })).toThrow(/also give TOUCHPOINT_JWT_JWKS_URL/);
    expect(() => loadConfig({ TOUCHPOINT_JWT_ISSUER: 'https://idp/', TOUCHPOINT_JWT_AUDIENCE: 'tp', TOUCHPOINT_JWT_SECRET: SECRET, TOUCHPOINT_JWT_JWKS_URL: 'https://idp/jwks' })).toThrow(/give exactly one/);
    expect(loadConfig({ TOUCHPOINT_JWT_ISSUER: 'https://idp/', TOUCHPOINT_JWT_AUDIENCE: 'tp', TOUCHPOINT_JWT_SECRET: SECRET }).TOUCHPOINT_JWT_SECRET).toBe(SECRET);
  });

  it('never echoes a secret value in an error', () => {
    try {
      loadConfig({ TOUCHPOINT_JWT_ISSUER: 'https://idp/', TOUCHPOINT_JWT_AUDIENCE: 'tp', TOUCHPOINT_JWT_SECRET: 'short-but-secret' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as Error).message).toContain('TOUCHPOINT_JWT_SECRET=(hidden)');
      expect((error as Error).message).not.toContain('short-but-secret');
    }
  });

  it('reads secrets from *_FILE, and refuses both forms at once or an unreadable file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-secret-'));
    const file = join(dir, 'jwt-secret');
    writeFileSync(file, `${SECRET}\n`);
    const env = { TOUCHPOINT_JWT_ISSUER: 'https://idp/', TOUCHPOINT_JWT_AUDIENCE: 'tp' };
    expect(loadConfig({ ...env, TOUCHPOINT_JWT_SECRET_FILE: file }).TOUCHPOINT_JWT_SECRET).toBe(SECRET);
    expect(() => loadConfig({ ...env, TOUCHPOINT_JWT_SECRET_FILE: file, TOUCHPOINT_JWT_SECRET: SECRET })).toThrow(/give one, not both/);
    expect(() => loadConfig({ ...env, TOUCHPOINT_JWT_SECRET_FILE: join(dir, 'missing') })).toThrow(/cannot read the file/);
    rmSync(dir, { recursive: true, force: true });
  });
});
