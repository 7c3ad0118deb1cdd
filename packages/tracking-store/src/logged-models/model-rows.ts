import {
  LOGGED_MODEL_STATUS_NUMBERS,
  LOGGED_MODEL_STATUSES,
  type LoggedModel,
  type LoggedModelMetric,
  type LoggedModelStatus,
  MlflowError,
} from '@flowline/core';
import type { Selectable } from 'kysely';
import { chunk, decodeMetricValue, toNumber } from '../values.js';
import type { LoggedModelDb, LoggedModelsTable } from './tables.js';

/** A `logged_models` row as read. */
export type LoggedModelRow = Selectable<LoggedModelsTable>;

/** MLflow's message for a missing or deleted model. */
export function modelNotFound(modelId: string): MlflowError {
  return MlflowError.resourceDoesNotExist(`Logged model with ID '${modelId}' not found.`);
}

/** The enum number of a status name, or `INVALID_PARAMETER_VALUE` naming the valid ones. */
export function statusNumber(status: unknown): number {
  const n = typeof status === 'string' ? LOGGED_MODEL_STATUS_NUMBERS[status as LoggedModelStatus] : undefined;
  if (n === undefined) {
    throw MlflowError.invalidParameterValue(
      `Invalid value ${JSON.stringify(status)} for parameter 'status' supplied: use one of ${LOGGED_MODEL_STATUSES.join(', ')}.`,
    );
  }
  return n;
}

/** The status name of a stored enum number (unknown numbers read as unspecified). */
export function statusName(n: unknown): LoggedModelStatus {
  return LOGGED_MODEL_STATUSES[Number(n)] ?? 'LOGGED_MODEL_STATUS_UNSPECIFIED';
}

/** The model row, or MLflow's not-found error; deleted models count as missing unless `allowDeleted`. */
export async function requireModelRow(
  db: LoggedModelDb,
  modelId: string,
  allowDeleted = false,
): Promise<LoggedModelRow> {
  if (typeof modelId !== 'string' || modelId === '') {
    throw MlflowError.invalidParameterValue(`Missing value for required parameter 'model_id'.`);
  }
  const row = await db
    .selectFrom('logged_models')
    .selectAll()
    .where('model_id', '=', modelId)
    .executeTakeFirst();
  if (!row || (!allowDeleted && row.lifecycle_stage === 'deleted')) throw modelNotFound(modelId);
  return row;
}

function group<T>(rows: readonly T[], id: (row: T) => string): Map<string, T[]> {
  const byId = new Map<string, T[]>();
  for (const row of rows) {
    const list = byId.get(id(row)) ?? [];
    list.push(row);
    byId.set(id(row), list);
  }
  return byId;
}

async function loadChildren(db: LoggedModelDb, ids: string[]) {
  const tags = [];
  const params = [];
  const metrics = [];
  // 500 ids per query keeps the bound parameters under both drivers' limits.
  for (const part of chunk(ids, 500)) {
    tags.push(
      ...(await db
        .selectFrom('logged_model_tags')
        .select(['model_id', 'tag_key', 'tag_value'])
        .where('model_id', 'in', part)
        .orderBy('tag_key')
        .execute()),
    );
    params.push(
      ...(await db
        .selectFrom('logged_model_params')
        .select(['model_id', 'param_key', 'param_value'])
        .where('model_id', 'in', part)
        .orderBy('param_key')
        .execute()),
    );
    metrics.push(
      ...(await db
        .selectFrom('logged_model_metrics')
        .selectAll()
        .where('model_id', 'in', part)
        .orderBy('metric_name')
        .orderBy('metric_step')
        .orderBy('metric_timestamp_ms')
        .orderBy('run_id')
        .execute()),
    );
  }
  return {
    tags: group(tags, (r) => r.model_id),
    params: group(params, (r) => r.model_id),
    metrics: group(metrics, (r) => r.model_id),
  };
}

/** Rows to models, with their tags, params and metrics loaded in one query each. */
export async function hydrateModels(
  db: LoggedModelDb,
  rows: readonly LoggedModelRow[],
): Promise<LoggedModel[]> {
  if (rows.length === 0) return [];
  const children = await loadChildren(
    db,
    rows.map((r) => r.model_id),
  );
  return rows.map((row): LoggedModel => {
    const metrics = (children.metrics.get(row.model_id) ?? []).map(
      (m): LoggedModelMetric => ({
        key: m.metric_name,
        // The column has no is_nan: MLflow stores NaN as 0 and ±Infinity as ±max double.
        value: m.metric_value === null ? Number.NaN : decodeMetricValue(Number(m.metric_value), 0),
        timestamp: toNumber(m.metric_timestamp_ms) ?? 0,
        step: toNumber(m.metric_step) ?? 0,
        modelId: m.model_id,
        runId: m.run_id,
        ...(m.dataset_name !== null ? { datasetName: m.dataset_name } : {}),
        ...(m.dataset_digest !== null ? { datasetDigest: m.dataset_digest } : {}),
      }),
    );
    return {
      modelId: row.model_id,
      experimentId: String(row.experiment_id),
      name: row.name,
      artifactLocation: row.artifact_location,
      creationTimestamp: toNumber(row.creation_timestamp_ms) ?? 0,
      lastUpdatedTimestamp: toNumber(row.last_updated_timestamp_ms) ?? 0,
      status: statusName(row.status),
      ...(row.status_message !== null ? { statusMessage: row.status_message } : {}),
      ...(row.model_type !== null ? { modelType: row.model_type } : {}),
      ...(row.source_run_id !== null ? { sourceRunId: row.source_run_id } : {}),
      tags: Object.fromEntries((children.tags.get(row.model_id) ?? []).map((t) => [t.tag_key, t.tag_value])),
      params: Object.fromEntries(
        (children.params.get(row.model_id) ?? []).map((p) => [p.param_key, p.param_value]),
      ),
      metrics,
    };
  });
}
