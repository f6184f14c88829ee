import * as hdr from 'hdr-histogram-js';
import { readFileSync, writeFileSync } from 'node:fs';

/** Latency in milliseconds (recorded in microseconds, 3 significant digits). */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export class LatencyRecorder {
  private readonly histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });

  recordMs(ms: number): void {
    this.histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  /** Runs `work` and records how long it took. */
  async time<T>(work: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    try {
      return await work();
    } finally {
      this.recordMs(Number(process.hrtime.bigint() - started) / 1e6);
    }
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  summary(): LatencySummary {
    const at = (p: number) => round(this.histogram.getValueAtPercentile(p) / 1000);
    return { count: this.histogram.totalCount, p50: at(50), p95: at(95), p99: at(99), max: round(this.histogram.maxValue / 1000) };
  }
}

export const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

/** A single measurement as a latency summary (a wall time reported in the latency columns). */
export const once = (ms: number): LatencySummary => ({ count: 1, p50: round(ms), p95: round(ms), p99: round(ms), max: round(ms) });

export type Metric = 'throughput' | 'p50' | 'p99' | 'ratio' | 'peakRssMiB';

export interface TargetSpec {
  description: string;
  metric: Metric;
  comparison: 'atLeast' | 'atMost';
  threshold: number;
}

export interface TargetResult extends TargetSpec {
  measured: number;
  verdict: 'met' | 'missed';
}

export interface ScenarioResult {
  id: string;
  title: string;
  kind: 'scenario' | 'baseline';
  engine: string;
  ops: number;
  seconds: number;
  /** ops per second */
  throughput: number;
  unit: string;
  latencyMs?: LatencySummary;
  peakRssMiB: number;
  /** the baseline row this one is compared with, and on which metric */
  compareTo?: { id: string; metric: 'throughput' | 'p99' };
  ratio?: number;
  targets?: TargetResult[];
  note?: string;
}

export type MeasuredRow = Omit<ScenarioResult, 'ratio' | 'targets'> & { targets?: TargetSpec[] };

/** measured / baseline; undefined when the baseline is absent or not positive. */
export function ratio(measured: number, baseline: number | undefined): number | undefined {
  if (baseline === undefined || !(baseline > 0) || !Number.isFinite(measured)) return undefined;
  return round(measured / baseline, 3);
}

export function verdict(spec: TargetSpec, measured: number | undefined): TargetResult {
  const ok = measured !== undefined && Number.isFinite(measured) && (spec.comparison === 'atLeast' ? measured >= spec.threshold : measured <= spec.threshold);
  return { ...spec, measured: measured ?? NaN, verdict: ok ? 'met' : 'missed' };
}

export function metricOf(row: Pick<ScenarioResult, 'throughput' | 'latencyMs' | 'peakRssMiB' | 'ratio'>, metric: Metric): number | undefined {
  switch (metric) {
    case 'throughput':
      return row.throughput;
    case 'p50':
      return row.latencyMs?.p50;
    case 'p99':
      return row.latencyMs?.p99;
    case 'ratio':
      return row.ratio;
    case 'peakRssMiB':
      return row.peakRssMiB;
  }
}

/** Fills in ratios to the baselines of the same run and the target verdicts. */
export function evaluate(rows: MeasuredRow[]): ScenarioResult[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return rows.map((row) => {
    const base = row.compareTo ? byId.get(row.compareTo.id) : undefined;
    const r = row.compareTo && base ? ratio(metricOf(row, row.compareTo.metric) ?? NaN, metricOf(base, row.compareTo.metric)) : undefined;
    const withRatio = { ...row, ratio: r } as ScenarioResult;
    return { ...withRatio, targets: row.targets?.map((t) => verdict(t, metricOf(withRatio, t.metric))) };
  });
}

/** A harness that measured nothing must fail, whatever the mode: these are the signs of it. */
export function problemsOf(row: ScenarioResult): string[] {
  const problems: string[] = [];
  if (!(row.ops > 0)) problems.push(`${row.id}: no operations measured (ops=${row.ops})`);
  if (!(row.seconds > 0) || !Number.isFinite(row.throughput) || !(row.throughput > 0)) problems.push(`${row.id}: throughput is not a positive number (${row.throughput})`);
  if (row.latencyMs && !(row.latencyMs.p99 > 0 && row.latencyMs.p50 <= row.latencyMs.p99)) problems.push(`${row.id}: latency percentiles make no sense (${JSON.stringify(row.latencyMs)})`);
  if (row.compareTo && row.ratio === undefined) problems.push(`${row.id}: no ratio to baseline ${row.compareTo.id}`);
  return problems;
}

const fmt = (n: number | undefined, digits = 0): string => (n === undefined || !Number.isFinite(n) ? '–' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

/** A plain text table (no dependency), also used verbatim in docs/performance.md as Markdown. */
export function formatTable(rows: ScenarioResult[], markdown = false): string {
  const header = ['scenario', 'engine', 'ops', 'throughput', 'p50 ms', 'p95 ms', 'p99 ms', 'peak RSS MiB', 'vs baseline', 'target'];
  const body = rows.map((r) => [
    r.kind === 'baseline' ? `(baseline) ${r.title}` : r.title,
    r.engine,
    fmt(r.ops),
    `${fmt(r.throughput)} ${r.unit}`,
    fmt(r.latencyMs?.p50, 2),
    fmt(r.latencyMs?.p95, 2),
    fmt(r.latencyMs?.p99, 2),
    fmt(r.peakRssMiB),
    r.ratio === undefined ? '' : `${fmt(r.ratio, 2)}× ${r.compareTo?.metric}`,
    (r.targets ?? []).map((t) => `${t.verdict === 'met' ? 'MET' : 'MISSED'} ${t.description}`).join('; '),
  ]);
  if (markdown) {
    const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
    return [line(header), line(header.map(() => '---')), ...body.map(line)].join('\n');
  }
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** Peak resident set of this process so far (VmHWM), MiB; falls back to the current RSS off Linux. */
export function peakRssMiB(): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return round(Number(match[1]) / 1024, 1);
  } catch {
    /* not Linux */
  }
  return round(process.memoryUsage().rss / 1048576, 1);
}

/** Resets VmHWM so the next reading covers one scenario only (Linux ≥ 4.0; elsewhere a no-op). */
export function resetPeakRss(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    /* not permitted or not Linux: the reading then covers the process lifetime */
  }
}
