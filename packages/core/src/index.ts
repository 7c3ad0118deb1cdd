export type { ArtifactRepository, ArtifactStream, FileInfo, TransferOptions } from './artifact-repository.js';
export { authHeadersFromEnv } from './auth.js';
export type { Clock } from './clock.js';
export { createSteppingClock, systemClock } from './clock.js';
export type {
  Dataset,
  DatasetInput,
  DatasetSummary,
  Experiment,
  ExperimentTag,
  InputTag,
  LoggedModelInput,
  LoggedModelOutput,
  Metric,
  MetricWithRunId,
  Page,
  Param,
  Run,
  RunData,
  RunInfo,
  RunInputs,
  RunOutputs,
  RunTag,
  SearchExperimentsOptions,
  SearchRunsOptions,
} from './entities.js';
export {
  isTerminalStatus,
  LifecycleStage,
  RUN_STATUS_NUMBERS,
  RunStatus,
  SourceType,
  stagesForViewType,
  VIEW_TYPE_NUMBERS,
  ViewType,
} from './enums.js';
export {
  ErrorCode,
  errorFromHttpResponse,
  HTTP_STATUS_BY_CODE,
  httpStatusFor,
  isMlflowError,
  MlflowError,
} from './errors.js';
export { generateRunId, generateUuid } from './ids.js';
export { importOptional } from './import-optional.js';
export type {
  CreateLoggedModelInput,
  GetLoggedModelOptions,
  LoggedModel,
  LoggedModelDatasetFilter,
  LoggedModelMetric,
  LoggedModelOrderBy,
  LoggedModelStatus,
  LoggedModelStore,
  ModelScopedMetric,
  SearchLoggedModelsOptions,
} from './logged-models.js';
export { LOGGED_MODEL_STATUS_NUMBERS, LOGGED_MODEL_STATUSES, LoggedModelTagKey } from './logged-models.js';
export type { ModelsUri } from './models-uri.js';
export { parseLoggedModelUri, parseModelsUri, resolveModelsUri } from './models-uri.js';
export { decodePageToken, encodePageToken, queryFingerprint } from './page-token.js';
export type {
  CreateModelVersionInput,
  ModelStage,
  ModelVersion,
  RegisteredModel,
  RegistrySearchOptions,
  RegistryStore,
  RegistryTag,
} from './registry-store.js';
export { MODEL_STAGES } from './registry-store.js';
export type { WireModelVersion, WireRegisteredModel, WireRegistryTag } from './registry-wire.js';
export { toWireModelVersion, toWireRegisteredModel } from './registry-wire.js';
export { generateRunName } from './run-names.js';
export type { FilterValue, RawClause } from './search/filter-parser.js';
export { parseConjunction, splitIdentifier } from './search/filter-parser.js';
export type { RawOrderBy } from './search/order-by.js';
export { parseOrderByItem } from './search/order-by.js';
export type { IdentifierPart, Token } from './search/tokenizer.js';
export { tokenize } from './search/tokenizer.js';
export { sortKeysDeep } from './sort-keys.js';
export type { DumpJsonOptions, SpanDictFallback } from './span-dict.js';
export {
  dumpMlflowJson,
  loadMlflowJson,
  parseMlflowJson,
  spanFromDict,
  spanStatusOf,
  spansFromTraceData,
  toSpanDict,
  traceDataJson,
} from './span-dict.js';
export { MlflowTags } from './tags.js';
export type { SpanEvent, SpanLink, SpanRecord, SpanStatusCode } from './trace-spans.js';
export { mlflowTraceId } from './trace-spans.js';
export type {
  Assessment,
  AssessmentError,
  AssessmentPatch,
  AssessmentSource,
  AssessmentSourceType,
  AssessmentUpdateField,
  CreateAssessmentInput,
  DeleteTracesOptions,
  EndTraceV2Input,
  Expectation,
  Feedback,
  SearchTracesOptions,
  StartTraceInput,
  StartTraceV2Input,
  TraceInfo,
  TraceState,
  TraceStore,
} from './traces.js';
export {
  ASSESSMENT_SOURCE_TYPES,
  SpanAttributeKey,
  TRACE_STATES,
  TraceMetadataKey,
  TraceTagKey,
} from './traces.js';
export type {
  CreateExperimentInput,
  CreateRunInput,
  LogBatchInput,
  MetricHistoryBulkIntervalOptions,
  MetricHistoryOptions,
  TrackingStore,
  UpdateRunInput,
} from './tracking-store.js';
export { BaseTrackingStore } from './tracking-store.js';
export { appendToUriPath } from './uri.js';
export {
  Limits,
  normalizePosixPath,
  type ValueLengthPolicy,
  validateArtifactLocation,
  validateBatchLimits,
  validateDatasetInputs,
  validateExperimentId,
  validateExperimentName,
  validateExperimentTag,
  validateKey,
  validateLength,
  validateMaxResults,
  validateMetric,
  validateParam,
  validateRunId,
  validateTag,
} from './validation.js';
export type {
  WireDataset,
  WireDatasetInput,
  WireDatasetInputInput,
  WireExperiment,
  WireKeyValue,
  WireMetric,
  WireMetricInput,
  WireModelInput,
  WireModelOutput,
  WireNumber,
  WireRun,
  WireRunInfo,
} from './wire.js';
export {
  fromWireDatasetInputs,
  fromWireExperiment,
  fromWireInt,
  fromWireMetric,
  fromWireModelInputs,
  fromWireModelOutputs,
  fromWireNumber,
  fromWireRun,
  fromWireRunInfo,
  fromWireTags,
  toWireDataset,
  toWireDatasetSummary,
  toWireExperiment,
  toWireMetric,
  toWireMetricWithRunId,
  toWireNumber,
  toWireRun,
  toWireRunInfo,
} from './wire.js';
