import type { SearchOptions } from './config.js';
import { drawCandidate, filterCandidates } from './sampling.js';

/** min_length (eos masked) then repetition penalty, in place, on one row's logits, as ONNX Runtime GenAI orders them. */
export function processLogits(
  logits: Float32Array,
  sequence: readonly number[],
  search: SearchOptions,
  eos: ReadonlySet<number>,
): void {
  if (sequence.length < search.min_length) for (const id of eos) logits[id] = Number.NEGATIVE_INFINITY;
  const penalty = search.repetition_penalty;
  if (penalty !== 1)
    for (const id of new Set(sequence)) {
      const v = logits[id]!;
      logits[id] = v < 0 ? v * penalty : v / penalty;
    }
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
  const { do_sample, top_k, top_p, temperature } = search;
  // top_k 1 is greedy even when sampling (Phi-3's config ships it), as in ONNX Runtime GenAI.
  if (do_sample && top_k !== 1)
    return drawCandidate(filterCandidates(scores, { topK: top_k, topP: top_p, temperature }), random);
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! > scores[best]!) best = i;
  return best;
}
