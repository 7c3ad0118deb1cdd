// Tracing (MLflow 3 traces on OpenTelemetry), from @flowline/tracing, so the client offers it as mlflow.* does.
export type {
  EndSpanOptions,
  ExportStats,
  LiveSpan,
  SpanOptions,
  SpanStatus,
  SpanTypeName,
  TokenUsage,
  TraceOptions,
  TraceUpdate,
  TracingConfiguration,
  TracingOptions,
} from '@flowline/tracing';
export {
  autologOpenAI,
  configureTracing,
  flushTracing,
  getCurrentActiveSpan,
  getExportStats,
  getLastActiveTraceId,
  instrumentOpenAI,
  SpanAttributeKey,
  SpanType,
  shutdownTracing,
  startSpan,
  trace,
  updateCurrentTrace,
  withSpan,
} from '@flowline/tracing';
export { checkPng, openArtifactRepository, runArtifactRepository } from './artifacts.js';
export {
  activeRun,
  defaultTracker,
  downloadArtifacts,
  endRun,
  flush,
  getStore,
  getTrackingUri,
  listArtifacts,
  logArtifact,
  logArtifacts,
  logDict,
  logImage,
  logInput,
  logMetric,
  logMetrics,
  logModel,
  logParam,
  logParams,
  logText,
  registerModel,
  setExperiment,
  setTag,
  setTags,
  setTrackingUri,
  startRun,
  withRun,
} from './fluent.js';
export type { HttpOptions, HttpRetry } from './http.js';
export { HttpTransport, httpOptionsFromEnv, toQueryString } from './http.js';
export type { MetricBufferOptions } from './metric-buffer.js';
export { MetricBuffer } from './metric-buffer.js';
export { DEFAULT_TRACKING_URI, isHttpUri, openRegistry, openStore } from './open-store.js';
export {
  deletePrompt,
  deletePromptAlias,
  deletePromptVersion,
  linkPromptsToRun,
  linkPromptVersionsToTrace,
  loadPrompt,
  promptRegistry,
  registerPrompt,
  searchPrompts,
  setPromptAlias,
} from './prompt-fluent.js';
export type { ChatMessage, PromptTemplate, PromptValues } from './prompt-template.js';
export { formatTemplate, templateVariables } from './prompt-template.js';
export type { ChatPromptVersion, PromptRef, PromptVersion, TextPromptVersion } from './prompt-version.js';
export { PromptTags } from './prompt-version.js';
export type { LoadPromptOptions, Prompt, PromptRegistryOptions, RegisterPromptInput } from './prompts.js';
export { PromptRegistry, parsePromptUri } from './prompts.js';
export { RegistryClient } from './registry-client.js';
export type { SystemMetricsOptions } from './system-metrics.js';
export {
  disableSystemMetricsLogging,
  enableSystemMetricsLogging,
  SystemMetricsMonitor,
} from './system-metrics.js';
export { storeSpanExporter } from './trace-export.js';
export type { LogMetricOptions, ModelToLog, StartRunOptions, TrackerOptions } from './tracker.js';
export { Tracker } from './tracker.js';
export type { LogModelOptions, ModelInfo } from './tracker-models.js';
export { TrackingClient } from './tracking-client.js';
