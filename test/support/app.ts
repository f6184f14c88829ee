import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { InMemoryEventStore, PostgresEventStore, SqliteEventStore, type EncryptingEventStore, type EventStore, type SnapshotStore } from '@touchpoint/event-store';
import { InMemoryReadStore, MongoReadStore, SqliteReadStore, type ReadStore } from '@touchpoint/read-models';
import { loadConfig } from '@touchpoint/platform';
import { InMemoryApiKeyStore, issueApiKey, ROLES, type ApiKeyStore, type Role } from '@touchpoint/auth';
import { FixedClock, SequentialIds, freshPostgresDatabase, seededBytes } from '@touchpoint/testing';
import { MongoClient } from 'mongodb';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../apps/api/src/app.factory';
import { createKeyStore, withEncryption } from '../../apps/api/src/engines';
import { createWebhookInfrastructure, type WebhookInfrastructure } from '../../apps/api/src/webhooks/webhooks.infrastructure';

export interface TestApp {
  app: NestFastifyApplication;
  /** supertest target */
  http: ReturnType<NestFastifyApplication['getHttpServer']>;
  /** the event store as the app uses it (decrypting wrapper) */
  store: EncryptingEventStore;
  /** the adapter underneath, as stored (personal fields sealed) */
  rawStore: EventStore;
  readStore: ReadStore;
  clock: FixedClock;
  ids: SequentialIds;
  /** the throwaway TOUCHPOINT_DATA_DIR (events.db, read.db, keys) */
  dataDir: string;
  apiKeyStore: ApiKeyStore;
  /** one active API key per role (secret), created before start */
  keys: Record<Role, string>;
  /** the webhook delivery state, secrets and address policy the app uses (a test's dispatcher shares them) */
  webhooks: WebhookInfrastructure;
  /** `Authorization` header value for a role */
  bearer(role: Role): string;
  close(): Promise<void>;
}

export type TestEngine = 'memory' | 'sqlite';

let realServers: { postgres: string; mongo: string } | undefined;

/**
 * From now on, every `startTestApp` in this test file runs on a fresh
 * PostgreSQL database and a fresh MongoDB database instead of the engine it
 * asks for: test/real-engines/*.int.spec.ts call this and then load shared
 * e2e scenarios, so the same assertions run on the production engines.
 */
export function useRealEngines(servers: { postgres: string; mongo: string }): void {
  realServers = servers;
}

/** The engines a scenario file loops over: its own list, or the one real pair under `useRealEngines`. */
export const scenarioEngines = (engines: TestEngine[]): string[] => (realServers ? ['postgres+mongodb'] : engines);

/**
 * The real application over HTTP with injected clock and ids.
 * `engine: 'sqlite'` uses a throwaway data dir; `memory` is the fastest.
 * `auth: 'off'` (the default here, for suites about behaviour) trusts X-Actor; `required` is production's default
 * and what the security suites use, with one key per role in `keys`. Rate limiting is off unless `env` sets it.
 * Logs are off unless `logs: true` (then at LOG_LEVEL, to stdout/stderr as in production).
 */
export async function startTestApp(options: { engine?: TestEngine | string; auth?: 'off' | 'required'; env?: Record<string, string>; readStore?: ReadStore; logs?: boolean } = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'tp-e2e-'));
  const engine = options.engine === 'sqlite' ? 'sqlite' : 'memory';
  const clock = new FixedClock(new Date('2026-03-02T10:00:00.000Z'));
  const ids = new SequentialIds();
  const now = () => clock.now();
  let rawStore: EventStore & SnapshotStore;
  let readStore: ReadStore;
  let teardown = async () => undefined as void;
  const env: Record<string, string> = { TOUCHPOINT_DATA_DIR: dir, TOUCHPOINT_EVENT_STORE: engine, TOUCHPOINT_READ_STORE: engine, TOUCHPOINT_SEGMENT_EVERY_MS: '0', TOUCHPOINT_FOLLOW_UP_CHECK_EVERY_MS: '0', TOUCHPOINT_AUTH: options.auth ?? 'off', TOUCHPOINT_DEV_MODE: 'false', TOUCHPOINT_RATE_LIMIT_MAX: '0' };
  if (realServers) {
    const { mongo } = realServers;
    const pg = await freshPostgresDatabase(realServers.postgres);
    const mongoDb = `tp_e2e_${randomBytes(6).toString('hex')}`;
    // The MongoDB wire server here (mongo-java-server) is single-threaded and slow per write, and the projector writes
    // every projection's checkpoint per batch: reads wait longer for it than on the embedded engines (tests that
    // measure the wait set their own).
    Object.assign(env, { TOUCHPOINT_EVENT_STORE: 'postgres', TOUCHPOINT_POSTGRES_URL: pg.url, TOUCHPOINT_READ_STORE: 'mongodb', TOUCHPOINT_MONGO_URL: mongo, TOUCHPOINT_CONSISTENCY_WAIT_MS: '15000' });
    rawStore = await PostgresEventStore.connect({ connectionString: pg.url, now });
    readStore = await MongoReadStore.connect(mongo, mongoDb);
    teardown = async () => {
      await pg.drop();
      const admin = new MongoClient(mongo);
      await admin.db(mongoDb).dropDatabase().finally(() => admin.close());
    };
  } else {
    // SQLite as the app opens it (engines.ts): commits, read-model writes and WAL checkpoints on threads of their own.
    rawStore = engine === 'sqlite' ? new SqliteEventStore({ filename: join(dir, 'events.db'), now, writerThread: true, backgroundCheckpoints: true }) : new InMemoryEventStore(now);
    readStore = options.readStore ?? (engine === 'sqlite' ? new SqliteReadStore(join(dir, 'read.db'), { writerThread: true }) : new InMemoryReadStore());
  }
  const config = loadConfig({ ...env, ...options.env });
  const store = withEncryption(rawStore, await createKeyStore(config));
  const apiKeyStore = new InMemoryApiKeyStore();
  const random = seededBytes(7);
  const keys = {} as Record<Role, string>;
  for (const role of ROLES) keys[role] = (await issueApiKey(apiKeyStore, { name: `test-${role}`, roles: [role], now: clock.now(), random })).secret;
  const webhooks = await createWebhookInfrastructure(config);
  const app = await createApp({ config, engines: { eventStore: store, snapshots: store, readStore, erasure: store }, clock, ids, apiKeyStore, webhooks, logs: options.logs ?? false });
  return {
    app,
    http: app.getHttpServer(),
    store,
    rawStore,
    readStore,
    clock,
    ids,
    dataDir: dir,
    apiKeyStore,
    keys,
    webhooks,
    bearer: (role) => `Bearer ${keys[role]}`,
    async close() {
      await app.close();
      await teardown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
