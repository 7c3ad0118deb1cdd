// MLflow 3 traces: the trace info, its assessments, and the store that keeps them (MLflow's
// `TraceInfoV3`, `Assessment` and the trace methods of its tracking store).
import type { Page } from './entities.js';
import type { SpanRecord } from './trace-spans.js';

/** A trace's state, as MLflow's `TraceState` names it (the `trace_info.status` column). */
export type TraceState = 'STATE_UNSPECIFIED' | 'OK' | 'ERROR' | 'IN_PROGRESS';

/** Every `TraceState`, in MLflow's enum order. */
export const TRACE_STATES: readonly TraceState[] = ['STATE_UNSPECIFIED', 'OK', 'ERROR', 'IN_PROGRESS'];

/** Trace tag keys MLflow gives meaning to (`TraceTagKey`, plus the server-set artifact location). */
export const TraceTagKey = {
  /** The trace's name (its root span's name); search and order key `name`. */
  TRACE_NAME: 'mlflow.traceName',
  /** Where the trace's `traces.json` and attachments go (set by the store on `startTrace`). */
  ARTIFACT_LOCATION: 'mlflow.artifactLocation',
  /** `TRACKING_STORE` when the spans are rows of the store (logged by `logSpans`), else artifacts. */
  SPANS_LOCATION: 'mlflow.trace.spansLocation',
  /** JSON list of `{name, version}` prompts the trace used. */
  LINKED_PROMPTS: 'mlflow.linkedPrompts',
} as const;

/** Trace metadata keys MLflow gives meaning to (`TraceMetadataKey`). */
export const TraceMetadataKey = {
  INPUTS: 'mlflow.traceInputs',
  OUTPUTS: 'mlflow.traceOutputs',
  /** The run the trace was produced in; search and order key `run_id`. */
  SOURCE_RUN: 'mlflow.sourceRun',
  MODEL_ID: 'mlflow.modelId',
  SIZE_STATS: 'mlflow.trace.sizeStats',
  /** JSON `{input_tokens, output_tokens, total_tokens}` summed over the trace's spans. */
  TOKEN_USAGE: 'mlflow.trace.tokenUsage',
  COST: 'mlflow.trace.cost',
  USER: 'mlflow.trace.user',
  SESSION: 'mlflow.trace.session',
  SCHEMA_VERSION: 'mlflow.trace_schema.version',
} as const;

/**
 * Span attribute keys MLflow gives meaning to (`SpanAttributeKey` of `mlflow/tracing/constant.py`, plus the
 * keys Flowline's SDK and store agree on); values are JSON-dumped strings in a span dict.
 */
export const SpanAttributeKey = {
  /** MLflow's trace id, `tr-<32 hex of the OpenTelemetry trace id>`. */
  REQUEST_ID: 'mlflow.traceRequestId',
  EXPERIMENT_ID: 'mlflow.experimentId',
  INPUTS: 'mlflow.spanInputs',
  OUTPUTS: 'mlflow.spanOutputs',
  SPAN_TYPE: 'mlflow.spanType',
  FUNCTION_NAME: 'mlflow.spanFunctionName',
  START_TIME_NS: 'mlflow.spanStartTimeNs',
  /** The tools offered to a chat model (OpenAI's `tools` list). */
  CHAT_TOOLS: 'mlflow.chat.tools',
  /** `{input_tokens, output_tokens, total_tokens}`; the store sums them into the trace's token usage. */
  CHAT_USAGE: 'mlflow.chat.tokenUsage',
  LLM_COST: 'mlflow.llm.cost',
  LLM_MODEL: 'mlflow.llm.model',
  LLM_PROVIDER: 'mlflow.llm.provider',
  /** The message format of a chat span's inputs and outputs (`openai`), for MLflow's chat view. */
  MESSAGE_FORMAT: 'mlflow.message.format',
  /** Prefix of span attributes that the store copies onto the trace as tags (`mlflow.traceTag.<key>`). */
  TRACE_TAG_PREFIX: 'mlflow.traceTag.',
  /** Prefix of span attributes the store copies into the trace's metadata (`mlflow.traceMetadata.<key>`; Flowline's SDK). */
  TRACE_METADATA_PREFIX: 'mlflow.traceMetadata.',
  /** A root span's explicit request preview, over the one derived from its inputs (Flowline's SDK). */
  TRACE_REQUEST_PREVIEW: 'mlflow.traceRequestPreview',
  /** A root span's explicit response preview, over the one derived from its outputs (Flowline's SDK). */
  TRACE_RESPONSE_PREVIEW: 'mlflow.traceResponsePreview',
} as const;

/** Where an assessment came from (MLflow's `AssessmentSourceType`). */
export type AssessmentSourceType = 'SOURCE_TYPE_UNSPECIFIED' | 'HUMAN' | 'LLM_JUDGE' | 'CODE';

/** Every `AssessmentSourceType`, in MLflow's enum order. */
export const ASSESSMENT_SOURCE_TYPES: readonly AssessmentSourceType[] = [
  'SOURCE_TYPE_UNSPECIFIED',
  'HUMAN',
  'LLM_JUDGE',
  'CODE',
];

/** Who or what made an assessment (MLflow's `AssessmentSource`). */
export interface AssessmentSource {
  sourceType: AssessmentSourceType;
  sourceId: string;
}

/** Why a feedback has no value (MLflow's `AssessmentError`). */
export interface AssessmentError {
  errorCode: string;
  errorMessage?: string;
  stackTrace?: string;
}

/** A judgement of a trace: any JSON value, or an error when judging failed (MLflow's `Feedback`). */
export interface Feedback {
  value: unknown;
  error?: AssessmentError;
}

/** The expected outcome of a trace: any JSON value (MLflow's `Expectation`). */
export interface Expectation {
  value: unknown;
}

/**
 * A feedback or an expectation attached to a trace (MLflow's `Assessment`): exactly one of `feedback` and
 * `expectation` is set. Times are Unix milliseconds. `overrides` names the assessment this one replaces,
 * which the store then marks `valid: false`.
 */
export interface Assessment {
  assessmentId: string;
  traceId: string;
  name: string;
  source: AssessmentSource;
  spanId?: string;
  runId?: string;
  createTime: number;
  lastUpdateTime: number;
  feedback?: Feedback;
  expectation?: Expectation;
  rationale?: string;
  metadata: Record<string, string>;
  overrides?: string;
  valid: boolean;
}

/**
 * A trace's metadata (MLflow's `TraceInfoV3`). `requestTime` is Unix milliseconds, `executionDuration`
 * milliseconds (absent while the trace runs). The trace location is always the experiment `experimentId`.
 */
export interface TraceInfo {
  traceId: string;
  experimentId: string;
  clientRequestId?: string;
  requestTime: number;
  executionDuration?: number;
  state: TraceState;
  requestPreview?: string;
  responsePreview?: string;
  traceMetadata: Record<string, string>;
  tags: Record<string, string>;
  assessments: Assessment[];
}

/** What `startTrace` takes: a trace info as the client made it (tags, metadata and assessments optional). */
export type StartTraceInput = Omit<TraceInfo, 'traceMetadata' | 'tags' | 'assessments'> & {
  traceMetadata?: Record<string, string>;
  tags?: Record<string, string>;
  assessments?: Assessment[];
};

/** What `startTraceV2` takes (MLflow 2's `StartTrace`: the store picks the id). */
export interface StartTraceV2Input {
  experimentId: string;
  timestampMs: number;
  requestMetadata?: Record<string, string>;
  tags?: Record<string, string>;
}

/** What `endTraceV2` takes (MLflow 2's `EndTrace`): metadata and tags are merged into the trace's. */
export interface EndTraceV2Input {
  timestampMs: number;
  status: TraceState;
  requestMetadata?: Record<string, string>;
  tags?: Record<string, string>;
}

/** Arguments of `searchTraces`, with MLflow's names and defaults (100 results, newest first). */
export interface SearchTracesOptions {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
}

/**
 * Arguments of `deleteTraces`: either traces older than `maxTimestampMillis` (at most `maxTraces`, oldest
 * first), or the traces `traceIds`, of experiment `experimentId`.
 */
export interface DeleteTracesOptions {
  experimentId: string;
  maxTimestampMillis?: number;
  maxTraces?: number;
  traceIds?: string[];
}

/** What `createAssessment` takes: the store fills in a missing id, times and `valid`. */
export type CreateAssessmentInput = Omit<
  Assessment,
  'assessmentId' | 'createTime' | 'lastUpdateTime' | 'valid' | 'metadata'
> & {
  assessmentId?: string;
  createTime?: number;
  lastUpdateTime?: number;
  valid?: boolean;
  metadata?: Record<string, string>;
};

/** The fields `updateAssessment` may change, by MLflow's field-mask names. */
export type AssessmentUpdateField =
  | 'assessment_name'
  | 'expectation'
  | 'feedback'
  | 'rationale'
  | 'metadata'
  | 'valid';

/** New values for `updateAssessment`; only the fields named in its mask are read. */
export interface AssessmentPatch {
  name?: string;
  feedback?: Feedback;
  expectation?: Expectation;
  rationale?: string;
  metadata?: Record<string, string>;
  valid?: boolean;
}

/**
 * The trace methods of a tracking store (MLflow's `AbstractStore` trace API). Unknown traces throw
 * `RESOURCE_DOES_NOT_EXIST` "Trace with ID '<id>' not found.".
 */
export interface TraceStore {
  /**
   * Records a trace as the client made it (MLflow's `StartTraceV3`): id, times, state, tags and metadata
   * are kept; adds tag `mlflow.artifactLocation`; merges into a trace that `logSpans` created first.
   */
  startTrace(info: StartTraceInput): Promise<TraceInfo>;
  /** Starts an `IN_PROGRESS` trace with a generated id (MLflow 2's `StartTrace`). */
  startTraceV2(input: StartTraceV2Input): Promise<TraceInfo>;
  /** Ends a trace started by `startTraceV2`: sets its duration and state, merges metadata and tags. */
  endTraceV2(traceId: string, input: EndTraceV2Input): Promise<TraceInfo>;
  /** One trace's info with tags, metadata and assessments. */
  getTraceInfo(traceId: string): Promise<TraceInfo>;
  /** The infos of those of `traceIds` that exist, in the order given. */
  batchGetTraceInfos(traceIds: string[]): Promise<TraceInfo[]>;
  /** The spans `logSpans` stored for a trace, sorted by start time (empty when it has none). */
  getTraceSpans(traceId: string): Promise<SpanRecord[]>;
  /** Searches traces with MLflow's trace filter and order-by grammar. */
  searchTraces(options: SearchTracesOptions): Promise<Page<TraceInfo>>;
  /** Deletes traces (MLflow's `_delete_traces`); returns how many. */
  deleteTraces(options: DeleteTracesOptions): Promise<number>;
  /** Sets a trace tag (value truncated to 8000 characters, as MLflow's SQL store). */
  setTraceTag(traceId: string, key: string, value: string): Promise<void>;
  /** Deletes a trace tag; a missing tag is `RESOURCE_DOES_NOT_EXIST`. */
  deleteTraceTag(traceId: string, key: string): Promise<void>;
  /** Links traces to a run (MLflow's entity associations), so `run_id = '<id>'` finds them. */
  linkTracesToRun(traceIds: string[], runId: string): Promise<void>;
  /**
   * Stores spans (MLflow's `log_spans`): creates or widens each span's trace, takes its state from the
   * root span, upserts span rows, and derives tags, token usage and previews from the spans.
   */
  logSpans(experimentId: string, spans: SpanRecord[]): Promise<void>;
  /** Attaches an assessment to a trace; with `overrides`, the overridden one becomes invalid. */
  createAssessment(input: CreateAssessmentInput): Promise<Assessment>;
  /** One assessment of a trace. */
  getAssessment(traceId: string, assessmentId: string): Promise<Assessment>;
  /** Changes the fields of an assessment named in `updateMask` (metadata is merged). */
  updateAssessment(
    traceId: string,
    assessmentId: string,
    patch: AssessmentPatch,
    updateMask: readonly AssessmentUpdateField[],
  ): Promise<Assessment>;
  /** Deletes an assessment (a missing one is fine); deleting an override makes the overridden valid again. */
  deleteAssessment(traceId: string, assessmentId: string): Promise<void>;
}
