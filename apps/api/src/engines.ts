import { InMemoryApiKeyStore, JwtVerifier, PostgresApiKeyStore, SqliteApiKeyStore, type ApiKeyStore } from '@touchpoint/auth';
import {
  EncryptingEventStore,
  EventStoreDbEventStore,
  InMemoryCheckpointStore,
  InMemoryEventStore,
  InMemoryKeyStore,
  PostgresCheckpointStore,
  PostgresEventStore,
  PostgresKeyStore,
  SqliteCheckpointStore,
  SqliteEventStore,
  SqliteKeyStore,
  type CheckpointStore,
  type EventStore,
  type KeyStore,
  type SnapshotStore,
} from '@touchpoint/event-store';
import { PERSONAL_DATA_POLICY } from '@touchpoint/domain';
import { InMemoryReadStore, MongoReadStore, SqliteReadStore, type ReadStore } from '@touchpoint/read-models';
import { MemoryBlindIndex, PostgresBlindIndex, SqliteBlindIndex, type BlindIndexStore } from '@touchpoint/identity';
import type { Clock, TouchpointConfig } from '@touchpoint/platform';
import { join } from 'node:path';

export interface Engines {
  /** always the encrypting wrapper: personal fields are sealed with per-customer keys */
  eventStore: EventStore;
  snapshots: SnapshotStore;
  readStore: ReadStore;
  /** destroys a customer's data key (crypto-shredding) */
  erasure: Erasure;
}

export interface Erasure {
  erase(customerId: string, at: string): Promise<void>;
}

/** Every event store is used through the encrypting wrapper, whoever opens it (API, projector, CLI, relay). */
export function withEncryption(store: EventStore & SnapshotStore, keys: KeyStore, threadMinEvents?: number): EncryptingEventStore {
  return new EncryptingEventStore(store, keys, PERSONAL_DATA_POLICY, store, { threadMinEvents });
}

/** The key store, apart from the event log: a PostgreSQL database when configured, else keys.db (memory for throwaway runs). */
export async function createKeyStore(config: Pick<TouchpointConfig, 'TOUCHPOINT_EVENT_STORE' | 'TOUCHPOINT_DATA_DIR' | 'TOUCHPOINT_KEY_STORE_URL'>): Promise<KeyStore> {
  if (config.TOUCHPOINT_KEY_STORE_URL) return PostgresKeyStore.connect(config.TOUCHPOINT_KEY_STORE_URL);
  return config.TOUCHPOINT_EVENT_STORE === 'memory' ? new InMemoryKeyStore() : new SqliteKeyStore(join(config.TOUCHPOINT_DATA_DIR, 'keys.db'));
}

/** Where signed audit checkpoints are kept: beside the chained log's engine (none for EventStoreDB, which keeps no hash chains). */
export async function createCheckpointStore(config: Pick<TouchpointConfig, 'TOUCHPOINT_EVENT_STORE' | 'TOUCHPOINT_DATA_DIR' | 'TOUCHPOINT_POSTGRES_URL'>): Promise<CheckpointStore | null> {
  switch (config.TOUCHPOINT_EVENT_STORE) {
    case 'memory':
      return new InMemoryCheckpointStore();
    case 'sqlite':
      return new SqliteCheckpointStore(join(config.TOUCHPOINT_DATA_DIR, 'checkpoints.db'));
    case 'postgres':
      return PostgresCheckpointStore.connect(config.TOUCHPOINT_POSTGRES_URL!);
    case 'eventstoredb':
      return null;
  }
}

/** The event store named by configuration (api, projector, relay and CLI share it); every adapter is also its snapshot store. */
export async function createEventStore(config: TouchpointConfig, clock: Clock): Promise<EventStore & SnapshotStore> {
  const now = () => clock.now();
  switch (config.TOUCHPOINT_EVENT_STORE) {
    case 'memory':
      return new InMemoryEventStore(now);
    case 'sqlite':
      return new SqliteEventStore({ filename: join(config.TOUCHPOINT_DATA_DIR, 'events.db'), now, backgroundCheckpoints: true, writerThread: true });
    case 'postgres':
      return PostgresEventStore.connect({ connectionString: config.TOUCHPOINT_POSTGRES_URL!, now });
    case 'eventstoredb':
      return EventStoreDbEventStore.connect({ connectionString: config.TOUCHPOINT_EVENTSTORE_URL!, now });
  }
}

/** The configured event store behind the encrypting wrapper: what every process (api, projector, CLI, relay) reads and writes through. */
export async function openEventStore(config: TouchpointConfig, clock: Clock): Promise<EncryptingEventStore> {
  return withEncryption(await createEventStore(config, clock), await createKeyStore(config), config.TOUCHPOINT_DECRYPT_THREAD_MIN_EVENTS);
}

/** Picks the engines named by configuration; the only place that knows the concrete adapters. */
export async function createEngines(config: TouchpointConfig, clock: Clock): Promise<Engines> {
  const readStore =
    config.TOUCHPOINT_READ_STORE === 'memory'
      ? new InMemoryReadStore()
      : config.TOUCHPOINT_READ_STORE === 'mongodb'
        ? await MongoReadStore.connect(config.TOUCHPOINT_MONGO_URL!)
        : new SqliteReadStore(join(config.TOUCHPOINT_DATA_DIR, 'read.db'), { writerThread: true });
  const store = await openEventStore(config, clock);
  return { eventStore: store, snapshots: store, readStore, erasure: store };
}

/** API keys: a PostgreSQL table (TOUCHPOINT_KEY_STORE_URL, else the postgres event store's database), SQLite (auth.db in the data dir), or memory for the all-in-memory setup. */
export async function createApiKeyStore(config: TouchpointConfig): Promise<ApiKeyStore> {
  if (config.TOUCHPOINT_EVENT_STORE === 'memory') return new InMemoryApiKeyStore();
  // Shared by every process when a PostgreSQL database is at hand (the key store's, else the event store's).
  const url = config.TOUCHPOINT_KEY_STORE_URL ?? (config.TOUCHPOINT_EVENT_STORE === 'postgres' ? config.TOUCHPOINT_POSTGRES_URL : undefined);
  return url ? PostgresApiKeyStore.connect(url) : new SqliteApiKeyStore(join(config.TOUCHPOINT_DATA_DIR, 'auth.db'));
}

/** The blind index of matching keys, beside the key store: its PostgreSQL database (else the postgres event store's), SQLite (blind-index.db), or memory. */
export async function createBlindIndexStore(config: TouchpointConfig): Promise<BlindIndexStore> {
  if (config.TOUCHPOINT_EVENT_STORE === 'memory') return new MemoryBlindIndex();
  const url = config.TOUCHPOINT_KEY_STORE_URL ?? (config.TOUCHPOINT_EVENT_STORE === 'postgres' ? config.TOUCHPOINT_POSTGRES_URL : undefined);
  return url ? PostgresBlindIndex.connect(url) : new SqliteBlindIndex(join(config.TOUCHPOINT_DATA_DIR, 'blind-index.db'));
}

/** The JWT verifier when an IdP is configured. */
export async function createJwtVerifier(config: TouchpointConfig): Promise<JwtVerifier | undefined> {
  if (!config.TOUCHPOINT_JWT_ISSUER || !config.TOUCHPOINT_JWT_AUDIENCE) return undefined;
  return JwtVerifier.create({
    issuer: config.TOUCHPOINT_JWT_ISSUER,
    audience: config.TOUCHPOINT_JWT_AUDIENCE,
    jwksUrl: config.TOUCHPOINT_JWT_JWKS_URL,
    publicKey: config.TOUCHPOINT_JWT_PUBLIC_KEY,
    secret: config.TOUCHPOINT_JWT_SECRET,
    rolesClaim: config.TOUCHPOINT_JWT_ROLES_CLAIM,
  });
}
