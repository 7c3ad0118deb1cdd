import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ArtifactRepository,
  isMlflowError,
  MlflowError,
  MlflowTags,
  type ModelVersion,
  type RegistryStore,
  resolveModelsUri,
  type TrackingStore,
} from '@flowline/core';
import { CUSTOM_JS_FLAVOR, type CustomModelSpec, customJsFlavor, saveCustomModel } from './custom-js.js';
import { FlavorRegistry, type Predictor } from './flavor.js';
import { exampleSchema, isLlmTask, saveInputExample } from './input-example.js';
import { createMLModel, type MLModel, readMLmodel, writeMLmodel } from './mlmodel.js';
import { type OnnxModelSpec, onnxFlavor, saveOnnxModel } from './onnx.js';
import { type OnnxGenaiModelSpec, onnxGenaiFlavor, saveOnnxGenaiModel } from './onnx-genai.js';
import { enforceInput, enforceParams } from './signature/enforce.js';
import { inferParams } from './signature/infer.js';
import type { ModelSignature } from './signature/types.js';
import { saveTransformersModel, type TransformersModelSpec, transformersFlavor } from './transformers.js';

/** The flavors Flowline loads out of the box; register more on your own registry. */
export function defaultFlavors(): FlavorRegistry {
  return new FlavorRegistry()
    .register(customJsFlavor)
    .register(onnxFlavor)
    .register(transformersFlavor)
    .register(onnxGenaiFlavor);
}

/** What `saveModel` writes. */
export interface SaveModelOptions {
  /** The model folder to create (must not exist or be empty). */
  path: string;
  /** A custom JS model (the counterpart of MLflow's `PythonModel`). */
  custom?: CustomModelSpec;
  /** An ONNX model (bytes or a file). */
  onnx?: OnnxModelSpec;
  /** A transformers.js pipeline folder and its task. */
  transformers?: TransformersModelSpec;
  /** An ONNX Runtime GenAI model folder (a chat model, `llm/v1/chat`). */
  onnxGenai?: OnnxGenaiModelSpec;
  signature?: ModelSignature;
  /**
   * An example input, saved with the model as MLflow saves it (`input_example.json` and the
   * `/invocations` body `serving_input_example.json`); the input schema is inferred from it when neither
   * a signature nor the flavor gives one.
   */
  inputExample?: unknown;
  /** Params that go with the example (the second item of MLflow's `(input, params)` example tuple). */
  inputExampleParams?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  artifactPath?: string;
  runId?: string;
}

async function folderSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? await folderSize(path) : (await stat(path)).size;
  }
  return total;
}

/** Writes a model folder: the flavor payload, input example, and an MLmodel MLflow can read. */
export async function saveModel(options: SaveModelOptions): Promise<MLModel> {
  if ([options.custom, options.onnx, options.transformers, options.onnxGenai].filter(Boolean).length !== 1)
    throw MlflowError.invalidParameterValue(
      'saveModel needs exactly one model to save: custom: { code, … }, onnx: { model, … }, transformers: { source, task } or onnxGenai: { source }.',
    );
  const existing = await readdir(options.path).catch(() => null);
  if (existing && existing.length > 0) {
    throw MlflowError.resourceAlreadyExists(
      `Path '${options.path}' already exists and is not empty; choose a new folder for the model.`,
    );
  }
  await mkdir(options.path, { recursive: true });
  let flavors: MLModel['flavors'];
  let metadata = options.metadata;
  let flavorSignature: ModelSignature | undefined;
  if (options.custom) flavors = { [CUSTOM_JS_FLAVOR]: await saveCustomModel(options.path, options.custom) };
  else if (options.onnx) flavors = await saveOnnxModel(options.path, options.onnx);
  else {
    const saved = options.onnxGenai
      ? await saveOnnxGenaiModel(options.path, options.onnxGenai)
      : await saveTransformersModel(options.path, options.transformers as TransformersModelSpec);
    flavors = saved.flavors;
    if (saved.metadata) metadata = { ...saved.metadata, ...options.metadata };
    flavorSignature = saved.signature;
  }
  const example = options.inputExample;
  const exampleParams = options.inputExampleParams;
  // LLM models keep their example as given (MLflow's `example_no_conversion`), a request being one row.
  const llm = isLlmTask(metadata);
  // The flavor's own schema wins over one inferred from the example (a chat model keeps MLflow's).
  const inputs = flavorSignature?.inputs ?? (example === undefined ? undefined : exampleSchema(example, llm));
  const info =
    example === undefined
      ? undefined
      : await saveInputExample(options.path, example, { params: exampleParams, llm });
  const params = flavorSignature?.params ?? (exampleParams ? inferParams(exampleParams) : undefined);
  const signature =
    options.signature ??
    (inputs || params || flavorSignature
      ? { ...flavorSignature, ...(inputs ? { inputs } : {}), ...(params ? { params } : {}) }
      : undefined);
  const model = createMLModel({
    flavors,
    ...(options.artifactPath ? { artifactPath: options.artifactPath } : {}),
    ...(options.runId ? { runId: options.runId } : {}),
    ...(signature ? { signature } : {}),
    ...(info ? { savedInputExampleInfo: info } : {}),
    ...(metadata ? { metadata } : {}),
  });
  model.modelSizeBytes = await folderSize(options.path);
  await writeMLmodel(options.path, model);
  return model;
}

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

/** A loaded model: MLflow's pyfunc for Node. */
export interface LoadedModel {
  metadata: MLModel;
  /** The local folder it was loaded from. */
  path: string;
  /** Predicts, after checking and converting the input against the signature (when there is one). */
  predict(input: unknown, params?: Record<string, unknown>): Promise<unknown>;
  /** Streams the prediction in pieces; present only when the model's flavor can stream. */
  predictStream?(input: unknown, params?: Record<string, unknown>): AsyncIterable<unknown>;
}

/** How `loadModel` reaches remote models. */
export interface LoadModelContext {
  /** Opens an artifact repository for a URI (s3://, mlflow-artifacts:, a run's artifact URI, …). */
  openRepository?: (uri: string) => Promise<ArtifactRepository>;
  store?: TrackingStore;
  registry?: RegistryStore;
  flavors?: FlavorRegistry;
}

async function localCopy(
  uri: string,
  context: LoadModelContext,
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const local = uri.startsWith('file://')
    ? new URL(uri).pathname
    : /^[a-z][a-z0-9+.-]*:/i.test(uri)
      ? null
      : uri;
  if (local && (await stat(local).catch(() => null))?.isDirectory())
    return { dir: local, cleanup: async () => {} };
  let target = uri;
  if (uri.startsWith('models:')) {
    if (!context.registry)
      throw MlflowError.invalidParameterValue(`Loading '${uri}' needs a model registry.`);
    const { version, path } = await resolveModelsUri(uri, context.registry);
    target = path ? `${version.source.replace(/\/+$/, '')}/${path}` : version.source;
    return localCopy(target, context);
  }
  if (uri.startsWith('runs:')) {
    if (!context.store) throw MlflowError.invalidParameterValue(`Loading '${uri}' needs a tracking store.`);
    const match = /^runs:\/\/?([^/]+)\/?(.*)$/.exec(uri);
    const run = await context.store.getRun(match?.[1] ?? '');
    target = match?.[2] ? `${run.info.artifactUri.replace(/\/+$/, '')}/${match[2]}` : run.info.artifactUri;
  }
  if (!context.openRepository)
    throw MlflowError.invalidParameterValue(`Loading '${uri}' needs a way to open artifact repositories.`);
  const repository = await context.openRepository(target);
  const staging = await mkdtemp(join(tmpdir(), 'flowline-load-'));
  const dir = await repository.downloadArtifacts('', join(staging, 'model'));
  return { dir, cleanup: () => rm(staging, { recursive: true, force: true }) };
}

/**
 * A local folder holding the model at `uri` (a folder, `runs:/`, `models:/` or an artifact URI, as
 * `loadModel` takes), downloaded when remote; `cleanup` removes a downloaded copy.
 */
export async function localModelFolder(
  uri: string,
  context: LoadModelContext = {},
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  return localCopy(uri, context);
}

/**
 * Loads a model from a folder or any model URI (`runs:/`, `models:/<name>/<version|stage|latest>`,
 * `models:/<name>@<alias>`, or an artifact URI) and returns `{ predict, metadata }`.
 */
export async function loadModel(uri: string, context: LoadModelContext = {}): Promise<LoadedModel> {
  const { dir } = await localCopy(uri, context);
  const metadata = await readMLmodel(dir);
  const { flavor, config } = (context.flavors ?? defaultFlavors()).pick(metadata);
  const predictor: Predictor = await flavor.load(dir, config, metadata);
  const inputs = metadata.signature?.inputs;
  // An llm/v1 request ({messages: […], …}) is one row, even when all its values are lists.
  const request = isLlmTask(metadata.metadata);
  const prepare = (input: unknown, params?: Record<string, unknown>) =>
    [
      inputs ? enforceInput(input, inputs, { request }) : input,
      enforceParams(params, metadata.signature?.params),
    ] as const;
  const loaded: LoadedModel = {
    metadata,
    path: dir,
    predict: async (input, params) => predictor.predict(...prepare(input, params)),
  };
  const stream = predictor.predictStream?.bind(predictor);
  if (stream) loaded.predictStream = (input, params) => stream(...prepare(input, params));
  return loaded;
}
