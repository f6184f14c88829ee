import { hasActiveAdminKey, issueApiKey, type ApiKeyStore } from '@touchpoint/auth';
import { devModeEnabled, type Clock, type TouchpointConfig } from '@touchpoint/platform';

/**
 * Dev mode (never in production): with no active admin key, make one and print it once,
 * so `npm start` gives a newcomer a working API. Returns the secret it printed, if any.
 */
export async function ensureDevAdminKey(config: TouchpointConfig, keys: ApiKeyStore, clock: Clock, print: (text: string) => void): Promise<string | undefined> {
  if (config.TOUCHPOINT_AUTH === 'off' || !devModeEnabled(config) || (await hasActiveAdminKey(keys))) return undefined;
  const { record, secret } = await issueApiKey(keys, { name: 'dev-admin', roles: ['admin'], now: clock.now() });
  print(
    [
      '',
      '================ TOUCHPOINT DEV MODE ================',
      `Generated admin API key (id ${record.id}); it is shown only now:`,
      '',
      `  export TP_KEY=${secret}`,
      '',
      'Send it as: Authorization: Bearer $TP_KEY',
      'Dev mode is off with NODE_ENV=production or TOUCHPOINT_DEV_MODE=false.',
      '=====================================================',
      '',
    ].join('\n'),
  );
  return secret;
}
