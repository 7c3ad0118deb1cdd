import type * as ort from 'onnxruntime-node';
import type { SearchOptions } from './config.js';
import { drawCandidate, filterCandidates } from './sampling.js';

/**
 * One row's logits processed in place, in ONNX Runtime GenAI's order: eos masked while the sequence is
 * shorter than `min_length`; `repetition_penalty` on every distinct id of the sequence (prompt included);
 * `no_repeat_ngram_size` (any token completing an n-gram already in the sequence is banned); then
 * Flowline's OpenAI-style penalties on generated tokens only (the ids from `promptLength` on):
 * `logit[t] -= frequency_penalty * count(t) + presence_penalty * (count(t) > 0)`.
 * `promptLength` defaults to 0 (the whole sequence counts as generated).
 */
export function processLogits(
  logits: Float32Array,
  sequence: readonly number[],
  search: SearchOptions,
  eos: ReadonlySet<number>,
  promptLength = 0,
): void {
  if (sequence.length < search.min_length) for (const id of eos) logits[id] = Number.NEGATIVE_INFINITY;
  const penalty = search.repetition_penalty;
  if (penalty !== 1)
    for (const id of new Set(sequence)) {
      const v = logits[id]!;
      logits[id] = v < 0 ? v * penalty : v / penalty;
    }
  if (search.no_repeat_ngram_size > 0)
    for (const id of bannedByNgrams(sequence, search.no_repeat_ngram_size))
      logits[id] = Number.NEGATIVE_INFINITY;
  const frequency = search.frequency_penalty ?? 0;
  const presence = search.presence_penalty ?? 0;
  if (frequency !== 0 || presence !== 0) {
    const counts = new Map<number, number>();
    for (let i = Math.max(0, promptLength); i < sequence.length; i++) {
      const id = sequence[i]!;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    for (const [id, count] of counts)
      if (id < logits.length) logits[id] = logits[id]! - (frequency * count + presence);
  }
}

/**
 * The ids that would complete an n-gram of size `n` already present in `sequence` (Hugging Face's and
 * ONNX Runtime GenAI's no_repeat_ngram rule): each earlier occurrence of the last `n - 1` tokens bans
 * the token that followed it. With `n` 1 every id in the sequence is banned.
 */
export function bannedByNgrams(sequence: readonly number[], n: number): Set<number> {
  const banned = new Set<number>();
  const length = sequence.length;
  if (n < 1 || length < n - 1) return banned;
  const prefixStart = length - (n - 1);
  for (let start = 0; start + n <= length; start++) {
    let same = true;
    for (let j = 0; j < n - 1 && same; j++) same = sequence[start + j] === sequence[prefixStart + j];
    if (same) banned.add(sequence[start + n - 1]!);
  }
  return banned;
}

/** Only ids the config's vocabulary covers (Phi-3 pads its logits past the tokenizer's last id). */
export function vocabLogits(logits: Float32Array, vocabSize: number): Float32Array {
  return logits.subarray(0, Math.min(logits.length, vocabSize));
}

/** The next token from processed logits: seeded sampling (temperature, top-k, top-p) or greedy. */
export function chooseToken(
  logits: Float32Array,
  search: SearchOptions,
  random: () => number,
  vocabSize: number,
): number {
  const scores = vocabLogits(logits, vocabSize);
  const { top_k, top_p, temperature } = search;
  // top_k 1 is greedy even when sampling (Phi-3's config ships it), as in ONNX Runtime GenAI.
  if (samples(search))
    return drawCandidate(filterCandidates(scores, { topK: top_k, topP: top_p, temperature }), random);
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! > scores[best]!) best = i;
  return best;
}

/** True when the search draws tokens (do_sample with top_k other than 1), false when it is greedy. */
export function samples(search: SearchOptions): boolean {
  return search.do_sample && search.top_k !== 1;
}

/** A token with its log-probability. */
export interface TokenLogprob {
  token: number;
  logprob: number;
}

/** One step's log-probabilities: the chosen token's, and the `k` most likely tokens' (best first). */
export interface StepLogprobs extends TokenLogprob {
  top: TokenLogprob[];
}

function logNormalizer(logits: ArrayLike<number>, temperature: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  if (max === Number.NEGATIVE_INFINITY) return max;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp((logits[i]! - max) / temperature);
  return max / temperature + Math.log(sum);
}

/**
 * The `k` most likely tokens of `logits` (highest first, ties by lower id) with their log-probabilities:
 * the log-softmax of `logits / temperature` over the whole row.
 */
export function topLogprobs(logits: ArrayLike<number>, k: number, temperature = 1): TokenLogprob[] {
  const count = Math.min(Math.max(0, Math.floor(k)), logits.length);
  if (count === 0) return [];
  const best: number[] = [];
  for (let id = 0; id < logits.length; id++) {
    const value = logits[id]!;
    if (best.length === count && value <= logits[best[count - 1]!]!) continue;
    let at = best.length;
    while (at > 0 && logits[best[at - 1]!]! < value) at--;
    best.splice(at, 0, id);
    if (best.length > count) best.pop();
  }
  const log = logNormalizer(logits, temperature);
  return best.map((token) => ({ token, logprob: logits[token]! / temperature - log }));
}

/** The log-probability of `token` under the log-softmax of `logits / temperature`. */
export function tokenLogprob(logits: ArrayLike<number>, token: number, temperature = 1): number {
  return logits[token]! / temperature - logNormalizer(logits, temperature);
}

/**
 * The logprobs OpenAI's API reports for one step, from the **processed** logits (penalties, min_length
 * and bans applied) over the config's vocabulary, divided by `temperature` when the search samples (a
 * greedy search ignores temperature, so it is 1 then). top_k / top_p truncation is not applied, so only
 * a banned token gets -Infinity.
 */
export function stepLogprobs(
  processedLogits: Float32Array,
  token: number,
  k: number,
  search: SearchOptions,
  vocabSize: number,
): StepLogprobs {
  const scores = vocabLogits(processedLogits, vocabSize);
  const temperature = samples(search) ? search.temperature : 1;
  return {
    token,
    logprob: tokenLogprob(scores, token, temperature),
    top: topLogprobs(scores, k, temperature),
  };
}

/** An IEEE 754 half-precision bit pattern as a number (float16 tensors hold these in a Uint16Array). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** `count` logits from `offset` of a float32 or float16 logits tensor, as a new Float32Array. */
export function readLogits(tensor: ort.Tensor, offset: number, count: number): Float32Array {
  if (tensor.type === 'float16') {
    const bits = tensor.data as Uint16Array;
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = halfToFloat(bits[offset + i]!);
    return out;
  }
  if (tensor.type !== 'float32')
    throw new TypeError(`Logits of type ${tensor.type} are not supported; export float32 or float16 logits.`);
  return (tensor.data as Float32Array).slice(offset, offset + count);
}
