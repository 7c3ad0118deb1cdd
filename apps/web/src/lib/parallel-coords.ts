import type { Run } from '../api/types.js';

/** A param or metric to draw an axis for: `param:<key>` or `metric:<key>`. */
export type AxisChoice = string;

/** One vertical axis: numeric (linear between min and max) or categorical (sorted categories, evenly spaced). */
export type Axis =
  | { choice: AxisChoice; label: string; kind: 'numeric'; min: number; max: number }
  | { choice: AxisChoice; label: string; kind: 'categorical'; categories: string[] };

/** A run's value for a param or metric, as text (metrics formatted by the server as numbers or 'NaN'). */
export function rawValue(run: Run, choice: AxisChoice): string | undefined {
  const [kind, ...rest] = choice.split(':');
  const key = rest.join(':');
  if (kind === 'param') return run.data.params?.find((p) => p.key === key)?.value;
  const value = run.data.metrics?.find((m) => m.key === key)?.value;
  return value === undefined ? undefined : String(value);
}

/** A finite number, or undefined. */
export function numberOf(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** A run's param or metric as a finite number, or undefined (a param that is not a number, a NaN metric). */
export function numericValue(run: Run, choice: AxisChoice): number | undefined {
  return numberOf(rawValue(run, choice));
}

const byNatural = new Intl.Collator(undefined, { numeric: true }).compare;

/**
 * The axis for a param or metric over some runs: numeric when every run that has it has a finite number
 * (metrics always are), else categorical with the distinct values in natural order.
 */
export function buildAxis(runs: readonly Run[], choice: AxisChoice): Axis {
  const label = choice.replace(/^(param|metric):/, '');
  const texts = runs.map((r) => rawValue(r, choice)).filter((t): t is string => t !== undefined);
  const numbers = texts.map(numberOf);
  const isMetric = choice.startsWith('metric:');
  if (isMetric || numbers.every((n) => n !== undefined)) {
    const finite = numbers.filter((n): n is number => n !== undefined);
    if (finite.length === 0) return { choice, label, kind: 'numeric', min: 0, max: 0 };
    return { choice, label, kind: 'numeric', min: Math.min(...finite), max: Math.max(...finite) };
  }
  return { choice, label, kind: 'categorical', categories: [...new Set(texts)].sort(byNatural) };
}

/**
 * Where a run sits on an axis, from 0 (bottom) to 1 (top), or undefined when it has no (drawable) value.
 * A numeric axis with one value puts it in the middle; so does a categorical axis with one category.
 */
export function position(axis: Axis, run: Run): number | undefined {
  const text = rawValue(run, axis.choice);
  if (text === undefined) return undefined;
  if (axis.kind === 'categorical') {
    const i = axis.categories.indexOf(text);
    if (i < 0) return undefined;
    return axis.categories.length === 1 ? 0.5 : i / (axis.categories.length - 1);
  }
  const n = numberOf(text);
  if (n === undefined) return undefined;
  return axis.max === axis.min ? 0.5 : (n - axis.min) / (axis.max - axis.min);
}

/**
 * The SVG path of a run across axes at x positions `xs`, y mapped from [0, 1] to [bottom, top]; a missing
 * value breaks the line, so it never pretends a value.
 */
export function polylinePath(
  positions: readonly (number | undefined)[],
  xs: readonly number[],
  top: number,
  bottom: number,
): string {
  let path = '';
  let drawing = false;
  positions.forEach((p, i) => {
    if (p === undefined) {
      drawing = false;
      return;
    }
    const y = bottom - p * (bottom - top);
    path += `${drawing ? 'L' : 'M'}${xs[i]!.toFixed(1)},${y.toFixed(1)}`;
    drawing = true;
  });
  return path;
}

/** A colour from low (blue) to high (red) through the middle, for a value in [0, 1]; grey when unknown. */
export function rampColor(t: number | undefined): string {
  if (t === undefined || !Number.isFinite(t)) return '#9ca3af';
  const stops = [
    [59, 130, 246],
    [16, 185, 129],
    [245, 158, 11],
    [239, 68, 68],
  ] as const;
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [stops[i]!, stops[i + 1]!];
  const mix = (k: 0 | 1 | 2) => Math.round(a[k] + (b[k] - a[k]) * f);
  return `rgb(${mix(0)}, ${mix(1)}, ${mix(2)})`;
}

/** The axes to start with: the params whose values differ (up to `max` − 1), then the colour metric. */
export function defaultAxes(
  runs: readonly Run[],
  choices: readonly AxisChoice[],
  colorBy: AxisChoice,
  max = 6,
): AxisChoice[] {
  const differs = (c: AxisChoice) => new Set(runs.map((r) => rawValue(r, c) ?? '')).size > 1;
  const params = choices.filter((c) => c.startsWith('param:'));
  const picked = [...params.filter(differs), ...params.filter((c) => !differs(c))].slice(0, max - 1);
  return colorBy ? [...picked, colorBy] : picked;
}
