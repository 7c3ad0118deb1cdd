import { fromWireInt, MlflowError, type ViewType } from '@flowline/core';
import type { FastifyRequest } from 'fastify';
import { wrongTypeMessage } from './strict-body.js';

/** A required string field, with MLflow's message when it is missing or empty. */
export function required(value: string | undefined, name: string): string {
  if (value === undefined || value === null || value === '') {
    throw MlflowError.invalidParameterValue(
      `Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`,
    );
  }
  return value;
}

/** The run id of a request, which MLflow accepts as `run_id` or the deprecated `run_uuid`. */
export function runIdOf(input: { run_id?: string; run_uuid?: string }): string {
  return required(input.run_id || input.run_uuid, 'run_id');
}

const VIEW_TYPES: Record<string, ViewType> = { 1: 'ACTIVE_ONLY', 2: 'DELETED_ONLY', 3: 'ALL' };

/** A view type given by name or proto number. */
export function viewTypeOf(value: string | number | undefined): ViewType | undefined {
  if (value === undefined) return undefined;
  return (typeof value === 'number' ? VIEW_TYPES[value] : value) as ViewType;
}

/** An optional int64 field (number or decimal string). */
export function intOf(value: unknown, name: string): number | undefined {
  return fromWireInt(value, name);
}

/**
 * An int64 field under a ceiling that MLflow's handler checks before its store (`_assert_less_than_or_equal`
 * with no message of its own), so the refusal is its generic wrong-value text: a query-string value shows as
 * the string it arrived as.
 */
export function cappedIntOf(
  request: FastifyRequest,
  value: unknown,
  name: string,
  max: number,
): number | undefined {
  const n = intOf(value, name);
  if (n !== undefined && n > max) {
    const raw = request.method === 'GET' ? String(value) : value;
    throw MlflowError.invalidParameterValue(wrongTypeMessage(name, raw));
  }
  return n;
}
