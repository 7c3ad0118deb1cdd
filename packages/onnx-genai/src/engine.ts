import type * as ort from 'onnxruntime-node';
import { appendsAfterPadding, batchPasts, splitPresents } from './engine-batch.js';
import { ENGINE_DEFAULTS, type EngineSettings } from './engine-config.js';
import { GenaiError } from './errors.js';
import { intTensor } from './generator.js';
import type { KvCache } from './kv-cache.js';
import type { Model } from './model.js';
import type { Request } from './request.js';

/**
 * Continuous batching over one model, as ONNX Runtime GenAI's `Engine`: `addRequest`, `step`,
 * `removeRequest`, `hasPendingRequests`. Each step runs the decode of every running row in one
 * `session.run` (each row's own cache padded to the longest, the mask hiding the padding), then prefills
 * waiting prompts in chunks of their `chunk_size` within `max_scheduled_tokens`. Rows join between
 * steps (up to `max_batch_size`; the rest wait in order) and free their row as soon as they finish or
 * are cancelled. Settings come from the config's `engine` object, then `options`.
 */
export class Engine {
  readonly model: Model;
  readonly settings: EngineSettings;
  #waiting: Request[] = [];
  #running: Request[] = [];
  /**
   * Where the graph writes a shorter row's new cache entry: after the padded past (Concat attention) or
   * right after the row's own tokens (GroupQueryAttention, which places it from the mask's sum). Learnt
   * on the first batched run with rows of different lengths.
   */
  #afterPadding: boolean | undefined;

  constructor(model: Model, options: Partial<EngineSettings> = {}) {
    this.model = model;
    this.settings = { ...ENGINE_DEFAULTS, ...model.config.engine, ...options };
    if (!Number.isInteger(this.settings.max_batch_size) || this.settings.max_batch_size < 1)
      throw new GenaiError(
        'INVALID_ARGUMENT',
        `max_batch_size must be at least 1; got ${this.settings.max_batch_size}.`,
      );
  }

  /** Queues a request with its prompt; it joins the running batch on a step when a row is free. */
  addRequest(request: Request): void {
    if (request.model !== this.model)
      throw new GenaiError('INVALID_ARGUMENT', 'The request was made for another model than this engine’s.');
    if (this.#waiting.includes(request) || this.#running.includes(request))
      throw new GenaiError('INVALID_STATE', 'The request is already in this engine.');
    if (request.isDone()) throw new GenaiError('INVALID_STATE', 'The request is already done.');
    if (request.pending().length === 0)
      throw new GenaiError('INVALID_STATE', 'Add prompt tokens to a request before adding it to an engine.');
    this.#waiting.push(request);
  }

  /** Cancels a request and takes it out of the engine at once, freeing its row. */
  removeRequest(request: Request): void {
    request.cancel();
    this.#waiting = this.#waiting.filter((r) => r !== request);
    this.#running = this.#running.filter((r) => r !== request);
  }

  /** True while any request waits or runs. */
  hasPendingRequests(): boolean {
    this.#release();
    return this.#waiting.length + this.#running.length > 0;
  }

  /** Requests holding a row now. */
  get runningCount(): number {
    return this.#running.length;
  }

  /** Requests waiting for a row. */
  get waitingCount(): number {
    return this.#waiting.length;
  }

  /** Runs one step: admits waiting requests, decodes every running row, prefills prompt chunks; returns the requests that got a token. */
  async step(): Promise<Request[]> {
    this.#release();
    this.#admit();
    const served: Request[] = [];
    const decoding = this.#running.filter((r) => r.decoding && !r.isDone());
    if (decoding.length > 0) {
      await this.#decode(decoding);
      served.push(...decoding);
    }
    const limit = this.settings.max_scheduled_tokens || Number.POSITIVE_INFINITY;
    let budget = Math.max(limit - decoding.length, decoding.length === 0 ? 1 : 0);
    for (const request of this.#running) {
      if (request.decoding || request.isDone() || budget <= 0) continue;
      const pending = request.pending();
      const chunk = Math.min(pending.length, request.search.chunk_size || pending.length, budget);
      budget -= chunk;
      const logits = await this.#run([request.cache!], [pending.slice(0, chunk)]);
      if (chunk === pending.length) {
        request.accept(logits[0]!);
        served.push(request);
      }
    }
    this.#release();
    return served;
  }

  /** Drops finished and cancelled rows, freeing their slots. */
  #release(): void {
    this.#running = this.#running.filter((r) => !r.isDone());
    this.#waiting = this.#waiting.filter((r) => !r.isDone());
  }

  #admit(): void {
    const { max_batch_size, mode } = this.settings;
    if (mode === 'static' && this.#running.length > 0) return;
    while (this.#running.length < max_batch_size && this.#waiting.length > 0) {
      const request = this.#waiting.shift()!;
      request.admit();
      this.#running.push(request);
    }
  }

  async #decode(requests: Request[]): Promise<void> {
    const caches = requests.map((r) => r.cache!);
    const logits = await this.#run(
      caches,
      requests.map((r) => r.pending()),
    );
    requests.forEach((request, r) => {
      request.accept(logits[r]!);
    });
  }

  /**
   * One session.run: one row feeds any number of tokens on its own cache; several rows feed one token
   * each on their caches padded to the longest (mask `1…1 0…0 1`, positions counting real tokens only).
   */
  async #run(caches: KvCache[], tokens: number[][]): Promise<Float32Array[]> {
    const { decoder } = this.model.config.model;
    const io = this.model.io;
    const rows = caches.length;
    const longest = Math.max(...caches.map((c) => c.length));
    const fresh = tokens[0]!.length;
    const ids: number[] = [];
    const positions: number[] = [];
    const mask: number[] = [];
    caches.forEach((cache, r) => {
      ids.push(...tokens[r]!);
      for (let i = 0; i < fresh; i++) positions.push(cache.length + i);
      for (let c = 0; c < longest; c++) mask.push(c < cache.length ? 1 : 0);
      for (let i = 0; i < fresh; i++) mask.push(1);
    });
    const feeds: Record<string, ort.Tensor> = {
      [decoder.inputs.input_ids]: intTensor(io.inputIds, ids, [rows, fresh]),
      [decoder.inputs.attention_mask]: intTensor(io.attentionMask, mask, [rows, longest + fresh]),
      ...(rows === 1 ? caches[0]!.feeds() : batchPasts(caches)),
    };
    if (io.positionIds)
      feeds[decoder.inputs.position_ids] = intTensor(io.positionIds, positions, [rows, fresh]);
    const outputs = await this.model.session.run(feeds);
    if (rows === 1) caches[0]!.update(outputs, longest + fresh);
    else {
      this.#afterPadding ??= appendsAfterPadding(outputs, caches);
      const after = this.#afterPadding ?? true;
      splitPresents(
        outputs,
        caches,
        caches.map((c) => (after ? longest : c.length)),
      );
    }
    const logits = outputs[decoder.outputs.logits]!;
    const vocab = logits.dims.at(-1)!;
    const data = logits.data as Float32Array;
    return Array.from({ length: rows }, (_, r) => {
      const offset = (r * fresh + fresh - 1) * vocab;
      return data.slice(offset, offset + vocab);
    });
  }
}
