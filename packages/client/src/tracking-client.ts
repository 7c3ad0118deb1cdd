import {
  BaseTrackingStore,
  type CreateExperimentInput,
  type CreateLoggedModelInput,
  type CreateRunInput,
  type DatasetInput,
  type DatasetSummary,
  type Experiment,
  type ExperimentTag,
  fromWireExperiment,
  fromWireMetric,
  fromWireRun,
  fromWireRunInfo,
  type GetLoggedModelOptions,
  isMlflowError,
  type LogBatchInput,
  type LoggedModel,
  type LoggedModelInput,
  type LoggedModelStatus,
  type LoggedModelStore,
  type Metric,
  type MetricHistoryBulkIntervalOptions,
  type MetricHistoryOptions,
  type MetricWithRunId,
  type ModelScopedMetric,
  type Page,
  type Param,
  type Run,
  type RunInfo,
  type RunTag,
  type SearchExperimentsOptions,
  type SearchLoggedModelsOptions,
  type SearchRunsOptions,
  toWireDataset,
  toWireMetric,
  type UpdateRunInput,
  validateMetric,
  type WireExperiment,
  type WireMetric,
  type WireRun,
  type WireRunInfo,
} from '@flowline/core';
import { type HttpOptions, HttpTransport } from './http.js';
import {
  fromWireLoggedModel,
  toWireModelScopedMetric,
  toWirePairs,
  type WireLoggedModel,
} from './logged-model-wire.js';

const API = '/api/2.0/mlflow';
const AJAX = '/ajax-api/2.0/mlflow';

/**
 * MLflow's tracking REST API, one method per endpoint, typed with Flowline's entities. It implements
 * `TrackingStore` and `LoggedModelStore`, so anything written against the store works against a server too.
 */
export class TrackingClient extends BaseTrackingStore implements LoggedModelStore {
  readonly http: HttpTransport;

  /** `trackingUri` is the server's base URL, e.g. `http://127.0.0.1:5000`. */
  constructor(trackingUri: string, options: HttpOptions = {}) {
    super();
    this.http = new HttpTransport(trackingUri, options);
  }

  #get<T>(path: string, query: Record<string, unknown>, prefix = API): Promise<T> {
    return this.http.request<T>('GET', prefix + path, query);
  }

  #post<T>(path: string, body: Record<string, unknown>, prefix = API): Promise<T> {
    return this.http.request<T>('POST', prefix + path, body);
  }

  /** POST experiments/create. */
  async createExperiment(input: CreateExperimentInput): Promise<string> {
    const res = await this.#post<{ experiment_id: string }>('/experiments/create', {
      name: input.name,
      artifact_location: input.artifactLocation,
      tags: input.tags,
    });
    return res.experiment_id;
  }

  /** GET experiments/get. */
  async getExperiment(experimentId: string): Promise<Experiment> {
    const res = await this.#get<{ experiment: WireExperiment }>('/experiments/get', {
      experiment_id: experimentId,
    });
    return fromWireExperiment(res.experiment);
  }

  /** GET experiments/get-by-name; null when no experiment has that name. */
  async getExperimentByName(name: string): Promise<Experiment | null> {
    try {
      const res = await this.#get<{ experiment: WireExperiment }>('/experiments/get-by-name', {
        experiment_name: name,
      });
      return fromWireExperiment(res.experiment);
    } catch (error) {
      if (isMlflowError(error) && error.errorCode === 'RESOURCE_DOES_NOT_EXIST') return null;
      throw error;
    }
  }

  /** POST experiments/search. */
  async searchExperiments(options: SearchExperimentsOptions = {}): Promise<Page<Experiment>> {
    const res = await this.#post<{ experiments?: WireExperiment[]; next_page_token?: string }>(
      '/experiments/search',
      {
        max_results: options.maxResults ?? 1000,
        page_token: options.pageToken,
        filter: options.filter,
        order_by: options.orderBy,
        view_type: options.viewType,
      },
    );
    return page((res.experiments ?? []).map(fromWireExperiment), res.next_page_token);
  }

  /** POST experiments/update (rename). */
  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    await this.#post('/experiments/update', { experiment_id: experimentId, new_name: newName });
  }

  /** POST experiments/delete. */
  async deleteExperiment(experimentId: string): Promise<void> {
    await this.#post('/experiments/delete', { experiment_id: experimentId });
  }

  /** POST experiments/restore. */
  async restoreExperiment(experimentId: string): Promise<void> {
    await this.#post('/experiments/restore', { experiment_id: experimentId });
  }

  /** POST experiments/set-experiment-tag. */
  async setExperimentTag(experimentId: string, tag: ExperimentTag): Promise<void> {
    await this.#post('/experiments/set-experiment-tag', {
      experiment_id: experimentId,
      key: tag.key,
      value: tag.value,
    });
  }

  /** POST experiments/delete-experiment-tag. */
  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    await this.#post('/experiments/delete-experiment-tag', { experiment_id: experimentId, key });
  }

  /** POST runs/create. */
  async createRun(input: CreateRunInput): Promise<Run> {
    const res = await this.#post<{ run: WireRun }>('/runs/create', {
      experiment_id: input.experimentId,
      user_id: input.userId,
      run_name: input.runName,
      start_time: input.startTime,
      tags: input.tags,
    });
    return fromWireRun(res.run);
  }

  /** GET runs/get. */
  async getRun(runId: string): Promise<Run> {
    const res = await this.#get<{ run: WireRun }>('/runs/get', { run_id: runId });
    return fromWireRun(res.run);
  }

  /** POST runs/update. */
  async updateRunInfo(runId: string, update: UpdateRunInput): Promise<RunInfo> {
    const res = await this.#post<{ run_info: WireRunInfo }>('/runs/update', {
      run_id: runId,
      status: update.status,
      end_time: update.endTime,
      run_name: update.runName,
    });
    return fromWireRunInfo(res.run_info);
  }

  /** POST runs/delete. */
  async deleteRun(runId: string): Promise<void> {
    await this.#post('/runs/delete', { run_id: runId });
  }

  /** POST runs/restore. */
  async restoreRun(runId: string): Promise<void> {
    await this.#post('/runs/restore', { run_id: runId });
  }

  /** POST runs/search. */
  async searchRuns(options: SearchRunsOptions): Promise<Page<Run>> {
    const res = await this.#post<{ runs?: WireRun[]; next_page_token?: string }>('/runs/search', {
      experiment_ids: options.experimentIds,
      filter: options.filter,
      run_view_type: options.runViewType,
      max_results: options.maxResults,
      order_by: options.orderBy,
      page_token: options.pageToken,
    });
    return page((res.runs ?? []).map(fromWireRun), res.next_page_token);
  }

  /** POST runs/log-batch (all or nothing). */
  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    await this.#post('/runs/log-batch', {
      run_id: runId,
      // Checked here too: JSON cannot tell the server that a metric value was a string, not a number.
      // A metric with a `modelId` (MLflow 3) is sent with it and its dataset, so it reaches the model too.
      metrics: (batch.metrics ?? []).map((m) => toWireModelScopedMetric({ ...m, ...validateMetric(m) })),
      params: batch.params ?? [],
      tags: batch.tags ?? [],
    });
  }

  /** POST runs/log-metric. */
  override async logMetric(runId: string, metric: Metric): Promise<void> {
    await this.#post('/runs/log-metric', { run_id: runId, ...toWireMetric(validateMetric(metric)) });
  }

  /** POST runs/log-parameter. */
  override async logParam(runId: string, param: Param): Promise<void> {
    await this.#post('/runs/log-parameter', { run_id: runId, key: param.key, value: param.value });
  }

  /** POST runs/set-tag. */
  override async setTag(runId: string, tag: RunTag): Promise<void> {
    await this.#post('/runs/set-tag', { run_id: runId, key: tag.key, value: tag.value });
  }

  /** POST runs/delete-tag. */
  async deleteTag(runId: string, key: string): Promise<void> {
    await this.#post('/runs/delete-tag', { run_id: runId, key });
  }

  /** POST runs/log-inputs: datasets and, as MLflow 3's `models`, logged models the run used. */
  async logInputs(runId: string, datasets: DatasetInput[], models?: LoggedModelInput[]): Promise<void> {
    await this.#post('/runs/log-inputs', {
      run_id: runId,
      datasets: datasets.map((d) => ({ tags: d.tags, dataset: d.dataset && toWireDataset(d.dataset) })),
      ...(models && models.length > 0 ? { models: models.map((m) => ({ model_id: m.modelId })) } : {}),
    });
  }

  /** POST runs/log-model: appends a model's metadata (MLmodel as JSON) to the run's history tag. */
  async logModel(runId: string, model: Record<string, unknown>): Promise<void> {
    await this.#post('/runs/log-model', { run_id: runId, model_json: JSON.stringify(model) });
  }

  /** GET metrics/get-history. */
  async getMetricHistory(
    runId: string,
    metricKey: string,
    options: MetricHistoryOptions = {},
  ): Promise<Page<Metric>> {
    const res = await this.#get<{ metrics?: WireMetric[]; next_page_token?: string }>(
      '/metrics/get-history',
      {
        run_id: runId,
        metric_key: metricKey,
        max_results: options.maxResults,
        page_token: options.pageToken,
      },
    );
    return page(
      (res.metrics ?? []).map((m) => fromWireMetric(m)),
      res.next_page_token,
    );
  }

  /** GET metrics/get-history-bulk-interval. */
  async getMetricHistoryBulkInterval(options: MetricHistoryBulkIntervalOptions): Promise<MetricWithRunId[]> {
    const res = await this.#get<{ metrics?: WireMetric[] }>('/metrics/get-history-bulk-interval', {
      run_ids: options.runIds,
      metric_key: options.metricKey,
      start_step: options.startStep,
      end_step: options.endStep,
      max_results: options.maxResults,
    });
    return (res.metrics ?? []).map((m) => ({ ...fromWireMetric(m), runId: m.run_id ?? '' }));
  }

  /** POST experiments/search-datasets (served under /ajax-api, as MLflow does). */
  async searchDatasets(experimentIds: string[]): Promise<DatasetSummary[]> {
    const res = await this.#post<{
      dataset_summaries?: { experiment_id: string; name: string; digest: string; context?: string }[];
    }>('/experiments/search-datasets', { experiment_ids: experimentIds }, AJAX);
    return (res.dataset_summaries ?? []).map((s) => ({
      experimentId: s.experiment_id,
      name: s.name,
      digest: s.digest,
      ...(s.context ? { context: s.context } : {}),
    }));
  }

  /** POST logged-models (MLflow 3's CreateLoggedModel): a new `LOGGED_MODEL_PENDING` model. */
  async createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel> {
    const res = await this.#post<{ model: WireLoggedModel }>('/logged-models', {
      experiment_id: input.experimentId,
      name: input.name,
      model_type: input.modelType,
      source_run_id: input.sourceRunId,
      params: toWirePairs(input.params),
      tags: toWirePairs(input.tags),
    });
    return fromWireLoggedModel(res.model);
  }

  /** PATCH logged-models/{id} (FinalizeLoggedModel). */
  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    const res = await this.http.request<{ model: WireLoggedModel }>('PATCH', this.#modelPath(modelId), {
      model_id: modelId,
      status,
    });
    return fromWireLoggedModel(res.model);
  }

  /** GET logged-models/{id} (`allow_deleted=true` to see a deleted one). */
  async getLoggedModel(modelId: string, options: GetLoggedModelOptions = {}): Promise<LoggedModel> {
    const res = await this.http.request<{ model: WireLoggedModel }>(
      'GET',
      this.#modelPath(modelId),
      options.allowDeleted ? { allow_deleted: 'true' } : {},
    );
    return fromWireLoggedModel(res.model);
  }

  /** DELETE logged-models/{id} (a soft delete, as MLflow). */
  async deleteLoggedModel(modelId: string): Promise<void> {
    await this.http.request('DELETE', this.#modelPath(modelId));
  }

  /** POST logged-models/search. */
  async searchLoggedModels(options: SearchLoggedModelsOptions): Promise<Page<LoggedModel>> {
    const res = await this.#post<{ models?: WireLoggedModel[]; next_page_token?: string }>(
      '/logged-models/search',
      {
        experiment_ids: options.experimentIds,
        filter: options.filter,
        datasets: options.datasets?.map((d) => ({
          dataset_name: d.datasetName,
          dataset_digest: d.datasetDigest,
        })),
        order_by: options.orderBy?.map((o) => ({
          field_name: o.fieldName,
          ascending: o.ascending,
          dataset_name: o.datasetName,
          dataset_digest: o.datasetDigest,
        })),
        max_results: options.maxResults,
        page_token: options.pageToken,
      },
    );
    return page((res.models ?? []).map(fromWireLoggedModel), res.next_page_token);
  }

  /** PATCH logged-models/{id}/tags. */
  async setLoggedModelTags(modelId: string, tags: Record<string, string>): Promise<void> {
    await this.http.request('PATCH', `${this.#modelPath(modelId)}/tags`, {
      model_id: modelId,
      tags: toWirePairs(tags),
    });
  }

  /** DELETE logged-models/{id}/tags/{key}. */
  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    await this.http.request('DELETE', `${this.#modelPath(modelId)}/tags/${encodeURIComponent(key)}`);
  }

  /** POST logged-models/{id}/params. */
  async logLoggedModelParams(modelId: string, params: Record<string, string>): Promise<void> {
    await this.#post(`/logged-models/${encodeURIComponent(modelId)}/params`, {
      model_id: modelId,
      params: toWirePairs(params),
    });
  }

  /**
   * Model-scoped metric points, through runs/log-batch with their `model_id` and dataset, the only way
   * MLflow's REST API takes them: as with MLflow's client, the server logs them on the run too.
   */
  async logLoggedModelMetrics(runId: string, metrics: ModelScopedMetric[]): Promise<void> {
    const scoped = metrics.filter((m) => m.modelId !== undefined);
    if (scoped.length === 0) return;
    await this.#post('/runs/log-batch', {
      run_id: runId,
      metrics: scoped.map((m) => toWireModelScopedMetric({ ...m, ...validateMetric(m) })),
    });
  }

  /** POST runs/outputs (MLflow 3's LogOutputs): the models a run produced, at a step. */
  async logOutputs(runId: string, models: { modelId: string; step?: number }[]): Promise<void> {
    await this.#post('/runs/outputs', {
      run_id: runId,
      models: models.map((m) => ({ model_id: m.modelId, step: m.step ?? 0 })),
    });
  }

  #modelPath(modelId: string): string {
    return `${API}/logged-models/${encodeURIComponent(modelId)}`;
  }

  /** Nothing to release: each request stands alone. */
  async close(): Promise<void> {}
}

function page<T>(items: T[], nextPageToken: string | undefined): Page<T> {
  return nextPageToken ? { items, nextPageToken } : { items };
}
