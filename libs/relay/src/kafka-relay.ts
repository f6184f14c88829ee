import { EVENT_SCHEMA_VERSIONS, UPCASTERS, Upcasters, isDomainEventType } from '@touchpoint/domain';
import { publishedEvent } from './envelope';
import type { EventStore, RecordedEvent, Subscription } from '@touchpoint/event-store';
import { describeError } from '@touchpoint/platform';
import { Kafka, Partitioners, type Admin, type Message, type Producer } from 'kafkajs';
import type { RelayCheckpointStore } from './checkpoint-store';

/**
 * Publishes the domain events of the stored log to Kafka — the published
 * language described in docs/asyncapi.yaml.
 *
 * Delivery is at-least-once and never in-process: the relay follows the global
 * log from its stored checkpoint, sends a batch and waits for the broker's
 * acknowledgement (acks = all, idempotent producer, one request in flight),
 * and only then stores the batch's last global position. A crash between the
 * send and the checkpoint re-sends that batch on restart (duplicates, which
 * consumers drop by `eventId`), but never skips an event. Every message is keyed
 * by stream id, so all events of one customer or deal land in one partition in
 * stream order.
 */

export const DEFAULT_RELAY_TOPIC = 'touchpoint.events';
/** Partitions of the topic when the relay creates it. More partitions = more consumer parallelism; changing it later remaps keys. */
export const DEFAULT_RELAY_PARTITIONS = 6;
/** -1: keep forever. The topic is a replayable public history; consumers may start from the beginning at any time. */
export const DEFAULT_RELAY_RETENTION_MS = -1;
export const DEFAULT_RELAY_BATCH_SIZE = 500;
export const DEFAULT_RELAY_NAME = 'kafka-relay';

export type RelayLog = (fields: Record<string, unknown>) => void;

export interface KafkaRelayOptions {
  eventStore: EventStore;
  checkpoints: RelayCheckpointStore;
  kafka: Kafka;
  /** checkpoint name; one per relay/topic pair */
  name?: string;
  topic?: string;
  /** used only when ensureTopic() creates the topic */
  partitions?: number;
  replicationFactor?: number;
  retentionMs?: number;
  /** events read from the log, sent and checkpointed together */
  batchSize?: number;
  upcasters?: Upcasters;
  /** wait before retrying after Kafka or the store failed */
  retryDelayMs?: number;
  log?: RelayLog;
  /** called after each checkpoint */
  onProgress?: (progress: { position: number; published: number; skipped: number }) => void;
}

export class KafkaRelay {
  readonly name: string;
  readonly topic: string;
  private readonly partitions: number;
  private readonly replicationFactor: number;
  private readonly retentionMs: number;
  private readonly batchSize: number;
  private readonly upcasters: Upcasters;
  private readonly retryDelayMs: number;
  private readonly log: RelayLog;
  private producer: Producer | undefined;
  private subscription: Subscription | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private running = false;
  private _position = 0;
  private _published = 0;
  private _skipped = 0;
  private _lastError: unknown;

  constructor(private readonly options: KafkaRelayOptions) {
    this.name = options.name ?? DEFAULT_RELAY_NAME;
    this.topic = options.topic ?? DEFAULT_RELAY_TOPIC;
    this.partitions = options.partitions ?? DEFAULT_RELAY_PARTITIONS;
    this.replicationFactor = options.replicationFactor ?? 1;
    this.retentionMs = options.retentionMs ?? DEFAULT_RELAY_RETENTION_MS;
    this.batchSize = options.batchSize ?? DEFAULT_RELAY_BATCH_SIZE;
    this.upcasters = options.upcasters ?? new Upcasters(UPCASTERS, EVENT_SCHEMA_VERSIONS);
    this.retryDelayMs = options.retryDelayMs ?? 2000;
    this.log = options.log ?? (() => undefined);
  }

  /** Last global position delivered and checkpointed. */
  get position(): number {
    return this._position;
  }
  /** Messages sent by this process (duplicates after a crash included). */
  get published(): number {
    return this._published;
  }
  /** Events of the log that are not domain events (not part of the published language). */
  get skipped(): number {
    return this._skipped;
  }
  get lastError(): unknown {
    return this._lastError;
  }

  /** Creates the topic (partitions, retention, cleanup.policy=delete) unless it exists. Returns true when created. */
  async ensureTopic(): Promise<boolean> {
    const admin: Admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const existing = await admin.listTopics();
      if (existing.includes(this.topic)) return false;
      // Leaders are awaited below: kafkajs's own wait gives up on the "unknown topic" a KRaft broker answers
      // for a moment after the creation (tulios/kafkajs#1563).
      const created = await admin.createTopics({
        waitForLeaders: false,
        topics: [
          {
            topic: this.topic,
            numPartitions: this.partitions,
            replicationFactor: this.replicationFactor,
            configEntries: [
              { name: 'retention.ms', value: String(this.retentionMs) },
              { name: 'cleanup.policy', value: 'delete' },
            ],
          },
        ],
      });
      await waitForTopicLeaders(admin, this.topic);
      if (created) this.log({ msg: 'topic created', topic: this.topic, partitions: this.partitions, retentionMs: this.retentionMs });
      return created;
    } finally {
      await admin.disconnect();
    }
  }

  /** Ensures the topic, connects, and follows the log from the stored checkpoint. */
  async start(): Promise<void> {
    if (this.running) return;
    await this.ensureTopic();
    this._position = await this.options.checkpoints.load(this.name);
    await this.connectProducer();
    this.running = true;
    this.subscribe();
    this.log({ msg: 'relay started', name: this.name, topic: this.topic, position: this._position });
  }

  /** Finishes the batch in hand (sent and checkpointed), then disconnects. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.subscription?.stop();
    this.subscription = undefined;
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = undefined;
    this.log({ msg: 'relay stopped', name: this.name, position: this._position, published: this._published });
  }

  /** The Kafka message for one stored event. */
  toMessage(event: RecordedEvent): Message {
    const value = publishedEvent(event, this.upcasters);
    const headers: Record<string, string> = {
      'event-type': event.type,
      'event-id': event.eventId,
      'schema-version': String(value.schemaVersion),
      'stream-id': event.streamId,
      'global-position': String(event.globalPosition),
    };
    if (event.metadata?.correlationId) headers['correlation-id'] = String(event.metadata.correlationId);
    if (event.metadata?.causationId) headers['causation-id'] = String(event.metadata.causationId);
    const recordedAtMs = Date.parse(event.recordedAt);
    return {
      key: event.streamId,
      value: JSON.stringify(value),
      headers,
      ...(Number.isFinite(recordedAtMs) ? { timestamp: String(recordedAtMs) } : {}),
    };
  }

  private async connectProducer(): Promise<void> {
    this.producer = this.options.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // murmur2 on the key, as the Java client: the same stream lands in the same partition for every producer
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await this.producer.connect();
  }

  private subscribe(): void {
    const subscription = this.options.eventStore.subscribeToAll({ after: this._position, batchSize: this.batchSize }, (batch) => this.publish(batch));
    this.subscription = subscription;
    subscription.done.then(
      () => undefined,
      (error) => {
        if (!this.running) return;
        this._lastError = error;
        this.log({ level: 'error', msg: 'relay failed; retrying from the checkpoint', position: this._position, error: describeError(error), retryInMs: this.retryDelayMs });
        this.retryTimer = setTimeout(() => void this.restart(), this.retryDelayMs);
      },
    );
  }

  /** After a failure: a fresh producer (its sequence numbers may be out of step), then resume from the stored checkpoint. */
  private async restart(): Promise<void> {
    if (!this.running) return;
    try {
      await this.producer?.disconnect().catch(() => undefined);
      this._position = await this.options.checkpoints.load(this.name);
      await this.connectProducer();
      if (!this.running) return;
      this._lastError = undefined;
      this.subscribe();
      this.log({ msg: 'relay resumed', position: this._position });
    } catch (error) {
      this._lastError = error;
      this.log({ level: 'error', msg: 'relay restart failed', error: describeError(error), retryInMs: this.retryDelayMs });
      if (this.running) this.retryTimer = setTimeout(() => void this.restart(), this.retryDelayMs);
    }
  }

  private async publish(batch: RecordedEvent[]): Promise<void> {
    if (batch.length === 0) return;
    const messages: Message[] = [];
    let skipped = 0;
    for (const event of batch) {
      if (isDomainEventType(event.type)) messages.push(this.toMessage(event));
      else skipped++;
    }
    const producer = this.producer;
    if (!producer) throw new Error('relay is not connected');
    // 1. send and wait for every partition leader's acknowledgement (acks = all)
    if (messages.length > 0) await producer.send({ topic: this.topic, acks: -1, messages });
    // 2. only then remember how far we got: a crash in between re-sends, never skips
    const last = batch[batch.length - 1].globalPosition;
    await this.options.checkpoints.save(this.name, last);
    this._position = last;
    this._published += messages.length;
    this._skipped += skipped;
    this.options.onProgress?.({ position: last, published: this._published, skipped: this._skipped });
  }
}

/**
 * Polls a new topic's metadata until it has partitions and each has a leader. Right after the creation a KRaft
 * broker may answer that it does not know the topic, which kafkajs's own wait (`waitForLeaders`) does not retry.
 */
export async function waitForTopicLeaders(admin: Admin, topic: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const [meta] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      if (meta && meta.partitions.length > 0 && meta.partitions.every((p) => p.leader >= 0)) return;
    } catch (error) {
      const type = (error as { type?: string }).type;
      if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE') throw error;
    }
    if (Date.now() > deadline) throw new Error(`topic ${topic}: no leader for every partition after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
