import { createTinyDecoder, PHI3_MODEL_FILE } from '@flowline/testkit';
import type * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Generator, GeneratorParams, generate } from '../src/index.js';
import { bestTwoTokenContinuations, referenceLogProbs, useDecoder } from './helpers.js';

// ONNX Runtime GenAI's Phi-3 int4 export in miniature: GroupQueryAttention with rotary embeddings, no
// position_ids, MatMulNBits, padded logits, an eos list and past_present_share_buffer on.
const decoder = createTinyDecoder({ layout: 'phi3', seed: 11 });
const lm = useDecoder(decoder);
const { promptIds, greedyTail } = lm;
const eos = () => new Set(decoder.eosTokenIds);

/** Records the feeds of every session.run while `body` runs. */
async function recordRuns(body: () => Promise<void>): Promise<Record<string, ort.Tensor>[]> {
  const session = lm.model.session as { run: ort.InferenceSession['run'] };
  const original = session.run;
  const feeds: Record<string, ort.Tensor>[] = [];
  session.run = ((f: Record<string, ort.Tensor>, ...rest: unknown[]) => {
    feeds.push({ ...f });
    return (original as (...args: unknown[]) => unknown).call(lm.model.session, f, ...rest);
  }) as ort.InferenceSession['run'];
  try {
    await body();
  } finally {
    session.run = original;
  }
  return feeds;
}

describe('a Phi-3-layout folder', () => {
  it('loads by its genai_config as Phi-3 does: file at the root, no position_ids, eos list, shared buffer on', () => {
    expect(lm.model.config.model.decoder.filename).toBe(PHI3_MODEL_FILE);
    expect(lm.model.io.positionIds).toBeNull();
    expect(lm.model.config.model.eos_token_id.length).toBeGreaterThan(1);
    expect(lm.model.config.search.past_present_share_buffer).toBe(true);
    expect(lm.model.config.search.top_k).toBe(1);
  });

  it('generates greedily, token for token as the cache-free reference, with the shared buffer and with a growing cache', async () => {
    for (const text of ['hello cat', 'the mat is a world']) {
      const prompt = promptIds(text);
      const expected = greedyTail(prompt, 14);
      for (const shared of [true, false]) {
        const params = new GeneratorParams(lm.model);
        params.setSearchOptions({ max_length: prompt.length + 14, past_present_share_buffer: shared });
        const sequence = await generate(lm.model, params, prompt);
        expect(sequence.slice(prompt.length), `shared ${shared}`).toEqual(expected);
      }
    }
  });

  it('allocates the shared [1, kv_heads, max_length, head_size] buffer once and passes the same one every step', async () => {
    const prompt = promptIds('hello world');
    const params = new GeneratorParams(lm.model);
    params.setSearchOptions({ max_length: prompt.length + 6, min_length: prompt.length + 6 });
    const runs = await recordRuns(async () => {
      await generate(lm.model, params, prompt);
    });
    expect(runs).toHaveLength(6);
    const past = 'past_key_values.0.key';
    const { shape } = decoder;
    for (const feeds of runs)
      expect(feeds[past]!.dims).toEqual([1, shape.kvHeads, prompt.length + 6, shape.headSize]);
    expect(new Set(runs.map((feeds) => feeds[past]!.data)).size).toBe(1);
    // The mask still grows one column per step; input_ids is the prompt, then one token.
    expect(runs.map((feeds) => feeds.attention_mask!.dims[1])).toEqual(
      Array.from({ length: 6 }, (_, i) => prompt.length + i),
    );
    expect(runs.slice(1).every((feeds) => feeds.input_ids!.dims[1] === 1)).toBe(true);
  });

  it('batches with right padding equal single prompts, with the shared buffer and with a growing cache', async () => {
    const prompts = ['hello cat', 'the mat is a world said you', 'xyz'].map(promptIds);
    const longest = Math.max(...prompts.map((p) => p.length));
    for (const shared of [true, false]) {
      const params = new GeneratorParams(lm.model);
      params.setSearchOptions({ batch_size: 3, max_length: longest + 9, past_present_share_buffer: shared });
      const sequences = await generate(lm.model, params, prompts);
      for (const [row, prompt] of prompts.entries())
        expect(sequences[row]!.slice(prompt.length), `shared ${shared}, row ${row}`).toEqual(
          greedyTail(prompt, 9),
        );
    }
  });

  it('rewinds in the shared buffer and regenerates what a fresh run gives', async () => {
    const prompt = promptIds('hello world');
    const params = new GeneratorParams(lm.model);
    params.setSearchOptions({ max_length: prompt.length + 10, min_length: prompt.length + 10 });
    const generator = new Generator(lm.model, params);
    generator.appendTokens(prompt);
    while (!generator.isDone()) await generator.generateNextToken();
    const first = generator.getSequence();
    generator.rewindTo(prompt.length + 4);
    while (!generator.isDone()) await generator.generateNextToken();
    expect(generator.getSequence()).toEqual(first);
    generator.rewindTo(3);
    const forced = [decoder.vocab.the!, decoder.vocab.cat!];
    generator.appendTokens(forced);
    for (let i = 0; i < 4; i++) await generator.generateNextToken();
    const base = [...prompt.slice(0, 3), ...forced];
    expect(generator.getSequence()).toEqual([...base, ...decoder.greedy(base, 4)]);
  });

  it('runs beam search on a growing cache (the shared buffer is for one beam), best first', async () => {
    const prompt = promptIds('the cat');
    const params = new GeneratorParams(lm.model);
    params.setSearchOptions({
      num_beams: 3,
      num_return_sequences: 3,
      max_length: prompt.length + 2,
      min_length: prompt.length + 2,
    });
    const generator = new Generator(lm.model, params);
    generator.appendTokens(prompt);
    while (!generator.isDone()) await generator.generateNextToken();
    // Brute force over the 3 best first tokens (eos masked by min_length) and every second token.
    const vocab = lm.model.config.model.vocab_size;
    const logProbs = (ids: number[]) => referenceLogProbs(decoder.lastLogits(ids)).slice(0, vocab);
    expect(generator.getSequences()).toEqual(await bestTwoTokenContinuations(prompt, 3, logProbs, eos()));
  });
});
