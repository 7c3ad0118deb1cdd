import { MlflowError } from '@flowline/core';
import { pythonJson } from '../python-json.js';

/** MLflow's scalar column types. */
export type ScalarType =
  | 'boolean'
  | 'integer'
  | 'long'
  | 'float'
  | 'double'
  | 'string'
  | 'binary'
  | 'datetime';

/** A column or param type: a scalar, or MLflow's composite array / object / map / any. */
export type DataType =
  | { type: ScalarType }
  | { type: 'array'; items: DataType }
  | { type: 'object'; properties: Record<string, DataType & { required: boolean }> }
  | { type: 'map'; values: DataType }
  | { type: 'any' };

/** One column of a column-based schema (MLflow's `ColSpec`). */
export type ColSpec = DataType & { name?: string; required: boolean };

/** One tensor of a tensor-based schema (MLflow's `TensorSpec`). */
export interface TensorSpec {
  name?: string;
  dtype: string;
  /** Dimensions; -1 is a variable dimension. */
  shape: number[];
}

/** A schema: columns, or tensors (never both). */
export type Schema = { kind: 'columns'; columns: ColSpec[] } | { kind: 'tensors'; tensors: TensorSpec[] };

/** One inference parameter (MLflow's `ParamSpec`). */
export interface ParamSpec {
  name: string;
  type: ScalarType;
  default: unknown;
  /** null for a scalar, [-1] for a list. */
  shape: number[] | null;
}

/** A model signature: inputs, outputs and params, each optional. */
export interface ModelSignature {
  inputs?: Schema;
  outputs?: Schema;
  params?: ParamSpec[];
}

const SCALARS = new Set<ScalarType>([
  'boolean',
  'integer',
  'long',
  'float',
  'double',
  'string',
  'binary',
  'datetime',
]);
const TENSOR_DTYPES = new Set([
  'bool',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'float16',
  'float32',
  'float64',
  'str',
  'object',
  'bytes',
]);

function invalid(message: string): MlflowError {
  return MlflowError.invalidParameterValue(`Invalid signature: ${message}`);
}

function dataTypeToJson(t: DataType): Record<string, unknown> {
  switch (t.type) {
    case 'array':
      return { type: 'array', items: dataTypeToJson(t.items) };
    case 'object':
      return {
        type: 'object',
        properties: Object.fromEntries(
          Object.keys(t.properties)
            .sort()
            .map((k) => [k, { ...dataTypeToJson(t.properties[k]!), required: t.properties[k]!.required }]),
        ),
      };
    case 'map':
      return { type: 'map', values: dataTypeToJson(t.values) };
    default:
      return { type: t.type };
  }
}

function dataTypeFromJson(raw: unknown, where: string): DataType {
  const r = raw as Record<string, unknown>;
  const type = r?.type;
  if (typeof type !== 'string') throw invalid(`${where} has no type.`);
  if (SCALARS.has(type as ScalarType)) return { type: type as ScalarType };
  if (type === 'any') return { type: 'any' };
  if (type === 'array') return { type: 'array', items: dataTypeFromJson(r.items, `${where}.items`) };
  if (type === 'map') return { type: 'map', values: dataTypeFromJson(r.values, `${where}.values`) };
  if (type === 'object') {
    const props = r.properties as Record<string, unknown> | undefined;
    if (!props || Object.keys(props).length === 0) throw invalid(`${where} is an object without properties.`);
    return {
      type: 'object',
      properties: Object.fromEntries(
        Object.entries(props).map(([k, v]) => [
          k,
          {
            ...dataTypeFromJson(v, `${where}.${k}`),
            required: (v as { required?: boolean }).required !== false,
          },
        ]),
      ),
    };
  }
  throw invalid(`${where} has unknown type '${type}'.`);
}

/** A schema as MLflow's JSON list (the string stored in MLmodel is `JSON.stringify` of this). */
export function schemaToJson(schema: Schema): Array<Record<string, unknown>> {
  if (schema.kind === 'tensors') {
    return schema.tensors.map((t) => ({
      type: 'tensor',
      'tensor-spec': { dtype: t.dtype, shape: t.shape },
      ...(t.name ? { name: t.name } : {}),
    }));
  }
  return schema.columns.map((c) => ({
    ...dataTypeToJson(c),
    ...(c.name !== undefined ? { name: c.name } : {}),
    required: c.required,
  }));
}

/** A schema from MLflow's JSON list; mixed or inconsistently named items are refused as MLflow refuses them. */
export function schemaFromJson(raw: unknown): Schema {
  if (!Array.isArray(raw) || raw.length === 0) throw invalid('a schema must be a non-empty list.');
  const tensors = raw.filter((i) => (i as { type?: string })?.type === 'tensor');
  if (tensors.length > 0 && tensors.length !== raw.length)
    throw invalid('a schema cannot mix tensors and columns.');
  if (tensors.length > 0) {
    const specs = raw.map((i, n): TensorSpec => {
      const spec = (i as { 'tensor-spec'?: { dtype?: unknown; shape?: unknown } })['tensor-spec'];
      if (!spec || typeof spec.dtype !== 'string' || !TENSOR_DTYPES.has(spec.dtype))
        throw invalid(`tensor ${n} has no valid dtype.`);
      if (!Array.isArray(spec.shape) || !spec.shape.every((d) => Number.isInteger(d) && d >= -1))
        throw invalid(`tensor ${n} has no valid shape.`);
      const name = (i as { name?: unknown }).name;
      return {
        dtype: spec.dtype,
        shape: spec.shape as number[],
        ...(typeof name === 'string' ? { name } : {}),
      };
    });
    if (specs.length > 1 && specs.some((s) => !s.name)) throw invalid('several tensors must all be named.');
    return { kind: 'tensors', tensors: specs };
  }
  const columns = raw.map((i, n): ColSpec => {
    const name = (i as { name?: unknown }).name;
    return {
      ...dataTypeFromJson(i, typeof name === 'string' ? `column '${name}'` : `column ${n}`),
      ...(typeof name === 'string' ? { name } : {}),
      required: (i as { required?: boolean }).required !== false,
    };
  });
  const named = columns.filter((c) => c.name !== undefined).length;
  if (named !== 0 && named !== columns.length) throw invalid('columns must be all named or all unnamed.');
  return { kind: 'columns', columns };
}

/** Params as MLflow's JSON list. */
export function paramsToJson(params: ParamSpec[]): Array<Record<string, unknown>> {
  return params.map((p) => ({
    name: p.name,
    type: p.type,
    default: p.default instanceof Date ? p.default.toISOString() : p.default,
    shape: p.shape,
  }));
}

/** Params from MLflow's JSON list (`dtype` accepted as the legacy name of `type`). */
export function paramsFromJson(raw: unknown): ParamSpec[] {
  if (!Array.isArray(raw)) throw invalid('params must be a list.');
  return raw.map((p, n) => {
    const r = p as Record<string, unknown>;
    const type = (r.type ?? r.dtype) as ScalarType;
    if (typeof r.name !== 'string' || !SCALARS.has(type))
      throw invalid(`param ${n} needs a name and a scalar type.`);
    const shape = r.shape === null || r.shape === undefined ? null : (r.shape as number[]);
    return { name: r.name, type, default: r.default ?? null, shape };
  });
}

/** The three JSON strings MLmodel stores under `signature` (null where a part is absent). */
export function signatureToMLmodel(signature: ModelSignature): {
  inputs: string | null;
  outputs: string | null;
  params: string | null;
} {
  return {
    inputs: signature.inputs ? pythonJson(schemaToJson(signature.inputs)) : null,
    outputs: signature.outputs ? pythonJson(schemaToJson(signature.outputs)) : null,
    params: signature.params ? pythonJson(paramsToJson(signature.params)) : null,
  };
}

/** A signature from MLmodel's `signature` map of JSON strings. */
export function signatureFromMLmodel(raw: Record<string, unknown>): ModelSignature {
  const part = <T>(value: unknown, parse: (v: unknown) => T): T | undefined => {
    if (value === null || value === undefined || value === '') return undefined;
    try {
      return parse(typeof value === 'string' ? JSON.parse(value) : value);
    } catch (error) {
      if ((error as { errorCode?: string }).errorCode) throw error;
      throw invalid(`a part is not valid JSON (${(error as Error).message}).`);
    }
  };
  return {
    ...(raw.inputs ? { inputs: part(raw.inputs, schemaFromJson) } : {}),
    ...(raw.outputs ? { outputs: part(raw.outputs, schemaFromJson) } : {}),
    ...(raw.params ? { params: part(raw.params, paramsFromJson) } : {}),
  };
}
