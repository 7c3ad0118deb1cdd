import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import {
  alignSeries,
  PALETTE,
  positiveOnly,
  rangeAround,
  type Series,
  smooth,
  type XMode,
} from '../lib/chart-data.js';
import { useElementWidth } from '../lib/use-width.js';

/**
 * A y range for uPlot: a flat series (one value) gets a range around it, otherwise uPlot's own padded range;
 * a log axis handles flat data itself. (uPlot passes nulls when there is no data, whatever its types say.)
 */
export const flatAwareYRange: uPlot.Range.Function = (_u, min: number | null, max: number | null) =>
  min === null || max === null
    ? [null, null]
    : min === max && Number.isFinite(min)
      ? rangeAround(min, 'value')
      : uPlot.rangeNum(min, max, 0.1, true);

/** What the chart needs from a plotting library; the default is uPlot (tests pass a recorder). */
export type PlotFactory = (
  options: uPlot.Options,
  data: uPlot.AlignedData,
  target: HTMLElement,
) => { destroy(): void; setSize(size: { width: number; height: number }): void };

/** Props of the metric chart. */
export interface MetricChartProps {
  title: string;
  series: Series[];
  xMode: XMode;
  logY?: boolean;
  /** Smoothing weight 0…0.99 (exponential moving average). */
  smoothing?: number;
  height?: number;
  factory?: PlotFactory;
}

const defaultFactory: PlotFactory = (options, data, target) => new uPlot(options, data, target);

/** Builds the aligned data and uPlot options for the given series and view settings. */
export function chartSetup(
  props: Pick<MetricChartProps, 'series' | 'xMode' | 'logY' | 'smoothing' | 'title'>,
  width: number,
  height: number,
): { options: uPlot.Options; data: uPlot.AlignedData } {
  const [xs, ...ys] = alignSeries(props.series);
  const shaped = ys.map((y) => {
    const s = smooth(y, props.smoothing ?? 0);
    return props.logY ? positiveOnly(s) : s;
  });
  const manyPoints = xs.length > 200;
  // One distinct x (a single point, or all at the same step or time): a range around it, not uPlot's 0…100.
  const lone = xs.length === 1 ? rangeAround(xs[0]!, props.xMode) : undefined;
  const xRange: uPlot.Range.Function = (_u, min, max) => lone ?? [min, max];
  const options: uPlot.Options = {
    title: props.title,
    width,
    height,
    scales: {
      x: { time: props.xMode === 'time', range: xRange },
      y: props.logY ? { distr: 3 } : { range: flatAwareYRange },
    },
    axes: [
      { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.2)' }, label: xLabel(props.xMode) },
      { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.2)' } },
    ],
    series: [
      { label: xLabel(props.xMode) },
      ...props.series.map((s, i) => ({
        label: s.label,
        stroke: s.color ?? PALETTE[i % PALETTE.length],
        width: 1.5,
        spanGaps: true,
        points: { show: !manyPoints },
      })),
    ],
    legend: { show: true },
  };
  return { options, data: [xs, ...shaped] as uPlot.AlignedData };
}

function xLabel(mode: XMode): string {
  return mode === 'step' ? 'Step' : mode === 'time' ? 'Time' : 'Relative time (s)';
}

/**
 * One metric chart drawn with uPlot (canvas, fast with many points). The server samples long histories,
 * so a chart gets a few hundred points per run whatever the history's length. The container carries
 * `data-drawn="true"` once the canvas is painted.
 */
export function MetricChart(props: MetricChartProps) {
  const ref = useRef<HTMLDivElement>(null);
  const width = useElementWidth(ref, 300, 600);
  const height = props.height ?? 260;
  const factory = props.factory ?? defaultFactory;

  const { series, xMode, logY, smoothing, title } = props;
  useEffect(() => {
    const el = ref.current;
    if (!el || width === 0) return;
    el.dataset.drawn = 'false';
    const { options, data } = chartSetup({ series, xMode, logY, smoothing, title }, width, height);
    options.hooks = {
      draw: [
        () => {
          el.dataset.drawn = 'true';
        },
      ],
    };
    const plot = factory(options, data, el);
    return () => plot.destroy();
  }, [series, xMode, logY, smoothing, title, width, height, factory]);

  const points = series.reduce((n, s) => n + s.xs.length, 0);
  return (
    <div className="metric-chart" data-metric={title} data-points={points}>
      <div ref={ref} className="metric-chart-plot" />
      {points === 0 ? <div className="state empty">No values for {title}</div> : null}
    </div>
  );
}
