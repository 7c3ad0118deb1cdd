import {
  ErrorCode,
  LOGGED_MODEL_STATUS_NUMBERS,
  LOGGED_MODEL_STATUSES,
  type LoggedModel,
  type LoggedModelMetric,
  type LoggedModelStatus,
  type LoggedModelStore,
  MlflowError,
  type TrackingStore,
  toWireNumber,
} from '@flowline/core';
import type { Static } from '@sinclair/typebox';
import { wrongTypeMessage } from '../strict-body.js';
import type { LoggedModelOut } from './logged-models-schemas.js';

type WireLoggedModel = Static<typeof LoggedModelOut>;

/**
 * The tracking store's logged-model methods. Flowline's SQL store keeps logged models; a store that does
 * not is answered 501, as for traces.
 */
export function loggedModelStoreOf(store: TrackingStore): LoggedModelStore {
  const candidate = store as TrackingStore & Partial<LoggedModelStore>;
  if (
    typeof candidate.createLoggedModel !== 'function' ||
    typeof candidate.searchLoggedModels !== 'function'
  ) {
    throw new MlflowError(
      ErrorCode.NOT_IMPLEMENTED,
      'This tracking store does not keep logged models. Serve a SQL tracking store (sqlite:// or postgresql://) to use the logged-model API.',
    );
  }
  return candidate as TrackingStore & LoggedModelStore;
}

const pairs = (record: Record<string, string>) => {
  const list = Object.entries(record).map(([key, value]) => ({ key, value }));
  return list.length > 0 ? list : undefined;
};

function toWireModelMetric(m: LoggedModelMetric) {
  return {
    key: m.key,
    value: toWireNumber(m.value),
    timestamp: m.timestamp,
    step: m.step,
    ...(m.datasetName !== undefined ? { dataset_name: m.datasetName } : {}),
    ...(m.datasetDigest !== undefined ? { dataset_digest: m.datasetDigest } : {}),
    model_id: m.modelId,
    run_id: m.runId,
  };
}

/**
 * A logged model as MLflow's `LoggedModel.to_proto()` writes it: `info` (the artifact location as
 * `artifact_uri`, the status by enum name) and `data` (always present, empty lists left out).
 */
export function toWireLoggedModel(m: LoggedModel): WireLoggedModel {
  return {
    info: {
      model_id: m.modelId,
      experiment_id: m.experimentId,
      name: m.name,
      creation_timestamp_ms: m.creationTimestamp,
      last_updated_timestamp_ms: m.lastUpdatedTimestamp,
      artifact_uri: m.artifactLocation,
      status: m.status,
      ...(m.modelType !== undefined ? { model_type: m.modelType } : {}),
      ...(m.sourceRunId !== undefined ? { source_run_id: m.sourceRunId } : {}),
      ...(m.statusMessage !== undefined ? { status_message: m.statusMessage } : {}),
      tags: pairs(m.tags),
    },
    data: {
      params: pairs(m.params),
      metrics: m.metrics.length > 0 ? m.metrics.map(toWireModelMetric) : undefined,
    },
  };
}

const BY_NUMBER = new Map(LOGGED_MODEL_STATUSES.map((s) => [LOGGED_MODEL_STATUS_NUMBERS[s], s]));

/**
 * A `LoggedModelStatus` from the wire, by enum name (as MLflow's clients send it) or number. An unknown
 * name fails proto parsing and then MLflow's int check; an unknown number is its entity's refusal.
 */
export function loggedModelStatusOf(value: string | number): LoggedModelStatus {
  if (typeof value === 'number') {
    const status = BY_NUMBER.get(value);
    if (!status) throw MlflowError.invalidParameterValue(`Unknown model status: ${value}`);
    return status;
  }
  if ((LOGGED_MODEL_STATUSES as readonly string[]).includes(value)) return value as LoggedModelStatus;
  if (/^-?\d+$/.test(value)) return loggedModelStatusOf(Number(value));
  throw MlflowError.invalidParameterValue(wrongTypeMessage('status', value));
}
