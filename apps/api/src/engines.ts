import { InMemoryApiKeyStore, JwtVerifier, PostgresApiKeyStore, SqliteApiKeyStore, type ApiKeyStore } from '@touchpoint/auth';
import { InMemoryEventStore, PostgresEventStore, SqliteEventStore, type EventStore, type SnapshotStore } from '@touchpoint/event-store';
import { InMemoryReadStore, MongoReadStore, SqliteReadStore, type ReadStore } from '@touchpoint/read-models';
import type { Clock, TouchpointConfig } from '@touchpoint/platform';
import { join } from 'node:path';

export interface Engines {
  eventStore: EventStore;
  snapshots: SnapshotStore;
  readStore: ReadStore;
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
  switch (config.TOUCHPOINT_EVENT_STORE) {
    case 'memory': {
      const store = new InMemoryEventStore(now);
      return { eventStore: store, snapshots: store, readStore };
    }
    case 'sqlite': {
      const store = new SqliteEventStore({ filename: join(config.TOUCHPOINT_DATA_DIR, 'events.db'), now });
      return { eventStore: store, snapshots: store, readStore };
    }
    case 'postgres': {
      const store = await PostgresEventStore.connect({ connectionString: config.TOUCHPOINT_POSTGRES_URL!, now });
      return { eventStore: store, snapshots: store, readStore };
    }
  }
}

/** API keys next to the events: a PostgreSQL table, SQLite (auth.db in the data dir), or memory for the all-in-memory setup. */
export async function createApiKeyStore(config: TouchpointConfig): Promise<ApiKeyStore> {
  switch (config.TOUCHPOINT_EVENT_STORE) {
    case 'memory':
      return new InMemoryApiKeyStore();
    case 'postgres':
      return PostgresApiKeyStore.connect(config.TOUCHPOINT_POSTGRES_URL!);
    default:
      return new SqliteApiKeyStore(join(config.TOUCHPOINT_DATA_DIR, 'auth.db'));
  }
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
