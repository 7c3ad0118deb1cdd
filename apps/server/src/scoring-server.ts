import { randomUUID } from 'node:crypto';
import { ErrorCode, isMlflowError, MlflowError } from '@flowline/core';
import { LLM_REQUEST_FIELDS, type LoadedModel } from '@flowline/model-format';
import { parse as parseCsv } from 'csv-parse/sync';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { DEFAULT_ADMISSION_LIMITS } from './admission-queue.js';
import { GenerationGate } from './generation-gate.js';
import { generates, llmTask, OPENAI_PREFIX, openAiRoutes } from './openai-routes.js';
import { registerApiKey } from './plugins/api-key.js';
import { mlflowErrors, registerErrorHandling } from './plugins/errors.js';
import { registerHostCheck } from './plugins/host-check.js';
import { DEFAULT_BODY_IDLE_TIMEOUT_MS, registerIdleBodyTimeout } from './plugins/idle-body.js';
import { PROMETHEUS_CONTENT_TYPE } from './scoring-metrics.js';
import type { RequestTracer } from './serving-traces.js';
import { SERVER_VERSION } from './version.js';

/** Options of the scoring server. */
export interface ScoringServerOptions {
  /** The model to serve; `close()`d when the server closes. */
  model: LoadedModel;
  logger?: FastifyBaseLogger | boolean;
  bodyLimit?: number;
  /** The name `/v1/models` and OpenAI responses give the model (default: `model`). */
  modelName?: string;
  /** Other names a `/v1` request's `model` may give for it (the CLI adds the model URI). */
  modelAliases?: string[];
  /** Host headers accepted, as the tracking server's `--allowed-hosts`; default: loopback, private and bound addresses. */
  allowedHosts?: string[];
  /** A request body that sends nothing for this long is cut off with 408 (default 30 000 ms; 0: never). */
  bodyIdleTimeoutMs?: number;
  /** Send a failed prediction's `stack_trace` to the client, as MLflow does (default: only logged). */
  stackTraces?: boolean;
  /** When set, every route but `/ping`, `/health` and `/version` needs `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** Generating requests running at once (`--max-concurrent-requests`, default 8). */
  maxConcurrentRequests?: number;
  /** Generating requests waiting for a slot (`--max-queue`, default 32); past it, 429 with `Retry-After`. */
  maxQueue?: number;
  /** A generating request running longer than this is cancelled (`--request-timeout`; default 0: never). */
  requestTimeoutMs?: number;
  /** Traces every `/invocations` and `/v1/*` request (`models serve --trace-to`; see `servingTracer`). */
  tracer?: RequestTracer;
}

const INPUT_KEYS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;

function badInput(message: string): MlflowError {
  return new MlflowError(ErrorCode.BAD_REQUEST, message);
}

/** Top-level keys of MLflow's unwrapped LLM requests (chat, completions, embeddings). */
const LLM_KEYS = ['messages', 'prompt', 'input'] as const;

/** An `/invocations` body read: the model input, its params, and whether it was an unwrapped LLM request. */
export interface Invocation {
  input: unknown;
  params?: Record<string, unknown>;
  /** MLflow's unified LLM form (`{"messages": …}`): answered with the bare prediction, not `{"predictions": …}`. */
  unwrapped?: boolean;
}

/**
 * The model input and params of an `/invocations` JSON body, by MLflow's scoring protocol. A body with a
 * top-level `messages`, `prompt` or `input` is MLflow's unified LLM form: the whole body is the input,
 * except keys the model's params schema names (`paramNames`), which become params.
 */
export function parseInvocation(body: unknown, paramNames: readonly string[] = []): Invocation {
  if (body && typeof body === 'object' && !Array.isArray(body) && LLM_KEYS.some((k) => k in body)) {
    const input: Record<string, unknown> = {};
    const params: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(body)) (paramNames.includes(key) ? params : input)[key] = value;
    return { input, params: Object.keys(params).length > 0 ? params : undefined, unwrapped: true };
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw badInput(
      `Invalid input. The input must be a JSON dictionary with exactly one of the input fields ${JSON.stringify(INPUT_KEYS)}.`,
    );
  }
  const record = body as Record<string, unknown>;
  const present = INPUT_KEYS.filter((k) => k in record);
  if (present.length !== 1) {
    throw badInput(
      `Invalid input. The input must be a JSON dictionary with exactly one of the input fields ${JSON.stringify(INPUT_KEYS)}. ` +
        `Received dictionary with input fields: ${JSON.stringify(Object.keys(record))}. IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. ` +
        'If you are seeing this error, you are likely using an outdated scoring request format ({"columns": …, "data": …} or a bare list). ' +
        'Send {"dataframe_split": {"columns": […], "data": [[…]]}} or {"dataframe_records": [{…}]} instead.',
    );
  }
  const key = present[0]!;
  const value = record[key];
  const params = record.params as Record<string, unknown> | undefined;
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params)))
    throw badInput('params must be a JSON object.');
  if (key === 'dataframe_split') {
    const split = value as { columns?: unknown; data?: unknown };
    if (!split || !Array.isArray(split.data))
      throw badInput('dataframe_split needs "data" (a list of rows) and usually "columns".');
    const columns = Array.isArray(split.columns)
      ? (split.columns as string[])
      : (split.data[0] as unknown[]).map((_, i) => String(i));
    return {
      input: (split.data as unknown[][]).map((row) => Object.fromEntries(columns.map((c, i) => [c, row[i]]))),
      params,
    };
  }
  if (key === 'dataframe_records' && !Array.isArray(value))
    throw badInput('dataframe_records must be a list of row objects.');
  return { input: value, params };
}

/** CSV with a header row as records; numeric-looking cells become numbers (as pandas reads them). */
export function parseCsvInput(text: string): Array<Record<string, unknown>> {
  let rows: Array<Record<string, string>>;
  try {
    rows = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true });
  } catch (cause) {
    throw badInput(`Could not read the CSV body: ${(cause as Error).message}`);
  }
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [
        k,
        v === ''
          ? null
          : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)
            ? Number(v)
            : v === 'True' || v === 'true'
              ? true
              : v === 'False' || v === 'false'
                ? false
                : v,
      ]),
    ),
  );
}

/**
 * Runs the model. As MLflow's scoring server, a model failing on its input is the request's fault: 400
 * `BAD_REQUEST` with the error's message, the stack trace in the log (an `MlflowError` keeps its own code).
 */
async function evaluate<T>(request: FastifyRequest, predict: () => Promise<T>): Promise<T> {
  try {
    return await predict();
  } catch (error) {
    if (isMlflowError(error)) throw error;
    request.log.error({ err: error }, 'prediction failed');
    throw new MlflowError(
      ErrorCode.BAD_REQUEST,
      `Encountered an unexpected error while evaluating the model: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** JSON-safe predictions: typed arrays become lists, NaN becomes null. */
function jsonable(value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView))
    return Array.from(value as unknown as ArrayLike<number>, (v) => (typeof v === 'bigint' ? Number(v) : v));
  return value;
}

/**
 * MLflow's scoring server for one loaded model: `GET /ping`, `/health`, `/version`, `POST /invocations`
 * taking `dataframe_split`, `dataframe_records`, `instances`, `inputs` (+ `params`) as JSON, or CSV, and
 * answering `{"predictions": …}`; bad input gets MLflow's error JSON (from the one error plugin), other
 * content types 415.
 * Models whose MLmodel declares an `llm/v1/*` task also get OpenAI-compatible `/v1/*` endpoints. Generating
 * requests (chat and completions, on `/v1/*` or `/invocations`) pass a bounded admission queue; `GET /metrics`
 * answers Prometheus metrics. Neither it nor `/ping`, `/health`, `/version`, `/v1/models` waits for a slot.
 */
export async function buildScoringServer(options: ScoringServerOptions): Promise<FastifyInstance> {
  const loggerOption =
    options.logger === undefined || typeof options.logger === 'boolean'
      ? { logger: options.logger ?? false }
      : { loggerInstance: options.logger };
  const app = Fastify({
    ...loggerOption,
    bodyLimit: options.bodyLimit ?? 64 * 1024 * 1024,
    genReqId: () => randomUUID(),
    forceCloseConnections: 'idle',
  });
  // The server owns the model it serves: closing it releases the model's sessions and downloaded copy.
  app.addHook('onClose', () => options.model.close());
  registerIdleBodyTimeout(
    app,
    options.bodyIdleTimeoutMs ?? DEFAULT_BODY_IDLE_TIMEOUT_MS,
    '--body-idle-timeout (FLOWLINE_BODY_IDLE_TIMEOUT)',
  );
  registerHostCheck(app, {
    allowedHosts: options.allowedHosts,
    exempt: ['/ping', '/health', '/version'],
    hint: '--allowed-hosts (FLOWLINE_SCORING_ALLOWED_HOSTS)',
  });
  if (options.apiKey)
    registerApiKey(app, { apiKey: options.apiKey, exempt: ['/ping', '/health', '/version'] });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  registerErrorHandling(app, {
    format: mlflowErrors({ stackTraces: options.stackTraces }),
    notFoundHint: 'Use POST /invocations.',
  });

  const gate = new GenerationGate(
    {
      maxConcurrent: options.maxConcurrentRequests ?? DEFAULT_ADMISSION_LIMITS.maxConcurrent,
      maxQueue: options.maxQueue ?? DEFAULT_ADMISSION_LIMITS.maxQueue,
    },
    options.requestTimeoutMs ?? 0,
    () => options.model.metrics?.() ?? [],
  );
  // Every request is counted once its response is over (sent, or its client gone), streams included.
  app.addHook('onRequest', async (request, reply) => {
    reply.raw.once('close', () =>
      gate.metrics.request(request.method, request.routeOptions.url ?? '<unmatched>', reply.raw.statusCode),
    );
  });
  app.get('/metrics', async (_req, reply) => reply.type(PROMETHEUS_CONTENT_TYPE).send(gate.metrics.render()));
  app.get('/ping', async (_req, reply) => reply.type('text/plain').send('\n'));
  app.get('/health', async (_req, reply) => reply.type('text/plain').send('\n'));
  app.get('/version', async (_req, reply) => reply.type('text/plain').send(SERVER_VERSION));
  const task = llmTask(options.model);
  const generating = generates(task);
  const modelName = options.modelName ?? 'model';
  // MLflow's scoring server hands an LLM request's own fields to the model: only keys that are no OpenAI
  // request field (the flavor's own params, such as max_length) are taken as params.
  const paramNames = (options.model.metadata.signature?.params ?? [])
    .map((param) => param.name)
    .filter((name) => !(generating && LLM_REQUEST_FIELDS.has(name)));
  app.post('/invocations', async (request, reply) => {
    const contentType = String(request.headers['content-type'] ?? '').toLowerCase();
    const [type, ...parameters] = contentType.split(';').map((s) => s.trim());
    const okParams = parameters.every((p) => p === '' || p === 'charset=utf-8');
    if (!okParams || (type !== 'application/json' && type !== 'text/csv')) {
      return reply
        .status(415)
        .type('text/plain')
        .send(
          `This predictor only supports the following content types: ['text/csv', 'application/json'] (charset=utf-8). Got '${contentType}'.`,
        );
    }
    const text = String(request.body ?? '');
    let invocation: Invocation;
    let body: unknown;
    if (type === 'text/csv') {
      invocation = { input: parseCsvInput(text) };
      body = invocation.input;
    } else {
      try {
        body = JSON.parse(text);
      } catch (cause) {
        throw badInput(`Invalid input. Ensure the input is valid JSON: ${(cause as Error).message}`);
      }
      invocation = parseInvocation(body, paramNames);
    }
    const kind = task === 'llm/v1/chat' ? 'chat' : task === 'llm/v1/completions' ? 'completions' : undefined;
    const traced = options.tracer?.begin('/invocations', body, kind);
    // A generating model gets the admission's signal: a hang-up or --request-timeout stops its generation.
    const predict = (signal?: AbortSignal) =>
      evaluate(request, () =>
        options.model.predict(invocation.input, invocation.params, {
          signal,
          ...(traced ? { observer: traced.observer } : {}),
        }),
      );
    let answer: unknown;
    try {
      const predictions = jsonable(await (generating ? gate.run(request, reply, predict) : predict()));
      answer = !invocation.unwrapped
        ? { predictions }
        : // The chat and completions signatures' `id` and `model`, as /v1 answers them.
          generating && predictions && typeof predictions === 'object' && !Array.isArray(predictions)
          ? {
              id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID()}`,
              ...predictions,
              model: modelName,
            }
          : predictions;
    } catch (error) {
      traced?.end({ error });
      throw error;
    }
    traced?.end({ response: answer });
    return answer;
  });
  if (task) {
    await app.register(openAiRoutes, {
      prefix: OPENAI_PREFIX,
      model: options.model,
      task,
      modelName,
      modelAliases: options.modelAliases ?? [],
      gate,
      ...(options.tracer ? { tracer: options.tracer } : {}),
    });
  }
  await app.ready();
  return app;
}
