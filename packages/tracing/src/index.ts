// @flowline/tracing: MLflow 3 traces on OpenTelemetry's JS API, exported to a tracking server.
export type { TracingConfiguration, TracingDefaults, TracingOptions } from './configure.js';
export {
  configureTracing,
  flushTracing,
  getExportStats,
  getTracer,
  setTracingDefaults,
  shutdownTracing,
} from './configure.js';
export type { SpanTypeName } from './constants.js';
export {
  EXPERIMENT_ID_HEADER,
  OTLP_TRACES_PATH,
  SpanAttributeKey,
  SpanEventName,
  SpanType,
  TRACE_ID_PREFIX,
} from './constants.js';
export type { ExportQueueOptions, ExportStats } from './export/bounded-batch-span-processor.js';
export { BoundedBatchSpanProcessor } from './export/bounded-batch-span-processor.js';
export type { MlflowOtlpExporterOptions } from './export/mlflow-otlp-exporter.js';
export { createMlflowOtlpExporter, otlpTracesUrl } from './export/mlflow-otlp-exporter.js';
export type { SpanOptions, TraceOptions, TraceUpdate } from './fluent.js';
export {
  addTraceMetadataProvider,
  getCurrentActiveSpan,
  getLastActiveTraceId,
  startSpan,
  trace,
  updateCurrentTrace,
  withSpan,
} from './fluent.js';
export { fromAttributeJson, toAttributeJson } from './json.js';
export type { EndSpanOptions, SpanStatus } from './live-span.js';
export { LiveSpan } from './live-span.js';
export type { TokenUsage } from './openai/assemble.js';
export type { OpenAIClientLike } from './openai/instrument-openai.js';
export { autologOpenAI, instrumentOpenAI } from './openai/instrument-openai.js';
export { toSpanRecord } from './span-record.js';

/** The trace schema version MLflow 3 writes in trace metadata (`mlflow.trace_schema.version`). */
export const MLFLOW_TRACE_SCHEMA_VERSION = '3';
