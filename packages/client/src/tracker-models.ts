import {
  type ArtifactRepository,
  importOptional,
  isMlflowError,
  type ModelVersion,
  type RegistryStore,
  type TrackingStore,
} from '@flowline/core';
import type { ModelToLog } from './tracker-options.js';

type ModelFormat = typeof import('@flowline/model-format');

/** What `logModel` takes besides the model and its artifact path. */
export interface LogModelOptions {
  registeredModelName?: string;
  signature?: import('@flowline/model-format').ModelSignature;
  inputExample?: unknown;
  metadata?: Record<string, unknown>;
  runId?: string;
}

/**
 * Registers a model as MLflow's `register_model`: creates the registered model when it does not exist,
 * then a new version whose source is `modelUri` (e.g. `runs:/<run_id>/model`).
 */
export async function registerModelVersion(
  registry: RegistryStore,
  modelUri: string,
  name: string,
  options: { tags?: Record<string, string>; description?: string },
): Promise<ModelVersion> {
  try {
    await registry.createRegisteredModel({ name });
  } catch (error) {
    if (!(isMlflowError(error) && error.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw error;
  }
  const runId = /^runs:\/\/?([^/]+)/.exec(modelUri)?.[1];
  return registry.createModelVersion({
    name,
    source: modelUri,
    runId,
    description: options.description,
    tags: Object.entries(options.tags ?? {}).map(([key, value]) => ({ key, value })),
  });
}

/** `@flowline/model-format`, an optional peer of the client, with an error saying to install it. */
export function modelFormat(): Promise<ModelFormat> {
  return importOptional(
    '@flowline/model-format',
    'to log and load models',
    () => import('@flowline/model-format'),
  );
}

/** Logs a model into a run's artifacts (MLflow's `log_model`) and, with `registeredModelName`, registers it. */
export async function logModelToRun(
  formats: ModelFormat,
  model: import('@flowline/model-format').CustomModelSpec | ModelToLog,
  artifactPath: string,
  target: {
    runId: string;
    store: TrackingStore;
    artifacts: ArtifactRepository;
    registry?: RegistryStore;
  },
  options: LogModelOptions,
): Promise<import('@flowline/model-format').LoggedModel> {
  const flavor =
    'onnx' in model || 'transformers' in model || 'onnxGenai' in model ? model : { custom: model };
  return formats.logModel({
    ...flavor,
    artifactPath,
    runId: target.runId,
    store: target.store,
    artifacts: target.artifacts,
    signature: options.signature,
    inputExample: options.inputExample,
    metadata: options.metadata,
    registeredModelName: options.registeredModelName,
    registry: target.registry,
  });
}
