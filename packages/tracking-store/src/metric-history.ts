import {
  decodePageToken,
  encodePageToken,
  type Metric,
  type MetricHistoryOptions,
  MlflowError,
  type Page,
  queryFingerprint,
} from '@flowline/core';
import type { StoreContext } from './context.js';
import { sampleIndices } from './metric-sampling.js';
import { requireRunRow } from './runs.js';
import { decodeMetricValue, toNumber } from './values.js';

/**
 * Every point of one metric of a run, oldest first (timestamp, step, value), paged when asked. A page token
 * names the run and metric it pages, so one given with another run or metric is `INVALID_PARAMETER_VALUE`.
 */
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
  const fingerprint = queryFingerprint(['metric-history', run.run_uuid, metricKey]);
  const offset = decodePageToken(options.pageToken, fingerprint, 'run or metric');
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
    ? { items, nextPageToken: encodePageToken(offset + maxResults, fingerprint) }
    : { items };
}

/**
 * MLflow's `_get_sampled_steps_from_steps` over a sorted list of distinct steps: up to `max` evenly spaced steps
 * of those in [start, end], plus the last one in range. (MLflow compares the absolute position with the
 * number of steps in range, which drops samples from windows that do not start at the first step; Flowline
 * samples the whole window.)
 */
export function sampleSteps(allSteps: readonly number[], start: number, end: number, max: number): number[] {
  const inRange = allSteps.filter((s) => s >= start && s <= end);
  return sampleIndices(inRange.length, max).map((i) => inRange[i]!);
}
