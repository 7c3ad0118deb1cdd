// OpenAI autologging, the counterpart of MLflow's `mlflow.openai.autolog()`: `create` of chat
// completions, completions and embeddings becomes a span with the request as inputs, the response as
// outputs, the model and the token usage. The `openai` package is an optional peer, never imported
// here except by `autologOpenAI`, which loads it on demand.
import { context, trace as otelTrace } from '@opentelemetry/api';
import { SpanAttributeKey, SpanEventName, SpanType } from '../constants.js';
import { startSpan } from '../fluent.js';
import { toAttributeJson } from '../json.js';
import type { LiveSpan } from '../live-span.js';
import { type OpenAIUsage, StreamAssembler, type StreamChunk, tokenUsage } from './assemble.js';

type Kind = 'chat' | 'completions' | 'embeddings';
type Create = (this: unknown, body: Record<string, unknown>, options?: unknown) => unknown;

const SPAN: Record<Kind, { name: string; type: string }> = {
  // MLflow names these spans after the resource class whose `create` was called.
  chat: { name: 'Completions', type: SpanType.CHAT_MODEL },
  completions: { name: 'Completions', type: SpanType.LLM },
  embeddings: { name: 'Embeddings', type: SpanType.EMBEDDING },
};

const ORIGINAL = Symbol.for('flowline.tracing.openai.original');

/** The parts of an `openai` client that are traced; any client with them can be instrumented. */
export interface OpenAIClientLike {
  chat?: { completions?: { create?: unknown } };
  completions?: { create?: unknown };
  embeddings?: { create?: unknown };
}

/**
 * Traces one `openai` client: its `chat.completions.create` (streamed or not), `completions.create` and
 * `embeddings.create` calls become spans of type CHAT_MODEL, LLM and EMBEDDING. Returns the client.
 */
export function instrumentOpenAI<C extends OpenAIClientLike>(client: C): C {
  patch(client.chat?.completions, 'chat', false);
  patch(client.completions, 'completions', false);
  patch(client.embeddings, 'embeddings', false);
  return client;
}

/**
 * Traces every `openai` client in the process, as MLflow's `mlflow.openai.autolog()`: patches the
 * package's resource classes (loading `openai`, an optional peer). `{ disable: true }` undoes it.
 */
export async function autologOpenAI(options: { disable?: boolean } = {}): Promise<void> {
  let openai: { OpenAI: Record<string, unknown> };
  try {
    openai = (await import('openai')) as unknown as { OpenAI: Record<string, unknown> };
  } catch (error) {
    throw new Error('autologOpenAI needs the openai package: npm install openai', { cause: error });
  }
  const classes = openai.OpenAI as {
    Chat?: { Completions?: { prototype: object } };
    Completions?: { prototype: object };
    Embeddings?: { prototype: object };
  };
  const disable = options.disable === true;
  patch(classes.Chat?.Completions?.prototype, 'chat', disable);
  patch(classes.Completions?.prototype, 'completions', disable);
  patch(classes.Embeddings?.prototype, 'embeddings', disable);
}

function patch(resource: object | undefined, kind: Kind, disable: boolean): void {
  if (resource === undefined || resource === null) return;
  const holder = resource as { create?: unknown };
  const current = holder.create as (Create & { [ORIGINAL]?: Create }) | undefined;
  if (typeof current !== 'function') return;
  if (disable) {
    if (current[ORIGINAL] !== undefined && Object.hasOwn(holder, 'create')) holder.create = current[ORIGINAL];
    return;
  }
  if (current[ORIGINAL] !== undefined) return; // already traced (here or on the prototype)
  const traced = tracedCreate(current, kind) as Create & { [ORIGINAL]?: Create };
  traced[ORIGINAL] = current;
  holder.create = traced;
}

function tracedCreate(original: Create, kind: Kind): Create {
  return function create(this: unknown, body: Record<string, unknown>, options?: unknown): unknown {
    const span = startSpan({ name: SPAN[kind].name, spanType: SPAN[kind].type, inputs: body });
    recordRequest(span, kind, body);
    let pending: unknown;
    try {
      pending = context.with(otelTrace.setSpan(context.active(), span.otelSpan), () =>
        original.call(this, body, options),
      );
    } catch (error) {
      span.recordException(error);
      span.end();
      throw error;
    }
    const fail = (error: unknown) => {
      span.recordException(error);
      span.end();
    };
    const done = (data: unknown) =>
      body?.stream === true ? traceStream(data, span, kind) : finishResponse(span, data);
    const api = pending as {
      _thenUnwrap?: (transform: (data: unknown) => unknown) => unknown;
      asResponse?: () => Promise<unknown>;
    };
    if (typeof api?._thenUnwrap === 'function' && typeof api.asResponse === 'function') {
      // Keep the SDK's APIPromise (`withResponse()`, `asResponse()` still work). Failed requests reject
      // the response promise, which `asResponse` exposes without reading the body.
      api.asResponse().catch(fail);
      return api._thenUnwrap(done);
    }
    return Promise.resolve(pending).then(done, (error: unknown) => {
      fail(error);
      throw error;
    });
  };
}

function recordRequest(span: LiveSpan, kind: Kind, body: Record<string, unknown> | undefined): void {
  span.setAttribute(SpanAttributeKey.LLM_PROVIDER, 'openai');
  if (typeof body?.model === 'string') span.setAttribute(SpanAttributeKey.LLM_MODEL, body.model);
  if (kind === 'chat') span.setAttribute(SpanAttributeKey.MESSAGE_FORMAT, 'openai');
  if (Array.isArray(body?.tools) && body.tools.length > 0)
    span.setAttribute(SpanAttributeKey.CHAT_TOOLS, body.tools);
}

function recordUsage(span: LiveSpan, usage: OpenAIUsage | null | undefined): void {
  const usageValue = tokenUsage(usage);
  if (usageValue !== undefined) span.setAttribute(SpanAttributeKey.CHAT_USAGE, usageValue);
}

function finishResponse(span: LiveSpan, data: unknown): unknown {
  recordUsage(span, (data as { usage?: OpenAIUsage } | undefined)?.usage);
  span.end({ outputs: data });
  return data;
}

/**
 * Makes the span end when the stream is consumed (or abandoned, or fails), with the assembled answer
 * as outputs and each chunk as an `mlflow.chunk.item.<i>` event. The SDK's `Stream` reads its chunks
 * through its `iterator` function (iteration, `tee()`, `toReadableStream()`), so that is wrapped.
 */
function traceStream(stream: unknown, span: LiveSpan, kind: Kind): unknown {
  const assembler = new StreamAssembler(kind === 'chat' ? 'chat' : 'text');
  let index = 0;
  const hooks: IteratorHooks = {
    chunk: (chunk) => {
      assembler.add(chunk as StreamChunk);
      span.addEvent(`${SpanEventName.CHUNK_PREFIX}${index++}`, {
        [SpanEventName.CHUNK_VALUE]: toAttributeJson(chunk),
      });
    },
    end: (error) => {
      if (error !== undefined) span.recordException(error);
      recordUsage(span, assembler.usage);
      span.end({ outputs: assembler.result() });
    },
  };
  const target = stream as { iterator?: unknown; [Symbol.asyncIterator]?: unknown };
  if (typeof target?.iterator === 'function') {
    const inner = target.iterator as () => AsyncIterator<unknown>;
    target.iterator = () => wrapIterator(inner.call(stream), hooks);
  } else if (typeof target?.[Symbol.asyncIterator] === 'function') {
    const inner = target[Symbol.asyncIterator] as () => AsyncIterator<unknown>;
    target[Symbol.asyncIterator] = () => wrapIterator(inner.call(stream), hooks);
  } else {
    span.end({ outputs: stream });
  }
  return stream;
}

interface IteratorHooks {
  chunk(value: unknown): void;
  end(error?: unknown): void;
}

function wrapIterator(inner: AsyncIterator<unknown>, hooks: IteratorHooks): AsyncIterableIterator<unknown> {
  let ended = false;
  const end = (error?: unknown) => {
    if (ended) return;
    ended = true;
    hooks.end(error);
  };
  return {
    async next() {
      try {
        const result = await inner.next();
        if (result.done) end();
        else hooks.chunk(result.value);
        return result;
      } catch (error) {
        end(error);
        throw error;
      }
    },
    async return(value?: unknown) {
      end(); // the consumer stopped early (a `break`): the answer so far is the output
      return inner.return ? inner.return(value) : { done: true, value };
    },
    async throw(error?: unknown) {
      end(error);
      if (inner.throw) return inner.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
