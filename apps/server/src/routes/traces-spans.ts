import { MlflowError, type SpanEvent, type SpanRecord, type SpanStatusCode } from '@flowline/core';
import { pythonDumps } from './traces-wire.js';

// Spans on the wire, two ways: OpenTelemetry's `Span` proto JSON (what MLflow's GetTrace and BatchGetTraces
// answer: ids base64, attributes as AnyValues of their decoded values, times as int64 numbers), and the span
// dicts of MLflow 3's `traces.json` (ids base64, attribute values JSON-dumped strings). Reading `traces.json`
// accepts every span dict MLflow has written: 2.x (`context`), 3.x (OTLP-like) and the 2026 v4 form.

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

/** Writes a JSON value whose bigints are written as plain integers. */
function jsonWithBigints(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => jsonWithBigints(v ?? null)).join(',')}]`;
  const members = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${JSON.stringify(k)}:${jsonWithBigints(v)}`);
  return `{${members.join(',')}}`;
}

/** A span as a span dict of MLflow 3's `traces.json` (`Span.to_dict`). */
export function toSpanDict(span: SpanRecord): Record<string, unknown> {
  return {
    trace_id: b64(span.otelTraceId),
    span_id: b64(span.spanId),
    parent_span_id: span.parentSpanId ? b64(span.parentSpanId) : '',
    name: span.name,
    start_time_unix_nano: span.startTimeUnixNano,
    end_time_unix_nano: span.endTimeUnixNano ?? null,
    events: span.events.map((e) => ({
      name: e.name,
      time_unix_nano: e.timeUnixNano,
      attributes: e.attributes,
    })),
    status: { code: OTEL_STATUS[span.status], message: span.statusMessage ?? '' },
    // MLflow keeps span attribute values JSON-dumped (`json.dumps(v, cls=TraceJSONEncoder)`).
    attributes: Object.fromEntries(Object.entries(span.attributes).map(([k, v]) => [k, pythonDumps(v)])),
  };
}

/** The body of `traces.json` for these spans: `{"spans": [...]}` (MLflow's `TraceData.to_dict`). */
export function traceDataJson(spans: readonly SpanRecord[]): string {
  return jsonWithBigints({ spans: spans.map(toSpanDict) });
}

// ---- reading traces.json ----

const hexOfBase64 = (value: string, bytes: number) => {
  const hex = Buffer.from(value, 'base64').toString('hex');
  return hex.length === bytes * 2 ? hex : hex.padStart(bytes * 2, '0').slice(-bytes * 2);
};
/** `0x…` hex (2.x), bare hex (v4) or base64 (3.x) of an id, as lowercase hex of `bytes` bytes. */
function idHex(value: unknown, bytes: number, form: 'hex' | 'base64'): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if (form === 'base64') return hexOfBase64(value, bytes);
  return value
    .replace(/^0x/i, '')
    .toLowerCase()
    .padStart(bytes * 2, '0');
}

const nanos = (value: unknown): bigint | undefined => {
  if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.trunc(value));
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
  if (typeof value === 'bigint') return value;
  return undefined;
};

/** A JSON-dumped attribute value decoded (a value that is not JSON stays the string it is). */
function decodeAttribute(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

const statusOf = (code: unknown): SpanStatusCode => {
  const name = typeof code === 'string' ? code.replace(/^STATUS_CODE_/, '') : '';
  return name === 'OK' || name === 'ERROR' ? name : 'UNSET';
};

/** One span dict of `traces.json` as a span of trace `traceId` (MLflow's `Span.from_dict`). */
export function spanFromDict(dict: Record<string, unknown>, traceId: string): SpanRecord {
  const v2 = typeof dict.context === 'object' && dict.context !== null;
  const v4 = typeof dict.otel_trace_id === 'string';
  const context = (v2 ? dict.context : dict) as Record<string, unknown>;
  const form = v2 || v4 ? 'hex' : 'base64';
  const otelTraceId = idHex(v4 ? dict.otel_trace_id : context.trace_id, 16, form);
  const spanId = idHex(context.span_id, 8, form);
  if (!otelTraceId || !spanId) {
    throw MlflowError.invalidParameterValue('A span in traces.json has no trace_id or span_id.');
  }
  const status = (v2 ? { code: dict.status_code, message: dict.status_message } : dict.status) as
    | { code?: unknown; message?: unknown }
    | undefined;
  const rawAttributes = (dict.attributes ?? {}) as Record<string, unknown>;
  const attributes = Object.fromEntries(
    Object.entries(rawAttributes).map(([k, v]) => [k, decodeAttribute(v)]),
  );
  const events: SpanEvent[] = (Array.isArray(dict.events) ? dict.events : []).map(
    (e: Record<string, unknown>) => ({
      name: String(e.name ?? ''),
      timeUnixNano: nanos(v2 ? e.timestamp : e.time_unix_nano) ?? 0n,
      attributes: (e.attributes ?? {}) as Record<string, unknown>,
    }),
  );
  const spanType = attributes['mlflow.spanType'];
  return {
    traceId,
    otelTraceId,
    spanId,
    parentSpanId: idHex(v2 ? dict.parent_id : dict.parent_span_id, 8, form),
    name: String(dict.name ?? ''),
    type: typeof spanType === 'string' ? spanType : undefined,
    status: statusOf(status?.code),
    statusMessage: typeof status?.message === 'string' && status.message ? status.message : undefined,
    startTimeUnixNano: nanos(v2 ? dict.start_time : dict.start_time_unix_nano) ?? 0n,
    endTimeUnixNano: nanos(v2 ? dict.end_time : dict.end_time_unix_nano),
    attributes,
    events,
  };
}

const LONG_TIME =
  /("(?:start_time_unix_nano|end_time_unix_nano|time_unix_nano|start_time|end_time|timestamp)"\s*:\s*)(\d{16,})/g;

/** The spans of a `traces.json` body (`{"spans": [...]}`), sorted by start time. */
export function spansFromTraceData(text: string, traceId: string): SpanRecord[] {
  let data: unknown;
  try {
    // Nanosecond times exceed a double's 53 bits: quote them first so they are read exactly.
    data = JSON.parse(text.replace(LONG_TIME, '$1"$2"'));
  } catch (cause) {
    throw MlflowError.internal(`The traces.json of trace '${traceId}' is not valid JSON.`, { cause });
  }
  const spans = (data as { spans?: unknown } | null)?.spans;
  if (!Array.isArray(spans)) {
    throw MlflowError.internal(`The traces.json of trace '${traceId}' has no "spans" list.`);
  }
  return spans
    .map((s) => spanFromDict(s as Record<string, unknown>, traceId))
    .sort((a, b) =>
      a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0,
    );
}
