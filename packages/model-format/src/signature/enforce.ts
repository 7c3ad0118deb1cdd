import { MlflowError } from '@flowline/core';
import { enforceTensors } from './tensors.js';
import type { ColSpec, DataType, ParamSpec, Schema } from './types.js';

/** A row of tabular input. */
export type Row = Record<string, unknown>;

function mismatch(column: string, expected: string, value: unknown): MlflowError {
  const got =
    value === null
      ? 'null'
      : Array.isArray(value)
        ? 'list'
        : value instanceof Date
          ? 'datetime'
          : typeof value;
  return MlflowError.invalidParameterValue(
    `Incompatible input types for column ${column}. Can not safely convert ${got} (${JSON.stringify(value)?.slice(0, 60)}) to ${expected}.`,
  );
}

/** One value converted to a column type with MLflow's safe-conversion rules, or an error naming the column. */
export function convertValue(value: unknown, type: DataType, column: string): unknown {
  switch (type.type) {
    case 'any':
      return value;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      throw mismatch(column, 'boolean', value);
    case 'integer':
    case 'long': {
      const n = typeof value === 'bigint' ? Number(value) : value;
      if (typeof n === 'number' && Number.isInteger(n)) {
        if (type.type === 'integer' && (n < -2147483648 || n > 2147483647))
          throw mismatch(column, 'integer (int32)', value);
        return n;
      }
      throw mismatch(column, type.type, value);
    }
    case 'float':
    case 'double':
      // Integers widen to floating point safely; strings and booleans do not.
      if (typeof value === 'number') return value;
      throw mismatch(column, type.type, value);
    case 'string':
      if (typeof value === 'string') return value;
      throw mismatch(column, 'string', value);
    case 'binary':
      if (value instanceof Uint8Array) return value;
      if (typeof value === 'string') return Buffer.from(value, 'base64');
      throw mismatch(column, 'binary', value);
    case 'datetime': {
      const d =
        value instanceof Date
          ? value
          : typeof value === 'string' || typeof value === 'number'
            ? new Date(value)
            : null;
      if (d && !Number.isNaN(d.getTime())) return d;
      throw mismatch(column, 'datetime', value);
    }
    case 'array':
      if (!Array.isArray(value)) throw mismatch(column, 'array', value);
      return value.map((v, i) => convertValue(v, type.items, `${column}[${i}]`));
    case 'map':
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw mismatch(column, 'map', value);
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, convertValue(v, type.values, `${column}.${k}`)]),
      );
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw mismatch(column, 'object', value);
      const out: Row = {};
      for (const [key, prop] of Object.entries(type.properties)) {
        const v = (value as Row)[key];
        if (v === undefined || v === null) {
          if (prop.required)
            throw MlflowError.invalidParameterValue(
              `Missing required property '${key}' in column ${column}.`,
            );
          continue;
        }
        out[key] = convertValue(v, prop, `${column}.${key}`);
      }
      return out;
    }
  }
}

/**
 * Checks and converts tabular input against a column schema, as MLflow's pyfunc does before predict:
 * required columns must be present, every value must convert safely, extra columns are dropped for
 * named schemas. Unnamed schemas take rows by position.
 */
export function enforceColumns(rows: Row[], schema: Extract<Schema, { kind: 'columns' }>): Row[] {
  const named = schema.columns.every((c) => c.name !== undefined);
  const present = new Set(rows.flatMap((r) => Object.keys(r)));
  if (named) {
    const missing = schema.columns.filter((c) => c.required && !present.has(c.name!)).map((c) => c.name!);
    if (missing.length > 0) {
      throw MlflowError.invalidParameterValue(
        `Model is missing inputs [${missing.map((m) => `'${m}'`).join(', ')}]. Note that there were extra inputs: [${[
          ...present,
        ]
          .filter((p) => !schema.columns.some((c) => c.name === p))
          .map((p) => `'${p}'`)
          .join(', ')}].`,
      );
    }
  }
  return rows.map((row, index) => {
    const out: Row = {};
    const values = named ? null : Object.values(row);
    schema.columns.forEach((col: ColSpec, i) => {
      const key = named ? col.name! : String(i);
      const value = named ? row[key] : values![i];
      if (value === undefined || value === null) {
        if (col.required)
          throw MlflowError.invalidParameterValue(
            `Required column ${key} has a missing value in row ${index}.`,
          );
        return;
      }
      out[key] = convertValue(value, col, key);
    });
    return out;
  });
}

/** Params for predict: defaults filled in, given values type-checked; unknown names are refused. */
export function enforceParams(
  params: Record<string, unknown> | undefined,
  specs: ParamSpec[] | undefined,
): Record<string, unknown> {
  const given = params ?? {};
  if (!specs || specs.length === 0) {
    if (Object.keys(given).length > 0) {
      throw MlflowError.invalidParameterValue(
        `This model takes no params, but got ${Object.keys(given).join(', ')}. Log it with a params schema to accept them.`,
      );
    }
    return {};
  }
  const unknown = Object.keys(given).filter((k) => !specs.some((s) => s.name === k));
  if (unknown.length > 0) {
    throw MlflowError.invalidParameterValue(
      `Unrecognized params ${unknown.join(', ')}; the model accepts ${specs.map((s) => s.name).join(', ')}.`,
    );
  }
  return Object.fromEntries(
    specs.map((spec) => {
      if (!(spec.name in given)) return [spec.name, spec.default];
      const value = given[spec.name];
      if (spec.shape) {
        if (!Array.isArray(value))
          throw MlflowError.invalidParameterValue(`Param '${spec.name}' must be a list of ${spec.type}.`);
        return [
          spec.name,
          value.map((v, i) => convertValue(v, { type: spec.type }, `param ${spec.name}[${i}]`)),
        ];
      }
      return [spec.name, convertValue(value, { type: spec.type }, `param ${spec.name}`)];
    }),
  );
}

const isRecord = (value: unknown): value is Row =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  !(value instanceof Date) &&
  !ArrayBuffer.isView(value);

/**
 * Table input in any form MLflow's scoring accepts, as rows: rows of records, `{columns, data}`, a record
 * of column lists, one record, or rows of values (a list of lists, as `pd.DataFrame` reads it: the
 * columns are the positions `0`, `1`, …).
 */
export function toRows(input: unknown): Row[] | null {
  if (Array.isArray(input) && input.every(isRecord)) return input;
  if (Array.isArray(input) && input.length > 0 && input.every(Array.isArray))
    return input.map((values: unknown[]) => Object.fromEntries(values.map((v, i) => [String(i), v])));
  if (isRecord(input)) {
    if (Array.isArray(input.columns) && Array.isArray(input.data)) {
      const columns = input.columns as string[];
      return (input.data as unknown[][]).map((values) =>
        Object.fromEntries(columns.map((c, i) => [c, values[i]])),
      );
    }
    const entries = Object.entries(input);
    if (entries.length > 0 && entries.every(([, v]) => Array.isArray(v))) {
      const length = (entries[0]![1] as unknown[]).length;
      return Array.from({ length }, (_, i) =>
        Object.fromEntries(entries.map(([k, v]) => [k, (v as unknown[])[i]])),
      );
    }
    return [input];
  }
  return null;
}

/**
 * Model input checked and converted against the signature's input schema, as MLflow's pyfunc
 * `_enforce_schema` does before predict. Tensor schemas: see `enforceTensors`. Column schemas take a
 * table (`toRows`) and return rows; a one-column unnamed schema also takes a list of values or one value
 * (MLflow's `List[DataType]` / `DataType` inputs), each converted, keeping the list or value as given;
 * a one-column named schema takes a list of values as that column. `request` marks an `llm/v1/*`
 * request object, which is one row even when all its values are lists, returned as the checked object.
 */
export function enforceInput(input: unknown, schema: Schema, options: { request?: boolean } = {}): unknown {
  if (schema.kind === 'tensors') return enforceTensors(input, schema);
  // The request is one row, and stays one object (as the flavors and MLflow's chat models take it).
  if (options.request && isRecord(input)) return enforceColumns([input], schema)[0];
  const [only, ...others] = schema.columns;
  if (only && others.length === 0 && !isRecord(input) && !(Array.isArray(input) && input.some(isRecord))) {
    const list = Array.isArray(input) ? input : null;
    // Lists of lists are rows of values, unless the one column holds lists itself.
    const rowsOfValues = list?.some(Array.isArray) && only.type !== 'array' && only.type !== 'any';
    if (only.name === undefined && !rowsOfValues) {
      const convert = (value: unknown, row: number) => {
        if (value !== undefined && value !== null) return convertValue(value, only, '0');
        if (only.required)
          throw MlflowError.invalidParameterValue(`Required column 0 has a missing value in row ${row}.`);
        return value;
      };
      return list ? list.map(convert) : convert(input, 0);
    }
    if (only.name !== undefined && list && !rowsOfValues)
      return enforceColumns(
        list.map((value) => ({ [only.name!]: value })),
        schema,
      );
  }
  const rows = toRows(input);
  if (!rows)
    throw MlflowError.invalidParameterValue(
      'This model takes a table: rows of records, columns of values, or {columns, data}.',
    );
  return enforceColumns(rows, schema);
}
