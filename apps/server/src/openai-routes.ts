import { randomUUID } from 'node:crypto';
import { ErrorCode, MlflowError } from '@flowline/core';
import { type LoadedModel, readLlmRequest } from '@flowline/model-format';
import type { FastifyPluginAsync, RouteOptions } from 'fastify';
import type { GenerationGate } from './generation-gate.js';
import {
  firstChoice,
  type GenerationEndpoint,
  generated,
  type StreamSummary,
  sendStream,
  wholeAnswer,
} from './openai-stream.js';
import { openAiErrors, registerErrorHandling } from './plugins/errors.js';
import type { RequestTracer } from './serving-traces.js';

/** The MLflow tasks that get OpenAI-compatible endpoints. */
export const LLM_TASKS = ['llm/v1/chat', 'llm/v1/completions', 'llm/v1/embeddings'] as const;
export type LlmTask = (typeof LLM_TASKS)[number];

/** Whether a task generates text (and so goes through the admission queue). */
export function generates(task: LlmTask | undefined): boolean {
  return task === 'llm/v1/chat' || task === 'llm/v1/completions';
}

/** The `llm/v1/*` task a model declares in its MLmodel `metadata.task`, if any. */
export function llmTask(model: LoadedModel): LlmTask | undefined {
  const task = model.metadata.metadata?.task;
  return LLM_TASKS.find((t) => t === task);
}

type Json = Record<string, unknown>;

function badRequest(message: string): MlflowError {
  return new MlflowError(ErrorCode.BAD_REQUEST, message);
}

function parseBody(body: unknown): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(body ?? ''));
  } catch (cause) {
    throw badRequest(`The request body must be JSON: ${(cause as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw badRequest('The request body must be a JSON object.');
  return parsed as Json;
}

/** The request as the model gets it: the fields the server answers itself (`model`, `stream_options`) left out. */
function modelInput(body: Json): Json {
  const { model: _model, stream_options: _options, ...rest } = body;
  // OpenAI takes one stop string or a list; MLflow's chat schema takes the list.
  if (typeof rest.stop === 'string') rest.stop = [rest.stop];
  return rest;
}

/** 404 `model_not_found`, as OpenAI answers a model name it does not serve. */
function modelNotFound(name: string): MlflowError {
  return Object.assign(
    new MlflowError(
      ErrorCode.RESOURCE_DOES_NOT_EXIST,
      `The model '${name}' does not exist; this server serves it under another name (GET /v1/models).`,
    ),
    { param: 'model', openaiCode: 'model_not_found' },
  );
}

/** A model may answer with the response object or a one-element list of it (pyfunc style). */
function single(prediction: unknown): Json {
  const value = Array.isArray(prediction) && prediction.length === 1 ? prediction[0] : prediction;
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw MlflowError.internal('The model did not return an OpenAI-style response object.');
  return value as Json;
}

/** Embeddings as OpenAI sends them: floats, or little-endian float32 bytes in base64. */
function encodeEmbedding(vector: number[], format: unknown): number[] | string {
  if (format !== 'base64') return vector;
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

const ENDPOINTS: Partial<Record<LlmTask, GenerationEndpoint>> = {
  'llm/v1/chat': {
    path: '/chat/completions',
    prefix: 'chatcmpl',
    object: 'chat.completion',
    chunkObject: 'chat.completion.chunk',
    kind: 'chat',
    choice: (text) => ({ index: 0, delta: { role: 'assistant', content: text }, finish_reason: null }),
    finish: (reason) => ({ index: 0, delta: {}, finish_reason: reason }),
    answerText: (answer) => String((firstChoice(answer)?.message as Json | undefined)?.content ?? ''),
  },
  'llm/v1/completions': {
    path: '/completions',
    prefix: 'cmpl',
    object: 'text_completion',
    chunkObject: 'text_completion',
    kind: 'completions',
    choice: (text) => ({ index: 0, text, finish_reason: null }),
    finish: (reason) => ({ index: 0, text: '', finish_reason: reason }),
    answerText: (answer) => String(firstChoice(answer)?.text ?? ''),
  },
};

/** What `openAiRoutes` serves: the model, its `llm/v1/*` task, and the name clients know it by. */
export interface OpenAiRoutesOptions {
  model: LoadedModel;
  task: LlmTask;
  modelName: string;
  /** Other names a request's `model` may give (e.g. the model URI it was served from). */
  modelAliases?: string[];
  /** The admission queue, deadline and metrics the generating routes go through. */
  gate: GenerationGate;
  /** Traces each request (`models serve --trace-to`). */
  tracer?: RequestTracer;
}

/** A streamed answer as the trace records it: the first choice's text, finish reason and the usage. */
function streamedAnswer(endpoint: GenerationEndpoint, sent: StreamSummary): Json {
  const choice =
    endpoint.kind === 'chat'
      ? { index: 0, message: { role: 'assistant', content: sent.text } }
      : { index: 0, text: sent.text };
  return {
    object: endpoint.object,
    choices: [{ ...choice, finish_reason: sent.finishReason ?? 'stop' }],
    ...(sent.usage ? { usage: sent.usage } : {}),
  };
}

/**
 * OpenAI-compatible endpoints for a model whose MLmodel declares an `llm/v1/*` task, as one encapsulated
 * plugin registered under `OPENAI_PREFIX`: `GET /v1/models` and, by task, `POST /v1/chat/completions` (with `stream: true` as
 * server-sent events), `/v1/completions` or `/v1/embeddings`. Errors, 404s included, are OpenAI's JSON
 * (`{error: {message, type, param, code}}`) from the one error plugin.
 */
export const openAiRoutes: FastifyPluginAsync<OpenAiRoutesOptions> = async (app, options) => {
  registerErrorHandling(app, { format: openAiErrors });
  for (const route of routesFor(options)) app.route(route);
};

/** Where `openAiRoutes` is registered, as OpenAI's clients expect (`baseURL: 'http://host:port/v1'`). */
export const OPENAI_PREFIX = '/v1';

/** The routes a task gets, as data. */
function routesFor({
  model,
  task,
  modelName,
  modelAliases = [],
  gate,
  tracer,
}: OpenAiRoutesOptions): RouteOptions[] {
  const names = new Set([modelName, ...modelAliases]);
  const card = { id: modelName, object: 'model', created: 0, owned_by: 'flowline', task };
  const routes: RouteOptions[] = [
    { method: 'GET', url: '/models', handler: async () => ({ object: 'list', data: [card] }) },
    {
      method: 'GET',
      url: '/models/*',
      handler: async (request) => {
        const id = decodeURIComponent((request.params as { '*': string })['*']);
        if (!names.has(id)) throw modelNotFound(id);
        return card;
      },
    },
  ];
  const endpoint = ENDPOINTS[task];
  if (endpoint) {
    routes.push({
      method: 'POST',
      url: endpoint.path,
      handler: async (request, reply) => {
        const body = parseBody(request.body);
        // Read (and refused, naming the parameter) before any slot is taken; a model that reads such
        // requests itself is given this one as read, so it is not read again.
        const llm = readLlmRequest(endpoint.kind, body);
        if (llm.model !== undefined && !names.has(llm.model)) throw modelNotFound(llm.model);
        const input = model.readsRequest ? llm : modelInput(body);
        const traced = tracer?.begin(`${OPENAI_PREFIX}${endpoint.path}`, body, endpoint.kind);
        try {
          if (llm.stream) {
            const admission = await gate.admit(request, reply);
            const call = { signal: admission.signal, ...(traced ? { observer: traced.observer } : {}) };
            try {
              const pieces =
                model.predictStream?.(input, undefined, call) ??
                wholeAnswer(model.predict(input, undefined, call).then(single), endpoint);
              const sent = await sendStream(
                reply,
                pieces,
                endpoint,
                modelName,
                admission,
                gate.metrics,
                llm.includeUsage,
              );
              traced?.end({ response: streamedAnswer(endpoint, sent) });
              return reply;
            } finally {
              admission.release();
            }
          }
          const answer = single(
            await gate.run(request, reply, (signal) =>
              generated(() =>
                model.predict(input, undefined, { signal, ...(traced ? { observer: traced.observer } : {}) }),
              ),
            ),
          );
          const completionTokens = (answer.usage as Json | undefined)?.completion_tokens;
          if (typeof completionTokens === 'number') gate.metrics.tokens(completionTokens);
          const response = {
            id: `${endpoint.prefix}-${randomUUID()}`,
            object: endpoint.object,
            created: Math.floor(Date.now() / 1000),
            ...answer,
            model: modelName,
          };
          traced?.end({ response });
          return response;
        } catch (error) {
          traced?.end({ error });
          throw error;
        }
      },
    });
  }
  if (task === 'llm/v1/embeddings') {
    routes.push({
      method: 'POST',
      url: '/embeddings',
      handler: async (request) => {
        const body = parseBody(request.body);
        const texts = typeof body.input === 'string' ? [body.input] : body.input;
        if (!Array.isArray(texts) || texts.length === 0 || !texts.every((t) => typeof t === 'string'))
          throw badRequest("'input' must be a string or a non-empty list of strings.");
        const format = body.encoding_format ?? 'float';
        if (format !== 'float' && format !== 'base64')
          throw badRequest(`'encoding_format' must be 'float' or 'base64'; got ${JSON.stringify(format)}.`);
        const traced = tracer?.begin(`${OPENAI_PREFIX}/embeddings`, body);
        const prediction = await generated(() => model.predict({ ...modelInput(body), input: texts })).catch(
          (error: unknown) => {
            traced?.end({ error });
            throw error;
          },
        );
        // Either MLflow's embeddings response ({data: [{embedding}], usage}) or a bare list of vectors.
        const response =
          Array.isArray(prediction) && Array.isArray(prediction[0])
            ? { data: prediction }
            : single(prediction);
        const data = (response.data as unknown[]).map((entry, index) => {
          const vector = Array.isArray(entry) ? entry : (entry as Json).embedding;
          return { object: 'embedding', index, embedding: encodeEmbedding(vector as number[], format) };
        });
        const usage = response.usage ?? { prompt_tokens: 0, total_tokens: 0 };
        // The trace keeps how many vectors of what size, not the vectors.
        const size = Array.isArray(data[0]?.embedding) ? data[0].embedding.length : undefined;
        traced?.end({ response: { object: 'list', embeddings: data.length, dimensions: size, usage } });
        return { object: 'list', data, model: modelName, usage };
      },
    });
  }
  return routes;
}
