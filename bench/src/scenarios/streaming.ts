import { AggregateRunner } from '@touchpoint/application';
import { SqliteReadStore } from '@touchpoint/read-models';
import { MemoryRelayCheckpointStore, KafkaRelay, waitForTopicLeaders } from '@touchpoint/relay';
import { loadConfig, systemClock } from '@touchpoint/platform';
import { Kafka, logLevel, Partitioners, type Message } from 'kafkajs';
import { join } from 'node:path';
import { createProjector } from '../../../apps/api/src/app.module';
import type { BenchContext, Scenario } from '../context';
import { appendGenerated, generateDataset } from '../dataset';
import { Rng } from '../prng';
import { LatencyRecorder, peakRssMiB, resetPeakRss, type MeasuredRow } from '../stats';
import { openAppEventStore } from '../stores';
import { registerCommand, runCustomerCommand, touchpointCommand } from './commands';

const kafkaClient = (brokers: string) => new Kafka({ clientId: 'touchpoint-bench', brokers: brokers.split(','), logLevel: logLevel.NOTHING });

/** Command accepted (append resolved) → the in-process projector has stored it in the read models. */
export const freshnessEmbedded: Scenario = async (ctx) => {
  const dir = ctx.dir('freshness');
  const store = await openAppEventStore(dir);
  const readStore = new SqliteReadStore(join(dir, 'read.db'), { writerThread: true }); // as engines.ts opens it
  const projector = createProjector({ config: loadConfig({ TOUCHPOINT_DATA_DIR: dir }), engines: { eventStore: store, readStore }, clock: systemClock });
  const runner = new AggregateRunner(store, store);
  const rng = new Rng(9);
  const customers = Array.from({ length: 20 }, () => rng.uuid());
  await projector.start();
  try {
    await Promise.all(customers.map((id, i) => runCustomerCommand(runner, id, registerCommand(id, i), i)));
    resetPeakRss();
    const latency = new LatencyRecorder();
    const started = process.hrtime.bigint();
    for (let i = 0; i < ctx.sizes.freshness; i++) {
      const id = customers[i % customers.length];
      const result = await runCustomerCommand(runner, id, touchpointCommand(id, rng), i);
      const accepted = process.hrtime.bigint();
      if (!(await projector.waitFor(result.globalPosition, 5000))) throw new Error(`position ${result.globalPosition} not projected within 5 s`);
      latency.recordMs(Number(process.hrtime.bigint() - accepted) / 1e6);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return [
      {
        id: 'freshness.embedded',
        title: 'accepted → in read models (projector in process)',
        kind: 'scenario',
        engine: 'sqlite',
        ops: ctx.sizes.freshness,
        seconds,
        throughput: ctx.sizes.freshness / seconds,
        unit: 'cmd/s',
        latencyMs: latency.summary(),
        peakRssMiB: peakRssMiB(),
        targets: [{ description: 'p99 ≤ 50 ms', metric: 'p99', comparison: 'atMost', threshold: 50 }],
      },
    ];
  } finally {
    await projector.stop();
    await runner.close();
    await store.close();
    await readStore.close();
  }
};

/** Command accepted → consumed from Kafka through the real relay; relay throughput vs raw kafkajs produce. */
export const kafka: Scenario = async (ctx) => {
  if (!ctx.urls.kafka) return [];
  return [...(await kafkaThroughput(ctx, ctx.urls.kafka)), await kafkaFreshness(ctx, ctx.urls.kafka)];
};

async function kafkaThroughput(ctx: BenchContext, brokers: string): Promise<MeasuredRow[]> {
  const store = await openAppEventStore(ctx.dir('relay'));
  const client = kafkaClient(brokers);
  const suffix = Date.now().toString(36);
  const relay = new KafkaRelay({ eventStore: store, checkpoints: new MemoryRelayCheckpointStore(), kafka: client, topic: `bench.relay.${suffix}` });
  try {
    await appendGenerated(store, generateDataset({ seed: 11, customers: 200, events: ctx.sizes.kafkaEvents, whaleEvents: 0 }));
    const head = await store.headPosition();

    // Raw floor: the same messages, produced in batches of 500 with the relay's producer settings.
    const messages: Message[] = [];
    for (let after = 0; ; ) {
      const page = await store.readAll({ after, maxCount: 5000 });
      if (!page.length) break;
      messages.push(...page.map((e) => relay.toMessage(e)));
      after = page[page.length - 1].globalPosition;
    }
    const rawTopic = `bench.raw.${suffix}`;
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: false, topics: [{ topic: rawTopic, numPartitions: 6 }] });
    await waitForTopicLeaders(admin, rawTopic);
    const producer = client.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    resetPeakRss();
    let started = process.hrtime.bigint();
    for (let i = 0; i < messages.length; i += 500) await producer.send({ topic: rawTopic, acks: -1, messages: messages.slice(i, i + 500) });
    let seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await producer.disconnect();
    const raw: MeasuredRow = { id: 'raw.kafka.produce', title: 'raw kafkajs produce, 500/batch, acks=all', kind: 'baseline', engine: 'kafka', ops: messages.length, seconds, throughput: messages.length / seconds, unit: 'msgs/s', peakRssMiB: peakRssMiB() };

    resetPeakRss();
    const bar = ctx.progress('kafka relay', head);
    const caughtUp = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        bar.update(relay.position);
        if (relay.position >= head) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    started = process.hrtime.bigint();
    await relay.start();
    await caughtUp;
    seconds = Number(process.hrtime.bigint() - started) / 1e9;
    bar.stop();
    await relay.stop();
    await admin.deleteTopics({ topics: [rawTopic, relay.topic] }).catch(() => undefined);
    await admin.disconnect();
    return [
      raw,
      { id: 'kafka.relay', title: 'KafkaRelay: log → topic (checkpointed)', kind: 'scenario', engine: 'kafka', ops: relay.published, seconds, throughput: relay.published / seconds, unit: 'msgs/s', peakRssMiB: peakRssMiB(), compareTo: { id: 'raw.kafka.produce', metric: 'throughput' } },
    ];
  } finally {
    await relay.stop().catch(() => undefined);
    await store.close();
  }
}

async function kafkaFreshness(ctx: BenchContext, brokers: string): Promise<MeasuredRow> {
  const store = await openAppEventStore(ctx.dir('kafka-fresh'));
  const client = kafkaClient(brokers);
  const topic = `bench.fresh.${Date.now().toString(36)}`;
  const relay = new KafkaRelay({ eventStore: store, checkpoints: new MemoryRelayCheckpointStore(), kafka: client, topic });
  const consumer = client.consumer({ groupId: `${topic}.consumer`, maxWaitTimeInMs: 10 });
  const seen = new Map<string, () => void>();
  const arrived = new Set<string>();
  const runner = new AggregateRunner(store, store);
  const rng = new Rng(10);
  try {
    await relay.start();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const id = message.headers?.['event-id']?.toString() ?? '';
        arrived.add(id);
        seen.get(id)?.();
      },
    });
    const id = rng.uuid();
    // The first message also waits for the consumer group to join: not part of the measurement.
    const first = await runCustomerCommand(runner, id, registerCommand(id, 0), 0);
    await waitFor(first.events[0].eventId, seen, arrived, 60_000);
    const count = Math.max(20, Math.floor(ctx.sizes.freshness / 2));
    resetPeakRss();
    const latency = new LatencyRecorder();
    const started = process.hrtime.bigint();
    for (let i = 1; i <= count; i++) {
      const result = await runCustomerCommand(runner, id, touchpointCommand(id, rng), i);
      const accepted = process.hrtime.bigint();
      await waitFor(result.events[0].eventId, seen, arrived, 10_000);
      latency.recordMs(Number(process.hrtime.bigint() - accepted) / 1e6);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { id: 'freshness.kafka', title: 'accepted → consumed from Kafka (relay)', kind: 'scenario', engine: 'kafka', ops: count, seconds, throughput: count / seconds, unit: 'cmd/s', latencyMs: latency.summary(), peakRssMiB: peakRssMiB() };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await relay.stop().catch(() => undefined);
    const admin = client.admin();
    await admin.connect().then(() => admin.deleteTopics({ topics: [topic] })).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await runner.close();
    await store.close();
  }
}

function waitFor(eventId: string, seen: Map<string, () => void>, arrived: Set<string>, timeoutMs: number): Promise<void> {
  if (arrived.has(eventId)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`event ${eventId} not consumed from Kafka within ${timeoutMs} ms`)), timeoutMs);
    seen.set(eventId, () => {
      clearTimeout(timer);
      seen.delete(eventId);
      resolve();
    });
  });
}
