// MLflow's names for span types, span attributes and trace-level keys (`mlflow/entities/span.py`,
// `mlflow/tracing/constant.py`), so MLflow's UI and clients read the spans this SDK writes.

/** MLflow's span types (`SpanType`); any other string is allowed as a custom type, as in MLflow. */
export const SpanType = {
  LLM: 'LLM',
  CHAIN: 'CHAIN',
  AGENT: 'AGENT',
  TOOL: 'TOOL',
  CHAT_MODEL: 'CHAT_MODEL',
  RETRIEVER: 'RETRIEVER',
  PARSER: 'PARSER',
  EMBEDDING: 'EMBEDDING',
  RERANKER: 'RERANKER',
  MEMORY: 'MEMORY',
  UNKNOWN: 'UNKNOWN',
} as const;

/** One of MLflow's span types, or a custom one. */
export type SpanTypeName = (typeof SpanType)[keyof typeof SpanType] | (string & {});

/** Span attribute keys MLflow gives meaning to (`SpanAttributeKey`); values are JSON-encoded strings. */
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
  /** `{input_tokens, output_tokens, total_tokens}`; the server sums them into the trace's token usage. */
  CHAT_USAGE: 'mlflow.chat.tokenUsage',
  LLM_COST: 'mlflow.llm.cost',
  LLM_MODEL: 'mlflow.llm.model',
  LLM_PROVIDER: 'mlflow.llm.provider',
  /** The message format of a chat span's inputs and outputs (`openai`), for MLflow's chat view. */
  MESSAGE_FORMAT: 'mlflow.message.format',
  /** Prefix of attributes the server copies onto the trace as tags (`mlflow.traceTag.<key>`). */
  TRACE_TAG_PREFIX: 'mlflow.traceTag.',
  /** Prefix of attributes the server copies into the trace's metadata (`mlflow.traceMetadata.<key>`). */
  TRACE_METADATA_PREFIX: 'mlflow.traceMetadata.',
  /** An explicit request preview for the trace, overriding the one derived from the root span's inputs. */
  TRACE_REQUEST_PREVIEW: 'mlflow.traceRequestPreview',
  /** An explicit response preview for the trace, overriding the one derived from the root span's outputs. */
  TRACE_RESPONSE_PREVIEW: 'mlflow.traceResponsePreview',
} as const;

/** Span event names and attributes MLflow uses. */
export const SpanEventName = {
  /** A recorded error (OpenTelemetry's and MLflow's `exception` event). */
  EXCEPTION: 'exception',
  /** Prefix of a streamed chunk's event, `mlflow.chunk.item.<index>`. */
  CHUNK_PREFIX: 'mlflow.chunk.item.',
  /** The attribute holding a streamed chunk, JSON-encoded. */
  CHUNK_VALUE: 'mlflow.chunk.value',
} as const;

/** The prefix of MLflow trace ids (`tr-`). */
export const TRACE_ID_PREFIX = 'tr-';

/** The header naming the experiment on MLflow's OTLP endpoint. */
export const EXPERIMENT_ID_HEADER = 'x-mlflow-experiment-id';

/** MLflow's OTLP trace endpoint, relative to the tracking URI. */
export const OTLP_TRACES_PATH = '/v1/traces';
