import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type Assessment,
  type AssessmentPatch,
  type AssessmentUpdateField,
  BaseTrackingStore,
  type Clock,
  type CreateAssessmentInput,
  type CreateExperimentInput,
  type CreateLoggedModelInput,
  type CreateRunInput,
  type DatasetInput,
  type DatasetSummary,
  type DeleteTracesOptions,
  type EndTraceV2Input,
  type Experiment,
  type ExperimentTag,
  type GetLoggedModelOptions,
  type LogBatchInput,
  type LoggedModel,
  type LoggedModelInput,
  type LoggedModelOutput,
  type LoggedModelStatus,
  type LoggedModelStore,
  type Metric,
  type MetricHistoryBulkIntervalOptions,
  type MetricHistoryOptions,
  type MetricWithRunId,
  type ModelScopedMetric,
  type Page,
  type Run,
  type RunInfo,
  type SearchExperimentsOptions,
  type SearchLoggedModelsOptions,
  type SearchRunsOptions,
  type SearchTracesOptions,
  type SpanRecord,
  type StartTraceInput,
  type StartTraceV2Input,
  systemClock,
  type TraceInfo,
  type TraceStore,
  type UpdateRunInput,
} from '@flowline/core';
import { checkSchema, type MigrationReport, type OpenDatabase, openDatabase } from '@flowline/db';
import { sql } from 'kysely';
import * as batch from './batch.js';
import type { StoreContext } from './context.js';
import * as datasets from './datasets.js';
import * as experiments from './experiments.js';
import * as loggedModels from './logged-models/logged-models.js';
import {
  checkModelMetrics,
  logLoggedModelMetrics,
  modelScopedMetrics,
} from './logged-models/model-metrics.js';
import { searchLoggedModels } from './logged-models/search-logged-models.js';
import * as history from './metric-history.js';
import { getMetricHistoryBulkInterval } from './metric-sampling.js';
import * as runOutputs from './run-outputs.js';
import * as runs from './runs.js';
import * as assessments from './traces/assessments.js';
import { logSpans } from './traces/log-spans.js';
import { searchTraces } from './traces/search-traces.js';
import * as traceInfo from './traces/trace-info.js';
import { getTraceSpans } from './traces/trace-spans.js';
import * as traceTags from './traces/trace-tags.js';

/** Options for opening a `SqlTrackingStore`. */
export interface SqlTrackingStoreOptions {
  /** Where new experiments put artifacts by default (MLflow's `--default-artifact-root`); default `./mlruns`. */
  defaultArtifactRoot?: string;
  /** Apply pending migrations on open (default true). With false, a database needing them is refused. */
  migrate?: boolean;
  /** Time source; tests inject a fixed clock. */
  clock?: Clock;
  /** Working folder for relative SQLite paths (`open`), relative artifact locations and the default artifact root. */
  cwd?: string;
  /** Postgres pool size (`open` only: a store from `create` uses its database's pool). */
  poolSize?: number;
  /**
   * Cut param values over 6000 characters and tag values over 8000 to the limit instead of refusing them, as
   * MLflow's store does (default: `MLFLOW_TRUNCATE_LONG_VALUES`, which defaults to true).
   */
  truncateLongValues?: boolean;
}

function truncateFromEnv(): boolean {
  const text = (process.env.MLFLOW_TRUNCATE_LONG_VALUES ?? 'true').trim().toLowerCase();
  return !['false', '0', 'no', 'off'].includes(text);
}

/** `./mlruns` as an absolute local path, MLflow's default artifact root for a local store. */
function defaultArtifactRoot(cwd: string): string {
  return pathToFileURL(resolve(cwd, 'mlruns')).pathname;
}

/**
 * The tracking store on Kysely: SQLite (`sqlite:///…`, the embedded default) or PostgreSQL
 * (`postgresql://…`), in MLflow's own schema, so an existing MLflow database opens unchanged. What differs
 * between the dialects comes from the database's adapter; the store never asks which one it is on.
 */
export class SqlTrackingStore extends BaseTrackingStore implements TraceStore, LoggedModelStore {
  readonly #ctx: StoreContext;
  readonly #owned: boolean;
  /** The database the store works on (shared with any other store created on it). */
  readonly database: OpenDatabase;
  /** What migrations did when the store was opened. */
  readonly migration: MigrationReport;

  private constructor(database: OpenDatabase, ctx: StoreContext, migration: MigrationReport, owned: boolean) {
    super();
    this.database = database;
    this.#ctx = ctx;
    this.migration = migration;
    this.#owned = owned;
  }

  /**
   * A store on an open database (`openDatabase(uri)`): migrates it (once per handle, however many stores share
   * it) unless told not to, and makes sure the default experiment exists. `close()` leaves the database open:
   * whoever opened it closes it.
   */
  static create(database: OpenDatabase, options: SqlTrackingStoreOptions = {}): Promise<SqlTrackingStore> {
    return SqlTrackingStore.#create(database, options, false);
  }

  /** Opens a store URI in a database of its own, which `close()` closes; see `create` to share one. */
  static async open(uri: string, options: SqlTrackingStoreOptions = {}): Promise<SqlTrackingStore> {
    const database = await openDatabase(uri, { cwd: options.cwd, poolSize: options.poolSize });
    try {
      return await SqlTrackingStore.#create(database, options, true);
    } catch (error) {
      await database.close();
      throw error;
    }
  }

  static async #create(
    database: OpenDatabase,
    options: SqlTrackingStoreOptions,
    owned: boolean,
  ): Promise<SqlTrackingStore> {
    const cwd = options.cwd ?? process.cwd();
    const migration = options.migrate === false ? await checkSchema(database) : await database.migrate();
    const ctx: StoreContext = {
      db: database.db,
      adapter: database.adapter,
      clock: options.clock ?? systemClock,
      artifactRoot: options.defaultArtifactRoot ?? defaultArtifactRoot(cwd),
      cwd,
      values: { truncate: options.truncateLongValues ?? truncateFromEnv() },
    };
    await experiments.ensureDefaultExperiment(ctx);
    return new SqlTrackingStore(database, ctx, migration, owned);
  }

  createExperiment(input: CreateExperimentInput): Promise<string> {
    return experiments.createExperiment(this.#ctx, input);
  }
  getExperiment(experimentId: string): Promise<Experiment> {
    return experiments.getExperiment(this.#ctx, experimentId);
  }
  getExperimentByName(name: string): Promise<Experiment | null> {
    return experiments.getExperimentByName(this.#ctx, name);
  }
  searchExperiments(options?: SearchExperimentsOptions): Promise<Page<Experiment>> {
    return experiments.searchExperiments(this.#ctx, options);
  }
  renameExperiment(experimentId: string, newName: string): Promise<void> {
    return experiments.renameExperiment(this.#ctx, experimentId, newName);
  }
  deleteExperiment(experimentId: string): Promise<void> {
    return experiments.deleteExperiment(this.#ctx, experimentId);
  }
  restoreExperiment(experimentId: string): Promise<void> {
    return experiments.restoreExperiment(this.#ctx, experimentId);
  }
  setExperimentTag(experimentId: string, tag: ExperimentTag): Promise<void> {
    return experiments.setExperimentTag(this.#ctx, experimentId, tag);
  }
  deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    return experiments.deleteExperimentTag(this.#ctx, experimentId, key);
  }
  createRun(input: CreateRunInput): Promise<Run> {
    return runs.createRun(this.#ctx, input);
  }
  getRun(runId: string): Promise<Run> {
    return runs.getRun(this.#ctx, runId);
  }
  updateRunInfo(runId: string, update: UpdateRunInput): Promise<RunInfo> {
    return runs.updateRunInfo(this.#ctx, runId, update);
  }
  deleteRun(runId: string): Promise<void> {
    return runs.deleteRun(this.#ctx, runId);
  }
  restoreRun(runId: string): Promise<void> {
    return runs.restoreRun(this.#ctx, runId);
  }
  searchRuns(options: SearchRunsOptions): Promise<Page<Run>> {
    return runs.searchRuns(this.#ctx, options);
  }
  /** Logs a batch; metrics carrying a `modelId` are also written to their model, as MLflow 3's `log_batch`. */
  async logBatch(runId: string, input: LogBatchInput): Promise<void> {
    const scoped = modelScopedMetrics(input?.metrics as ModelScopedMetric[] | undefined);
    // Unknown models are refused before the run's metrics are written.
    if (scoped.length > 0) await checkModelMetrics(this.#ctx, scoped);
    await batch.logBatch(this.#ctx, runId, input);
    if (scoped.length > 0) await logLoggedModelMetrics(this.#ctx, runId, scoped);
  }
  deleteTag(runId: string, key: string): Promise<void> {
    return runs.deleteTag(this.#ctx, runId, key);
  }
  /** Logs dataset inputs and, as MLflow 3's `log_inputs`, model inputs; unknown models are refused first. */
  async logInputs(runId: string, inputs: DatasetInput[], models?: LoggedModelInput[]): Promise<void> {
    const modelIds = await runOutputs.checkModelInputs(this.#ctx, models);
    await datasets.logInputs(this.#ctx, runId, inputs);
    if (modelIds.length > 0) await runOutputs.logModelInputs(this.#ctx, runId, modelIds);
  }
  getMetricHistory(runId: string, metricKey: string, options?: MetricHistoryOptions): Promise<Page<Metric>> {
    return history.getMetricHistory(this.#ctx, runId, metricKey, options);
  }
  getMetricHistoryBulkInterval(options: MetricHistoryBulkIntervalOptions): Promise<MetricWithRunId[]> {
    return getMetricHistoryBulkInterval(this.#ctx, options);
  }
  searchDatasets(experimentIds: string[]): Promise<DatasetSummary[]> {
    return datasets.searchDatasets(this.#ctx, experimentIds);
  }
  startTrace(info: StartTraceInput): Promise<TraceInfo> {
    return traceInfo.startTrace(this.#ctx, info);
  }
  startTraceV2(input: StartTraceV2Input): Promise<TraceInfo> {
    return traceInfo.startTraceV2(this.#ctx, input);
  }
  endTraceV2(traceId: string, input: EndTraceV2Input): Promise<TraceInfo> {
    return traceInfo.endTraceV2(this.#ctx, traceId, input);
  }
  getTraceInfo(traceId: string): Promise<TraceInfo> {
    return traceInfo.getTraceInfo(this.#ctx, traceId);
  }
  batchGetTraceInfos(traceIds: string[]): Promise<TraceInfo[]> {
    return traceInfo.batchGetTraceInfos(this.#ctx, traceIds);
  }
  getTraceSpans(traceId: string): Promise<SpanRecord[]> {
    return getTraceSpans(this.#ctx, traceId);
  }
  searchTraces(options: SearchTracesOptions): Promise<Page<TraceInfo>> {
    return searchTraces(this.#ctx, options);
  }
  deleteTraces(options: DeleteTracesOptions): Promise<number> {
    return traceTags.deleteTraces(this.#ctx, options);
  }
  setTraceTag(traceId: string, key: string, value: string): Promise<void> {
    return traceTags.setTraceTag(this.#ctx, traceId, key, value);
  }
  deleteTraceTag(traceId: string, key: string): Promise<void> {
    return traceTags.deleteTraceTag(this.#ctx, traceId, key);
  }
  linkTracesToRun(traceIds: string[], runId: string): Promise<void> {
    return traceTags.linkTracesToRun(this.#ctx, traceIds, runId);
  }
  logSpans(experimentId: string, spans: SpanRecord[]): Promise<void> {
    return logSpans(this.#ctx, experimentId, spans);
  }
  createAssessment(input: CreateAssessmentInput): Promise<Assessment> {
    return assessments.createAssessment(this.#ctx, input);
  }
  getAssessment(traceId: string, assessmentId: string): Promise<Assessment> {
    return assessments.getAssessment(this.#ctx, traceId, assessmentId);
  }
  updateAssessment(
    traceId: string,
    assessmentId: string,
    patch: AssessmentPatch,
    updateMask: readonly AssessmentUpdateField[],
  ): Promise<Assessment> {
    return assessments.updateAssessment(this.#ctx, traceId, assessmentId, patch, updateMask);
  }
  deleteAssessment(traceId: string, assessmentId: string): Promise<void> {
    return assessments.deleteAssessment(this.#ctx, traceId, assessmentId);
  }
  createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel> {
    return loggedModels.createLoggedModel(this.#ctx, input);
  }
  finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    return loggedModels.finalizeLoggedModel(this.#ctx, modelId, status);
  }
  getLoggedModel(modelId: string, options?: GetLoggedModelOptions): Promise<LoggedModel> {
    return loggedModels.getLoggedModel(this.#ctx, modelId, options);
  }
  deleteLoggedModel(modelId: string): Promise<void> {
    return loggedModels.deleteLoggedModel(this.#ctx, modelId);
  }
  searchLoggedModels(options: SearchLoggedModelsOptions): Promise<Page<LoggedModel>> {
    return searchLoggedModels(this.#ctx, options);
  }
  setLoggedModelTags(modelId: string, tags: Record<string, string>): Promise<void> {
    return loggedModels.setLoggedModelTags(this.#ctx, modelId, tags);
  }
  deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    return loggedModels.deleteLoggedModelTag(this.#ctx, modelId, key);
  }
  logLoggedModelParams(modelId: string, params: Record<string, string>): Promise<void> {
    return loggedModels.logLoggedModelParams(this.#ctx, modelId, params);
  }
  logLoggedModelMetrics(runId: string, metrics: ModelScopedMetric[]): Promise<void> {
    return logLoggedModelMetrics(this.#ctx, runId, metrics);
  }
  logOutputs(runId: string, models: LoggedModelOutput[]): Promise<void> {
    return runOutputs.logOutputs(this.#ctx, runId, models);
  }
  /** Resolves once the database answers a trivial query (a server's `/health` asks it); rejects otherwise. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.#ctx.db);
  }
  /** Closes the database when the store opened it (`open`); a store from `create` leaves it to its opener. */
  async close(): Promise<void> {
    if (this.#owned) await this.database.close();
  }
}
