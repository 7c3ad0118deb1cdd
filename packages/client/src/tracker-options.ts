import type { HttpOptions } from './http.js';
import type { MetricBufferOptions } from './metric-buffer.js';
import type { SystemMetricsOptions } from './system-metrics.js';

/** A model of a built-in flavor other than custom JS, for `logModel`. */
export type ModelToLog =
  | { onnx: import('@flowline/model-format').OnnxModelSpec }
  | { transformers: import('@flowline/model-format').TransformersModelSpec }
  | { onnxGenai: import('@flowline/model-format').OnnxGenaiModelSpec };

/** Options of `startRun`, after MLflow's `mlflow.start_run`. */
export interface StartRunOptions {
  /** Resume this existing run instead of creating one. */
  runId?: string;
  experimentId?: string;
  runName?: string;
  /** Start a child of the active run (tagged `mlflow.parentRunId`) instead of refusing. */
  nested?: boolean;
  /** Parent run id for a nested run started without the parent being active here. */
  parentRunId?: string;
  tags?: Record<string, string>;
  /** Stored as the `mlflow.note.content` tag, shown as the run's description. */
  description?: string;
  /**
   * Log CPU, memory, disk, network and GPU metrics as `system/*` while the run is active (MLflow's
   * `log_system_metrics`); unset follows `enableSystemMetricsLogging()` and `MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING`.
   */
  logSystemMetrics?: boolean;
}

/** Options of `logMetric` and `logMetrics`. */
export interface LogMetricOptions {
  step?: number;
  /** Milliseconds since the epoch (default: now). */
  timestamp?: number;
  /** Log to this run instead of the active one. */
  runId?: string;
  /** Also log the point against this logged model (MLflow 3's `model_id`), in `logged_model_metrics`. */
  modelId?: string;
  /** The dataset the value was computed on (its name and digest go with a model's point, as MLflow 3's `dataset`). */
  dataset?: { name: string; digest?: string };
}

/** Where a tracker sends data and how. */
export interface TrackerOptions {
  trackingUri?: string;
  http?: HttpOptions;
  /** How metrics are batched; `flushOnExit` defaults to `FLOWLINE_FLUSH_METRICS_ON_EXIT=true` in `env`. */
  buffer?: MetricBufferOptions;
  /** How system metrics are sampled, over `MLFLOW_SYSTEM_METRICS_*` (see `StartRunOptions.logSystemMetrics`). */
  systemMetrics?: SystemMetricsOptions;
  /** Environment to read `MLFLOW_*` variables from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/** What params and tags accept; logged as strings (`null`/`undefined` as empty). */
export type ParamValue = string | number | boolean | bigint | null | undefined;

/** A param or tag value as MLflow stores it. */
export function stringify(value: ParamValue): string {
  return value === null || value === undefined ? '' : String(value);
}
