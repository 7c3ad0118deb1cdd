import type { Run } from '../api/types.js';
import type { Series } from './chart-data.js';

/** A value runs are grouped by: `params.<key>`, `tags.<key>` or `dataset` (the dataset's name and digest). */
export type GroupBy = string;

/** The value a run has for `groupBy`; runs without one form the group `(none)`. */
export function groupValue(run: Run, groupBy: GroupBy): string {
  if (groupBy === 'dataset') {
    const names = (run.inputs?.dataset_inputs ?? [])
      .map((d) => (d.dataset ? `${d.dataset.name} (${d.dataset.digest})` : ''))
      .filter(Boolean)
      .sort();
    return names.length > 0 ? names.join(', ') : NONE;
  }
  const [kind, ...rest] = groupBy.split('.');
  const key = rest.join('.');
  const list = kind === 'params' ? run.data.params : kind === 'tags' ? run.data.tags : undefined;
  return list?.find((p) => p.key === key)?.value ?? NONE;
}

/** The name of the group of runs that have no value for the grouping key. */
export const NONE = '(none)';

/** One group of runs. */
export interface RunGroup {
  value: string;
  runIds: string[];
}

/** Runs grouped by `groupBy`, groups in order of first appearance. */
export function groupRuns(runs: readonly Run[], groupBy: GroupBy): RunGroup[] {
  const groups = new Map<string, string[]>();
  for (const run of runs) {
    const value = groupValue(run, groupBy);
    const list = groups.get(value);
    if (list) list.push(run.info.run_id);
    else groups.set(value, [run.info.run_id]);
  }
  return [...groups].map(([value, runIds]) => ({ value, runIds }));
}

/** A group's aggregate line: at each x, the mean, min and max of the members that have a value there. */
export interface AggregateSeries {
  xs: number[];
  mean: (number | null)[];
  min: (number | null)[];
  max: (number | null)[];
}

/**
 * The mean line and min–max band of some series (a group's runs), as Aim's and MLflow's grouped charts
 * draw: x values are the union of the members' xs; a member without a value at an x is left out there.
 */
export function aggregate(members: readonly Series[]): AggregateSeries {
  const acc = new Map<number, { sum: number; n: number; min: number; max: number }>();
  for (const s of members) {
    s.xs.forEach((x, i) => {
      const y = s.ys[i];
      if (y === null || y === undefined || !Number.isFinite(y)) return;
      const a = acc.get(x);
      if (a) {
        a.sum += y;
        a.n++;
        if (y < a.min) a.min = y;
        if (y > a.max) a.max = y;
      } else acc.set(x, { sum: y, n: 1, min: y, max: y });
    });
  }
  const xs = [...acc.keys()].sort((a, b) => a - b);
  return {
    xs,
    mean: xs.map((x) => acc.get(x)!.sum / acc.get(x)!.n),
    min: xs.map((x) => acc.get(x)!.min),
    max: xs.map((x) => acc.get(x)!.max),
  };
}

/** The keys runs can be grouped by: their params and (user) tags, and `dataset` when any run has one. */
export function groupChoices(runs: readonly Run[]): GroupBy[] {
  const params = new Set<string>();
  const tags = new Set<string>();
  let datasets = false;
  for (const r of runs) {
    for (const p of r.data.params ?? []) params.add(p.key);
    for (const t of r.data.tags ?? []) if (!t.key.startsWith('mlflow.')) tags.add(t.key);
    if ((r.inputs?.dataset_inputs ?? []).length > 0) datasets = true;
  }
  const sorted = (s: Set<string>) => [...s].sort((a, b) => a.localeCompare(b));
  return [
    ...sorted(params).map((k) => `params.${k}`),
    ...sorted(tags).map((k) => `tags.${k}`),
    ...(datasets ? ['dataset'] : []),
  ];
}
