import {
  MlflowError,
  SpanAttributeKey,
  type SpanRecord,
  TraceMetadataKey,
  TraceTagKey,
} from '@flowline/core';
import type { Insertable } from 'kysely';
import { dumpJson, loadJson, truncate } from './json.js';
import { encodeSpanContent } from './span-content.js';
import type { SpansTable, TraceInfoTable } from './tables.js';
import { MAX_PREVIEW_LENGTH } from './trace-info.js';
import { cutKeyValues } from './trace-rows.js';

// What one logSpans call gives each of its traces, worked out from the spans in hand before any query, so
// the store can write every trace of the call with a few multi-row statements.

/** Nanoseconds in a millisecond. */
export const NS_PER_MS = 1_000_000n;
const TOKEN_KEYS = [
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'cache_read_input_tokens',
  'cache_creation_input_tokens',
];
const COST_KEYS = ['input_cost', 'output_cost', 'total_cost'];

/** The spans of one trace in a logSpans call, and what they say about the trace. */
export interface TraceSpans {
  traceId: string;
  /** The call's spans of this trace, in the order given. */
  spans: SpanRecord[];
  /** The spans stored: one per span id (the last given wins, as the upsert would), in span-id order. */
  stored: SpanRecord[];
  /** The last span without a parent, if the call has one. */
  root: SpanRecord | undefined;
  /** The state the root gives (UNSET counts as OK); `IN_PROGRESS` without a root. */
  rootState: 'OK' | 'ERROR' | 'IN_PROGRESS';
  /** The earliest start and the latest end of the stored spans (null when none has ended). */
  startNs: bigint;
  endNs: bigint | null;
  /** The earliest start of all the spans given, a span later given again with the same id included. */
  givenStartNs: bigint;
}

/** Tags and metadata for one trace: `keep` entries leave a set value alone, `overwrite` entries replace it. */
export interface TraceKeyValues {
  keepTags: Map<string, string>;
  overwriteTags: Map<string, string>;
  keepMetadata: Map<string, string>;
  overwriteMetadata: Map<string, string>;
}

/** Refuses a span without a usable trace id, span id or start time. */
export function checkSpan(span: SpanRecord): void {
  if (typeof span.traceId !== 'string' || span.traceId === '' || span.traceId.length > 50) {
    throw MlflowError.invalidParameterValue(`Invalid trace id ${JSON.stringify(span.traceId)} on a span.`);
  }
  if (typeof span.spanId !== 'string' || span.spanId === '' || span.spanId.length > 50) {
    throw MlflowError.invalidParameterValue(`Invalid span id ${JSON.stringify(span.spanId)} on a span.`);
  }
  if (typeof span.startTimeUnixNano !== 'bigint') {
    throw MlflowError.invalidParameterValue(`Span '${span.spanId}' has no start time.`);
  }
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function describeTrace(traceId: string, spans: SpanRecord[]): TraceSpans {
  const root = spans.findLast((s) => !s.parentSpanId);
  const bySpanId = new Map<string, SpanRecord>();
  for (const span of spans) bySpanId.set(span.spanId, span);
  const stored = [...bySpanId.values()].sort((a, b) => byString(a.spanId, b.spanId));
  let startNs = stored[0]!.startTimeUnixNano;
  let endNs: bigint | null = null;
  for (const s of stored) {
    if (s.startTimeUnixNano < startNs) startNs = s.startTimeUnixNano;
    if (s.endTimeUnixNano !== undefined && (endNs === null || s.endTimeUnixNano > endNs))
      endNs = s.endTimeUnixNano;
  }
  let givenStartNs = startNs;
  for (const s of spans) if (s.startTimeUnixNano < givenStartNs) givenStartNs = s.startTimeUnixNano;
  const rootState = root ? (root.status === 'ERROR' ? 'ERROR' : 'OK') : 'IN_PROGRESS';
  return { traceId, spans, stored, root, rootState, startNs, endNs, givenStartNs };
}

/** The call's spans grouped by trace, in trace-id order (the order rows are locked in, so calls never deadlock). */
export function groupByTrace(spans: SpanRecord[]): TraceSpans[] {
  const byTrace = new Map<string, SpanRecord[]>();
  for (const span of spans) {
    const list = byTrace.get(span.traceId) ?? [];
    list.push(span);
    byTrace.set(span.traceId, list);
  }
  return [...byTrace.keys()].sort(byString).map((id) => describeTrace(id, byTrace.get(id)!));
}

/** An attribute value as a tag value: strings as they are, anything else JSON-dumped (as MLflow). */
export function tagValue(value: unknown): string {
  return typeof value === 'string' ? value : dumpJson(value);
}

/** A `spans` row. */
export function spanRow(experimentId: number, span: SpanRecord): Insertable<SpansTable> {
  const type = span.type ?? span.attributes[SpanAttributeKey.SPAN_TYPE];
  return {
    trace_id: span.traceId,
    experiment_id: experimentId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId ?? null,
    name: span.name,
    type: typeof type === 'string' ? truncate(type, 500) : null,
    status: span.status,
    start_time_unix_nano: span.startTimeUnixNano,
    end_time_unix_nano: span.endTimeUnixNano ?? null,
    content: encodeSpanContent(span),
  };
}

/**
 * The previews the root span sets: explicit ones (the SDK's `updateCurrentTrace`) always; otherwise its
 * inputs and outputs, only where the trace has none yet.
 */
export function rootPreviews(
  trace: TraceSpans,
  current: { request_preview: string | null; response_preview: string | null },
): { request_preview?: string; response_preview?: string } {
  const attributes = trace.root?.attributes;
  if (!attributes) return {};
  const out: { request_preview?: string; response_preview?: string } = {};
  const request = attributes[SpanAttributeKey.TRACE_REQUEST_PREVIEW];
  const response = attributes[SpanAttributeKey.TRACE_RESPONSE_PREVIEW];
  const inputs = attributes[SpanAttributeKey.INPUTS];
  const outputs = attributes[SpanAttributeKey.OUTPUTS];
  if (request !== undefined) out.request_preview = truncate(tagValue(request), MAX_PREVIEW_LENGTH);
  else if (inputs !== undefined && current.request_preview === null)
    out.request_preview = truncate(dumpJson(inputs), MAX_PREVIEW_LENGTH);
  if (response !== undefined) out.response_preview = truncate(tagValue(response), MAX_PREVIEW_LENGTH);
  else if (outputs !== undefined && current.response_preview === null)
    out.response_preview = truncate(dumpJson(outputs), MAX_PREVIEW_LENGTH);
  return out;
}

/**
 * A trace's times from the range of its stored spans (MLflow: start = min start // 1e6, duration =
 * (max end − start) // 1e6); a trace's start never moves later than the one it has.
 */
export function traceTimes(
  range: { startNs: bigint; endNs: bigint | null },
  timestampMs: number,
): { timestamp_ms: number; execution_time_ms: number | null } {
  let start = range.startNs;
  const existingStart = BigInt(timestampMs) * NS_PER_MS;
  if (existingStart / NS_PER_MS < start / NS_PER_MS) start = existingStart;
  return {
    timestamp_ms: Number(start / NS_PER_MS),
    execution_time_ms: range.endNs === null ? null : Number((range.endNs - start) / NS_PER_MS),
  };
}

/** The `trace_info` row of a trace these spans create: times, state and previews from the spans. */
export function newTraceRow(experimentId: number, trace: TraceSpans): Insertable<TraceInfoTable> {
  const previews = rootPreviews(trace, { request_preview: null, response_preview: null });
  return {
    request_id: trace.traceId,
    experiment_id: experimentId,
    // As if inserted from every span given, then updated from those stored.
    ...traceTimes(trace, Number(trace.givenStartNs / NS_PER_MS)),
    status: trace.rootState,
    client_request_id: null,
    request_preview: previews.request_preview ?? null,
    response_preview: previews.response_preview ?? null,
  };
}

function sumInto(total: Record<string, number>, value: unknown, keys: readonly string[]): boolean {
  const parsed = typeof value === 'string' ? loadJson(value) : value;
  if (parsed === null || typeof parsed !== 'object') return false;
  let found = false;
  for (const key of keys) {
    const n = Number((parsed as Record<string, unknown>)[key]);
    if (Number.isFinite(n) && (parsed as Record<string, unknown>)[key] !== undefined) {
      total[key] = (total[key] ?? 0) + n;
      found = true;
    }
  }
  return found;
}

/**
 * Token usage and cost summed over spans, given each span's attributes as stored (JSON-dumped strings, as
 * in the `content` column), as metadata entries.
 */
export function usageOf(storedAttributes: Iterable<Record<string, unknown>>): Record<string, string> {
  const tokens: Record<string, number> = {};
  const cost: Record<string, number> = {};
  let hasTokens = false;
  let hasCost = false;
  for (const attributes of storedAttributes) {
    hasTokens = sumInto(tokens, attributes[SpanAttributeKey.CHAT_USAGE], TOKEN_KEYS) || hasTokens;
    hasCost = sumInto(cost, attributes[SpanAttributeKey.LLM_COST], COST_KEYS) || hasCost;
  }
  const out: Record<string, string> = {};
  if (hasTokens) out[TraceMetadataKey.TOKEN_USAGE] = dumpJson(tokens);
  if (hasCost) out[TraceMetadataKey.COST] = dumpJson(cost);
  return out;
}

/** Token usage and cost of the spans in hand, read as they will be stored (what a scan of the rows would sum). */
export function usageOfStored(trace: TraceSpans): Record<string, string> {
  const dumped = (value: unknown) => (value === undefined ? undefined : dumpJson(value));
  return usageOf(
    trace.stored.map((s) => ({
      [SpanAttributeKey.CHAT_USAGE]: dumped(s.attributes[SpanAttributeKey.CHAT_USAGE]),
      [SpanAttributeKey.LLM_COST]: dumped(s.attributes[SpanAttributeKey.LLM_COST]),
    })),
  );
}

/**
 * Tags and metadata the spans give their trace: resource attributes, the root's name and its inputs and
 * outputs are kept where set; `mlflow.traceTag.*`, `mlflow.traceMetadata.*`, the spans location and `usage`
 * (the summed token usage, when the trace is not finalized) overwrite. Keys are cut to the column size first,
 * and a key both kept and overwritten is only overwritten (the same end state as writing both in turn).
 */
export function traceKeyValues(trace: TraceSpans, usage: Record<string, string>): TraceKeyValues {
  const resource: Record<string, string> = {};
  const explicit: Record<string, string> = {};
  const metadata: Record<string, string> = {};
  for (const span of trace.spans) {
    for (const [key, value] of Object.entries(span.resourceAttributes ?? {})) {
      if (key.startsWith('telemetry.sdk.') || key.startsWith('mlflow.')) continue;
      resource[key] = tagValue(value);
    }
    for (const [key, value] of Object.entries(span.attributes)) {
      if (
        key.startsWith(SpanAttributeKey.TRACE_TAG_PREFIX) &&
        key.length > SpanAttributeKey.TRACE_TAG_PREFIX.length
      ) {
        explicit[key.slice(SpanAttributeKey.TRACE_TAG_PREFIX.length)] = tagValue(value);
      } else if (
        key.startsWith(SpanAttributeKey.TRACE_METADATA_PREFIX) &&
        key.length > SpanAttributeKey.TRACE_METADATA_PREFIX.length
      ) {
        metadata[key.slice(SpanAttributeKey.TRACE_METADATA_PREFIX.length)] = tagValue(value);
      }
    }
  }
  const { root } = trace;
  if (root) resource[TraceTagKey.TRACE_NAME] = root.name;
  const rootMetadata: Record<string, string> = {};
  const inputs = root?.attributes[SpanAttributeKey.INPUTS];
  const outputs = root?.attributes[SpanAttributeKey.OUTPUTS];
  if (inputs !== undefined)
    rootMetadata[TraceMetadataKey.INPUTS] = truncate(dumpJson(inputs), MAX_PREVIEW_LENGTH);
  if (outputs !== undefined)
    rootMetadata[TraceMetadataKey.OUTPUTS] = truncate(dumpJson(outputs), MAX_PREVIEW_LENGTH);

  const overwriteTags = cutKeyValues({ ...explicit, [TraceTagKey.SPANS_LOCATION]: 'TRACKING_STORE' });
  const overwriteMetadata = cutKeyValues(metadata);
  for (const [key, value] of cutKeyValues(usage)) overwriteMetadata.set(key, value);
  const keepTags = cutKeyValues(resource);
  const keepMetadata = cutKeyValues(rootMetadata);
  for (const key of overwriteTags.keys()) keepTags.delete(key);
  for (const key of overwriteMetadata.keys()) keepMetadata.delete(key);
  return { keepTags, overwriteTags, keepMetadata, overwriteMetadata };
}

/** The entries for a trace this call creates: nothing is set on it yet, so kept entries are written as the rest. */
export function allOverwriting(entries: TraceKeyValues): TraceKeyValues {
  const overwriteTags = new Map([...entries.keepTags, ...entries.overwriteTags]);
  const overwriteMetadata = new Map([...entries.keepMetadata, ...entries.overwriteMetadata]);
  return { keepTags: new Map(), overwriteTags, keepMetadata: new Map(), overwriteMetadata };
}
