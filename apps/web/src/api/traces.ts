/**
 * MLflow 3's trace API as its web UI calls it: `traces/search` and trace info under `/ajax-api/3.0/mlflow`
 * (MLflow serves its "since 3.0" endpoints only there), span data from `/ajax-api/2.0/mlflow/get-trace-artifact`
 * (`traces.json`, `{"spans": […]}`). The shapes (MLflow's `TraceInfoV3` and `Assessment` proto JSON) come
 * from the server's route schemas by `import type`, as `types.ts` does, so a drift fails `tsc`.
 */
import type { RouteInput, RouteKey, RouteOutput } from '@flowline/server';
import { API_PREFIX, api, call } from './client.js';

/** Where MLflow serves its v3 trace endpoints for the web UI. */
export const TRACES_V3_PREFIX = '/ajax-api/3.0/mlflow';
/** Where MLflow serves `get-trace-artifact` (the trace's span data). */
export const TRACE_ARTIFACT_URL = `${API_PREFIX}/get-trace-artifact`;

/**
 * The v3 trace endpoints the UI calls (under `TRACES_V3_PREFIX`), as keys of the server's `ROUTE_SCHEMAS`
 * (tests check each is served there; `get-trace-artifact` is a download, outside the route table).
 */
export const TRACE_ENDPOINTS = [
  'POST /traces/search',
  'GET /traces/:trace_id',
] as const satisfies readonly RouteKey[];

/** A trace's info (MLflow's `TraceInfoV3` JSON: `request_time` RFC 3339, `execution_duration` `"1.500s"`). */
export type TraceInfoJson = RouteOutput<'GET /traces/:trace_id'>['trace']['trace_info'];

/** An assessment of a trace (MLflow's `Assessment` JSON): a feedback or an expectation. */
export type AssessmentJson = RouteOutput<'GET /traces/:trace_id/assessments/:assessment_id'>['assessment'];

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

/** One page of traces of some experiments, in MLflow's trace filter grammar (`trace.status = 'OK'`). */
export async function searchTraces(query: TraceQuery, signal?: AbortSignal): Promise<TracePage> {
  const body: RouteInput<'POST /traces/search'> = {
    locations: query.experimentIds.map((id) => ({
      type: 'MLFLOW_EXPERIMENT',
      mlflow_experiment: { experiment_id: id },
    })),
    filter: query.filter || undefined,
    order_by: query.orderBy?.length ? query.orderBy : undefined,
    max_results: query.maxResults ?? 100,
    page_token: query.pageToken || undefined,
  };
  const page = await api('POST /traces/search', body, signal, { prefix: TRACES_V3_PREFIX });
  return { traces: page.traces ?? [], nextPageToken: page.next_page_token || undefined };
}

/** One trace's info, with its tags, metadata and assessments (MLflow's `GetTraceInfoV3`). */
export async function getTraceInfo(traceId: string, signal?: AbortSignal): Promise<TraceInfoJson> {
  const res = await api('GET /traces/:trace_id', {}, signal, {
    prefix: TRACES_V3_PREFIX,
    params: { trace_id: traceId },
  });
  return res.trace.trace_info;
}

/** A trace's span dicts, as `traces.json` holds them (MLflow's `get-trace-artifact`). */
export async function getTraceSpans(traceId: string, signal?: AbortSignal): Promise<unknown[]> {
  const res = await call<{ spans?: unknown[] }>(
    'GET',
    '/get-trace-artifact',
    { request_id: traceId },
    signal,
  );
  return Array.isArray(res.spans) ? res.spans : [];
}
