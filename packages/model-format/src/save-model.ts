import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MlflowError } from '@flowline/core';
import { defaultFlavors } from './builtin-flavors.js';
import type { FlavorRegistry } from './flavor.js';
import type { CustomModelSpec } from './flavors/custom-js/index.js';
import type { OnnxModelSpec } from './flavors/onnx/index.js';
import type { OnnxGenaiModelSpec } from './flavors/onnx-genai/index.js';
import type { TransformersModelSpec } from './flavors/transformers/index.js';
import { exampleSchema, isLlmTask, saveInputExample } from './input-example.js';
import { createMLModel, type MLModel, writeMLmodel } from './mlmodel.js';
import { inferParams } from './signature/infer.js';
import type { ModelSignature } from './signature/types.js';

/** What `saveModel` writes: one model, named by `flavor` + `model`, or by a built-in flavor's shorthand. */
export interface SaveModelOptions {
  /** The model folder to create (must not exist or be empty). */
  path: string;
  /** The flavor to save with, by its registered name (`onnx`, `custom_js`, or one you registered). */
  flavor?: string;
  /** What that flavor saves: its spec. */
  model?: unknown;
  /** Shorthand for `flavor: 'custom_js'`: a custom JS model (the counterpart of MLflow's `PythonModel`). */
  custom?: CustomModelSpec;
  /** Shorthand for `flavor: 'onnx'`: an ONNX model (bytes or a file). */
  onnx?: OnnxModelSpec;
  /** Shorthand for `flavor: 'transformers'`: a transformers.js pipeline folder and its task. */
  transformers?: TransformersModelSpec;
  /** Shorthand for `flavor: 'onnx_genai'`: an ONNX Runtime GenAI model folder (a chat model, `llm/v1/chat`). */
  onnxGenai?: OnnxGenaiModelSpec;
  /** The flavors to save with (default: `defaultFlavors()`). */
  flavors?: FlavorRegistry;
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

/** The flavor name and spec the options ask for; exactly one model must be named. */
function chosen(options: SaveModelOptions, flavors: FlavorRegistry): { name: string; spec: unknown } {
  const named = options as unknown as Record<string, unknown>;
  const shorthands = flavors.shorthands();
  const asked = Object.entries(shorthands)
    .filter(([key]) => named[key] !== undefined)
    .map(([key, name]) => ({ name, spec: named[key] }));
  if (options.flavor !== undefined) asked.push({ name: options.flavor, spec: options.model });
  if (asked.length !== 1)
    throw MlflowError.invalidParameterValue(
      `saveModel needs exactly one model to save: flavor: '<name>' with model: {…}, or one of ${Object.keys(
        shorthands,
      )
        .map((key) => `${key}: {…}`)
        .join(', ')}.`,
    );
  return asked[0]!;
}

/**
 * Writes a model folder: the flavor's payload (through the flavor registry's `save`), the input example,
 * and an MLmodel MLflow can read.
 */
export async function saveModel(options: SaveModelOptions): Promise<MLModel> {
  const flavors = options.flavors ?? defaultFlavors();
  const { name, spec } = chosen(options, flavors);
  const flavor = await flavors.get(name);
  const existing = await readdir(options.path).catch(() => null);
  if (existing && existing.length > 0) {
    throw MlflowError.resourceAlreadyExists(
      `Path '${options.path}' already exists and is not empty; choose a new folder for the model.`,
    );
  }
  await mkdir(options.path, { recursive: true });
  const saved = await flavor.save(options.path, spec);
  const metadata = saved.metadata ? { ...saved.metadata, ...options.metadata } : options.metadata;
  const flavorSignature = saved.signature;
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
    flavors: saved.flavors,
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
