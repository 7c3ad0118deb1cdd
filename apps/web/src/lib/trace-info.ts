/** Reading MLflow's `TraceInfoV3` JSON for display: times, durations, token usage, names, assessments. */
import type { AssessmentJson, TraceInfoJson } from '../api/traces.js';

/** Trace metadata and tag keys the UI reads (MLflow's `TraceMetadataKey` / `TraceTagKey`). */
export const TRACE_KEYS = {
  tokenUsage: 'mlflow.trace.tokenUsage',
  sourceRun: 'mlflow.sourceRun',
  traceName: 'mlflow.traceName',
} as const;

/** Token counts of a trace (MLflow's `mlflow.trace.tokenUsage`). */
export interface TokenUsage {
  input?: number;
  output?: number;
  total?: number;
}

/**
 * A protobuf `Timestamp` as Unix milliseconds: RFC 3339 text (`2025-06-15T14:07:41.282Z`, as proto JSON
 * writes it), or a number of milliseconds (what v2's `timestamp_ms` holds).
 */
export function readTimestampMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * A protobuf `Duration` as milliseconds: proto JSON's `"1.500s"` (any number of fraction digits, a sign
 * allowed), or a number of milliseconds (v2's `execution_time_ms`).
 */
export function readDurationMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^(-?\d+(?:\.\d+)?)s$/.exec(value.trim());
  if (m) return Number(m[1]) * 1000;
  return /^\d+$/.test(value) ? Number(value) : undefined;
}

/** When the trace started, in Unix milliseconds. */
export function requestTimeMs(info: TraceInfoJson): number | undefined {
  return readTimestampMs(info.request_time);
}

/** How long the trace took, in milliseconds; undefined while it runs. */
export function executionMs(info: TraceInfoJson): number | undefined {
  return readDurationMs(info.execution_duration);
}

function count(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/**
 * A trace's token usage from its `mlflow.trace.tokenUsage` metadata (JSON `{input_tokens, output_tokens,
 * total_tokens}`); the total is the sum when only the parts are given. Undefined when absent or not JSON.
 */
export function tokenUsageOf(metadata: Record<string, string> | undefined): TokenUsage | undefined {
  const text = metadata?.[TRACE_KEYS.tokenUsage];
  if (!text) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const u = parsed as Record<string, unknown>;
  const input = count(u.input_tokens);
  const output = count(u.output_tokens);
  const total =
    count(u.total_tokens) ??
    (input !== undefined || output !== undefined ? (input ?? 0) + (output ?? 0) : undefined);
  if (input === undefined && output === undefined && total === undefined) return undefined;
  return { input, output, total };
}

/** `1,234 (in 1,000 / out 234)`, or the parts that are known; '' without usage. */
export function formatTokens(usage: TokenUsage | undefined): string {
  if (!usage) return '';
  const n = (v: number) => v.toLocaleString('en-US');
  const parts = [
    usage.input !== undefined ? `in ${n(usage.input)}` : '',
    usage.output !== undefined ? `out ${n(usage.output)}` : '',
  ].filter(Boolean);
  const total = usage.total !== undefined ? n(usage.total) : '';
  return parts.length ? `${total} (${parts.join(' / ')})`.trim() : total;
}

/** The trace's name: its `mlflow.traceName` tag. */
export function traceNameOf(info: TraceInfoJson): string | undefined {
  return info.tags?.[TRACE_KEYS.traceName] || undefined;
}

/** The run the trace belongs to (metadata `mlflow.sourceRun`). */
export function sourceRunOf(info: TraceInfoJson): string | undefined {
  return info.trace_metadata?.[TRACE_KEYS.sourceRun] || undefined;
}

/** The experiment a trace lives in, from its location. */
export function experimentOf(info: TraceInfoJson): string | undefined {
  return info.trace_location?.mlflow_experiment?.experiment_id;
}

/** Tags a person set: MLflow's own `mlflow.*` tags are left out. */
export function userTags(tags: Record<string, string> | undefined): [string, string][] {
  return Object.entries(tags ?? {})
    .filter(([k]) => !k.startsWith('mlflow.'))
    .sort(([a], [b]) => a.localeCompare(b));
}

/** What an assessment says, for display. */
export interface AssessmentView {
  id: string;
  name: string;
  kind: 'feedback' | 'expectation';
  value: unknown;
  /** Why a feedback has no value. */
  error?: string;
  rationale?: string;
  sourceType: string;
  sourceId: string;
  spanId?: string;
  createdMs?: number;
  /** False when another assessment overrides this one. */
  valid: boolean;
  metadata: [string, string][];
}

/**
 * An assessment as the UI shows it. Expectations holding non-primitive values arrive as
 * `serialized_value` (`JSON_FORMAT` text), as MLflow's `Expectation.to_proto` writes them; they are parsed.
 */
export function readAssessment(a: Partial<AssessmentJson>, index = 0): AssessmentView {
  let value: unknown;
  let kind: AssessmentView['kind'] = 'feedback';
  let error: string | undefined;
  if (a.expectation) {
    kind = 'expectation';
    const serialized = a.expectation.serialized_value?.value;
    if (serialized !== undefined) {
      try {
        value = JSON.parse(serialized);
      } catch {
        value = serialized;
      }
    } else value = a.expectation.value;
  } else if (a.feedback) {
    value = a.feedback.value;
    const e = a.feedback.error;
    if (e) error = [e.error_code, e.error_message].filter(Boolean).join(': ') || 'error';
  }
  return {
    id: a.assessment_id ?? `assessment-${index}`,
    name: a.assessment_name ?? '',
    kind,
    value,
    error,
    rationale: a.rationale || undefined,
    sourceType: a.source?.source_type ?? 'SOURCE_TYPE_UNSPECIFIED',
    sourceId: a.source?.source_id ?? '',
    spanId: a.span_id || undefined,
    createdMs: readTimestampMs(a.create_time),
    valid: a.valid !== false,
    metadata: Object.entries(a.metadata ?? {}).sort(([x], [y]) => x.localeCompare(y)),
  };
}

/** A JSON value for display: strings as they are, everything else pretty-printed. */
export function prettyJson(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A request/response preview on one line: JSON text is shown compact, long text cut with an ellipsis. */
export function previewText(text: string | undefined, max = 160): string {
  if (!text) return '';
  let shown = text;
  try {
    const parsed = JSON.parse(text);
    shown = typeof parsed === 'string' ? parsed : JSON.stringify(parsed);
  } catch {
    // Not JSON (or cut by the server at 1000 characters): show as it is.
  }
  shown = shown.replace(/\s+/g, ' ').trim();
  return shown.length > max ? `${shown.slice(0, max - 1)}…` : shown;
}
