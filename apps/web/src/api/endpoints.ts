import type { RouteKey } from '@flowline/server';
import { api } from './client.js';
import type {
  Experiment,
  FileInfo,
  KeyValue,
  MetricWithRunId,
  ModelVersion,
  RegisteredModel,
  Run,
} from './types.js';

/**
 * Every endpoint the UI calls, as 'VERB /path' under the API prefix. Each is a key of the server's
 * `ROUTE_SCHEMAS` (read from the server's route table), so `api()` types its input and answer from the
 * route's own schemas; tests check that each exists on the server.
 */
export const ENDPOINTS = [
  'POST /experiments/search',
  'POST /experiments/create',
  'POST /experiments/update',
  'POST /experiments/delete',
  'POST /experiments/restore',
  'POST /experiments/set-experiment-tag',
  'POST /experiments/delete-experiment-tag',
  'GET /experiments/get',
  'POST /runs/search',
  'GET /runs/get',
  'POST /runs/set-tag',
  'POST /runs/delete-tag',
  'POST /runs/update',
  'POST /runs/delete',
  'POST /runs/restore',
  'GET /metrics/get-history-bulk-interval',
  'GET /artifacts/list',
  'GET /registered-models/search',
  'POST /registered-models/create',
  'DELETE /registered-models/delete',
  'GET /registered-models/get',
  'PATCH /registered-models/update',
  'POST /registered-models/alias',
  'DELETE /registered-models/alias',
  'POST /registered-models/set-tag',
  'DELETE /registered-models/delete-tag',
  'GET /model-versions/search',
  'POST /model-versions/create',
  'DELETE /model-versions/delete',
  'GET /model-versions/get',
  'PATCH /model-versions/update',
  'POST /model-versions/set-tag',
  'DELETE /model-versions/delete-tag',
  'POST /model-versions/transition-stage',
] as const satisfies readonly RouteKey[];

/** One page of a search. */
export interface Paged<T> {
  items: T[];
  nextPageToken?: string;
}

/** Which experiments or runs a search returns by lifecycle stage (MLflow's `ViewType`). */
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

/** Experiments, newest first, optionally filtered by a name substring (active ones unless `viewType` says). */
export async function searchExperiments(nameLike = '', viewType?: ViewType): Promise<Experiment[]> {
  const out: Experiment[] = [];
  let token: string | undefined;
  do {
    const page = await api('POST /experiments/search', {
      max_results: 1000,
      order_by: ['creation_time DESC'],
      filter: nameLike ? `name ILIKE '%${nameLike.replaceAll("'", "''")}%'` : undefined,
      page_token: token,
      view_type: viewType,
    });
    out.push(...(page.experiments ?? []));
    token = page.next_page_token || undefined;
  } while (token);
  return out;
}

/** One experiment by id (deleted ones too, as MLflow's `experiments/get`). */
export async function getExperiment(id: string, signal?: AbortSignal): Promise<Experiment> {
  return (await api('GET /experiments/get', { experiment_id: id }, signal)).experiment;
}

/** Creates an experiment and returns its id. */
export async function createExperiment(name: string): Promise<string> {
  return (await api('POST /experiments/create', { name })).experiment_id;
}

/** Renames an experiment. */
export async function renameExperiment(id: string, name: string): Promise<void> {
  await api('POST /experiments/update', { experiment_id: id, new_name: name });
}

/** Deletes an experiment (MLflow's soft delete). */
export async function deleteExperiment(id: string): Promise<void> {
  await api('POST /experiments/delete', { experiment_id: id });
}

/** Restores a deleted experiment (MLflow's `experiments/restore`). */
export async function restoreExperiment(id: string): Promise<void> {
  await api('POST /experiments/restore', { experiment_id: id });
}

/** Sets or removes an experiment tag (`value` null removes; the description is `mlflow.note.content`). */
export async function setExperimentTag(id: string, key: string, value: string | null): Promise<void> {
  if (value === null) await api('POST /experiments/delete-experiment-tag', { experiment_id: id, key });
  else await api('POST /experiments/set-experiment-tag', { experiment_id: id, key, value });
}

/** What `searchRuns` needs. */
export interface RunQuery {
  experimentIds: string[];
  /** Active runs unless told (`DELETED_ONLY` lists the deleted ones, as MLflow's "Deleted" state). */
  runViewType?: ViewType;
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
}

/** One page of runs in MLflow's search grammar. */
export async function searchRuns(query: RunQuery, signal?: AbortSignal): Promise<Paged<Run>> {
  const page = await api(
    'POST /runs/search',
    {
      experiment_ids: query.experimentIds,
      filter: query.filter ?? '',
      order_by: query.orderBy ?? [],
      max_results: query.maxResults ?? 100,
      page_token: query.pageToken,
      run_view_type: query.runViewType,
    },
    signal,
  );
  return { items: page.runs ?? [], nextPageToken: page.next_page_token || undefined };
}

/** One run. */
export async function getRun(runId: string, signal?: AbortSignal): Promise<Run> {
  return (await api('GET /runs/get', { run_id: runId }, signal)).run;
}

/** Sets a tag on a run (also how the description, `mlflow.note.content`, is saved). */
export async function setRunTag(runId: string, key: string, value: string): Promise<void> {
  await api('POST /runs/set-tag', { run_id: runId, key, value });
}

/** Removes a tag from a run. */
export async function deleteRunTag(runId: string, key: string): Promise<void> {
  await api('POST /runs/delete-tag', { run_id: runId, key });
}

/** Renames a run (MLflow's `runs/update` with `run_name`). */
export async function renameRun(runId: string, name: string): Promise<void> {
  await api('POST /runs/update', { run_id: runId, run_name: name });
}

/** Deletes a run (MLflow's soft delete: it moves to the experiment's deleted runs). */
export async function deleteRun(runId: string): Promise<void> {
  await api('POST /runs/delete', { run_id: runId });
}

/** Restores a deleted run. */
export async function restoreRun(runId: string): Promise<void> {
  await api('POST /runs/restore', { run_id: runId });
}

/** A metric's history for some runs, sampled by the server to at most `maxResults` steps per run. */
export async function sampledHistory(
  runIds: string[],
  metricKey: string,
  maxResults = 320,
  signal?: AbortSignal,
): Promise<MetricWithRunId[]> {
  const res = await api(
    'GET /metrics/get-history-bulk-interval',
    { run_ids: runIds, metric_key: metricKey, max_results: maxResults },
    signal,
  );
  return res.metrics ?? [];
}

/** One folder level of a run's artifacts. */
export async function listArtifacts(runId: string, path = ''): Promise<FileInfo[]> {
  const res = await api('GET /artifacts/list', { run_id: runId, path: path || undefined });
  return res.files ?? [];
}

/** Registered models, optionally by a name substring. */
export async function searchModels(nameLike = ''): Promise<RegisteredModel[]> {
  const res = await api('GET /registered-models/search', {
    max_results: 1000,
    filter: nameLike ? `name ILIKE '%${nameLike.replaceAll("'", "''")}%'` : undefined,
  });
  return res.registered_models ?? [];
}

/** One registered model. */
export async function getModel(name: string): Promise<RegisteredModel> {
  return (await api('GET /registered-models/get', { name })).registered_model;
}

/** Sets a registered model's description. */
export async function updateModelDescription(name: string, description: string): Promise<void> {
  await api('PATCH /registered-models/update', { name, description });
}

/** Points an alias at a version. */
export async function setAlias(name: string, alias: string, version: string): Promise<void> {
  await api('POST /registered-models/alias', { name, alias, version });
}

/** Removes an alias. */
export async function deleteAlias(name: string, alias: string): Promise<void> {
  await api('DELETE /registered-models/alias', { name, alias });
}

/** Sets or removes a tag on a registered model (`value` null removes). */
export async function setModelTag(name: string, tag: string, value: string | null): Promise<void> {
  if (value === null) await api('DELETE /registered-models/delete-tag', { name, key: tag });
  else await api('POST /registered-models/set-tag', { name, key: tag, value });
}

/** Model versions matching an MLflow filter (`name='m'`, `run_id='…'`). */
export async function searchVersions(filter: string): Promise<ModelVersion[]> {
  const res = await api('GET /model-versions/search', { filter, max_results: 1000 });
  return res.model_versions ?? [];
}

/** One model version. */
export async function getVersion(name: string, version: string): Promise<ModelVersion> {
  return (await api('GET /model-versions/get', { name, version })).model_version;
}

/** Sets a version's description. */
export async function updateVersionDescription(name: string, version: string, description: string) {
  await api('PATCH /model-versions/update', { name, version, description });
}

/** Sets or removes a tag on a model version (`value` null removes). */
export async function setVersionTag(name: string, version: string, tag: string, value: string | null) {
  if (value === null) await api('DELETE /model-versions/delete-tag', { name, version, key: tag });
  else await api('POST /model-versions/set-tag', { name, version, key: tag, value });
}

/** Moves a version to another stage; `archiveExisting` archives the model's other versions in it (MLflow's rule). */
export async function transitionStage(
  name: string,
  version: string,
  stage: string,
  archiveExisting = false,
): Promise<void> {
  await api('POST /model-versions/transition-stage', {
    name,
    version,
    stage,
    archive_existing_versions: archiveExisting,
  });
}

/** A tag's value, or undefined. */
export function tagOf(tags: KeyValue[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.key === key)?.value;
}
