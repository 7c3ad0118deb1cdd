import {
  Limits,
  type MetricHistoryBulkIntervalOptions,
  type MetricWithRunId,
  MlflowError,
  validateRunId,
} from '@flowline/core';
import { type RawBuilder, sql } from 'kysely';
import type { StoreContext } from './context.js';
import { chunk, decodeMetricValue, toNumber } from './values.js';

// MLflow's `get_metric_history_bulk_interval` samples the sorted union of the runs' distinct steps by rank.
// Reading every step into JavaScript to rank it costs ~0.7 s for a million-step history, so the ranking is
// done in SQL, and skipped where it can be: when the union is an evenly spaced grid (every step logged, or
// every k-th), rank r is simply `lo + r·k`, found from per-run counts and one grid check; when one run logged
// every step of the whole range, from that run's count alone (the others' bounds are index seeks). Only the rows at the chosen steps come back.

/** Positions MLflow's sampling picks from `n` sorted steps: `⌊i·n/max⌋` for i < max, plus the last one. */
export function sampleIndices(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const interval = n / max; // a double, as in MLflow's Python, so the truncation below picks the same positions
  const picked: number[] = [];
  for (let i = 0; i < max; i++) {
    const index = Math.floor(i * interval);
    if (index < n && index !== picked.at(-1)) picked.push(index);
  }
  if (picked.at(-1) !== n - 1) picked.push(n - 1);
  return picked;
}

/**
 * A metric's history for up to 100 runs, sampled for charts; MLflow's `get-history-bulk-interval`: up to
 * `maxResults` evenly spaced steps of the union of the runs' steps in [startStep, endStep] (default
 * [0, last step]), the last step in range, and each run's first and last step when in range; every row at
 * those steps, by run (in the order asked), step, timestamp and value.
 */
export async function getMetricHistoryBulkInterval(
  ctx: StoreContext,
  options: MetricHistoryBulkIntervalOptions,
): Promise<MetricWithRunId[]> {
  const { runIds, maxResults, bounds } = validate(options);
  const key = options.metricKey;
  const ends = await runEnds(ctx, runIds, key);
  const logged = ends.filter((e) => e.first !== null);
  if (logged.length === 0) return [];
  const start = bounds?.start ?? 0;
  const end = bounds?.end ?? Math.max(...logged.map((e) => e.last!));
  if (start > end) return [];
  const edges = logged.flatMap((e) => [e.first!, e.last!]).filter((s) => s >= start && s <= end);
  const picked = await pickSteps(ctx, logged, key, start, end, maxResults);
  if (picked === 'all') return fetchRows(ctx, runIds, key, sql`step >= ${start} and step <= ${end}`);
  const steps = [...new Set([...picked, ...edges])].sort((a, b) => a - b);
  if (steps.length === 0) return [];
  return fetchRows(ctx, runIds, key, ...chunk(steps, 900).map((part) => sql`step in (${sql.join(part)})`));
}

interface RunEnds {
  runId: string;
  first: number | null;
  last: number | null;
}

/** A run's first and last step in range. */
interface RangeBounds {
  runId: string;
  lo: number;
  hi: number;
}

interface RangeStats extends RangeBounds {
  /** Distinct steps in range. */
  count: number;
}

function validate(options: MetricHistoryBulkIntervalOptions): {
  runIds: string[];
  maxResults: number;
  bounds: { start: number; end: number } | null;
} {
  const runIds = [...new Set((options.runIds ?? []).map(validateRunId))];
  if (runIds.length === 0) {
    throw MlflowError.invalidParameterValue(
      "Missing value for required parameter 'run_ids'. See the API docs for more information about request parameters.",
    );
  }
  if (runIds.length > Limits.maxBulkIntervalRuns) {
    throw MlflowError.invalidParameterValue(
      `GetMetricHistoryBulkInterval request must specify at most ${Limits.maxBulkIntervalRuns} run_ids. Received ${runIds.length} run_ids. See the API docs for more information about request parameters.`,
    );
  }
  const maxResults = options.maxResults ?? Limits.maxBulkIntervalResults;
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > Limits.maxBulkIntervalResults) {
    throw MlflowError.invalidParameterValue(
      `max_results must be between 1 and ${Limits.maxBulkIntervalResults}. See the API docs for more information about request parameters.`,
    );
  }
  const { startStep, endStep } = options;
  const hasStart = startStep !== undefined && startStep !== null;
  const hasEnd = endStep !== undefined && endStep !== null;
  if (hasStart !== hasEnd) {
    throw MlflowError.invalidParameterValue(
      'If either start step or end step are specified, both must be specified.',
    );
  }
  if (hasStart && startStep! > endStep!) {
    throw MlflowError.invalidParameterValue(
      `end_step must be greater than start_step. Found start_step=${startStep} and end_step=${endStep}.`,
    );
  }
  return { runIds, maxResults, bounds: hasStart ? { start: startStep!, end: endStep! } : null };
}

/**
 * The metrics table, read through Flowline's (run_uuid, key, step) index (every database has it under this name;
 * MLflow 3.10 has none such, later MLflow adds its own twin). Without statistics SQLite's planner prefers the
 * primary key's (key, …) index, which covers every column but makes it scan the metric across all runs;
 * `INDEXED BY` pins the right one. Postgres plans from its statistics.
 */
function metricsByRunStep(ctx: StoreContext): RawBuilder<unknown> {
  return ctx.adapter.tableUsingIndex('metrics', 'flowline_metrics_run_key_step');
}

const num = (value: unknown): number | null => toNumber(value);

/** Each run's first and last step of the metric, by index seeks (no scan). */
async function runEnds(ctx: StoreContext, runIds: readonly string[], key: string): Promise<RunEnds[]> {
  const m = metricsByRunStep(ctx);
  const one = (runId: string) => sql`select cast(${runId} as varchar(32)) as run_uuid,
    (select min(step) from ${m} where run_uuid = ${runId} and key = ${key}) as first_step,
    (select max(step) from ${m} where run_uuid = ${runId} and key = ${key}) as last_step`;
  const { rows } = await sql<{ run_uuid: string; first_step: unknown; last_step: unknown }>`${sql.join(
    runIds.map(one),
    sql` union all `,
  )}`.execute(ctx.db);
  return rows.map((r) => ({ runId: r.run_uuid, first: num(r.first_step), last: num(r.last_step) }));
}

/**
 * The steps MLflow's sampling picks from the union of the runs' steps in [start, end], or 'all' when there
 * are no more than `max` of them.
 */
async function pickSteps(
  ctx: StoreContext,
  logged: readonly RunEnds[],
  key: string,
  start: number,
  end: number,
  max: number,
): Promise<number[] | 'all'> {
  const bounds = await rangeBounds(ctx, logged, key, start, end);
  if (bounds.length === 0) return [];
  const lo = Math.min(...bounds.map((b) => b.lo));
  const hi = Math.max(...bounds.map((b) => b.hi));
  // The common case, decided without counting every run: one run spans the whole range and logged every step
  // of it, so the union is exactly lo, lo + 1, …, hi (steps are integers) and that run's count decides it.
  const counts = new Map<string, number>();
  const spanning = bounds.find((b) => b.lo === lo && b.hi === hi);
  if (spanning) {
    const n = (await distinctCounts(ctx, [spanning.runId], key, start, end)).get(spanning.runId) ?? 0;
    if (n === hi - lo + 1) return n <= max ? 'all' : sampleIndices(n, max).map((i) => lo + i);
    counts.set(spanning.runId, n);
  }
  const others = bounds.map((b) => b.runId).filter((id) => !counts.has(id));
  for (const [id, n] of await distinctCounts(ctx, others, key, start, end)) counts.set(id, n);
  const stats: RangeStats[] = bounds.map((b) => ({ ...b, count: counts.get(b.runId) ?? 0 }));
  if (stats.length === 1 && stats[0]!.count <= max) return 'all';
  const runIds = stats.map((s) => s.runId);
  // A run logged at n distinct steps from lo to hi sits on the grid lo, lo + k, …, hi with k = (hi−lo)/(n−1)
  // when no step of any run is off that grid; then the union is that grid, and ranked by arithmetic.
  const widest = stats
    .filter((s) => s.lo === lo && s.hi === hi)
    .reduce<RangeStats | undefined>((best, s) => (best && best.count >= s.count ? best : s), undefined);
  if (widest) {
    const n = widest.count;
    const stride = n > 1 ? (hi - lo) / (n - 1) : 1;
    if (Number.isInteger(stride) && (stride === 1 || !(await hasOffGrid(ctx, runIds, key, lo, hi, stride)))) {
      return n <= max ? 'all' : sampleIndices(n, max).map((i) => lo + i * stride);
    }
  }
  const n = stats.length === 1 ? stats[0]!.count : await unionCount(ctx, runIds, key, lo, hi);
  if (n <= max) return 'all';
  return stepsAtRanks(ctx, runIds, key, lo, hi, sampleIndices(n, max));
}

/** Each run's first and last step in [start, end], by index seeks; runs with none in range are left out. */
async function rangeBounds(
  ctx: StoreContext,
  logged: readonly RunEnds[],
  key: string,
  start: number,
  end: number,
): Promise<RangeBounds[]> {
  const inRange = logged.filter((e) => e.last! >= start && e.first! <= end);
  if (inRange.length === 0) return [];
  const m = metricsByRunStep(ctx);
  const one = (runId: string) => {
    const where = sql`run_uuid = ${runId} and key = ${key} and step >= ${start} and step <= ${end}`;
    return sql`select cast(${runId} as varchar(32)) as run_uuid,
      (select min(step) from ${m} where ${where}) as lo, (select max(step) from ${m} where ${where}) as hi`;
  };
  const { rows } = await sql<{ run_uuid: string; lo: unknown; hi: unknown }>`${sql.join(
    inRange.map((e) => one(e.runId)),
    sql` union all `,
  )}`.execute(ctx.db);
  return rows
    .map((r) => ({ runId: r.run_uuid, lo: num(r.lo), hi: num(r.hi) }))
    .filter((b): b is RangeBounds => b.lo !== null && b.hi !== null);
}

/** Per run: its distinct steps in [start, end]; one ordered index scan each. */
async function distinctCounts(
  ctx: StoreContext,
  runIds: readonly string[],
  key: string,
  start: number,
  end: number,
): Promise<Map<string, number>> {
  if (runIds.length === 0) return new Map();
  const m = metricsByRunStep(ctx);
  // SQLite counts distinct steps in index order only for `run_uuid = ?` (not `in`) and with no other
  // aggregate beside it: one query per run, joined by `union all`.
  const one = (
    runId: string,
  ) => sql`select cast(${runId} as varchar(32)) as run_uuid, count(distinct step) as n
    from ${m} where run_uuid = ${runId} and key = ${key} and step >= ${start} and step <= ${end}`;
  const { rows } = await sql<{ run_uuid: string; n: unknown }>`${sql.join(
    runIds.map(one),
    sql` union all `,
  )}`.execute(ctx.db);
  return new Map(rows.map((r) => [r.run_uuid, num(r.n) ?? 0]));
}

/** Whether any of the runs logged the metric at a step in [lo, hi] that is not lo + a multiple of `stride`. */
async function hasOffGrid(
  ctx: StoreContext,
  runIds: readonly string[],
  key: string,
  lo: number,
  hi: number,
  stride: number,
): Promise<boolean> {
  const { rows } = await sql`select 1 as off from ${metricsByRunStep(ctx)}
    where run_uuid in (${sql.join(runIds)}) and key = ${key} and step >= ${lo} and step <= ${hi}
    and (step - ${lo}) % ${stride} <> 0 limit 1`.execute(ctx.db);
  return rows.length > 0;
}

function distinctSteps(ctx: StoreContext, runIds: readonly string[], key: string, lo: number, hi: number) {
  return sql`select distinct step from ${metricsByRunStep(ctx)}
    where run_uuid in (${sql.join(runIds)}) and key = ${key} and step >= ${lo} and step <= ${hi}`;
}

/** How many distinct steps the runs share between them in [lo, hi]. */
async function unionCount(
  ctx: StoreContext,
  runIds: readonly string[],
  key: string,
  lo: number,
  hi: number,
): Promise<number> {
  const { rows } = await sql<{ n: unknown }>`select count(*) as n from (${distinctSteps(
    ctx,
    runIds,
    key,
    lo,
    hi,
  )}) u`.execute(ctx.db);
  return num(rows[0]?.n) ?? 0;
}

/** The union's steps at the given 0-based ranks, ranked in SQL (steps not on a grid). */
async function stepsAtRanks(
  ctx: StoreContext,
  runIds: readonly string[],
  key: string,
  lo: number,
  hi: number,
  ranks: readonly number[],
): Promise<number[]> {
  const { rows } = await sql<{ step: unknown }>`select step from (
      select step, row_number() over (order by step) - 1 as rn from (${distinctSteps(ctx, runIds, key, lo, hi)}) u
    ) r where rn in (${sql.join(ranks)}) order by step`.execute(ctx.db);
  return rows.map((r) => num(r.step)!);
}

interface MetricRow {
  key: string;
  value: number;
  timestamp: unknown;
  step: unknown;
  is_nan: unknown;
  run_uuid: string;
}

/** Every row of the metric matching any of the step conditions, grouped by run in the order asked. */
async function fetchRows(
  ctx: StoreContext,
  runIds: readonly string[],
  key: string,
  ...stepConditions: RawBuilder<unknown>[]
): Promise<MetricWithRunId[]> {
  const byRun = new Map<string, MetricWithRunId[]>(runIds.map((id) => [id, []]));
  for (const condition of stepConditions) {
    const { rows } = await sql<MetricRow>`select key, value, timestamp, step, is_nan, run_uuid
      from ${metricsByRunStep(ctx)} where run_uuid in (${sql.join(runIds)}) and key = ${key} and ${condition}
      order by run_uuid, step, timestamp, value`.execute(ctx.db);
    for (const r of rows) {
      byRun.get(r.run_uuid)?.push({
        runId: r.run_uuid,
        key: r.key,
        value: decodeMetricValue(r.value, r.is_nan),
        timestamp: toNumber(r.timestamp) ?? 0,
        step: toNumber(r.step) ?? 0,
      });
    }
  }
  return [...byRun.values()].flat();
}
