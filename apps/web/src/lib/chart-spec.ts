/** The kinds of chart the experiment chart view draws. */
export type ChartKind = 'line' | 'bar' | 'scatter' | 'parallel';

/**
 * One chart of the chart view. `line` and `bar` name a metric; `scatter` an x and a y and `parallel` its
 * axes, each `metric:<key>` or `param:<key>` (the parallel-coordinates choices).
 */
export type ChartSpec =
  | { kind: 'line' | 'bar'; metric: string }
  | { kind: 'scatter'; x: string; y: string }
  | { kind: 'parallel'; axes: string[] };

const LETTER: Record<ChartKind, string> = { line: 'l', bar: 'b', scatter: 's', parallel: 'p' };
const KIND: Record<string, ChartKind> = { l: 'line', b: 'bar', s: 'scatter', p: 'parallel' };

// The separators (`.` between charts, `~` between a chart's keys) are escaped inside keys, with `%` itself.
const escapeKey = (key: string) => key.replace(/[%.~]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
const unescapeKey = (text: string) =>
  text.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));

/** A chart's parts: its keys in order. */
function keysOf(spec: ChartSpec): string[] {
  switch (spec.kind) {
    case 'line':
    case 'bar':
      return [spec.metric];
    case 'scatter':
      return [spec.x, spec.y];
    case 'parallel':
      return spec.axes;
  }
}

/**
 * The compact URL form of a chart list (the `charts` query key): a letter per chart and its keys,
 * `lloss.bacc.smetric:lr~metric:loss`. Short metric names stay readable; any character survives.
 */
export function encodeCharts(specs: readonly ChartSpec[]): string {
  return specs.map((s) => LETTER[s.kind] + keysOf(s).map(escapeKey).join('~')).join('.');
}

/** Reads `encodeCharts`' form back; unknown or malformed entries are dropped, not fatal (old links still open). */
export function decodeCharts(text: string): ChartSpec[] {
  if (!text) return [];
  const out: ChartSpec[] = [];
  for (const part of text.split('.')) {
    const kind = KIND[part[0] ?? ''];
    const keys = part.slice(1).split('~').map(unescapeKey);
    if (kind === 'line' || kind === 'bar') {
      if (keys[0]) out.push({ kind, metric: keys[0] });
    } else if (kind === 'scatter') {
      if (keys.length === 2 && keys[0] && keys[1]) out.push({ kind, x: keys[0], y: keys[1] });
    } else if (kind === 'parallel') {
      const axes = keys.filter(Boolean);
      if (axes.length > 0) out.push({ kind, axes });
    }
  }
  return out;
}

/** A stable id of a chart, for React keys and test selectors. */
export function chartId(spec: ChartSpec): string {
  return encodeCharts([spec]);
}

/** Moves the chart at `from` by `delta` places (clamped at the ends); returns a new list. */
export function moveChart<T>(list: readonly T[], from: number, delta: number): T[] {
  const to = Math.min(list.length - 1, Math.max(0, from + delta));
  const next = [...list];
  const [item] = next.splice(from, 1);
  if (item !== undefined) next.splice(to, 0, item);
  return next;
}

/**
 * Bar or line for a metric, as MLflow's chart view decides: a metric every run logged at most once (one
 * value per run) is a bar chart of those values; a history over steps or time is a line chart.
 */
export function chartKindFor(pointsPerRun: readonly number[]): 'bar' | 'line' {
  return pointsPerRun.every((n) => n <= 1) ? 'bar' : 'line';
}
