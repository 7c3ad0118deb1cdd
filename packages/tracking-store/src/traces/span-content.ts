import {
  dumpMlflowJson,
  parseMlflowJson,
  SpanAttributeKey,
  type SpanRecord,
  spanFromDict,
  spanStatusOf,
  toSpanDict,
} from '@flowline/core';

// A span's `content` column: the JSON of MLflow 3's span dict (core's `toSpanDict`), so MLflow's
// `Span.from_dict` reads what Flowline writes; reading accepts MLflow's v2, v3 and v4 dicts. The row's own
// columns (ids, name, type, status, times) are what queries see, so they win over the dict on reading.

/** The span dict MLflow stores for a span, as JSON text. */
export function encodeSpanContent(span: SpanRecord): string {
  return dumpMlflowJson(toSpanDict(span));
}

/** A `spans` row's columns, as read back (times as text, so nanoseconds stay exact). */
export interface SpanRow {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  name: string | null;
  type: string | null;
  status: string;
  start_ns: string;
  end_ns: string | null;
  content: string;
}

/** A stored span as a `SpanRecord`: ids, name, status and times from the row, the rest from its dict. */
export function decodeSpanRow(row: SpanRow): SpanRecord {
  const parsed = parseMlflowJson(row.content);
  const dict =
    parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  const span = spanFromDict(dict, row.trace_id, {
    otelTraceId: row.trace_id.replace(/^tr-/, ''),
    spanId: row.span_id,
  });
  span.spanId = row.span_id;
  if (row.name !== null) span.name = row.name;
  span.status = spanStatusOf(row.status);
  span.startTimeUnixNano = BigInt(row.start_ns);
  if (row.parent_span_id) span.parentSpanId = row.parent_span_id;
  else delete span.parentSpanId;
  const type = row.type ?? span.attributes[SpanAttributeKey.SPAN_TYPE];
  if (typeof type === 'string') span.type = type;
  else delete span.type;
  if (row.end_ns !== null) span.endTimeUnixNano = BigInt(row.end_ns);
  else delete span.endTimeUnixNano;
  return span;
}
