import { cp, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { Flavor, Predictor, SavedFlavor } from '../../flavor.js';
import { CHAT_SIGNATURE, type ChatMessage, LLM_TEXT_TASKS, llmPredictor } from '../../llm.js';
import type { ParamSpec, ScalarType } from '../../signature/types.js';
import { checkSearch, engineMetrics, generateOnEngine, startOnnxGenaiEngine } from './engine-session.js';
import { GROWING_CACHE } from './generate.js';
import { asMlflowError, importOnnxGenai, invalid, MODEL_DATA, ONNX_GENAI_FLAVOR } from './session.js';

type Json = Record<string, unknown>;

/** ONNX Runtime GenAI search options a model config and per-request params may set, with MLflow param types. */
export const ONNX_GENAI_SEARCH_PARAMS: ReadonlyArray<readonly [string, ScalarType]> = [
  ['max_length', 'long'],
  ['min_length', 'long'],
  ['do_sample', 'boolean'],
  ['top_k', 'long'],
  ['top_p', 'double'],
  ['temperature', 'double'],
  ['repetition_penalty', 'double'],
  ['random_seed', 'long'],
];

/** How to save an ONNX Runtime GenAI model folder. */
export interface OnnxGenaiModelSpec {
  /** A folder exported for ONNX Runtime GenAI: genai_config.json, the decoder .onnx (+ .data), tokenizer files. */
  source: string;
  /** Default search options (`max_length`, `temperature`, `do_sample`, …), overridable per request by params. */
  modelConfig?: Record<string, number | boolean>;
  /** Execution providers to prefer (`cuda`, `CUDAExecutionProvider`, …); the config's own otherwise. */
  providers?: string[];
}

/** Copies the model folder in; returns the flavor config, MLmodel metadata (`llm/v1/chat`) and signature. */
async function saveOnnxGenaiModel(path: string, spec: OnnxGenaiModelSpec): Promise<SavedFlavor> {
  const source = resolve(spec.source);
  const genai = await importOnnxGenai();
  const config = await genai.readGenaiConfig(source).catch((error: unknown) => {
    throw asMlflowError(error);
  });
  const tokenizerDir = join(source, config.model.tokenizer_dir ?? '');
  if (!(await stat(join(tokenizerDir, 'tokenizer.json')).catch(() => null)))
    throw invalid(`${tokenizerDir} has no tokenizer.json; an ONNX Runtime GenAI folder needs its tokenizer.`);
  const modelConfig = spec.modelConfig ?? {};
  const unknown = Object.keys(modelConfig).filter((k) => !ONNX_GENAI_SEARCH_PARAMS.some(([n]) => n === k));
  if (unknown.length > 0)
    throw invalid(
      `Unknown search options ${unknown.join(', ')} in modelConfig; use ${ONNX_GENAI_SEARCH_PARAMS.map(([n]) => n).join(', ')}.`,
    );
  try {
    genai.validateSearch({ ...config.search, ...modelConfig }, config.model.context_length);
  } catch (error) {
    throw invalid(`modelConfig: ${(error as Error).message}`, error);
  }
  await cp(source, join(path, MODEL_DATA), { recursive: true });
  const defaults: Json = { ...config.search, ...modelConfig };
  const params: ParamSpec[] = ONNX_GENAI_SEARCH_PARAMS.map(([name, type]) => ({
    name,
    type,
    default: defaults[name],
    shape: null,
  }));
  const entry = createRequire(import.meta.url).resolve('@flowline/onnx-genai');
  const { version } = JSON.parse(await readFile(join(dirname(entry), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return {
    flavors: {
      [ONNX_GENAI_FLAVOR]: {
        data: MODEL_DATA,
        model_type: config.model.type,
        context_length: config.model.context_length,
        onnx_genai_version: version,
        code: null,
        ...(spec.providers ? { providers: spec.providers } : {}),
        ...(spec.modelConfig ? { model_config: spec.modelConfig } : {}),
      },
    },
    metadata: { task: 'llm/v1/chat' },
    signature: { ...CHAT_SIGNATURE, params },
  };
}

/** OpenAI request fields as search options: `max_tokens` new tokens, temperature 0 greedy, else sampled. */
function requestOptions(request: Json): { search: Json; maxTokens?: number } {
  const search: Json = {};
  const number = (key: string, min: number, max: number, integer = false) => {
    const value = request[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || value < min || value > max || (integer && !Number.isInteger(value)))
      throw invalid(
        `'${key}' must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}; got ${JSON.stringify(value)}.`,
      );
    return value;
  };
  const maxTokens = number('max_tokens', 1, Number.MAX_SAFE_INTEGER, true);
  const temperature = number('temperature', 0, 2);
  if (temperature === 0) search.do_sample = false;
  else if (temperature !== undefined) Object.assign(search, { do_sample: true, temperature });
  const topP = number('top_p', 0, 1);
  if (topP !== undefined) search.top_p = topP;
  const topK = number('top_k', 0, Number.MAX_SAFE_INTEGER, true);
  if (topK !== undefined) search.top_k = topK;
  return maxTokens === undefined ? { search } : { search, maxTokens };
}

/**
 * ONNX Runtime GenAI chat models: `save` copies the exported folder in (`saveModel({ onnxGenai })`), and
 * `load` runs it through `@flowline/onnx-genai` (imported on first use); `close` frees the model. They answer MLflow's `llm/v1/chat`: the messages go through the tokenizer's
 * chat template, search options come from the genai_config, then `model_config`, then params, then the
 * request (`max_tokens` new tokens at most, `temperature` 0 greedy and above 0 sampled, `top_p`, `top_k`).
 */
export const flavor: Flavor<OnnxGenaiModelSpec> = {
  name: ONNX_GENAI_FLAVOR,
  save: saveOnnxGenaiModel,
  async load(dir, config): Promise<Predictor> {
    const folder = join(dir, String(config.data ?? MODEL_DATA));
    const providers = config.providers as string[] | undefined;
    const served = await startOnnxGenaiEngine(folder, providers);
    const { SEARCH_DEFAULTS, validateSearch } = await importOnnxGenai();
    const { tokenizer, config: genai } = served;
    const defaults: Json = { ...(config.model_config as Json | undefined) };
    const predictor = llmPredictor(LLM_TEXT_TASKS['llm/v1/chat'], (prompt, request, params) => {
      let ids: number[];
      try {
        ids = tokenizer.encode(tokenizer.applyChatTemplate(prompt as ChatMessage[]));
      } catch (error) {
        throw invalid(`The model's chat template refused these messages: ${(error as Error).message}`, error);
      }
      const { search: fromRequest, maxTokens } = requestOptions(request);
      const search: Json = { ...GROWING_CACHE, ...defaults, ...params, ...fromRequest };
      // An OpenAI temperature above 0 asks for sampling; top_k 1 (Phi-3's genai_config) would keep it
      // greedy, so such a request without its own top_k samples from ONNX Runtime GenAI's default top_k.
      if (fromRequest.do_sample === true && fromRequest.top_k === undefined && Number(search.top_k) === 1)
        search.top_k = SEARCH_DEFAULTS.top_k;
      const context = genai.model.context_length;
      const maxLength =
        maxTokens === undefined
          ? Number(search.max_length ?? context)
          : Math.min(ids.length + maxTokens, context);
      if (ids.length >= maxLength)
        throw invalid(
          `The prompt is ${ids.length} tokens, which leaves no room under max_length ${maxLength} (prompt plus answer, ` +
            `at most the context length ${context}); send fewer messages or raise max_length.`,
        );
      const options: Json = { ...search, max_length: maxLength };
      // A default min_length (model_config, params) gives way to a request asking for fewer tokens.
      if (Number(options.min_length ?? 0) > maxLength) options.min_length = maxLength;
      checkSearch(validateSearch, genai, options);
      return (onText, signal) => generateOnEngine(served, options, ids, onText, signal);
    });
    return { ...predictor, metrics: () => engineMetrics(served.engine), close: () => served.engine.close() };
  },
};
