import { InMemoryApiKeyStore, issueApiKey, verifyApiKey } from '@touchpoint/auth';
import { loadConfig } from '@touchpoint/platform';
import { FixedClock } from '@touchpoint/testing';
import { ensureDevAdminKey } from './dev-mode';

describe('dev mode admin key', () => {
  const clock = new FixedClock(new Date('2026-03-02T10:00:00.000Z'));

  it('prints a working admin key once when none exists, and not again', async () => {
    const keys = new InMemoryApiKeyStore();
    const printed: string[] = [];
    const secret = await ensureDevAdminKey(loadConfig({}), keys, clock, (t) => printed.push(t));
    expect(secret).toBeDefined();
    expect(printed.join('')).toContain(`export TP_KEY=${secret}`);
    expect((await verifyApiKey(keys, secret!))?.roles).toEqual(['admin']);
    expect(await ensureDevAdminKey(loadConfig({}), keys, clock, (t) => printed.push(t))).toBeUndefined();
    expect(printed).toHaveLength(1);
  });

  it('does nothing in production, when switched off, or with auth off', async () => {
    for (const env of [{ NODE_ENV: 'production' }, { TOUCHPOINT_DEV_MODE: 'false' }, { TOUCHPOINT_AUTH: 'off' }]) {
      const keys = new InMemoryApiKeyStore();
      const printed: string[] = [];
      expect(await ensureDevAdminKey(loadConfig(env), keys, clock, (t) => printed.push(t))).toBeUndefined();
      expect(printed).toEqual([]);
      expect(await keys.list()).toEqual([]);
    }
  });

  it('keeps quiet when an admin key exists already', async () => {
    const keys = new InMemoryApiKeyStore();
    await issueApiKey(keys, { name: 'ops', roles: ['admin'], now: clock.now() });
    expect(await ensureDevAdminKey(loadConfig({}), keys, clock, () => undefined)).toBeUndefined();
    expect(await keys.list()).toHaveLength(1);
  });
});
