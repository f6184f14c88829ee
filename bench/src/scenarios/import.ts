import { CHANNELS_BY_TOUCHPOINT, type TouchpointType } from '@touchpoint/domain';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { ImportStatus } from '../../../apps/api/src/imports/import-jobs';
import { watchPeakRss } from '../rss';
import { runChild } from '../child';
import { SEED, type BenchContext, type Scenario } from '../context';
import { Rng } from '../prng';
import { peakRssMiB, resetPeakRss, round, type MeasuredRow, type TargetSpec } from '../stats';

/**
 * Bulk import (docs/import.md), end to end: a seeded NDJSON backfill of customers with their orders,
 * touchpoints and deals, imported (1) by the built CLI in its own process and (2) through
 * `POST /v1/imports` into the real API, whose in-process projector then catches up; next to a raw
 * better-sqlite3 insert of the same number of rows, 1,000 per transaction, at the app's durability.
 */

/** Bump when the record generator changes: cached files are then ignored. */
const IMPORT_DATASET_VERSION = 1;

export interface ImportDatasetOptions {
  seed: number;
  customers: number;
  /** records in the file; one record is one event */
  records: number;
  /** business time of the first record */
  start: string;
  years: number;
}

const FULL_SIZES = { customers: 100_000, records: 1_000_000 };
const QUICK_SIZES = { customers: 2_000, records: 6_000 };
const RAW_BATCH = 1000;
const SOURCE = 'bench';

export function importDataset(ctx: Pick<BenchContext, 'quick'>): ImportDatasetOptions {
  return { seed: SEED ^ 0x1a907, ...(ctx.quick ? QUICK_SIZES : FULL_SIZES), start: '2020-01-01T00:00:00.000Z', years: 5 };
}

const FIRST = ['Olena', 'Marco', 'Aiko', 'Jonas', 'Priya', 'Lucas', 'Maja', 'Omar', 'Sofia', 'Tomasz', 'Ines', 'Kwame', 'Dmytro', 'Elif'];
const LAST = ['Kovalenko', 'Rossi', 'Tanaka', 'Berg', 'Sharma', 'Silva', 'Novak', 'Haddad', 'Garcia', 'Wojcik', 'Moreau', 'Mensah', 'Shevchenko'];
const CITIES = ['Kyiv', 'Lviv', 'Berlin', 'Milan', 'Lisbon', 'Warsaw', 'Lyon', 'Porto'];
const COUNTRIES = ['UA', 'DE', 'IT', 'PT', 'PL', 'FR'];
const OWNERS = ['sales.anna', 'sales.bohdan', 'sales.chen', 'sales.dara', 'sales.emeka', 'sales.farah'];
const AGENTS = ['alice', 'bohdan', 'chen', 'dara', 'emeka', 'farah', 'goran', 'hana'];
const SUBJECTS = ['Follow-up', 'Quote request', 'Delivery question', 'Invoice', 'Product demo', 'Renewal', 'Support ticket'];
const SUMMARIES = ['Asked when the second parcel arrives.', 'Wants a volume discount for next quarter.', 'Confirmed the delivery address.', 'Requested a copy of the invoice.'];
const STAGES = ['lead', 'qualified', 'proposal', 'negotiation'] as const;
const SKUS = Array.from({ length: 200 }, (_, i) => `SKU-${String(i + 1).padStart(4, '0')}`);

/**
 * The backfill file, one JSON record per line, in business-time order over `years` (as a source system
 * exports its history): customers registered over the first 80 %, every other line an activity of a
 * registered customer (older customers busier): touchpoints 55 %, orders 20 %, deal records 25 %
 * (30 % of them open a deal, the rest move a random open deal to its next stage or close it, won or
 * lost). Every line is valid and becomes exactly one event; deterministic for a given set of options.
 * Memory: a byte per customer and the open deals, whatever the number of records.
 * Keys come in a fixed order (type, sourceId, then the reference), which the raw baseline relies on.
 */
export function* importRecords(o: ImportDatasetOptions): Generator<string> {
  const rng = new Rng(o.seed);
  const startMs = Date.parse(o.start);
  const step = (o.years * 365.25 * 86_400_000) / o.records;
  const registerEvery = (o.records * 0.8) / o.customers;
  const usd = new Uint8Array(o.customers);
  /** open deals, of any customer */
  const pipeline: Array<{ id: number; stage: number }> = [];
  let registered = 0;
  let orders = 0;
  let touchpoints = 0;
  let deals = 0;
  let dealSteps = 0;

  for (let i = 0; i < o.records; i++) {
    // Strictly increasing: the jitter stays inside the record's own step.
    const occurredAt = new Date(Math.floor(startMs + (i + rng.next() * 0.9) * step)).toISOString();
    if (registered < o.customers && i >= registered * registerEvery) {
      const n = registered++;
      const company = rng.chance(0.2);
      usd[n] = rng.chance(0.1) ? 1 : 0;
      const first = rng.pick(FIRST);
      const last = rng.pick(LAST);
      yield JSON.stringify({
        type: 'RegisterCustomer',
        sourceId: `C${n + 1}`,
        kind: company ? 'company' : 'person',
        name: company ? `${last} ${rng.pick(['GmbH', 'Ltd', 'S.p.A.', 'TOV'])}` : `${first} ${last}`,
        email: `${first}.${last}.${n + 1}@example.com`.toLowerCase(),
        ...(rng.chance(0.5) && { phone: `+380${rng.int(100_000_000, 999_999_999)}` }),
        ...(rng.chance(0.7) && { address: { line1: `${rng.int(1, 200)} Main Street`, city: rng.pick(CITIES), country: rng.pick(COUNTRIES) } }),
        ...(company && { company: `${last} Group` }),
        tags: rng.chance(0.3) ? ['newsletter'] : [],
        owner: rng.pick(OWNERS),
        occurredAt,
      });
      continue;
    }
    const c = Math.floor(rng.next() ** 1.5 * registered);
    const customer = `C${c + 1}`;
    const currency = usd[c] ? 'USD' : 'EUR';
    const r = rng.next();
    if (r < 0.55) {
      const k = rng.next();
      const kind: TouchpointType = k < 0.4 ? 'call' : k < 0.7 ? 'email' : k < 0.9 ? 'web_visit' : k < 0.95 ? 'meeting' : 'chat';
      yield JSON.stringify({
        type: 'RecordTouchpoint',
        sourceId: `T${++touchpoints}`,
        customer,
        touchpointType: kind,
        channel: rng.pick(CHANNELS_BY_TOUCHPOINT[kind]),
        direction: rng.chance(0.55) ? 'inbound' : 'outbound',
        agent: rng.pick(AGENTS),
        subject: rng.pick(SUBJECTS),
        ...(rng.chance(0.4) && { summary: rng.pick(SUMMARIES) }),
        ...(kind === 'call' && { durationSeconds: rng.int(30, 1800), outcome: rng.pick(['answered', 'voicemail', 'callback']) }),
        ...(kind === 'web_visit' && { url: `https://shop.example.com/p/${rng.pick(SKUS).toLowerCase()}` }),
        occurredAt,
      });
    } else if (r < 0.75) {
      const sourceId = `O${++orders}`;
      if (rng.chance(0.15)) {
        yield JSON.stringify({ type: 'PlaceOrder', sourceId, customer, currency, total: rng.int(500, 500_000), channel: rng.pick(['web', 'phone', 'in_person']), occurredAt });
        continue;
      }
      const skus = new Set<string>();
      const n = rng.int(1, 4);
      while (skus.size < n) skus.add(rng.pick(SKUS));
      yield JSON.stringify({
        type: 'PlaceOrder',
        sourceId,
        customer,
        currency,
        lines: [...skus].map((sku) => {
          const unitPrice = rng.int(500, 50_000);
          return { sku, quantity: rng.int(1, 5), unitPrice, unitCost: Math.round(unitPrice * (0.4 + rng.next() * 0.4)) };
        }),
        channel: rng.pick(['web', 'phone', 'in_person']),
        occurredAt,
      });
    } else if (pipeline.length === 0 || rng.chance(0.3)) {
      const id = ++deals;
      pipeline.push({ id, stage: 0 });
      const close = new Date(Date.parse(occurredAt) + rng.int(30, 180) * 86_400_000).toISOString().slice(0, 10);
      yield JSON.stringify({
        type: 'OpenDeal',
        sourceId: `D${id}`,
        customer,
        title: `${rng.pick(['Fleet', 'Renewal', 'Upgrade', 'Pilot'])} ${rng.int(1, 99)}`,
        amount: rng.int(100_000, 5_000_000),
        currency,
        expectedCloseDate: close,
        owner: rng.pick(OWNERS),
        occurredAt,
      });
    } else {
      // A step of any open deal: the next stage, or won/lost (from any stage, more often late).
      const index = rng.int(0, pipeline.length - 1);
      const deal = pipeline[index];
      const sourceId = `S${++dealSteps}`;
      if (deal.stage < STAGES.length - 1 && rng.chance(0.75)) {
        deal.stage += 1;
        yield JSON.stringify({ type: 'ChangeDealStage', sourceId, deal: `D${deal.id}`, stage: STAGES[deal.stage], occurredAt });
        continue;
      }
      pipeline[index] = pipeline[pipeline.length - 1];
      pipeline.pop();
      yield rng.chance(0.55)
        ? JSON.stringify({ type: 'WinDeal', sourceId, deal: `D${deal.id}`, occurredAt })
        : JSON.stringify({ type: 'LoseDeal', sourceId, deal: `D${deal.id}`, reason: rng.pick(['price', 'timing', 'no budget']), competitor: 'Acme', occurredAt });
    }
  }
}

/** Streams the records to `file` in chunks of about 1 MiB (memory stays flat whatever the size). */
function writeRecords(file: string, options: ImportDatasetOptions, onProgress: (done: number) => void): number {
  const fd = openSync(file, 'w');
  let chunk: string[] = [];
  let size = 0;
  let n = 0;
  try {
    for (const line of importRecords(options)) {
      chunk.push(line);
      size += line.length + 1;
      if (++n % 50_000 === 0) onProgress(n);
      if (size >= 1 << 20) {
        writeSync(fd, `${chunk.join('\n')}\n`);
        chunk = [];
        size = 0;
      }
    }
    if (chunk.length) writeSync(fd, `${chunk.join('\n')}\n`);
  } finally {
    closeSync(fd);
  }
  return n;
}

/**
 * The NDJSON file of the run. Full mode keeps it under bench/.cache (git-ignored), keyed by the
 * generator's version and options, like the 1M-event log (rebuild.ts); quick mode always generates.
 */
async function recordsFile(ctx: BenchContext, options: ImportDatasetOptions): Promise<string> {
  const generate = (file: string) => {
    const bar = ctx.progress('generate import file', options.records);
    const started = Date.now();
    const n = writeRecords(file, options, (done) => bar.update(done));
    bar.stop();
    ctx.log(`  generated ${n.toLocaleString('en-US')} records (${(statSync(file).size / 2 ** 20).toFixed(0)} MiB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };
  if (ctx.quick) {
    const file = join(ctx.dir('import-file'), 'records.ndjson');
    generate(file);
    return file;
  }
  const key = createHash('sha256').update(JSON.stringify({ IMPORT_DATASET_VERSION, options })).digest('hex').slice(0, 16);
  const cached = resolve('bench/.cache', `import-${key}.ndjson`);
  if (!existsSync(cached)) {
    mkdirSync(resolve('bench/.cache'), { recursive: true });
    const staging = `${cached}.tmp`;
    rmSync(staging, { force: true });
    generate(staging);
    renameSync(staging, cached);
  } else ctx.log(`  reusing bench/.cache/import-${key}.ndjson (same generator version, seed and sizes)`);
  return cached;
}

/** Lines of a file, streamed. */
function fileLines(file: string): AsyncIterable<string> {
  return createInterface({ input: createReadStream(file, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
}

// The SQLite event store's table shape (without the chain columns), written by hand: the raw floor.
const RAW_SQLITE = `CREATE TABLE events (global_position INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, stream_id TEXT NOT NULL,
  stream_revision INTEGER NOT NULL, type TEXT NOT NULL, schema_version INTEGER NOT NULL, recorded_at TEXT NOT NULL, data TEXT NOT NULL,
  metadata TEXT NOT NULL, UNIQUE (stream_id, stream_revision))`;
const HEAD = /^\{"type":"(\w+)","sourceId":"([^"]+)"(?:,"(customer|deal)":"([^"]+)")?/;

/**
 * The raw floor: the same file read line by line, each line stored as an event row (the record's JSON
 * as data, an import-like metadata object, the stream it belongs to with its next revision), 1,000 rows
 * per transaction, WAL and synchronous=FULL like the app. No parse, validation, decide, sealing or chain.
 */
async function rawBatchedInsert(ctx: BenchContext, file: string): Promise<MeasuredRow> {
  const db = new Database(join(ctx.dir('import-raw'), 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(RAW_SQLITE);
  const insert = db.prepare('INSERT INTO events (event_id, stream_id, stream_revision, type, schema_version, recorded_at, data, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const revisions = new Map<string, number>();
  const importId = randomUUID();
  let line = 0;
  const commit = db.transaction((batch: string[]) => {
    const recordedAt = new Date().toISOString();
    for (const text of batch) {
      line++;
      const m = HEAD.exec(text);
      if (!m) throw new Error(`raw baseline: line ${line} does not start with type and sourceId`);
      const [, type, sourceId, ref, refId] = m;
      const streamId = ref === 'deal' ? `deal-${refId}` : ref === 'customer' ? (type === 'OpenDeal' ? `deal-${sourceId}` : `customer-${refId}`) : `customer-${sourceId}`;
      const revision = (revisions.get(streamId) ?? 0) + 1;
      revisions.set(streamId, revision);
      const metadata = JSON.stringify({ actor: 'cli:bench', correlationId: importId, causationId: importId, idempotencyKey: `import:${SOURCE}:${type}:${sourceId}`, importId, source: SOURCE, sourceId, sourceLine: line });
      insert.run(randomUUID(), streamId, revision, type, 1, recordedAt, text, metadata);
    }
  });
  resetPeakRss();
  const started = process.hrtime.bigint();
  let batch: string[] = [];
  for await (const text of fileLines(file)) {
    batch.push(text);
    if (batch.length === RAW_BATCH) {
      commit(batch);
      batch = [];
    }
  }
  if (batch.length) commit(batch);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rss = peakRssMiB();
  db.close();
  ctx.log(`  raw batched insert: ${line.toLocaleString('en-US')} rows in ${seconds.toFixed(1)} s`);
  return {
    id: 'raw.import.sqlite.batched',
    title: `raw better-sqlite3 insert of the file's lines, ${RAW_BATCH.toLocaleString('en-US')} rows/tx`,
    kind: 'baseline',
    engine: 'sqlite',
    ops: line,
    seconds,
    throughput: line / seconds,
    unit: 'events/s',
    peakRssMiB: rss,
    note: 'reads the same NDJSON file; each line is stored as data with an import-like metadata object and its stream revision; WAL, synchronous=FULL; in the harness process (its RSS includes the harness)',
  };
}

/** The summary the import prints (CLI stdout) and answers (GET /v1/imports/{id}). */
type ImportSummary = ImportStatus;


/** Store settings of every import child: the embedded default on a fresh directory, nothing inherited from the shell. */
function storeEnv(dir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('TOUCHPOINT_')) env[k] = v;
  return { ...env, TOUCHPOINT_DATA_DIR: dir, TOUCHPOINT_EVENT_STORE: 'sqlite', TOUCHPOINT_READ_STORE: 'sqlite', LOG_LEVEL: 'error' };
}

function importTargets(): TargetSpec[] {
  return [
    { description: '≥ 25,000 events/s', metric: 'throughput', comparison: 'atLeast', threshold: 25_000 },
    { description: '≥ 0.1× raw batched insert', metric: 'ratio', comparison: 'atLeast', threshold: 0.1 },
    { description: 'peak RSS ≤ 512 MiB', metric: 'peakRssMiB', comparison: 'atMost', threshold: 512 },
  ];
}

function checkSummary(path: string, summary: ImportSummary, records: number): void {
  if (summary.status !== 'completed' || summary.rejected !== 0 || summary.eventsAppended !== records) {
    throw new Error(`${path}: expected ${records} events appended and nothing rejected, got ${JSON.stringify(summary)}`);
  }
}

/**
 * `node dist/apps/cli/src/main.js import FILE --source bench --no-progress` as an operator runs it, on a
 * fresh data directory: wall time of the process (start-up and shutdown included) and its peak RSS.
 */
async function viaCli(ctx: BenchContext, file: string, records: number): Promise<MeasuredRow> {
  const cli = resolve(__dirname, '../../../apps/cli/src/main.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: npm run bench builds it (nest build bench compiles apps/ too)`);
  const dir = ctx.dir('import-cli');
  ctx.log(`  CLI import of ${records.toLocaleString('en-US')} records (own process)…`);
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [cli, 'import', file, '--source', SOURCE, '--no-progress'], { env: storeEnv(dir), stdio: ['ignore', 'pipe', 'pipe'] });
  const rss = watchPeakRss(child.pid!);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-20_000)));
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('close', (c) => done(c));
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const peak = rss.stop();
  const json = /(?:^|\n)(\{\n[\s\S]*\n\})\s*$/.exec(stdout)?.[1];
  if (code !== 0 || !json) throw new Error(`CLI import exited with ${code}:\n${stderr.slice(-4000)}\n${stdout.slice(-2000)}`);
  const summary = JSON.parse(json) as ImportSummary;
  checkSummary('CLI import', summary, records);
  ctx.log(`  CLI import: ${summary.eventsAppended.toLocaleString('en-US')} events in ${seconds.toFixed(1)} s wall (${summary.durationMs} ms inside the job)`);
  return {
    id: 'import.cli',
    title: `CLI import, ${records.toLocaleString('en-US')} NDJSON records (built CLI, own process)`,
    kind: 'scenario',
    engine: 'sqlite',
    ops: summary.eventsAppended,
    seconds,
    throughput: summary.eventsAppended / seconds,
    unit: 'events/s',
    peakRssMiB: peak,
    compareTo: { id: 'raw.import.sqlite.batched', metric: 'throughput' },
    targets: importTargets(),
    note: `wall time of the child process (start-up and shutdown included); the job's own summary: ${summary.eventsPerSecond.toLocaleString('en-US')} events/s over ${(summary.durationMs / 1000).toFixed(1)} s; peak RSS is the child's VmHWM (polled every 100 ms)`,
  };
}


/** POSTs the file as the body, streamed from disk (never read into memory here). */
function upload(url: string, headers: Record<string, string>, file: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-ndjson', 'content-length': String(statSync(file).size) } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (s: string) => (body += s));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
      res.on('error', fail);
    });
    req.on('error', fail);
    createReadStream(file, { highWaterMark: 1 << 20 }).on('error', fail).pipe(req);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CATCH_UP_LIMIT_MS = 15 * 60_000;

async function getJson<T>(url: string, headers: Record<string, string>, accept = [200]): Promise<T> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  if (!accept.includes(response.status)) throw new Error(`GET ${url}: ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/** The in-process projector's position as GET /health reports it (503 while it is down: still a body). */
async function projectorPosition(base: string): Promise<number> {
  const health = await getJson<{ info?: { projector?: { position?: number } }; error?: { projector?: { position?: number } }; details?: { projector?: { position?: number } } }>(`${base}/health`, {}, [200, 503]);
  return health.details?.projector?.position ?? health.info?.projector?.position ?? health.error?.projector?.position ?? 0;
}

/**
 * POST /v1/imports with the file as the body, GET /v1/imports/{id} until it ends, then the read models'
 * catch-up: from the import's end until GET /health reports the in-process projector at the import's
 * lastPosition; each projection's own checkpoint (rm_checkpoints in read.db, polled every 100 ms through
 * a read-only connection) is followed all along, so the moment each one passed lastPosition is known.
 */
async function viaHttp(ctx: BenchContext, file: string, records: number): Promise<MeasuredRow[]> {
  const dir = ctx.dir('import-http');
  const child = runChild<{ peakRssMiB: number }>('serve-api', { dir, role: 'importer', keepRateLimit: true });
  const { port, token } = await child.ready;
  const base = `http://127.0.0.1:${port}`;
  const headers = { authorization: `Bearer ${token}` };
  const rss = watchPeakRss(child.process.pid!);
  let stopped: Promise<{ peakRssMiB: number }> | undefined;
  const stop = () => (stopped ??= (child.send('stop'), child.result));
  let readDb: Database.Database | undefined;
  let sampler: NodeJS.Timeout | undefined;
  try {
    const db = (readDb = new Database(join(dir, 'read.db'), { readonly: true, fileMustExist: true }));
    const checkpoints = db.prepare('SELECT projector, position FROM rm_checkpoints');
    const samples: Array<{ at: number; positions: Record<string, number> }> = [];
    const sample = () => {
      const positions: Record<string, number> = {};
      for (const r of checkpoints.all() as Array<{ projector: string; position: number }>) positions[r.projector] = r.position;
      samples.push({ at: Date.now(), positions });
    };
    sampler = setInterval(sample, 100);
    ctx.log(`  HTTP import of ${records.toLocaleString('en-US')} records (POST /v1/imports, body streamed from disk)…`);
    const postedAt = Date.now();
    const posted = await upload(`${base}/v1/imports?source=${SOURCE}`, headers, file);
    const uploadedAt = Date.now();
    if (posted.status !== 202) throw new Error(`POST /v1/imports: ${posted.status} ${posted.body.slice(0, 1000)}`);
    const { importId } = JSON.parse(posted.body) as { importId: string };
    const bar = ctx.progress('import via HTTP', records);
    let summary: ImportSummary;
    let maxLag = 0;
    for (;;) {
      await sleep(500);
      summary = await getJson<ImportSummary>(`${base}/v1/imports/${importId}`, headers);
      bar.update(summary.eventsAppended);
      const last = samples[samples.length - 1];
      if (last) maxLag = Math.max(maxLag, summary.lastPosition - Math.min(...Object.values(last.positions)));
      if (summary.status !== 'running') break;
    }
    bar.stop();
    const importRss = rss.read();
    checkSummary('HTTP import', summary, records);
    const endedAt = Date.parse(summary.finishedAt!);
    const importSeconds = (endedAt - postedAt) / 1000;
    ctx.log(`  HTTP import: ${summary.eventsAppended.toLocaleString('en-US')} events, ${importSeconds.toFixed(1)} s from the POST (upload ${((uploadedAt - postedAt) / 1000).toFixed(1)} s); waiting for the projector…`);

    // Catch-up: the product's own view (GET /health), polled every 250 ms (the default rate limit allows it).
    let caughtUpAt: number | undefined;
    const catchBar = ctx.progress('projector catch-up', summary.lastPosition);
    while (Date.now() - endedAt < CATCH_UP_LIMIT_MS) {
      const position = await projectorPosition(base);
      catchBar.update(position);
      if (position >= summary.lastPosition) {
        caughtUpAt = Date.now();
        break;
      }
      await sleep(250);
    }
    catchBar.stop();
    sample();
    const atEnd = samples.filter((s) => s.at <= endedAt).pop();
    const names = Object.keys(samples[samples.length - 1].positions).sort();
    const perProjection = names.map((name) => {
      const reached = samples.find((s) => (s.positions[name] ?? 0) >= summary.lastPosition);
      return { name, seconds: reached ? round(Math.max(0, reached.at - endedAt) / 1000, 1) : NaN, lagAtEnd: summary.lastPosition - (atEnd?.positions[name] ?? 0) };
    });
    const catchUpMs = caughtUpAt === undefined ? CATCH_UP_LIMIT_MS : Math.max(1, caughtUpAt - endedAt);
    const stopRss = await stop();
    const lifetimeRss = Math.max(stopRss.peakRssMiB, rss.stop());
    ctx.log(`  catch-up: ${(catchUpMs / 1000).toFixed(1)} s after the import's end (${perProjection.map((p) => `${p.name} ${p.seconds} s`).join(', ')})`);
    const perProjectionText = perProjection.map((p) => `${p.name} ${Number.isNaN(p.seconds) ? 'not reached' : `${p.seconds} s`} (${p.lagAtEnd.toLocaleString('en-US')} events behind at the end)`).join(', ');
    return [
      {
        id: 'import.http',
        title: `POST /v1/imports, ${records.toLocaleString('en-US')} NDJSON records (API child, projector in process)`,
        kind: 'scenario',
        engine: 'sqlite',
        ops: summary.eventsAppended,
        seconds: importSeconds,
        throughput: summary.eventsAppended / importSeconds,
        unit: 'events/s',
        peakRssMiB: importRss,
        compareTo: { id: 'raw.import.sqlite.batched', metric: 'throughput' },
        targets: importTargets(),
        note: `from the POST's first byte to the job's finishedAt (upload and spooling ${((uploadedAt - postedAt) / 1000).toFixed(1)} s included); the job's own summary: ${summary.eventsPerSecond.toLocaleString('en-US')} events/s over ${(summary.durationMs / 1000).toFixed(1)} s; the in-process projector follows meanwhile (largest lag seen ${maxLag.toLocaleString('en-US')} events); peak RSS is the API child's VmHWM at the import's end`,
      },
      {
        id: 'import.http.catch-up',
        title: `read models caught up after the HTTP import (latency = catch-up after its end)`,
        kind: 'scenario',
        engine: 'sqlite',
        ops: summary.eventsAppended,
        seconds: (endedAt + catchUpMs - postedAt) / 1000,
        throughput: summary.eventsAppended / ((endedAt + catchUpMs - postedAt) / 1000),
        unit: 'events/s',
        latencyMs: { count: 1, p50: catchUpMs, p95: catchUpMs, p99: catchUpMs, max: catchUpMs },
        peakRssMiB: lifetimeRss,
        targets: [{ description: 'catch-up ≤ 60 s', metric: 'p99', comparison: 'atMost', threshold: 60_000 }],
        note: `throughput = events from the POST until GET /health shows the projector at the import's lastPosition ${summary.lastPosition.toLocaleString('en-US')}; the p50–p99 columns hold the one catch-up time (import end → projector position, /health polled every 250 ms)${caughtUpAt === undefined ? `; NOT caught up within ${CATCH_UP_LIMIT_MS / 60_000} min` : ''}; per projection (rm_checkpoints, 100 ms): ${perProjectionText}; peak RSS: the API child's lifetime VmHWM`,
      },
    ];
  } catch (error) {
    await Promise.resolve()
      .then(stop)
      .catch(() => undefined);
    throw error;
  } finally {
    clearInterval(sampler);
    rss.stop();
    readDb?.close();
  }
}

/** `--only import`: the raw floor, the CLI, then the API with its projector, each on a fresh directory. */
export const importScenario: Scenario = async (ctx) => {
  const options = importDataset(ctx);
  const file = await recordsFile(ctx, options);
  const rows: MeasuredRow[] = [];
  rows.push(await rawBatchedInsert(ctx, file));
  rows.push(await viaCli(ctx, file, options.records));
  rows.push(...(await viaHttp(ctx, file, options.records)));
  return rows;
};
