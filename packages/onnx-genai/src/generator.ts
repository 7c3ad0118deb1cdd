import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { type GenaiConfig, readGenaiConfig, type SearchOptions, validateSearch } from './config.js';
import { drawCandidate, filterCandidates, seededRandom } from './sampling.js';

/** onnxruntime-node's names for the execution providers a genai_config may ask for. */
const PROVIDERS: Record<string, string> = {
  cpu: 'cpu',
  cuda: 'cuda',
  tensorrt: 'tensorrt',
  dml: 'dml',
  coreml: 'coreml',
  webgpu: 'webgpu',
};

/** A decoder-only model folder exported for ONNX Runtime GenAI, with one onnxruntime session. */
export class Model {
  readonly config: GenaiConfig;
  readonly session: ort.InferenceSession;
  readonly dir: string;

  private constructor(dir: string, config: GenaiConfig, session: ort.InferenceSession) {
    this.dir = dir;
    this.config = config;
    this.session = session;
  }

  /**
   * Loads `genai_config.json` and its decoder file. Execution providers come from the config's
   * `provider_options` (CPU when empty) or `options.providers`; one onnxruntime-node cannot start gives
   * an error naming it.
   */
  static async load(dir: string, options: { providers?: string[] } = {}): Promise<Model> {
    const config = await readGenaiConfig(dir);
    const decoder = config.model.decoder;
    const requested =
      options.providers ?? decoder.session_options.provider_options.map((entry) => Object.keys(entry)[0]!);
    const providers = requested.map((name) => {
      const key = name.toLowerCase().replace(/executionprovider$/, '');
      const mapped = PROVIDERS[key];
      if (!mapped)
        throw new Error(
          `Unknown execution provider '${name}'; use one of ${Object.keys(PROVIDERS).join(', ')}.`,
        );
      return mapped;
    });
    const session = await ort.InferenceSession.create(join(dir, decoder.filename), {
      executionProviders: providers.length > 0 ? providers : ['cpu'],
      ...(decoder.session_options.intra_op_num_threads
        ? { intraOpNumThreads: decoder.session_options.intra_op_num_threads }
        : {}),
      ...(decoder.session_options.inter_op_num_threads
        ? { interOpNumThreads: decoder.session_options.inter_op_num_threads }
        : {}),
      ...(decoder.session_options.graph_optimization_level
        ? { graphOptimizationLevel: GRAPH_LEVELS[decoder.session_options.graph_optimization_level] }
        : {}),
    }).catch((cause: unknown) => {
      throw new Error(
        `Could not start the model in ${dir} with execution providers [${providers.join(', ') || 'cpu'}]: ${(cause as Error).message}. ` +
          'onnxruntime-node here may lack that provider; use CPU (empty provider_options) or install a build that has it.',
        { cause },
      );
    });
    return new Model(dir, config, session);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

const GRAPH_LEVELS = {
  ORT_DISABLE_ALL: 'disabled',
  ORT_ENABLE_BASIC: 'basic',
  ORT_ENABLE_EXTENDED: 'extended',
  ORT_ENABLE_ALL: 'all',
} as const;

/** Search options for one generation, starting from the model's `search` defaults. */
export class GeneratorParams {
  readonly search: SearchOptions;
  readonly #contextLength: number;

  constructor(model: Model) {
    this.search = { ...model.config.search };
    this.#contextLength = model.config.model.context_length;
  }

  /** Overrides search options by name; unknown names and out-of-range values throw. */
  setSearchOptions(options: Partial<SearchOptions>): void {
    const next = { ...this.search };
    for (const [key, value] of Object.entries(options)) {
      if (!(key in next) && key !== 'chunk_size') throw new Error(`Unknown search option '${key}'.`);
      (next as Record<string, unknown>)[key] = value;
    }
    validateSearch(next, this.#contextLength);
    Object.assign(this.search, next);
  }
}

const template = (pattern: string, layer: number) => pattern.replace('%d', String(layer));

/**
 * Token-by-token generation for one sequence, as ONNX Runtime GenAI's `Generator`: `appendTokens`,
 * `generateNextToken`, `isDone`, `getNextTokens`, `getSequence`, `rewindTo`. The KV cache grows with
 * each step (presents become the next pasts); attention mask and position ids follow the sequence.
 * Logits are processed in ONNX Runtime GenAI's order: repetition penalty, then min_length (eos masked),
 * then the greedy choice, or with `do_sample` temperature, top-k, top-p and a draw from a generator
 * seeded by `random_seed` (so a seed reproduces a run).
 */
export class Generator {
  readonly #model: Model;
  readonly #search: SearchOptions;
  readonly #eos: Set<number>;
  readonly #hasPositions: boolean;
  #sequence: number[] = [];
  #cached = 0;
  #past = new Map<string, ort.Tensor>();
  #done = false;
  readonly #random: () => number;

  constructor(model: Model, params: GeneratorParams) {
    this.#model = model;
    this.#search = { ...params.search };
    if (this.#search.num_beams > 1 || this.#search.batch_size > 1)
      throw new Error(
        'This Generator runs greedy search or sampling on one sequence so far; beam search and batches are not built yet.',
      );
    this.#random = seededRandom(this.#search.random_seed);
    this.#eos = new Set(model.config.model.eos_token_id);
    const inputs = model.config.model.decoder.inputs;
    this.#hasPositions = model.session.inputNames.includes(inputs.position_ids);
    this.#resetCache();
  }

  /** Adds prompt (or forced) tokens; they are run through the model on the next step. */
  appendTokens(ids: ArrayLike<number | bigint>): void {
    const tokens = Array.from(ids, Number);
    if (this.#sequence.length + tokens.length > this.#search.max_length)
      throw new Error(`The sequence would pass max_length (${this.#search.max_length}).`);
    this.#sequence.push(...tokens);
    this.#done = this.#sequence.length >= this.#search.max_length;
  }

  /** True once an eos token was generated or the sequence reached max_length. */
  isDone(): boolean {
    return this.#done;
  }

  /** Runs the model on the tokens not yet in the cache and appends the next token. */
  async generateNextToken(): Promise<void> {
    if (this.#done) throw new Error('Generation is done; rewindTo an earlier length to continue.');
    if (this.#sequence.length === this.#cached) throw new Error('Append prompt tokens before generating.');
    const logits = await this.#forward();
    const next = this.#choose(logits);
    this.#sequence.push(next);
    if (this.#eos.has(next) || this.#sequence.length >= this.#search.max_length) this.#done = true;
  }

  /**
   * Streams generation: each iteration runs one step and yields the new token of every row
   * (one entry per sequence), until `isDone()`.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<number[], void, undefined> {
    while (!this.isDone()) {
      await this.generateNextToken();
      yield this.getNextTokens();
    }
  }

  /** The token generated by the last step. */
  getNextTokens(): number[] {
    return this.#sequence.length > 0 ? [this.#sequence.at(-1)!] : [];
  }

  /** Every token so far: prompt and generated. */
  getSequence(): number[] {
    return [...this.#sequence];
  }

  /** Goes back to the first `length` tokens, keeping the cache for them, so generation can resume. */
  rewindTo(length: number): void {
    if (!Number.isInteger(length) || length < 0 || length > this.#sequence.length)
      throw new Error(`rewindTo needs a length from 0 to ${this.#sequence.length}; got ${length}.`);
    this.#sequence.length = length;
    this.#done = false;
    // The cache may keep at most length - 1 tokens, so the last kept token is fed again for its logits.
    const keep = Math.max(0, Math.min(this.#cached, length - 1));
    if (keep === 0) this.#resetCache();
    else if (keep < this.#cached) {
      for (const [name, tensor] of this.#past) this.#past.set(name, sliceSequence(tensor, keep));
      this.#cached = keep;
    }
  }

  async #forward(): Promise<Float32Array> {
    const { decoder } = this.#model.config.model;
    const fresh = this.#sequence.slice(this.#cached);
    const total = this.#sequence.length;
    const feeds: Record<string, ort.Tensor> = {
      [decoder.inputs.input_ids]: new ort.Tensor('int64', BigInt64Array.from(fresh, BigInt), [
        1,
        fresh.length,
      ]),
      [decoder.inputs.attention_mask]: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
    };
    if (this.#hasPositions)
      feeds[decoder.inputs.position_ids] = new ort.Tensor(
        'int64',
        BigInt64Array.from(fresh, (_, i) => BigInt(this.#cached + i)),
        [1, fresh.length],
      );
    for (const [name, tensor] of this.#past) feeds[name] = tensor;
    const outputs = await this.#model.session.run(feeds);
    for (let layer = 0; layer < decoder.num_hidden_layers; layer++) {
      this.#past.set(
        template(decoder.inputs.past_key_names, layer),
        outputs[template(decoder.outputs.present_key_names, layer)]!,
      );
      this.#past.set(
        template(decoder.inputs.past_value_names, layer),
        outputs[template(decoder.outputs.present_value_names, layer)]!,
      );
    }
    this.#cached = total;
    const logits = outputs[decoder.outputs.logits]!;
    const vocab = logits.dims.at(-1)!;
    const data = logits.data as Float32Array;
    return data.slice(data.length - vocab);
  }

  #choose(logits: Float32Array): number {
    const penalty = this.#search.repetition_penalty;
    if (penalty !== 1)
      for (const id of new Set(this.#sequence)) {
        const v = logits[id]!;
        logits[id] = v < 0 ? v * penalty : v / penalty;
      }
    if (this.#sequence.length < this.#search.min_length)
      for (const id of this.#eos) logits[id] = Number.NEGATIVE_INFINITY;
    // Only ids the config's vocabulary covers (Phi-3 pads its logits past the tokenizer's last id).
    const limit = Math.min(logits.length, this.#model.config.model.vocab_size);
    const { do_sample, top_k, top_p, temperature } = this.#search;
    // top_k 1 is greedy even when sampling (Phi-3's config ships it), as in ONNX Runtime GenAI.
    if (do_sample && top_k !== 1)
      return drawCandidate(
        filterCandidates(logits.subarray(0, limit), { topK: top_k, topP: top_p, temperature }),
        this.#random,
      );
    let best = 0;
    for (let i = 1; i < limit; i++) if (logits[i]! > logits[best]!) best = i;
    return best;
  }

  #resetCache(): void {
    const { decoder } = this.#model.config.model;
    const empty = () =>
      new ort.Tensor('float32', new Float32Array(0), [1, decoder.num_key_value_heads, 0, decoder.head_size]);
    this.#past.clear();
    for (let layer = 0; layer < decoder.num_hidden_layers; layer++) {
      this.#past.set(template(decoder.inputs.past_key_names, layer), empty());
      this.#past.set(template(decoder.inputs.past_value_names, layer), empty());
    }
    this.#cached = 0;
  }
}

/** The first `length` positions of a `[batch, heads, seq, head_size]` cache tensor. */
function sliceSequence(tensor: ort.Tensor, length: number): ort.Tensor {
  const [batch, heads, seq, size] = tensor.dims as [number, number, number, number];
  const data = tensor.data as Float32Array;
  const out = new Float32Array(batch * heads * length * size);
  for (let bh = 0; bh < batch * heads; bh++)
    out.set(data.subarray(bh * seq * size, bh * seq * size + length * size), bh * length * size);
  return new ort.Tensor('float32', out, [batch, heads, length, size]);
}

/** Greedy generation from prompt ids to the whole sequence (prompt included), ONNX Runtime GenAI's `generate()`. */
export async function generate(
  model: Model,
  params: GeneratorParams,
  prompt: ArrayLike<number>,
): Promise<number[]> {
  const generator = new Generator(model, params);
  generator.appendTokens(prompt);
  while (!generator.isDone()) await generator.generateNextToken();
  return generator.getSequence();
}
