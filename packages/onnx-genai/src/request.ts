import type { SearchOptions } from './config.js';
import { GenaiError } from './errors.js';
import type { GeneratorParams } from './generator.js';
import type { Guidance, GuidanceState } from './guidance/index.js';
import { KvCache } from './kv-cache.js';
import { chooseToken, processLogits, type StepLogprobs, stepLogprobs } from './logits.js';
import type { Model } from './model.js';
import { seededRandom } from './sampling.js';

/** What a `Request` may do beyond its search options. */
export interface RequestOptions {
  /** Token id → bias added to its logit before anything else (OpenAI's `logit_bias`). */
  logitBias?: ReadonlyMap<number, number> | Iterable<[number, number]>;
  /** Record each token's log-probability and this many alternatives (`getLogprobs`). */
  logprobs?: number;
  /** Constrain every token to keep the output a valid prefix of this grammar (ONNX Runtime GenAI's guidance). */
  guidance?: Guidance;
}

/**
 * One generation for an `Engine`, as ONNX Runtime GenAI's `Request`: its own search options and seed,
 * prompt tokens (`addTokens`), new tokens streamed (`getNewTokens`, or `for await`), `isDone`, `cancel`.
 * It generates exactly what `generate()` would for the same prompt and params (no beams: `num_beams` 1).
 */
export class Request implements AsyncIterable<number> {
  readonly model: Model;
  readonly search: SearchOptions;
  readonly #random: () => number;
  readonly #eos: Set<number>;
  /** Every real token: prompt, then generated (a final eos excluded). */
  readonly #sequence: number[] = [];
  #unseen: number[] = [];
  #started = false;
  #done = false;
  #cancelled = false;
  #wake: (() => void) | null = null;
  /** This row's own KV cache, made (or reused) when the engine admits the request; the engine takes it when the request leaves. */
  cache: KvCache | null = null;
  /** Prompt tokens whose cache came from an earlier request with the same prefix (not prefilled again). */
  reusedTokens = 0;

  /** Per-request options beyond ONNX Runtime GenAI's search options. */
  readonly #options: RequestOptions;
  /** Prompt tokens (penalties count only what follows). */
  #promptLength = 0;
  #logprobs: StepLogprobs[] = [];
  /** The guidance state constraining each next token, when the request has one. */
  readonly #guidance: GuidanceState | null;

  constructor(params: GeneratorParams, options: RequestOptions = {}) {
    this.model = params.model;
    this.search = { ...params.search };
    if (this.search.num_beams > 1)
      throw new GenaiError('INVALID_ARGUMENT', 'An engine request cannot use beam search: set num_beams 1.');
    if (this.search.batch_size !== 1)
      throw new GenaiError(
        'INVALID_ARGUMENT',
        'A request is one sequence: set batch_size 1 (the engine batches).',
      );
    this.#random = seededRandom(this.search.random_seed);
    this.#options = options;
    this.#guidance = options.guidance?.start() ?? null;
    this.#eos = new Set(this.model.config.model.eos_token_id);
  }

  /** Adds prompt tokens; allowed until the request has generated its first token. */
  addTokens(ids: ArrayLike<number | bigint>): void {
    if (this.#started || this.#done)
      throw new GenaiError('INVALID_STATE', 'Tokens can be added only before the request starts generating.');
    const tokens = Array.from(ids, Number);
    const vocab = this.model.config.model.vocab_size;
    const bad = tokens.find((id) => !Number.isInteger(id) || id < 0 || id >= vocab);
    if (bad !== undefined)
      throw new GenaiError(
        'INVALID_ARGUMENT',
        `Token id ${bad} is outside the vocabulary (0 to ${vocab - 1}).`,
      );
    if (this.#sequence.length + tokens.length > this.search.max_length)
      throw new GenaiError(
        'INVALID_ARGUMENT',
        `The sequence would be ${this.#sequence.length + tokens.length} tokens, past max_length (${this.search.max_length}); raise max_length or shorten the prompt.`,
      );
    for (const token of tokens) this.#sequence.push(token);
    if (this.#sequence.length >= this.search.max_length) this.#finish();
  }

  /** True once the request generated an eos, reached max_length, or was cancelled. */
  isDone(): boolean {
    return this.#done;
  }

  /** True when it was cancelled (or removed from its engine) before finishing. */
  isCancelled(): boolean {
    return this.#cancelled;
  }

  /** Stops the request: it gets no more tokens and its engine frees its row on the next step. */
  cancel(): void {
    if (this.#done) return;
    this.#cancelled = true;
    this.#finish();
  }

  /** True when tokens arrived that `getNewTokens` has not returned yet. */
  hasUnseenTokens(): boolean {
    return this.#unseen.length > 0;
  }

  /** The tokens generated since the last call (a final eos included, as a step's token). */
  getNewTokens(): number[] {
    const tokens = this.#unseen;
    this.#unseen = [];
    return tokens;
  }

  /** Each generated token's log-probability and its `logprobs` best alternatives (with `options.logprobs`). */
  getLogprobs(): StepLogprobs[] {
    return [...this.#logprobs];
  }

  /** The prompt and every generated token so far (a final eos excluded). */
  getSequence(): number[] {
    return [...this.#sequence];
  }

  /** Streams each new token as the engine produces it, until done; someone else must step the engine. */
  async *[Symbol.asyncIterator](): AsyncGenerator<number, void, undefined> {
    for (;;) {
      const tokens = this.getNewTokens();
      yield* tokens;
      if (tokens.length > 0) continue;
      if (this.#done) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /** Tokens not yet in the row's cache (the engine feeds them next). */
  pending(): number[] {
    return this.#sequence.slice(this.cache?.length ?? 0);
  }

  /** The last token of the sequence: what a decode step feeds. */
  get lastToken(): number {
    return this.#sequence[this.#sequence.length - 1]!;
  }

  /** True once the prompt is fed and each step feeds one generated token. */
  get decoding(): boolean {
    return this.#started;
  }

  /** Chooses the next token from the logits after the last fed token (used by the engine). */
  accept(logits: Float32Array): void {
    if (this.#done) return;
    if (!this.#started) this.#promptLength = this.#sequence.length;
    const vocab = this.model.config.model.vocab_size;
    for (const [id, bias] of this.#options.logitBias ?? []) if (id < logits.length) logits[id]! += bias;
    processLogits(logits, this.#sequence, this.search, this.#eos, this.#promptLength);
    // Guidance whose grammar admits nothing more ends the answer, as an eos would (min_length or not).
    const complete = this.#guidance?.isDone() ?? false;
    if (!complete) this.#guidance?.mask(logits);
    const token = complete
      ? this.model.config.model.eos_token_id[0]!
      : chooseToken(logits, this.search, this.#random, vocab);
    if (!complete) this.#guidance?.advance(token);
    if (this.#options.logprobs !== undefined)
      this.#logprobs.push(stepLogprobs(logits, token, this.#options.logprobs, this.search, vocab));
    this.#started = true;
    this.#unseen.push(token);
    if (this.#eos.has(token)) this.#finish();
    else {
      this.#sequence.push(token);
      if (this.#sequence.length >= this.search.max_length) this.#finish();
    }
    this.#notify();
  }

  /**
   * Gives this request its cache when the engine gives it a row: `reused` holds the cache of a prefix of
   * its prompt (shorter than the prompt, so the last prompt token is still fed), or a new one is made.
   */
  admit(reused?: KvCache): void {
    if (this.#sequence.length === 0)
      throw new GenaiError('INVALID_STATE', 'Add prompt tokens to a request before adding it to an engine.');
    if (reused && reused.length >= this.#sequence.length)
      throw new GenaiError('INVALID_STATE', 'A reused cache must be shorter than the prompt.');
    this.cache =
      reused ?? new KvCache(this.model, { rows: 1, shared: false, maxLength: this.search.max_length });
    this.reusedTokens = reused?.length ?? 0;
  }

  /** Hands the cache over (the engine keeps a finished conversation's cache for reuse) and drops it here. */
  takeCache(): { tokens: number[]; cache: KvCache } | null {
    const cache = this.cache;
    this.cache = null;
    return cache && cache.length > 0 ? { tokens: this.#sequence.slice(0, cache.length), cache } : null;
  }

  #finish(): void {
    this.#done = true;
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
