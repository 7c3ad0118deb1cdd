// Spans as MLflow 3 stores them (its `spans` table and the span dicts of `traces.json`), shared by
// whoever receives spans (OTLP ingest, the tracing SDK) and the store that keeps them.

/** A span's status, as MLflow's `SpanStatusCode` names it (the `spans.status` column). */
export type SpanStatusCode = 'UNSET' | 'OK' | 'ERROR';

/** A span event (an exception, a streamed chunk): its time in Unix nanoseconds and decoded attributes. */
export interface SpanEvent {
  name: string;
  timeUnixNano: bigint;
  attributes: Record<string, unknown>;
}

/** A link from a span to another span (OpenTelemetry's `Span.links`). */
export interface SpanLink {
  /** The linked span's OpenTelemetry trace id, 32 lowercase hex digits. */
  otelTraceId: string;
  /** The linked span's id, 16 lowercase hex digits. */
  spanId: string;
  attributes: Record<string, unknown>;
}

/**
 * One span, decoded: ids as lowercase hex, times as Unix nanoseconds, attribute values as their JSON
 * values (not yet JSON-dumped strings: the store writes them as MLflow does). `traceId` is MLflow's
 * `tr-<32 hex>` id of its trace; `otelTraceId` the 32 hex digits of OpenTelemetry's.
 */
export interface SpanRecord {
  traceId: string;
  otelTraceId: string;
  spanId: string;
  /** Absent on the trace's root span. */
  parentSpanId?: string;
  name: string;
  /** `mlflow.spanType` (LLM, CHAIN, TOOL, …) when the span has one. */
  type?: string;
  status: SpanStatusCode;
  statusMessage?: string;
  startTimeUnixNano: bigint;
  /** Absent while the span has not ended. */
  endTimeUnixNano?: bigint;
  attributes: Record<string, unknown>;
  events: SpanEvent[];
  links?: SpanLink[];
  /** Attributes of the resource that produced it (`service.name`, …), when it came by OTLP. */
  resourceAttributes?: Record<string, unknown>;
}

/** MLflow's trace id for an OpenTelemetry trace id (`tr-` and its 32 hex digits). */
export function mlflowTraceId(otelTraceId: string): string {
  return `tr-${otelTraceId.toLowerCase()}`;
}
