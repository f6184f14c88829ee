import { LatencyRecorder, evaluate, formatTable, problemsOf, ratio, verdict, type MeasuredRow } from './stats';

const row = (over: Partial<MeasuredRow>): MeasuredRow => ({ id: 'x', title: 'x', kind: 'scenario', engine: 'sqlite', ops: 100, seconds: 1, throughput: 100, unit: 'ops/s', peakRssMiB: 50, ...over });

describe('LatencyRecorder', () => {
  it('reports percentiles of what was recorded, in milliseconds', () => {
    const recorder = new LatencyRecorder();
    for (let ms = 1; ms <= 100; ms++) recorder.recordMs(ms);
    const s = recorder.summary();
    expect(s.count).toBe(100);
    expect(s.p50).toBeCloseTo(50, 1);
    expect(s.p95).toBeCloseTo(95, 1);
    expect(s.p99).toBeCloseTo(99, 1);
    expect(s.max).toBeCloseTo(100, 1);
  });

  it('keeps sub-millisecond resolution', () => {
    const recorder = new LatencyRecorder();
    for (let i = 0; i < 10; i++) recorder.recordMs(0.25);
    expect(recorder.summary().p99).toBeCloseTo(0.25, 3);
  });
});

describe('ratio and verdict', () => {
  it('divides by the baseline and refuses a missing or zero baseline', () => {
    expect(ratio(600, 1000)).toBe(0.6);
    expect(ratio(600, 0)).toBeUndefined();
    expect(ratio(600, undefined)).toBeUndefined();
    expect(ratio(Number.NaN, 10)).toBeUndefined();
  });

  it('judges at-least and at-most targets, with the threshold itself counting as met', () => {
    const atLeast = { description: '≥ 50 %', metric: 'ratio' as const, comparison: 'atLeast' as const, threshold: 0.5 };
    const atMost = { description: 'p99 ≤ 5 ms', metric: 'p99' as const, comparison: 'atMost' as const, threshold: 5 };
    expect(verdict(atLeast, 0.5).verdict).toBe('met');
    expect(verdict(atLeast, 0.49).verdict).toBe('missed');
    expect(verdict(atMost, 5).verdict).toBe('met');
    expect(verdict(atMost, 5.01).verdict).toBe('missed');
    expect(verdict(atMost, undefined).verdict).toBe('missed');
  });
});

describe('evaluate', () => {
  it('computes each ratio against the named baseline of the same run, then the targets on it', () => {
    const [base, scenario] = evaluate([
      row({ id: 'raw', kind: 'baseline', throughput: 1000 }),
      row({ id: 'runner', throughput: 700, compareTo: { id: 'raw', metric: 'throughput' }, targets: [{ description: '≥ 50 %', metric: 'ratio', comparison: 'atLeast', threshold: 0.5 }] }),
    ]);
    expect(base.ratio).toBeUndefined();
    expect(scenario.ratio).toBe(0.7);
    expect(scenario.targets).toEqual([expect.objectContaining({ measured: 0.7, verdict: 'met' })]);
  });

  it('compares latency on p99 when asked (lower is better, so the target is at-most)', () => {
    const [, long] = evaluate([
      row({ id: 'new', kind: 'baseline', latencyMs: { count: 10, p50: 1, p95: 1.5, p99: 2, max: 3 } }),
      row({ id: 'long', latencyMs: { count: 10, p50: 1, p95: 2, p99: 4, max: 5 }, compareTo: { id: 'new', metric: 'p99' }, targets: [{ description: '≤ 1.5×', metric: 'ratio', comparison: 'atMost', threshold: 1.5 }] }),
    ]);
    expect(long.ratio).toBe(2);
    expect(long.targets?.[0].verdict).toBe('missed');
  });
});

describe('problemsOf (the harness fails on nonsense, whatever the mode)', () => {
  it('accepts a sane row', () => {
    expect(problemsOf(evaluate([row({ latencyMs: { count: 1, p50: 1, p95: 1, p99: 1, max: 1 } })])[0])).toEqual([]);
  });

  it('flags zero operations, a non-positive throughput, inverted percentiles and a missing baseline', () => {
    const [r] = evaluate([row({ ops: 0, throughput: 0, latencyMs: { count: 1, p50: 5, p95: 1, p99: 1, max: 1 }, compareTo: { id: 'absent', metric: 'throughput' } })]);
    const problems = problemsOf(r).join('\n');
    expect(problems).toMatch(/no operations/);
    expect(problems).toMatch(/throughput/);
    expect(problems).toMatch(/percentiles/);
    expect(problems).toMatch(/no ratio to baseline absent/);
  });
});

describe('formatTable', () => {
  const rows = evaluate([
    row({ id: 'raw', title: 'raw insert', kind: 'baseline', throughput: 1000 }),
    row({ id: 'runner', title: 'runner | 32', throughput: 400, compareTo: { id: 'raw', metric: 'throughput' }, targets: [{ description: '≥ 50 %', metric: 'ratio', comparison: 'atLeast', threshold: 0.5 }] }),
  ]);

  it('prints one line per row with the ratio and the verdict', () => {
    const lines = formatTable(rows).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toContain('(baseline) raw insert');
    expect(lines[3]).toContain('0.40× throughput');
    expect(lines[3]).toContain('MISSED ≥ 50 %');
  });

  it('renders Markdown with pipes in cells escaped', () => {
    const md = formatTable(rows, true).split('\n');
    expect(md[1]).toMatch(/^\| --- \|/);
    expect(md[3]).toContain('runner \\| 32');
  });
});
