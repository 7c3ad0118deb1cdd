import type {
  DatasetInput,
  DatasetSummary,
  Experiment,
  ExperimentTag,
  LoggedModelInput,
  Metric,
  MetricWithRunId,
  Page,
  Param,
  Run,
  RunInfo,
  RunTag,
  SearchExperimentsOptions,
  SearchRunsOptions,
} from './entities.js';
import type { RunStatus } from './enums.js';

/** What `createExperiment` takes. */
export interface CreateExperimentInput {
  name: string;
  artifactLocation?: string;
  tags?: ExperimentTag[];
}

/** What `createRun` takes. Missing `startTime` means now; missing `runName` generates one. */
export interface CreateRunInput {
  experimentId?: string;
  userId?: string;
  startTime?: number;
  runName?: string;
  tags?: RunTag[];
}

/** What `updateRunInfo` changes; omitted fields stay as they are. */
export interface UpdateRunInput {
  status?: RunStatus;
  endTime?: number;
  runName?: string;
}

/** One `logBatch` call: written all together or not at all. */
export interface LogBatchInput {
  metrics?: Metric[];
  params?: Param[];
  tags?: RunTag[];
}

/** Arguments of `getMetricHistory`; without `maxResults` the whole history is returned. */
export interface MetricHistoryOptions {
  maxResults?: number;
  pageToken?: string;
}

/** Arguments of `getMetricHistoryBulkInterval` (MLflow's sampled history for charts). */
export interface MetricHistoryBulkIntervalOptions {
  runIds: string[];
  metricKey: string;
  startStep?: number;
  endStep?: number;
  maxResults?: number;
}

/**
 * The tracking seam: experiments, runs, params, metrics, tags and datasets with MLflow's semantics.
 * Every other part of Flowline talks to tracking through this interface.
 */
export interface TrackingStore {
  createExperiment(input: CreateExperimentInput): Promise<string>;
  getExperiment(experimentId: string): Promise<Experiment>;
  /** The experiment with this name, preferring an active one; null when none exists. */
  getExperimentByName(name: string): Promise<Experiment | null>;
  searchExperiments(options?: SearchExperimentsOptions): Promise<Page<Experiment>>;
  renameExperiment(experimentId: string, newName: string): Promise<void>;
  deleteExperiment(experimentId: string): Promise<void>;
  restoreExperiment(experimentId: string): Promise<void>;
  setExperimentTag(experimentId: string, tag: ExperimentTag): Promise<void>;
  deleteExperimentTag(experimentId: string, key: string): Promise<void>;

  createRun(input: CreateRunInput): Promise<Run>;
  getRun(runId: string): Promise<Run>;
  updateRunInfo(runId: string, update: UpdateRunInput): Promise<RunInfo>;
  deleteRun(runId: string): Promise<void>;
  restoreRun(runId: string): Promise<void>;
  searchRuns(options: SearchRunsOptions): Promise<Page<Run>>;

  logBatch(runId: string, batch: LogBatchInput): Promise<void>;
  logMetric(runId: string, metric: Metric): Promise<void>;
  logParam(runId: string, param: Param): Promise<void>;
  setTag(runId: string, tag: RunTag): Promise<void>;
  deleteTag(runId: string, key: string): Promise<void>;
  /** Records datasets and (MLflow 3's `LogInputs.models`) logged models a run used. */
  logInputs(runId: string, datasets: DatasetInput[], models?: LoggedModelInput[]): Promise<void>;

  getMetricHistory(runId: string, metricKey: string, options?: MetricHistoryOptions): Promise<Page<Metric>>;
  getMetricHistoryBulkInterval(options: MetricHistoryBulkIntervalOptions): Promise<MetricWithRunId[]>;
  searchDatasets(experimentIds: string[]): Promise<DatasetSummary[]>;

  /** Releases connections; the store is unusable afterwards. */
  close(): Promise<void>;
}

/**
 * Builds the single-item conveniences on `logBatch`, so each implementation has one write path.
 * Implementations extend this and provide the primitives.
 */
export abstract class BaseTrackingStore implements TrackingStore {
  abstract createExperiment(input: CreateExperimentInput): Promise<string>;
  abstract getExperiment(experimentId: string): Promise<Experiment>;
  abstract getExperimentByName(name: string): Promise<Experiment | null>;
  abstract searchExperiments(options?: SearchExperimentsOptions): Promise<Page<Experiment>>;
  abstract renameExperiment(experimentId: string, newName: string): Promise<void>;
  abstract deleteExperiment(experimentId: string): Promise<void>;
  abstract restoreExperiment(experimentId: string): Promise<void>;
  abstract setExperimentTag(experimentId: string, tag: ExperimentTag): Promise<void>;
  abstract deleteExperimentTag(experimentId: string, key: string): Promise<void>;
  abstract createRun(input: CreateRunInput): Promise<Run>;
  abstract getRun(runId: string): Promise<Run>;
  abstract updateRunInfo(runId: string, update: UpdateRunInput): Promise<RunInfo>;
  abstract deleteRun(runId: string): Promise<void>;
  abstract restoreRun(runId: string): Promise<void>;
  abstract searchRuns(options: SearchRunsOptions): Promise<Page<Run>>;
  abstract logBatch(runId: string, batch: LogBatchInput): Promise<void>;
  abstract deleteTag(runId: string, key: string): Promise<void>;
  abstract logInputs(runId: string, datasets: DatasetInput[], models?: LoggedModelInput[]): Promise<void>;
  abstract getMetricHistory(
    runId: string,
    metricKey: string,
    options?: MetricHistoryOptions,
  ): Promise<Page<Metric>>;
  abstract getMetricHistoryBulkInterval(
    options: MetricHistoryBulkIntervalOptions,
  ): Promise<MetricWithRunId[]>;
  abstract searchDatasets(experimentIds: string[]): Promise<DatasetSummary[]>;
  abstract close(): Promise<void>;

  /** Logs one metric point through `logBatch`. */
  logMetric(runId: string, metric: Metric): Promise<void> {
    return this.logBatch(runId, { metrics: [metric] });
  }

  /** Logs one param through `logBatch`. */
  logParam(runId: string, param: Param): Promise<void> {
    return this.logBatch(runId, { params: [param] });
  }

  /** Sets one tag through `logBatch`. */
  setTag(runId: string, tag: RunTag): Promise<void> {
    return this.logBatch(runId, { tags: [tag] });
  }
}
