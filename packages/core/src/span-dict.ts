// MLflow 3's span dict (`Span.to_dict`): the form of the spans of `traces.json` and of the `spans.content`
// column. Ids are base64 of their bytes, times Unix nanoseconds, `status.code` is `STATUS_CODE_<name>` and
// attribute values are JSON-dumped strings with `mlflow.traceRequestId` always present, so MLflow's
// `Span.from_dict` reads what Flowline writes. Reading accepts every dict MLflow has written: 2.x
// (`context`, `0x` hex ids), 3.x (base64 ids) and the 2026 v4 form (`otel_trace_id`, hex ids).
import { MlflowError } from './errors.js';
import type { SpanEvent, SpanLink, SpanRecord, SpanStatusCode } from './trace-spans.js';
import { SpanAttributeKey } from './traces.js';

/** How `dumpMlflowJson` writes, as the arguments of Python's `json.dumps` would. */
export interface DumpJsonOptions {
  /** Escape non-ASCII characters as `\uXXXX` (Python's default `ensure_ascii=True`). */
  ascii?: boolean;
  /** `,` and `:` separators (`separators=(",", ":")`) instead of Python's `", "` and `": "`. */
  compact?: boolean;
}

const escapeNonAscii = (json: string) =>
  json.replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * `value` as Python's `json.dumps` writes it: `", "` and `": "` separators and non-ASCII kept by default
 * (MLflow dumps span attributes, span dicts and `traces.json` with `ensure_ascii=False`), so stored text
 * matches what MLflow itself would have stored, for `LIKE` filters as much as for readers. BigInts are
 * written as integers; non-finite numbers as `null` (the UI's `JSON.parse` cannot read Python's `NaN`).
 */
export function dumpMlflowJson(value: unknown, options: DumpJsonOptions = {}): string {
  const item = options.compact ? ',' : ', ';
  const key = options.compact ? ':' : ': ';
  const str = options.ascii ? (s: string) => escapeNonAscii(JSON.stringify(s)) : JSON.stringify;
  const dump = (v: unknown): string => {
    if (v === null || v === undefined) return 'null';
    switch (typeof v) {
      case 'bigint':
        return v.toString();
      case 'number':
        return Number.isFinite(v) ? JSON.stringify(v) : 'null';
      case 'boolean':
        return String(v);
      case 'string':
        return str(v);
      case 'object':
        break;
      default:
        return str(String(v));
    }
    if (Array.isArray(v)) return `[${v.map(dump).join(item)}]`;
    if (v instanceof Uint8Array) return str(Buffer.from(v).toString('base64'));
    if (v instanceof Date) return str(v.toISOString());
    const entries = Object.entries(v as Record<string, unknown>).filter(([, e]) => e !== undefined);
    return `{${entries.map(([k, e]) => `${str(k)}${key}${dump(e)}`).join(item)}}`;
  };
  return dump(value);
}

// Nanosecond times (~1.7e18) do not fit a double: these keys' integers are read as BigInt. The lookbehind
// skips keys inside JSON-dumped attribute strings, whose quotes are escaped.
const TIME_KEYS =
  /(?<!\\)"(time_unix_nano|start_time_unix_nano|end_time_unix_nano|start_time|end_time|timestamp)"(\s*:\s*)(-?\d+)/g;
const MARK = '\u0000n';

/** Parses JSON holding span dicts, reading their nanosecond time fields as BigInt (throws as `JSON.parse`). */
export function parseMlflowJson(text: string): unknown {
  const marked = text.replace(TIME_KEYS, (_m, name: string, sep: string, digits: string) => {
    return `"${name}"${sep}"\\u0000n${digits}"`;
  });
  return JSON.parse(marked, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(MARK) ? BigInt(value.slice(MARK.length)) : value,
  );
}

/** A JSON-dumped value decoded, or the text itself when it is not JSON (as MLflow's readers fall back). */
export function loadMlflowJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const hexToBase64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

/** A span as MLflow 3's span dict (`Span.to_dict`): base64 ids, bigint times, JSON-dumped attributes. */
export function toSpanDict(span: SpanRecord): Record<string, unknown> {
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(span.attributes)) {
    if (value !== undefined) attributes[key] = dumpMlflowJson(value);
  }
  // MLflow's `Span.from_dict` refuses a dict without its trace id.
  attributes[SpanAttributeKey.REQUEST_ID] ??= dumpMlflowJson(span.traceId);
  if (span.type !== undefined) attributes[SpanAttributeKey.SPAN_TYPE] ??= dumpMlflowJson(span.type);
  const dict: Record<string, unknown> = {
    trace_id: hexToBase64(span.otelTraceId),
    span_id: hexToBase64(span.spanId),
    // Proto's empty bytes, which MLflow's reader takes for a root span.
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
  return dict;
}

const BASE64 = /^[A-Za-z0-9+/]+=*$/;

/** An id of `bytes` bytes as lowercase hex, from hex (`0x…` or bare: 2.x and v4) or base64 (3.x). */
function idToHex(value: unknown, bytes: number, hex: boolean): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const bare = value.replace(/^0x/i, '');
  // A 3.x dict's ids are base64, but hex of the full length is taken as hex (never valid base64 of it).
  if (hex || new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(bare)) {
    return /^[0-9a-fA-F]+$/.test(bare) ? bare.toLowerCase().padStart(bytes * 2, '0') : undefined;
  }
  if (!BASE64.test(value)) return undefined;
  return Buffer.from(value, 'base64')
    .toString('hex')
    .padStart(bytes * 2, '0')
    .slice(-bytes * 2);
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

/** A span status code (`STATUS_CODE_OK`, `OK`, …) as the store names it; anything else is UNSET. */
export function spanStatusOf(code: unknown): SpanStatusCode {
  const name = String(code ?? '').replace(/^STATUS_CODE_/, '');
  return name === 'OK' || name === 'ERROR' ? name : 'UNSET';
}

/** Ids to take where a span dict has none (a stored row's columns). */
export interface SpanDictFallback {
  otelTraceId?: string;
  spanId?: string;
}

/**
 * A span dict (2.x, 3.x or v4) as a span of trace `traceId` (MLflow's `Span.from_dict`): attribute values
 * decoded, times as BigInt where the JSON was read with `parseMlflowJson`. Throws INVALID_PARAMETER_VALUE
 * when the dict has no trace or span id and `fallback` gives none.
 */
export function spanFromDict(
  dict: Record<string, unknown>,
  traceId: string,
  fallback: SpanDictFallback = {},
): SpanRecord {
  const v2 = typeof dict.context === 'object' && dict.context !== null;
  const v4 = typeof dict.otel_trace_id === 'string';
  const hex = v2 || v4;
  const context = v2 ? record(dict.context) : dict;
  const otelTraceId = idToHex(v4 ? dict.otel_trace_id : context.trace_id, 16, hex) ?? fallback.otelTraceId;
  const spanId = idToHex(context.span_id, 8, hex) ?? fallback.spanId;
  if (!otelTraceId || !spanId) {
    throw MlflowError.invalidParameterValue(
      'A span dict has no trace_id or span_id: MLflow writes both (base64 in 3.x, hex in 2.x and v4).',
    );
  }
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record(dict.attributes))) {
    attributes[key] = typeof value === 'string' ? loadMlflowJson(value) : value;
  }
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
      otelTraceId: idToHex(link.trace_id, 16, hex) ?? '',
      spanId: idToHex(link.span_id, 8, hex) ?? '',
      attributes: record(link.attributes),
    };
  });
  const status = v2 ? { code: dict.status_code, message: dict.status_message } : record(dict.status);
  const span: SpanRecord = {
    traceId,
    otelTraceId,
    spanId,
    name: String(dict.name ?? ''),
    status: spanStatusOf(status.code),
    startTimeUnixNano: toBigInt(v2 ? dict.start_time : dict.start_time_unix_nano) ?? 0n,
    attributes,
    events,
  };
  const parentSpanId = idToHex(v2 ? dict.parent_id : dict.parent_span_id, 8, hex);
  const type = attributes[SpanAttributeKey.SPAN_TYPE];
  const endTimeUnixNano = toBigInt(v2 ? dict.end_time : dict.end_time_unix_nano);
  if (parentSpanId) span.parentSpanId = parentSpanId;
  if (typeof type === 'string') span.type = type;
  if (typeof status.message === 'string' && status.message !== '') span.statusMessage = status.message;
  if (endTimeUnixNano !== undefined) span.endTimeUnixNano = endTimeUnixNano;
  if (links.length > 0) span.links = links;
  return span;
}

/**
 * The body of `traces.json` for these spans, `{"spans": [...]}` (MLflow's `TraceData.to_dict`), nanosecond
 * times as exact integers. Written compact (MLflow's client spaces its separators; readers take either).
 */
export function traceDataJson(spans: readonly SpanRecord[]): string {
  return dumpMlflowJson({ spans: spans.map(toSpanDict) }, { compact: true });
}

/**
 * The spans of a `traces.json` body (`{"spans": [...]}`) of trace `traceId`, sorted by start time. Throws
 * INTERNAL_ERROR when the text is not such a body (the file is the server's to keep readable).
 */
export function spansFromTraceData(text: string, traceId: string): SpanRecord[] {
  let data: unknown;
  try {
    data = parseMlflowJson(text);
  } catch (cause) {
    throw MlflowError.internal(`The traces.json of trace '${traceId}' is not valid JSON.`, { cause });
  }
  const spans = record(data).spans;
  if (!Array.isArray(spans)) {
    throw MlflowError.internal(`The traces.json of trace '${traceId}' has no "spans" list.`);
  }
  return spans
    .map((s) => spanFromDict(record(s), traceId))
    .sort((a, b) =>
      a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0,
    );
}
