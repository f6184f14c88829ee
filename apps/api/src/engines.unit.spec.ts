import { InMemoryEventStore, SqliteEventStore } from '@touchpoint/event-store';
import { loadConfig } from '@touchpoint/platform';
import { FixedClock } from '@touchpoint/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStore } from './engines';

describe('createEventStore', () => {
  const clock = new FixedClock(new Date('2026-03-01T12:00:00.000Z'));

  it('opens the engine the configuration names, on the injected clock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-engines-'));
    try {
      const sqlite = await createEventStore(loadConfig({ TOUCHPOINT_DATA_DIR: dir, TOUCHPOINT_EVENT_STORE: 'sqlite' }), clock);
      expect(sqlite).toBeInstanceOf(SqliteEventStore);
      const { events } = await sqlite.append('s-1', [{ type: 'CustomerRegistered', schemaVersion: 1, data: {} }], {
        expectedRevision: 'no_stream',
        metadata: { actor: 'a', correlationId: 'c', causationId: 'c' },
      });
      expect(events[0].recordedAt).toBe('2026-03-01T12:00:00.000Z');
      await sqlite.close();
      // the same file is the log a relay or projector process opens with the same configuration
      const reopened = await createEventStore(loadConfig({ TOUCHPOINT_DATA_DIR: dir }), clock);
      expect(await reopened.streamRevision('s-1')).toBe(0);
      await reopened.close();
      const memory = await createEventStore(loadConfig({ TOUCHPOINT_EVENT_STORE: 'memory' }), clock);
      expect(memory).toBeInstanceOf(InMemoryEventStore);
      await memory.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
