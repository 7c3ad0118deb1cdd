import { cp, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MlflowError } from '@flowline/core';
import type { Flavor, Predictor, SavedFlavor } from '../../flavor.js';
import { CHAT_SIGNATURE } from '../../llm.js';
import { importTransformers, loadPipeline, MODEL_BINARY } from './load-pipeline.js';
import { GENERATION_PARAMS, textGenerationPredictor, textList } from './text-generation.js';
import { WorkerGenerator } from './worker-generator.js';

/** The flavor name of transformers.js pipelines (MLflow's `transformers` flavor, for Node). */
export const TRANSFORMERS_FLAVOR = 'transformers';

/** Pipeline tasks this flavor saves and loads. */
export const TRANSFORMERS_TASKS = ['feature-extraction', 'text-generation'] as const;
export type TransformersTask = (typeof TRANSFORMERS_TASKS)[number];

/** How to save a transformers.js pipeline: its local folder and task. */
export interface TransformersModelSpec {
  /** A local transformers.js model folder: config.json, tokenizer files, onnx/model*.onnx. */
  source: string;
  task: TransformersTask;
  /**
   * MLflow's `llm/v1/*` task: the model then takes and returns MLflow's OpenAI-style schema
   * (`llm/v1/embeddings` for feature-extraction; `llm/v1/chat` or `llm/v1/completions` for text-generation).
   */
  inferenceTask?: 'llm/v1/embeddings' | 'llm/v1/chat' | 'llm/v1/completions';
  /**
   * Default pipeline options, overridable by params: `{ pooling, normalize }` for feature-extraction;
   * `{ max_new_tokens, temperature, do_sample, top_k, top_p, repetition_penalty }` for text-generation.
   */
  modelConfig?: Record<string, unknown>;
  /** The ONNX weights' dtype suffix to load (`fp32` by default; `q8`, `q4`, `fp16`, …). */
  dtype?: string;
}

/** Copies the pipeline folder into the model and returns its flavor config and MLmodel metadata. */
async function saveTransformersModel(path: string, spec: TransformersModelSpec): Promise<SavedFlavor> {
  if (!TRANSFORMERS_TASKS.includes(spec.task))
    throw MlflowError.invalidParameterValue(
      `The transformers flavor saves tasks ${TRANSFORMERS_TASKS.join(', ')}; got '${spec.task}'.`,
    );
  const fits =
    spec.task === 'feature-extraction' ? ['llm/v1/embeddings'] : ['llm/v1/chat', 'llm/v1/completions'];
  if (spec.inferenceTask && !fits.includes(spec.inferenceTask))
    throw MlflowError.invalidParameterValue(
      `A ${spec.task} pipeline can be saved as ${fits.join(' or ')}, not '${spec.inferenceTask}'.`,
    );
  const source = resolve(spec.source);
  const config = await readFile(join(source, 'config.json'), 'utf8').catch(() => null);
  if (config === null)
    throw MlflowError.invalidParameterValue(
      `${source} is not a transformers.js model folder: it has no config.json.`,
    );
  if (!(await stat(join(source, 'tokenizer.json')).catch(() => null)))
    throw MlflowError.invalidParameterValue(
      `${source} has no tokenizer.json; save the tokenizer with the model.`,
    );
  await cp(source, join(path, MODEL_BINARY), { recursive: true });
  const modelType = (JSON.parse(config) as { model_type?: string }).model_type;
  const { version } = (await importTransformers()).env;
  return {
    flavors: {
      [TRANSFORMERS_FLAVOR]: {
        task: spec.task,
        ...(spec.inferenceTask ? { inference_task: spec.inferenceTask } : {}),
        instance_type:
          spec.task === 'feature-extraction' ? 'FeatureExtractionPipeline' : 'TextGenerationPipeline',
        pipeline_model_type: modelType ?? null,
        source_model_name: source,
        framework: 'onnx',
        components: ['tokenizer'],
        model_binary: MODEL_BINARY,
        dtype: spec.dtype ?? 'fp32',
        transformers_js_version: version,
        ...(spec.modelConfig ? { model_config: spec.modelConfig } : {}),
      },
    },
    ...(spec.inferenceTask ? { metadata: { task: spec.inferenceTask } } : {}),
    // The pipeline options a request may override, with the saved defaults (as MLflow infers them);
    // chat models also get MLflow's chat request and response schema.
    signature: {
      ...(spec.inferenceTask === 'llm/v1/chat' ? CHAT_SIGNATURE : {}),
      params:
        spec.task === 'feature-extraction'
          ? [
              { name: 'pooling', type: 'string', default: spec.modelConfig?.pooling ?? 'mean', shape: null },
              {
                name: 'normalize',
                type: 'boolean',
                default: spec.modelConfig?.normalize ?? true,
                shape: null,
              },
            ]
          : GENERATION_PARAMS.map(([name, type, fallback]) => ({
              name,
              type,
              default: spec.modelConfig?.[name] ?? fallback,
              shape: null,
            })),
    },
  };
}

type Pipeline = ((texts: string[], options: Record<string, unknown>) => Promise<{ tolist(): number[][] }>) & {
  tokenizer: (
    texts: string[],
    options: Record<string, unknown>,
  ) => { attention_mask: { tolist(): number[][] } };
};

/**
 * transformers.js pipelines: `save` copies a local pipeline folder in; `load` runs it from the model folder, offline (remote models are switched off), with
 * onnxruntime-node on CPU. `text-generation` is described at `textGenerationPredictor`; it runs on a
 * worker thread (`WorkerGenerator`), one generation at a time, and `close()` ends that worker. `feature-extraction` returns one vector per text (mean-pooled and normalized
 * unless `pooling` / `normalize` say otherwise); with `inference_task: llm/v1/embeddings` it takes
 * `{input}` and answers MLflow's embeddings response with `usage` token counts.
 */
export const flavor: Flavor<TransformersModelSpec> = {
  name: TRANSFORMERS_FLAVOR,
  save: saveTransformersModel,
  async load(dir, config): Promise<Predictor> {
    const task = config.task as string;
    if (!TRANSFORMERS_TASKS.includes(task as TransformersTask))
      throw MlflowError.invalidParameterValue(
        `This transformers model's task '${task}' cannot run in Flowline; supported: ${TRANSFORMERS_TASKS.join(', ')}.`,
      );
    if (task === 'text-generation') {
      // Generation runs on a worker thread that loads the same pipeline, so it never blocks this one.
      const worker = await WorkerGenerator.start(dir, config);
      return {
        ...textGenerationPredictor(
          (input, options, onText, signal) => worker.generate(input, options, onText, signal),
          config.inference_task as string | undefined,
          (config.model_config as Record<string, unknown>) ?? {},
        ),
        metrics: () => worker.metrics(),
        close: () => worker.close(),
      };
    }
    const loaded = await loadPipeline(dir, config);
    const close = loaded.dispose;
    const pipe = loaded.pipeline as Pipeline;
    const defaults = { pooling: 'mean', normalize: true, ...(config.model_config as object) };
    const embed = async (values: string[], params?: Record<string, unknown>) =>
      (await pipe(values, { ...defaults, ...params })).tolist();
    if (config.inference_task !== 'llm/v1/embeddings')
      return { predict: (input, params) => embed(textList(input, 'text'), params), close };
    return {
      close,
      async predict(input, params) {
        const request = (input ?? {}) as { input?: unknown };
        const values = textList(request.input, 'text');
        const vectors = await embed(values, params);
        const tokens = pipe
          .tokenizer(values, { padding: true })
          .attention_mask.tolist()
          .flat()
          .reduce((a, b) => a + Number(b), 0);
        return {
          object: 'list',
          data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
          usage: { prompt_tokens: tokens, total_tokens: tokens },
        };
      },
    };
  },
};
