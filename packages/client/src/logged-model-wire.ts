import {
  fromWireNumber,
  type LoggedModel,
  type LoggedModelMetric,
  type LoggedModelStatus,
  type ModelScopedMetric,
  toWireMetric,
} from '@flowline/core';

// MLflow 3's `LoggedModel` JSON as the tracking server answers it (service.proto), read into Flowline's
// entity; and model-scoped metrics as `log-batch` sends them.

type WirePair = { key: string; value?: string };

/** A metric point of a logged model on the wire (MLflow 3's `Metric` with its model, run and dataset). */
export interface WireLoggedModelMetric {
  key: string;
  value: number | string;
  timestamp: number;
  step?: number;
  dataset_name?: string;
  dataset_digest?: string;
  model_id?: string;
  run_id?: string;
}

/** A `LoggedModel` on the wire: unset fields and empty lists are left out. */
export interface WireLoggedModel {
  info: {
    model_id: string;
    experiment_id: string;
    name: string;
    creation_timestamp_ms: number;
    last_updated_timestamp_ms: number;
    artifact_uri: string;
    status?: LoggedModelStatus;
    model_type?: string;
    source_run_id?: string;
    status_message?: string;
    tags?: WirePair[];
  };
  data?: { params?: WirePair[]; metrics?: WireLoggedModelMetric[] };
}

const record = (pairs: WirePair[] | undefined): Record<string, string> =>
  Object.fromEntries((pairs ?? []).map((p) => [p.key, p.value ?? '']));

function fromWireModelMetric(m: WireLoggedModelMetric, modelId: string): LoggedModelMetric {
  return {
    key: m.key,
    value: fromWireNumber(m.value, 'value'),
    timestamp: Number(m.timestamp),
    step: Number(m.step ?? 0),
    modelId: m.model_id ?? modelId,
    runId: m.run_id ?? '',
    ...(m.dataset_name !== undefined ? { datasetName: m.dataset_name } : {}),
    ...(m.dataset_digest !== undefined ? { datasetDigest: m.dataset_digest } : {}),
  };
}

/** A logged model from the server's JSON. */
export function fromWireLoggedModel(w: WireLoggedModel): LoggedModel {
  const { info } = w;
  return {
    modelId: info.model_id,
    experimentId: info.experiment_id,
    name: info.name,
    artifactLocation: info.artifact_uri,
    creationTimestamp: Number(info.creation_timestamp_ms),
    lastUpdatedTimestamp: Number(info.last_updated_timestamp_ms),
    status: info.status ?? 'LOGGED_MODEL_STATUS_UNSPECIFIED',
    ...(info.status_message !== undefined ? { statusMessage: info.status_message } : {}),
    ...(info.model_type !== undefined ? { modelType: info.model_type } : {}),
    ...(info.source_run_id !== undefined ? { sourceRunId: info.source_run_id } : {}),
    tags: record(info.tags),
    params: record(w.data?.params),
    metrics: (w.data?.metrics ?? []).map((m) => fromWireModelMetric(m, info.model_id)),
  };
}

/** A `{key: value}` map as MLflow's repeated key-value pairs; undefined when absent. */
export function toWirePairs(map: Record<string, string> | undefined): WirePair[] | undefined {
  return map === undefined ? undefined : Object.entries(map).map(([key, value]) => ({ key, value }));
}

/** A metric as log-batch sends it, with the model and dataset it belongs to when it has them. */
export function toWireModelScopedMetric(m: ModelScopedMetric): WireLoggedModelMetric {
  return {
    ...toWireMetric(m),
    ...(m.modelId !== undefined ? { model_id: m.modelId } : {}),
    ...(m.datasetName !== undefined ? { dataset_name: m.datasetName } : {}),
    ...(m.datasetDigest !== undefined ? { dataset_digest: m.datasetDigest } : {}),
  };
}
