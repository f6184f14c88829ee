import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  values: Array<number | null>;
  color: string;
  dash?: number[];
}

/** A line chart (uPlot, canvas) with a text alternative; its numbers are always beside it in a table or CSV. */
export function LineChart(props: { x: number[]; series: Series[]; xLabel: string; yLabel: string; ariaLabel: string; xFormat?: (v: number) => string; yFormat?: (v: number) => string; xRange?: [number, number]; yRange?: [number, number] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current!;
    const xf = props.xFormat ?? String;
    const yf = props.yFormat ?? String;
    const plot = new uPlot(
      {
        width: Math.min(720, el.clientWidth || 720),
        height: 320,
        scales: { x: { time: false, ...(props.xRange && { range: props.xRange }) }, y: props.yRange ? { range: props.yRange } : {} },
        axes: [
          { label: props.xLabel, values: (_u, ticks) => ticks.map(xf) },
          { label: props.yLabel, values: (_u, ticks) => ticks.map(yf), size: 70 },
        ],
        series: [
          { label: props.xLabel, value: (_u, v) => (v === null ? '–' : xf(v)) },
          ...props.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, ...(s.dash && { dash: s.dash, width: 1 }), value: (_u: uPlot, v: number | null) => (v === null ? '–' : yf(v)) })),
        ],
      },
      [props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData,
      el,
    );
    return () => plot.destroy();
  }, [props.x, props.series]);
  return <div ref={box} class="chart" role="img" aria-label={props.ariaLabel} />;
}

/** Offers text as a CSV file download. */
export function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  a.click();
  URL.revokeObjectURL(url);
}

/** Colours with at least 3:1 contrast on white, told apart by more than hue where lines cross (dashes). */
export const COLORS = ['#1d4ed8', '#b91c1c', '#047857', '#7c3aed', '#b45309', '#0e7490'];

/** A table's header row: plain columns, or `[label, 'num']` for right-aligned figures. */
export function Thead({ columns }: { columns: Array<string | [string, 'num']> }) {
  return (
    <thead>
      <tr>
        {columns.map((c) =>
          typeof c === 'string' ? (
            <th scope="col">{c}</th>
          ) : (
            <th scope="col" class="num">
              {c[0]}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}
