import { createTinyDecoder } from '@flowline/testkit';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Generator, GeneratorParams, generate, Model } from '../src/index.js';
import { bestTwoTokenContinuations, referenceLogProbs, useDecoder } from './helpers.js';

const decoder = createTinyDecoder({ seed: 5 });
const lm = useDecoder(decoder);
const { promptIds, greedyTail } = lm;

/** Log-probabilities of the next token after `ids`, from a full forward pass with no cache. */
async function nextLogProbs(ids: number[]): Promise<number[]> {
  const empty = () => new ort.Tensor('float32', new Float32Array(0), [1, 2, 0, 8]);
  const int64 = (values: number[]) =>
    new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [1, values.length]);
  const outputs = await lm.model.session.run({
    input_ids: int64(ids),
    attention_mask: int64(ids.map(() => 1)),
    position_ids: int64(ids.map((_, i) => i)),
    'past_key_values.0.key': empty(),
    'past_key_values.0.value': empty(),
  });
  const logits = outputs.logits!;
  const vocab = logits.dims[2]!;
  return referenceLogProbs(
    Array.from((logits.data as Float32Array).slice((ids.length - 1) * vocab, ids.length * vocab)),
  );
}

/**
 * Beam search written the plain way (no cache, no row reordering, every step recomputed from scratch),
 * with Hugging Face's rules: 2×beams candidates, eos among the first `beams` ends a hypothesis scored
 * sum / length ** penalty, done at `beams` hypotheses (early stopping) or when no beam can win.
 */
async function referenceBeamSearch(
  prompt: number[],
  options: {
    beams: number;
    maxLength: number;
    eos: Set<number>;
    penalty: number;
    early: boolean;
    returns: number;
  },
): Promise<number[][]> {
  let beams = [{ tokens: prompt, sum: 0 }];
  const done: { tokens: number[]; score: number }[] = [];
  const add = (tokens: number[], sum: number) => {
    done.push({ tokens, score: sum / tokens.length ** options.penalty });
    done.sort((a, b) => b.score - a.score);
    done.splice(options.beams);
  };
  while (beams[0]!.tokens.length < options.maxLength) {
    const candidates: { tokens: number[]; sum: number; token: number }[] = [];
    for (const beam of beams) {
      const logProbs = await nextLogProbs(beam.tokens);
      logProbs.forEach((lp, token) => {
        candidates.push({ tokens: beam.tokens, sum: beam.sum + lp, token });
      });
    }
    candidates.sort((a, b) => b.sum - a.sum);
    const top = candidates.slice(0, 2 * options.beams);
    const next: typeof beams = [];
    for (const [rank, c] of top.entries()) {
      if (options.eos.has(c.token)) {
        if (rank < options.beams) add(c.tokens, c.sum);
      } else if (next.length < options.beams) next.push({ tokens: [...c.tokens, c.token], sum: c.sum });
    }
    const length = beams[0]!.tokens.length;
    beams = next;
    if (
      done.length >= options.beams &&
      (options.early || done.at(-1)!.score >= top[0]!.sum / length ** options.penalty)
    )
      return done.slice(0, options.returns).map((d) => d.tokens);
  }
  for (const beam of beams) add(beam.tokens, beam.sum);
  return done.slice(0, options.returns).map((d) => d.tokens);
}

describe('batches (right padding)', () => {
  const texts = ['hello cat', 'the mat is a world said you', 'xyz'];

  it('generate the same tokens per row as each prompt alone, from lists or a flat padded array', async () => {
    const prompts = texts.map(promptIds);
    const longest = Math.max(...prompts.map((p) => p.length));
    const params = new GeneratorParams(lm.model);
    params.setSearchOptions({ batch_size: 3, max_length: longest + 10 });
    const sequences = await generate(lm.model, params, prompts);
    for (const [row, prompt] of prompts.entries()) {
      expect(sequences[row]!.slice(0, prompt.length)).toEqual(prompt);
      expect(sequences[row]!.slice(prompt.length)).toEqual(greedyTail(prompt, 10));
    }
    // The flat form ONNX Runtime GenAI's encode_batch gives: rows padded on the right with pad_token_id.
    const pad = lm.model.config.model.pad_token_id;
    const flat = prompts.flatMap((p) => [...p, ...Array(longest - p.length).fill(pad)]);
    const generator = new Generator(lm.model, params);
    generator.appendTokens(flat);
    const steps: number[][] = [];
    for await (const tokens of generator) steps.push(tokens);
    expect(generator.getSequences()).toEqual(sequences);
    expect(steps.every((tokens) => tokens.length === 3)).toBe(true);
    // A row that finished early is fed pads; its sequence stops before its eos.
    for (const [row, prompt] of prompts.entries()) {
      const column = steps.map((tokens) => tokens[row]);
      const tail = sequences[row]!.slice(prompt.length);
      expect(column.slice(0, tail.length)).toEqual(tail);
      if (tail.length < steps.length) {
        expect(column[tail.length]).toBe(decoder.eosTokenId);
        expect(new Set(column.slice(tail.length + 1))).toEqual(
          new Set(column.length > tail.length + 1 ? [pad] : []),
        );
      }
    }
  });

  it('refuses rows that do not fit, continuous decoding and rewinds other than to 0', async () => {
    const params = new GeneratorParams(lm.model);
    params.setSearchOptions({ batch_size: 2, max_length: 20 });
    const generator = new Generator(lm.model, params);
    expect(() => generator.appendTokens([1, 2, 3])).toThrow(/do not split into batch_size \(2\)/);
    expect(() => generator.appendTokens([[7]])).toThrow(/1 token rows for batch_size 2/);
    expect(() => generator.appendTokens([[7], []])).toThrow(/at least one token per row/);
    expect(() => generator.appendTokens([[7], [99999]])).toThrow(/outside the vocabulary/);
    generator.appendTokens([[7, 8], [9]]);
    await generator.generateNextToken();
    expect(() => generator.appendTokens([[7], [8]])).toThrow(/appended only once/);
    expect(() => generator.rewindTo(1)).toThrow(/only be rewound to 0/);
    generator.rewindTo(0);
    generator.appendTokens([[9], [7, 8]]);
    while (!generator.isDone()) await generator.generateNextToken();
    expect(generator.getSequence(1).slice(2)).toEqual(greedyTail([7, 8], 18));
  });
});

describe('continuous decoding (one sequence)', () => {
  it('appending after generation continues as if the whole sequence had been the prompt', async () => {
    const prompt = promptIds('hello world');
    const params = new GeneratorParams(lm.model);
    params.setSearchOptions({ max_length: prompt.length + 12, min_length: prompt.length + 12 });
    const generator = new Generator(lm.model, params);
    generator.appendTokens(prompt);
    for (let i = 0; i < 3; i++) await generator.generateNextToken();
    const forced = [decoder.vocab.the!, decoder.vocab.mat!];
    generator.appendTokens(forced);
    await generator.generateNextToken();
    const base = [...prompt, ...generator.getSequence().slice(prompt.length, prompt.length + 3), ...forced];
    expect(generator.getSequence()).toEqual([...base, ...decoder.greedy(base, 1)]);
  });
});

describe('beam search', () => {
  it('with 2 steps and eos masked, returns the best continuations by total log-probability', async () => {
    const prompt = promptIds('the cat');
    const params = new GeneratorParams(lm.model);
    params.setSearchOptions({
      num_beams: 4,
      num_return_sequences: 4,
      max_length: prompt.length + 2,
      min_length: prompt.length + 2,
    });
    const generator = new Generator(lm.model, params);
    generator.appendTokens(prompt);
    while (!generator.isDone()) await generator.generateNextToken();
    const results = generator.getSequences();
    expect(results).toHaveLength(4);
    // Brute force: every first token among the 4 best (eos excluded), every second token.
    const eos = new Set([decoder.eosTokenId]);
    expect(results).toEqual(await bestTwoTokenContinuations(prompt, 4, nextLogProbs, eos));
  });

  it('equals a cache-free reference for eos lists, length penalties, early stopping and batches', async () => {
    const prompts = ['hello cat', 'the mat is a world'].map(promptIds);
    // Frequent tokens as extra eos ids, so hypotheses end at different lengths and the search settles early.
    const eos = [decoder.eosTokenId];
    for (const prompt of prompts) {
      const free = decoder.greedy(prompt, 6);
      const ranked = (await nextLogProbs(prompt))
        .map((lp, token) => ({ lp, token }))
        .sort((a, b) => b.lp - a.lp);
      eos.push(ranked[1]!.token, free[2]!, free[4]!);
    }
    const custom = await Model.load(lm.model.dir);
    (custom.config.model as { eos_token_id: number[] }).eos_token_id = eos;
    try {
      for (const [penalty, early] of [
        [1, true],
        [0.5, false],
        [2, false],
      ] as const) {
        const params = new GeneratorParams(custom);
        const longest = Math.max(...prompts.map((p) => p.length));
        params.setSearchOptions({
          num_beams: 3,
          num_return_sequences: 3,
          batch_size: 2,
          max_length: longest + 7,
          length_penalty: penalty,
          early_stopping: early,
        });
        const sequences = await generate(custom, params, prompts);
        const expected: number[][] = [];
        for (const prompt of prompts) {
          // max_length caps the padded width, so every row gets the same number of steps.
          const reference = await referenceBeamSearch(prompt, {
            beams: 3,
            maxLength: prompt.length + 7,
            eos: new Set(eos),
            penalty,
            early,
            returns: 3,
          });
          expected.push(...reference);
        }
        expect(sequences).toEqual(expected);
      }
    } finally {
      await custom.close();
    }
  });

  it('refuses sampling and rewinds with beams', async () => {
    const params = new GeneratorParams(lm.model);
    params.setSearchOptions({ num_beams: 2, do_sample: true });
    expect(() => new Generator(lm.model, params)).toThrow(/Beam search cannot sample/);
    params.setSearchOptions({ do_sample: false });
    const generator = new Generator(lm.model, params);
    generator.appendTokens([5, 6]);
    expect(() => generator.rewindTo(1)).toThrow(/not available with beam search/);
  });
});
