import { join } from 'node:path';
import { importOptional } from '@flowline/core';

/** The folder inside the model that holds the pipeline's files (MLflow's `model_binary`). */
export const MODEL_BINARY = 'model';

/** transformers.js, imported on first use with an error naming the package to install. */
export function importTransformers(): Promise<typeof import('@huggingface/transformers')> {
  return importOptional(
    '@huggingface/transformers',
    'for transformers models',
    () => import('@huggingface/transformers'),
  );
}

/** A loaded pipeline and the transformers.js module it came from (its `TextStreamer`). */
export interface LoadedPipeline {
  pipeline: unknown;
  transformers: typeof import('@huggingface/transformers');
  /** Frees the pipeline's ONNX sessions. */
  dispose(): Promise<void>;
}

/**
 * Loads the model's pipeline as the flavor runs it, on the main thread or in the generation worker alike:
 * from the model folder only (remote models switched off), with the saved dtype, onnxruntime-node on CPU.
 */
export async function loadPipeline(dir: string, config: Record<string, unknown>): Promise<LoadedPipeline> {
  const transformers = await importTransformers();
  transformers.env.allowRemoteModels = false;
  const folder = join(dir, String(config.model_binary ?? MODEL_BINARY));
  const loaded = await transformers.pipeline(String(config.task) as 'feature-extraction', folder, {
    dtype: String(config.dtype ?? 'fp32') as 'fp32',
    device: 'cpu',
  });
  return { pipeline: loaded, transformers, dispose: () => loaded.dispose() };
}
