import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ArtifactRepository,
  isMlflowError,
  MlflowError,
  MlflowTags,
  type ModelVersion,
  type RegistryStore,
  type TrackingStore,
} from '@flowline/core';
import type { MLModel } from './mlmodel.js';
import { type SaveModelOptions, saveModel } from './save-model.js';

/** Where `logModel` records the model. */
export interface LogModelOptions extends Omit<SaveModelOptions, 'path' | 'runId'> {
  artifactPath: string;
  runId: string;
  store: TrackingStore;
  /** The run's artifact repository. */
  artifacts: ArtifactRepository;
  /** Register the logged model under this name (created if needed), as MLflow's `registered_model_name`. */
  registeredModelName?: string;
  registry?: RegistryStore;
}

/** A logged model: where it is, its MLmodel, and the registered version when one was asked for. */
export interface LoggedModel {
  modelUri: string;
  model: MLModel;
  registeredModelVersion?: ModelVersion;
}

/**
 * Saves a model into the run's artifacts under `artifactPath`, records it in the run's
 * `mlflow.log-model.history` tag, and registers it when `registeredModelName` is given.
 */
export async function logModel(options: LogModelOptions): Promise<LoggedModel> {
  const staging = await mkdtemp(join(tmpdir(), 'flowline-model-'));
  try {
    const dir = join(staging, 'model');
    const model = await saveModel({ ...options, path: dir });
    await options.artifacts.logArtifacts(dir, options.artifactPath);
    const run = await options.store.getRun(options.runId);
    const current = run.data.tags.find((t) => t.key === MlflowTags.logModelHistory)?.value;
    const history = current ? (JSON.parse(current) as unknown[]) : [];
    history.push({
      run_id: options.runId,
      artifact_path: options.artifactPath,
      utc_time_created: model.utcTimeCreated,
      model_uuid: model.modelUuid,
      flavors: Object.fromEntries(
        Object.entries(model.flavors).map(([name, { model_config: _c, ...rest }]) => [name, rest]),
      ),
    });
    await options.store.setTag(options.runId, {
      key: MlflowTags.logModelHistory,
      value: JSON.stringify(history),
    });
    const modelUri = `runs:/${options.runId}/${options.artifactPath}`;
    if (!options.registeredModelName) return { modelUri, model };
    if (!options.registry)
      throw MlflowError.invalidParameterValue('registeredModelName needs a registry store.');
    try {
      await options.registry.createRegisteredModel({ name: options.registeredModelName });
    } catch (error) {
      if (!(isMlflowError(error) && error.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw error;
    }
    const registeredModelVersion = await options.registry.createModelVersion({
      name: options.registeredModelName,
      source: modelUri,
      runId: options.runId,
    });
    return { modelUri, model, registeredModelVersion };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
