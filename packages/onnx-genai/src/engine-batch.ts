import * as ort from 'onnxruntime-node';
import type { KvCache } from './kv-cache.js';

type KvData = Float32Array | Uint16Array;
type KvArray = new (n: number) => KvData;

/**
 * The running decode batch: its rows' caches side by side as one `[rows, kv_heads, width, head_size]`
 * tensor per layer, each row's mask saying which columns are its tokens. It is built once when the set
 * of decoding rows changes (each row's own compact cache copied in, zeros after, up to the longest) and
 * then kept between steps: a run's presents are the next run's pasts, so a step copies no cache at all.
 * When the rows change, `release` gives every row its compact cache back.
 */
export class DecodeBatch {
  readonly caches: KvCache[];
  #pasts: Record<string, ort.Tensor>;
  /** Per row: 1 where a column holds one of its tokens, 0 for padding. */
  #masks: Uint8Array[];
  /** Real tokens per row (the ones in its mask). */
  #lengths: number[];
  #width: number;
  /** True until the first run: the masks are still `1…1 0…0` (what tells where the graph appends). */
  #fresh = true;

  constructor(caches: KvCache[]) {
    this.caches = caches;
    this.#lengths = caches.map((cache) => cache.length);
    this.#width = Math.max(...this.#lengths);
    this.#masks = this.#lengths.map((length) => {
      const mask = new Uint8Array(this.#width);
      mask.fill(1, 0, length);
      return mask;
    });
    this.#pasts = batchPasts(caches, this.#width);
  }

  /** True when this batch holds exactly these caches, in this order. */
  holds(caches: KvCache[]): boolean {
    return caches.length === this.caches.length && caches.every((cache, r) => cache === this.caches[r]);
  }

  /** Each row's count of real tokens (its next position). */
  get lengths(): readonly number[] {
    return this.#lengths;
  }

  /** The past inputs and the attention mask (`[rows, width + 1]`: each row's mask, then 1 for the new token). */
  feeds(): { pasts: Record<string, ort.Tensor>; mask: number[]; width: number } {
    const mask: number[] = [];
    for (const row of this.#masks) {
      for (const bit of row) mask.push(bit);
      mask.push(1);
    }
    return { pasts: this.#pasts, mask, width: this.#width + 1 };
  }

  /**
   * Takes a run's presents as the next pasts. `afterPadding` says where each row's new entry went: at the
   * end (Concat attention keeps the padding where it is) or right after the row's real tokens
   * (GroupQueryAttention, which places it from the mask's sum); undefined when the rows are all as long.
   */
  update(outputs: Record<string, ort.Tensor>, afterPadding: boolean | undefined): void {
    const pairs = this.caches[0]!.pairs();
    for (const [present, past] of pairs) this.#pasts[past] = outputs[present]!;
    const width = this.#pasts[pairs[0]![1]]!.dims[2]!;
    this.#masks = this.#masks.map((old, r) => {
      const mask = new Uint8Array(width);
      if (afterPadding === false) mask.fill(1, 0, this.#lengths[r]! + 1);
      else {
        mask.set(old);
        mask[this.#width] = 1;
      }
      return mask;
    });
    this.#lengths = this.#lengths.map((length) => length + 1);
    this.#width = width;
    this.#fresh = false;
  }

  /**
   * Where the first run put a shorter row's new entry: true when that row's first padding column still
   * holds the zeros it was fed (after the padding), false when the graph wrote there; undefined when every
   * row is as long, or after the first run (the masks no longer say).
   */
  appendsAfterPadding(outputs: Record<string, ort.Tensor>): boolean | undefined {
    if (!this.#fresh) return undefined;
    const r = this.#lengths.findIndex((length) => length < this.#width);
    if (r < 0) return undefined;
    const tensor = outputs[this.caches[0]!.pairs()[0]![0]]!;
    const [, heads, total, size] = tensor.dims as [number, number, number, number];
    const start = (r * heads * total + this.#lengths[r]!) * size;
    return (tensor.data as KvData).subarray(start, start + size).every((v) => v === 0);
  }

  /** Gives every row its own compact cache back (its masked columns, in order); the batch is then spent. */
  release(): void {
    const rowOutputs = this.caches.map(() => ({}) as Record<string, ort.Tensor>);
    const runs = this.#masks.map(maskRuns);
    for (const [present, past] of this.caches[0]!.pairs()) {
      const tensor = this.#pasts[past]!;
      const [, heads, width, size] = tensor.dims as [number, number, number, number];
      const data = tensor.data as KvData;
      this.caches.forEach((_, r) => {
        const length = this.#lengths[r]!;
        const out = new (data.constructor as KvArray)(heads * length * size);
        for (let h = 0; h < heads; h++) {
          let target = h * length * size;
          const base = (r * heads + h) * width;
          for (const [start, end] of runs[r]!) {
            out.set(data.subarray((base + start) * size, (base + end) * size), target);
            target += (end - start) * size;
          }
        }
        rowOutputs[r]![present] = new ort.Tensor(tensor.type as 'float32', out as Float32Array, [
          1,
          heads,
          length,
          size,
        ]);
      });
    }
    this.caches.forEach((cache, r) => {
      cache.update(rowOutputs[r]!, this.#lengths[r]!);
    });
  }
}

/** The `[start, end)` column ranges where a mask is 1. */
function maskRuns(mask: Uint8Array): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  for (let c = 0; c <= mask.length; c++) {
    const on = c < mask.length && mask[c] === 1;
    if (on && start < 0) start = c;
    else if (!on && start >= 0) {
      runs.push([start, c]);
      start = -1;
    }
  }
  return runs;
}

/** Compact caches side by side: row r's `length_r` positions first, zeros after, up to `width`. */
function batchPasts(caches: KvCache[], width: number): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const [, past] of caches[0]!.pairs()) {
    const tensors = caches.map((cache) => cache.feeds()[past]!);
    const [, heads, , size] = tensors[0]!.dims as [number, number, number, number];
    const first = tensors[0]!.data as KvData;
    const out = new (first.constructor as KvArray)(caches.length * heads * width * size);
    tensors.forEach((tensor, r) => {
      const length = caches[r]!.length;
      const data = tensor.data as KvData;
      for (let h = 0; h < heads; h++)
        out.set(data.subarray(h * length * size, (h + 1) * length * size), (r * heads + h) * width * size);
    });
    feeds[past] = new ort.Tensor(tensors[0]!.type as 'float32', out as Float32Array, [
      caches.length,
      heads,
      width,
      size,
    ]);
  }
  return feeds;
}

/** Empty past inputs (`[rows, kv_heads, 0, head_size]`) shaped like `cache`'s, for a prefill of `rows` prompts. */
export function emptyPasts(cache: KvCache, rows: number): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, tensor] of Object.entries(cache.feeds())) {
    const [, heads, , size] = tensor.dims as [number, number, number, number];
    const data = tensor.data as KvData;
    feeds[name] = new ort.Tensor(
      tensor.type as 'float32',
      new (data.constructor as KvArray)(0) as Float32Array,
      [rows, heads, 0, size],
    );
  }
  return feeds;
}

/** After a right-padded prefill of several rows: each row's cache gets its own first `lengths[r]` positions. */
export function keepPrefixes(
  outputs: Record<string, ort.Tensor>,
  caches: KvCache[],
  lengths: number[],
): void {
  const rowOutputs = caches.map(() => ({}) as Record<string, ort.Tensor>);
  for (const [present] of caches[0]!.pairs()) {
    const tensor = outputs[present]!;
    const [, heads, width, size] = tensor.dims as [number, number, number, number];
    const data = tensor.data as KvData;
    caches.forEach((_, r) => {
      const length = lengths[r]!;
      const out = new (data.constructor as KvArray)(heads * length * size);
      for (let h = 0; h < heads; h++) {
        const source = (r * heads + h) * width * size;
        out.set(data.subarray(source, source + length * size), h * length * size);
      }
      rowOutputs[r]![present] = new ort.Tensor(tensor.type as 'float32', out as Float32Array, [
        1,
        heads,
        length,
        size,
      ]);
    });
  }
  caches.forEach((cache, r) => {
    cache.update(rowOutputs[r]!, lengths[r]!);
  });
}
