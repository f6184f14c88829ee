/**
 * Throwaway write-path micro-benchmark: AggregateRunner + EncryptingEventStore
 * + SqliteEventStore (+ SqliteKeyStore), W concurrent writers on distinct customers.
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register scripts/perf/append-bench.ts [writers] [appends] [plain]
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AggregateRunner } from '@touchpoint/application';
import { PERSONAL_DATA_POLICY, customerDecider, type CustomerCommand } from '@touchpoint/domain';
import { EncryptingEventStore, SqliteEventStore, SqliteKeyStore, type EventStore, type SnapshotStore } from '@touchpoint/event-store';

const writers = Number(process.argv[2] ?? 32);
const total = Number(process.argv[3] ?? 10000);
const plain = process.argv[4] === 'plain';
const spec = { decider: customerDecider, stateVersion: 'customer.v1' };

function rawBaseline(dir: string, n: number): number {
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE e (p INTEGER PRIMARY KEY, s TEXT, d TEXT)');
  const ins = db.prepare('INSERT INTO e (s, d) VALUES (?, ?)');
  const tx = db.transaction((i: number) => ins.run(`s${i % 32}`, JSON.stringify({ i, subject: 'hello world', summary: 'x'.repeat(80) })));
  const t0 = performance.now();
  for (let i = 0; i < n; i++) tx(i);
  const ms = performance.now() - t0;
  db.close();
  return (n / ms) * 1000;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'tp-bench-'));
  const raw = new SqliteEventStore({ filename: join(dir, 'events.db') });
  const keys = new SqliteKeyStore(join(dir, 'keys.db'));
  const store: EventStore & SnapshotStore = plain ? raw : new EncryptingEventStore(raw, keys, PERSONAL_DATA_POLICY, raw);
  const runner = new AggregateRunner(store, store);
  const ctx = (i: number) => ({ actor: 'bench', correlationId: `c${i}`, causationId: `c${i}` });
  const at = '2026-01-01T00:00:00.000Z';
  for (let w = 0; w < writers; w++) {
    const cmd: CustomerCommand = { type: 'RegisterCustomer', data: { customerId: `cust${w}`, kind: 'person', name: `Customer ${w}`, email: `c${w}@example.com`, occurredAt: at } } as CustomerCommand;
    await runner.execute(spec, `customer-cust${w}`, cmd, ctx(w));
  }
  const lat: number[] = [];
  let seq = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = w; i < total; i += writers) {
        const cmd = {
          type: 'RecordTouchpoint',
          data: { customerId: `cust${w}`, touchpointId: `tp${seq++}`, touchpointType: 'call', direction: 'inbound', agent: 'agent-1', subject: 'Renewal question', summary: 'Customer asked about the renewal price and delivery dates', occurredAt: at },
        } as CustomerCommand;
        const s = performance.now();
        await runner.execute(spec, `customer-cust${w}`, cmd, ctx(i));
        lat.push(performance.now() - s);
      }
    }),
  );
  const ms = performance.now() - t0;
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(2);
  await store.close();
  const base = rawBaseline(dir, 3000);
  console.log(
    `${plain ? 'plain' : 'encrypted'} writers=${writers} appends=${total} rate=${((total / ms) * 1000).toFixed(0)}/s p50=${q(0.5)}ms p99=${q(0.99)}ms raw-1tx-per-event=${base.toFixed(0)}/s ratio=${(((total / ms) * 1000) / base).toFixed(2)}`,
  );
  rmSync(dir, { recursive: true, force: true });
}
void main();
