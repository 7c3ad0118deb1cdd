import type { SpanRecord, SpanStatusCode } from '@flowline/core';

// Spans as OpenTelemetry's `Span` proto JSON: what MLflow's GetTrace and BatchGetTraces answer (ids base64,
// attributes as AnyValues of their decoded values, times as int64 numbers). The span dicts of `traces.json`
// are core's (`toSpanDict`, `traceDataJson`, `spansFromTraceData`).

// The routes that read uploaded `traces.json` files import the reader from here.
export { spansFromTraceData } from '@flowline/core';

const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
const OTEL_STATUS: Record<SpanStatusCode, string> = {
  UNSET: 'STATUS_CODE_UNSET',
  OK: 'STATUS_CODE_OK',
  ERROR: 'STATUS_CODE_ERROR',
};

/** OpenTelemetry's `AnyValue` in proto JSON. */
export type WireAnyValue =
  | { string_value: string }
  | { bool_value: boolean }
  | { int_value: number | string }
  | { double_value: number }
  | { array_value: { values?: WireAnyValue[] } }
  | { kvlist_value: { values?: { key: string; value: WireAnyValue }[] } }
  | Record<string, never>;

/** A decoded attribute value as an `AnyValue` (MLflow's `_set_otel_proto_anyvalue`; null is an empty one). */
export function toAnyValue(value: unknown): WireAnyValue {
  if (value === null || value === undefined) return {};
  if (typeof value === 'string') return { string_value: value };
  if (typeof value === 'boolean') return { bool_value: value };
  if (typeof value === 'bigint') {
    return { int_value: Number.isSafeInteger(Number(value)) ? Number(value) : value.toString() };
  }
  if (typeof value === 'number')
    return Number.isInteger(value) ? { int_value: value } : { double_value: value };
  if (Array.isArray(value)) {
    return { array_value: value.length > 0 ? { values: value.map(toAnyValue) } : {} };
  }
  const entries = Object.entries(value as Record<string, unknown>);
  return {
    kvlist_value:
      entries.length > 0 ? { values: entries.map(([key, v]) => ({ key, value: toAnyValue(v) })) } : {},
  };
}

const keyValues = (attributes: Record<string, unknown>) => {
  const entries = Object.entries(attributes);
  return entries.length > 0 ? entries.map(([key, value]) => ({ key, value: toAnyValue(value) })) : undefined;
};

/** OpenTelemetry's `Span` in proto JSON, as MLflow's `Span.to_otel_proto` fills it. */
export interface WireOtelSpan {
  trace_id: string;
  span_id: string;
  parent_span_id?: string;
  name?: string;
  start_time_unix_nano: bigint;
  end_time_unix_nano?: bigint;
  attributes?: { key: string; value: WireAnyValue }[];
  events?: { time_unix_nano: bigint; name: string; attributes?: { key: string; value: WireAnyValue }[] }[];
  links?: { trace_id: string; span_id: string; attributes?: { key: string; value: WireAnyValue }[] }[];
  status: { code?: string; message?: string };
}

/** A span as OpenTelemetry `Span` proto JSON (an UNSET status is proto's default, so left out). */
export function toOtelSpan(span: SpanRecord): WireOtelSpan {
  return {
    trace_id: b64(span.otelTraceId),
    span_id: b64(span.spanId),
    parent_span_id: span.parentSpanId ? b64(span.parentSpanId) : undefined,
    name: span.name || undefined,
    start_time_unix_nano: span.startTimeUnixNano,
    end_time_unix_nano: span.endTimeUnixNano,
    attributes: keyValues(span.attributes),
    events:
      span.events.length > 0
        ? span.events.map((e) => ({
            time_unix_nano: e.timeUnixNano,
            name: e.name,
            attributes: keyValues(e.attributes),
          }))
        : undefined,
    links:
      span.links && span.links.length > 0
        ? span.links.map((l) => ({
            trace_id: b64(l.otelTraceId),
            span_id: b64(l.spanId),
            attributes: keyValues(l.attributes),
          }))
        : undefined,
    status: {
      code: span.status === 'UNSET' ? undefined : OTEL_STATUS[span.status],
      message: span.statusMessage || undefined,
    },
  };
}
