import { join } from 'node:path';
import type { ModelMetric } from '../../flavor.js';
import type { Generated, TokenLogprob } from '../../llm.js';
import { answerText } from './generate.js';
import { asMlflowError, importOnnxGenai, invalid } from './session.js';

type GenaiConfig = import('@flowline/onnx-genai').GenaiConfig;
type GenaiTokenizer = import('@flowline/onnx-genai').Tokenizer;
type SearchOptions = import('@flowline/onnx-genai').SearchOptions;
type WorkerEngine = import('@flowline/onnx-genai').WorkerEngine;
type StepLogprobs = import('@flowline/onnx-genai').StepLogprobs;

/**
 * Rows the served engine runs at once when the model's genai_config has no `engine` object. The scoring
 * server admits `--max-concurrent-requests` (8 by default) generations, so this bounds only callers
 * of `predict` that bring no limit of their own.
 */
export const ENGINE_ROWS = 32;

/** Finished conversations whose KV cache the served engine keeps for their next turn. */
export const KEPT_CONVERSATIONS = 16;

/** A served ONNX Runtime GenAI model: its continuous-batching engine on a worker thread, its tokenizer here. */
export interface OnnxGenaiEngine {
  engine: WorkerEngine;
  tokenizer: GenaiTokenizer;
  config: GenaiConfig;
  /** Each token id's text as it appears in the output (built on first use, for logprobs). */
  vocabulary?: () => readonly string[];
}

/**
 * Starts the model's engine on a worker thread (which loads the session), on the given providers, falling
 * back to CPU when this machine cannot start them (as the onnx flavor does); loads the tokenizer here.
 */
export async function startOnnxGenaiEngine(folder: string, providers?: string[]): Promise<OnnxGenaiEngine> {
  const genai = await importOnnxGenai();
  const start = async (names?: string[]) => {
    const config = await genai.readGenaiConfig(folder);
    const settings = config.engine
      ? { max_cached_prefixes: KEPT_CONVERSATIONS }
      : { max_batch_size: ENGINE_ROWS, max_cached_prefixes: KEPT_CONVERSATIONS };
    return genai.WorkerEngine.start(folder, { ...(names ? { providers: names } : {}), settings });
  };
  try {
    const engine = await start(providers).catch((error: unknown) =>
      providers ? start(['cpu']) : Promise.reject(error),
    );
    try {
      const tokenizer = await genai.Tokenizer.fromFolder(
        join(folder, engine.config.model.tokenizer_dir ?? ''),
      );
      const vocabulary = () =>
        genai.vocabularyOf(tokenizer, engine.config.model.vocab_size, engine.config.model.eos_token_id)
          .tokens;
      return { engine, tokenizer, config: engine.config, vocabulary };
    } catch (error) {
      await engine.close();
      throw error;
    }
  } catch (error) {
    throw asMlflowError(error);
  }
}

/** Checks search options as `GeneratorParams.setSearchOptions` would in the worker, so a bad request fails before any work. */
export function checkSearch(
  {
    validateSearch,
    EXTRA_SEARCH_OPTIONS,
  }: Pick<typeof import('@flowline/onnx-genai'), 'validateSearch' | 'EXTRA_SEARCH_OPTIONS'>,
  config: GenaiConfig,
  search: Record<string, unknown>,
): void {
  const merged: Record<string, unknown> = { ...config.search };
  for (const [key, value] of Object.entries(search)) {
    if (!(key in merged) && !EXTRA_SEARCH_OPTIONS.includes(key))
      throw invalid(`Unknown search option '${key}'.`);
    merged[key] = value;
  }
  try {
    validateSearch(merged as unknown as SearchOptions, config.model.context_length);
  } catch (error) {
    throw invalid(`Invalid generation options: ${(error as Error).message}`, error);
  }
}

/**
 * One answer generated on the engine: text pieces go to `onText` as tokens arrive. Once `signal` aborts
 * (a stop sequence, or a reader that stopped), the request is cancelled in the worker, its row freed, and
 * the answer ends with what it has, as an eos would.
 */
export async function generateOnEngine(
  { engine, tokenizer, config, vocabulary }: OnnxGenaiEngine,
  search: Partial<SearchOptions>,
  promptIds: number[],
  onText?: (text: string) => void,
  signal?: AbortSignal,
  options: EngineRequestOptions = {},
): Promise<Generated & { ids: number[] }> {
  const text = answerText(tokenizer, config.model.eos_token_id, onText);
  const generation = engine.generate(promptIds, search, { ...options, ...(signal ? { signal } : {}) });
  for await (const token of generation) {
    // Tokens that arrive after a stop (the worker learns of the cancel a little later) are not the answer's.
    if (signal?.aborted || !text.add(token)) break;
  }
  const { finishReason, cachedTokens, logprobs } = await generation.done.catch((error: unknown) => {
    throw asMlflowError(error);
  });
  const answer = text.finish();
  const eos = new Set(config.model.eos_token_id);
  const kept = answer.ids.filter((id) => !eos.has(id)).length;
  return {
    ...answer,
    promptTokens: promptIds.length,
    cachedTokens,
    finishReason: finishReason === 'length' ? 'length' : 'stop',
    ...(logprobs
      ? { logprobs: logprobs.slice(0, kept).map((step) => tokenLogprob(vocabulary!(), step)) }
      : {}),
  };
}

/** What a request asks of the engine besides search options (OpenAI's logit_bias, logprobs, response_format). */
export interface EngineRequestOptions {
  logitBias?: ReadonlyMap<number, number>;
  logprobs?: number;
  guidance?: { type: 'json_schema' | 'regex' | 'lark_grammar'; data: string };
}

/** A step's log-probabilities with each token as the text it adds to the output and its UTF-8 bytes, as OpenAI reports them. */
function tokenLogprob(tokens: readonly string[], step: StepLogprobs): TokenLogprob {
  const entry = (id: number, logprob: number) => {
    const token = tokens[id] ?? '';
    return { token, logprob, bytes: [...Buffer.from(token, 'utf8')] };
  };
  return { ...entry(step.token, step.logprob), top_logprobs: step.top.map((t) => entry(t.token, t.logprob)) };
}

/** The engine's counters and gauges, for the scoring server's `/metrics`. */
export function engineMetrics(engine: WorkerEngine): ModelMetric[] {
  const stats = engine.stats();
  return [
    {
      name: 'engine_steps_total',
      help: 'Engine steps run (one batched model run each, plus prefill chunks).',
      type: 'counter',
      value: stats.steps,
    },
    {
      name: 'engine_running_rows',
      help: 'Requests holding a row of the running batch.',
      type: 'gauge',
      value: stats.running,
    },
    {
      name: 'engine_waiting_requests',
      help: 'Requests waiting in the engine for a row.',
      type: 'gauge',
      value: stats.waiting,
    },
    {
      name: 'engine_generated_tokens_total',
      help: 'Tokens the engine generated.',
      type: 'counter',
      value: stats.generatedTokens,
    },
    {
      name: 'engine_prefilled_tokens_total',
      help: 'Prompt tokens run through the model.',
      type: 'counter',
      value: stats.prefilledTokens,
    },
    {
      name: 'engine_cached_prompt_tokens_total',
      help: 'Prompt tokens taken from kept conversation caches instead of prefilled.',
      type: 'counter',
      value: stats.cachedTokens,
    },
  ];
}
