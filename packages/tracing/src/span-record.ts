// An ended OpenTelemetry span as Flowline's decoded `SpanRecord` (ids as hex, times in nanoseconds,
// attribute values decoded from their JSON), for code that keeps spans without going through OTLP.
import { mlflowTraceId, type SpanRecord, type SpanStatusCode } from '@flowline/core';
import { type HrTime, SpanStatusCode as OtelStatus } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanAttributeKey } from './constants.js';
import { fromAttributeJson } from './json.js';

/** Converts an ended span to a `SpanRecord`, decoding its JSON-encoded attribute values. */
export function toSpanRecord(span: ReadableSpan): SpanRecord {
  const { traceId: otelTraceId, spanId } = span.spanContext();
  const attributes = decode(span.attributes);
  const type = attributes[SpanAttributeKey.SPAN_TYPE];
  const parentSpanId = span.parentSpanContext?.spanId;
  const record: SpanRecord = {
    traceId: mlflowTraceId(otelTraceId),
    otelTraceId,
    spanId,
    name: span.name,
    status: statusName(span.status.code),
    startTimeUnixNano: nanos(span.startTime),
    attributes,
    events: span.events.map((event) => ({
      name: event.name,
      timeUnixNano: nanos(event.time),
      attributes: { ...event.attributes },
    })),
    resourceAttributes: { ...span.resource.attributes },
  };
  if (parentSpanId !== undefined) record.parentSpanId = parentSpanId;
  if (typeof type === 'string') record.type = type;
  if (span.status.message) record.statusMessage = span.status.message;
  if (span.ended) record.endTimeUnixNano = nanos(span.endTime);
  if (span.links.length > 0) {
    record.links = span.links.map((link) => ({
      otelTraceId: link.context.traceId,
      spanId: link.context.spanId,
      attributes: { ...link.attributes },
    }));
  }
  return record;
}

function decode(attributes: ReadableSpan['attributes']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attributes)) out[key] = fromAttributeJson(value);
  return out;
}

function statusName(code: OtelStatus): SpanStatusCode {
  return code === OtelStatus.OK ? 'OK' : code === OtelStatus.ERROR ? 'ERROR' : 'UNSET';
}

function nanos([seconds, nanoseconds]: HrTime): bigint {
  return BigInt(seconds) * 1_000_000_000n + BigInt(nanoseconds);
}
