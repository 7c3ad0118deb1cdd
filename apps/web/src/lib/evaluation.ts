/**
 * Evaluation results tables as `evaluate()` (ours and MLflow's) logs them: pandas' split orientation
 * `{columns, data}` in `eval_results_table.json`, listed in the run tag `mlflow.loggedArtifacts`.
 */

/** A parsed results table: column names and rows of raw cell values. */
export interface EvalTable {
  columns: string[];
  rows: unknown[][];
}

/** What a column holds. */
export type ColumnRole = 'input' | 'output' | 'expectation' | 'score' | 'rationale' | 'other';

/** One classified column. */
export interface EvalColumn {
  name: string;
  index: number;
  role: ColumnRole;
  /** For scores and rationales, the metric or judge they belong to (`correctness` for `correctness/value`). */
  metric?: string;
  /** For a score, the index of its rationale column when the table has one. */
  rationale?: number;
}

/** The run tag listing a run's tables (MLflow's `mlflow.loggedArtifacts`). */
export const LOGGED_ARTIFACTS_TAG = 'mlflow.loggedArtifacts';
const TABLE_FILE = 'eval_results_table.json';

/** A table file's metric prefix: `val_` for `val_eval_results_table.json`, '' for any other name. */
export function tablePrefix(path: string): string {
  const name = path.split('/').pop() ?? path;
  return name.endsWith(TABLE_FILE) ? name.slice(0, -TABLE_FILE.length) : '';
}

/**
 * The evaluation tables of a run: every `table` entry of `mlflow.loggedArtifacts` (a JSON list of
 * `{path, type}`) and every `*eval_results_table.json` at the artifact root, without repeats, sorted.
 */
export function evaluationTables(
  loggedArtifacts: string | undefined,
  rootFiles: readonly string[],
): string[] {
  const paths = new Set<string>();
  try {
    const list: unknown = loggedArtifacts ? JSON.parse(loggedArtifacts) : [];
    if (Array.isArray(list)) {
      for (const entry of list as { path?: unknown; type?: unknown }[]) {
        if (entry && entry.type === 'table' && typeof entry.path === 'string') paths.add(entry.path);
      }
    }
  } catch {
    // A tag that is not JSON lists nothing; the root files still count.
  }
  for (const file of rootFiles) if (file.endsWith(TABLE_FILE)) paths.add(file);
  return [...paths].sort((a, b) => a.localeCompare(b));
}

/**
 * Parses a results table: pandas' split orientation (`{columns, data}`, as MLflow's `log_table` writes it), or
 * a list of row objects (columns in order of first appearance). Throws, saying what was expected, otherwise.
 */
export function parseEvalTable(json: unknown): EvalTable {
  if (Array.isArray(json) && json.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r))) {
    const columns = [...new Set(json.flatMap((r) => Object.keys(r as object)))];
    return { columns, rows: json.map((r) => columns.map((c) => (r as Record<string, unknown>)[c] ?? null)) };
  }
  const t = json as { columns?: unknown; data?: unknown };
  if (
    t === null ||
    typeof t !== 'object' ||
    !Array.isArray(t.columns) ||
    !Array.isArray(t.data) ||
    !t.data.every(Array.isArray)
  ) {
    throw new Error(
      'Not a results table: expected {"columns": [...], "data": [[...], ...]} (pandas split orientation).',
    );
  }
  const columns = t.columns.map(String);
  return { columns, rows: (t.data as unknown[][]).map((r) => columns.map((_, i) => r[i] ?? null)) };
}

const INPUT_NAMES = new Set(['inputs', 'input', 'request', 'question', 'query', 'prompt', 'messages']);
const OUTPUT_NAMES = new Set(['outputs', 'output', 'response', 'prediction', 'predictions', 'predicted']);
const EXPECTATION_NAMES = new Set([
  'expectations',
  'expected',
  'expected_response',
  'expected_output',
  'ground_truth',
  'target',
  'targets',
  'label',
  'labels',
  'reference',
]);
const OTHER_NAMES = new Set(['trace', 'trace_id', 'request_id', 'assessments', 'state', 'tags']);
const SCORE_SUFFIX = /\/(value|score)$/;
const RATIONALE_SUFFIX = /\/(rationale|justification)$/;

function numericColumn(rows: readonly unknown[][], index: number): boolean {
  let seen = false;
  for (const row of rows) {
    const v = row[index];
    if (v === null || v === undefined) continue;
    if (typeof v !== 'number' && typeof v !== 'boolean') return false;
    seen = true;
  }
  return seen;
}

/**
 * Classifies each column: `x/value` and `x/score` (MLflow's `rouge1/v1/score`) are scores of `x`,
 * `x/rationale` and `x/justification` their rationales; known names are inputs, outputs or expectations;
 * other columns are inputs before the first output or expectation (features come first in both layouts) and,
 * after it, scores when numeric (`token_count`, `latency`), else other.
 */
export function classifyColumns(table: EvalTable): EvalColumn[] {
  const lower = table.columns.map((c) => c.toLowerCase());
  const firstAnswer = lower.findIndex((c) => OUTPUT_NAMES.has(c) || EXPECTATION_NAMES.has(c));
  const columns: EvalColumn[] = table.columns.map((name, index) => {
    const l = lower[index]!;
    if (SCORE_SUFFIX.test(l)) return { name, index, role: 'score', metric: name.replace(SCORE_SUFFIX, '') };
    if (RATIONALE_SUFFIX.test(l))
      return { name, index, role: 'rationale', metric: name.replace(RATIONALE_SUFFIX, '') };
    if (INPUT_NAMES.has(l)) return { name, index, role: 'input' };
    if (OUTPUT_NAMES.has(l)) return { name, index, role: 'output' };
    if (EXPECTATION_NAMES.has(l)) return { name, index, role: 'expectation' };
    if (OTHER_NAMES.has(l)) return { name, index, role: 'other' };
    if (firstAnswer < 0 || index < firstAnswer) return { name, index, role: 'input' };
    if (numericColumn(table.rows, index)) return { name, index, role: 'score', metric: name };
    return { name, index, role: 'other' };
  });
  for (const c of columns) {
    if (c.role !== 'score') continue;
    const r = columns.find((x) => x.role === 'rationale' && x.metric === c.metric);
    if (r) c.rationale = r.index;
  }
  return columns;
}

/** A metric as a run's latest metrics list it. */
export interface MetricLike {
  key: string;
  /** A number, or MLflow's `"NaN"`/`"Infinity"` strings. */
  value: number | string;
  step?: number | string | null;
}

/**
 * The aggregate metrics of one table: the run's step-0 metrics (where evaluations log) whose names start with
 * the table's prefix, less those of another table with a longer prefix; sorted by name.
 */
export function tableMetrics<M extends MetricLike>(
  metrics: readonly M[],
  path: string,
  allTables: readonly string[],
): M[] {
  const prefix = tablePrefix(path);
  const longer = allTables.map(tablePrefix).filter((p) => p.length > prefix.length && p.startsWith(prefix));
  return metrics
    .filter((m) => Number(m.step ?? 0) === 0)
    .filter((m) => m.key.startsWith(prefix) && !longer.some((p) => m.key.startsWith(p)))
    .sort((a, b) => a.key.localeCompare(b.key));
}

/** A cell on one line: strings as they are, everything else as compact JSON; null and missing as ''. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** How a score cell is shown: a pass/fail badge, a formatted number, text, or nothing. */
export interface ScoreView {
  kind: 'pass' | 'fail' | 'number' | 'text' | 'empty';
  text: string;
  /** The score as a number to sort by (pass 1, fail 0). */
  number?: number;
}

const PASS = new Set(['yes', 'true', 'pass', 'passed', 'correct']);
const FAIL = new Set(['no', 'false', 'fail', 'failed', 'incorrect']);

/** A score's view: yes/no and true/false as pass/fail, numbers short but exact enough to compare. */
export function scoreView(value: unknown): ScoreView {
  if (value === null || value === undefined || value === '') return { kind: 'empty', text: '' };
  if (typeof value === 'number') {
    const text = Number.isInteger(value) ? String(value) : String(+value.toPrecision(4));
    return { kind: 'number', text, number: value };
  }
  const word = String(value).trim().toLowerCase();
  if (PASS.has(word)) return { kind: 'pass', text: String(value), number: 1 };
  if (FAIL.has(word)) return { kind: 'fail', text: String(value), number: 0 };
  return { kind: 'text', text: cellText(value) };
}

/** The indexes of the rows with a cell containing `search` (case-insensitive); all rows for ''. */
export function filterRows(table: EvalTable, search: string): number[] {
  const needle = search.trim().toLowerCase();
  const all = table.rows.map((_, i) => i);
  if (!needle) return all;
  return all.filter((i) => table.rows[i]!.some((cell) => cellText(cell).toLowerCase().includes(needle)));
}

function sortKey(value: unknown): number | string | undefined {
  const view = scoreView(value);
  if (view.kind === 'empty') return undefined;
  return view.number ?? view.text.toLowerCase();
}

/** `rows` (indexes) ordered by one column: numbers (pass 1, fail 0) before text, empty cells last. */
export function sortRows(
  table: EvalTable,
  rows: readonly number[],
  column: number,
  descending = false,
): number[] {
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = sortKey(table.rows[a]![column]);
    const y = sortKey(table.rows[b]![column]);
    if (x === undefined || y === undefined) return x === y ? a - b : x === undefined ? 1 : -1;
    if (typeof x !== typeof y) return typeof x === 'number' ? -1 : 1;
    const order = typeof x === 'number' ? x - (y as number) : x.localeCompare(y as string);
    return order * sign || a - b;
  });
}
