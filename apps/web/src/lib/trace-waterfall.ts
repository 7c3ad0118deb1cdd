/** The waterfall's arithmetic: where each span's bar sits on the trace's time axis. */
import type { SpanRow, SpanView } from './trace-spans.js';

/** The trace's time window in Unix nanoseconds: first span start to last span end. */
export interface TraceWindow {
  startNs: bigint;
  endNs: bigint;
}

/** One bar: left edge and width in percent of the window, and the span's own times relative to it. */
export interface WaterfallBar {
  /** Percent of the window from its start to the span's start. */
  left: number;
  /** Percent of the window the span lasts (at least `minWidth`, and never past the right edge). */
  width: number;
  /** Nanoseconds from the trace start to the span start. */
  offsetNs: number;
  /** The span's duration in nanoseconds; undefined while it is still open. */
  durationNs?: number;
}

/**
 * The window the spans cover: earliest start to latest end. Open spans (no end yet) count by their start, so
 * an unfinished trace still has a window; `undefined` when there are no spans.
 */
export function traceWindow(spans: readonly SpanView[]): TraceWindow | undefined {
  if (spans.length === 0) return undefined;
  let startNs = spans[0]!.startNs;
  let endNs = spans[0]!.endNs ?? spans[0]!.startNs;
  for (const s of spans) {
    if (s.startNs < startNs) startNs = s.startNs;
    const end = s.endNs ?? s.startNs;
    if (end > endNs) endNs = end;
  }
  return { startNs, endNs };
}

/**
 * A span's bar in a window. Differences are taken in `bigint` before turning into numbers, so nanosecond
 * times near 2^60 keep their precision. Open spans run to the window's end. A zero-length window (one
 * instant) gives every bar the full width, since there is no scale to place them on.
 */
export function barOf(span: SpanView, window: TraceWindow, minWidth = 0.5): WaterfallBar {
  const total = Number(window.endNs - window.startNs);
  const offsetNs = Number(span.startNs - window.startNs);
  const durationNs = span.endNs === undefined ? undefined : Number(span.endNs - span.startNs);
  if (total <= 0) return { left: 0, width: 100, offsetNs, durationNs };
  // A bar at the very end still shows `minWidth` of itself, inside the axis.
  const left = clamp((offsetNs / total) * 100, 0, 100 - minWidth);
  const length = durationNs ?? Number(window.endNs - span.startNs);
  const width = clamp((length / total) * 100, minWidth, 100 - left);
  return { left, width, offsetNs, durationNs };
}

/** Every row's bar in the window of all rows' spans. */
export function layoutWaterfall(rows: readonly SpanRow[], minWidth = 0.5): WaterfallBar[] {
  const window = traceWindow(rows.map((r) => r.span));
  if (!window) return [];
  return rows.map((r) => barOf(r.span, window, minWidth));
}

/**
 * Axis ticks for a window of `totalNs`: a "nice" step (1, 2 or 5 × 10^k ns) giving about `count` ticks,
 * each as its offset in nanoseconds and its position in percent.
 */
export function axisTicks(totalNs: number, count = 5): { ns: number; percent: number }[] {
  if (!(totalNs > 0)) return [{ ns: 0, percent: 0 }];
  const raw = totalNs / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: { ns: number; percent: number }[] = [];
  for (let ns = 0; ns <= totalNs + step * 1e-9; ns += step) ticks.push({ ns, percent: (ns / totalNs) * 100 });
  return ticks;
}

/** A duration in nanoseconds, short: `850ns`, `12.3µs`, `4.56ms`, `1.23s`, `2.5min`. */
export function formatNanos(ns: number | undefined): string {
  if (ns === undefined || !Number.isFinite(ns)) return '';
  if (ns < 1_000) return `${Math.round(ns)}ns`;
  if (ns < 1_000_000) return `${trim(ns / 1_000)}µs`;
  if (ns < 1_000_000_000) return `${trim(ns / 1_000_000)}ms`;
  if (ns < 60e9) return `${trim(ns / 1e9)}s`;
  return `${(ns / 60e9).toFixed(1)}min`;
}

function trim(value: number): string {
  return String(+value.toPrecision(3));
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}
