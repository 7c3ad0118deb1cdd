/**
 * MLflow 3's logged-model API as its web UI calls it, under `/ajax-api/2.0/mlflow` (the proto says
 * "since 2.0"): `logged-models/search`, `logged-models/{id}`, its artifacts' `directories` listing and the
 * ajax-only `files` download. The shapes come from the server's route schemas by `import type`.
 */
import type { RouteInput, RouteKey, RouteOutput } from '@flowline/server';
import { API_PREFIX, api, withQuery } from './client.js';
import { searchVersions } from './endpoints.js';
import type { ModelVersion } from './types.js';

/** The logged-model endpoints the UI calls, as keys of the server's `ROUTE_SCHEMAS` (tests check each is served). */
export const LOGGED_MODEL_ENDPOINTS = [
  'POST /logged-models/search',
  'GET /logged-models/:model_id',
  'GET /logged-models/:model_id/artifacts/directories',
] as const satisfies readonly RouteKey[];

/** MLflow's `LoggedModel` JSON: `info` (id, name, status, artifact_uri, tags…) and `data` (params, metrics). */
export type LoggedModelJson = RouteOutput<'GET /logged-models/:model_id'>['model'];

/** A metric logged against a model, with its run and dataset. */
export type LoggedModelMetric = Exclude<LoggedModelJson['data']['metrics'], undefined>[number];

/** One entry of a logged model's artifact listing. */
export type LoggedModelFile = Exclude<
  RouteOutput<'GET /logged-models/:model_id/artifacts/directories'>['files'],
  undefined
>[number];

/** What `searchLoggedModels` takes: experiments, MLflow's logged-model filter, `order_by` as `field [ASC|DESC]`. */
export interface LoggedModelQuery {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
}

/** `metrics.acc DESC` as MLflow's `order_by` item `{field_name, ascending}`. */
export function orderItem(text: string): { field_name: string; ascending: boolean } {
  const [field = '', direction = 'ASC'] = text.trim().split(/\s+/);
  return { field_name: field, ascending: direction.toUpperCase() !== 'DESC' };
}

/** One page of an experiment's logged models (at most 50 a page, MLflow's ceiling). */
export async function searchLoggedModels(
  query: LoggedModelQuery,
  signal?: AbortSignal,
): Promise<{ models: LoggedModelJson[]; nextPageToken?: string }> {
  const body: RouteInput<'POST /logged-models/search'> = {
    experiment_ids: query.experimentIds,
    filter: query.filter || undefined,
    order_by: query.orderBy?.length ? query.orderBy.map(orderItem) : undefined,
    max_results: Math.min(query.maxResults ?? 50, 50),
    page_token: query.pageToken || undefined,
  };
  const page = await api('POST /logged-models/search', body, signal);
  return { models: page.models ?? [], nextPageToken: page.next_page_token || undefined };
}

/** One logged model. */
export async function getLoggedModel(modelId: string, signal?: AbortSignal): Promise<LoggedModelJson> {
  return (await api('GET /logged-models/:model_id', {}, signal, { params: { model_id: modelId } })).model;
}

/** One folder level of a logged model's artifacts (all pages). */
export async function listLoggedModelArtifacts(modelId: string, path = ''): Promise<LoggedModelFile[]> {
  const files: LoggedModelFile[] = [];
  let token: string | undefined;
  do {
    const page = await api(
      'GET /logged-models/:model_id/artifacts/directories',
      { artifact_directory_path: path || undefined, page_token: token },
      undefined,
      { params: { model_id: modelId } },
    );
    files.push(...(page.files ?? []));
    token = page.next_page_token || undefined;
  } while (token);
  return files;
}

/** The URL that downloads one file of a logged model (MLflow's ajax `artifacts/files` route). */
export function loggedModelArtifactUrl(modelId: string, path: string): string {
  return withQuery(`${API_PREFIX}/logged-models/${encodeURIComponent(modelId)}/artifacts/files`, {
    artifact_file_path: path,
  });
}

/** A tag's value on a logged model. */
export function loggedModelTag(model: LoggedModelJson, key: string): string | undefined {
  return model.info.tags?.find((t) => t.key === key)?.value;
}

/** A registered version a logged model became: name and version. */
export interface Registration {
  name: string;
  version: string;
}

/** The versions named by the model's `mlflow.modelVersions` tag (a JSON list of `{name, version}`). */
export function registrationsOf(model: LoggedModelJson): Registration[] {
  const text = loggedModelTag(model, 'mlflow.modelVersions');
  if (!text) return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  return value.flatMap((v) =>
    typeof v === 'object' && v !== null && typeof (v as Registration).name === 'string'
      ? [{ name: (v as Registration).name, version: String((v as Registration).version) }]
      : [],
  );
}

/**
 * The registered versions of a logged model: those its `mlflow.modelVersions` tag names, and those whose
 * source is `models:/<model_id>` (a registry that does not write the tag); a failed search adds nothing.
 */
export async function registeredVersions(model: LoggedModelJson): Promise<Registration[]> {
  const found = registrationsOf(model);
  let bySource: ModelVersion[] = [];
  try {
    bySource = await searchVersions(`source_path = 'models:/${model.info.model_id}'`);
  } catch {
    bySource = [];
  }
  for (const v of bySource)
    if (!found.some((r) => r.name === v.name && r.version === v.version))
      found.push({ name: v.name, version: v.version });
  return found;
}

/** The runs a logged model is linked to: its source run, then the runs its metrics were logged in. */
export function linkedRunIds(model: LoggedModelJson): string[] {
  const ids: string[] = [];
  const add = (id: string | undefined) => {
    if (id && !ids.includes(id)) ids.push(id);
  };
  add(model.info.source_run_id);
  for (const m of model.data.metrics ?? []) add(m.run_id);
  return ids;
}

/** The latest value of each metric (by timestamp, then step), keyed by name. */
export function latestMetrics(model: LoggedModelJson): Map<string, LoggedModelMetric> {
  const latest = new Map<string, LoggedModelMetric>();
  for (const m of model.data.metrics ?? []) {
    const seen = latest.get(m.key);
    if (!seen || m.timestamp > seen.timestamp || (m.timestamp === seen.timestamp && m.step > seen.step))
      latest.set(m.key, m);
  }
  return latest;
}
