/**
 * The registry's writes beyond the ones in `endpoints.ts`: creating and deleting registered models and
 * versions, registering a model (MLflow's "Register model": a new or existing registered model, then
 * `model-versions/create`), and reading a version's files
 * through `model-versions/get-artifact`.
 */
import { api, fetchServed, withQuery } from './client.js';
import type { ModelVersion, RegisteredModel } from './types.js';

/** Creates a registered model (the server refuses a name that exists with RESOURCE_ALREADY_EXISTS). */
export async function createModel(name: string, description?: string): Promise<RegisteredModel> {
  return (await api('POST /registered-models/create', { name, description: description || undefined }))
    .registered_model;
}

/** Deletes a registered model with its versions. */
export async function deleteModel(name: string): Promise<void> {
  await api('DELETE /registered-models/delete', { name });
}

/** Deletes one model version. */
export async function deleteVersion(name: string, version: string): Promise<void> {
  await api('DELETE /model-versions/delete', { name, version });
}

/** What a version is registered from: a logged model (`models:/<model_id>`) or a run's model folder. */
export interface RegisterSource {
  /** The version's `source`: `models:/<model_id>`, or the folder's URI (`runs:/<run_id>/<path>`). */
  source: string;
  runId?: string;
  modelId?: string;
}

/** Where a registration goes: an existing registered model, or a new one made first. */
export interface RegisterTarget {
  name: string;
  isNew: boolean;
}

/**
 * Registers `from` as a new version of `target` (creating the registered model first when it is new), as
 * MLflow's "Register model" dialog does; answers the new version. `onCreated` hears of the new model before
 * the version is asked for, so a refused version can be retried against the model that now exists.
 */
export async function registerModel(
  from: RegisterSource,
  target: RegisterTarget,
  onCreated?: (name: string) => void,
): Promise<ModelVersion> {
  if (target.isNew) {
    await createModel(target.name);
    onCreated?.(target.name);
  }
  const res = await api('POST /model-versions/create', {
    name: target.name,
    source: from.source,
    run_id: from.runId || undefined,
    model_id: from.modelId || undefined,
  });
  return res.model_version;
}

/** The URL of one file of a model version (`GET /model-versions/get-artifact`, the route MLflow's UI reads). */
export function versionArtifactUrl(name: string, version: string, path: string): string {
  return withQuery('/model-versions/get-artifact', { name, version, path });
}

/** One text file of a model version, or undefined when the version has no such file (404). */
export async function readVersionFile(
  name: string,
  version: string,
  path: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const res = await fetchServed(
    versionArtifactUrl(name, version, path),
    `${path} of version ${version}`,
    signal,
    {
      missingAsUndefined: true,
    },
  );
  return res?.text();
}
