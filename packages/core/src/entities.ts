import type { LifecycleStage, RunStatus, ViewType } from './enums.js';

/** A key/value tag on an experiment (MLflow's `ExperimentTag`). */
export interface ExperimentTag {
  key: string;
  value: string;
}

/** An experiment (MLflow's `Experiment`); ids are strings on the wire and here. */
export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime: number | null;
  lastUpdateTime: number | null;
  tags: ExperimentTag[];
}

/** One metric point. `value` may be NaN or ±Infinity; `timestamp` is Unix milliseconds. */
export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

/** A metric point with the run it belongs to, as returned by bulk history queries. */
export interface MetricWithRunId extends Metric {
  runId: string;
}

/** A run parameter (immutable once logged). */
export interface Param {
  key: string;
  value: string;
}

/** A run tag (last write wins). */
export interface RunTag {
  key: string;
  value: string;
}

/** A dataset as MLflow records it: identified per experiment by name and digest. */
export interface Dataset {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema?: string | null;
  profile?: string | null;
}

/** A tag on a dataset input, such as `mlflow.data.context`. */
export interface InputTag {
  key: string;
  value: string;
}

/** A dataset used by a run, with tags describing how (MLflow's `DatasetInput`). */
export interface DatasetInput {
  tags: InputTag[];
  dataset: Dataset;
}

/** Run metadata (MLflow's `RunInfo`). */
export interface RunInfo {
  runId: string;
  runName: string;
  experimentId: string;
  userId: string;
  status: RunStatus;
  startTime: number | null;
  endTime: number | null;
  artifactUri: string;
  lifecycleStage: LifecycleStage;
}

/** A run's data: the latest value of each metric, its params and tags. */
export interface RunData {
  metrics: Metric[];
  params: Param[];
  tags: RunTag[];
}

/** A logged model a run used (MLflow 3's `LoggedModelInput`). */
export interface LoggedModelInput {
  modelId: string;
}

/** A logged model a run produced, at a step (MLflow 3's `LoggedModelOutput`). */
export interface LoggedModelOutput {
  modelId: string;
  step: number;
}

/** A run's inputs: datasets and, from MLflow 3, logged models (absent where the store has none). */
export interface RunInputs {
  datasetInputs: DatasetInput[];
  modelInputs?: LoggedModelInput[];
}

/** A run's outputs (MLflow 3's `RunOutputs`): the logged models it produced. */
export interface RunOutputs {
  modelOutputs: LoggedModelOutput[];
}

/** A run: info, data, inputs and, from MLflow 3, outputs (MLflow's `Run`). */
export interface Run {
  info: RunInfo;
  data: RunData;
  inputs: RunInputs;
  outputs?: RunOutputs;
}

/** A summary row of `searchDatasets` (MLflow's `DatasetSummary`). */
export interface DatasetSummary {
  experimentId: string;
  name: string;
  digest: string;
  context?: string;
}

/** A page of results and the token for the next one (absent on the last page). */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

/** Arguments of `searchRuns`, with MLflow's names and defaults. */
export interface SearchRunsOptions {
  experimentIds: string[];
  filter?: string;
  runViewType?: ViewType;
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

/** Arguments of `searchExperiments`. */
export interface SearchExperimentsOptions {
  viewType?: ViewType;
  maxResults?: number;
  filter?: string;
  orderBy?: string[];
  pageToken?: string;
}
