/**
 * MLflow 3's trace API as its web UI calls it: `traces/search` and trace info under `/ajax-api/3.0/mlflow`
 * (MLflow serves its "since 3.0" endpoints only there), span data from `/ajax-api/2.0/mlflow/get-trace-artifact`
 * (`traces.json`, `{"spans": […]}`). The shapes are MLflow's proto JSON (`TraceInfoV3`, `Assessment`,
 * snake_case, enums by name), written out from `service.proto` and `assessments.proto`: the server declares
 * `POST /traces` twice (v2 and v3 bodies), so its route table cannot name them by 'VERB /path' alone.
 */
import { ApiError, withQuery } from './client.js';

/** Where MLflow serves its v3 trace endpoints for the web UI. */
export const TRACES_V3_PREFIX = '/ajax-api/3.0/mlflow';
/** Where MLflow serves `get-trace-artifact` (the trace's span data). */
export const TRACE_ARTIFACT_URL = '/ajax-api/2.0/mlflow/get-trace-artifact';

/** A trace's state (MLflow's `TraceState`). */
export type TraceStateName = 'STATE_UNSPECIFIED' | 'OK' | 'ERROR' | 'IN_PROGRESS';

/** Where a trace lives (MLflow's `TraceLocation`); Flowline keeps traces in experiments. */
export interface TraceLocationJson {
  type: 'MLFLOW_EXPERIMENT' | 'INFERENCE_TABLE' | 'TRACE_LOCATION_TYPE_UNSPECIFIED';
  mlflow_experiment?: { experiment_id: string };
  inference_table?: { full_table_name: string };
}

/** An assessment of a trace (MLflow's `Assessment` proto JSON): a feedback or an expectation. */
export interface AssessmentJson {
  assessment_id?: string;
  assessment_name: string;
  trace_id?: string;
  span_id?: string;
  source?: { source_type?: string; source_id?: string };
  create_time?: string;
  last_update_time?: string;
  feedback?: {
    value?: unknown;
    error?: { error_code?: string; error_message?: string; stack_trace?: string };
  };
  expectation?: { value?: unknown; serialized_value?: { serialization_format?: string; value?: string } };
  rationale?: string;
  metadata?: Record<string, string>;
  overrides?: string;
  valid?: boolean;
}

/**
 * A trace's info (MLflow's `TraceInfoV3` proto JSON). `request_time` is an RFC 3339 timestamp and
 * `execution_duration` a protobuf duration (`"1.500s"`); readers in `lib/trace-info.ts` also take numbers.
 */
export interface TraceInfoJson {
  trace_id: string;
  client_request_id?: string;
  trace_location?: TraceLocationJson;
  request_preview?: string;
  response_preview?: string;
  request_time?: string | number;
  execution_duration?: string | number;
  state?: TraceStateName;
  trace_metadata?: Record<string, string>;
  tags?: Record<string, string>;
  assessments?: AssessmentJson[];
}

/** One page of `traces/search`. */
export interface TracePage {
  traces: TraceInfoJson[];
  nextPageToken?: string;
}

/** What `searchTraces` takes (MLflow's `SearchTracesV3` fields). */
export interface TraceQuery {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
}

/** Fetches JSON and turns MLflow's `{error_code, message}` answers into `ApiError`s, as `call()` does. */
async function fetchJson<T>(url: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'NETWORK_ERROR', `Cannot reach the server: ${(error as Error).message}`);
  }
  const text = await response.text();
  let body: unknown = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { message: text };
  }
  if (!response.ok) {
    const b = body as { error_code?: string; message?: string };
    throw new ApiError(response.status, b.error_code ?? 'HTTP_ERROR', b.message ?? `HTTP ${response.status}`);
  }
  return body as T;
}

/** One page of traces of some experiments, in MLflow's trace filter grammar (`trace.status = 'OK'`). */
export async function searchTraces(query: TraceQuery, signal?: AbortSignal): Promise<TracePage> {
  const body = {
    locations: query.experimentIds.map((id) => ({
      type: 'MLFLOW_EXPERIMENT',
      mlflow_experiment: { experiment_id: id },
    })),
    filter: query.filter || undefined,
    order_by: query.orderBy?.length ? query.orderBy : undefined,
    max_results: query.maxResults ?? 100,
    page_token: query.pageToken || undefined,
  };
  const page = await fetchJson<{ traces?: TraceInfoJson[]; next_page_token?: string }>(
    `${TRACES_V3_PREFIX}/traces/search`,
    {
      method: 'POST',
      signal,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    },
  );
  return { traces: page.traces ?? [], nextPageToken: page.next_page_token || undefined };
}

/** One trace's info, with its tags, metadata and assessments (MLflow's `GetTraceInfoV3`). */
export async function getTraceInfo(traceId: string, signal?: AbortSignal): Promise<TraceInfoJson> {
  const res = await fetchJson<{ trace: { trace_info: TraceInfoJson } }>(
    `${TRACES_V3_PREFIX}/traces/${encodeURIComponent(traceId)}`,
    { signal },
  );
  return res.trace.trace_info;
}

/** A trace's span dicts, as `traces.json` holds them (MLflow's `get-trace-artifact`). */
export async function getTraceSpans(traceId: string, signal?: AbortSignal): Promise<unknown[]> {
  const res = await fetchJson<{ spans?: unknown[] }>(withQuery(TRACE_ARTIFACT_URL, { request_id: traceId }), {
    signal,
  });
  return Array.isArray(res.spans) ? res.spans : [];
}
