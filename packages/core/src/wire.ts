// MLflow's JSON wire format (proto3 JSON: snake_case names, int64 as numbers, enums by name, NaN and
// infinities as strings, unset scalars and empty lists omitted) and the conversions to and from
// Flowline's entities. The server and the REST client both use these, so the format lives in one place.
import type {
  Dataset,
  DatasetInput,
  DatasetSummary,
  Experiment,
  ExperimentTag,
  LoggedModelInput,
  LoggedModelOutput,
  Metric,
  MetricWithRunId,
  Param,
  Run,
  RunInfo,
  RunTag,
} from './entities.js';
import type { LifecycleStage, RunStatus } from './enums.js';
import { MlflowError } from './errors.js';

/** A key/value pair on the wire. */
export interface WireKeyValue {
  key: string;
  value?: string;
}
/** `Experiment` on the wire. */
export interface WireExperiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage: LifecycleStage;
  last_update_time?: number;
  creation_time?: number;
  tags?: WireKeyValue[];
}
/** A metric value on the wire: a number, or "NaN" / "Infinity" / "-Infinity". */
export type WireNumber = number | string;
/** `Metric` on the wire. */
export interface WireMetric {
  key: string;
  value: WireNumber;
  timestamp: number;
  step?: number;
  run_id?: string;
}
/** `RunInfo` on the wire (with MLflow's deprecated `run_uuid` duplicate). */
export interface WireRunInfo {
  run_id: string;
  run_uuid: string;
  run_name?: string;
  experiment_id: string;
  user_id?: string;
  status: RunStatus;
  start_time?: number;
  end_time?: number;
  artifact_uri?: string;
  lifecycle_stage: LifecycleStage;
}
/** `Dataset` on the wire. */
export interface WireDataset {
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema?: string;
  profile?: string;
}
/** `DatasetInput` on the wire. */
export interface WireDatasetInput {
  tags?: WireKeyValue[];
  dataset: WireDataset;
}
/** MLflow 3's `ModelInput` on the wire: a logged model a run used. */
export interface WireModelInput {
  model_id: string;
}
/** MLflow 3's `ModelOutput` on the wire: a logged model a run produced, at a step. */
export interface WireModelOutput {
  model_id: string;
  step: number;
}
/** `Run` on the wire; `outputs` (MLflow 3) is absent from older servers' answers. */
export interface WireRun {
  info: WireRunInfo;
  data: { metrics?: WireMetric[]; params?: WireKeyValue[]; tags?: WireKeyValue[] };
  inputs: { dataset_inputs?: WireDatasetInput[]; model_inputs?: WireModelInput[] };
  outputs?: { model_outputs?: WireModelOutput[] };
}

/** A number as MLflow writes it: NaN and infinities become strings. */
export function toWireNumber(value: number): WireNumber {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return value;
}

/** Reads a metric value from the wire: a number, or a numeric string such as "NaN", "Infinity", "1.5". */
export function fromWireNumber(value: unknown, name: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    if (value === 'NaN' || value === 'nan') return Number.NaN;
    if (value === 'Infinity' || value === 'inf') return Number.POSITIVE_INFINITY;
    if (value === '-Infinity' || value === '-inf') return Number.NEGATIVE_INFINITY;
    const n = Number(value);
    if (!Number.isNaN(n)) return n;
  }
  if (value === undefined || value === null || value === '') {
    throw MlflowError.invalidParameterValue(`Missing value for required parameter '${name}'.`);
  }
  throw MlflowError.invalidParameterValue(
    `Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied. Please specify value as a valid double (64-bit floating point).`,
  );
}

/** Reads an int64 from the wire, where proto3 JSON allows a number or a decimal string. */
export function fromWireInt(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw MlflowError.invalidParameterValue(
      `Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied: it must be an integer.`,
    );
  }
  return n;
}

const nonEmpty = <T>(list: T[] | undefined): T[] | undefined => (list && list.length > 0 ? list : undefined);
const kv = (items: { key: string; value: string }[]): WireKeyValue[] | undefined =>
  nonEmpty(items.map((t) => ({ key: t.key, value: t.value })));

/** An experiment as MLflow's JSON. */
export function toWireExperiment(e: Experiment): WireExperiment {
  return {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation || undefined,
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.lastUpdateTime ?? undefined,
    creation_time: e.creationTime ?? undefined,
    tags: kv(e.tags),
  };
}

/** An experiment from MLflow's JSON. */
export function fromWireExperiment(w: WireExperiment): Experiment {
  return {
    experimentId: String(w.experiment_id),
    name: w.name,
    artifactLocation: w.artifact_location ?? '',
    lifecycleStage: w.lifecycle_stage ?? 'active',
    creationTime: w.creation_time ?? null,
    lastUpdateTime: w.last_update_time ?? null,
    tags: fromWireTags(w.tags),
  };
}

/** Tags from the wire (a missing value is the empty string). */
export function fromWireTags(
  tags: ReadonlyArray<{ key?: string; value?: string }> | undefined,
): ExperimentTag[] {
  // A missing key stays missing, so the store's validation reports it in MLflow's words.
  return (tags ?? []).map((t) => ({ key: t?.key as string, value: t?.value ?? '' }));
}

/** A metric as MLflow's JSON. */
export function toWireMetric(m: Metric): WireMetric {
  return { key: m.key, value: toWireNumber(m.value), timestamp: m.timestamp, step: m.step };
}

/** A metric with its run id, as `get-history-bulk-interval` returns it. */
export function toWireMetricWithRunId(m: MetricWithRunId): WireMetric {
  return { ...toWireMetric(m), run_id: m.runId };
}

/** A metric as a request sends it: any field may be missing or mistyped until it is read. */
export type WireMetricInput = { [K in keyof WireMetric]?: unknown };

/** A metric from MLflow's JSON (value may be a string such as "NaN"; step defaults to 0). */
export function fromWireMetric(w: WireMetricInput, index?: number): Metric {
  const at = index === undefined ? '' : `metrics[${index}].`;
  return {
    // A missing key stays missing, so the store's validation reports it in MLflow's words.
    key: w?.key as string,
    value: fromWireNumber(w?.value, `${at}value`),
    timestamp: fromWireInt(w?.timestamp, `${at}timestamp`) as number,
    step: fromWireInt(w?.step, `${at}step`) ?? 0,
  };
}

/** Run info as MLflow's JSON. */
export function toWireRunInfo(i: RunInfo): WireRunInfo {
  return {
    run_id: i.runId,
    run_uuid: i.runId,
    run_name: i.runName || undefined,
    experiment_id: i.experimentId,
    // MLflow's run info always carries user_id, '' when the run has none.
    user_id: i.userId ?? '',
    status: i.status,
    start_time: i.startTime ?? undefined,
    end_time: i.endTime ?? undefined,
    artifact_uri: i.artifactUri || undefined,
    lifecycle_stage: i.lifecycleStage,
  };
}

/** Run info from MLflow's JSON. */
export function fromWireRunInfo(w: WireRunInfo): RunInfo {
  return {
    runId: w.run_id ?? w.run_uuid,
    runName: w.run_name ?? '',
    experimentId: String(w.experiment_id),
    userId: w.user_id ?? '',
    status: w.status ?? 'RUNNING',
    startTime: w.start_time ?? null,
    endTime: w.end_time ?? null,
    artifactUri: w.artifact_uri ?? '',
    lifecycleStage: w.lifecycle_stage ?? 'active',
  };
}

/** A dataset as MLflow's JSON. */
export function toWireDataset(d: Dataset): WireDataset {
  return {
    name: d.name,
    digest: d.digest,
    source_type: d.sourceType,
    source: d.source,
    schema: d.schema ?? undefined,
    profile: d.profile ?? undefined,
  };
}

/** A dataset input as a request sends it: any field may be missing until the store validates it. */
export interface WireDatasetInputInput {
  tags?: ReadonlyArray<{ key?: string; value?: string }>;
  dataset?: Partial<WireDataset>;
}

/** Dataset inputs from MLflow's JSON (fields left as sent; the store validates them). */
export function fromWireDatasetInputs(
  inputs: ReadonlyArray<WireDatasetInputInput> | undefined,
): DatasetInput[] {
  return (inputs ?? []).map((i) => ({
    tags: fromWireTags(i?.tags),
    // Missing fields stay missing, so the store's validation names them in MLflow's words.
    dataset: (i?.dataset && {
      name: i.dataset.name,
      digest: i.dataset.digest,
      sourceType: i.dataset.source_type,
      source: i.dataset.source,
      schema: i.dataset.schema ?? null,
      profile: i.dataset.profile ?? null,
    }) as Dataset,
  }));
}

/** Model inputs from MLflow 3's JSON (`LogInputs.models`, `RunInputs.model_inputs`); ids left as sent. */
export function fromWireModelInputs(
  models: ReadonlyArray<{ model_id?: string }> | undefined,
): LoggedModelInput[] {
  return (models ?? []).map((m) => ({ modelId: m?.model_id as string }));
}

/** Model outputs from MLflow 3's JSON (`RunOutputs.model_outputs`); a missing step is 0, as proto3's default. */
export function fromWireModelOutputs(
  models: ReadonlyArray<{ model_id?: string; step?: number | string }> | undefined,
): LoggedModelOutput[] {
  return (models ?? []).map((m, i) => ({
    modelId: m?.model_id as string,
    step: fromWireInt(m?.step, `models[${i}].step`) ?? 0,
  }));
}

/**
 * A run as MLflow's JSON. `outputs` is always there, as MLflow 3's `get_run` sets it (empty without models);
 * model inputs and outputs are left out when there are none.
 */
export function toWireRun(r: Run): WireRun {
  return {
    info: toWireRunInfo(r.info),
    data: {
      metrics: nonEmpty(r.data.metrics.map(toWireMetric)),
      params: kv(r.data.params),
      tags: kv(r.data.tags),
    },
    inputs: {
      dataset_inputs: nonEmpty(
        r.inputs.datasetInputs.map((i) => ({ tags: kv(i.tags), dataset: toWireDataset(i.dataset) })),
      ),
      model_inputs: nonEmpty(r.inputs.modelInputs?.map((m) => ({ model_id: m.modelId }))),
    },
    outputs: {
      model_outputs: nonEmpty(r.outputs?.modelOutputs.map((m) => ({ model_id: m.modelId, step: m.step }))),
    },
  };
}

/** A run from MLflow's JSON; model inputs and outputs are empty lists when the server sent none. */
export function fromWireRun(w: WireRun): Run {
  return {
    info: fromWireRunInfo(w.info),
    data: {
      metrics: (w.data?.metrics ?? []).map((m) => fromWireMetric(m)),
      params: fromWireTags(w.data?.params) as Param[],
      tags: fromWireTags(w.data?.tags) as RunTag[],
    },
    inputs: {
      datasetInputs: fromWireDatasetInputs(w.inputs?.dataset_inputs),
      modelInputs: fromWireModelInputs(w.inputs?.model_inputs),
    },
    outputs: { modelOutputs: fromWireModelOutputs(w.outputs?.model_outputs) },
  };
}

/** A dataset summary as MLflow's JSON. */
export function toWireDatasetSummary(s: DatasetSummary): {
  experiment_id: string;
  name: string;
  digest: string;
  context?: string;
} {
  return {
    experiment_id: s.experimentId,
    name: s.name,
    digest: s.digest,
    ...(s.context ? { context: s.context } : {}),
  };
}
