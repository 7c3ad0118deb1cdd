import { MlflowError, sortKeysDeep } from '@flowline/core';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifySchemaCompiler } from 'fastify';

// MLflow parses a JSON body against the endpoint's proto: a value of the wrong JSON type (a number for a
// string field, a string for a list, …) is refused with INVALID_PARAMETER_VALUE, never coerced. Query
// strings are different: every value arrives as text, so GET routes keep fastify's coercing validator.

/** Python's name for the type `json.loads` gives a JSON value, as MLflow's hint prints it. */
export function pythonTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (Array.isArray(value)) return 'list';
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(value) ? 'int' : 'float';
    case 'string':
      return 'str';
    default:
      return 'dict';
  }
}

/** A value as Python's `json.dumps(value, sort_keys=True, separators=(",", ":"))` writes it (ASCII only). */
export function pythonJson(value: unknown): string {
  const text = JSON.stringify(sortKeysDeep(value)) ?? 'null';
  return text.replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** MLflow's message for a body field of the wrong type (`invalid_value` plus the type hint). */
export function wrongTypeMessage(param: string, value: unknown): string {
  return (
    `Invalid value ${pythonJson(value)} for parameter '${param}' supplied:  Hint: Value was of type ` +
    `'${pythonTypeName(value)}'. See the API docs for more information about request parameters.`
  );
}

/** Drops `null` members of objects, at any depth: proto JSON parsing treats `null` as "not set". */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = withoutNulls(v);
    return out;
  }
  return value;
}

/**
 * A fastify validator compiler for JSON bodies: TypeBox's compiled check, with no coercion, answering
 * MLflow's wrong-type message for the top-level field that failed.
 */
export const strictBodyCompiler: FastifySchemaCompiler<unknown> = ({ schema }) => {
  const check = TypeCompiler.Compile(schema as TSchema);
  return (data: unknown) => {
    const body = withoutNulls(data ?? {});
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return {
        error: MlflowError.invalidParameterValue(
          `Invalid request body ${pythonJson(data)}: it must be a JSON object. See the API docs for more information about request parameters.`,
        ),
      };
    }
    if (check.Check(body)) return { value: body };
    const first = check.Errors(body).First();
    const param = (first?.path ?? '').split('/')[1] ?? '';
    const field = param === '' ? 'request' : param;
    const value = param === '' ? body : (body as Record<string, unknown>)[param];
    return { error: MlflowError.invalidParameterValue(wrongTypeMessage(field, value)) };
  };
};
