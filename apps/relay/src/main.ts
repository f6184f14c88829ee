import { describeError, loadConfigOrExit, systemClock } from '@touchpoint/platform';
import { Kafka, logLevel } from 'kafkajs';
import { join, resolve } from 'node:path';
import { PostgresRelayCheckpointStore, SqliteRelayCheckpointStore, type RelayCheckpointStore } from '../../../libs/relay/src/checkpoint-store';
import { DEFAULT_RELAY_BATCH_SIZE, DEFAULT_RELAY_PARTITIONS, DEFAULT_RELAY_TOPIC, KafkaRelay } from '../../../libs/relay/src/kafka-relay';
import { openEventStore } from '../../api/src/engines';

/**
 * The Kafka relay as its own process. It follows the event store the
 * configuration names (TOUCHPOINT_EVENT_STORE and its URL, as for the api) and
 * publishes every domain event to Kafka, resuming from its checkpoint: in the
 * PostgreSQL database for postgres (no local disk needed), otherwise in
 * `${TOUCHPOINT_DATA_DIR}/relay.db`. Safe to kill at any moment: at worst the
 * last batch is published twice.
 *
 *   KAFKA_BROKERS                 required, comma-separated host:port list
 *   TOUCHPOINT_EVENT_STORE, TOUCHPOINT_POSTGRES_URL, TOUCHPOINT_EVENTSTORE_URL, TOUCHPOINT_DATA_DIR: see docs/operations.md
 *   TOUCHPOINT_KAFKA_TOPIC        default touchpoint.events
 *   TOUCHPOINT_KAFKA_PARTITIONS   default 6 (only when the relay creates the topic)
 *   TOUCHPOINT_RELAY_BATCH_SIZE   default 500 events per send + checkpoint
 */

const log = (fields: Record<string, unknown>) => console.log(JSON.stringify({ timestamp: new Date().toISOString(), context: 'relay', ...fields }));

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name} must be a positive integer, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const brokers = (process.env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) {
    console.error('KAFKA_BROKERS is required: a comma-separated list of host:port, e.g. KAFKA_BROKERS=127.0.0.1:19092');
    process.exit(2);
  }
  const config = loadConfigOrExit();
  if (config.TOUCHPOINT_EVENT_STORE === 'memory') {
    console.error('TOUCHPOINT_EVENT_STORE=memory: the relay runs in its own process and cannot see another process\'s memory store; use sqlite, postgres or eventstoredb');
    process.exit(2);
  }
  const dataDir = resolve(config.TOUCHPOINT_DATA_DIR);
  const topic = process.env.TOUCHPOINT_KAFKA_TOPIC || DEFAULT_RELAY_TOPIC;
  const partitions = positiveInt('TOUCHPOINT_KAFKA_PARTITIONS', DEFAULT_RELAY_PARTITIONS);
  const batchSize = positiveInt('TOUCHPOINT_RELAY_BATCH_SIZE', DEFAULT_RELAY_BATCH_SIZE);

  // Through the decrypting wrapper: erased customers' personal fields go out as erased.
  const eventStore = await openEventStore({ ...config, TOUCHPOINT_DATA_DIR: dataDir }, systemClock);
  const checkpoints: RelayCheckpointStore =
    config.TOUCHPOINT_EVENT_STORE === 'postgres'
      ? await PostgresRelayCheckpointStore.connect(config.TOUCHPOINT_POSTGRES_URL!)
      : new SqliteRelayCheckpointStore(join(dataDir, 'relay.db'));
  const kafka = new Kafka({
    clientId: 'touchpoint-relay',
    brokers,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }) =>
        log({ level: level <= logLevel.ERROR ? 'error' : 'warn', msg: entry.message, kafka: entry }),
  });
  let lastLog = 0;
  const relay = new KafkaRelay({
    eventStore,
    checkpoints,
    kafka,
    topic,
    partitions,
    batchSize,
    log,
    onProgress: ({ position, published, skipped }) => {
      if (Date.now() - lastLog > 5000) {
        lastLog = Date.now();
        log({ msg: 'published', position, published, skipped });
      }
    },
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log({ msg: 'stopping', signal, position: relay.position });
    try {
      await relay.stop();
    } finally {
      await eventStore.close();
      await checkpoints.close();
    }
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  await relay.start();
  log({ msg: 'relay running', eventStore: config.TOUCHPOINT_EVENT_STORE, topic, brokers, position: relay.position });
}

main().catch((error) => {
  log({ level: 'error', msg: 'relay crashed', error: describeError(error) });
  process.exit(1);
});
