import {
  SpanAttributeKey,
  type SpanEvent,
  type SpanLink,
  type SpanRecord,
  type SpanStatusCode,
} from '@flowline/core';
import { dumpJson, loadJson, parseSpanJson } from './json.js';

// A span's `content` column: the JSON of MLflow 3's span dict (`Span.to_dict`, the form of `traces.json`):
// ids base64 of their bytes, times in Unix nanoseconds, `status.code` as `STATUS_CODE_<name>`, attribute
// values JSON-dumped strings with `mlflow.traceRequestId` always present, so MLflow's `Span.from_dict`
// reads what Flowline writes. Reading accepts MLflow's v2 (`context`), v3 and v4 dicts.

function hexToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

/** An id of `bytes` bytes as lowercase hex, from hex (`0x…` or bare) or base64. */
function idToHex(value: unknown, bytes: number): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const bare = value.startsWith('0x') ? value.slice(2) : value;
  if (new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(bare)) return bare.toLowerCase();
  return Buffer.from(value, 'base64')
    .toString('hex')
    .padStart(bytes * 2, '0');
}

/** The span dict MLflow stores for a span, as JSON text. */
export function encodeSpanContent(span: SpanRecord): string {
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(span.attributes)) {
    if (value !== undefined) attributes[key] = dumpJson(value);
  }
  attributes[SpanAttributeKey.REQUEST_ID] ??= dumpJson(span.traceId);
  if (span.type !== undefined) attributes[SpanAttributeKey.SPAN_TYPE] ??= dumpJson(span.type);
  const dict: Record<string, unknown> = {
    trace_id: hexToBase64(span.otelTraceId),
    span_id: hexToBase64(span.spanId),
    parent_span_id: span.parentSpanId ? hexToBase64(span.parentSpanId) : '',
    name: span.name,
    start_time_unix_nano: span.startTimeUnixNano,
    end_time_unix_nano: span.endTimeUnixNano ?? null,
    events: span.events.map((e) => ({
      name: e.name,
      time_unix_nano: e.timeUnixNano,
      attributes: e.attributes,
    })),
    status: { code: `STATUS_CODE_${span.status}`, message: span.statusMessage ?? '' },
    attributes,
  };
  if (span.links && span.links.length > 0) {
    dict.links = span.links.map((l) => ({
      trace_id: hexToBase64(l.otelTraceId),
      span_id: hexToBase64(l.spanId),
      trace_state: '',
      attributes: l.attributes,
    }));
  }
  return dumpJson(dict);
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

function toStatus(code: unknown): SpanStatusCode {
  const name = String(code ?? '').replace(/^STATUS_CODE_/, '');
  return name === 'OK' || name === 'ERROR' ? name : 'UNSET';
}

function toBigInt(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.trunc(value));
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  return undefined;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** A stored span as a `SpanRecord`: ids, name, status and times from the row, the rest from its dict. */
export function decodeSpanRow(row: SpanRow): SpanRecord {
  const dict = record(parseSpanJson(row.content));
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record(dict.attributes))) {
    attributes[key] = typeof value === 'string' ? loadJson(value) : value;
  }
  const context = record(dict.context);
  const status = record(dict.status);
  const otelTraceId =
    idToHex(dict.otel_trace_id, 16) ??
    (dict.context ? idToHex(context.trace_id, 16) : undefined) ??
    (typeof dict.trace_id === 'string' && !dict.trace_id.startsWith('tr-')
      ? idToHex(dict.trace_id, 16)
      : undefined) ??
    row.trace_id.replace(/^tr-/, '');
  const events: SpanEvent[] = (Array.isArray(dict.events) ? dict.events : []).map((e) => {
    const event = record(e);
    return {
      name: String(event.name ?? ''),
      timeUnixNano: toBigInt(event.time_unix_nano ?? event.timestamp) ?? 0n,
      attributes: record(event.attributes),
    };
  });
  const links: SpanLink[] = (Array.isArray(dict.links) ? dict.links : []).map((l) => {
    const link = record(l);
    return {
      otelTraceId: idToHex(link.trace_id, 16) ?? '',
      spanId: idToHex(link.span_id, 8) ?? '',
      attributes: record(link.attributes),
    };
  });
  const message = (dict.context ? dict.status_message : status.message) as unknown;
  const type = row.type ?? attributes[SpanAttributeKey.SPAN_TYPE];
  const span: SpanRecord = {
    traceId: row.trace_id,
    otelTraceId,
    spanId: row.span_id,
    name: row.name ?? String(dict.name ?? ''),
    status: toStatus(row.status),
    startTimeUnixNano: BigInt(row.start_ns),
    attributes,
    events,
  };
  if (row.parent_span_id) span.parentSpanId = row.parent_span_id;
  if (typeof type === 'string') span.type = type;
  if (typeof message === 'string' && message !== '') span.statusMessage = message;
  if (row.end_ns !== null) span.endTimeUnixNano = BigInt(row.end_ns);
  if (links.length > 0) span.links = links;
  return span;
}
