import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { InMemoryEventStore, SqliteEventStore, type EventStore } from '@touchpoint/event-store';
import { InMemoryReadStore, SqliteReadStore, type ReadStore } from '@touchpoint/read-models';
import { loadConfig } from '@touchpoint/platform';
import { InMemoryApiKeyStore, issueApiKey, ROLES, type ApiKeyStore, type Role } from '@touchpoint/auth';
import { seededBytes } from '@touchpoint/testing';
import { FixedClock, SequentialIds } from '@touchpoint/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../apps/api/src/app.factory';

export interface TestApp {
  app: NestFastifyApplication;
  /** supertest target */
  http: ReturnType<NestFastifyApplication['getHttpServer']>;
  store: EventStore;
  readStore: ReadStore;
  clock: FixedClock;
  ids: SequentialIds;
  apiKeyStore: ApiKeyStore;
  /** one active API key per role (secret), created before start */
  keys: Record<Role, string>;
  /** `Authorization` header value for a role */
  bearer(role: Role): string;
  close(): Promise<void>;
}

/**
 * The real application over HTTP with injected clock and ids.
 * `engine: 'sqlite'` uses a throwaway data dir; `memory` is the fastest.
 * `auth: 'off'` (the default here, for suites about behaviour) trusts X-Actor; `required` is production's default
 * and what the security suites use, with one key per role in `keys`. Rate limiting is off unless `env` sets it.
 */
export async function startTestApp(options: { engine?: 'memory' | 'sqlite'; auth?: 'off' | 'required'; env?: Record<string, string>; readStore?: ReadStore } = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'tp-e2e-'));
  const config = loadConfig({
    TOUCHPOINT_DATA_DIR: dir,
    TOUCHPOINT_EVENT_STORE: options.engine ?? 'memory',
    TOUCHPOINT_READ_STORE: options.engine ?? 'memory',
    TOUCHPOINT_SEGMENT_EVERY_MS: '0',
    TOUCHPOINT_AUTH: options.auth ?? 'off',
    TOUCHPOINT_DEV_MODE: 'false',
    TOUCHPOINT_RATE_LIMIT_MAX: '0',
    ...options.env,
  });
  const clock = new FixedClock(new Date('2026-03-02T10:00:00.000Z'));
  const ids = new SequentialIds();
  const now = () => clock.now();
  const store = config.TOUCHPOINT_EVENT_STORE === 'sqlite' ? new SqliteEventStore({ filename: join(dir, 'events.db'), now }) : new InMemoryEventStore(now);
  const readStore = options.readStore ?? (config.TOUCHPOINT_READ_STORE === 'sqlite' ? new SqliteReadStore(join(dir, 'read.db')) : new InMemoryReadStore());
  const apiKeyStore = new InMemoryApiKeyStore();
  const random = seededBytes(7);
  const keys = {} as Record<Role, string>;
  for (const role of ROLES) keys[role] = (await issueApiKey(apiKeyStore, { name: `test-${role}`, roles: [role], now: clock.now(), random })).secret;
  const app = await createApp({ config, engines: { eventStore: store, snapshots: store, readStore }, clock, ids, apiKeyStore, logs: false });
  return {
    app,
    http: app.getHttpServer(),
    store,
    readStore,
    clock,
    ids,
    apiKeyStore,
    keys,
    bearer: (role) => `Bearer ${keys[role]}`,
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
