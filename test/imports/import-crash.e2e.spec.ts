/**
 * A killed import is resumed by running it again: the CLI is SIGKILLed three times at seeded random points of
 * the log's growth while it imports, then run to the end; the log must hold exactly the events of one clean import — nothing lost,
 * nothing doubled, each stream in the same order.
 */
import { loadConfig, systemClock } from '@touchpoint/platform';
import { spawn, type ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEventStore } from '../../apps/api/src/engines';

const ROOT = join(__dirname, '..', '..');

/** The log's head position, read without touching the writer (0 before the file exists). */
function headOf(dataDir: string): number {
  const file = join(dataDir, 'events.db');
  if (!existsSync(file)) return 0;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT COALESCE(MAX(global_position), 0) AS head FROM events').get() as { head: number }).head;
    } finally {
      db.close();
    }
  } catch {
    return 0; // the schema is not there yet
  }
}

/** 2,000 customers, each with orders, a touchpoint and a deal moved to won: ~14k records. */
function historyFile(path: string): number {
  const lines: string[] = [];
  for (let c = 0; c < 2000; c += 1) {
    const at = (d: number) => new Date(Date.UTC(2019, 0, 1) + (c * 7 + d) * 3_600_000).toISOString();
    lines.push(JSON.stringify({ type: 'RegisterCustomer', sourceId: `C${c}`, kind: c % 5 ? 'person' : 'company', name: `Customer ${c}`, email: `c${c}@example.com`, occurredAt: at(0) }));
    for (let o = 0; o < 3; o += 1) lines.push(JSON.stringify({ type: 'PlaceOrder', sourceId: `O${c}-${o}`, customer: `C${c}`, currency: 'EUR', total: 1000 + c + o, occurredAt: at(1 + o) }));
    lines.push(JSON.stringify({ type: 'RecordTouchpoint', sourceId: `T${c}`, customer: `C${c}`, touchpointType: 'call', direction: 'inbound', subject: `Call ${c}`, occurredAt: at(5) }));
    lines.push(JSON.stringify({ type: 'OpenDeal', sourceId: `D${c}`, customer: `C${c}`, title: `Deal ${c}`, amount: 5000, currency: 'EUR', expectedCloseDate: '2019-06-30', owner: 'sales.anna', occurredAt: at(6) }));
    lines.push(JSON.stringify({ type: 'ChangeDealStage', sourceId: `S${c}`, deal: `D${c}`, stage: 'proposal', occurredAt: at(7) }));
    lines.push(JSON.stringify({ type: 'WinDeal', sourceId: `W${c}`, deal: `D${c}`, occurredAt: at(8) }));
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
  return lines.length;
}

function runCli(dataDir: string, file: string): ChildProcess {
  return spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/cli/src/main.ts', 'import', file, '--source', 'crash', '--no-progress'], {
    cwd: ROOT,
    env: { ...process.env, TOUCHPOINT_DATA_DIR: dataDir, TOUCHPOINT_EVENT_STORE: 'sqlite', TOUCHPOINT_READ_STORE: 'sqlite', TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });

/** The record events of a data dir, decrypted, as comparable facts: stream, revision, type, data, source id. */
async function facts(dataDir: string) {
  const store = await openEventStore(loadConfig({ TOUCHPOINT_DATA_DIR: dataDir, TOUCHPOINT_EVENT_STORE: 'sqlite', TOUCHPOINT_READ_STORE: 'sqlite' }), systemClock);
  const out: string[] = [];
  for (let after = 0; ; ) {
    const page = await store.readAll({ after, maxCount: 5000 });
    if (!page.length) break;
    for (const e of page) if (!e.type.startsWith('Import')) out.push(JSON.stringify([e.streamId, e.streamRevision, e.type, e.data, e.metadata.sourceId]));
    after = page[page.length - 1].globalPosition;
  }
  await store.close();
  return out.sort();
}

describe('import killed and rerun (CLI, sqlite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tp-import-crash-'));
  const file = join(dir, 'history.ndjson');
  const records = historyFile(file);
  const children = new Set<ChildProcess>();
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('yields exactly the events of one clean import', async () => {
    const clean = join(dir, 'clean');
    const reference = runCli(clean, file);
    const out: string[] = [];
    reference.stdout!.on('data', (b) => out.push(String(b)));
    expect(await exited(reference)).toEqual({ code: 0, signal: null });
    const summary = JSON.parse(out.join(''));
    expect(summary).toMatchObject({ status: 'completed', linesRead: records, accepted: records, rejected: 0 });
    const expected = await facts(clean);
    expect(expected).toHaveLength(records);

    const crashed = join(dir, 'crashed');
    // Seeded kill moments: the first lands during start-up or early, later ones mid-import.
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const partials: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const child = runCli(crashed, file);
      children.add(child);
      const lines: string[] = [];
      child.stderr!.on('data', (b) => lines.push(String(b)));
      // Killed once the log has grown past a seeded point of this run (whatever the machine's speed): mid-import.
      const target = Math.round(records * (0.15 + 0.7 * random()));
      const deadline = Date.now() + 90_000;
      while (headOf(crashed) < target && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      child.kill('SIGKILL');
      expect((await exited(child)).signal).toBe('SIGKILL');
      children.delete(child);
      partials.push((await facts(crashed)).length);
    }
    // At least one kill landed mid-import (some but not all records in), else the test proved nothing.
    expect(partials.some((n) => n > 0 && n < records)).toBe(true);
    const last = runCli(crashed, file);
    const lastOut: string[] = [];
    last.stdout!.on('data', (b) => lastOut.push(String(b)));
    expect(await exited(last)).toEqual({ code: 0, signal: null });
    const resumed = JSON.parse(lastOut.join(''));
    expect(resumed.accepted + resumed.alreadyImported).toBe(records);
    expect(await facts(crashed)).toEqual(expected);
  }, 180_000);
});
