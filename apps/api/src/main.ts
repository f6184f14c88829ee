import 'reflect-metadata';
import { loadConfigOrExit, randomIds, systemClock } from '@touchpoint/platform';
import { createApp } from './app.factory';
import { createEngines } from './engines';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const engines = await createEngines(config, systemClock);
  const app = await createApp({ config, engines, clock: systemClock, ids: randomIds });
  await app.listen(config.PORT, config.HOST);
  console.log(JSON.stringify({ level: 'log', msg: `Touchpoint API listening on http://${config.HOST}:${config.PORT} (docs at /docs)`, eventStore: config.TOUCHPOINT_EVENT_STORE }));
}

void main();
