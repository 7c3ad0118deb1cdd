/**
 * The HTTP layer: calls go to the server's `/ajax-api/2.0/mlflow` API, as MLflow's own UI does (MLflow 3's
 * endpoints to `/ajax-api/3.0/mlflow`).
 */

import type { RouteInput, RouteKey, RouteOutput } from '@flowline/server';

/** The API prefix the UI talks to. */
export const API_PREFIX = '/ajax-api/2.0/mlflow';

/** An error answer from the server, carrying MLflow's `error_code` and the server's message. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** Query values: arrays repeat the key, as MLflow's GET endpoints expect. */
export type Query = Record<string, string | number | boolean | string[] | undefined | null>;

/** Builds `path?query` with repeated keys for arrays and without empty values. */
export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, v);
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/**
 * Fetches a file the server serves (an artifact, a model version's file). A refusal throws the server's
 * message (MLflow's JSON error), else one naming `what` and the status; with `missingAsUndefined`, a 404
 * is `undefined` instead.
 */
export async function fetchServed(url: string, what: string, signal?: AbortSignal): Promise<Response>;
export async function fetchServed(
  url: string,
  what: string,
  signal: AbortSignal | undefined,
  options: { missingAsUndefined: true },
): Promise<Response | undefined>;
export async function fetchServed(
  url: string,
  what: string,
  signal?: AbortSignal,
  options: { missingAsUndefined?: boolean } = {},
): Promise<Response | undefined> {
  const res = await fetch(url, { signal });
  if (res.status === 404 && options.missingAsUndefined) return undefined;
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { message?: string };
    throw new Error(body.message ?? `Cannot read ${what} (HTTP ${res.status})`);
  }
  return res;
}

/** Calls one endpoint at `prefix + path`: GET sends `input` as the query string, other verbs as a JSON body. */
export async function call<T>(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  input: Query | Record<string, unknown> = {},
  signal?: AbortSignal,
  prefix: string = API_PREFIX,
): Promise<T> {
  const url = method === 'GET' ? withQuery(prefix + path, input as Query) : prefix + path;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      signal,
      headers: method === 'GET' ? {} : { 'content-type': 'application/json' },
      body: method === 'GET' ? undefined : JSON.stringify(input),
    });
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

/** Where `api()` sends a call: another API prefix, and the values of the route's `:name` path segments. */
export interface ApiTarget {
  /** The API prefix (default `API_PREFIX`; MLflow 3's endpoints live under `/ajax-api/3.0/mlflow`). */
  prefix?: string;
  /** Values of the path's `:name` segments (URL-encoded here). */
  params?: Record<string, string>;
}

/**
 * Calls one endpoint by its 'VERB /path' key of the server's `ROUTE_SCHEMAS`: the input must match the
 * route's request schema and the answer has its response schema's type.
 */
export function api<K extends RouteKey>(
  route: K,
  input: RouteInput<K>,
  signal?: AbortSignal,
  target: ApiTarget = {},
): Promise<RouteOutput<K>> {
  const [method, pattern] = route.split(' ') as ['GET' | 'POST' | 'PATCH' | 'DELETE', string];
  const path = pattern.replace(/:(\w+)/g, (_, name: string) => {
    const value = target.params?.[name];
    if (value === undefined) throw new Error(`${route}: no value for :${name}`);
    return encodeURIComponent(value);
  });
  return call<RouteOutput<K>>(method, path, input as Record<string, unknown>, signal, target.prefix);
}

/** The URL that downloads one artifact of a run. */
export function artifactUrl(runId: string, path: string): string {
  return withQuery('/get-artifact', { run_id: runId, path });
}
