import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { importOptional, MlflowError } from '@flowline/core';
import { readMLmodel } from '../../mlmodel.js';

type Genai = typeof import('@flowline/onnx-genai');
type GenaiModel = import('@flowline/onnx-genai').Model;
type GenaiTokenizer = import('@flowline/onnx-genai').Tokenizer;

/**
 * The flavor name of ONNX Runtime GenAI model folders. MLflow has no such flavor; the name follows
 * MLflow's (a snake_case module name, as `sentence_transformers`) and stays clear of `onnx`, whose
 * loaders expect one `model.onnx`.
 */
export const ONNX_GENAI_FLAVOR = 'onnx_genai';

/** The folder inside the model that holds the ONNX Runtime GenAI files (the flavor's `data`). */
export const MODEL_DATA = 'model';

/** An MLflow error for a bad ONNX Runtime GenAI folder, option or request. */
export function invalid(message: string, cause?: unknown): MlflowError {
  return MlflowError.invalidParameterValue(message, cause === undefined ? undefined : { cause });
}

/** Imports `@flowline/onnx-genai` on first use, so the package (and onnxruntime-node) loads only when needed. */
export async function importOnnxGenai(): Promise<Genai> {
  return importOptional(
    '@flowline/onnx-genai',
    'for ONNX Runtime GenAI models',
    () => import('@flowline/onnx-genai'),
  );
}

/** Errors of a model folder or option that onnx-genai refused (its GenaiError codes), as MLflow's. */
export function asMlflowError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'INVALID_CONFIG' || code === 'INVALID_ARGUMENT')
    return invalid((error as Error).message, error);
  return error;
}

/**
 * The ONNX Runtime GenAI folder of a local model folder: the flavor's data folder when `dir` holds an
 * MLmodel with the `onnx_genai` flavor, else `dir` itself (a folder exported for ONNX Runtime GenAI).
 */
export async function onnxGenaiFolder(dir: string): Promise<string> {
  if (!(await stat(join(dir, 'MLmodel')).catch(() => null))) return dir;
  const flavor = (await readMLmodel(dir)).flavors[ONNX_GENAI_FLAVOR];
  if (!flavor)
    throw invalid(
      `The model in ${dir} has no ${ONNX_GENAI_FLAVOR} flavor; it is not an ONNX Runtime GenAI model.`,
    );
  return join(dir, String(flavor.data ?? MODEL_DATA));
}

/** A loaded ONNX Runtime GenAI model and its tokenizer. */
export interface OnnxGenaiSession {
  model: GenaiModel;
  tokenizer: GenaiTokenizer;
}

/** Loads an ONNX Runtime GenAI folder and its tokenizer; folder and config problems are MLflow errors. */
export async function loadOnnxGenai(folder: string, providers?: string[]): Promise<OnnxGenaiSession> {
  const genai = await importOnnxGenai();
  try {
    const model = await genai.Model.load(folder, providers ? { providers } : {});
    const tokenizer = await genai.Tokenizer.fromFolder(join(folder, model.config.model.tokenizer_dir ?? ''));
    return { model, tokenizer };
  } catch (error) {
    throw asMlflowError(error);
  }
}

/** `loadOnnxGenai` on the given providers, falling back to CPU when this machine cannot start them (as the onnx flavor does). */
export function loadOnnxGenaiOrCpu(folder: string, providers?: string[]): Promise<OnnxGenaiSession> {
  return loadOnnxGenai(folder, providers).catch((error: unknown) =>
    providers ? loadOnnxGenai(folder, ['cpu']) : Promise.reject(error),
  );
}
