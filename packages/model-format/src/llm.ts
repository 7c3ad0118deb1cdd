import { MlflowError } from '@flowline/core';
import type { Predictor } from './flavor.js';
import type { ColSpec, DataType, ModelSignature } from './signature/types.js';

type Json = Record<string, unknown>;

import type { ChatMessage } from './llm-request.js';

export type { ChatMessage } from './llm-request.js';

/** The roles MLflow's chat schema names. */
export const CHAT_ROLES = ['system', 'user', 'assistant', 'tool'] as const;

function invalid(message: string): MlflowError {
  return MlflowError.invalidParameterValue(message);
}

const scalar = (type: 'string' | 'long' | 'double' | 'boolean'): DataType => ({ type });
const column = (name: string, type: DataType, required = false): ColSpec => ({ ...type, name, required });
const object = (properties: Record<string, [DataType, boolean]>): DataType => ({
  type: 'object',
  properties: Object.fromEntries(
    Object.entries(properties).map(([key, [type, required]]) => [key, { ...type, required }]),
  ),
});
const message = object({
  role: [scalar('string'), true],
  content: [scalar('string'), true],
  name: [scalar('string'), false],
});

/**
 * MLflow's `llm/v1/chat` signature (`CHAT_MODEL_INPUT_SCHEMA` / `CHAT_MODEL_OUTPUT_SCHEMA`): the
 * OpenAI-style request columns and the chat completion response.
 */
export const CHAT_SIGNATURE: Required<Pick<ModelSignature, 'inputs' | 'outputs'>> = {
  inputs: {
    kind: 'columns',
    columns: [
      column('messages', { type: 'array', items: message }, true),
      column('temperature', scalar('double')),
      column('max_tokens', scalar('long')),
      column('stop', { type: 'array', items: scalar('string') }),
      column('n', scalar('long')),
      column('stream', scalar('boolean')),
      column('top_p', scalar('double')),
      column('top_k', scalar('long')),
      column('frequency_penalty', scalar('double')),
      column('presence_penalty', scalar('double')),
    ],
  },
  outputs: {
    kind: 'columns',
    columns: [
      column('id', scalar('string'), true),
      column('object', scalar('string'), true),
      column('created', scalar('long'), true),
      column('model', scalar('string'), true),
      column(
        'choices',
        {
          type: 'array',
          items: object({
            index: [scalar('long'), true],
            message: [object({ role: [scalar('string'), true], content: [scalar('string'), true] }), true],
            finish_reason: [scalar('string'), true],
          }),
        },
        true,
      ),
      column(
        'usage',
        object({
          prompt_tokens: [scalar('long'), true],
          completion_tokens: [scalar('long'), true],
          total_tokens: [scalar('long'), true],
        }),
        true,
      ),
    ],
  },
};

/** The request of an `llm/v1/*` model: the object itself, or the one row schema enforcement made of it. */
export function llmRequest(input: unknown): Json {
  const value = Array.isArray(input) && input.length === 1 ? input[0] : input;
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw invalid('This model takes one OpenAI-style request object, e.g. {"messages": [...]}.');
  return value as Json;
}

/** The messages of a chat request, checked: a non-empty list of `{role, content}` with MLflow's roles. */
export function chatMessages(request: Json): ChatMessage[] {
  const list = request.messages;
  if (!Array.isArray(list) || list.length === 0)
    throw invalid("A chat request needs 'messages': a non-empty list of {role, content}.");
  return list.map((m, i) => {
    const entry = m as Json | null;
    if (!entry || typeof entry.role !== 'string' || typeof entry.content !== 'string')
      throw invalid(`messages[${i}] needs a string 'role' and a string 'content'.`);
    if (!(CHAT_ROLES as readonly string[]).includes(entry.role))
      throw invalid(`messages[${i}].role must be one of ${CHAT_ROLES.join(', ')}; got '${entry.role}'.`);
    return { role: entry.role, content: entry.content };
  });
}

/** Checks the request fields every generating flavor treats alike: one choice per request. */
function checkCommon(request: Json): void {
  if (request.n !== undefined && request.n !== null && request.n !== 1)
    throw invalid('This model generates one choice per request; send n = 1 or leave it out.');
}

/** The request's `stop` sequences (OpenAI's: a string or up to 4 strings), checked. */
export function stopSequences(request: Json): string[] {
  const stop = request.stop;
  if (stop === undefined || stop === null) return [];
  const list = typeof stop === 'string' ? [stop] : stop;
  if (!Array.isArray(list) || list.length > 4 || list.some((s) => typeof s !== 'string' || s === ''))
    throw invalid("'stop' must be a non-empty string or a list of up to 4 non-empty strings.");
  return list as string[];
}

/** Where the first stop sequence starts in `text`, or -1. */
function firstStop(text: string, stops: string[]): number {
  let first = -1;
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (at >= 0 && (first < 0 || at < first)) first = at;
  }
  return first;
}

/** How many characters at the end of `text` could be the start of a stop sequence (held back while streaming). */
function partialStop(text: string, stops: string[]): number {
  let longest = 0;
  for (const stop of stops)
    for (let n = Math.min(stop.length - 1, text.length); n > longest; n--)
      if (text.endsWith(stop.slice(0, n))) {
        longest = n;
        break;
      }
  return longest;
}

/**
 * Runs a generation that ends at the first of `stops`: text is passed on only once it cannot be the
 * start of a stop sequence, the stop sequence and anything after it are dropped (as OpenAI does), and the
 * generation is told to stop through its abort signal.
 */
export async function untilStop(
  run: RunGeneration,
  stops: string[],
  onText?: (text: string) => void,
  signal?: AbortSignal,
): Promise<Generated> {
  const controller = new AbortController();
  // A consumer that stops reading (see `streamed`) ends the generation as a stop sequence does.
  signal?.addEventListener('abort', () => controller.abort(), { once: true });
  let text = '';
  let passed = 0;
  const pass = (end: number) => {
    if (end > passed) onText?.(text.slice(passed, end));
    passed = Math.max(passed, end);
  };
  const result = await run((piece) => {
    if (controller.signal.aborted) return;
    text += piece;
    const at = firstStop(text, stops);
    if (at >= 0) {
      pass(at);
      controller.abort();
    } else pass(text.length - partialStop(text, stops));
  }, controller.signal);
  const at = firstStop(result.text, stops);
  if (!controller.signal.aborted) pass(text.length);
  return at >= 0 || controller.signal.aborted
    ? { ...result, text: at >= 0 ? result.text.slice(0, at) : result.text, finishReason: 'stop' }
    : result;
}

/** One finished generation. */
export interface Generated {
  text: string;
  promptTokens: number;
  completionTokens: number;
  finishReason: 'stop' | 'length';
  /** Prompt tokens answered from a kept KV cache (an earlier turn of the conversation), when the flavor keeps one. */
  cachedTokens?: number;
  /** Each generated token's log-probability (and alternatives), when asked for. */
  logprobs?: TokenLogprob[];
  /** Tool calls parsed from the answer (its `text` is then what came outside them). */
  toolCalls?: import('./llm-request.js').ToolCall[];
}

/** A token's log-probability, as OpenAI's `logprobs.content` entries. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top_logprobs: { token: string; logprob: number; bytes: number[] | null }[];
}

/**
 * Pieces of text as `run` reports them through its callback, then its whole result. A consumer that
 * stops reading early (`break`, `return()`) aborts `signal`, and its `return()` resolves once the
 * generation has stopped, so no generation outlives its reader. A `cancel` signal that aborts stops the
 * generation too, and the stream then throws its reason once the generation has stopped.
 */
export async function* streamed(
  run: (onText: (text: string) => void, signal: AbortSignal) => Promise<Generated>,
  cancel?: AbortSignal,
): AsyncGenerator<string, Generated> {
  cancel?.throwIfAborted();
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  let settled = false;
  const controller = new AbortController();
  const stop = () => controller.abort();
  cancel?.addEventListener('abort', stop, { once: true });
  const result = run((text) => {
    if (text) queue.push(text);
    wake?.();
  }, controller.signal).finally(() => {
    settled = true;
    wake?.();
  });
  result.catch(() => {});
  try {
    while (!cancel?.aborted) {
      const next = queue.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (settled) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    cancel?.removeEventListener('abort', stop);
    if (!settled) {
      controller.abort();
      await result.catch(() => {});
    }
  }
  cancel?.throwIfAborted();
  return result;
}

/** MLflow's `usage` object of a generation. */
export function usage(g: Generated): Json {
  return {
    prompt_tokens: g.promptTokens,
    completion_tokens: g.completionTokens,
    total_tokens: g.promptTokens + g.completionTokens,
    // OpenAI's report of prompt tokens served from its prompt cache.
    ...(g.cachedTokens === undefined ? {} : { prompt_tokens_details: { cached_tokens: g.cachedTokens } }),
  };
}

/** An `llm/v1/*` text task: what it reads from a request and how its choices look. */
export interface LlmTaskShape {
  object: string;
  read(request: Json): string | ChatMessage[];
  choice(g: Generated): Json;
  lastChunk: Json;
}

/** The text tasks an `llm/v1/*` generating model may answer, by MLflow task name. */
export const LLM_TEXT_TASKS: Record<'llm/v1/chat' | 'llm/v1/completions', LlmTaskShape> = {
  'llm/v1/chat': {
    object: 'chat.completion',
    read: chatMessages,
    choice: (g) => ({ message: { role: 'assistant', content: g.text } }),
    lastChunk: { delta: {} },
  },
  'llm/v1/completions': {
    object: 'text_completion',
    read: (request) => {
      if (typeof request.prompt !== 'string') throw invalid("A completions request needs a string 'prompt'.");
      return request.prompt;
    },
    choice: (g) => ({ text: g.text }),
    lastChunk: { text: '' },
  },
};

/**
 * Generation prepared for one request: checked and ready to run, reporting text pieces to `onText`
 * as they come. Preparing throws (MLflow's INVALID_PARAMETER_VALUE) for a bad request, before any work.
 */
export type PrepareGeneration = (
  prompt: string | ChatMessage[],
  request: Json,
  params: Json | undefined,
) => RunGeneration;

/** A prepared generation: text pieces go to `onText`; once `signal` aborts, it stops at the next token. */
export type RunGeneration = (onText?: (text: string) => void, signal?: AbortSignal) => Promise<Generated>;

/**
 * A predictor answering an `llm/v1/chat` or `llm/v1/completions` request with MLflow's OpenAI-style
 * response (`choices`, `finish_reason`, `usage`), and `predictStream` yielding the text piece by piece,
 * then a last chunk with `finish_reason` and `usage`. An aborted `options.signal` reaches the generation
 * (it stops at its next token), and both reject with the signal's reason once it has stopped.
 */
export function llmPredictor(shape: LlmTaskShape, prepare: PrepareGeneration): Predictor {
  const start = (input: unknown, params?: Json) => {
    const request = llmRequest(input);
    checkCommon(request);
    const stops = stopSequences(request);
    const run = prepare(shape.read(request), request, params);
    return stops.length === 0
      ? run
      : (onText?: (text: string) => void, signal?: AbortSignal) => untilStop(run, stops, onText, signal);
  };
  return {
    async predict(input, params, options) {
      const signal = options?.signal;
      signal?.throwIfAborted();
      const g = await start(input, params)(undefined, signal);
      // A cancelled generation stopped early: its truncated text is no answer (a stream drops it too).
      signal?.throwIfAborted();
      return {
        object: shape.object,
        created: Math.floor(Date.now() / 1000),
        choices: [{ index: 0, ...shape.choice(g), finish_reason: g.finishReason }],
        usage: usage(g),
      };
    },
    async *predictStream(input, params, options) {
      const run = start(input, params);
      const result = yield* streamed((onText, signal) => run(onText, signal), options?.signal);
      yield {
        choices: [{ index: 0, ...shape.lastChunk, finish_reason: result.finishReason }],
        usage: usage(result),
      };
    },
  };
}
