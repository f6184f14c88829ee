import 'reflect-metadata';
import { Command } from 'commander';
import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { serveChild } from './child';
import { createContext, type Scenario } from './context';
import { ROLES } from './roles';
import { appendEmbedded, appendPostgres } from './scenarios/append';
import { clv } from './scenarios/clv';
import { consoleScenario } from './scenarios/console';
import { duplicatesScenario } from './scenarios/duplicates';
import { forecastHistoryScenario } from './scenarios/forecast-history';
import { salesDeskScenario } from './scenarios/sales-desk';
import { feedScenario, webhooksScenario } from './scenarios/webhooks';
import { longHistory } from './scenarios/history';
import { httpAppend } from './scenarios/http';
import { importScenario } from './scenarios/import';
import { rebuildAndQueries, rebuildMongo } from './scenarios/rebuild';
import { scaleScenario } from './scenarios/scale';
import { freshnessEmbedded, kafka } from './scenarios/streaming';
import { evaluate, formatTable, problemsOf, type MeasuredRow } from './stats';

/**
 * `npm run bench` (full, < 10 min on 2 cores) or `npm run bench -- --quick`
 * (CI, < 1 min). Runs every scenario whose engines are configured, each next to
 * its raw baseline, and writes bench/results/<timestamp>.json and latest.json.
 */
const SCENARIOS: Array<{ name: string; engines: string; run: Scenario }> = [
  { name: 'append-embedded', engines: 'sqlite', run: appendEmbedded },
  { name: 'append-postgres', engines: 'postgres', run: appendPostgres },
  { name: 'http-append', engines: 'sqlite', run: httpAppend },
  { name: 'long-history', engines: 'sqlite', run: longHistory },
  { name: 'rebuild-queries', engines: 'sqlite', run: rebuildAndQueries },
  { name: 'rebuild-mongodb', engines: 'mongodb', run: rebuildMongo },
  { name: 'freshness-embedded', engines: 'sqlite', run: freshnessEmbedded },
  { name: 'kafka', engines: 'kafka', run: kafka },
  { name: 'import', engines: 'sqlite', run: importScenario },
  { name: 'clv', engines: 'sqlite', run: clv },
  { name: 'duplicates', engines: 'sqlite', run: duplicatesScenario },
  { name: 'forecast-history', engines: 'sqlite', run: forecastHistoryScenario },
  { name: 'sales-desk', engines: 'sqlite', run: salesDeskScenario },
  { name: 'webhooks', engines: 'sqlite', run: webhooksScenario },
  { name: 'feed', engines: 'sqlite', run: feedScenario },
  { name: 'scale', engines: 'sqlite', run: scaleScenario },
  { name: 'console', engines: 'sqlite', run: consoleScenario },
];

function machine() {
  const cpuModel = (() => {
    try {
      return /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model;
    } catch {
      return cpus()[0]?.model;
    }
  })();
  const commit = (() => {
    try {
      return execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    } catch {
      return undefined;
    }
  })();
  return { nproc: cpus().length, cpu: cpuModel, ramGiB: Number((totalmem() / 2 ** 30).toFixed(1)), node: process.version, platform: `${process.platform} ${process.arch}`, commit };
}

async function main(): Promise<void> {
  const program = new Command('bench')
    .description('Touchpoint benchmarks: every scenario with its raw baseline, ratios and target verdicts')
    .option('--quick', 'small sizes, same code paths (CI); targets are reported but do not fail the run')
    .option('--only <names...>', `run only these scenarios (${SCENARIOS.map((s) => s.name).join(', ')})`)
    .option('--out <dir>', 'results directory', 'bench/results')
    .option('--strict', 'exit 1 when a target is missed (full mode)')
    .parse(process.argv);
  const options = program.opts<{ quick?: boolean; only?: string[]; out: string; strict?: boolean }>();
  const unknown = (options.only ?? []).filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}`);

  const tmp = mkdtempSync(join(process.env.BENCH_TMPDIR || tmpdir(), 'touchpoint-bench-'));
  const ctx = createContext({ quick: Boolean(options.quick), tmp, env: process.env });
  const started = new Date();
  const host = machine(); // at the start: the commit the measured code was built from
  ctx.log(`touchpoint bench (${ctx.quick ? 'quick' : 'full'}) — engines: sqlite${ctx.urls.pg ? ', postgres' : ''}${ctx.urls.mongo ? ', mongodb' : ''}${ctx.urls.kafka ? ', kafka' : ''}`);
  for (const [name, url] of [['PostgreSQL', ctx.urls.pg], ['MongoDB', ctx.urls.mongo], ['Kafka', ctx.urls.kafka]]) {
    if (!url) ctx.log(`[skip] ${name} scenarios: no BENCH_/TOUCHPOINT_TEST_ URL set`);
  }

  const measured: MeasuredRow[] = [];
  const timings: Record<string, number> = {};
  // A failing scenario fails the run, but after the others have run and the results are written.
  const failures: string[] = [];
  try {
    for (const scenario of SCENARIOS) {
      if (options.only && !options.only.includes(scenario.name)) continue;
      const t = Date.now();
      ctx.log(`▶ ${scenario.name}`);
      try {
        measured.push(...(await scenario.run(ctx)));
      } catch (error) {
        failures.push(`${scenario.name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        ctx.log(`  FAILED: ${error instanceof Error ? error.message : String(error)}`);
      }
      timings[scenario.name] = Number(((Date.now() - t) / 1000).toFixed(1));
      ctx.log(`  done in ${timings[scenario.name]} s`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }

  const results = evaluate(measured);
  const report = { failures, startedAt: started.toISOString(), mode: ctx.quick ? 'quick' : 'full', seconds: Number(((Date.now() - started.getTime()) / 1000).toFixed(1)), machine: host, scenarioSeconds: timings, results };
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(join(out, `${started.toISOString().replace(/[:.]/g, '-')}${ctx.quick ? '-quick' : ''}.json`), json);
  writeFileSync(join(out, ctx.quick ? 'latest-quick.json' : 'latest.json'), json);

  ctx.log(`\n${formatTable(results)}\n`);
  for (const r of results.filter((x) => x.note)) ctx.log(`note: ${r.title}: ${r.note}`);
  const missed = results.flatMap((r) => (r.targets ?? []).filter((t) => t.verdict === 'missed').map((t) => `${r.title}: ${t.description} (measured ${t.measured})`));
  const targets = results.flatMap((r) => r.targets ?? []).length;
  ctx.log(`targets: ${targets - missed.length}/${targets} met${missed.length ? `; missed: ${missed.join('; ')}` : ''}`);
  ctx.log(`results: ${join(options.out, ctx.quick ? 'latest-quick.json' : 'latest.json')} (${report.seconds} s)`);

  const problems = [...failures, ...results.flatMap(problemsOf)];
  if (problems.length) {
    console.error(`bench harness failure:\n  - ${problems.join('\n  - ')}`);
    process.exit(1);
  }
  if (missed.length && options.strict && !ctx.quick) process.exit(1);
}

if (process.argv[2] === '--child') {
  serveChild(ROLES);
} else {
  main().catch((error) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  });
}
