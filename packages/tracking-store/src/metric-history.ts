import {
  decodePageToken,
  encodePageToken,
  Limits,
  type Metric,
  type MetricHistoryBulkIntervalOptions,
  type MetricHistoryOptions,
  type MetricWithRunId,
  MlflowError,
  type Page,
  validateRunId,
} from '@flowline/core';
import type { StoreContext } from './context.js';
import { requireRunRow } from './runs.js';
import { chunk, decodeMetricValue, toNumber } from './values.js';

/** Every point of one metric of a run, oldest first (timestamp, step, value), paged when asked. */
export async function getMetricHistory(
  ctx: StoreContext,
  runId: string,
  metricKey: string,
  options: MetricHistoryOptions = {},
): Promise<Page<Metric>> {
  const run = await requireRunRow(ctx.db, runId);
  if (typeof metricKey !== 'string' || metricKey === '') {
    throw MlflowError.invalidParameterValue(`Missing value for required parameter 'metric_key'.`);
  }
  const offset = decodePageToken(options.pageToken);
  const { maxResults } = options;
  if (maxResults !== undefined && maxResults !== null && (!Number.isInteger(maxResults) || maxResults < 1)) {
    throw MlflowError.invalidParameterValue(
      `Invalid value ${maxResults} for parameter 'max_results' supplied. It must be a positive integer.`,
    );
  }
  let query = ctx.db
    .selectFrom('metrics')
    .select(['key', 'value', 'timestamp', 'step', 'is_nan'])
    .where('run_uuid', '=', run.run_uuid)
    .where('key', '=', metricKey)
    .orderBy('timestamp')
    .orderBy('step')
    .orderBy('value');
  // SQLite accepts OFFSET only after a LIMIT.
  if (maxResults) query = query.limit(maxResults + 1).offset(offset);
  else if (offset > 0) query = query.limit(Number.MAX_SAFE_INTEGER).offset(offset);
  const rows = await query.execute();
  const page = maxResults ? rows.slice(0, maxResults) : rows;
  const items = page.map((r) => ({
    key: r.key,
    value: decodeMetricValue(r.value, r.is_nan),
    timestamp: toNumber(r.timestamp) ?? 0,
    step: toNumber(r.step) ?? 0,
  }));
  return maxResults && rows.length > maxResults
    ? { items, nextPageToken: encodePageToken(offset + maxResults) }
    : { items };
}

/** MLflow's step sampling: up to `max` evenly spaced steps of those in range, plus the last one in range. */
export function sampleSteps(allSteps: readonly number[], start: number, end: number, max: number): number[] {
  const inRange = allSteps.filter((s) => s >= start && s <= end);
  if (inRange.length <= max) return inRange;
  const interval = inRange.length / max;
  const picked = new Set<number>();
  for (let i = 0; i < max; i++) {
    const index = Math.floor(i * interval);
    if (index < inRange.length) picked.add(inRange[index]!);
  }
  picked.add(inRange.at(-1)!);
  return [...picked].sort((a, b) => a - b);
}

/**
 * A metric's history for up to 100 runs, sampled to at most `maxResults` steps per run (plus each run's
 * first and last step in range), for charts; MLflow's `get-history-bulk-interval`.
 */
export async function getMetricHistoryBulkInterval(
  ctx: StoreContext,
  options: MetricHistoryBulkIntervalOptions,
): Promise<MetricWithRunId[]> {
  const runIds = [...new Set((options.runIds ?? []).map(validateRunId))];
  if (runIds.length === 0) {
    throw MlflowError.invalidParameterValue(
      'GetMetricHistoryBulkInterval request must specify at least one run_id.',
    );
  }
  if (runIds.length > Limits.maxBulkIntervalRuns) {
    throw MlflowError.invalidParameterValue(
      `GetMetricHistoryBulkInterval request cannot specify more than ${Limits.maxBulkIntervalRuns} run_ids. Received ${runIds.length} run_ids.`,
    );
  }
  const maxResults = options.maxResults ?? Limits.maxBulkIntervalResults;
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > Limits.maxBulkIntervalResults) {
    throw MlflowError.invalidParameterValue(
      `max_results must be between 1 and ${Limits.maxBulkIntervalResults}, got ${maxResults}.`,
    );
  }
  const hasStart = options.startStep !== undefined && options.startStep !== null;
  const hasEnd = options.endStep !== undefined && options.endStep !== null;
  if (hasStart !== hasEnd) {
    throw MlflowError.invalidParameterValue(
      'If either start step or end step are specified, both must be specified.',
    );
  }
  if (hasStart && options.startStep! > options.endStep!) {
    throw MlflowError.invalidParameterValue(
      `end_step must be greater than start_step. Found start_step=${options.startStep} and end_step=${options.endStep}.`,
    );
  }
  const key = options.metricKey;
  const stepRows = await ctx.db
    .selectFrom('metrics')
    .select(['run_uuid', (eb) => eb.fn.min('step').as('min_step'), (eb) => eb.fn.max('step').as('max_step')])
    .where('run_uuid', 'in', runIds)
    .where('key', '=', key)
    .groupBy('run_uuid')
    .execute();
  if (stepRows.length === 0) return [];
  const allSteps = (
    await ctx.db
      .selectFrom('metrics')
      .select('step')
      .distinct()
      .where('run_uuid', 'in', runIds)
      .where('key', '=', key)
      .orderBy('step')
      .execute()
  ).map((r) => Number(r.step));
  const start = hasStart ? options.startStep! : 0;
  const end = hasEnd ? options.endStep! : Math.max(...stepRows.map((r) => Number(r.max_step)));
  const steps = new Set(sampleSteps(allSteps, start, end, maxResults));
  for (const r of stepRows) {
    for (const s of [Number(r.min_step), Number(r.max_step)]) if (s >= start && s <= end) steps.add(s);
  }
  const out: MetricWithRunId[] = [];
  const sorted = [...steps].sort((a, b) => a - b);
  for (const runId of [...runIds].sort()) {
    for (const part of chunk(sorted, 900)) {
      const rows = await ctx.db
        .selectFrom('metrics')
        .select(['key', 'value', 'timestamp', 'step', 'is_nan', 'run_uuid'])
        .where('run_uuid', '=', runId)
        .where('key', '=', key)
        .where('step', 'in', part)
        .orderBy('step')
        .orderBy('timestamp')
        .orderBy('value')
        .execute();
      for (const r of rows) {
        out.push({
          runId: r.run_uuid,
          key: r.key,
          value: decodeMetricValue(r.value, r.is_nan),
          timestamp: toNumber(r.timestamp) ?? 0,
          step: toNumber(r.step) ?? 0,
        });
      }
    }
  }
  return out;
}
