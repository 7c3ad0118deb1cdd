import { cp, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { Flavor, Predictor, SavedFlavor } from '../../flavor.js';
import { CHAT_SIGNATURE } from '../../llm.js';
import { generatingPredictor } from '../../llm-predictor.js';
import { type LlmRequest, requestError } from '../../llm-request.js';
import {
  type GenerateFrom,
  generateWithTools,
  planTools,
  type RenderChat,
  type ToolCallFormat,
  type ToolPlan,
  templateMessages,
  templateTools,
  toolCallFormatOf,
} from '../../llm-tools.js';
import type { ParamSpec, ScalarType } from '../../signature/types.js';
import {
  checkSearch,
  type EngineRequestOptions,
  engineMetrics,
  generateOnEngine,
  startOnnxGenaiEngine,
} from './engine-session.js';
import { GROWING_CACHE } from './generate.js';
import { asMlflowError, importOnnxGenai, invalid, MODEL_DATA, ONNX_GENAI_FLAVOR } from './session.js';

type Json = Record<string, unknown>;
type GenaiChatMessage = import('@flowline/onnx-genai').ChatMessage;

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

/** A request's sampling fields as search options: temperature 0 greedy, above 0 sampled; `seed` per choice. */
function requestSearch(request: LlmRequest, choice: number): Json {
  const search: Json = {};
  if (request.temperature === 0) search.do_sample = false;
  else if (request.temperature !== undefined)
    Object.assign(search, { do_sample: true, temperature: request.temperature });
  if (request.topP !== undefined) search.top_p = request.topP;
  if (request.topK !== undefined) search.top_k = request.topK;
  // Each choice of a seeded request draws from its own seed, so n choices differ and each reproduces.
  if (request.seed !== undefined) search.random_seed = Math.abs(request.seed + choice) % 2 ** 31;
  if (request.presencePenalty !== 0) search.presence_penalty = request.presencePenalty;
  if (request.frequencyPenalty !== 0) search.frequency_penalty = request.frequencyPenalty;
  return search;
}

/** What the engine is asked besides search options: OpenAI's logit_bias, logprobs and response_format. */
function engineOptions(request: LlmRequest, vocab: number): EngineRequestOptions {
  for (const id of request.logitBias.keys())
    if (id >= vocab)
      throw requestError('logit_bias', `Token id ${id} is outside the vocabulary (0 to ${vocab - 1}).`);
  const format = request.responseFormat;
  return {
    ...(request.logitBias.size > 0 ? { logitBias: request.logitBias } : {}),
    ...(request.logprobs ? { logprobs: request.topLogprobs } : {}),
    ...(format.type === 'json_object'
      ? { guidance: { type: 'json_schema', data: '{"type":"object"}' } }
      : format.type === 'json_schema'
        ? { guidance: { type: 'json_schema', data: JSON.stringify(format.schema) } }
        : {}),
  };
}

/** A request's `response_format` schema and tool-call grammar, checked before any generation (a 400 naming the field). */
function checkGuidanceOf(
  { checkGuidance }: Pick<typeof import('@flowline/onnx-genai'), 'checkGuidance'>,
  request: LlmRequest,
  plan: ToolPlan,
): void {
  const check = (param: string, type: 'json_schema' | 'lark_grammar', data: string) => {
    try {
      checkGuidance(type, data);
    } catch (error) {
      throw requestError(
        param,
        `${(error as Error).message} Use the JSON Schema subset OpenAI's strict mode supports.`,
      );
    }
  };
  const format = request.responseFormat;
  if (format.type === 'json_schema') check('response_format', 'json_schema', JSON.stringify(format.schema));
  if (plan.mode !== 'text') check('tools', 'lark_grammar', plan.grammar);
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
    const genaiLib = await importOnnxGenai();
    const { SEARCH_DEFAULTS } = genaiLib;
    const { tokenizer, config: genai } = served;
    const defaults: Json = { ...(config.model_config as Json | undefined) };
    const render: RenderChat = (messages, tools, addGenerationPrompt) =>
      tokenizer.applyChatTemplate(messages as unknown as GenaiChatMessage[], {
        addGenerationPrompt,
        ...(tools ? { tools } : {}),
      });
    // How the template writes tool calls: read off it on the first request with tools.
    let toolFormat: { format: ToolCallFormat | undefined } | undefined;
    const formatOf = () => {
      toolFormat ??= { format: toolCallFormatOf(render) };
      return toolFormat.format;
    };
    const predictor = generatingPredictor(
      'chat',
      (request, params) => {
        const plan = planTools(
          request,
          request.tools.length > 0 && request.toolChoice !== 'none' ? formatOf() : undefined,
        );
        checkGuidanceOf(genaiLib, request, plan);
        let prompt: string;
        try {
          prompt = render(
            templateMessages(request.messages),
            plan.mode === 'text' ? undefined : templateTools(request.tools),
            true,
          );
        } catch (error) {
          throw invalid(
            `The model's chat template refused these messages: ${(error as Error).message}`,
            error,
          );
        }
        const ids = tokenizer.encode(prompt);
        const context = genai.model.context_length;
        if (request.maxTokens !== undefined && ids.length + request.maxTokens > context)
          throw requestError(
            'max_tokens',
            `The prompt is ${ids.length} tokens and max_tokens asks for ${request.maxTokens} more, past the context length ` +
              `${context}; lower max_tokens (at most ${Math.max(0, context - ids.length)}) or send fewer messages.`,
          );
        // `spent`: tokens of this answer generated by an earlier phase (free text before a tool call).
        const search = (choice: number, promptLength: number, spent: number) => {
          const fromRequest = requestSearch(request, choice);
          const merged: Json = { ...GROWING_CACHE, ...defaults, ...params, ...fromRequest };
          // An OpenAI temperature above 0 asks for sampling; top_k 1 (Phi-3's genai_config) would keep it
          // greedy, so such a request without its own top_k samples from ONNX Runtime GenAI's default top_k.
          if (fromRequest.do_sample === true && request.topK === undefined && Number(merged.top_k) === 1)
            merged.top_k = SEARCH_DEFAULTS.top_k;
          const maxLength =
            request.maxTokens === undefined
              ? Number(merged.max_length ?? context)
              : promptLength + request.maxTokens - spent;
          if (promptLength >= maxLength)
            throw invalid(
              `The prompt is ${promptLength} tokens, which leaves no room under max_length ${maxLength} (prompt plus answer, ` +
                `at most the context length ${context}); send fewer messages or raise max_length.`,
            );
          const options: Json = { ...merged, max_length: maxLength };
          // A default min_length (model_config, params) gives way to a request asking for fewer tokens.
          if (Number(options.min_length ?? 0) > maxLength) options.min_length = maxLength;
          checkSearch(genaiLib, genai, options);
          return options;
        };
        search(0, ids.length, 0);
        const extra = engineOptions(request, genai.model.vocab_size);
        const generate =
          (choice: number): GenerateFrom =>
          async (text, { grammar, spent = 0 }, onText, signal) => {
            const promptIds = text === prompt ? ids : tokenizer.encode(text);
            if (request.maxTokens !== undefined && spent >= request.maxTokens)
              return {
                text: '',
                promptTokens: promptIds.length,
                completionTokens: 0,
                finishReason: 'length',
              };
            const options: EngineRequestOptions = grammar
              ? { ...extra, guidance: { type: 'lark_grammar', data: grammar } }
              : extra;
            return generateOnEngine(
              served,
              search(choice, promptIds.length, spent),
              promptIds,
              onText,
              signal,
              options,
            );
          };
        return (choice, onText, signal) => generateWithTools(plan, prompt, generate(choice), onText, signal);
      },
      { seed: true, penalties: true, logprobs: true, logitBias: true, responseFormat: true, tools: true },
    );
    return { ...predictor, metrics: () => engineMetrics(served.engine), close: () => served.engine.close() };
  },
};
