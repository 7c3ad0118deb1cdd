import {
  type LogBatchInput,
  type Metric,
  MlflowError,
  MlflowTags,
  type Param,
  type RunTag,
  type ValueLengthPolicy,
  validateBatchLimits,
  validateMetric,
  validateParam,
  validateTag,
} from '@flowline/core';
import type { Database } from '@flowline/db';
import { sql, type Transaction } from 'kysely';
import type { StoreContext } from './context.js';
import { requireActiveRunRow, upsertTags } from './runs.js';
import { chunk, encodeMetricValue } from './values.js';

/** A `metrics` / `latest_metrics` row as MLflow's SQL store writes it. */
export interface MetricRow {
  key: string;
  value: number;
  timestamp: number;
  step: number;
  is_nan: 0 | 1;
  run_uuid: string;
}

/** Validates a whole batch before anything is written, with MLflow's order of checks and messages. */
function validateBatch(
  batch: LogBatchInput,
  policy: ValueLengthPolicy,
): { metrics: Metric[]; params: Param[]; tags: RunTag[] } {
  const metrics = batch?.metrics ?? [];
  const params = batch?.params ?? [];
  const tags = batch?.tags ?? [];
  if (!Array.isArray(metrics) || !Array.isArray(params) || !Array.isArray(tags)) {
    throw MlflowError.invalidParameterValue('metrics, params and tags must be lists.');
  }
  validateBatchLimits(metrics.length, params.length, tags.length);
  const checked = {
    metrics: metrics.map(validateMetric),
    params: params.map((p) => validateParam(p, policy)),
    tags: tags.map((t) => validateTag(t, policy)),
  };
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const p of checked.params) {
    if (seen.has(p.key)) duplicates.add(p.key);
    seen.add(p.key);
  }
  if (duplicates.size > 0) {
    throw MlflowError.invalidParameterValue(
      `Duplicate parameter keys have been submitted: [${[...duplicates].map((k) => `'${k}'`).join(', ')}]. ` +
        'Please ensure the request contains only one param value per param key.',
    );
  }
  return checked;
}

/** Metric rows with identical points collapsed (the metrics primary key covers every column). */
function metricRows(runId: string, metrics: Metric[]): MetricRow[] {
  const rows = new Map<string, MetricRow>();
  for (const m of metrics) {
    const { value, isNan } = encodeMetricValue(m.value);
    const row = { key: m.key, value, timestamp: m.timestamp, step: m.step, is_nan: isNan, run_uuid: runId };
    rows.set(`${m.key}\u0000${m.timestamp}\u0000${m.step}\u0000${value}\u0000${isNan}`, row);
  }
  return [...rows.values()];
}

function isGreater(a: MetricRow, b: MetricRow): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return a.value > b.value;
}

/** Per key, the point with the greatest (step, timestamp, value): MLflow's rule for "latest". */
function latestPerKey(rows: MetricRow[]): MetricRow[] {
  const best = new Map<string, MetricRow>();
  for (const row of rows) {
    const current = best.get(row.key);
    if (!current || isGreater(row, current)) best.set(row.key, row);
  }
  return [...best.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

async function writeParams(trx: Transaction<Database>, runId: string, params: Param[]): Promise<void> {
  if (params.length === 0) return;
  const sorted = [...params].sort((a, b) => (a.key < b.key ? -1 : 1));
  await trx
    .insertInto('params')
    .values(sorted.map((p) => ({ run_uuid: runId, key: p.key, value: p.value })))
    .onConflict((oc) => oc.columns(['key', 'run_uuid']).doNothing())
    .execute();
  // Params are immutable: whatever is stored now (ours, or a concurrent writer's) must equal what we sent.
  const stored = await trx
    .selectFrom('params')
    .select(['key', 'value'])
    .where('run_uuid', '=', runId)
    .where(
      'key',
      'in',
      sorted.map((p) => p.key),
    )
    .execute();
  const storedBy = new Map(stored.map((s) => [s.key, s.value]));
  const changed = sorted.filter((p) => storedBy.get(p.key) !== p.value);
  if (changed.length === 0) return;
  if (changed.length === 1) {
    const p = changed[0]!;
    throw MlflowError.invalidParameterValue(
      `Changing param values is not allowed. Param with key='${p.key}' was already logged with ` +
        `value='${storedBy.get(p.key)}' for run ID='${runId}'. Attempted logging new value '${p.value}'. ` +
        'Log the new value under another key, or start a new run.',
    );
  }
  const detail = changed.map((p) => ({ key: p.key, old_value: storedBy.get(p.key), new_value: p.value }));
  throw MlflowError.invalidParameterValue(
    `Changing param values is not allowed. Params were already logged='${JSON.stringify(detail)}' for ` +
      `run ID='${runId}'. Log new values under other keys, or start a new run.`,
  );
}

async function writeMetrics(trx: Transaction<Database>, runId: string, metrics: Metric[]): Promise<void> {
  if (metrics.length === 0) return;
  const rows = metricRows(runId, metrics);
  // 1000 rows × 6 columns stays under both drivers' bound-parameter limits.
  for (const part of chunk(rows, 1000)) {
    await trx
      .insertInto('metrics')
      .values(part)
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  const latest = latestPerKey(rows);
  await trx
    .insertInto('latest_metrics')
    .values(latest)
    .onConflict((oc) =>
      oc
        .columns(['key', 'run_uuid'])
        .doUpdateSet((eb) => ({
          value: eb.ref('excluded.value'),
          timestamp: eb.ref('excluded.timestamp'),
          step: eb.ref('excluded.step'),
          is_nan: eb.ref('excluded.is_nan'),
        }))
        .where(
          sql<boolean>`(excluded.step, excluded.timestamp, excluded.value) >
            (latest_metrics.step, coalesce(latest_metrics.timestamp, -1), latest_metrics.value)`,
        ),
    )
    .execute();
}

/**
 * Logs metrics, params and tags to an active run in one transaction: all of it is written, or none.
 * Validation happens before the database is touched; a changed param value rolls the whole batch back.
 */
export async function logBatch(ctx: StoreContext, runId: string, batch: LogBatchInput): Promise<void> {
  const { metrics, params, tags } = validateBatch(batch, ctx.values);
  if (metrics.length + params.length + tags.length === 0) {
    await requireActiveRunRow(ctx.db, runId);
    return;
  }
  await ctx.db.transaction().execute(async (trx) => {
    const run = await requireActiveRunRow(trx, runId);
    await writeParams(trx, run.run_uuid, params);
    if (tags.length > 0) {
      await upsertTags(trx, run.run_uuid, tags);
      // As MLflow: setting the mlflow.runName tag renames the run.
      const renamed = tags.filter((t) => t.key === MlflowTags.runName).at(-1);
      if (renamed)
        await trx
          .updateTable('runs')
          .set({ name: renamed.value })
          .where('run_uuid', '=', run.run_uuid)
          .execute();
    }
    await writeMetrics(trx, run.run_uuid, metrics);
  });
}
