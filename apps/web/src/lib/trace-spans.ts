/**
 * Spans of a trace as the UI draws them: read from MLflow's span dicts (`traces.json`) and put in a tree.
 * MLflow's `Span.from_dict` reads three dict forms, and so does this: MLflow 2's (`context.span_id` as
 * `0x…` hex, `parent_id`, `start_time`, `status_code`), MLflow 3's (OTLP-like: base64 `span_id` and
 * `parent_span_id`, `start_time_unix_nano`, `status.code` `STATUS_CODE_OK`), and the 2026 one (hex ids,
 * `status.code` `OK`). Attribute values are JSON-dumped strings there (`"mlflow.spanType": "\"LLM\""`);
 * OTLP's `[{key, value: {string_value}}]` lists are read too.
 */

/** A span's status code, as MLflow's `SpanStatusCode` names it. */
export type SpanStatus = 'OK' | 'ERROR' | 'UNSET';

/** One span event (an exception, a streamed chunk). */
export interface SpanEventView {
  name: string;
  /** Unix nanoseconds, when the event has a time. */
  timeNs?: bigint;
  attributes: Record<string, unknown>;
}

/** One span, decoded: hex ids, nanosecond times, attribute values parsed from their JSON strings. */
export interface SpanView {
  spanId: string;
  /** Absent (or empty) on a root span. */
  parentId?: string;
  name: string;
  /** `mlflow.spanType` (LLM, CHAIN, TOOL, …), `UNKNOWN` when unset. */
  type: string;
  status: SpanStatus;
  statusMessage?: string;
  startNs: bigint;
  /** Absent while the span is still open. */
  endNs?: bigint;
  attributes: Record<string, unknown>;
  inputs?: unknown;
  outputs?: unknown;
  events: SpanEventView[];
}

/** One row of the span tree, depth first: children follow their parent, ordered by start time. */
export interface SpanRow {
  span: SpanView;
  depth: number;
  /** The span names a parent that is not in the trace (shown at the top level). */
  orphan: boolean;
  /** How many spans are below this one, at any depth. */
  descendants: number;
}

const HEX_ID = /^(?:[0-9a-f]{16}|[0-9a-f]{32})$/i;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * A span or trace id as lowercase hex: `0x…` (MLflow 2) and plain 16/32-digit hex (2026 dicts) as they are,
 * base64 of the id's bytes (MLflow 3's dicts and OTLP JSON, as `_decode_id_from_byte`) decoded. A string
 * that is neither is returned unchanged, so it still links parents to children.
 */
export function decodeSpanId(id: unknown): string | undefined {
  if (id === undefined || id === null || id === '') return undefined;
  if (typeof id === 'number' || typeof id === 'bigint') return BigInt(id).toString(16).padStart(16, '0');
  if (typeof id !== 'string') return undefined;
  if (/^0x[0-9a-f]+$/i.test(id)) return id.slice(2).toLowerCase().padStart(16, '0');
  if (HEX_ID.test(id)) return id.toLowerCase();
  if (BASE64.test(id) && id.length % 4 !== 1) {
    try {
      const bytes = atob(id.replaceAll('-', '+').replaceAll('_', '/'));
      if (bytes.length === 8 || bytes.length === 16) {
        let hex = '';
        for (let i = 0; i < bytes.length; i++) hex += bytes.charCodeAt(i).toString(16).padStart(2, '0');
        return hex;
      }
    } catch {
      // Not base64 after all: keep the text.
    }
  }
  return id;
}

/** A JSON-dumped attribute value parsed back (`"\"LLM\""` → `"LLM"`); text that is not JSON stays text. */
export function parseAttributeValue(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** An OTLP `AnyValue` (`{string_value}`, `{int_value}`, …, camelCase too) as a plain value. */
function anyValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const v = value as Record<string, unknown>;
  for (const key of ['string_value', 'stringValue']) if (key in v) return parseAttributeValue(v[key]);
  for (const key of ['bool_value', 'boolValue', 'double_value', 'doubleValue', 'bytes_value', 'bytesValue'])
    if (key in v) return v[key];
  for (const key of ['int_value', 'intValue']) if (key in v) return Number(v[key]);
  const array = (v.array_value ?? v.arrayValue) as { values?: unknown[] } | undefined;
  if (array) return (array.values ?? []).map(anyValue);
  const list = (v.kvlist_value ?? v.kvlistValue) as { values?: unknown[] } | undefined;
  if (list) return readAttributes(list.values ?? []);
  return value;
}

/** Attributes as `{key: value}`, from a dict of JSON strings or an OTLP `[{key, value}]` list. */
export function readAttributes(raw: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (Array.isArray(raw)) {
    for (const kv of raw as { key?: unknown; value?: unknown }[]) {
      if (kv && typeof kv.key === 'string') out[kv.key] = anyValue(kv.value);
    }
  } else if (raw && typeof raw === 'object') {
    for (const [key, value] of Object.entries(raw)) out[key] = parseAttributeValue(value);
  }
  return out;
}

/** Nanoseconds from a JSON number or a decimal string (proto JSON writes 64-bit integers as strings). */
export function readNanos(value: unknown): bigint | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  try {
    if (typeof value === 'number') return Number.isFinite(value) ? BigInt(Math.round(value)) : undefined;
    if (typeof value === 'string' || typeof value === 'bigint') return BigInt(value);
  } catch {
    return undefined;
  }
  return undefined;
}

function readStatus(code: unknown): SpanStatus {
  const text = String(code ?? '').toUpperCase();
  if (text === 'OK' || text === 'STATUS_CODE_OK' || text === '1') return 'OK';
  if (text === 'ERROR' || text === 'STATUS_CODE_ERROR' || text === '2') return 'ERROR';
  return 'UNSET';
}

/** One span dict (any of MLflow's forms) decoded; undefined when it has no span id. */
export function readSpan(raw: unknown): SpanView | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const d = raw as Record<string, unknown>;
  const context = d.context as Record<string, unknown> | undefined;
  const spanId = decodeSpanId(context ? context.span_id : (d.span_id ?? d.spanId));
  if (!spanId) return undefined;
  const parentId = decodeSpanId(context ? d.parent_id : (d.parent_span_id ?? d.parentSpanId));
  const status = d.status as { code?: unknown; message?: unknown } | undefined;
  const attributes = readAttributes(d.attributes);
  const startNs = readNanos(context ? d.start_time : (d.start_time_unix_nano ?? d.startTimeUnixNano)) ?? 0n;
  const endNs = readNanos(context ? d.end_time : (d.end_time_unix_nano ?? d.endTimeUnixNano));
  const statusMessage = String((context ? d.status_message : status?.message) ?? '') || undefined;
  const type = attributes['mlflow.spanType'];
  const events = Array.isArray(d.events) ? (d.events as Record<string, unknown>[]) : [];
  return {
    spanId,
    parentId: parentId && parentId !== spanId ? parentId : undefined,
    name: typeof d.name === 'string' ? d.name : '',
    type: typeof type === 'string' && type ? type : 'UNKNOWN',
    status: readStatus(context ? d.status_code : status?.code),
    statusMessage,
    startNs,
    // An end before the start (clock skew, a bad writer) is drawn as a zero-length span.
    endNs: endNs === undefined ? undefined : endNs < startNs ? startNs : endNs,
    attributes,
    inputs: attributes['mlflow.spanInputs'],
    outputs: attributes['mlflow.spanOutputs'],
    events: events.map((e) => ({
      name: typeof e.name === 'string' ? e.name : '',
      timeNs: readNanos(e.time_unix_nano ?? e.timeUnixNano ?? e.timestamp),
      attributes: readAttributes(e.attributes),
    })),
  };
}

/** Span dicts decoded, skipping entries without a span id and later duplicates of an id. */
export function readSpans(raw: readonly unknown[]): SpanView[] {
  const seen = new Set<string>();
  const out: SpanView[] = [];
  for (const item of raw) {
    const span = readSpan(item);
    if (!span || seen.has(span.spanId)) continue;
    seen.add(span.spanId);
    out.push(span);
  }
  return out;
}

/**
 * The span tree, flattened depth first: roots (spans without a parent, and spans whose parent is not in the
 * trace, marked `orphan`) then each span's children, siblings by start time. A parent cycle cannot hang it:
 * spans left unreached by the walk from the roots are shown at the top level too.
 */
export function buildSpanTree(spans: readonly SpanView[]): SpanRow[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const children = new Map<string, SpanView[]>();
  const roots: SpanView[] = [];
  for (const span of spans) {
    if (span.parentId && byId.has(span.parentId)) {
      const list = children.get(span.parentId) ?? [];
      list.push(span);
      children.set(span.parentId, list);
    } else roots.push(span);
  }
  const byStart = (a: SpanView, b: SpanView) =>
    a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : a.name.localeCompare(b.name);
  const rows: SpanRow[] = [];
  const visited = new Set<string>();
  const walk = (span: SpanView, depth: number, orphan: boolean) => {
    if (visited.has(span.spanId)) return;
    visited.add(span.spanId);
    const row: SpanRow = { span, depth, orphan, descendants: 0 };
    rows.push(row);
    const before = rows.length;
    for (const child of [...(children.get(span.spanId) ?? [])].sort(byStart)) walk(child, depth + 1, false);
    row.descendants = rows.length - before;
  };
  for (const root of [...roots].sort(byStart)) walk(root, 0, root.parentId !== undefined);
  for (const span of [...spans].sort(byStart)) walk(span, 0, true);
  return rows;
}

/** The rows left visible when the spans in `collapsed` hide their descendants. */
export function visibleRows(rows: readonly SpanRow[], collapsed: ReadonlySet<string>): SpanRow[] {
  const out: SpanRow[] = [];
  let skipUntil = -1;
  rows.forEach((row, index) => {
    if (index < skipUntil) return;
    out.push(row);
    if (collapsed.has(row.span.spanId)) skipUntil = index + 1 + row.descendants;
  });
  return out;
}
