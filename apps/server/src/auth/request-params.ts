import { MlflowError } from '@flowline/core';
import type { FastifyRequest } from 'fastify';

// How MLflow's auth layer reads a request's arguments (`_get_request_param`): the query string for GET,
// the JSON body for POST, PATCH and DELETE, the query string when the body is not JSON (DELETE without a
// body, raw uploads), and the route's path parameters. The handlers read the same places, so what is
// checked is what is acted on.

function source(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  const fromBody =
    body !== null && typeof body === 'object' && !Array.isArray(body) && !(Symbol.asyncIterator in body);
  const query = (request.query ?? {}) as Record<string, unknown>;
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  // A raw body (an upload) carries no arguments: those routes take theirs from the query string.
  const args = method === 'GET' || !fromBody ? query : body;
  return { ...(args as Record<string, unknown>), ...((request.params ?? {}) as Record<string, unknown>) };
}

const missing = (name: string) =>
  MlflowError.invalidParameterValue(
    `Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`,
  );

/** One argument as text, or undefined when absent or empty; a repeated one is refused (the handler takes one). */
export function optionalParam(request: FastifyRequest, name: string): string | undefined {
  const value = source(request)[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (Array.isArray(value)) {
    if (value.length > 1)
      throw MlflowError.invalidParameterValue(`Parameter '${name}' was given more than once; give it once.`);
    return value.length === 0 || value[0] === '' ? undefined : String(value[0]);
  }
  if (typeof value === 'object') return undefined;
  return String(value);
}

/** A required argument, with MLflow's message when it is missing. */
export function requiredParam(request: FastifyRequest, name: string): string {
  const value = optionalParam(request, name);
  if (value === undefined) throw missing(name);
  return value;
}

/** The run of a request: `run_id`, else the deprecated `run_uuid`, as the handlers read it. */
export function runIdParam(request: FastifyRequest): string {
  const value = optionalParam(request, 'run_id') ?? optionalParam(request, 'run_uuid');
  if (value === undefined) throw missing('run_id');
  return value;
}

/** A repeated argument (query keys or a JSON list), as text. */
export function listParam(request: FastifyRequest, name: string): string[] {
  const value = source(request)[name];
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value])
    .filter((v) => typeof v === 'string' || typeof v === 'number')
    .map(String);
}
