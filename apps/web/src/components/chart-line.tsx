import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { positiveOnly, rangeAround, smooth, type XMode } from '../lib/chart-data.js';
import { hoveredId, setHovered, subscribeHover } from '../lib/chart-hover.js';
import { useElementWidth } from '../lib/use-width.js';
import { flatAwareYRange, type PlotFactory } from './metric-chart.js';

/** One line of a chart-view chart: a run, or a group's mean with its min–max band. */
export interface ChartLine {
  /** The run id, or `group:<value>`: what hovering it highlights everywhere. */
  id: string;
  label: string;
  color: string;
  xs: number[];
  ys: (number | null)[];
  band?: { min: (number | null)[]; max: (number | null)[] };
}

/** Props of the chart view's line chart. */
export interface LineChartProps {
  title: string;
  lines: ChartLine[];
  xMode: XMode;
  logY: boolean;
  smoothing: number;
  height?: number;
  factory?: PlotFactory;
}

/** The lines' shared x (sorted union) and, per line, its y (and band) on it. */
function align(lines: readonly ChartLine[]) {
  const seen = new Set<number>();
  for (const l of lines) for (const x of l.xs) seen.add(x);
  const xs = Float64Array.from(seen).sort();
  const index = new Map<number, number>();
  xs.forEach((x, i) => {
    index.set(x, i);
  });
  const place = (line: ChartLine, values: readonly (number | null)[]) => {
    const out = new Array<number | null>(xs.length).fill(null);
    line.xs.forEach((x, i) => {
      out[index.get(x)!] = values[i] ?? null;
    });
    return out;
  };
  return { xs: [...xs], place };
}

/** uPlot options and data for the chart view's lines: run colours, bands for groups, focus on hover. */
export function lineChartSetup(
  props: Pick<LineChartProps, 'title' | 'lines' | 'xMode' | 'logY' | 'smoothing'>,
  width: number,
  height: number,
): { options: uPlot.Options; data: uPlot.AlignedData; ids: (string | null)[] } {
  const { xs, place } = align(props.lines);
  const shape = (values: readonly (number | null)[]) => {
    const s = smooth(values, props.smoothing);
    return props.logY ? positiveOnly(s) : s;
  };
  const main = props.lines.map((l) => shape(place(l, l.ys)));
  const series: uPlot.Series[] = [{ label: 'x' }];
  const ids: (string | null)[] = [null];
  props.lines.forEach((l) => {
    series.push({ label: l.label, stroke: l.color, width: 1.5, spanGaps: true, points: { show: false } });
    ids.push(l.id);
  });
  const data: (number | null)[][] = [xs, ...main];
  const bands: uPlot.Band[] = [];
  props.lines.forEach((l) => {
    if (!l.band) return;
    data.push(shape(place(l, l.band.max)), shape(place(l, l.band.min)));
    series.push(
      { label: `${l.label} max`, stroke: 'transparent', spanGaps: true, points: { show: false } },
      { label: `${l.label} min`, stroke: 'transparent', spanGaps: true, points: { show: false } },
    );
    ids.push(null, null);
    bands.push({ series: [series.length - 2, series.length - 1], fill: `${l.color}33` });
  });
  const lone = xs.length === 1 ? rangeAround(xs[0]!, props.xMode) : undefined;
  const options: uPlot.Options = {
    width,
    height,
    scales: {
      x: { time: props.xMode === 'time', range: (_u, min, max) => lone ?? [min, max] },
      y: props.logY ? { distr: 3 } : { range: flatAwareYRange },
    },
    axes: [
      { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.2)' } },
      { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.2)' }, size: 56 },
    ],
    series,
    bands,
    legend: { show: false },
    // No redraw on focus: the highlight is drawn on an overlay (see `highlighter`).
    focus: { alpha: 1 },
    cursor: {
      // One hover point (the focused line's), and band edges never take the focus.
      points: { one: true, size: 7 },
      focus: {
        prox: 24,
        dist: (_u, seriesIdx, _dataIdx, valPos, cursorPos) =>
          ids[seriesIdx] ? valPos - cursorPos : Number.POSITIVE_INFINITY,
      },
      drag: { x: true, y: false },
    },
  };
  return { options, data: data as uPlot.AlignedData, ids };
}

/**
 * Draws the highlighted line on a canvas over the plot and fades the plot's own canvas with CSS opacity,
 * so a hover never redraws the chart's other lines (uPlot's series focus would repaint all of them, in
 * every chart, on each change). Returns the function that shows series `idx` (−1: none).
 */
function highlighter(plot: uPlot, lines: readonly ChartLine[]): (idx: number) => void {
  const over = plot.over as HTMLElement | undefined;
  const base = plot.ctx?.canvas as HTMLCanvasElement | undefined;
  if (!over || !base) return () => {};
  const canvas = document.createElement('canvas');
  canvas.className = 'line-highlight';
  over.appendChild(canvas);
  let shown = -1;
  return (idx) => {
    if (idx === shown) return;
    shown = idx;
    base.style.opacity = idx > 0 ? '0.4' : '';
    const ratio = window.devicePixelRatio || 1;
    const [w, h] = [over.clientWidth, over.clientHeight];
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
    const ctx = canvas.getContext('2d');
    if (!ctx || idx <= 0) return;
    const xs = plot.data[0];
    const ys = plot.data[idx] as (number | null | undefined)[];
    ctx.scale(ratio, ratio);
    ctx.strokeStyle = lines[idx - 1]?.color ?? 'currentColor';
    ctx.lineWidth = 2.5;
    ctx.beginPath();
    let started = false;
    for (let i = 0; i < xs.length; i++) {
      const y = ys[i];
      if (y === null || y === undefined) continue;
      const px = plot.valToPos(xs[i]!, 'x');
      const py = plot.valToPos(y, 'y');
      if (started) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
      started = true;
    }
    ctx.stroke();
  };
}

/**
 * A line chart of the chart view (uPlot on a canvas). Hovering a line highlights its run in every chart and
 * legend (the shared hover store); the container's `data-highlighted` names the highlighted line (tests),
 * `data-drawn="true"` says the canvas is painted.
 */
export function LineChart(props: LineChartProps) {
  const ref = useRef<HTMLDivElement>(null);
  const width = useElementWidth(ref, 240, 480);
  const height = props.height ?? 220;
  const factory = props.factory ?? ((o, d, t) => new uPlot(o, d, t));

  const { title, lines, xMode, logY, smoothing } = props;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the factory is fixed for a chart's life.
  useEffect(() => {
    const el = ref.current;
    if (!el || width === 0) return;
    el.dataset.drawn = 'false';
    const { options, data, ids } = lineChartSetup({ title, lines, xMode, logY, smoothing }, width, height);
    options.hooks = {
      draw: [
        () => {
          el.dataset.drawn = 'true';
          el.dataset.x = xMode;
          el.dataset.log = logY ? 'true' : 'false';
        },
      ],
      setSeries: [
        (_u, idx) => {
          setHovered(idx === null ? null : (ids[idx] ?? null));
        },
      ],
    };
    const plot = factory(options, data, el) as uPlot;
    const highlight = highlighter(plot, lines);
    const follow = () => {
      const id = hoveredId();
      el.dataset.highlighted = id ?? '';
      highlight(id === null ? -1 : ids.indexOf(id));
    };
    follow();
    const unsubscribe = subscribeHover(follow);
    return () => {
      unsubscribe();
      plot.destroy();
    };
  }, [title, lines, xMode, logY, smoothing, width, height]);

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: leaving the chart clears the shared highlight.
    <div
      ref={ref}
      className="line-chart-plot metric-chart-plot"
      data-lines={lines.length}
      onMouseLeave={() => setHovered(null)}
    />
  );
}
