import { InMemoryEventStore, SqliteEventStore, type EventStore, type SnapshotStore } from '@touchpoint/event-store';
import type { Clock, TouchpointConfig } from '@touchpoint/platform';
import { join } from 'node:path';

export interface Engines {
  eventStore: EventStore;
  snapshots: SnapshotStore;
}

/** Picks the engines named by configuration; the only place that knows the concrete adapters. */
export function createEngines(config: TouchpointConfig, clock: Clock): Engines {
  const now = () => clock.now();
  switch (config.TOUCHPOINT_EVENT_STORE) {
    case 'memory': {
      const store = new InMemoryEventStore(now);
      return { eventStore: store, snapshots: store };
    }
    case 'sqlite': {
      const store = new SqliteEventStore({ filename: join(config.TOUCHPOINT_DATA_DIR, 'events.db'), now });
      return { eventStore: store, snapshots: store };
    }
  }
}
