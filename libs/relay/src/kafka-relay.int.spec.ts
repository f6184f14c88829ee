import { EVENT_SCHEMA_VERSIONS, Upcasters } from '@touchpoint/domain';
import { PostgresEventStore, SqliteEventStore, type EventStore, type RecordedEvent } from '@touchpoint/event-store';
import { freshPostgresDatabase, serverUrl, describeWith } from '@touchpoint/testing';
import Database from 'better-sqlite3';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PostgresRelayCheckpointStore, SqliteRelayCheckpointStore } from './checkpoint-store';
import { type PublishedEvent } from './envelope';
import { KafkaRelay } from './kafka-relay';

const brokers = serverUrl('TOUCHPOINT_TEST_KAFKA_BROKERS', 'Kafka relay');
const PG = serverUrl('TOUCHPOINT_TEST_PG_URL', 'Kafka relay on the PostgreSQL event store');
const ROOT = resolve(__dirname, '../../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `probe` returns true, failing with `what` after `timeoutMs`. */
async function eventually(what: string, probe: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await sleep(everyMs);
  }
}

interface Consumed {
  key: string;
  partition: number;
  offset: number;
  headers: Record<string, string>;
  value: PublishedEvent;
}

const headerStrings = (headers: IHeaders | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? String(v[0]) : String(v)]));

/** Reads the whole topic from the beginning with a fresh consumer group, until every partition's end offset is reached. */
async function consumeAll(kafka: Kafka, topic: string, timeoutMs = 30_000): Promise<Consumed[]> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const total = offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
  const messages: Consumed[] = [];
  const consumer = kafka.consumer({ groupId: `relay-test-${randomUUID()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        messages.push({
          key: message.key!.toString(),
          partition,
          offset: Number(message.offset),
          headers: headerStrings(message.headers),
          value: JSON.parse(message.value!.toString()) as PublishedEvent,
        });
      },
    });
    await eventually(`${total} messages of ${topic} (got ${messages.length})`, () => messages.length >= total, timeoutMs);
  } finally {
    await consumer.disconnect();
  }
  expect(messages).toHaveLength(total);
  // within a partition, in offset order (the order the broker stored them)
  return messages.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** Per key: the event ids in the order of their FIRST arrival, and how many duplicates there were. */
function firstArrivals(messages: Consumed[]): { byKey: Map<string, string[]>; duplicates: number } {
  const seen = new Set<string>();
  const byKey = new Map<string, string[]>();
  let duplicates = 0;
  for (const m of messages) {
    if (seen.has(m.value.eventId)) {
      duplicates++;
      continue;
    }
    seen.add(m.value.eventId);
    const ids = byKey.get(m.key) ?? [];
    ids.push(m.value.eventId);
    byKey.set(m.key, ids);
  }
  return { byKey, duplicates };
}

function idsByStream(log: RecordedEvent[]): Map<string, string[]> {
  const byStream = new Map<string, string[]>();
  for (const e of log) {
    const ids = byStream.get(e.streamId) ?? [];
    ids.push(e.eventId);
    byStream.set(e.streamId, ids);
  }
  return byStream;
}

const metadata = () => ({ actor: 'relay.test', correlationId: `corr-${randomUUID()}`, causationId: randomUUID() });

/** Appends `count` domain events to random streams out of `streams` (1–5 per append). */
async function appendEvents(store: EventStore, streams: string[], count: number): Promise<void> {
  let written = 0;
  while (written < count) {
    const streamId = streams[Math.floor(Math.random() * streams.length)];
    const isDeal = streamId.startsWith('deal-');
    const revision = await store.streamRevision(streamId);
    const n = Math.min(count - written, 1 + Math.floor(Math.random() * 5));
    const events = Array.from({ length: n }, (_, i) => ({
      type: revision + i < 0 ? (isDeal ? 'DealOpened' : 'CustomerRegistered') : isDeal ? 'DealStageChanged' : 'TouchpointRecorded',
      schemaVersion: 1,
      data: { n: revision + 1 + i, occurredAt: new Date().toISOString() },
    }));
    await store.append(streamId, events, { expectedRevision: 'any', metadata: metadata() });
    written += n;
  }
}

describeWith(brokers)('KafkaRelay (real Kafka)', () => {
  const kafka = new Kafka({ clientId: 'relay-test', brokers: (brokers ?? '').split(','), logLevel: logLevel.NOTHING });
  const topics: string[] = [];
  const dirs: string[] = [];
  const children = new Set<ChildProcess>();
  const uniqueTopic = () => {
    const t = `touchpoint.events.test-${randomUUID().slice(0, 8)}`;
    topics.push(t);
    return t;
  };
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'tp-relay-'));
    dirs.push(d);
    return d;
  };

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics, timeout: 10_000 }).catch(() => undefined);
    await admin.disconnect();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('publishes every domain event, keyed by stream, with headers, upcast data and stream order', async () => {
    const dir = tmp();
    const topic = uniqueTopic();
    const store = new SqliteEventStore({ filename: join(dir, 'events.db'), synchronous: 'NORMAL' });
    const checkpoints = new SqliteRelayCheckpointStore(join(dir, 'relay.db'));
    const streams = Array.from({ length: 5 }, (_, i) => (i % 2 ? `deal-${randomUUID()}` : `customer-${randomUUID()}`));
    await appendEvents(store, streams, 120);
    // not a domain event: stays out of the published language, but the checkpoint moves past it
    await store.append('internal-x', [{ type: 'SomethingInternal', schemaVersion: 1, data: {} }], { expectedRevision: 'any', metadata: metadata() });
    await appendEvents(store, streams, 30);
    // pretend DealStageChanged is at v2 today, to see the relay upcast
    const upcasters = new Upcasters([{ type: 'DealStageChanged', fromVersion: 1, upcast: (d) => ({ ...d, upcast: true }) }], { ...EVENT_SCHEMA_VERSIONS, DealStageChanged: 2 });
    const relay = new KafkaRelay({ eventStore: store, checkpoints, kafka, topic, partitions: 3, batchSize: 40, upcasters });
    expect(await relay.ensureTopic()).toBe(true);
    await relay.start();
    expect(await relay.ensureTopic()).toBe(false);
    try {
      const head = await store.headPosition();
      await eventually('relay caught up', () => relay.position === head, 20_000);
      expect(await checkpoints.load('kafka-relay')).toBe(head);
      expect(relay.skipped).toBe(1);

      const admin = kafka.admin();
      await admin.connect();
      const [meta] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      const [configs] = (await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic, configNames: ['retention.ms', 'cleanup.policy'] }] })).resources;
      await admin.disconnect();
      expect(meta.partitions).toHaveLength(3);
      expect(Object.fromEntries(configs.configEntries.map((c) => [c.configName, c.configValue]))).toEqual({ 'retention.ms': '-1', 'cleanup.policy': 'delete' });

      const log = (await store.readAll()).filter((e) => e.type !== 'SomethingInternal');
      const messages = await consumeAll(kafka, topic);
      expect(messages).toHaveLength(log.length);
      const stored = new Map(log.map((e) => [e.eventId, e]));
      const partitionOfKey = new Map<string, number>();
      for (const m of messages) {
        const e = stored.get(m.value.eventId)!;
        expect(m.key).toBe(e.streamId);
        expect(partitionOfKey.get(m.key) ?? m.partition).toBe(m.partition); // one partition per stream
        partitionOfKey.set(m.key, m.partition);
        const upcast = e.type === 'DealStageChanged';
        expect(m.value).toEqual({
          eventId: e.eventId,
          type: e.type,
          schemaVersion: upcast ? 2 : 1,
          streamId: e.streamId,
          streamRevision: e.streamRevision,
          globalPosition: e.globalPosition,
          recordedAt: e.recordedAt,
          data: upcast ? { ...e.data, upcast: true } : e.data,
          metadata: e.metadata,
        });
        expect(m.headers).toEqual({
          'event-type': e.type,
          'event-id': e.eventId,
          'schema-version': upcast ? '2' : '1',
          'correlation-id': e.metadata.correlationId,
          'causation-id': e.metadata.causationId,
          'stream-id': e.streamId,
          'global-position': String(e.globalPosition),
        });
      }
      const { byKey, duplicates } = firstArrivals(messages);
      expect(duplicates).toBe(0);
      expect(byKey).toEqual(idsByStream(log));
    } finally {
      await relay.stop();
      await checkpoints.close();
      await store.close();
    }
  }, 60_000);

  it('survives SIGKILLs of the relay process: no gaps, per-stream order, only duplicates', async () => {
    const started = Date.now();
    const dir = tmp();
    const topic = uniqueTopic();
    const store = new SqliteEventStore({ filename: join(dir, 'events.db'), synchronous: 'NORMAL' });
    const streams = Array.from({ length: 50 }, (_, i) => (i % 2 ? `deal-${randomUUID()}` : `customer-${randomUUID()}`));
    await appendEvents(store, streams, 1200);

    const readCheckpoint = (): number => {
      try {
        const db = new Database(join(dir, 'relay.db'), { readonly: true, fileMustExist: true });
        try {
          const row = db.prepare('SELECT position FROM relay_checkpoints WHERE name = ?').get('kafka-relay') as { position: number } | undefined;
          return row?.position ?? 0;
        } finally {
          db.close();
        }
      } catch {
        return 0; // not created yet
      }
    };
    const output: string[] = [];
    const spawnRelay = (): ChildProcess => {
      const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/relay/src/main.ts'], {
        cwd: ROOT,
        env: {
          ...process.env,
          TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
          KAFKA_BROKERS: brokers,
          TOUCHPOINT_DATA_DIR: dir,
          TOUCHPOINT_KAFKA_TOPIC: topic,
          TOUCHPOINT_KAFKA_PARTITIONS: '6',
          TOUCHPOINT_RELAY_BATCH_SIZE: '20', // small batches: kills land mid-backlog
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.add(child);
      child.stdout!.on('data', (b) => output.push(String(b)));
      child.stderr!.on('data', (b) => output.push(String(b)));
      child.once('exit', () => children.delete(child));
      return child;
    };
    const exited = (child: ChildProcess) =>
      new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => {
        if (child.exitCode !== null || child.signalCode !== null) r({ code: child.exitCode, signal: child.signalCode });
        else child.once('exit', (code, signal) => r({ code, signal }));
      });

    // keep appending while the relay runs, dies and restarts
    let appending = true;
    const appender = (async () => {
      for (let added = 0; appending && added < 1000; added += 5) {
        await appendEvents(store, streams, 5);
        await sleep(40);
      }
    })();

    const kills: { checkpoint: number; head: number }[] = [];
    const KILLS = 4;
    try {
      for (let round = 0; round < KILLS; round++) {
        const before = readCheckpoint();
        const child = spawnRelay();
        await eventually(`relay round ${round} published past ${before}`, () => readCheckpoint() > before, 30_000, 10);
        await sleep(Math.random() * 250);
        child.kill('SIGKILL');
        const { signal } = await exited(child);
        expect(signal).toBe('SIGKILL');
        kills.push({ checkpoint: readCheckpoint(), head: await store.headPosition() });
      }
      appending = false;
      await appender;

      const head = await store.headPosition();
      const last = spawnRelay();
      await eventually('final relay caught up', () => readCheckpoint() === head, 60_000, 50);
      last.kill('SIGTERM');
      expect(await exited(last)).toEqual({ code: 0, signal: null });
    } catch (error) {
      process.stdout.write(`relay output (tail):\n${output.join('').slice(-4000)}\n`);
      throw error;
    } finally {
      appending = false;
      await appender;
    }

    const log = await store.readAll();
    await store.close();
    const messages = await consumeAll(kafka, topic);
    const { byKey, duplicates } = firstArrivals(messages);
    const expected = idsByStream(log);
    // no gaps: every event of the log was published; per stream the first arrivals are in log order
    expect(new Set(messages.map((m) => m.value.eventId)).size).toBe(log.length);
    expect(byKey).toEqual(expected);
    expect(messages.length).toBe(log.length + duplicates);
    // a kill can only repeat the batch that was in flight (TOUCHPOINT_RELAY_BATCH_SIZE=20)
    expect(duplicates).toBeLessThanOrEqual(KILLS * 20);

    process.stdout.write(
      `[relay crash test] events=${log.length} streams=${expected.size} kills=${kills.length} ` +
        `killedAt=${JSON.stringify(kills)} messages=${messages.length} duplicates=${duplicates} seconds=${((Date.now() - started) / 1000).toFixed(1)}\n`,
    );
  }, 120_000);

  describeWith(PG)('on the PostgreSQL event store', () => {
    it('follows the configured store, keeps its checkpoint in PostgreSQL and resumes after a restart without repeats', async () => {
      const db = await freshPostgresDatabase(PG!);
      const dir = tmp();
      const topic = uniqueTopic();
      const store = await PostgresEventStore.connect({ connectionString: db.url });
      const checkpoints = await PostgresRelayCheckpointStore.connect(db.url);
      const streams = Array.from({ length: 10 }, (_, i) => (i % 2 ? `deal-${randomUUID()}` : `customer-${randomUUID()}`));
      const output: string[] = [];
      const runRelayUntilCaughtUp = async () => {
        const head = await store.headPosition();
        const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/relay/src/main.ts'], {
          cwd: ROOT,
          env: {
            ...process.env,
            TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
            KAFKA_BROKERS: brokers,
            TOUCHPOINT_EVENT_STORE: 'postgres',
            TOUCHPOINT_POSTGRES_URL: db.url,
            TOUCHPOINT_DATA_DIR: dir,
            TOUCHPOINT_KAFKA_TOPIC: topic,
            TOUCHPOINT_RELAY_BATCH_SIZE: '50',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        children.add(child);
        child.stdout!.on('data', (b) => output.push(String(b)));
        child.stderr!.on('data', (b) => output.push(String(b)));
        const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => (children.delete(child), r({ code, signal }))));
        await eventually(`relay caught up to ${head}`, async () => (await checkpoints.load('kafka-relay')) === head, 30_000);
        child.kill('SIGTERM');
        expect(await exit).toEqual({ code: 0, signal: null });
      };
      try {
        await appendEvents(store, streams, 200);
        await runRelayUntilCaughtUp();
        await appendEvents(store, streams, 80);
        await runRelayUntilCaughtUp();
        expect(existsSync(join(dir, 'relay.db'))).toBe(false);
        const log = await store.readAll();
        const messages = await consumeAll(kafka, topic);
        const { byKey, duplicates } = firstArrivals(messages);
        expect(messages).toHaveLength(log.length);
        expect(duplicates).toBe(0);
        expect(byKey).toEqual(idsByStream(log));
      } catch (error) {
        process.stdout.write(`relay output (tail):\n${output.join('').slice(-4000)}\n`);
        throw error;
      } finally {
        await checkpoints.close();
        await store.close();
        await db.drop();
      }
    }, 90_000);
  });
});
