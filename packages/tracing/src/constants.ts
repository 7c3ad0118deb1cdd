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

/** Span attribute keys MLflow gives meaning to (`SpanAttributeKey`): core's one list, shared with the store. */
export { SpanAttributeKey } from '@flowline/core';

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
