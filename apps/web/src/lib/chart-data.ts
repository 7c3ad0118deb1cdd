import type { MetricWithRunId } from '../api/types.js';
import { runColor } from './run-colors.js';

/** One line of a chart: points in x order. */
export interface Series {
  label: string;
  /** The line's colour (a run's stable colour); the palette's next one when missing. */
  color?: string;
  xs: number[];
  ys: (number | null)[];
}

/** What the x axis shows: the step, wall-clock time, or seconds since the series' first point. */
export type XMode = 'step' | 'time' | 'relative';

/** Splits a sampled history into one series per run, in the order of `runIds`, with x chosen by `mode`. */
export function seriesFromHistory(
  points: readonly MetricWithRunId[],
  runIds: readonly string[],
  labels: Readonly<Record<string, string>>,
  mode: XMode,
): Series[] {
  const byRun = new Map<string, MetricWithRunId[]>();
  for (const p of points) {
    if (p.run_id === undefined) continue;
    const list = byRun.get(p.run_id);
    if (list) list.push(p);
    else byRun.set(p.run_id, [p]);
  }
  // MLflow leaves out a step of 0 on the wire.
  const step = (p: MetricWithRunId) => p.step ?? 0;
  return runIds.map((id) => {
    const list = [...(byRun.get(id) ?? [])];
    list.sort((a, b) =>
      mode === 'step' ? step(a) - step(b) || a.timestamp - b.timestamp : a.timestamp - b.timestamp,
    );
    const t0 = list[0]?.timestamp ?? 0;
    return {
      label: labels[id] ?? id,
      color: runColor(id),
      xs: list.map((p) =>
        mode === 'step' ? step(p) : mode === 'time' ? p.timestamp / 1000 : (p.timestamp - t0) / 1000,
      ),
      ys: list.map((p) => (typeof p.value === 'number' && Number.isFinite(p.value) ? p.value : null)),
    };
  });
}

/**
 * Exponential moving average with TensorBoard's debiasing (so the start is not pulled to zero), as
 * MLflow's smoothing slider does; `weight` 0 leaves values unchanged. Gaps stay gaps.
 */
export function smooth(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return [...values];
  let last = 0;
  let count = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    last = last * weight + (1 - weight) * v;
    count++;
    const debias = 1 - weight ** count;
    return last / debias;
  });
}

/** uPlot's aligned data: one shared, sorted x array and one y array per series (null where a series has no point). */
export function alignSeries(series: readonly Series[]): [number[], ...(number | null)[][]] {
  const xs = [...new Set(series.flatMap((s) => s.xs))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const out = new Array<number | null>(xs.length).fill(null);
    s.xs.forEach((x, i) => {
      out[index.get(x)!] = s.ys[i] ?? null;
    });
    return out;
  });
  return [xs, ...ys];
}

/**
 * A range around one value, for an axis whose data has a single distinct value (one point, or every point
 * at the same x): uPlot would otherwise stretch a lone step 0 to 0…100 and a lone time to a whole day.
 * Steps get ±1, wall-clock and relative times ±60 s and ±1 s, other values (y) ±10% (±1 around zero).
 */
export function rangeAround(value: number, axis: XMode | 'value'): [number, number] {
  const half =
    axis === 'step' ? 1 : axis === 'time' ? 60 : axis === 'relative' ? 1 : Math.abs(value) * 0.1 || 1;
  return [value - half, value + half];
}

/** For a log axis: values that are not positive cannot be drawn, so they become gaps. */
export function positiveOnly(values: readonly (number | null)[]): (number | null)[] {
  return values.map((v) => (v !== null && v > 0 ? v : null));
}

/** The series colours, chosen to read on both themes. */
export const PALETTE = [
  '#3b82f6',
  '#ef4444',
  '#10b981',
  '#f59e0b',
  '#8b5cf6',
  '#ec4899',
  '#14b8a6',
  '#84cc16',
];
