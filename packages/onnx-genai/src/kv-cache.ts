import * as ort from 'onnxruntime-node';
import type { Model } from './model.js';

type KvData = Float32Array | Uint16Array;

const template = (pattern: string, layer: number) => pattern.replace('%d', String(layer));

/**
 * The decoder's past key/values for `rows` sequences, `[rows, kv_heads, length, head_size]` per layer.
 * Growing mode (ONNX Runtime GenAI's default): the presents of one run become the pasts of the next, so
 * the graph does the concatenation. Shared mode (`past_present_share_buffer`): one buffer of `maxLength`
 * per past/present pair, allocated once and passed both as the past input and as the preallocated
 * present output, which GroupQueryAttention updates in place at the offset the attention mask implies.
 */
export class KvCache {
  readonly #model: Model;
  readonly #shared: boolean;
  readonly #maxLength: number;
  /** Past input name → its tensor; in shared mode also the preallocated present. */
  #pasts = new Map<string, ort.Tensor>();
  /** Present output name → past input name. */
  readonly #presentToPast = new Map<string, string>();
  #rows = 0;
  /** Sequence positions the cache holds. */
  length = 0;

  constructor(model: Model, options: { rows: number; shared: boolean; maxLength: number }) {
    this.#model = model;
    this.#shared = options.shared;
    this.#maxLength = options.maxLength;
    const { decoder } = model.config.model;
    for (let layer = 0; layer < decoder.num_hidden_layers; layer++) {
      this.#presentToPast.set(
        template(decoder.outputs.present_key_names, layer),
        template(decoder.inputs.past_key_names, layer),
      );
      this.#presentToPast.set(
        template(decoder.outputs.present_value_names, layer),
        template(decoder.inputs.past_value_names, layer),
      );
    }
    this.reset(options.rows);
  }

  /** Empties the cache for `rows` sequences (shared buffers are allocated once per row count). */
  reset(rows: number): void {
    this.length = 0;
    if (this.#shared && rows === this.#rows && this.#pasts.size > 0) return;
    this.#rows = rows;
    const size = this.#shared ? this.#maxLength : 0;
    for (const name of this.#presentToPast.values()) this.#pasts.set(name, this.#tensor(rows, size));
  }

  /** Each layer's present output name with the past input name it becomes. */
  pairs(): [present: string, past: string][] {
    return [...this.#presentToPast];
  }

  /** The past inputs of the next run. */
  feeds(): Record<string, ort.Tensor> {
    return Object.fromEntries(this.#pasts);
  }

  /** The outputs to ask for: in shared mode the presents are written into the past buffers. */
  fetches(logits: string): Record<string, ort.Tensor | null> | undefined {
    if (!this.#shared) return undefined;
    const fetches: Record<string, ort.Tensor | null> = { [logits]: null };
    for (const [present, past] of this.#presentToPast) fetches[present] = this.#pasts.get(past)!;
    return fetches;
  }

  /** Takes a run's presents as the next pasts (growing mode) and records the new length. */
  update(outputs: Record<string, ort.Tensor>, length: number): void {
    if (!this.#shared)
      for (const [present, past] of this.#presentToPast) this.#pasts.set(past, outputs[present]!);
    this.length = length;
  }

  /** Keeps the first `length` positions (rewinding); shared buffers are simply overwritten later. */
  truncate(length: number): void {
    if (length >= this.length) return;
    if (length === 0) this.reset(this.#rows);
    else if (!this.#shared)
      for (const [name, tensor] of this.#pasts) this.#pasts.set(name, sliceSequence(tensor, length));
    this.length = length;
  }

  /** Re-picks rows: row i of the result is row `sources[i]` now (beam reordering, batch expansion). */
  gather(sources: number[]): void {
    for (const [name, tensor] of this.#pasts) this.#pasts.set(name, gatherRows(tensor, sources));
    this.#rows = sources.length;
  }

  #tensor(rows: number, length: number): ort.Tensor {
    const { num_key_value_heads: heads, head_size: size } = this.#model.config.model.decoder;
    const count = rows * heads * length * size;
    const dims = [rows, heads, length, size];
    return this.#model.io.kv === 'float16'
      ? new ort.Tensor('float16', new Uint16Array(count), dims)
      : new ort.Tensor('float32', new Float32Array(count), dims);
  }
}

/** The first `length` positions of a `[rows, heads, seq, head_size]` cache tensor. */
function sliceSequence(tensor: ort.Tensor, length: number): ort.Tensor {
  const [rows, heads, seq, size] = tensor.dims as [number, number, number, number];
  const data = tensor.data as KvData;
  const out = new (data.constructor as new (n: number) => KvData)(rows * heads * length * size);
  for (let rh = 0; rh < rows * heads; rh++)
    out.set(data.subarray(rh * seq * size, rh * seq * size + length * size), rh * length * size);
  return new ort.Tensor(tensor.type as 'float32', out as Float32Array, [rows, heads, length, size]);
}

/** Rows `sources` of a `[rows, ...]` tensor, in that order (a row may repeat). */
function gatherRows(tensor: ort.Tensor, sources: number[]): ort.Tensor {
  const [rows, ...rest] = tensor.dims as number[];
  const data = tensor.data as KvData;
  const stride = data.length / rows!;
  const out = new (data.constructor as new (n: number) => KvData)(sources.length * stride);
  sources.forEach((source, i) => {
    out.set(data.subarray(source * stride, (source + 1) * stride), i * stride);
  });
  return new ort.Tensor(tensor.type as 'float32', out as Float32Array, [sources.length, ...rest]);
}
