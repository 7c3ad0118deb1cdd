/** Comparing two evaluations: their aggregates side by side, and their rows joined on the inputs. */

import { classifyColumns, type EvalTable, type MetricLike, scoreView } from './evaluation.js';

/** One aggregate metric of two evaluations, with the change from left to right. */
export interface AggregateDiff {
  key: string;
  left?: number | string;
  right?: number | string;
  /** `right - left` when both have the metric as a finite number. */
  delta?: number;
}

/** Every aggregate either side has, by name, with the difference where both have it. */
export function compareAggregates(
  left: readonly MetricLike[],
  right: readonly MetricLike[],
): AggregateDiff[] {
  const keys = [...new Set([...left, ...right].map((m) => m.key))].sort((a, b) => a.localeCompare(b));
  return keys.map((key) => {
    const l = left.find((m) => m.key === key)?.value;
    const r = right.find((m) => m.key === key)?.value;
    return typeof l === 'number' && typeof r === 'number' && Number.isFinite(r - l)
      ? { key, left: l, right: r, delta: r - l }
      : { key, left: l, right: r };
  });
}

/** One line of a joined comparison: the same inputs in both tables, or a row only one side has. */
export interface JoinedRow {
  /** The row's index in each table (missing on the side without it). */
  left?: number;
  right?: number;
  side: 'both' | 'left' | 'right';
  /** The score columns (by name) both tables have whose values differ between the two rows. */
  changed: string[];
}

/** The columns a join compares: the input columns both tables have (its key) and the score columns of either. */
export interface JoinColumns {
  keys: string[];
  scores: string[];
  outputs: string[];
  /** A score column's rationale column (by name), where either table pairs one. */
  rationales: Record<string, string>;
}

/** A value as text in which objects with the same entries in another order are equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The join key, score and output columns of two tables (names; classified as `classifyColumns`). */
export function joinColumns(left: EvalTable, right: EvalTable): JoinColumns {
  const l = classifyColumns(left);
  const r = classifyColumns(right);
  const names = (cols: typeof l, role: string) => cols.filter((c) => c.role === role).map((c) => c.name);
  const rightInputs = new Set(names(r, 'input'));
  const union = (role: string) => [...new Set([...names(l, role), ...names(r, role)])];
  return {
    keys: names(l, 'input').filter((n) => rightInputs.has(n)),
    scores: union('score'),
    outputs: union('output'),
    rationales: Object.fromEntries(
      [l, r].flatMap((cols) =>
        cols.filter((c) => c.rationale !== undefined).map((c) => [c.name, cols[c.rationale!]!.name]),
      ),
    ),
  };
}

/** A cell by column name (undefined when the table has no such column). */
export function cellOf(table: EvalTable, row: number | undefined, column: string): unknown {
  if (row === undefined) return undefined;
  const i = table.columns.indexOf(column);
  return i < 0 ? undefined : table.rows[row]?.[i];
}

/**
 * Joins two tables on their shared input columns: rows with the same inputs (objects compared by entries,
 * not key order) pair up in order of appearance, so repeated inputs pair first with first; the left table's
 * order is kept, and rows only the right has follow. Without a shared input column, rows pair by position.
 */
export function joinTables(left: EvalTable, right: EvalTable): JoinedRow[] {
  const { keys, scores } = joinColumns(left, right);
  const keyOf = (table: EvalTable, row: number) =>
    keys.length === 0 ? String(row) : keys.map((k) => canonical(cellOf(table, row, k))).join('\u0000');
  const waiting = new Map<string, number[]>();
  right.rows.forEach((_, i) => {
    const key = keyOf(right, i);
    waiting.set(key, [...(waiting.get(key) ?? []), i]);
  });
  const shared = scores.filter((s) => left.columns.includes(s) && right.columns.includes(s));
  const changedOf = (l: number, r: number) =>
    shared.filter((s) => scoreView(cellOf(left, l, s)).text !== scoreView(cellOf(right, r, s)).text);
  const out: JoinedRow[] = [];
  const used = new Set<number>();
  left.rows.forEach((_, i) => {
    const match = waiting.get(keyOf(left, i))?.shift();
    if (match === undefined) out.push({ left: i, side: 'left', changed: [] });
    else {
      used.add(match);
      out.push({ left: i, right: match, side: 'both', changed: changedOf(i, match) });
    }
  });
  right.rows.forEach((_, i) => {
    if (!used.has(i)) out.push({ right: i, side: 'right', changed: [] });
  });
  return out;
}
