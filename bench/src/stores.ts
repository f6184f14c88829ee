import { loadConfig, systemClock } from '@touchpoint/platform';
import type { EncryptingEventStore } from '@touchpoint/event-store';
import { openEventStore } from '../../apps/api/src/engines';

/**
 * The event store as every app process opens it (apps/api/src/engines.ts):
 * the configured adapter (SQLite in `dir` unless `env` says otherwise, synchronous=FULL,
 * hash chains) behind the encrypting wrapper, keys in `dir/keys.db`.
 */
export function openAppEventStore(dir: string, env: Record<string, string> = {}): Promise<EncryptingEventStore> {
  return openEventStore(loadConfig({ TOUCHPOINT_DATA_DIR: dir, ...env }), systemClock);
}
