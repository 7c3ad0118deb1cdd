import { MlflowError } from '@flowline/core';
import type {
  ColSpec,
  DataType,
  ModelSignature,
  ParamSpec,
  ScalarType,
  Schema,
  TensorSpec,
} from './types.js';

const TYPED_ARRAYS: Array<[new (...args: never[]) => ArrayBufferView, string]> = [
  [Float32Array, 'float32'],
  [Float64Array, 'float64'],
  [Int8Array, 'int8'],
  [Int16Array, 'int16'],
  [Int32Array, 'int32'],
  [BigInt64Array, 'int64'],
  [Uint8Array, 'uint8'],
  [Uint16Array, 'uint16'],
  [Uint32Array, 'uint32'],
  [BigUint64Array, 'uint64'],
];

/** A tensor: a typed array with its shape (as onnxruntime's tensors carry). */
export interface TensorLike {
  data: ArrayBufferView;
  dims: readonly number[];
}

/** Whether a value is a tensor: a typed array with its dims. */
export function isTensorLike(value: unknown): value is TensorLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    ArrayBuffer.isView((value as TensorLike).data) &&
    Array.isArray((value as TensorLike).dims)
  );
}

/** The tensor dtype of a typed array (`float32` for a Float32Array), or undefined for other views. */
export function typedArrayDtype(view: ArrayBufferView): string | undefined {
  for (const [ctor, dtype] of TYPED_ARRAYS) if (view instanceof ctor) return dtype;
  return undefined;
}

function dtypeOf(view: ArrayBufferView): string {
  const dtype = typedArrayDtype(view);
  if (dtype) return dtype;
  throw MlflowError.invalidParameterValue('Unsupported typed array for a tensor signature.');
}

function tensorSpec(value: TensorLike, name?: string): TensorSpec {
  // The first dimension is the batch: variable, as MLflow infers it.
  return {
    ...(name ? { name } : {}),
    dtype: dtypeOf(value.data),
    shape: value.dims.map((d, i) => (i === 0 ? -1 : d)),
  };
}

/** The MLflow type of one value (numbers: `long` when integral, else `double`, as Python's int/float). */
export function inferDataType(value: unknown): DataType {
  if (typeof value === 'boolean') return { type: 'boolean' };
  if (typeof value === 'number') return { type: Number.isInteger(value) ? 'long' : 'double' };
  if (typeof value === 'bigint') return { type: 'long' };
  if (typeof value === 'string') return { type: 'string' };
  if (value instanceof Date) return { type: 'datetime' };
  if (value instanceof Uint8Array) return { type: 'binary' };
  if (Array.isArray(value)) {
    if (value.length === 0)
      throw MlflowError.invalidParameterValue(
        'Cannot infer the item type of an empty list; give an example with at least one item.',
      );
    return { type: 'array', items: mergeTypes(value.map(inferDataType)) };
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0)
      throw MlflowError.invalidParameterValue('Cannot infer a type for an empty object.');
    return {
      type: 'object',
      properties: Object.fromEntries(entries.map(([k, v]) => [k, { ...inferDataType(v), required: true }])),
    };
  }
  throw MlflowError.invalidParameterValue(
    `Cannot infer a type for ${value === null ? 'null' : typeof value}; give an example without it.`,
  );
}

function mergeTypes(types: DataType[]): DataType {
  const first = types[0]!;
  if (types.every((t) => JSON.stringify(t) === JSON.stringify(first))) return first;
  // Integers and fractions together are doubles, as a pandas column of both would be.
  if (types.every((t) => t.type === 'long' || t.type === 'double')) return { type: 'double' };
  throw MlflowError.invalidParameterValue(
    `Values of one column have different types (${[...new Set(types.map((t) => t.type))].join(', ')}).`,
  );
}

/**
 * A schema for an example, as MLflow's `infer_signature` maps pandas and numpy: a list of records or a
 * record of column lists → columns; a tensor (typed array + dims) or a record of tensors → tensors;
 * a record of scalars → one row of columns; a list of scalars → one unnamed column.
 */
export function inferSchema(example: unknown): Schema {
  if (isTensorLike(example)) return { kind: 'tensors', tensors: [tensorSpec(example)] };
  if (Array.isArray(example)) {
    if (example.length === 0)
      throw MlflowError.invalidParameterValue('Cannot infer a schema from an empty example.');
    if (
      example.every(
        (r) =>
          typeof r === 'object' &&
          r !== null &&
          !Array.isArray(r) &&
          !(r instanceof Date) &&
          !(r instanceof Uint8Array),
      )
    ) {
      const names = [...new Set(example.flatMap((r) => Object.keys(r as object)))];
      const columns: ColSpec[] = names.map((name) => {
        const values = example.map((r) => (r as Record<string, unknown>)[name]);
        const present = values.filter((v) => v !== undefined && v !== null);
        if (present.length === 0)
          throw MlflowError.invalidParameterValue(`Column '${name}' has no values to infer its type from.`);
        return {
          name,
          ...mergeTypes(present.map(inferDataType)),
          required: present.length === values.length,
        };
      });
      return { kind: 'columns', columns };
    }
    return { kind: 'columns', columns: [{ ...mergeTypes(example.map(inferDataType)), required: true }] };
  }
  if (typeof example === 'object' && example !== null) {
    const entries = Object.entries(example);
    if (entries.length > 0 && entries.every(([, v]) => isTensorLike(v))) {
      return { kind: 'tensors', tensors: entries.map(([name, v]) => tensorSpec(v as TensorLike, name)) };
    }
    const columnar = entries.every(([, v]) => Array.isArray(v));
    return {
      kind: 'columns',
      columns: entries.map(([name, v]) => ({
        name,
        ...(columnar ? mergeTypes((v as unknown[]).map(inferDataType)) : inferDataType(v)),
        required: true,
      })),
    };
  }
  return { kind: 'columns', columns: [{ ...inferDataType(example), required: true }] };
}

/** Param specs from example values: the value is the default, its type the param type. */
export function inferParams(params: Record<string, unknown>): ParamSpec[] {
  return Object.entries(params).map(([name, value]) => {
    const list = Array.isArray(value);
    const sample = list ? (value as unknown[])[0] : value;
    const t = inferDataType(sample);
    if (!['boolean', 'integer', 'long', 'float', 'double', 'string', 'binary', 'datetime'].includes(t.type)) {
      throw MlflowError.invalidParameterValue(`Param '${name}' must be a scalar or a list of scalars.`);
    }
    return { name, type: t.type as ScalarType, default: value, shape: list ? [-1] : null };
  });
}

/** MLflow's `infer_signature(input, output, params)`. */
export function inferSignature(
  input?: unknown,
  output?: unknown,
  params?: Record<string, unknown>,
): ModelSignature {
  return {
    ...(input !== undefined ? { inputs: inferSchema(input) } : {}),
    ...(output !== undefined ? { outputs: inferSchema(output) } : {}),
    ...(params !== undefined ? { params: inferParams(params) } : {}),
  };
}
