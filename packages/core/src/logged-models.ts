// MLflow 3 logged models: a model as a first-class entity of an experiment, with its own params, tags,
// metrics and artifact location (MLflow's `LoggedModel` and the logged-model methods of its tracking store).
import type { LoggedModelOutput, Metric, Page } from './entities.js';

/** A logged model's status, as MLflow's `LoggedModelStatus` enum names it on the wire. */
export type LoggedModelStatus =
  | 'LOGGED_MODEL_STATUS_UNSPECIFIED'
  | 'LOGGED_MODEL_PENDING'
  | 'LOGGED_MODEL_READY'
  | 'LOGGED_MODEL_UPLOAD_FAILED';

/** The integer MLflow stores in `logged_models.status` for each status (the proto enum numbers). */
export const LOGGED_MODEL_STATUS_NUMBERS: Readonly<Record<LoggedModelStatus, number>> = {
  LOGGED_MODEL_STATUS_UNSPECIFIED: 0,
  LOGGED_MODEL_PENDING: 1,
  LOGGED_MODEL_READY: 2,
  LOGGED_MODEL_UPLOAD_FAILED: 3,
};

/** Every `LoggedModelStatus`, in MLflow's enum order. */
export const LOGGED_MODEL_STATUSES: readonly LoggedModelStatus[] = [
  'LOGGED_MODEL_STATUS_UNSPECIFIED',
  'LOGGED_MODEL_PENDING',
  'LOGGED_MODEL_READY',
  'LOGGED_MODEL_UPLOAD_FAILED',
];

/** Logged-model tag keys MLflow gives meaning to (`mlflow/utils/mlflow_tags.py`). */
export const LoggedModelTagKey = {
  /** JSON list of `{"name": …, "version": …}` registered versions made from the model. */
  MODEL_VERSIONS: 'mlflow.modelVersions',
  /** `true` on a model whose files live outside MLflow (`create_external_model`). */
  IS_EXTERNAL: 'mlflow.model.isExternal',
} as const;

/**
 * A metric point logged against a model (MLflow 3's `Metric` with `model_id`, `run_id` and the dataset it
 * was computed on); a row of `logged_model_metrics`.
 */
export interface LoggedModelMetric extends Metric {
  modelId: string;
  runId: string;
  datasetName?: string;
  datasetDigest?: string;
}

/**
 * A metric input that may also belong to a logged model, as MLflow 3's `LogMetric` / `LogBatch` metrics:
 * with `modelId` set, the point is written to the run and to the model (`logged_model_metrics`).
 */
export interface ModelScopedMetric extends Metric {
  modelId?: string;
  datasetName?: string;
  datasetDigest?: string;
}

/**
 * A logged model (MLflow's `LoggedModel`): id `m-<32 hex>`, artifacts under
 * `<experiment artifact location>/models/<model id>/artifacts`. Times are Unix milliseconds. `metrics` are
 * all the points logged against the model, not only the latest.
 */
export interface LoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  artifactLocation: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  status: LoggedModelStatus;
  statusMessage?: string;
  modelType?: string;
  sourceRunId?: string;
  tags: Record<string, string>;
  params: Record<string, string>;
  metrics: LoggedModelMetric[];
}

/** What `createLoggedModel` takes (MLflow's `CreateLoggedModel`); a missing name is generated. */
export interface CreateLoggedModelInput {
  experimentId: string;
  name?: string;
  modelType?: string;
  sourceRunId?: string;
  params?: Record<string, string>;
  tags?: Record<string, string>;
}

/** A dataset that search keeps metrics of (MLflow's `SearchLoggedModels.datasets`); no digest means any. */
export interface LoggedModelDatasetFilter {
  datasetName: string;
  datasetDigest?: string;
}

/**
 * One order-by key of `searchLoggedModels` (MLflow's `OrderBy`): an attribute, or `metrics.<name>` ordered by
 * its latest value, optionally on one dataset. Ascending unless `ascending` is false.
 */
export interface LoggedModelOrderBy {
  fieldName: string;
  ascending?: boolean;
  datasetName?: string;
  datasetDigest?: string;
}

/** Arguments of `searchLoggedModels`, with MLflow's names and defaults (50 results, newest first). */
export interface SearchLoggedModelsOptions {
  experimentIds: string[];
  filter?: string;
  datasets?: LoggedModelDatasetFilter[];
  orderBy?: LoggedModelOrderBy[];
  maxResults?: number;
  pageToken?: string;
}

/** Options of `getLoggedModel`. */
export interface GetLoggedModelOptions {
  /** Return a deleted model too (MLflow's `allow_deleted`). */
  allowDeleted?: boolean;
}

/**
 * The logged-model methods of a tracking store (MLflow 3's `AbstractStore` logged-model API). Unknown or
 * deleted models throw `RESOURCE_DOES_NOT_EXIST` "Logged model with ID '<id>' not found.".
 */
export interface LoggedModelStore {
  /** Creates a `LOGGED_MODEL_PENDING` model in an active experiment, with its params and tags. */
  createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel>;
  /** Sets a model's status (`READY` or `UPLOAD_FAILED`) and bumps its last-updated time. */
  finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel>;
  /** One model with its tags, params and metrics. */
  getLoggedModel(modelId: string, options?: GetLoggedModelOptions): Promise<LoggedModel>;
  /** Soft-deletes a model (`lifecycle_stage = 'deleted'`), as MLflow; it no longer shows in get or search. */
  deleteLoggedModel(modelId: string): Promise<void>;
  /** Searches models with MLflow's logged-model filter grammar (comparisons joined by `AND`). */
  searchLoggedModels(options: SearchLoggedModelsOptions): Promise<Page<LoggedModel>>;
  /** Sets (upserts) model tags; does not change the last-updated time, as MLflow. */
  setLoggedModelTags(modelId: string, tags: Record<string, string>): Promise<void>;
  /** Deletes a model tag; a missing one is `RESOURCE_DOES_NOT_EXIST`. */
  deleteLoggedModelTag(modelId: string, key: string): Promise<void>;
  /** Logs params on a model; params are immutable, so a changed value is `INVALID_PARAMETER_VALUE`. */
  logLoggedModelParams(modelId: string, params: Record<string, string>): Promise<void>;
  /**
   * Writes the points of `metrics` that carry a `modelId` to `logged_model_metrics` for run `runId` (MLflow's
   * `_log_model_metrics`); the rest are skipped. `logBatch` calls it for its model-scoped metrics.
   */
  logLoggedModelMetrics(runId: string, metrics: ModelScopedMetric[]): Promise<void>;
  /**
   * Records models as outputs of an active run, each at a step (MLflow 3's `log_outputs`, rows
   * `RUN_OUTPUT` → `MODEL_OUTPUT` of the `inputs` table); `getRun` returns them as `outputs.modelOutputs`.
   */
  logOutputs(runId: string, models: LoggedModelOutput[]): Promise<void>;
}
