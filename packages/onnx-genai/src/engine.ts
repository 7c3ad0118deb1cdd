import type * as ort from 'onnxruntime-node';
import { DecodeBatch, emptyPasts, keepPrefixes } from './engine-batch.js';
import { ENGINE_DEFAULTS, type EngineSettings } from './engine-config.js';
import { GenaiError } from './errors.js';
import { intTensor } from './generator.js';
import type { KvCache } from './kv-cache.js';
import { readLogits } from './logits.js';
import type { Model } from './model.js';
import type { Request } from './request.js';

/** What an engine has done so far (for metrics and tests). */
export interface EngineStats {
  /** `step()` calls that ran the model. */
  steps: number;
  /** Tokens fed as prompt (prefill), not counting reused ones. */
  prefilledTokens: number;
  /** Prompt tokens whose cache came from an earlier conversation. */
  reusedTokens: number;
  /** Tokens generated. */
  generatedTokens: number;
}

/**
 * Continuous batching over one model, as ONNX Runtime GenAI's `Engine`: `addRequest`, `step`,
 * `removeRequest`, `hasPendingRequests`. Each step runs the decode of every running row in one
 * `session.run` (the rows' caches side by side in a batch kept between steps while its rows stay the
 * same), then prefills waiting prompts in chunks of their `chunk_size` within `max_scheduled_tokens`.
 * Rows join between steps (up to `max_batch_size`; the rest wait in order) and free their row as soon as
 * they finish or are cancelled. With `max_cached_prefixes`, a finished request's cache is kept, and a new
 * request whose prompt starts with the same tokens (the next turn of a chat) continues from it. Settings
 * come from the config's `engine` object, then `options`.
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
  /** The decode batch of the last step, reused while its rows stay the same. */
  #batch: DecodeBatch | null = null;
  /** Finished conversations' caches, oldest first. */
  #prefixes: { tokens: number[]; cache: KvCache }[] = [];
  #stepping = false;
  readonly #stats: EngineStats = { steps: 0, prefilledTokens: 0, reusedTokens: 0, generatedTokens: 0 };

  constructor(model: Model, options: Partial<EngineSettings> = {}) {
    this.model = model;
    this.settings = { ...ENGINE_DEFAULTS, ...model.config.engine, ...options };
    if (!Number.isInteger(this.settings.max_batch_size) || this.settings.max_batch_size < 1)
      throw new GenaiError(
        'INVALID_ARGUMENT',
        `max_batch_size must be at least 1; got ${this.settings.max_batch_size}.`,
      );
    if (!Number.isInteger(this.settings.max_cached_prefixes) || this.settings.max_cached_prefixes < 0)
      throw new GenaiError(
        'INVALID_ARGUMENT',
        `max_cached_prefixes must be 0 or more; got ${this.settings.max_cached_prefixes}.`,
      );
  }

  /** Counters since the engine was made. */
  get stats(): Readonly<EngineStats> {
    return { ...this.#stats };
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
    this.#release();
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
    if (this.#stepping)
      throw new GenaiError(
        'INVALID_STATE',
        'A step is already running on this engine; await it before the next.',
      );
    this.#stepping = true;
    try {
      return await this.#step();
    } finally {
      this.#stepping = false;
    }
  }

  async #step(): Promise<Request[]> {
    this.#release();
    this.#admit();
    const served: Request[] = [];
    const decoding = this.#running.filter((r) => r.decoding && !r.isDone());
    if (this.#running.length > 0) this.#stats.steps++;
    const limit = this.settings.max_scheduled_tokens || Number.POSITIVE_INFINITY;
    let budget = Math.max(limit - decoding.length, decoding.length === 0 ? 1 : 0);
    const chunks: { request: Request; tokens: number[]; last: boolean }[] = [];
    for (const request of this.#running) {
      if (request.decoding || request.isDone() || budget <= 0) continue;
      const pending = request.pending();
      const chunk = Math.min(pending.length, request.search.chunk_size || pending.length, budget);
      budget -= chunk;
      chunks.push({ request, tokens: pending.slice(0, chunk), last: chunk === pending.length });
    }
    // Whole prompts on empty caches share one run (padded on the right); the rest run one by one.
    const together = chunks.filter((c) => c.last && c.request.cache!.length === 0);
    const batched = together.length > 1 ? together : [];
    const logits = new Map<Request, Float32Array>();
    if (batched.length > 0) {
      const rows = await this.#prefillTogether(
        batched.map((c) => c.request.cache!),
        batched.map((c) => c.tokens),
      );
      for (const [r, c] of batched.entries()) logits.set(c.request, rows[r]!);
    }
    for (const chunk of chunks) {
      if (!batched.includes(chunk))
        logits.set(chunk.request, await this.#prefill(chunk.request.cache!, chunk.tokens));
      this.#stats.prefilledTokens += chunk.tokens.length;
      if (!chunk.last) continue;
      chunk.request.accept(logits.get(chunk.request)!);
      this.#stats.generatedTokens++;
      served.push(chunk.request);
    }
    // Prompts first, so a newcomer's first token does not wait for the running rows' decode.
    if (decoding.length > 0) {
      await this.#decode(decoding);
      served.push(...decoding);
    }
    this.#release();
    return served;
  }

  /** Drops finished and cancelled rows, freeing their slots (their caches kept for reuse when asked). */
  #release(): void {
    if (!this.#running.some((r) => r.isDone()) && !this.#waiting.some((r) => r.isDone())) return;
    this.#dropBatch();
    for (const request of [...this.#running, ...this.#waiting])
      if (request.isDone()) this.#keepPrefix(request.takeCache());
    this.#running = this.#running.filter((r) => !r.isDone());
    this.#waiting = this.#waiting.filter((r) => !r.isDone());
  }

  /** Gives the batch's rows their own caches back (the rows changed). */
  #dropBatch(): void {
    this.#batch?.release();
    this.#batch = null;
  }

  #keepPrefix(entry: { tokens: number[]; cache: KvCache } | null): void {
    const limit = this.settings.max_cached_prefixes;
    if (!entry || limit === 0) return;
    this.#prefixes.push(entry);
    if (this.#prefixes.length > limit) this.#prefixes.splice(0, this.#prefixes.length - limit);
  }

  /** Takes the kept cache sharing the longest prefix with `prompt` (shortened to it, below the prompt's length). */
  #reuse(prompt: number[]): KvCache | undefined {
    let best = -1;
    let bestLength = 0;
    this.#prefixes.forEach(({ tokens }, i) => {
      const limit = Math.min(tokens.length, prompt.length - 1);
      let n = 0;
      while (n < limit && tokens[n] === prompt[n]) n++;
      if (n > bestLength) [best, bestLength] = [i, n];
    });
    if (best < 0) return undefined;
    const { cache } = this.#prefixes.splice(best, 1)[0]!;
    cache.truncate(bestLength);
    return cache;
  }
  #admit(): void {
    const { max_batch_size, mode } = this.settings;
    if (mode === 'static' && this.#running.length > 0) return;
    while (this.#running.length < max_batch_size && this.#waiting.length > 0) {
      const request = this.#waiting.shift()!;
      request.admit(this.#reuse(request.getSequence()));
      this.#stats.reusedTokens += request.reusedTokens;
      this.#running.push(request);
    }
  }

  /** One token for every decoding row, in one run: alone on its own cache, or on the kept batch. */
  async #decode(requests: Request[]): Promise<void> {
    const caches = requests.map((r) => r.cache!);
    let logits: Float32Array[];
    if (requests.length === 1) {
      this.#dropBatch();
      logits = [await this.#prefill(caches[0]!, [requests[0]!.lastToken])];
    } else {
      if (!this.#batch?.holds(caches)) {
        this.#dropBatch();
        this.#batch = new DecodeBatch(caches);
      }
      logits = await this.#batchRun(
        this.#batch,
        requests.map((r) => r.lastToken),
      );
    }
    requests.forEach((request, r) => {
      request.accept(logits[r]!);
    });
    this.#stats.generatedTokens += requests.length;
  }

  /** One run of one row feeding `tokens` on its own cache; the logits after the last. */
  async #prefill(cache: KvCache, tokens: number[]): Promise<Float32Array> {
    const mask = new Array<number>(cache.length + tokens.length).fill(1);
    const positions = tokens.map((_, i) => cache.length + i);
    const outputs = await this.#session(1, tokens, mask, positions, cache.feeds());
    cache.update(outputs, cache.length + tokens.length);
    return this.#logits(outputs, 1, tokens.length)[0]!;
  }

  /**
   * One run prefilling several whole prompts on empty caches: right-padded with `pad_token_id` under
   * mask 0, each row's positions its own; each row keeps its own first `length` entries.
   */
  async #prefillTogether(caches: KvCache[], tokens: number[][]): Promise<Float32Array[]> {
    const width = Math.max(...tokens.map((t) => t.length));
    const pad = this.model.config.model.pad_token_id;
    const ids: number[] = [];
    const mask: number[] = [];
    const positions: number[] = [];
    for (const row of tokens)
      for (let i = 0; i < width; i++) {
        ids.push(i < row.length ? row[i]! : pad);
        mask.push(i < row.length ? 1 : 0);
        positions.push(Math.min(i, row.length - 1));
      }
    const outputs = await this.#session(
      tokens.length,
      ids,
      mask,
      positions,
      emptyPasts(caches[0]!, caches.length),
    );
    keepPrefixes(
      outputs,
      caches,
      tokens.map((t) => t.length),
    );
    const logits = outputs[this.model.config.model.decoder.outputs.logits]!;
    const vocab = logits.dims.at(-1)!;
    return tokens.map((row, r) => readLogits(logits, (r * width + row.length - 1) * vocab, vocab));
  }

  /** One decode run over the batch: one token per row, its mask hiding the padding, positions counting real tokens. */
  async #batchRun(batch: DecodeBatch, tokens: number[]): Promise<Float32Array[]> {
    const { pasts, mask } = batch.feeds();
    const outputs = await this.#session(tokens.length, tokens, mask, [...batch.lengths], pasts);
    this.#afterPadding ??= batch.appendsAfterPadding(outputs);
    batch.update(outputs, this.#afterPadding);
    return this.#logits(outputs, tokens.length, 1);
  }

  async #session(
    rows: number,
    ids: number[],
    mask: number[],
    positions: number[],
    pasts: Record<string, ort.Tensor>,
  ): Promise<Record<string, ort.Tensor>> {
    const { decoder } = this.model.config.model;
    const io = this.model.io;
    const fresh = ids.length / rows;
    const feeds: Record<string, ort.Tensor> = {
      [decoder.inputs.input_ids]: intTensor(io.inputIds, ids, [rows, fresh]),
      [decoder.inputs.attention_mask]: intTensor(io.attentionMask, mask, [rows, mask.length / rows]),
      ...pasts,
    };
    if (io.positionIds)
      feeds[decoder.inputs.position_ids] = intTensor(io.positionIds, positions, [rows, fresh]);
    return this.model.session.run(feeds);
  }

  /** Each row's logits after its last fed token. */
  #logits(outputs: Record<string, ort.Tensor>, rows: number, fresh: number): Float32Array[] {
    const logits = outputs[this.model.config.model.decoder.outputs.logits]!;
    const vocab = logits.dims.at(-1)!;
    return Array.from({ length: rows }, (_, r) => readLogits(logits, (r * fresh + fresh - 1) * vocab, vocab));
  }
}
