import type { Dataset, Experiment, Run, RunStatus, TrackingStore } from '@flowline/core';
import { type LogMetricOptions, type StartRunOptions, Tracker } from './tracker.js';

// MLflow-style module functions over one shared tracker.
const shared = new Tracker();

/** The tracker the module functions use. */
export function defaultTracker(): Tracker {
  return shared;
}
/** Sets where runs are recorded (`http://…` server or `sqlite:///…` / `postgresql://…` database). */
export const setTrackingUri = (uri: string): void => shared.setTrackingUri(uri);
/** The tracking URI in effect. */
export const getTrackingUri = (): string => shared.getTrackingUri();
/** Makes an experiment active, creating it by name if needed. */
export const setExperiment = (
  nameOrOptions: string | { name?: string; experimentId?: string },
): Promise<Experiment> => shared.setExperiment(nameOrOptions);
/** Starts or resumes a run (nested with `{ nested: true }`). */
export const startRun = (options?: StartRunOptions): Promise<Run> => shared.startRun(options);
/** Ends the innermost active run. */
export const endRun = (status?: RunStatus): Promise<void> => shared.endRun(status);
/** The innermost active run. */
export const activeRun = (): Run | undefined => shared.activeRun();
/** Runs a function inside a run that ends FINISHED, or FAILED when the function throws. */
export const withRun = <T>(fn: (run: Run) => Promise<T> | T, options?: StartRunOptions): Promise<T> =>
  shared.withRun(fn, options);
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
