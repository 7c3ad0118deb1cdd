import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { importOptional, MlflowError } from '@flowline/core';
import type { Flavor, Predictor, SavedFlavor } from '../../flavor.js';
import { isTensorLike, typedArrayDtype } from '../../signature/infer.js';

/** The flavor name of ONNX models, as MLflow's Python `onnx` flavor writes it. */
export const ONNX_FLAVOR = 'onnx';

/** How to save an ONNX model: its bytes or file, and the execution providers to prefer. */
export interface OnnxModelSpec {
  model: Uint8Array | string;
  /** MLflow's provider names, in order of preference (default: CPU). */
  providers?: string[];
  sessionOptions?: Record<string, unknown>;
}

const PROVIDERS: Record<string, string> = {
  CPUExecutionProvider: 'cpu',
  CUDAExecutionProvider: 'cuda',
  TensorrtExecutionProvider: 'tensorrt',
  DmlExecutionProvider: 'dml',
  CoreMLExecutionProvider: 'coreml',
  WebGpuExecutionProvider: 'webgpu',
};

/** Writes `model.onnx` and returns the flavor configs (ours and the Python pyfunc one, so MLflow loads it too). */
async function saveOnnxModel(dir: string, spec: OnnxModelSpec): Promise<SavedFlavor> {
  if (typeof spec.model === 'string') await copyFile(spec.model, join(dir, 'model.onnx'));
  else await writeFile(join(dir, 'model.onnx'), spec.model);
  return {
    flavors: {
      [ONNX_FLAVOR]: {
        code: null,
        data: 'model.onnx',
        providers: spec.providers ?? ['CPUExecutionProvider'],
        ...(spec.sessionOptions ? { onnx_session_options: spec.sessionOptions } : {}),
      },
      python_function: { loader_module: 'mlflow.onnx', data: 'model.onnx' },
    },
  };
}

type Ort = typeof import('onnxruntime-node');
type OrtTensor = InstanceType<Ort['Tensor']>;

function shapeOf(value: unknown): number[] {
  const dims: number[] = [];
  let cursor = value;
  while (Array.isArray(cursor)) {
    dims.push(cursor.length);
    cursor = cursor[0];
  }
  return dims;
}

const ARRAYS: Record<string, (values: number[]) => ArrayBufferView> = {
  float32: (v) => Float32Array.from(v),
  float64: (v) => Float64Array.from(v),
  int32: (v) => Int32Array.from(v),
  int64: (v) => BigInt64Array.from(v.map((x) => BigInt(Math.trunc(x)))),
  uint8: (v) => Uint8Array.from(v),
  bool: (v) => Uint8Array.from(v.map((x) => (x ? 1 : 0))),
};

function toTensor(ort: Ort, value: unknown, dtype: string, name: string): OrtTensor {
  if (isTensorLike(value)) {
    const have = typedArrayDtype(value.data);
    const make = ARRAYS[dtype];
    // A tensor of another dtype (a float64 signature for a float32 graph) is cast to the graph's.
    const data =
      have === dtype || have === undefined || !make
        ? value.data
        : make(Array.from(value.data as unknown as ArrayLike<number | bigint>, Number));
    return new ort.Tensor(dtype as 'float32', data as Float32Array, value.dims as number[]);
  }
  if (!Array.isArray(value))
    throw MlflowError.invalidParameterValue(
      `Input '${name}' must be a tensor or a (nested) list of numbers.`,
    );
  const dims = shapeOf(value);
  const flat = (value as unknown[]).flat(Number.POSITIVE_INFINITY) as unknown[];
  if (
    flat.length !== dims.reduce((a, b) => a * b, 1) ||
    flat.some((x) => typeof x !== 'number' && typeof x !== 'boolean')
  ) {
    throw MlflowError.invalidParameterValue(
      `Input '${name}' must be a rectangular list of numbers (got a ragged or non-numeric list).`,
    );
  }
  const make = ARRAYS[dtype];
  if (!make)
    throw MlflowError.invalidParameterValue(
      `Input '${name}' has dtype ${dtype}, which Flowline cannot build from JSON.`,
    );
  return new ort.Tensor(dtype as 'float32', make(flat as number[]) as Float32Array, dims);
}

function toNested(tensor: OrtTensor): unknown {
  const data = Array.from(tensor.data as ArrayLike<number | bigint>, (v) =>
    typeof v === 'bigint' ? Number(v) : v,
  );
  const dims = tensor.dims as number[];
  if (dims.length <= 1) return data;
  const build = (offset: number, depth: number): unknown[] => {
    const size = dims.slice(depth + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: dims[depth]! }, (_, i) =>
      depth === dims.length - 1 ? data[offset + i] : build(offset + i * size, depth + 1),
    );
  };
  return build(0, 0);
}

/** The element type ORT declares for an input, as the dtype name its Tensor constructor takes. */
function declaredType(session: unknown, name: string): string {
  const meta = (session as { inputMetadata?: Array<{ name: string; type?: string; isTensor?: boolean }> })
    .inputMetadata;
  const entry = Array.isArray(meta) ? meta.find((m) => m.name === name) : undefined;
  return typeof entry?.type === 'string' ? entry.type : 'float32';
}

/**
 * ONNX models: `save` writes `model.onnx` as MLflow's `mlflow.onnx` does; `load` runs it on
 * onnxruntime-node (loaded on first use), with the model's execution providers mapped to onnxruntime's
 * names and CPU as the fallback, and `close` releases the session. Reads models saved by MLflow's Python flavor.
 */
export const flavor: Flavor<OnnxModelSpec> = {
  name: ONNX_FLAVOR,
  save: saveOnnxModel,
  async load(dir, config): Promise<Predictor> {
    const ort = (await importOptional(
      'onnxruntime-node',
      'for onnx models',
      () => import('onnxruntime-node'),
    )) as Ort;
    const requested = ((config.providers as string[] | undefined) ?? ['CPUExecutionProvider']).map(
      (p) => PROVIDERS[p] ?? p.toLowerCase(),
    );
    const available = new Set(ort.listSupportedBackends?.().map((b: { name: string }) => b.name) ?? ['cpu']);
    const providers = requested.filter((p) => available.has(p));
    if (!providers.includes('cpu')) providers.push('cpu');
    const file = join(dir, String(config.data ?? 'model.onnx'));
    let session: Awaited<ReturnType<Ort['InferenceSession']['create']>>;
    try {
      // A provider the build lists but the machine lacks (CUDA without its libraries) fails at
      // session creation; retry on CPU, as MLflow's Python flavor does.
      session = await ort.InferenceSession.create(file, { executionProviders: providers }).catch(
        (error: unknown) => {
          if (providers.length === 1) throw error;
          return ort.InferenceSession.create(file, { executionProviders: ['cpu'] });
        },
      );
    } catch (cause) {
      throw MlflowError.invalidParameterValue(
        `Could not load the ONNX model in ${dir}: ${(cause as Error).message}`,
        { cause },
      );
    }
    const inputNames = session.inputNames as string[];
    const outputNames = session.outputNames as string[];
    return {
      close: () => session.release(),
      async predict(input) {
        const feeds: Record<string, OrtTensor> = {};
        const single = inputNames.length === 1;
        if (single && (Array.isArray(input) || isTensorLike(input))) {
          const name = inputNames[0]!;
          const rows =
            Array.isArray(input) &&
            input.length > 0 &&
            typeof input[0] === 'object' &&
            !Array.isArray(input[0])
              ? (input as Array<Record<string, unknown>>)
              : null;
          // Table rows for a single-input model become one matrix, columns in the rows' key order.
          const value = rows ? rows.map((r) => Object.values(r)) : input;
          feeds[name] = toTensor(ort, value, declaredType(session, name), name);
        } else if (input && typeof input === 'object') {
          for (const name of inputNames) {
            const value = (input as Record<string, unknown>)[name];
            if (value === undefined)
              throw MlflowError.invalidParameterValue(
                `Missing input tensor '${name}'; the model takes ${inputNames.join(', ')}.`,
              );
            feeds[name] = toTensor(ort, value, declaredType(session, name), name);
          }
        } else {
          throw MlflowError.invalidParameterValue(
            `This ONNX model takes ${inputNames.join(', ')} as tensors or (nested) lists of numbers.`,
          );
        }
        let results: Record<string, OrtTensor>;
        try {
          results = (await session.run(feeds)) as Record<string, OrtTensor>;
        } catch (cause) {
          throw MlflowError.invalidParameterValue(
            `The ONNX model refused the input: ${(cause as Error).message}`,
            { cause },
          );
        }
        if (outputNames.length === 1) return toNested(results[outputNames[0]!]!);
        return Object.fromEntries(outputNames.map((n) => [n, toNested(results[n]!)]));
      },
    };
  },
};
