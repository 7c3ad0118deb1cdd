import { defaultFlavors } from './builtin-flavors.js';
import type { ModelMetric, Predictor } from './flavor.js';
import { isLlmTask } from './input-example.js';
import type { MLModel } from './mlmodel.js';
import { readMLmodel } from './mlmodel.js';
import { type LoadModelContext, openModelFolder } from './model-folder.js';
import { enforceInput, enforceParams } from './signature/enforce.js';

/**
 * A loaded model: MLflow's pyfunc for Node. Its `predict` and `predictStream` are the flavor's, after
 * checking and converting the input against the signature (when there is one; a model that
 * `readsRequest` reads its own). An aborted `options.signal` stops a generating model, and the
 * prediction rejects with its reason. `predictStream` is present only when the flavor can stream.
 */
export interface LoadedModel extends Pick<Predictor, 'predict' | 'predictStream'> {
  metadata: MLModel;
  /** The local folder it was loaded from (a temporary copy for remote models, removed by `close`). */
  path: string;
  /** True when the model reads OpenAI-style requests itself, so a request read by `readLlmRequest` can be passed as is. */
  readsRequest: boolean;
  /** The flavor's own counters and gauges (an LLM engine's steps, running rows); none for most flavors. */
  metrics(): ModelMetric[];
  /** Releases the flavor's sessions and removes the downloaded copy; later calls do nothing. */
  close(): Promise<void>;
}

/**
 * Loads a model from a folder or any model URI (`runs:/`, `models:/<name>/<version|stage|latest>`,
 * `models:/<name>@<alias>`, or an artifact URI) and returns `{ predict, metadata, close }`. A remote model
 * is downloaded to a temporary folder that `close()` removes; whoever loads it closes it.
 */
export async function loadModel(uri: string, context: LoadModelContext = {}): Promise<LoadedModel> {
  const folder = await openModelFolder(uri, context);
  try {
    const metadata = await readMLmodel(folder.dir);
    const { flavor, config } = await (context.flavors ?? defaultFlavors()).pick(metadata);
    const predictor = await flavor.load(folder.dir, config, metadata);
    const inputs = metadata.signature?.inputs;
    // An llm/v1 request ({messages: […], …}) is one row, even when all its values are lists.
    const request = isLlmTask(metadata.metadata);
    const prepare = (input: unknown, params?: Record<string, unknown>) =>
      [
        inputs && !predictor.readsRequest ? enforceInput(input, inputs, { request }) : input,
        enforceParams(params, metadata.signature?.params),
      ] as const;
    let closing: Promise<void> | undefined;
    const loaded: LoadedModel = {
      metadata,
      path: folder.dir,
      readsRequest: predictor.readsRequest === true,
      metrics: () => predictor.metrics?.() ?? [],
      predict: async (input, params, options) => predictor.predict(...prepare(input, params), options),
      close: () => {
        closing ??= (async () => {
          try {
            await predictor.close?.();
          } finally {
            await folder.close();
          }
        })();
        return closing;
      },
    };
    const stream = predictor.predictStream?.bind(predictor);
    if (stream) loaded.predictStream = (input, params, options) => stream(...prepare(input, params), options);
    return loaded;
  } catch (error) {
    await folder.close();
    throw error;
  }
}
