import { cp, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { MlflowError } from '@flowline/core';
import type { Flavor, Predictor } from './flavor.js';
import { CHAT_SIGNATURE, type ChatMessage, type Generated, LLM_TEXT_TASKS, llmPredictor } from './llm.js';
import { readMLmodel } from './mlmodel.js';
import type { ModelSignature, ParamSpec, ScalarType } from './signature/types.js';

type Genai = typeof import('@flowline/onnx-genai');
type GenaiModel = import('@flowline/onnx-genai').Model;
type GenaiTokenizer = import('@flowline/onnx-genai').Tokenizer;
type GenaiParams = import('@flowline/onnx-genai').GeneratorParams;
type Json = Record<string, unknown>;

/**
 * The flavor name of ONNX Runtime GenAI model folders. MLflow has no such flavor; the name follows
 * MLflow's (a snake_case module name, as `sentence_transformers`) and stays clear of `onnx`, whose
 * loaders expect one `model.onnx`.
 */
export const ONNX_GENAI_FLAVOR = 'onnx_genai';

/** The folder inside the model that holds the ONNX Runtime GenAI files (the flavor's `data`). */
const MODEL_DATA = 'model';

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

function invalid(message: string, cause?: unknown): MlflowError {
  return MlflowError.invalidParameterValue(message, cause === undefined ? undefined : { cause });
}

/** Imports `@flowline/onnx-genai` on first use, so the package (and onnxruntime-node) loads only when needed. */
export async function importOnnxGenai(): Promise<Genai> {
  try {
    return await import('@flowline/onnx-genai');
  } catch (cause) {
    throw invalid('ONNX Runtime GenAI models need the @flowline/onnx-genai package; install it.', cause);
  }
}

/** Errors of a model folder or option that onnx-genai refused (its GenaiError codes), as MLflow's. */
function asMlflowError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'INVALID_CONFIG' || code === 'INVALID_ARGUMENT')
    return invalid((error as Error).message, error);
  return error;
}

/** Copies the model folder in; returns the flavor config, MLmodel metadata (`llm/v1/chat`) and signature. */
export async function saveOnnxGenaiModel(
  path: string,
  spec: OnnxGenaiModelSpec,
): Promise<{ flavors: Record<string, Json>; metadata: Json; signature: ModelSignature }> {
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

type GenaiGenerator = import('@flowline/onnx-genai').Generator;

/** How one answer is streamed: text pieces to `onText`; it ends at eos, `maxNewTokens`, or when `signal` aborts. */
export interface AnswerOptions {
  onText?: (text: string) => void;
  /** Called after each generated token with the count so far (progress bars). */
  onToken?: (count: number) => void;
  signal?: AbortSignal;
  maxNewTokens?: number;
}

/** One generation of `promptIds`: each new piece of text goes to `onText` as its token arrives. */
export async function generateText(
  session: OnnxGenaiSession,
  params: GenaiParams,
  promptIds: number[],
  onText?: ((text: string) => void) | AnswerOptions,
  signal?: AbortSignal,
): Promise<Generated & { ids: number[] }> {
  const { Generator } = await importOnnxGenai();
  const generator = new Generator(session.model, params);
  generator.appendTokens(promptIds);
  const options = typeof onText === 'object' ? onText : { onText, signal };
  return answer(session, generator, promptIds.length, options);
}

/**
 * The next answer of a conversation on a generator that keeps its KV cache between turns (ONNX Runtime
 * GenAI's continuous decoding): `promptIds` is the whole conversation so far; the generator goes back to
 * the longest prefix it already holds and runs only the rest, so each turn costs its new tokens, not
 * the whole history again.
 */
export async function continueText(
  session: OnnxGenaiSession,
  generator: GenaiGenerator,
  promptIds: number[],
  options: AnswerOptions = {},
): Promise<Generated & { ids: number[]; reusedTokens: number }> {
  const held = generator.getSequences()[0] ?? [];
  let common = 0;
  while (common < held.length && common < promptIds.length && held[common] === promptIds[common]) common++;
  // The last prompt token is always fed again, so its logits start the answer.
  common = Math.min(common, promptIds.length - 1);
  if (common < held.length) generator.rewindTo(common);
  try {
    generator.appendTokens(promptIds.slice(common));
  } catch (error) {
    throw invalid(
      `The conversation is ${promptIds.length} tokens, past this chat's max_length; start a new chat or raise max_length.`,
      error,
    );
  }
  const result = await answer(session, generator, promptIds.length, options);
  return { ...result, reusedTokens: common };
}

/** Runs `generator` (holding the prompt) to the end of one answer, streaming its text. */
async function answer(
  { model, tokenizer }: OnnxGenaiSession,
  generator: GenaiGenerator,
  promptTokens: number,
  { onText, onToken, signal, maxNewTokens = Number.POSITIVE_INFINITY }: AnswerOptions,
): Promise<Generated & { ids: number[] }> {
  const eos = new Set(model.config.model.eos_token_id);
  const stream = tokenizer.createStream();
  const ids: number[] = [];
  let text = '';
  let stopped = false;
  const emit = (piece: string) => {
    text += piece;
    if (piece) onText?.(piece);
  };
  while (!generator.isDone() && ids.length < maxNewTokens) {
    await generator.generateNextToken();
    const token = generator.getNextTokens()[0]!;
    ids.push(token);
    onToken?.(ids.length);
    if (eos.has(token)) {
      stopped = true;
      break;
    }
    emit(stream.decode(token));
    // A stop sequence was seen (see llm.ts): end here, as an eos would.
    if (signal?.aborted) {
      stopped = true;
      break;
    }
  }
  // The stream holds back an unfinished multi-byte character; whatever the whole decode adds is the rest.
  const full = tokenizer.decode(ids.filter((id) => !eos.has(id)));
  if (full.length > text.length && full.startsWith(text)) emit(full.slice(text.length));
  return {
    text,
    ids,
    promptTokens,
    completionTokens: ids.length,
    finishReason: stopped ? 'stop' : 'length',
  };
}

/**
 * Flowline's default KV cache for served and CLI generation: growing, whatever genai_config says.
 * onnxruntime-node copies every fetched output back to JavaScript, so Phi-3's shared `max_length` buffer
 * (its config turns it on, at 4096) would cost a copy of the whole buffer per token. A `model_config`
 * with `past_present_share_buffer: true` still gets it.
 */
export const GROWING_CACHE: Readonly<Record<string, boolean>> = { past_present_share_buffer: false };

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
 * Loads ONNX Runtime GenAI models saved with `saveModel({ onnxGenai })` (through `@flowline/onnx-genai`,
 * imported on first load). They answer MLflow's `llm/v1/chat`: the messages go through the tokenizer's
 * chat template, search options come from the genai_config, then `model_config`, then params, then the
 * request (`max_tokens` new tokens at most, `temperature` 0 greedy and above 0 sampled, `top_p`, `top_k`).
 */
export const onnxGenaiFlavor: Flavor = {
  name: ONNX_GENAI_FLAVOR,
  async load(dir, config): Promise<Predictor> {
    const folder = join(dir, String(config.data ?? MODEL_DATA));
    const providers = config.providers as string[] | undefined;
    // A provider this machine cannot start falls back to CPU, as the onnx flavor does.
    const session = await loadOnnxGenai(folder, providers).catch((error: unknown) =>
      providers ? loadOnnxGenai(folder, ['cpu']) : Promise.reject(error),
    );
    const { GeneratorParams, SEARCH_DEFAULTS } = await importOnnxGenai();
    const { model, tokenizer } = session;
    const defaults: Json = { ...(config.model_config as Json | undefined) };
    return llmPredictor(LLM_TEXT_TASKS['llm/v1/chat'], (prompt, request, params) => {
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
      const context = model.config.model.context_length;
      const maxLength =
        maxTokens === undefined
          ? Number(search.max_length ?? context)
          : Math.min(ids.length + maxTokens, context);
      if (ids.length >= maxLength)
        throw invalid(
          `The prompt is ${ids.length} tokens, which leaves no room under max_length ${maxLength} (prompt plus answer, ` +
            `at most the context length ${context}); send fewer messages or raise max_length.`,
        );
      const generatorParams = new GeneratorParams(model);
      try {
        generatorParams.setSearchOptions({ ...search, max_length: maxLength });
      } catch (error) {
        throw invalid(`Invalid generation options: ${(error as Error).message}`, error);
      }
      return (onText, signal) => generateText(session, generatorParams, ids, onText, signal);
    });
  },
};
