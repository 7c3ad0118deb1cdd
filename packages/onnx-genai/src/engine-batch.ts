import * as ort from 'onnxruntime-node';
import type { KvCache } from './kv-cache.js';

type KvData = Float32Array | Uint16Array;

/**
 * The past inputs for one decode run over several rows, each with its own cache: row r's `length_r`
 * positions first, zeros after, up to the longest row (the attention mask hides the zeros).
 */
export function batchPasts(caches: KvCache[]): Record<string, ort.Tensor> {
  const longest = Math.max(...caches.map((cache) => cache.length));
  const feeds: Record<string, ort.Tensor> = {};
  for (const [, past] of caches[0]!.pairs()) {
    const tensors = caches.map((cache) => cache.feeds()[past]!);
    const [, heads, , size] = tensors[0]!.dims as [number, number, number, number];
    const first = tensors[0]!.data as KvData;
    const out = new (first.constructor as new (n: number) => KvData)(caches.length * heads * longest * size);
    tensors.forEach((tensor, r) => {
      const length = caches[r]!.length;
      const data = tensor.data as KvData;
      for (let h = 0; h < heads; h++)
        out.set(data.subarray(h * length * size, (h + 1) * length * size), (r * heads + h) * longest * size);
    });
    feeds[past] = new ort.Tensor(tensors[0]!.type as 'float32', out as Float32Array, [
      caches.length,
      heads,
      longest,
      size,
    ]);
  }
  return feeds;
}

/**
 * Gives each row its own cache back after a batched decode run: its first `length_r` present positions
 * and the one the new token was written to (`columns[r]`), so every row stays compact.
 */
export function splitPresents(
  outputs: Record<string, ort.Tensor>,
  caches: KvCache[],
  columns: number[],
): void {
  const rowOutputs = caches.map(() => ({}) as Record<string, ort.Tensor>);
  for (const [present] of caches[0]!.pairs()) {
    const tensor = outputs[present]!;
    const [, heads, total, size] = tensor.dims as [number, number, number, number];
    const data = tensor.data as KvData;
    caches.forEach((cache, r) => {
      const length = cache.length;
      const out = new (data.constructor as new (n: number) => KvData)(heads * (length + 1) * size);
      for (let h = 0; h < heads; h++) {
        const source = (r * heads + h) * total * size;
        const target = h * (length + 1) * size;
        out.set(data.subarray(source, source + length * size), target);
        const column = source + columns[r]! * size;
        out.set(data.subarray(column, column + size), target + length * size);
      }
      rowOutputs[r]![present] = new ort.Tensor(tensor.type as 'float32', out as Float32Array, [
        1,
        heads,
        length + 1,
        size,
      ]);
    });
  }
  caches.forEach((cache, r) => {
    cache.update(rowOutputs[r]!, cache.length + 1);
  });
}

/**
 * Whether a batched run appended the new entries after the padded past: true when a shorter row's
 * first padding position still holds the zeros it was fed, false when the graph wrote its new entry
 * there; undefined when every row has the same length (both places are then the same).
 */
export function appendsAfterPadding(
  outputs: Record<string, ort.Tensor>,
  caches: KvCache[],
): boolean | undefined {
  const longest = Math.max(...caches.map((cache) => cache.length));
  const r = caches.findIndex((cache) => cache.length < longest);
  if (r < 0) return undefined;
  const tensor = outputs[caches[0]!.pairs()[0]![0]]!;
  const [, heads, total, size] = tensor.dims as [number, number, number, number];
  const start = (r * heads * total + caches[r]!.length) * size;
  return (tensor.data as KvData).subarray(start, start + size).every((v) => v === 0);
}
