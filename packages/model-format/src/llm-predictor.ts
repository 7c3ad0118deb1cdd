import { randomUUID } from 'node:crypto';
import type { GenerationObserver, Predictor } from './flavor.js';
import type { Generated } from './llm.js';
import { streamed, untilStop } from './llm.js';
import { type LlmRequest, readLlmRequest, requestError } from './llm-request.js';

type Json = Record<string, unknown>;

/** What a generating flavor honours beyond plain sampling; a request asking for more is refused, naming it. */
export interface LlmFeatures {
  /** `seed`: reproducible sampling. */
  seed?: boolean;
  /** `presence_penalty`, `frequency_penalty`. */
  penalties?: boolean;
  /** `logprobs`, `top_logprobs`. */
  logprobs?: boolean;
  /** `logit_bias`. */
  logitBias?: boolean;
  /** `response_format` json_object / json_schema (constrained decoding). */
  responseFormat?: boolean;
  /** `tools`, `tool_choice`. */
  tools?: boolean;
}

/** One choice's generation: `choice` is its index (a seeded request gives each choice its own seed). */
export type RunChoice = (
  choice: number,
  onText?: (text: string) => void,
  signal?: AbortSignal,
) => Promise<Generated>;

/**
 * Generation prepared for one request: checked (throws INVALID_PARAMETER_VALUE naming the parameter,
 * before any work) and ready to run each choice.
 */
export type PrepareLlm = (request: LlmRequest, params: Json | undefined) => RunChoice;

/** Refuses what the flavor cannot do, naming the parameter, instead of ignoring it. */
function checkFeatures(request: LlmRequest, features: LlmFeatures): void {
  const refuse = (param: string, what: string) => {
    throw requestError(param, `This model does not support ${what}; leave '${param}' out.`);
  };
  if (request.seed !== undefined && !features.seed) refuse('seed', 'seeded sampling');
  if (request.presencePenalty !== 0 && !features.penalties) refuse('presence_penalty', 'presence penalties');
  if (request.frequencyPenalty !== 0 && !features.penalties)
    refuse('frequency_penalty', 'frequency penalties');
  if (request.logprobs && !features.logprobs) refuse('logprobs', 'log-probabilities');
  if (request.logitBias.size > 0 && !features.logitBias) refuse('logit_bias', 'logit biases');
  if (request.responseFormat.type !== 'text' && !features.responseFormat)
    refuse('response_format', 'structured output');
  if (request.tools.length > 0 && !features.tools) refuse('tools', 'tool calls');
}

/** OpenAI's `usage` over all choices: the prompt once, every choice's completion tokens. */
function usageOf(results: Generated[]): Json {
  const prompt = results[0]?.promptTokens ?? 0;
  const completion = results.reduce((sum, g) => sum + g.completionTokens, 0);
  const cached = results[0]?.cachedTokens;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    ...(cached === undefined ? {} : { prompt_tokens_details: { cached_tokens: cached } }),
  };
}

/** A choice as chat completions and completions answer it. */
function choiceOf(request: LlmRequest, g: Generated, index: number): Json {
  const logprobs = request.logprobs ? (g.logprobs ?? []) : null;
  if (request.kind === 'chat') {
    const calls = g.toolCalls ?? [];
    return {
      index,
      message: {
        role: 'assistant',
        content: calls.length > 0 && g.text === '' ? null : g.text,
        ...(calls.length > 0 ? { tool_calls: calls } : {}),
      },
      logprobs: logprobs ? { content: logprobs } : null,
      finish_reason: calls.length > 0 ? 'tool_calls' : g.finishReason,
    };
  }
  const text = request.echo ? request.prompt + g.text : g.text;
  return {
    index,
    text,
    logprobs: logprobs
      ? {
          tokens: logprobs.map((t) => t.token),
          token_logprobs: logprobs.map((t) => t.logprob),
          top_logprobs: logprobs.map((t) =>
            Object.fromEntries(t.top_logprobs.map((a) => [a.token, a.logprob])),
          ),
        }
      : null,
    finish_reason: g.finishReason,
  };
}

/**
 * A predictor for `llm/v1/chat` (`kind` 'chat') or `llm/v1/completions`: requests are read once by
 * `readLlmRequest` (no signature enforcement before it: `readsRequest`), what the flavor cannot do is
 * refused by name, `n` choices run side by side (one batch on an engine), stop sequences end a choice,
 * and the answer is OpenAI's response (`id`, `choices`, `usage`; the server sets `model`). `predictStream`
 * yields text pieces (n = 1, no logprobs) or OpenAI chunk objects, then each choice's last chunk and one
 * with `usage`. An aborted `options.signal` stops every choice; both then reject with its reason.
 */
export function generatingPredictor(
  kind: 'chat' | 'completions',
  prepare: PrepareLlm,
  features: LlmFeatures = {},
): Predictor {
  const start = (input: unknown, params?: Json, observer?: GenerationObserver) => {
    const request = readLlmRequest(kind, input);
    checkFeatures(request, features);
    const run = prepare(request, params);
    observer?.prepared?.();
    let first = observer?.firstToken;
    // The first text of any choice tells the observer once; without one, no text callback is added.
    const told = (onText?: (text: string) => void) =>
      first
        ? (text: string) => {
            if (first && text) {
              const tell = first;
              first = undefined;
              tell();
            }
            onText?.(text);
          }
        : onText;
    const choice = (i: number, onText?: (text: string) => void, signal?: AbortSignal) =>
      request.stop.length === 0
        ? run(i, told(onText), signal)
        : untilStop((text, s) => run(i, text, s), request.stop, told(onText), signal);
    return { request, choice };
  };
  const object = kind === 'chat' ? 'chat.completion' : 'text_completion';
  return {
    readsRequest: true,
    async predict(input, params, options) {
      const signal = options?.signal;
      signal?.throwIfAborted();
      const { request, choice } = start(input, params, options?.observer);
      const results = await Promise.all(
        Array.from({ length: request.n }, (_, i) => choice(i, undefined, signal)),
      );
      // A cancelled generation stopped early: its truncated text is no answer (a stream drops it too).
      signal?.throwIfAborted();
      return {
        id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID()}`,
        object,
        created: Math.floor(Date.now() / 1000),
        ...(request.model ? { model: request.model } : {}),
        choices: results.map((g, i) => choiceOf(request, g, i)),
        usage: usageOf(results),
      };
    },
    async *predictStream(input, params, options) {
      const { request, choice } = start(input, params, options?.observer);
      const plain = request.n === 1 && !request.logprobs && request.tools.length === 0;
      if (plain) {
        const result = yield* streamed((onText, signal) => choice(0, onText, signal), options?.signal);
        yield { choices: [lastChoice(request, result, 0)], usage: usageOf([result]) };
        return;
      }
      // Several choices (or logprobs): chunk objects, each choice's pieces tagged with its index.
      const pieces = streamed<{ index: number; text: string }, Generated[]>(
        (onPiece, signal) =>
          Promise.all(
            Array.from({ length: request.n }, (_, index) =>
              choice(index, (text) => text && onPiece({ index, text }), signal),
            ),
          ),
        options?.signal,
      );
      const results: Generated[] = [];
      for (;;) {
        const next = await pieces.next();
        if (next.done) {
          results.push(...next.value);
          break;
        }
        const { index, text } = next.value;
        yield { choices: [deltaChoice(request, index, text)] };
      }
      for (const [i, g] of results.entries()) yield { choices: [lastChoice(request, g, i)] };
      yield { choices: [], usage: usageOf(results) };
    },
  };
}

function deltaChoice(request: LlmRequest, index: number, text: string): Json {
  return request.kind === 'chat'
    ? { index, delta: { role: 'assistant', content: text }, logprobs: null, finish_reason: null }
    : { index, text, logprobs: null, finish_reason: null };
}

/** A choice's last streamed chunk: its finish reason, and what only the whole answer knows (tool calls, logprobs). */
function lastChoice(request: LlmRequest, g: Generated, index: number): Json {
  const whole = choiceOf(request, g, index);
  if (request.kind === 'completions') return { ...whole, text: '' };
  const message = whole.message as Json;
  const delta = message.tool_calls
    ? { tool_calls: (message.tool_calls as Json[]).map((call, i) => ({ index: i, ...call })) }
    : {};
  return { index, delta, logprobs: whole.logprobs, finish_reason: whole.finish_reason };
}
