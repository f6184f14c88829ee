import { PostgresKeyStore, SqliteEventStore, SqliteKeyStore } from '@touchpoint/event-store';
import { Kafka, logLevel } from 'kafkajs';
import { join, resolve } from 'node:path';
import { SqliteRelayCheckpointStore } from '../../../libs/relay/src/checkpoint-store';
import { withEncryption } from '../../api/src/engines';
import { DEFAULT_RELAY_BATCH_SIZE, DEFAULT_RELAY_PARTITIONS, DEFAULT_RELAY_TOPIC, KafkaRelay } from '../../../libs/relay/src/kafka-relay';

/**
 * The Kafka relay as its own process. It follows `${TOUCHPOINT_DATA_DIR}/events.db`
 * and publishes every domain event to Kafka, resuming from its checkpoint in
 * `${TOUCHPOINT_DATA_DIR}/relay.db`. Safe to kill at any moment: at worst the
 * last batch is published twice.
 *
 *   KAFKA_BROKERS                 required, comma-separated host:port list
 *   TOUCHPOINT_DATA_DIR           default ./data
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
  const dataDir = resolve(process.env.TOUCHPOINT_DATA_DIR || './data');
  const topic = process.env.TOUCHPOINT_KAFKA_TOPIC || DEFAULT_RELAY_TOPIC;
  const partitions = positiveInt('TOUCHPOINT_KAFKA_PARTITIONS', DEFAULT_RELAY_PARTITIONS);
  const batchSize = positiveInt('TOUCHPOINT_RELAY_BATCH_SIZE', DEFAULT_RELAY_BATCH_SIZE);

  // Through the decrypting wrapper: erased customers' personal fields go out as erased.
  const keys = process.env.TOUCHPOINT_KEY_STORE_URL ? await PostgresKeyStore.connect(process.env.TOUCHPOINT_KEY_STORE_URL) : new SqliteKeyStore(join(dataDir, 'keys.db'));
  const eventStore = withEncryption(new SqliteEventStore({ filename: join(dataDir, 'events.db') }), keys);
  const checkpoints = new SqliteRelayCheckpointStore(join(dataDir, 'relay.db'));
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
  log({ msg: 'relay running', dataDir, topic, brokers, position: relay.position });
}

main().catch((error) => {
  log({ level: 'error', msg: 'relay crashed', error: String(error), stack: error instanceof Error ? error.stack : undefined });
  process.exit(1);
});
