import { ErrorCode, httpStatusFor, isMlflowError } from '@flowline/core';
import type { FastifyError, FastifyInstance } from 'fastify';

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

/**
 * Turns every error into MLflow's JSON body (`error_code`, `message`) with MLflow's HTTP status. Client
 * mistakes are 4xx with a message that says what to fix; anything unexpected is a generic 500, logged in full.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isMlflowError(error)) {
      const status = httpStatusFor(error.errorCode);
      if (status >= 500) request.log.error({ err: error }, 'server error');
      return reply.status(status).send({ error_code: error.errorCode, message: error.message });
    }
    if (error.validation) {
      return reply
        .status(400)
        .send({ error_code: ErrorCode.INVALID_PARAMETER_VALUE, message: validationMessage(error) });
    }
    // MLflow answers a wrong Content-Type with 400, not 415.
    const status = error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 400 : (error.statusCode ?? 500);
    if (status >= 400 && status < 500) {
      const code =
        status === 404
          ? ErrorCode.ENDPOINT_NOT_FOUND
          : status === 413
            ? ErrorCode.RESOURCE_EXHAUSTED
            : ErrorCode.INVALID_PARAMETER_VALUE;
      return reply.status(status).send({ error_code: code, message: clientMessage(error) });
    }
    request.log.error({ err: error }, 'unexpected error');
    return reply.status(500).send({
      error_code: ErrorCode.INTERNAL_ERROR,
      message: `Internal server error (request id ${request.id}); see the server log.`,
    });
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    const other = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter(
      (method) => method !== request.method && app.hasRoute({ method, url: path }),
    );
    if (other.length > 0) {
      return reply
        .status(405)
        .header('allow', other.join(', '))
        .send({
          error_code: ErrorCode.BAD_REQUEST,
          message: `Method ${request.method} is not allowed on ${path}; use ${other.join(' or ')}.`,
        });
    }
    return reply.status(404).send({
      error_code: ErrorCode.ENDPOINT_NOT_FOUND,
      message: `No API endpoint at ${request.method} ${path}.`,
    });
  });
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
