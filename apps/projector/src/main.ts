import 'reflect-metadata';
import { describeError, loadConfigOrExit, systemClock } from '@touchpoint/platform';
import { createProjector } from '../../api/src/app.module';
import { createEngines } from '../../api/src/engines';
import { createMetrics } from '../../api/src/operations/metrics';
import { startOperationsServer } from '../../api/src/operations/operations-server';
import { ProjectionLag } from '../../api/src/operations/projection-lag';

/**
 * The projector as its own process: run it beside an API started with
 * TOUCHPOINT_PROJECTOR_IN_PROCESS=false. It resumes from its checkpoints.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const engines = await createEngines(config, systemClock);
  const log = (fields: Record<string, unknown>) => console.log(JSON.stringify({ timestamp: new Date().toISOString(), context: 'projector', ...fields }));
  let lastLog = 0;
  const projector = createProjector({ config, engines, clock: systemClock }, ({ position, events, lag }) => {
    if (Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      log({ msg: 'projected', position, events, lag });
    }
  });
  await projector.start();
  log({ msg: 'projector started', position: projector.position, lag: projector.lag });
  // Its own /health and /metrics, so the projector is watched like the APIs (position, lag in events and seconds).
  const lag = new ProjectionLag(engines.eventStore, engines.readStore, projector, systemClock);
  const operations =
    config.TOUCHPOINT_PROJECTOR_PORT > 0
      ? await startOperationsServer({ port: config.TOUCHPOINT_PROJECTOR_PORT, host: config.HOST, lag, registry: createMetrics(engines.eventStore, lag, projector), maxLagSeconds: config.TOUCHPOINT_READY_MAX_LAG_SECONDS })
      : undefined;
  if (operations) log({ msg: 'health and metrics', port: operations.port, paths: ['/health', '/metrics'] });
  const shutdown = async (signal: string) => {
    log({ msg: 'stopping', signal, position: projector.position });
    await operations?.close();
    await projector.stop();
    await engines.eventStore.close();
    await engines.readStore.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  setInterval(() => {
    if (projector.error) {
      log({ level: 'error', msg: 'projector failed', error: describeError(projector.error) });
      process.exit(1);
    }
  }, 1000).unref();
}

void main();
