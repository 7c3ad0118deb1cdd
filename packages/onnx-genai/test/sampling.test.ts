import { createTinyDecoder } from '@flowline/testkit';
import { describe, expect, it } from 'vitest';
import { drawCandidate, filterCandidates, GeneratorParams, generate, seededRandom } from '../src/index.js';
import { useDecoder } from './helpers.js';

const softmax = (xs: number[]) => {
  const e = xs.map((x) => Math.exp(x));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

describe('sampling filters on known logits', () => {
  const logits = Float32Array.from([1, 3, 2, 0]);

  it('keeps the top k, most likely first', () => {
    const { ids, probs } = filterCandidates(logits, { topK: 2, topP: 0, temperature: 1 });
    expect(ids).toEqual([1, 2]);
    for (const [i, p] of softmax([3, 2]).entries()) expect(probs[i]).toBeCloseTo(p, 6);
  });

  it('selects a small top k in one pass exactly as a full sort would, ties by lower id', () => {
    const random = seededRandom(3);
    // Rounded values force many ties; some ids are masked.
    const big = Float32Array.from({ length: 5000 }, (_, i) =>
      i % 97 === 0 ? Number.NEGATIVE_INFINITY : Math.round(random() * 200) / 10,
    );
    const sorted = [...big.keys()]
      .filter((i) => big[i]! > Number.NEGATIVE_INFINITY)
      .sort((a, b) => big[b]! - big[a]! || a - b);
    for (const topK of [1, 2, 40, 64, 65, 300]) {
      const { ids } = filterCandidates(big, { topK, topP: 0, temperature: 1 });
      expect(ids).toEqual(sorted.slice(0, topK));
    }
    expect(filterCandidates(big, { topK: 0, topP: 0, temperature: 1 }).ids).toEqual(sorted);
  });

  it('applies temperature before the softmax', () => {
    const { probs } = filterCandidates(logits, { topK: 2, topP: 0, temperature: 2 });
    for (const [i, p] of softmax([1.5, 1]).entries()) expect(probs[i]).toBeCloseTo(p, 6);
  });

  it('keeps the smallest prefix reaching top p, renormalised', () => {
    const all = softmax([3, 2, 1, 0]); // 0.644, 0.237, 0.087, 0.032
    const { ids, probs } = filterCandidates(logits, { topK: 0, topP: 0.9, temperature: 1 });
    expect(ids).toEqual([1, 2, 0]);
    const kept = all.slice(0, 3);
    const sum = kept.reduce((a, b) => a + b, 0);
    for (const [i, p] of kept.entries()) expect(probs[i]).toBeCloseTo(p / sum, 6);
    expect(filterCandidates(logits, { topK: 0, topP: 0.5, temperature: 1 }).ids).toEqual([1]);
    // top_p 1 (or 0) leaves the set alone; masked ids (-inf) never appear.
    expect(filterCandidates(logits, { topK: 0, topP: 1, temperature: 1 }).ids).toHaveLength(4);
    const masked = Float32Array.from([1, Number.NEGATIVE_INFINITY, 2]);
    expect(filterCandidates(masked, { topK: 0, topP: 0, temperature: 1 }).ids).toEqual([2, 0]);
  });

  it('draws by cumulative probability, and a seed repeats its draws', () => {
    const candidates = { ids: [7, 8, 9], probs: [0.5, 0.3, 0.2] };
    expect(drawCandidate(candidates, () => 0.1)).toBe(7);
    expect(drawCandidate(candidates, () => 0.6)).toBe(8);
    expect(drawCandidate(candidates, () => 0.95)).toBe(9);
    const a = seededRandom(42);
    const b = seededRandom(42);
    const draws = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(draws);
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('sampled generation', () => {
  const decoder = createTinyDecoder({ seed: 5 });
  const lm = useDecoder(decoder);

  const prompt = [decoder.vocab['<|user|>']!, decoder.vocab.hello!, decoder.vocab['<|assistant|>']!];
  const run = async (options: Record<string, unknown>) => {
    const params = new GeneratorParams(lm.model);
    params.setSearchOptions({
      max_length: prompt.length + 10,
      do_sample: true,
      top_k: 0,
      temperature: 1.5,
      ...options,
    });
    return (await generate(lm.model, params, prompt)).slice(prompt.length);
  };

  it('is reproducible with a seed, and varies across seeds', async () => {
    const first = await run({ random_seed: 7 });
    expect(await run({ random_seed: 7 })).toEqual(first);
    const others = await Promise.all([1, 2, 3, 4].map((seed) => run({ random_seed: seed })));
    expect(others.some((o) => JSON.stringify(o) !== JSON.stringify(first))).toBe(true);
  });

  it('is greedy with top_k 1 even when sampling (as Phi-3’s config ships)', async () => {
    expect(await run({ top_k: 1, random_seed: 3 })).toEqual(decoder.greedy(prompt, 10));
  });
});
