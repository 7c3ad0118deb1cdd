import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { GenaiError } from './errors.js';
import type { Model } from './model.js';

/** One named tensor of an `.onnx_adapter` file. */
export interface AdapterParameter {
  name: string;
  dims: number[];
  type: ort.Tensor.Type;
  data: ort.Tensor.DataType;
}

/** The header and parameters of an `.onnx_adapter` file. */
export interface AdapterFile {
  formatVersion: number;
  adapterVersion: number;
  modelVersion: number;
  parameters: AdapterParameter[];
}

/** onnxruntime's adapter TensorDataType (the ONNX element types) → onnxruntime-node tensor types. */
const TYPES: Record<number, [ort.Tensor.Type, new (buffer: ArrayBuffer) => ort.Tensor.DataType]> = {
  1: ['float32', Float32Array],
  2: ['uint8', Uint8Array],
  3: ['int8', Int8Array],
  4: ['uint16', Uint16Array],
  5: ['int16', Int16Array],
  6: ['int32', Int32Array],
  7: ['int64', BigInt64Array],
  9: ['bool', Uint8Array],
  10: ['float16', Uint16Array],
  11: ['float64', Float64Array],
  12: ['uint32', Uint32Array],
  13: ['uint64', BigUint64Array],
};

/** A minimal FlatBuffers table reader (little-endian; offsets as the FlatBuffers format defines them). */
class Table {
  constructor(
    readonly view: DataView,
    readonly pos: number,
  ) {}

  /** The absolute position of field `index`, or 0 when the vtable leaves it out. */
  field(index: number): number {
    const vtable = this.pos - this.view.getInt32(this.pos, true);
    const size = this.view.getUint16(vtable, true);
    const at = 4 + 2 * index;
    if (at >= size) return 0;
    const offset = this.view.getUint16(vtable + at, true);
    return offset ? this.pos + offset : 0;
  }

  int(index: number): number {
    const at = this.field(index);
    return at ? this.view.getInt32(at, true) : 0;
  }

  /** The start and length of the vector that field `index` points at. */
  vector(index: number): { start: number; length: number } {
    const at = this.field(index);
    if (!at) return { start: 0, length: 0 };
    const start = at + this.view.getUint32(at, true);
    return { start: start + 4, length: this.view.getUint32(start, true) };
  }

  string(index: number): string {
    const { start, length } = this.vector(index);
    return new TextDecoder().decode(new Uint8Array(this.view.buffer, this.view.byteOffset + start, length));
  }

  table(at: number): Table {
    return new Table(this.view, at + this.view.getUint32(at, true));
  }
}

/**
 * Parses an `.onnx_adapter` file: onnxruntime's FlatBuffers format (identifier `TORT`; an Adapter
 * table of format/adapter/model versions and Parameters of name, dims, data_type, raw_data).
 */
export function parseAdapterFile(bytes: Uint8Array): AdapterFile {
  const fail = (why: string): never => {
    throw new GenaiError('INVALID_ARGUMENT', `Not an .onnx_adapter file: ${why}.`);
  };
  if (bytes.length < 8) fail('too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (new TextDecoder().decode(bytes.subarray(4, 8)) !== 'TORT') fail("no 'TORT' identifier");
  try {
    const root = new Table(view, view.getUint32(0, true));
    const list = root.vector(3);
    const parameters = Array.from({ length: list.length }, (_, i) => {
      const param = root.table(list.start + 4 * i);
      const dimsVector = param.vector(1);
      const dims = Array.from({ length: dimsVector.length }, (_, d) =>
        Number(view.getBigInt64(dimsVector.start + 8 * d, true)),
      );
      const code = param.int(2);
      const type = TYPES[code];
      if (!type) fail(`parameter ${param.string(0)} has an unsupported data type (${code})`);
      const raw = param.vector(3);
      // A copy (a Buffer's slice would be a view of its pool), aligned whatever the file's padding.
      const copy = new Uint8Array(raw.length);
      copy.set(bytes.subarray(raw.start, raw.start + raw.length));
      const buffer = copy.buffer;
      return { name: param.string(0), dims, type: type![0], data: new type![1](buffer) };
    });
    return { formatVersion: root.int(0), adapterVersion: root.int(1), modelVersion: root.int(2), parameters };
  } catch (cause) {
    if (cause instanceof GenaiError) throw cause;
    throw new GenaiError(
      'INVALID_ARGUMENT',
      `Not a readable .onnx_adapter file: ${(cause as Error).message}.`,
      {
        cause,
      },
    );
  }
}

/**
 * LoRA adapters for one model, as ONNX Runtime GenAI's `og.Adapters(model)`: `loadAdapter(file, name)`,
 * `unloadAdapter(name)`, then `generator.setActiveAdapter(adapters, name)`.
 *
 * onnxruntime-node 1.30 has no binding for onnxruntime's LoRA API (`CreateLoraAdapter`,
 * `RunOptionsAddActiveLoraAdapter`): its `RunOptions` take only `logSeverityLevel` and `tag`. What that
 * API does at run time is feed each adapter parameter as the graph input of the same name, so an active
 * adapter's parameters are added to every run's feeds here instead. That works for parameters that are
 * plain graph inputs. It cannot work for parameters declared as inputs *with* a default initializer
 * (overridable initializers, as Olive's exports declare them): onnxruntime-node's `run` passes only the
 * feeds named in `session.inputNames`, which lists required inputs only (the binding does not call
 * `SessionGetOverridableInitializerName`), and silently drops the rest; `loadAdapter` refuses such a
 * parameter rather than ignore it. The parameters stay in JavaScript memory and are passed every run.
 */
export class Adapters {
  readonly model: Model;
  readonly #loaded = new Map<string, Record<string, ort.Tensor>>();

  constructor(model: Model) {
    this.model = model;
  }

  /** Reads an `.onnx_adapter` file under `name`; each parameter must be an input of the model's graph, of its type. */
  loadAdapter(file: string, name: string): void {
    if (this.#loaded.has(name))
      throw new GenaiError(
        'INVALID_ARGUMENT',
        `An adapter named '${name}' is already loaded; unload it first.`,
      );
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(file);
    } catch (cause) {
      throw new GenaiError('INVALID_ARGUMENT', `Cannot read the adapter file ${file}.`, { cause });
    }
    const { parameters } = parseAdapterFile(bytes);
    const inputs = new Map(this.model.session.inputMetadata.map((meta) => [meta.name, meta]));
    const feeds: Record<string, ort.Tensor> = {};
    for (const param of parameters) {
      const meta = inputs.get(param.name);
      if (!meta)
        throw new GenaiError(
          'INVALID_ARGUMENT',
          `Adapter parameter '${param.name}' in ${file} is not an input of the model's graph (${this.model.session.inputNames.length} inputs). ` +
            'The LoRA weights must be graph inputs without initializers: onnxruntime-node feeds only the inputs session.inputNames lists, which leaves out overridable initializers.',
        );
      if (meta.isTensor && meta.type !== param.type)
        throw new GenaiError(
          'INVALID_ARGUMENT',
          `Adapter parameter '${param.name}' is ${param.type}, but the graph input is ${meta.type}.`,
        );
      feeds[param.name] = new ort.Tensor(param.type as 'float32', param.data as Float32Array, param.dims);
    }
    this.#loaded.set(name, feeds);
  }

  /** Forgets an adapter; a generator it is active on keeps its parameters. */
  unloadAdapter(name: string): void {
    if (!this.#loaded.delete(name))
      throw new GenaiError('INVALID_ARGUMENT', `No adapter named '${name}' is loaded.`);
  }

  /** The names of the loaded adapters. */
  names(): string[] {
    return [...this.#loaded.keys()];
  }

  /** The feeds an active adapter adds to each run (used by `Generator.setActiveAdapter`). */
  feeds(name: string): Record<string, ort.Tensor> {
    const feeds = this.#loaded.get(name);
    if (!feeds)
      throw new GenaiError('INVALID_ARGUMENT', `No adapter named '${name}' is loaded; loadAdapter it first.`);
    return feeds;
  }
}
