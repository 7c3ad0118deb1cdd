import { randomUUID } from 'node:crypto';
import { isMlflowError, MlflowError } from '@flowline/core';
import type { FastifyReply } from 'fastify';
import type { Admission } from './generation-gate.js';
import type { ScoringMetrics } from './scoring-metrics.js';

// How the OpenAI routes send a generation: as server-sent events, stopped when its admission aborts.

type Json = Record<string, unknown>;

/**
 * Runs the model: its failure is a 500 `INTERNAL_ERROR` that says what the model reported (the stack trace
 * goes to the log); an `MlflowError` keeps its own code.
 */
export async function generated<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isMlflowError(error)) throw error;
    throw MlflowError.internal(`The model failed: ${(error as Error).message}`, { cause: error });
  }
}

/** A text-generating endpoint: chat completions or completions, which differ only in these parts. */
export interface GenerationEndpoint {
  path: string;
  /** The `id` prefix (`chatcmpl`, `cmpl`). */
  prefix: string;
  /** The `object` of a whole answer. */
  object: string;
  /** The `object` of a streamed chunk. */
  chunkObject: string;
  /** Which OpenAI request this endpoint reads (`readLlmRequest`). */
  kind: 'chat' | 'completions';
  /** The choice of a chunk carrying `text` (chat: a delta; completions: text). */
  choice(text: string): Json;
  finish(reason: string): Json;
  /** The text of a whole answer's first choice. */
  answerText(answer: Json): string;
}

/** The first choice of an answer. */
export const firstChoice = (answer: Json) => (answer.choices as Json[] | undefined)?.[0];

/** What a sent stream carried: its first choice's text and finish reason, and the usage the model reported. */
export interface StreamSummary {
  text: string;
  finishReason?: string;
  usage?: Json;
}

/**
 * Sends a model's stream as server-sent events, one chunk per piece. Pieces may be plain strings
 * (tokens) or whole chunk objects; the server fills in `id`, `object`, `created` and `model`. When the
 * admission's signal aborts (client gone, deadline passed), the model's stream is returned (stopped) and
 * awaited, so its slot frees only once the generation has stopped.
 */
export async function sendStream(
  reply: FastifyReply,
  pieces: AsyncIterable<unknown>,
  endpoint: GenerationEndpoint,
  modelName: string,
  admission: Admission,
  metrics: ScoringMetrics,
  includeUsage = false,
): Promise<StreamSummary> {
  const id = `${endpoint.prefix}-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const iterator = pieces[Symbol.asyncIterator]();
  const { signal } = admission;
  const stopped = new Promise<'stopped'>((resolve) => {
    if (signal.aborted) resolve('stopped');
    signal.addEventListener('abort', () => resolve('stopped'), { once: true });
  });
  const next = () => {
    const pending = iterator.next();
    pending.catch(() => {});
    return Promise.race([pending, stopped]);
  };
  // Pull the first piece before committing to a 200, so a failing model still gets an error status.
  let step = await generated(next);
  if (step === 'stopped') {
    await iterator.return?.();
    throw signal.reason;
  }
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  const send = (data: Json) =>
    raw.write(
      `data: ${JSON.stringify({ id, object: endpoint.chunkObject, created, model: modelName, ...data })}\n\n`,
    );
  let finished = false;
  let gone = false;
  raw.once('close', () => {
    gone = true;
  });
  let usage: Json | undefined;
  let text = '';
  let finishReason: string | undefined;
  let last = admission.arrivedAt;
  let first = true;
  try {
    while (step !== 'stopped' && !step.done) {
      const now = performance.now();
      if (first) metrics.timeToFirstToken((now - last) / 1000);
      else metrics.interTokenLatency((now - last) / 1000);
      first = false;
      last = now;
      const piece = step.value;
      if (typeof piece === 'string') {
        metrics.tokens(1);
        text += piece;
        send({ choices: [endpoint.choice(piece)] });
      } else if (piece && typeof piece === 'object') {
        // Usage goes out once, in its own last chunk, and only when asked (`stream_options.include_usage`).
        const { usage: chunkUsage, ...chunk } = piece as Json;
        if (chunkUsage) usage = chunkUsage as Json;
        const choices = (chunk.choices as Json[] | undefined) ?? [];
        for (const c of choices) {
          if ((c.index ?? 0) !== 0) continue;
          text += String((c.delta as Json | undefined)?.content ?? c.text ?? '');
          if (c.finish_reason) finishReason = String(c.finish_reason);
        }
        if (choices.some((c) => c.finish_reason)) finished = true;
        else if (choices.length > 0) metrics.tokens(1);
        if (choices.length > 0) send(includeUsage ? { ...chunk, usage: null } : chunk);
      }
      step = await next();
    }
    if (step === 'stopped') {
      await iterator.return?.();
      if (!gone) throw signal.reason;
    } else {
      if (!finished) send({ choices: [endpoint.finish('stop')] });
      if (includeUsage) send({ choices: [], usage: usage ?? null });
    }
  } catch (error) {
    // Headers are gone; report the failure (or the deadline) in the stream the way OpenAI does.
    if (!gone)
      raw.write(
        `data: ${JSON.stringify({ error: { message: (error as Error).message, type: 'server_error' } })}\n\n`,
      );
  }
  // Nothing more goes to a client that hung up.
  if (gone) raw.destroy();
  else raw.end('data: [DONE]\n\n');
  return { text, ...(finishReason ? { finishReason } : {}), ...(usage ? { usage } : {}) };
}

/** Pieces of a model without a stream: its whole answer as one piece. */
export async function* wholeAnswer(
  answer: Promise<Json>,
  endpoint: GenerationEndpoint,
): AsyncGenerator<unknown> {
  const value = await answer;
  yield endpoint.answerText(value);
  const usage = value.usage;
  const reason = (firstChoice(value)?.finish_reason as string | undefined) ?? 'stop';
  yield { choices: [endpoint.finish(reason)], ...(usage ? { usage } : {}) };
}
