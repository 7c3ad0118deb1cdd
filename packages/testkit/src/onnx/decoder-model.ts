import { greedyDecode, type ReferenceExtras, referenceLogits } from './decoder-reference.js';
import { seeded } from './mlp.js';

/** A tiny decoder-only language model with KV cache, as the files of a model folder. */
export interface TinyDecoder {
  /**
   * Relative path → contents. optimum: genai_config.json, config.json, generation_config.json, tokenizer
   * files, onnx/model.onnx. phi3: the model at the root under Phi-3's file name, special_tokens_map.json,
   * and no generation_config.json.
   */
  files: Record<string, string | Uint8Array>;
  /** The ONNX file's key in `files`. */
  modelFile: string;
  vocab: Record<string, number>;
  /** The id a chat turn ends with (`<|end|>`). */
  eosTokenId: number;
  /** Every id generation stops at (genai_config's `eos_token_id`). */
  eosTokenIds: number[];
  shape: DecoderShape;
  /** Number of weights (int4 weights count one each), for reporting a model's size. */
  parameterCount: number;
  /** Logits of the last position after `ids` (width `shape.vocabSize`), computed in JS without a cache. */
  lastLogits(ids: number[]): number[];
  /** Greedy decoding of up to `maxNewTokens` ids after `prompt` (stops after an eos), computed in JS without a cache. */
  greedy(prompt: number[], maxNewTokens: number): number[];
}

/** Options of `createTinyDecoder`; sizes default per layout (see `resolveDecoderShape`). */
export interface TinyDecoderOptions {
  /** Seed of every weight (default 5). */
  seed?: number;
  /** Context length: learned positions (optimum) or rotary cache rows (phi3). Default 128. */
  maxPositions?: number;
  /** `optimum` (transformers.js export, default) or `phi3` (ONNX Runtime GenAI's Phi-3 int4 export). */
  layout?: 'optimum' | 'phi3';
  layers?: number;
  heads?: number;
  /** Key/value heads; fewer than `heads` (grouped-query attention) only in the phi3 layout. */
  kvHeads?: number;
  headSize?: number;
  /** heads × headSize; give it instead of `headSize` to derive that. */
  hiddenSize?: number;
  /** Width of the per-layer MLP (MatMul → x·Sigmoid(x) → MatMul, residual); 0 means no MLP. */
  intermediateSize?: number;
  /** Pre-norm RMSNorm before attention, MLP and the LM head. */
  rmsNorm?: boolean;
  /** Generated lowercase words added to the vocabulary, e.g. ~32k for a Phi-3-sized vocabulary. */
  vocabExtra?: number;
  /**
   * Adds JSON's punctuation (`{ } [ ] " : , - .` and `_ @ /`) and the digits, each also as a `##`
   * continuation, after the words (before phi3's trailing specials), and a tokenizer whose decode keeps
   * every space (no cleanup) and drops a leading piece's `##`, so a decoded text is its tokens' texts
   * joined and constrained decoding can write JSON. Default false.
   */
  symbols?: boolean;
}

/** A decoder's resolved sizes. */
export interface DecoderShape {
  layout: 'optimum' | 'phi3';
  layers: number;
  heads: number;
  kvHeads: number;
  headSize: number;
  hidden: number;
  intermediate: number;
  rmsNorm: boolean;
  maxPositions: number;
  /** Ids the tokenizer knows (0 … tokenizerSize - 1). */
  tokenizerSize: number;
  /** Width of the logits and rows of the embedding: tokenizerSize, padded in the phi3 layout. */
  vocabSize: number;
}

const LAYOUT_DEFAULTS = {
  optimum: { layers: 1, heads: 2, headSize: 8, intermediateSize: 0, rmsNorm: false },
  phi3: { layers: 2, heads: 4, kvHeads: 2, headSize: 16, intermediateSize: 64, rmsNorm: true },
} as const;

/**
 * Fills in `options` with the layout's defaults: optimum is one layer of two heads of 8, no MLP, no
 * norm (the original tiny decoder); phi3 is two layers, 4 query and 2 key/value heads of 16, an MLP of
 * 64 and RMSNorm. The phi3 logits width is padded past the tokenizer to a multiple of 8, as Phi-3's.
 */
export function resolveDecoderShape(options: TinyDecoderOptions, tokenizerSize: number): DecoderShape {
  const layout = options.layout ?? 'optimum';
  const d = LAYOUT_DEFAULTS[layout];
  const heads = options.heads ?? d.heads;
  const headSize =
    options.headSize ?? (options.hiddenSize === undefined ? d.headSize : options.hiddenSize / heads);
  const hidden = heads * headSize;
  const kvHeads = options.kvHeads ?? ('kvHeads' in d ? d.kvHeads : heads);
  const fail = (what: string) => {
    throw new Error(`createTinyDecoder: ${what}.`);
  };
  if (!Number.isInteger(headSize) || headSize < 1) fail(`hiddenSize must be a multiple of heads (${heads})`);
  if (options.hiddenSize !== undefined && options.hiddenSize !== hidden)
    fail(`hiddenSize ${options.hiddenSize} must equal heads × headSize (${hidden})`);
  if (heads % kvHeads !== 0) fail(`heads (${heads}) must be a multiple of kvHeads (${kvHeads})`);
  if (layout === 'optimum' && kvHeads !== heads) fail('the optimum layout has kvHeads = heads');
  // ONNX Runtime's CPU GroupQueryAttention takes head sizes that are multiples of 16.
  if (layout === 'phi3' && headSize % 16 !== 0) fail('the phi3 layout needs a headSize multiple of 16');
  return {
    layout,
    layers: options.layers ?? d.layers,
    heads,
    kvHeads,
    headSize,
    hidden,
    intermediate: options.intermediateSize ?? d.intermediateSize,
    rmsNorm: options.rmsNorm ?? d.rmsNorm,
    maxPositions: options.maxPositions ?? 128,
    tokenizerSize,
    vocabSize: layout === 'phi3' ? (Math.floor(tokenizerSize / 8) + 1) * 8 : tokenizerSize,
  };
}

const WORDS = ['hello', 'world', 'the', 'cat', 'sat', 'on', 'mat', 'a', 'is', 'you', 'said'];
const LETTERS = [...'abcdefghijklmnopqrstuvwxyz'];
/** The original tiny decoder's special tokens, first in its vocabulary. */
export const OPTIMUM_SPECIALS: string[] = [
  '[PAD]',
  '[UNK]',
  '<|system|>',
  '<|user|>',
  '<|assistant|>',
  '<|end|>',
];
/** Phi-3's special tokens: `<unk> <s> </s>` first, the chat tokens after the regular vocabulary. */
export const PHI3_SPECIALS: { first: string[]; last: string[] } = {
  first: ['<unk>', '<s>', '</s>'],
  last: ['<|endoftext|>', '<|assistant|>', '<|system|>', '<|end|>', '<|user|>'],
};

const SYMBOLS = [...'{}[]":,-._@/0123456789'];

/**
 * The vocabulary in id order: specials, words, letters and `##` letters, then `extra` generated words,
 * then (with `symbols`) punctuation and digits and their `##` forms.
 */
export function decoderTokens(layout: 'optimum' | 'phi3', extra: number, symbols = false): string[] {
  const base = [...WORDS, ...LETTERS, ...LETTERS.map((l) => `##${l}`)];
  const taken = new Set(base);
  const generated: string[] = [];
  // Lowercase words of two letters or more (bijective base 26: 27 is 'aa'), skipping those already in the vocabulary.
  for (let i = 27; generated.length < extra; i++) {
    let word = '';
    for (let n = i; n > 0; n = Math.floor((n - 1) / 26)) word = LETTERS[(n - 1) % 26] + word;
    if (!taken.has(word)) generated.push(word);
  }
  const added = symbols ? [...SYMBOLS, ...SYMBOLS.map((s) => `##${s}`)] : [];
  // The optimum vocabulary keeps its original duplicate ('a' is a word and a letter); phi3's has none.
  return layout === 'phi3'
    ? [...PHI3_SPECIALS.first, ...taken, ...generated, ...added, ...PHI3_SPECIALS.last]
    : [...OPTIMUM_SPECIALS, ...base, ...generated, ...added];
}

/** One layer's weights, each `[in, out]` row-major. */
export interface LayerWeights {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  o: Float32Array;
  up?: Float32Array;
  down?: Float32Array;
  attnNorm?: Float32Array;
  mlpNorm?: Float32Array;
}

/** Every weight of a decoder. `pos` (learned positions) only in the optimum layout. */
export interface DecoderWeights {
  tok: Float32Array;
  pos?: Float32Array;
  layers: LayerWeights[];
  finalNorm?: Float32Array;
  lm: Float32Array;
}

/**
 * Draws the weights from `seed` in a fixed order (token embedding, positions, then per layer q, k, v, o,
 * MLP, norms; final norm; LM head). Projections are scaled by √(16/fan-in), which is 1 at the original
 * hidden size of 16, so that decoder's weights are unchanged while wider ones keep activations bounded.
 */
export function decoderWeights(shape: DecoderShape, seed: number): DecoderWeights {
  const random = seeded(seed);
  const weights = (n: number, scale = 1) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = (random() * 2 - 1) * scale;
    return out;
  };
  const projection = (fanIn: number, fanOut: number, base = 0.5) =>
    weights(fanIn * fanOut, base * Math.sqrt(16 / fanIn));
  const norm = (n: number) => weights(n, 0.1).map((w) => 1 + w);
  const { hidden, heads, kvHeads, headSize, intermediate, vocabSize } = shape;
  const tok = weights(vocabSize * hidden);
  const pos = shape.layout === 'optimum' ? weights(shape.maxPositions * hidden, 0.5) : undefined;
  const layers = Array.from({ length: shape.layers }, (): LayerWeights => {
    const layer: LayerWeights = {
      q: projection(hidden, heads * headSize),
      k: projection(hidden, kvHeads * headSize),
      v: projection(hidden, kvHeads * headSize),
      o: projection(heads * headSize, hidden),
    };
    if (intermediate > 0) {
      layer.up = projection(hidden, intermediate);
      layer.down = projection(intermediate, hidden);
    }
    if (shape.rmsNorm) {
      layer.attnNorm = norm(hidden);
      if (intermediate > 0) layer.mlpNorm = norm(hidden);
    }
    return layer;
  });
  const finalNorm = shape.rmsNorm ? norm(hidden) : undefined;
  const lm = projection(hidden, vocabSize, 2);
  return { tok, ...(pos ? { pos } : {}), layers, ...(finalNorm ? { finalNorm } : {}), lm };
}

/** How many weights a decoder has (embeddings, projections, norms and LM head). */
export function parameterCount(weights: DecoderWeights): number {
  const arrays = [weights.tok, weights.pos, weights.finalNorm, weights.lm];
  for (const layer of weights.layers) arrays.push(...Object.values(layer));
  return arrays.reduce((n, a) => n + (a?.length ?? 0), 0);
}

/** The parts of a `TinyDecoder` that come from its sizes, weights and eos ids (JS reference included). */
export function decoderReference(
  shape: DecoderShape,
  weights: DecoderWeights,
  eosTokenIds: number[],
  extras: ReferenceExtras = {},
): Pick<TinyDecoder, 'shape' | 'parameterCount' | 'lastLogits' | 'greedy' | 'eosTokenIds'> {
  const lastLogits = (ids: number[]) => referenceLogits(shape, weights, ids, extras);
  return {
    shape,
    eosTokenIds,
    parameterCount: parameterCount(weights),
    lastLogits,
    greedy: (prompt, maxNewTokens) => greedyDecode(lastLogits, eosTokenIds, prompt, maxNewTokens),
  };
}
