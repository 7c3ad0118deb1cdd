import { Limits, type ModelScopedMetric, validateMetric } from '@flowline/core';
import type { StoreContext } from '../context.js';
import { requireActiveRunRow } from '../runs.js';
import { chunk, encodeMetricValue } from '../values.js';
import { optionalText } from './logged-models.js';
import { modelNotFound } from './model-rows.js';
import { type LoggedModelDb, type LoggedModelMetricsTable, loggedModelDb } from './tables.js';

/** The metrics of a batch that belong to a model (MLflow's `_log_model_metrics` skips the others). */
export function modelScopedMetrics(metrics: readonly ModelScopedMetric[] | undefined): ModelScopedMetric[] {
  return (Array.isArray(metrics) ? metrics : []).filter(
    (m) => typeof m?.modelId === 'string' && m.modelId !== '',
  );
}

/**
 * Validates model-scoped metrics and checks that their models exist, before anything is written, so a
 * `logBatch` naming an unknown model writes nothing.
 */
export async function checkModelMetrics(
  ctx: StoreContext,
  metrics: readonly ModelScopedMetric[],
  db: LoggedModelDb = loggedModelDb(ctx),
): Promise<void> {
  for (const m of metrics) {
    validateMetric(m);
    optionalText(m.datasetName, Limits.maxDatasetNameLength, 'dataset_name');
    optionalText(m.datasetDigest, Limits.maxDatasetDigestLength, 'dataset_digest');
  }
  await requireModelsExist(db, [...new Set(metrics.map((m) => m.modelId!))]);
}

/** Refuses ids of models that do not exist (`RESOURCE_DOES_NOT_EXIST`, as the logged-model API words it). */
export async function requireModelsExist(db: LoggedModelDb, ids: readonly string[]): Promise<void> {
  for (const part of chunk(ids, 500)) {
    const found = await db
      .selectFrom('logged_models')
      .select('model_id')
      .where('model_id', 'in', part)
      .execute();
    const known = new Set(found.map((r) => r.model_id));
    const missing = part.find((id) => !known.has(id));
    if (missing) throw modelNotFound(missing);
  }
}

/**
 * Writes the model-scoped points of `metrics` to `logged_model_metrics` for an active run (MLflow's
 * `_log_model_metrics`): duplicates and points already stored are skipped, NaN is stored as 0 and ±Infinity as
 * ±max double (the table has no is_nan column). Rows take the run's experiment id.
 */
export async function logLoggedModelMetrics(
  ctx: StoreContext,
  runId: string,
  metrics: readonly ModelScopedMetric[],
): Promise<void> {
  const scoped = modelScopedMetrics(metrics);
  const db = loggedModelDb(ctx);
  const run = await requireActiveRunRow(ctx.db, runId);
  if (scoped.length === 0) return;
  await checkModelMetrics(ctx, scoped, db);
  const rows = new Map<string, LoggedModelMetricsTable>();
  for (const metric of scoped) {
    const m = validateMetric(metric);
    const row: LoggedModelMetricsTable = {
      model_id: metric.modelId!,
      metric_name: m.key,
      metric_timestamp_ms: m.timestamp,
      metric_step: m.step,
      metric_value: encodeMetricValue(m.value).value,
      experiment_id: Number(run.experiment_id),
      run_id: run.run_uuid,
      dataset_uuid: null,
      dataset_name: optionalText(metric.datasetName, Limits.maxDatasetNameLength, 'dataset_name'),
      dataset_digest: optionalText(metric.datasetDigest, Limits.maxDatasetDigestLength, 'dataset_digest'),
    };
    // First point per primary key wins, as MLflow drops duplicates before inserting.
    const key = [row.model_id, row.metric_name, row.metric_timestamp_ms, row.metric_step].join('\u0000');
    if (!rows.has(key)) rows.set(key, row);
  }
  // 500 rows × 10 columns stays under both drivers' bound-parameter limits.
  for (const part of chunk([...rows.values()], 500)) {
    await db
      .insertInto('logged_model_metrics')
      .values(part)
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}
