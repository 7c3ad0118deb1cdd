import type {
  Dataset,
  Experiment,
  FileInfo,
  Run,
  RunStatus,
  TrackingStore,
  TransferOptions,
} from '@flowline/core';
import { setTracingDefaults } from '@flowline/tracing';
import { exporterForTrackingUri } from './trace-export.js';
import { type LogMetricOptions, type StartRunOptions, Tracker } from './tracker.js';

// MLflow-style module functions over one shared tracker. As in MLflow, traces follow its tracking URI
// and active experiment unless `configureTracing` says otherwise; a database URI gets its traces
// written in-process.
const shared = new Tracker();
setTracingDefaults({ trackingUri: shared.getTrackingUri(), exporterFor: exporterForTrackingUri });

/** The tracker the module functions use. */
export function defaultTracker(): Tracker {
  return shared;
}
/** Sets where runs are recorded (`http://…` server or `sqlite:///…` / `postgresql://…` database). */
export const setTrackingUri = (uri: string): void => {
  shared.setTrackingUri(uri);
  setTracingDefaults({ trackingUri: uri });
};
/** The tracking URI in effect. */
export const getTrackingUri = (): string => shared.getTrackingUri();
/** Makes an experiment active, creating it by name if needed. */
export const setExperiment = async (
  nameOrOptions: string | { name?: string; experimentId?: string },
): Promise<Experiment> => {
  const experiment = await shared.setExperiment(nameOrOptions);
  setTracingDefaults({ experimentId: experiment.experimentId });
  return experiment;
};
/** Starts or resumes a run (nested with `{ nested: true }`). */
export const startRun = async (options?: StartRunOptions): Promise<Run> => {
  const run = await shared.startRun(options);
  setTracingDefaults({ experimentId: run.info.experimentId });
  return run;
};
/** Ends the innermost active run. */
export const endRun = (status?: RunStatus): Promise<void> => shared.endRun(status);
/** The innermost active run. */
export const activeRun = (): Run | undefined => shared.activeRun();
/** Runs a function inside a run that ends FINISHED, or FAILED when the function throws. */
export const withRun = <T>(fn: (run: Run) => Promise<T> | T, options?: StartRunOptions): Promise<T> =>
  shared.withRun((run) => {
    setTracingDefaults({ experimentId: run.info.experimentId });
    return fn(run);
  }, options);
/** Logs one param. */
export const logParam = (key: string, value: string | number | boolean): Promise<void> =>
  shared.logParam(key, value);
/** Logs several params. */
export const logParams = (params: Record<string, string | number | boolean>): Promise<void> =>
  shared.logParams(params);
/** Queues one metric point. */
export const logMetric = (key: string, value: number, options?: LogMetricOptions): Promise<void> =>
  shared.logMetric(key, value, options);
/** Queues several metric points. */
export const logMetrics = (metrics: Record<string, number>, options?: LogMetricOptions): Promise<void> =>
  shared.logMetrics(metrics, options);
/** Sets one tag. */
export const setTag = (key: string, value: string | number | boolean): Promise<void> =>
  shared.setTag(key, value);
/** Sets several tags. */
export const setTags = (tags: Record<string, string | number | boolean>): Promise<void> =>
  shared.setTags(tags);
/** Records a dataset input. */
export const logInput = (
  dataset: Dataset,
  options?: { context?: string; tags?: Record<string, string> },
): Promise<void> => shared.logInput(dataset, options);
/** Sends buffered metric points now. */
export const flush = (): Promise<void> => shared.flush();
/** The store behind the current tracking URI. */
export const getStore = (): Promise<TrackingStore> => shared.store();
/** Uploads a local file into the active run's artifacts. */
export const logArtifact = (
  localPath: string,
  artifactPath?: string,
  options?: TransferOptions & { runId?: string },
): Promise<void> => shared.logArtifact(localPath, artifactPath, options);
/** Uploads a local folder into the active run's artifacts. */
export const logArtifacts = (
  localDir: string,
  artifactPath?: string,
  options?: TransferOptions & { runId?: string },
): Promise<void> => shared.logArtifacts(localDir, artifactPath, options);
/** Saves text as an artifact file. */
export const logText = (text: string, artifactFile: string, options?: { runId?: string }): Promise<void> =>
  shared.logText(text, artifactFile, options);
/** Saves an object as a JSON or YAML artifact. */
export const logDict = (value: unknown, artifactFile: string, options?: { runId?: string }): Promise<void> =>
  shared.logDict(value, artifactFile, options);
/** Saves PNG bytes as an image artifact. */
export const logImage = (
  png: Uint8Array,
  artifactFile: string,
  options?: { runId?: string },
): Promise<void> => shared.logImage(png, artifactFile, options);
/** Lists one level of a run's artifacts. */
export const listArtifacts = (path?: string, options?: { runId?: string }): Promise<FileInfo[]> =>
  shared.listArtifacts(path, options);
/** Downloads artifacts of a run or any artifact URI; returns the local path. */
export const downloadArtifacts = (
  options?: TransferOptions & {
    runId?: string;
    artifactPath?: string;
    artifactUri?: string;
    dstPath?: string;
  },
): Promise<string> => shared.downloadArtifacts(options);
/** Registers a model URI as a new version of a registered model (created if needed). */
export const registerModel = (
  modelUri: string,
  name: string,
  options?: { tags?: Record<string, string>; description?: string },
): Promise<import('@flowline/core').ModelVersion> => shared.registerModel(modelUri, name, options);
/**
 * Logs a model into the active run as MLflow 3's `log_model` (a logged model, `models:/<modelId>`; its
 * files also in the run), registering it with `registeredModelName`.
 */
export const logModel = (
  model: Parameters<Tracker['logModel']>[0],
  nameOrOptions: Parameters<Tracker['logModel']>[1],
  options?: Parameters<Tracker['logModel']>[2],
): Promise<import('./tracker-models.js').ModelInfo> => shared.logModel(model, nameOrOptions, options);
