import { AggregateRunner } from '@touchpoint/application';
import { loadConfigOrExit, systemClock, randomIds } from '@touchpoint/platform';
import { Presets, SingleBar } from 'cli-progress';
import { createReadStream, createWriteStream, readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { CustomerCommandHandler, DealCommandHandler, ExecuteDealCommand } from '../../api/src/commands';
import { createEngines } from '../../api/src/engines';
import { commandExecutor } from '../../api/src/imports/command-executor';
import { ImportJobs, ImportOptionsError, parseImportOptions } from '../../api/src/imports/import-jobs';
import { validateRecordBody } from '../../api/src/imports/record-validation';

interface ImportFlags {
  format?: string;
  mapping?: string;
  source: string;
  maxErrors?: string;
  timeZone?: string;
  rejections?: string;
  allowRejections?: boolean;
  progress: boolean;
}

/** `touchpoint import FILE`: the API's import job, run in this process against the configured stores. */
export async function runImportCommand(file: string, flags: ImportFlags): Promise<void> {
  const config = loadConfigOrExit();
  let mapping: unknown;
  try {
    mapping = flags.mapping === undefined ? undefined : JSON.parse(readFileSync(flags.mapping, 'utf8'));
  } catch (error) {
    console.error(`--mapping ${flags.mapping}: ${(error as Error).message}`);
    process.exit(2);
  }
  const format = flags.format ?? (/\.csv(\.gz)?$/i.test(file) ? 'csv' : 'ndjson');
  let options;
  try {
    options = parseImportOptions({ format, source: flags.source, maxErrors: flags.maxErrors, timeZone: flags.timeZone, mapping, input: file });
  } catch (error) {
    if (!(error instanceof ImportOptionsError)) throw error;
    for (const e of error.errors) console.error(`${e.field}: ${e.message}`);
    process.exit(2);
  }
  const totalBytes = statSync(file).size;
  const engines = await createEngines(config, systemClock);
  const runner = new AggregateRunner(engines.eventStore, engines.snapshots, { snapshotEvery: config.TOUCHPOINT_SNAPSHOT_EVERY });
  const customers = new CustomerCommandHandler(runner, engines.erasure);
  const deals = new DealCommandHandler(runner);
  const jobs = new ImportJobs({
    runner,
    store: engines.eventStore,
    execute: commandExecutor((command) => (command instanceof ExecuteDealCommand ? deals.execute(command) : customers.execute(command))),
    validate: validateRecordBody,
    clock: systemClock,
    ids: randomIds,
    concurrency: 1,
    maxLineBytes: config.TOUCHPOINT_IMPORT_MAX_LINE_BYTES,
  });
  const actor = `cli:${userInfo().username}`;
  const stop = () => void jobs.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const { status, done } = await jobs.start(options, { open: () => createReadStream(file, { highWaterMark: 256 * 1024 }), totalBytes }, { actor, correlationId: actor });
  const bar = flags.progress && process.stderr.isTTY ? new SingleBar({ format: 'import |{bar}| {percentage}% | {lines} lines | {rate} lines/s | {rejected} rejected | eta {eta_formatted}', hideCursor: true, stream: process.stderr }, Presets.shades_classic) : undefined;
  const started = Date.now();
  bar?.start(totalBytes, 0, { lines: 0, rate: 0, rejected: 0 });
  let ended = false;
  const timer = setInterval(() => {
    void jobs.status(status.importId).then((s) => {
      if (ended) return;
      bar?.update(s.bytesRead ?? 0, { lines: s.linesRead, rate: Math.round(s.linesRead / Math.max(0.001, (Date.now() - started) / 1000)), rejected: s.rejected });
      if (!bar && flags.progress) console.error(JSON.stringify({ progress: { linesRead: s.linesRead, accepted: s.accepted, alreadyImported: s.alreadyImported, rejected: s.rejected, bytesRead: s.bytesRead, totalBytes } }));
    });
  }, bar ? 200 : 5000);
  const final = await done;
  ended = true;
  clearInterval(timer);
  bar?.update(totalBytes, { lines: final.linesRead, rejected: final.rejected });
  bar?.stop();
  if (flags.rejections !== undefined) {
    const out = createWriteStream(flags.rejections);
    for (let page = await jobs.rejections(final.importId, { limit: 1000 }); ; page = await jobs.rejections(final.importId, { after: page.next!, limit: 1000 })) {
      for (const r of page.items) out.write(`${JSON.stringify(r)}\n`);
      if (page.next === null) break;
    }
    await new Promise((r) => out.end(r));
  } else if (final.rejected > 0) {
    const first = await jobs.rejections(final.importId, { limit: 20 });
    for (const r of first.items) console.error(`line ${r.line}${r.sourceId ? ` (${r.sourceId})` : ''}: ${r.code}${r.field ? ` ${r.field}` : ''}: ${r.message}`);
    if (final.rejected > first.items.length) console.error(`… ${final.rejected - first.items.length} more; --rejections FILE writes them all`);
  }
  console.log(JSON.stringify(final, null, 2));
  await runner.close();
  await engines.eventStore.close();
  await engines.readStore.close();
  process.exitCode = final.status === 'completed' && (final.rejected === 0 || flags.allowRejections) ? 0 : 1;
}
