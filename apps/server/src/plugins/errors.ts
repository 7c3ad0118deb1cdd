import { ErrorCode, httpStatusFor, isMlflowError } from '@flowline/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { wasCutOff } from './idle-body.js';

// The one place errors become HTTP answers. Every error is first read into a `Problem` (status, MLflow code,
// a message fit for the client); a formatter per protocol then writes the body. Route areas choose their
// protocol by registering this plugin's handlers in their encapsulated context, so the tracking API answers
// MLflow's JSON and the OpenAI routes OpenAI's. Stack traces go to the log only.

/** An error as the client will see it. */
export interface Problem {
  status: number;
  code: ErrorCode;
  message: string;
  /** The error that was thrown (a formatter may read its cause). */
  error: unknown;
}

/** Writes a protocol's error body. */
export type ErrorFormatter = (problem: Problem) => unknown;

/** MLflow's error JSON, `{error_code, message}`; with `stackTraces`, a wrapped failure's `stack_trace` too. */
export function mlflowErrors(options: { stackTraces?: boolean } = {}): ErrorFormatter {
  return ({ code, message, error }) => {
    const cause = (error as { cause?: unknown } | null)?.cause;
    const stack = options.stackTraces && cause instanceof Error ? cause.stack : undefined;
    return { error_code: code, message, ...(stack ? { stack_trace: stack } : {}) };
  };
}

// OpenAI's own `code` where it has one for an MLflow code; otherwise the MLflow code, which MLflow clients read.
const OPENAI_CODES: Partial<Record<ErrorCode, string>> = {
  UNAUTHENTICATED: 'invalid_api_key',
  RESOURCE_EXHAUSTED: 'rate_limit_exceeded',
};

/** OpenAI's error JSON, `{error: {message, type, param, code}}`, as its clients parse it. */
export const openAiErrors: ErrorFormatter = ({ status, code, message, error }) => {
  // An LLM request error names its parameter (`requestError`), and may carry OpenAI's own code.
  const { param, openaiCode } = (error ?? {}) as { param?: unknown; openaiCode?: unknown };
  return {
    error: {
      message,
      type: status >= 500 ? 'server_error' : 'invalid_request_error',
      param: typeof param === 'string' ? param : null,
      code: typeof openaiCode === 'string' ? openaiCode : (OPENAI_CODES[code] ?? code),
    },
  };
};

interface ValidationIssue {
  instancePath?: string;
  keyword?: string;
  params?: Record<string, unknown>;
  message?: string;
}

function fieldName(issue: ValidationIssue): string {
  const path = (issue.instancePath ?? '')
    .replace(/^\//, '')
    .replace(/\/(\d+)/g, '[$1]')
    .replaceAll('/', '.');
  const missing = issue.params?.missingProperty;
  return typeof missing === 'string' ? (path ? `${path}.${missing}` : missing) : path || 'request';
}

/** MLflow's wording for a request that failed its schema. */
function validationMessage(error: FastifyError): string {
  const issue = (error.validation?.[0] ?? {}) as ValidationIssue;
  const name = fieldName(issue);
  if (issue.keyword === 'required') return `Missing value for required parameter '${name}'.`;
  return `Invalid value for parameter '${name}' supplied: ${issue.message ?? 'wrong type'}. See the API docs for more information about request parameters.`;
}

function clientMessage(error: FastifyError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Bad Request. Content-Type must be one of [application/json]. Send the request body as JSON.';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return `Malformed JSON in the request body: ${error.message}`;
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `Request body is larger than the server accepts (${error.message}). Split the data into smaller requests.`;
    default:
      return error.message;
  }
}

/**
 * Reads any thrown value as a `Problem`: an `MlflowError` keeps its code (status from core's table), a schema
 * failure is `INVALID_PARAMETER_VALUE` (400), fastify's own client errors keep their 4xx, and anything else
 * is `INTERNAL_ERROR` (500) with a generic message. Server faults are logged in full.
 */
export function problemOf(error: unknown, request: FastifyRequest): Problem {
  if (isMlflowError(error)) {
    const status = httpStatusFor(error.errorCode);
    if (status >= 500) request.log.error({ err: error }, 'server error');
    return { status, code: error.errorCode, message: error.message, error };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError?.validation) {
    const message = validationMessage(fastifyError);
    return { status: 400, code: ErrorCode.INVALID_PARAMETER_VALUE, message, error };
  }
  // MLflow answers a wrong Content-Type with 400, not 415.
  const status =
    fastifyError?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 400 : (fastifyError?.statusCode ?? 500);
  if (status >= 400 && status < 500) {
    const code =
      status === 404
        ? ErrorCode.ENDPOINT_NOT_FOUND
        : status === 413
          ? ErrorCode.RESOURCE_EXHAUSTED
          : ErrorCode.INVALID_PARAMETER_VALUE;
    return { status, code, message: clientMessage(fastifyError), error };
  }
  request.log.error({ err: error }, 'unexpected error');
  const message = `Internal server error (request id ${request.id}); see the server log.`;
  return { status: 500, code: ErrorCode.INTERNAL_ERROR, message, error };
}

/**
 * True when the route failed because its request body did not arrive whole through no fault of the server:
 * the idle timer cut it off (and answered 408), or the client went away mid-body (Node destroys the body's
 * stream with `ECONNRESET` 'aborted', or it closes early). The body's own error is read, not only what the
 * route threw, so a repository that wraps the failure is still seen as the client's.
 */
export function bodyAbortedByClient(error: unknown, request: FastifyRequest): boolean {
  const raw = request.raw;
  if (wasCutOff(raw)) return true;
  if (raw.complete) return false;
  const first = (raw.errored ?? error) as { code?: unknown; message?: unknown } | null;
  if (first?.code === 'ECONNRESET' && first.message === 'aborted') return true;
  // The body's stream closed before its end with no error of its own: its socket is gone.
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_STREAM_PREMATURE_CLOSE' && raw.errored == null && raw.socket?.destroyed === true;
}

/**
 * The answer to a request whose body its client abandoned: none where the idle timer already answered 408 or
 * the connection is gone, else 400 with `Connection: close` (the rest of the body will not be read).
 */
function answerAbortedBody(request: FastifyRequest, reply: FastifyReply, format: ErrorFormatter): unknown {
  const cutOff = wasCutOff(request.raw);
  request.log.info(
    { reason: cutOff ? 'request body idle timeout' : 'client went away' },
    'request body did not arrive whole; the route stopped (a client abort, not a server error)',
  );
  if (cutOff || reply.raw.headersSent || reply.raw.destroyed || request.raw.socket?.destroyed) return;
  const message =
    'The request body ended before all of it arrived, so the request was not carried out. Send it again.';
  return reply
    .status(400)
    .header('connection', 'close')
    .send(format({ status: 400, code: ErrorCode.BAD_REQUEST, message, error: null }));
}

/** What `registerErrorHandling` answers with. */
export interface ErrorHandlingOptions {
  format: ErrorFormatter;
  /** Appended to the 404 message (what to call instead). */
  notFoundHint?: string;
}

/**
 * Sets this context's error and not-found handlers, answering in `format`'s protocol. A wrong verb on a
 * known path is 405 with an `Allow` header (MLflow's Flask answers an HTML page there). A route that failed
 * because its client abandoned the request body gets no 500: see `bodyAbortedByClient`.
 */
export function registerErrorHandling(app: FastifyInstance, options: ErrorHandlingOptions): void {
  const { format } = options;
  app.setErrorHandler((error, request, reply) => {
    // A body its client abandoned is never a 500 (nor a second answer after the idle timer's 408).
    if (bodyAbortedByClient(error, request)) return answerAbortedBody(request, reply, format);
    const problem = problemOf(error, request);
    return reply.status(problem.status).send(format(problem));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    const other = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter(
      (method) => method !== request.method && app.hasRoute({ method, url: path }),
    );
    const problem = (status: number, code: ErrorCode, message: string) =>
      format({ status, code, message, error: null });
    if (other.length > 0) {
      const message = `Method ${request.method} is not allowed on ${path}; use ${other.join(' or ')}.`;
      return reply
        .status(405)
        .header('allow', other.join(', '))
        .send(problem(405, ErrorCode.BAD_REQUEST, message));
    }
    const message = `No API endpoint at ${request.method} ${path}.${options.notFoundHint ? ` ${options.notFoundHint}` : ''}`;
    return reply.status(404).send(problem(404, ErrorCode.ENDPOINT_NOT_FOUND, message));
  });
}
