import * as ort from 'onnxruntime-node';
import type { Adapters } from './adapters.js';
import { BeamSearch, logSoftmax } from './beam-search.js';
import type { SearchOptions } from './config.js';
import { GenaiError } from './errors.js';
import { GeneratorParams, splitTokenRows, type TokenInput } from './generator-params.js';
import { KvCache } from './kv-cache.js';
import {
  chooseToken,
  processLogits,
  readLogits,
  type StepLogprobs,
  stepLogprobs,
  vocabLogits,
} from './logits.js';
import type { Model } from './model.js';
import { seededRandom } from './sampling.js';

export { GeneratorParams, type TokenInput };

/**
 * Token-by-token generation, as ONNX Runtime GenAI's `Generator`: `appendTokens`, `generateNextToken`,
 * `isDone`, `getNextTokens`, `getSequence`, `rewindTo`, and `for await` over each step's new tokens.
 *
 * A batch of `batch_size` prompts is padded on the right (mask 0, as ONNX Runtime GenAI does); each row's
 * positions count only its own tokens, so a row generates exactly what it would alone. Finished rows are
 * fed `pad_token_id`. The final eos of a row is reported by `getNextTokens` but is not part of its
 * sequence. Logits are processed in ONNX Runtime GenAI's order: min_length (eos masked), repetition
 * penalty, then greedy choice, seeded sampling (temperature, top-k, top-p), or beam search.
 */
export class Generator implements AsyncIterable<number[]> {
  readonly #model: Model;
  readonly #search: SearchOptions;
  readonly #eos: Set<number>;
  readonly #pad: number;
  readonly #random: () => number;
  readonly #cache: KvCache;
  readonly #beam: BeamSearch | null;
  readonly #batch: number;
  /** Per row: every token fed to the model or waiting to be, pads included. */
  #columns: number[][] = [];
  /** Per row: 1 where the column is a real token, 0 for padding. */
  #mask: number[][] = [];
  /** Per row: its real tokens, prompt and generated (the final eos excluded). */
  #sequences: number[][] = [];
  #finished: boolean[] = [];
  /** Per row: where its generated tokens start (after the last appended tokens), for OpenAI's penalties. */
  #promptLengths: number[] = [];
  #next: number[] = [];
  #done = false;
  /** Raw logits per row for the next choice, computed (or set) but not yet used. */
  #pending: Float32Array[] | null = null;
  /** The last run's outputs, for `getOutput`. */
  #outputs: Record<string, ort.Tensor> | null = null;
  /** The last step's processed logits per row (for `getLogprobs`). */
  #processed: Float32Array[] = [];
  /** Active adapters' parameters by adapter name, added to every run's feeds. */
  readonly #adapters = new Map<string, Record<string, ort.Tensor>>();

  constructor(model: Model, params: GeneratorParams) {
    this.#model = model;
    this.#search = { ...params.search };
    const { num_beams, batch_size, do_sample, max_length, past_present_share_buffer } = this.#search;
    if (num_beams > 1 && do_sample)
      throw new GenaiError(
        'INVALID_ARGUMENT',
        'Beam search cannot sample: set do_sample false or num_beams 1.',
      );
    this.#batch = batch_size;
    this.#random = seededRandom(this.#search.random_seed);
    this.#eos = new Set(model.config.model.eos_token_id);
    this.#pad = model.config.model.pad_token_id;
    // As in ONNX Runtime GenAI, the shared buffer is used only without beams (beams re-pick rows).
    this.#cache = new KvCache(model, {
      rows: batch_size,
      shared: past_present_share_buffer && num_beams === 1,
      maxLength: max_length,
    });
    this.#beam =
      num_beams > 1
        ? new BeamSearch({
            batch: batch_size,
            beams: num_beams,
            lengthPenalty: this.#search.length_penalty,
            earlyStopping: this.#search.early_stopping,
            returnSequences: this.#search.num_return_sequences,
            eos: this.#eos,
            pad: this.#pad,
          })
        : null;
    // The 0.3-0.5 API: the prompt is set on the params before the generator is made.
    if (params.inputIds !== undefined) this.appendTokens(params.inputIds);
  }

  /**
   * Adds prompt (or forced) tokens, run through the model on the next step. A batch takes one call;
   * a single sequence without beams may take more (continuous decoding across chat turns).
   */
  appendTokens(ids: TokenInput): void {
    const rows = splitTokenRows(ids, this.#batch, this.#pad, this.#model.config.model.vocab_size);
    const started = this.#sequences.length > 0;
    if (started && (this.#batch > 1 || this.#beam))
      throw new GenaiError(
        'INVALID_STATE',
        'Tokens can be appended only once to a batch or a beam search; create a new Generator (or rewindTo(0)).',
      );
    const width = started
      ? this.#sequences[0]!.length + rows[0]!.length
      : Math.max(...rows.map((r) => r.length));
    if (width > this.#search.max_length)
      throw new GenaiError(
        'INVALID_ARGUMENT',
        `The sequence would be ${width} tokens, past max_length (${this.#search.max_length}); raise max_length or shorten the prompt.`,
      );
    this.#pending = null;
    if (started) {
      // A loop, not push(...row): a spread of a long prompt overflows the call stack.
      for (const id of rows[0]!) this.#sequences[0]!.push(id);
      this.#resyncSingle();
    } else {
      this.#sequences = rows;
      this.#columns = rows.map((row) => row.concat(Array<number>(width - row.length).fill(this.#pad)));
      this.#mask = rows.map((row) =>
        Array<number>(row.length)
          .fill(1)
          .concat(Array<number>(width - row.length).fill(0)),
      );
      this.#finished = rows.map(() => false);
    }
    this.#promptLengths = this.#sequences.map((row) => row.length);
    this.#done = width >= this.#search.max_length;
  }

  /** True once every row generated an eos (or beam search settled), or the sequence reached max_length. */
  isDone(): boolean {
    return this.#done;
  }

  /**
   * Runs the model on the tokens not yet in the cache, keeping each row's logits for the next choice
   * (nothing to do when they are already computed or set). `generateNextToken` calls it; it is also the
   * 0.3-0.5 API's `compute_logits`.
   */
  async computeLogits(): Promise<void> {
    if (this.#pending) return;
    if (this.#done)
      throw new GenaiError('INVALID_STATE', 'Generation is done; rewindTo an earlier length to continue.');
    if (this.#columns.length === 0 || this.#cache.length === this.#columns[0]!.length)
      throw new GenaiError('INVALID_STATE', 'Append prompt tokens before generating.');
    this.#pending = await this.#forward();
  }

  /**
   * The raw logits the next token will be chosen from, as ONNX Runtime GenAI's `get_logits`: a float32
   * tensor `[rows, 1, vocab]`, as ONNX Runtime GenAI shapes it (running the model first when they are not computed yet). Before the first
   * step of a beam search the rows are the batch's, after it the beams'.
   */
  async getLogits(): Promise<ort.Tensor> {
    await this.computeLogits();
    const rows = this.#pending!;
    const vocab = rows[0]!.length;
    const data = new Float32Array(rows.length * vocab);
    rows.forEach((row, r) => {
      data.set(row, r * vocab);
    });
    return new ort.Tensor('float32', data, [rows.length, 1, vocab]);
  }

  /**
   * Replaces the logits the next token is chosen from, as `set_logits`: a `[rows, 1, vocab]` (or `[rows, vocab]`) tensor or flat
   * array (e.g. `getLogits()` edited). The next `generateNextToken` runs no model; it processes these
   * (min_length, penalties) and chooses from them.
   */
  setLogits(logits: ort.Tensor | ArrayLike<number>): void {
    if (this.#done)
      throw new GenaiError('INVALID_STATE', 'Generation is done; rewindTo an earlier length to continue.');
    if (this.#columns.length === 0)
      throw new GenaiError('INVALID_STATE', 'Append prompt tokens before setting logits.');
    const data =
      'dims' in logits && 'type' in logits
        ? readLogits(logits as ort.Tensor, 0, (logits as ort.Tensor).size)
        : Float32Array.from(logits as ArrayLike<number>);
    const rows = this.#columns.length;
    if (data.length === 0 || data.length % rows !== 0)
      throw new GenaiError(
        'INVALID_ARGUMENT',
        `setLogits needs ${rows} equal rows of logits (rows × vocab values); got ${data.length} values.`,
      );
    const vocab = data.length / rows;
    this.#pending = Array.from({ length: rows }, (_, r) => data.slice(r * vocab, (r + 1) * vocab));
  }

  /** An output of the last model run by its graph name (e.g. `logits`, `present.0.key`), as `get_output`. */
  getOutput(name: string): ort.Tensor {
    const output = this.#outputs?.[name];
    if (!output)
      throw new GenaiError(
        'INVALID_ARGUMENT',
        this.#outputs
          ? `The model has no output '${name}'; it has ${Object.keys(this.#outputs).join(', ')}.`
          : 'The model has not run yet; generate a token (or getLogits) first.',
      );
    return output;
  }

  /** Tokens in the sequence so far, prompt included (the padded width for a batch), as `token_count()`. */
  tokenCount(): number {
    if (this.#batch === 1 && !this.#beam) return this.#sequences[0]?.length ?? 0;
    const width = this.#columns[0]?.length ?? 0;
    // The step that finished every row added a column the sequences do not hold (its eos or pads).
    const lastEnded = this.#done && width < this.#search.max_length && this.#next.length > 0;
    return lastEnded ? width - 1 : width;
  }

  /**
   * The last step's logprobs per row (OpenAI's `logprobs` / `top_logprobs`): the chosen token's and the
   * `k` most likely, from the processed logits as `stepLogprobs` says. Not with beam search.
   */
  getLogprobs(k = 0): StepLogprobs[] {
    if (this.#beam) throw new GenaiError('INVALID_STATE', 'getLogprobs is not available with beam search.');
    if (this.#processed.length === 0)
      throw new GenaiError('INVALID_STATE', 'No token was generated yet; call generateNextToken first.');
    const vocab = this.#model.config.model.vocab_size;
    return this.#processed.map((logits, row) =>
      stepLogprobs(logits, this.#next[row]!, k, this.#search, vocab),
    );
  }

  /**
   * Makes a loaded adapter active for this generator's runs, as ONNX Runtime GenAI's
   * `set_active_adapter(adapters, name)` (several may be active; see `Adapters` for how they apply).
   */
  setActiveAdapter(adapters: Adapters, name: string): void {
    if (adapters.model !== this.#model)
      throw new GenaiError('INVALID_ARGUMENT', 'These adapters were loaded for another model.');
    this.#adapters.set(name, adapters.feeds(name));
  }

  /** Chooses the next token of every row from the pending logits (running the model first when needed). */
  async generateNextToken(): Promise<void> {
    if (this.#done)
      throw new GenaiError('INVALID_STATE', 'Generation is done; rewindTo an earlier length to continue.');
    await this.computeLogits();
    let logits = this.#pending!;
    this.#pending = null;
    if (this.#beam && this.#columns.length === this.#batch) logits = this.#expandToBeams(logits);
    for (const [row, rowLogits] of logits.entries()) this.#process(row, rowLogits);
    this.#processed = logits;
    const tokens = this.#beam
      ? this.#beamStep(this.#beam, logits)
      : logits.map((l, row) => this.#choose(row, l));
    for (const [row, token] of tokens.entries()) {
      this.#columns[row]!.push(token);
      this.#mask[row]!.push(1);
      if (this.#finished[row]) continue;
      if (!this.#beam && this.#eos.has(token)) this.#finished[row] = true;
      else this.#sequences[row]!.push(token);
    }
    this.#next = tokens;
    const full = this.#columns[0]!.length >= this.#search.max_length;
    this.#done = full || (this.#beam ? this.#beam.done : this.#finished.every(Boolean));
    if (this.#done) this.#beam?.finish(this.#sequences);
  }

  /** Streams generation: each iteration runs one step and yields the new token of every row, until done. */
  async *[Symbol.asyncIterator](): AsyncGenerator<number[], void, undefined> {
    while (!this.isDone()) {
      await this.generateNextToken();
      yield this.getNextTokens();
    }
  }

  /** The token each row got from the last step (eos for a row that just finished, then pad). */
  getNextTokens(): number[] {
    return [...this.#next];
  }

  /**
   * The tokens of sequence `index`, prompt included. After a beam search: the best
   * `num_return_sequences` per batch row, best first (index `row * num_return_sequences + rank`).
   */
  getSequence(index = 0): number[] {
    const sequences = this.getSequences();
    if (!Number.isInteger(index) || index < 0 || index >= sequences.length)
      throw new GenaiError(
        'INVALID_ARGUMENT',
        `getSequence needs an index from 0 to ${sequences.length - 1}; got ${index}.`,
      );
    return sequences[index]!;
  }

  /** Every sequence `getSequence` can return. */
  getSequences(): number[][] {
    return (this.#beam?.results ?? this.#sequences).map((sequence) => [...sequence]);
  }

  /**
   * Goes back to the first `length` tokens, keeping the cache for them, so generation can resume. As in
   * ONNX Runtime GenAI: not with beams, and a batch can only go back to 0.
   */
  rewindTo(length: number): void {
    if (this.#beam) throw new GenaiError('INVALID_STATE', 'rewindTo is not available with beam search.');
    const current = this.#sequences[0]?.length ?? 0;
    if (this.#batch > 1 && length !== 0)
      throw new GenaiError('INVALID_STATE', `A batch can only be rewound to 0; got ${length}.`);
    if (!Number.isInteger(length) || length < 0 || length > current)
      throw new GenaiError(
        'INVALID_ARGUMENT',
        `rewindTo needs a length from 0 to ${current}; got ${length}.`,
      );
    this.#done = false;
    this.#next = [];
    this.#pending = null;
    this.#processed = [];
    if (length === 0) {
      this.#sequences = [];
      this.#columns = [];
      this.#mask = [];
      this.#cache.truncate(0);
      return;
    }
    this.#sequences[0]!.length = length;
    this.#promptLengths = [Math.min(this.#promptLengths[0] ?? 0, length)];
    this.#resyncSingle();
  }

  /** One sequence: its columns are its tokens; the cache keeps at most all but the last (refed for logits). */
  #resyncSingle(): void {
    const sequence = this.#sequences[0]!;
    this.#columns = [[...sequence]];
    this.#mask = [Array<number>(sequence.length).fill(1)];
    this.#finished = [false];
    this.#cache.truncate(Math.min(this.#cache.length, sequence.length - 1));
  }

  /** Runs the decoder on the columns the cache lacks; returns each row's logits at its last real column. */
  async #forward(): Promise<Float32Array[]> {
    const { decoder } = this.#model.config.model;
    const io = this.#model.io;
    const rows = this.#columns.length;
    const width = this.#columns[0]!.length;
    const start = this.#cache.length;
    const fresh = width - start;
    const ids: number[] = [];
    const positions: number[] = [];
    const mask: number[] = [];
    for (let r = 0; r < rows; r++) {
      const rowMask = this.#mask[r]!;
      let position = 0;
      for (let c = 0; c < start; c++) position += rowMask[c]!;
      for (let c = start; c < width; c++) {
        ids.push(this.#columns[r]![c]!);
        positions.push(rowMask[c] ? position++ : 0);
      }
      for (const value of rowMask) mask.push(value);
    }
    const feeds: Record<string, ort.Tensor> = {
      [decoder.inputs.input_ids]: intTensor(io.inputIds, ids, [rows, fresh]),
      [decoder.inputs.attention_mask]: intTensor(io.attentionMask, mask, [rows, width]),
      ...this.#cache.feeds(),
    };
    for (const params of this.#adapters.values()) Object.assign(feeds, params);
    if (io.positionIds)
      feeds[decoder.inputs.position_ids] = intTensor(io.positionIds, positions, [rows, fresh]);
    const fetches = this.#cache.fetches(decoder.outputs.logits);
    const outputs = fetches
      ? await this.#model.session.run(feeds, fetches)
      : await this.#model.session.run(feeds);
    this.#cache.update(outputs, width);
    this.#outputs = outputs;
    const logits = outputs[decoder.outputs.logits]!;
    const vocab = logits.dims.at(-1)!;
    return Array.from({ length: rows }, (_, r) => {
      let last = width - 1;
      while (last > start && !this.#mask[r]![last]) last--;
      return readLogits(logits, (r * fresh + (last - start)) * vocab, vocab);
    });
  }

  #process(row: number, logits: Float32Array): void {
    processLogits(logits, this.#sequences[row]!, this.#search, this.#eos, this.#promptLengths[row]);
  }

  #vocab(logits: Float32Array): Float32Array {
    return vocabLogits(logits, this.#model.config.model.vocab_size);
  }

  #choose(row: number, logits: Float32Array): number {
    if (this.#finished[row]) return this.#pad;
    return chooseToken(logits, this.#search, this.#random, this.#model.config.model.vocab_size);
  }

  /** After the prompt: every batch row becomes `num_beams` identical rows. */
  #expandToBeams(logits: Float32Array[]): Float32Array[] {
    const beams = this.#search.num_beams;
    const sources = Array.from({ length: this.#batch * beams }, (_, i) => Math.floor(i / beams));
    this.#reorder(sources);
    return sources.map((source) => logits[source]!.slice());
  }

  #beamStep(beam: BeamSearch, logits: Float32Array[]): number[] {
    const step = beam.step(
      logits.map((l) => logSoftmax(this.#vocab(l))),
      this.#sequences,
    );
    this.#reorder(step.sources);
    const beams = this.#search.num_beams;
    step.tokens.forEach((_, row) => {
      // Rows of a settled batch entry only carry pads from now on.
      if (beam.entryDone(Math.floor(row / beams))) this.#finished[row] = true;
    });
    return step.tokens;
  }

  #reorder(sources: number[]): void {
    this.#cache.gather(sources);
    this.#columns = sources.map((s) => [...this.#columns[s]!]);
    this.#mask = sources.map((s) => [...this.#mask[s]!]);
    this.#sequences = sources.map((s) => [...this.#sequences[s]!]);
    this.#finished = sources.map((s) => this.#finished[s]!);
    this.#promptLengths = sources.map((s) => this.#promptLengths[s]!);
  }
}

/** An int32 or int64 tensor, as the graph declares the input. */
export function intTensor(type: 'int32' | 'int64', values: number[], dims: number[]): ort.Tensor {
  return type === 'int32'
    ? new ort.Tensor('int32', Int32Array.from(values), dims)
    : new ort.Tensor('int64', BigInt64Array.from(values, BigInt), dims);
}

/**
 * Whole-sequence generation, ONNX Runtime GenAI's `generate()`: greedy, sampling or beam search as the
 * params say. One prompt gives one sequence (prompt included); a batch (one list per row) gives
 * `getSequences()` of the finished generator.
 */
export async function generate(
  model: Model,
  params: GeneratorParams,
  prompt: ArrayLike<number>,
): Promise<number[]>;
export async function generate(
  model: Model,
  params: GeneratorParams,
  prompt: ArrayLike<number>[],
): Promise<number[][]>;
export async function generate(
  model: Model,
  params: GeneratorParams,
  prompt: TokenInput,
): Promise<number[] | number[][]> {
  const generator = new Generator(model, params);
  generator.appendTokens(prompt);
  while (!generator.isDone()) await generator.generateNextToken();
  const nested = prompt.length > 0 && typeof prompt[0] === 'object';
  return nested ? generator.getSequences() : generator.getSequence(0);
}
