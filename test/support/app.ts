import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { InMemoryEventStore, SqliteEventStore, type EncryptingEventStore, type EventStore } from '@touchpoint/event-store';
import { InMemoryReadStore, SqliteReadStore, type ReadStore } from '@touchpoint/read-models';
import { loadConfig } from '@touchpoint/platform';
import { FixedClock, SequentialIds } from '@touchpoint/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../apps/api/src/app.factory';
import { createKeyStore, withEncryption } from '../../apps/api/src/engines';

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
  close(): Promise<void>;
}

/**
 * The real application over HTTP with injected clock and ids.
 * `engine: 'sqlite'` uses a throwaway data dir; `memory` is the fastest.
 */
export async function startTestApp(options: { engine?: 'memory' | 'sqlite'; env?: Record<string, string> } = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'tp-e2e-'));
  const config = loadConfig({ TOUCHPOINT_DATA_DIR: dir, TOUCHPOINT_EVENT_STORE: options.engine ?? 'memory', TOUCHPOINT_READ_STORE: options.engine ?? 'memory', TOUCHPOINT_SEGMENT_EVERY_MS: '0', ...options.env });
  const clock = new FixedClock(new Date('2026-03-02T10:00:00.000Z'));
  const ids = new SequentialIds();
  const now = () => clock.now();
  const rawStore = config.TOUCHPOINT_EVENT_STORE === 'sqlite' ? new SqliteEventStore({ filename: join(dir, 'events.db'), now }) : new InMemoryEventStore(now);
  const store = withEncryption(rawStore, await createKeyStore(config));
  const readStore = config.TOUCHPOINT_READ_STORE === 'sqlite' ? new SqliteReadStore(join(dir, 'read.db')) : new InMemoryReadStore();
  const app = await createApp({ config, engines: { eventStore: store, snapshots: store, readStore, erasure: store }, clock, ids, logs: false });
  return {
    app,
    http: app.getHttpServer(),
    store,
    rawStore,
    readStore,
    clock,
    ids,
    dataDir: dir,
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
