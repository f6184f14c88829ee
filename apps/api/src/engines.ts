import { EventStoreDbEventStore, InMemoryEventStore, PostgresEventStore, SqliteEventStore, type EventStore, type SnapshotStore } from '@touchpoint/event-store';
import { InMemoryReadStore, MongoReadStore, SqliteReadStore, type ReadStore } from '@touchpoint/read-models';
import type { Clock, TouchpointConfig } from '@touchpoint/platform';
import { join } from 'node:path';

export interface Engines {
  eventStore: EventStore;
  snapshots: SnapshotStore;
  readStore: ReadStore;
}

/** The event store named by configuration (api, projector, relay and CLI share it); every adapter is also its snapshot store. */
export async function createEventStore(config: TouchpointConfig, clock: Clock): Promise<EventStore & SnapshotStore> {
  const now = () => clock.now();
  switch (config.TOUCHPOINT_EVENT_STORE) {
    case 'memory':
      return new InMemoryEventStore(now);
    case 'sqlite':
      return new SqliteEventStore({ filename: join(config.TOUCHPOINT_DATA_DIR, 'events.db'), now });
    case 'postgres':
      return PostgresEventStore.connect({ connectionString: config.TOUCHPOINT_POSTGRES_URL!, now });
    case 'eventstoredb':
      return EventStoreDbEventStore.connect({ connectionString: config.TOUCHPOINT_EVENTSTORE_URL!, now });
  }
}

/** Picks the engines named by configuration; the only place that knows the concrete adapters. */
export async function createEngines(config: TouchpointConfig, clock: Clock): Promise<Engines> {
  const readStore =
    config.TOUCHPOINT_READ_STORE === 'memory'
      ? new InMemoryReadStore()
      : config.TOUCHPOINT_READ_STORE === 'mongodb'
        ? await MongoReadStore.connect(config.TOUCHPOINT_MONGO_URL!)
        : new SqliteReadStore(join(config.TOUCHPOINT_DATA_DIR, 'read.db'));
  const store = await createEventStore(config, clock);
  return { eventStore: store, snapshots: store, readStore };
}
