import { MlflowError } from '@flowline/core';
import { isTensorLike, type TensorLike, typedArrayDtype } from './infer.js';
import type { Schema, TensorSpec } from './types.js';

type TensorSchema = Extract<Schema, { kind: 'tensors' }>;

function invalid(message: string): MlflowError {
  return MlflowError.invalidParameterValue(message);
}

/** How JSON numbers become each numeric dtype: the typed array, and the integer range when integral. */
const NUMERIC: Record<string, { make: (values: number[]) => ArrayBufferView; range?: [number, number] }> = {
  float32: { make: (v) => Float32Array.from(v) },
  float64: { make: (v) => Float64Array.from(v) },
  int8: { make: (v) => Int8Array.from(v), range: [-128, 127] },
  int16: { make: (v) => Int16Array.from(v), range: [-32768, 32767] },
  int32: { make: (v) => Int32Array.from(v), range: [-2147483648, 2147483647] },
  int64: {
    make: (v) => BigInt64Array.from(v, (x) => BigInt(x)),
    range: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  },
  uint8: { make: (v) => Uint8Array.from(v), range: [0, 255] },
  uint16: { make: (v) => Uint16Array.from(v), range: [0, 65535] },
  uint32: { make: (v) => Uint32Array.from(v), range: [0, 4294967295] },
  uint64: { make: (v) => BigUint64Array.from(v, (x) => BigInt(x)), range: [0, Number.MAX_SAFE_INTEGER] },
};

const label = (name: string | undefined) => (name ? `Input '${name}'` : 'The input');
const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** The dims of a nested list and its leaves, or null when the list is ragged. */
function nested(value: unknown): { dims: number[]; leaves: unknown[] } | null {
  const dims: number[] = [];
  for (let cursor = value; Array.isArray(cursor); cursor = cursor[0]) dims.push(cursor.length);
  const leaves: unknown[] = [];
  const walk = (item: unknown, depth: number): boolean => {
    if (depth === dims.length) {
      if (Array.isArray(item)) return false;
      leaves.push(item);
      return true;
    }
    return Array.isArray(item) && item.length === dims[depth] && item.every((x) => walk(x, depth + 1));
  };
  return walk(value, 0) ? { dims, leaves } : null;
}

function checkShape(dims: readonly number[], spec: TensorSpec): void {
  if (dims.length !== spec.shape.length || spec.shape.some((d, i) => d !== -1 && d !== dims[i]))
    throw invalid(
      `Shape of ${spec.name ? `input '${spec.name}'` : 'the input'} ${shapeText(dims)} does not match expected shape ${shapeText(spec.shape)}.`,
    );
}

/**
 * One tensor checked against its spec, as MLflow's `_enforce_tensor_spec` after the scoring server's
 * `np.array(data, dtype=spec.type)`: the rank and every fixed dimension must match (-1 takes any size);
 * JSON numbers are cast to a numeric dtype (integers only for integer dtypes, within range) and come back
 * as a tensor of that dtype; a typed array must already have the spec's dtype. Specs of shape [-1] and
 * dtype object take anything, as MLflow's do.
 */
export function enforceTensorSpec(value: unknown, spec: TensorSpec): unknown {
  if (spec.dtype === 'object' && spec.shape.length === 1 && spec.shape[0] === -1) return value;
  if (isTensorLike(value)) {
    const dtype = typedArrayDtype(value.data);
    if (dtype !== spec.dtype)
      throw invalid(
        `${label(spec.name)} has dtype ${dtype ?? 'unknown'}, which does not match the expected dtype ${spec.dtype}.`,
      );
    checkShape(value.dims, spec);
    return value;
  }
  const read = nested(value);
  if (!read)
    throw invalid(
      `${label(spec.name)} must be a rectangular list of numbers (got a ragged list); the model takes shape ${shapeText(spec.shape)}.`,
    );
  checkShape(read.dims, spec);
  const numeric = NUMERIC[spec.dtype];
  if (numeric) {
    const at = read.leaves.findIndex(
      (x) =>
        typeof x !== 'number' ||
        (numeric.range && (!Number.isInteger(x) || x < numeric.range[0] || x > numeric.range[1])),
    );
    if (at !== -1)
      throw invalid(
        `${label(spec.name)} has ${JSON.stringify(read.leaves[at]) ?? String(read.leaves[at])}, which cannot be safely converted to ${spec.dtype}.`,
      );
    return { data: numeric.make(read.leaves as number[]), dims: read.dims } satisfies TensorLike;
  }
  const expected = spec.dtype === 'bool' ? 'boolean' : spec.dtype === 'str' ? 'string' : undefined;
  const at = expected ? read.leaves.findIndex((x) => typeof x !== expected) : -1;
  if (at !== -1)
    throw invalid(
      `${label(spec.name)} has ${JSON.stringify(read.leaves[at])}, which is not a ${spec.dtype} value.`,
    );
  // Dtypes without a typed array (bool, float16, str, bytes, object) keep the checked nested list.
  return value;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !isTensorLike(value);

/** Table rows (a DataFrame in MLflow) as one tensor: a column of scalars or lists, or the row values. */
function fromRows(rows: Array<Record<string, unknown>>, spec: TensorSpec, column?: string): unknown {
  const values = rows.map((row) => (column === undefined ? Object.values(row) : row[column]));
  // One scalar per row fills a [-1] or [-1, 1] tensor, as MLflow reshapes a column of scalars.
  if (column !== undefined && values.every((v) => !Array.isArray(v)) && spec.shape.length === 2)
    return values.map((v) => [v]);
  if (column === undefined && spec.shape.length === 1 && values.every((v) => (v as unknown[]).length === 1))
    return values.map((v) => (v as unknown[])[0]);
  return values;
}

/**
 * Input checked and cast against a tensor-based schema, as MLflow's `_enforce_tensor_schema`. Named
 * schemas take an object of name → tensor (nested list or typed array), a table whose columns are the
 * names, or, for a single tensor, the tensor itself or table rows as its matrix; unnamed schemas take one
 * tensor or table rows. Returns typed tensors (`{data, dims}`) for numeric dtypes.
 */
export function enforceTensors(input: unknown, schema: TensorSchema): unknown {
  const [first] = schema.tensors;
  const rows =
    Array.isArray(input) && input.length > 0 && input.every(isRecord)
      ? (input as Array<Record<string, unknown>>)
      : null;
  if (!first) return input;
  if (first.name === undefined) {
    if (isRecord(input))
      throw invalid(
        `This model takes one tensor (a nested list of numbers), got an object with keys ${Object.keys(input).join(', ')}.`,
      );
    return enforceTensorSpec(rows ? fromRows(rows, first) : input, first);
  }
  const names = schema.tensors.map((t) => t.name!);
  if (rows) {
    if (names.every((n) => n in rows[0]!))
      return Object.fromEntries(
        schema.tensors.map((t) => [t.name, enforceTensorSpec(fromRows(rows, t, t.name), t)]),
      );
    // A single-input model also takes table rows as its matrix, columns in the rows' key order.
    if (schema.tensors.length === 1) return { [first.name]: enforceTensorSpec(fromRows(rows, first), first) };
  }
  if (!isRecord(input)) {
    // One named tensor also takes the tensor alone, as MLflow maps a lone array to the only input.
    if (schema.tensors.length === 1) return { [first.name]: enforceTensorSpec(input, first) };
    throw invalid(
      `This model takes named tensors ${names.join(', ')}: send an object mapping each name to its tensor.`,
    );
  }
  return Object.fromEntries(
    schema.tensors.map((spec) => {
      const value = input[spec.name!];
      if (value === undefined || value === null)
        throw invalid(
          `Missing input tensor '${spec.name}'; the model's signature takes ${names.join(', ')}.`,
        );
      return [spec.name, enforceTensorSpec(value, spec)];
    }),
  );
}
