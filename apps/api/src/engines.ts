import {
  EncryptingEventStore,
  InMemoryEventStore,
  InMemoryKeyStore,
  PostgresEventStore,
  PostgresKeyStore,
  SqliteEventStore,
  SqliteKeyStore,
  type EventStore,
  type KeyStore,
  type SnapshotStore,
} from '@touchpoint/event-store';
import { PERSONAL_DATA_POLICY } from '@touchpoint/domain';
import { InMemoryReadStore, MongoReadStore, SqliteReadStore, type ReadStore } from '@touchpoint/read-models';
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
export function withEncryption(store: EventStore & SnapshotStore, keys: KeyStore): EncryptingEventStore {
  return new EncryptingEventStore(store, keys, PERSONAL_DATA_POLICY, store);
}

/** The key store, apart from the event log: a PostgreSQL database when configured, else keys.db (memory for throwaway runs). */
export async function createKeyStore(config: Pick<TouchpointConfig, 'TOUCHPOINT_EVENT_STORE' | 'TOUCHPOINT_DATA_DIR' | 'TOUCHPOINT_KEY_STORE_URL'>): Promise<KeyStore> {
  if (config.TOUCHPOINT_KEY_STORE_URL) return PostgresKeyStore.connect(config.TOUCHPOINT_KEY_STORE_URL);
  return config.TOUCHPOINT_EVENT_STORE === 'memory' ? new InMemoryKeyStore() : new SqliteKeyStore(join(config.TOUCHPOINT_DATA_DIR, 'keys.db'));
}

/** Picks the engines named by configuration; the only place that knows the concrete adapters. */
export async function createEngines(config: TouchpointConfig, clock: Clock): Promise<Engines> {
  const now = () => clock.now();
  const readStore =
    config.TOUCHPOINT_READ_STORE === 'memory'
      ? new InMemoryReadStore()
      : config.TOUCHPOINT_READ_STORE === 'mongodb'
        ? await MongoReadStore.connect(config.TOUCHPOINT_MONGO_URL!)
        : new SqliteReadStore(join(config.TOUCHPOINT_DATA_DIR, 'read.db'));
  let raw: EventStore & SnapshotStore;
  switch (config.TOUCHPOINT_EVENT_STORE) {
    case 'memory':
      raw = new InMemoryEventStore(now);
      break;
    case 'sqlite':
      raw = new SqliteEventStore({ filename: join(config.TOUCHPOINT_DATA_DIR, 'events.db'), now });
      break;
    case 'postgres':
      raw = await PostgresEventStore.connect({ connectionString: config.TOUCHPOINT_POSTGRES_URL!, now });
      break;
  }
  const store = withEncryption(raw, await createKeyStore(config));
  return { eventStore: store, snapshots: store, readStore, erasure: store };
}
