import type { ColSpec, DataType, ModelSignature } from './signature/types.js';

export type { ChatMessage } from './llm-request.js';

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
 * Pieces (text by default) as `run` reports them through its callback, then its whole result. A consumer that
 * stops reading early (`break`, `return()`) aborts `signal`, and its `return()` resolves once the
 * generation has stopped, so no generation outlives its reader. A `cancel` signal that aborts stops the
 * generation too, and the stream then throws its reason once the generation has stopped.
 */
export async function* streamed<Piece = string, Result = Generated>(
  run: (onPiece: (piece: Piece) => void, signal: AbortSignal) => Promise<Result>,
  cancel?: AbortSignal,
): AsyncGenerator<Piece, Result> {
  cancel?.throwIfAborted();
  const queue: Piece[] = [];
  let wake: (() => void) | undefined;
  let settled = false;
  const controller = new AbortController();
  const stop = () => controller.abort();
  cancel?.addEventListener('abort', stop, { once: true });
  const result = run((piece) => {
    // An empty text piece carries nothing to send.
    if ((piece as unknown) !== '') queue.push(piece);
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

/** A prepared generation: text pieces go to `onText`; once `signal` aborts, it stops at the next token. */
export type RunGeneration = (onText?: (text: string) => void, signal?: AbortSignal) => Promise<Generated>;
