import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MlflowError } from '@flowline/core';
import type { SavedInputExampleInfo } from './mlmodel.js';
import { inferSchema, isTensorLike, type TensorLike } from './signature/infer.js';
import type { Schema } from './signature/types.js';

type Json = Record<string, unknown>;

/** The top-level keys of MLflow's unified LLM requests (chat, completions, embeddings). */
const LLM_KEYS = ['messages', 'prompt', 'input'];

/** Whether MLmodel metadata names one of MLflow's `llm/v1/*` tasks. */
export function isLlmTask(metadata: Json | undefined): boolean {
  return typeof metadata?.task === 'string' && metadata.task.startsWith('llm/v1/');
}

const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  !(value instanceof Date) &&
  !ArrayBuffer.isView(value) &&
  !isTensorLike(value);

/** An ndarray in MLflow's sense: a tensor, or a non-empty record of tensors. */
const isTensorExample = (value: unknown): boolean =>
  isTensorLike(value) ||
  (isRecord(value) && Object.keys(value).length > 0 && Object.values(value).every(isTensorLike));

/** A tensor as nested lists (numpy's `tolist()`), NaN as null as MLflow writes it. */
function tensorToList(tensor: TensorLike): unknown {
  const flat = Array.from(tensor.data as unknown as ArrayLike<number | bigint>, (v) =>
    typeof v === 'bigint' ? Number(v) : Number.isNaN(v) ? null : v,
  );
  const dims = tensor.dims;
  const build = (offset: number, depth: number): unknown => {
    if (depth === dims.length) return flat[offset];
    const size = dims.slice(depth + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: dims[depth]! }, (_, i) => build(offset + i * size, depth + 1));
  };
  return build(0, 0);
}

/** A value as JSON can carry it, as MLflow's `NumpyEncoder`: tensors as lists, bytes as base64. */
function jsonable(value: unknown): unknown {
  if (isTensorLike(value)) return tensorToList(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' && Number.isNaN(value)) return null;
  if (Array.isArray(value)) return value.map(jsonable);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonable(v)]));
  return value;
}

/** Rows of records in pandas' `split` orient: `{columns, data}`. */
function toSplit(rows: Json[]): { columns: string[]; data: unknown[][] } {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return { columns, data: rows.map((r) => columns.map((c) => r[c] ?? null)) };
}

/** A record as rows: its column lists side by side (as `inferSchema` reads it), or one row. */
function recordRows(record: Json): Json[] {
  const entries = Object.entries(record);
  if (entries.length === 0 || !entries.every(([, v]) => Array.isArray(v))) return [record];
  const length = (entries[0]![1] as unknown[]).length;
  if (entries.some(([, v]) => (v as unknown[]).length !== length))
    throw MlflowError.invalidParameterValue(
      'The columns of an input example must all have the same length; give rows of records instead.',
    );
  return Array.from({ length }, (_, i) =>
    Object.fromEntries(entries.map(([k, v]) => [k, (v as unknown[])[i]])),
  );
}

/**
 * The two forms MLflow's `_Example` writes: `data` (input_example.json) and `serving` (the
 * `/invocations` body), with the metadata. Tensors and lists of scalars become `{"inputs": …}` (type
 * `ndarray`, format `tf-serving`); tables (rows of records, rows of values, a record, a scalar) become
 * pandas' `split` orient, served as `{"dataframe_split": …}`. LLM examples are kept as they are
 * (`json_object`), served unwrapped when they are an `llm/v1` request (`{"messages": …}`).
 */
function exampleForms(
  example: unknown,
  llm: boolean,
): { data: unknown; serving: Json; unified?: boolean; info: { type: string; [key: string]: string } } {
  if (example === null || example === undefined || typeof example === 'function')
    throw MlflowError.invalidParameterValue(
      'An input example must be a tensor, a list, a record or a scalar value; got nothing.',
    );
  const value = jsonable(example);
  if (llm) {
    const unified = isRecord(value) && LLM_KEYS.some((k) => k in value);
    return {
      data: value,
      serving: unified ? (value as Json) : { inputs: value },
      unified,
      info: { type: 'json_object' },
    };
  }
  const scalars = Array.isArray(example) && example.every((x) => !Array.isArray(x) && !isRecord(x));
  if (isTensorExample(example) || scalars) {
    const data = { inputs: value };
    return { data, serving: data, info: { type: 'ndarray', format: 'tf-serving' } };
  }
  let split: Json;
  if (Array.isArray(value)) {
    if (value.every(isRecord)) split = toSplit(value);
    // pandas names these columns 0, 1, …, which MLflow leaves out of the file.
    else if (value.every(Array.isArray)) split = { data: value };
    else
      throw MlflowError.invalidParameterValue(
        'An input example list must hold only records, only lists (rows of values), or only scalars.',
      );
  } else {
    split = isRecord(value) ? toSplit(recordRows(value)) : { data: [[value]] };
  }
  return {
    data: split,
    serving: { dataframe_split: split },
    // MLflow calls a list example's table `split` even without columns, a record's or scalar's `values`.
    info: {
      type: 'dataframe',
      pandas_orient: Array.isArray(value) || 'columns' in split ? 'split' : 'values',
    },
  };
}

/**
 * The input schema an example implies, as MLflow infers it from the example's inference data: rows of
 * values are a table of unnamed columns (`pd.DataFrame(rows)`), an LLM request is one row; anything
 * else as `inferSchema` reads it.
 */
export function exampleSchema(example: unknown, llm = false): Schema {
  if (llm && isRecord(example)) return inferSchema([example]);
  if (Array.isArray(example) && example.length > 0 && example.every(Array.isArray)) {
    const rows = example.map((values: unknown[]) => Object.fromEntries(values.map((v, i) => [String(i), v])));
    const schema = inferSchema(rows);
    if (schema.kind === 'columns' && schema.columns.some((c) => !c.required))
      throw MlflowError.invalidParameterValue(
        'The rows of an input example must all have the same length (unnamed columns cannot be optional).',
      );
    return schema.kind === 'columns'
      ? { kind: 'columns', columns: schema.columns.map(({ name: _name, ...column }) => column) }
      : schema;
  }
  return inferSchema(example);
}

/**
 * Saves an input example as MLflow does: `input_example.json` and `serving_input_example.json` (the request
 * body `/invocations` takes, scoring as the model's own input), with `params` when given (in the serving
 * body as `params`, or at the top of an unwrapped LLM request). Returns the MLmodel info.
 */
export async function saveInputExample(
  dir: string,
  example: unknown,
  options: { params?: Record<string, unknown>; llm?: boolean } = {},
): Promise<SavedInputExampleInfo> {
  const { data, serving, unified, info } = exampleForms(example, options.llm ?? false);
  const params = options.params === undefined ? undefined : (jsonable(options.params) as Json);
  const file = params ? { inputs: data, params } : data;
  const body = params ? (unified ? { ...serving, ...params } : { ...serving, params }) : serving;
  await writeFile(join(dir, 'input_example.json'), JSON.stringify(file));
  await writeFile(join(dir, 'serving_input_example.json'), JSON.stringify(body, null, 2));
  return {
    artifact_path: 'input_example.json',
    ...info,
    ...(params ? { params: 'true' } : {}),
    serving_input_path: 'serving_input_example.json',
  };
}
