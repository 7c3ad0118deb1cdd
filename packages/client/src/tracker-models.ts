import {
  type ArtifactRepository,
  importOptional,
  isMlflowError,
  type LoggedModelStore,
  MlflowTags,
  type ModelVersion,
  type RegistryStore,
  type Run,
  type TrackingStore,
} from '@flowline/core';
import type { ModelToLog } from './tracker-options.js';

type ModelFormat = typeof import('@flowline/model-format');
type LoggedModelFiles = import('@flowline/model-format').LoggedModel;

/** What `logModel` takes besides the model and its artifact path. */
export interface LogModelOptions {
  /**
   * The logged model's name (MLflow 3's `name`), which is also the run artifact path the files are kept
   * under; `logModel(model, { name })` is the same as `logModel(model, name)`.
   */
  name?: string;
  registeredModelName?: string;
  signature?: import('@flowline/model-format').ModelSignature;
  inputExample?: unknown;
  metadata?: Record<string, unknown>;
  runId?: string;
  /** The logged model's `model_type` (e.g. `agent`, `classifier`); free text, as MLflow. */
  modelType?: string;
  /** Params of the logged model, besides the run's own (copied onto it, as MLflow 3; the run's win). */
  params?: Record<string, string>;
  /** Tags of the logged model, besides the run's source and user tags. */
  tags?: Record<string, string>;
  /** The run's metrics at this step (default 0) are also logged against the model, as MLflow 3's `step`. */
  step?: number;
}

/** What `logModel` returns: where the model is, its MLmodel, its logged model's id, the registered version. */
export interface ModelInfo extends LoggedModelFiles {
  /**
   * The logged model (MLflow 3's `model_id`, `m-…`); `modelUri` is then `models:/<modelId>`. Absent when the
   * tracking store has no logged models (an older server), and `modelUri` is the run's `runs:/<run>/<path>`.
   */
  modelId?: string;
  /** The run this was logged from. */
  runId: string;
  /** The `runs:/<run_id>/<artifact path>` URI of the copy kept in the run's artifacts (as before MLflow 3). */
  runModelUri: string;
}

/** The store's logged-model API, when it has one (a REST client to an older server may not). */
function loggedModelStoreOf(store: TrackingStore): LoggedModelStore | undefined {
  const candidate = store as Partial<LoggedModelStore>;
  return typeof candidate.createLoggedModel === 'function' &&
    typeof candidate.finalizeLoggedModel === 'function'
    ? (candidate as LoggedModelStore)
    : undefined;
}

/**
 * Registers a model as MLflow's `register_model`: creates the registered model when it does not exist,
 * then a new version whose source is `modelUri` (e.g. `runs:/<run_id>/model`).
 */
export async function registerModelVersion(
  registry: RegistryStore,
  modelUri: string,
  name: string,
  options: { tags?: Record<string, string>; description?: string; runId?: string },
): Promise<ModelVersion> {
  try {
    await registry.createRegisteredModel({ name });
  } catch (error) {
    if (!(isMlflowError(error) && error.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw error;
  }
  const runId = options.runId ?? /^runs:\/\/?([^/]+)/.exec(modelUri)?.[1];
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

/** Where `logModelToRun` writes: the run, its store and artifacts, how to open the logged model's files. */
export interface LogModelTarget {
  runId: string;
  store: TrackingStore;
  /** The run's artifact repository. */
  artifacts: ArtifactRepository;
  /** Opens the repository at an artifact URI (the logged model's artifact location). */
  openRepository(uri: string): Promise<ArtifactRepository>;
  registry?: RegistryStore;
}

/**
 * Logs a model as MLflow 3's `log_model`: creates a logged model in the run's experiment (named for the
 * artifact path, with the run's params), writes the model folder to its artifact location and, as before,
 * under the run's artifacts at `artifactPath`, logs the run's metrics at `options.step` against it, and
 * finalizes it READY (UPLOAD_FAILED if writing fails). With `registeredModelName` the version's source is
 * `models:/<model_id>`. A store without logged models gets the run-artifact model alone, as before.
 */
export async function logModelToRun(
  formats: ModelFormat,
  model: import('@flowline/model-format').CustomModelSpec | ModelToLog,
  artifactPath: string,
  target: LogModelTarget,
  options: LogModelOptions,
): Promise<ModelInfo> {
  const flavor =
    'onnx' in model || 'transformers' in model || 'onnxGenai' in model ? model : { custom: model };
  const log = (artifacts: ArtifactRepository, registry?: RegistryStore) =>
    formats.logModel({
      ...flavor,
      artifactPath,
      runId: target.runId,
      store: target.store,
      artifacts,
      signature: options.signature,
      inputExample: options.inputExample,
      metadata: options.metadata,
      registeredModelName: registry ? options.registeredModelName : undefined,
      registry,
    });
  const runModelUri = `runs:/${target.runId}/${artifactPath}`;
  const models = loggedModelStoreOf(target.store);
  if (!models) return { ...(await log(target.artifacts, target.registry)), runId: target.runId, runModelUri };
  const run = await target.store.getRun(target.runId);
  const created = await models.createLoggedModel({
    experimentId: run.info.experimentId,
    name: artifactPath,
    sourceRunId: target.runId,
    ...(options.modelType ? { modelType: options.modelType } : {}),
    params: { ...options.params, ...Object.fromEntries(run.data.params.map((p) => [p.key, p.value])) },
    tags: { ...contextTags(run), ...options.tags },
  });
  const { modelId } = created;
  let logged: LoggedModelFiles;
  try {
    const files = await target.openRepository(created.artifactLocation);
    logged = await log(alsoInto(target.artifacts, files, formats, modelId));
    await logRunMetricsAgainst(models, run, modelId, options.step ?? 0);
    await logRunOutput(target.store, target.runId, modelId, options.step ?? 0);
  } catch (error) {
    await models.finalizeLoggedModel(modelId, 'LOGGED_MODEL_UPLOAD_FAILED').catch(() => {});
    throw error;
  }
  await models.finalizeLoggedModel(modelId, 'LOGGED_MODEL_READY');
  const modelUri = `models:/${modelId}`;
  const registeredModelVersion =
    options.registeredModelName && target.registry
      ? await registerModelVersion(target.registry, modelUri, options.registeredModelName, {
          runId: target.runId,
        })
      : undefined;
  return {
    modelUri,
    model: { ...logged.model, extra: { ...logged.model.extra, model_id: modelId } },
    ...(registeredModelVersion ? { registeredModelVersion } : {}),
    modelId,
    runId: target.runId,
    runModelUri,
  };
}

/** The run tags MLflow 3 resolves onto a new logged model: where it was logged from and by whom. */
function contextTags(run: Run): Record<string, string> {
  const keys: string[] = [
    MlflowTags.user,
    MlflowTags.sourceName,
    MlflowTags.sourceType,
    MlflowTags.sourceGitCommit,
  ];
  return Object.fromEntries(run.data.tags.filter((t) => keys.includes(t.key)).map((t) => [t.key, t.value]));
}

/**
 * The run's artifact repository, except that the model folder it is given is also written to the logged
 * model's artifact location, with `model_id` in its MLmodel (as MLflow 3 writes it).
 */
function alsoInto(
  run: ArtifactRepository,
  files: ArtifactRepository,
  formats: ModelFormat,
  modelId: string,
): ArtifactRepository {
  return {
    uri: run.uri,
    logArtifact: (file, path, options) => run.logArtifact(file, path, options),
    async logArtifacts(dir, path, options) {
      const mlmodel = await formats.readMLmodel(dir);
      await formats.writeMLmodel(dir, { ...mlmodel, extra: { ...mlmodel.extra, model_id: modelId } });
      await files.logArtifacts(dir, undefined, options);
      await run.logArtifacts(dir, path, options);
    },
    writeArtifact: (path, source, options) => run.writeArtifact(path, source, options),
    listArtifacts: (path) => run.listArtifacts(path),
    downloadArtifacts: (path, destination, options) => run.downloadArtifacts(path, destination, options),
    openArtifact: (path) => run.openArtifact(path),
    deleteArtifacts: (path) => run.deleteArtifacts(path),
  };
}

/**
 * Records the model as an output of the run at `step` (MLflow 3's `log_outputs`), where the store records run
 * outputs; one that does not (`NOT_IMPLEMENTED`, or no `logOutputs`) leaves the model's `sourceRunId` as the link.
 */
async function logRunOutput(
  store: TrackingStore,
  runId: string,
  modelId: string,
  step: number,
): Promise<void> {
  const outputs = store as TrackingStore & {
    logOutputs?: (runId: string, models: { modelId: string; step?: number }[]) => Promise<void>;
  };
  if (typeof outputs.logOutputs !== 'function') return;
  try {
    await outputs.logOutputs(runId, [{ modelId, step }]);
  } catch (error) {
    if (!(isMlflowError(error) && error.errorCode === 'NOT_IMPLEMENTED')) throw error;
  }
}

/** MLflow 3's `log_model_metrics_for_step`: the run's metrics at `step` are logged against the new model too. */
async function logRunMetricsAgainst(
  models: LoggedModelStore,
  run: Run,
  modelId: string,
  step: number,
): Promise<void> {
  const metrics = run.data.metrics.filter((m) => m.step === step).map((m) => ({ ...m, modelId }));
  if (metrics.length > 0) await models.logLoggedModelMetrics(run.info.runId, metrics);
}
