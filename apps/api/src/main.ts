import 'reflect-metadata';
import { loadConfigOrExit, randomIds, systemClock } from '@touchpoint/platform';
import { createApp } from './app.factory';
import { ensureDevAdminKey } from './auth';
import { createEngines, createApiKeyStore } from './engines';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const engines = await createEngines(config, systemClock);
  const apiKeyStore = await createApiKeyStore(config);
  await ensureDevAdminKey(config, apiKeyStore, systemClock, (text) => process.stderr.write(`${text}\n`));
  const app = await createApp({ config, engines, clock: systemClock, ids: randomIds, apiKeyStore });
  await app.listen(config.PORT, config.HOST);
  console.log(JSON.stringify({ level: 'log', msg: `Touchpoint API listening on http://${config.HOST}:${config.PORT} (docs at /docs)`, eventStore: config.TOUCHPOINT_EVENT_STORE }));
}

void main();
