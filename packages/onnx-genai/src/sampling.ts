import { randomInt } from 'node:crypto';

/** The candidates sampling draws from: token ids and their probabilities, most likely first. */
export interface Candidates {
  ids: number[];
  probs: number[];
}

/**
 * ONNX Runtime GenAI's sampling filter: logits divided by `temperature`, the `topK` most likely kept
 * (0 keeps all), softmax, then the smallest most-likely prefix whose probability reaches `topP` (active
 * only for 0 < topP < 1), renormalised.
 */
export function filterCandidates(
  logits: ArrayLike<number>,
  options: { topK: number; topP: number; temperature: number },
): Candidates {
  const kept = rankedIds(logits, options.topK);
  const max = logits[kept[0]!]! / options.temperature;
  const weights = kept.map((i) => Math.exp(logits[i]! / options.temperature - max));
  const total = weights.reduce((a, b) => a + b, 0);
  let probs = weights.map((w) => w / total);
  let count = kept.length;
  if (options.topP > 0 && options.topP < 1) {
    let cumulative = 0;
    count = 0;
    while (count < probs.length && cumulative < options.topP) cumulative += probs[count++]!;
    const sum = probs.slice(0, count).reduce((a, b) => a + b, 0);
    probs = probs.slice(0, count).map((p) => p / sum);
  }
  return { ids: kept.slice(0, count), probs };
}

/**
 * Ids by logit, highest first (ties: lower id first), `-Infinity` left out; only the best `topK` when it
 * is positive. A small top-k is selected in one pass instead of sorting a 32k vocabulary every token.
 */
function rankedIds(logits: ArrayLike<number>, topK: number): number[] {
  if (topK > 0 && topK <= 64) {
    const best: number[] = [];
    for (let id = 0; id < logits.length; id++) {
      const value = logits[id]!;
      if (value === Number.NEGATIVE_INFINITY) continue;
      if (best.length === topK && value <= logits[best[topK - 1]!]!) continue;
      let at = best.length;
      while (at > 0 && logits[best[at - 1]!]! < value) at--;
      best.splice(at, 0, id);
      if (best.length > topK) best.pop();
    }
    return best;
  }
  const ids: number[] = [];
  for (let id = 0; id < logits.length; id++) if (logits[id]! > Number.NEGATIVE_INFINITY) ids.push(id);
  ids.sort((a, b) => logits[b]! - logits[a]! || a - b);
  return topK > 0 ? ids.slice(0, topK) : ids;
}

/** A seeded generator of numbers in [0, 1) (mulberry32); `seed` -1 seeds from the OS, as ONNX Runtime GenAI. */
export function seededRandom(seed: number): () => number {
  let state = (seed === -1 ? randomInt(2 ** 31) : seed) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws one id from the candidates. */
export function drawCandidate(candidates: Candidates, random: () => number): number {
  let r = random();
  for (let i = 0; i < candidates.ids.length; i++) {
    r -= candidates.probs[i]!;
    if (r < 0) return candidates.ids[i]!;
  }
  return candidates.ids.at(-1)!;
}
