import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTinyDecoder, writeModelFiles } from '@flowline/testkit';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bannedByNgrams,
  Generator,
  GeneratorParams,
  halfToFloat,
  Model,
  processLogits,
  readLogits,
  SEARCH_DEFAULTS,
  type SearchOptions,
  stepLogprobs,
  tokenLogprob,
  topLogprobs,
} from '../src/index.js';
import { referenceLogProbs, useDecoder } from './helpers.js';
import { withFloat16Logits } from './onnx-edit.js';

const decoder = createTinyDecoder({ seed: 5 });
const lm = useDecoder(decoder);
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'flowline-genai-logits-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const search = (options: Partial<SearchOptions>): SearchOptions => ({
  ...SEARCH_DEFAULTS,
  max_length: 100,
  ...options,
});
const none = new Set<number>();

describe('processLogits', () => {
  it('frequency and presence penalties count generated tokens only (ids from promptLength on)', () => {
    const logits = new Float32Array([1, 1, 1, 1, 1]);
    // Prompt [0, 1], generated [1, 2, 2, 2].
    processLogits(
      logits,
      [0, 1, 1, 2, 2, 2],
      search({ frequency_penalty: 0.5, presence_penalty: 0.25 }),
      none,
      2,
    );
    expect(Array.from(logits)).toEqual([1, 1 - 0.5 - 0.25, 1 - 1.5 - 0.25, 1, 1]);
    const all = new Float32Array([1, 1, 1]);
    processLogits(all, [0, 1, 1], search({ frequency_penalty: -1 }), none);
    expect(Array.from(all)).toEqual([2, 3, 1]);
  });

  it('applies min_length, then repetition_penalty (over the prompt too), then the OpenAI penalties', () => {
    const logits = new Float32Array([2, -2, 4, 0]);
    processLogits(
      logits,
      [0, 1, 2],
      search({ min_length: 5, repetition_penalty: 2, presence_penalty: 1 }),
      new Set([3]),
      2,
    );
    expect(Array.from(logits)).toEqual([1, -4, 4 / 2 - 1, Number.NEGATIVE_INFINITY]);
  });

  it('no_repeat_ngram_size bans every token that would repeat an n-gram of the sequence', () => {
    expect([...bannedByNgrams([1, 2, 3, 1, 2], 3)]).toEqual([3]);
    expect([...bannedByNgrams([1, 2, 3, 1, 2, 4, 1, 2], 3)].sort()).toEqual([3, 4]);
    expect([...bannedByNgrams([5, 6, 5], 2)]).toEqual([6]);
    expect([...bannedByNgrams([5, 6, 7], 1)].sort()).toEqual([5, 6, 7]);
    expect([...bannedByNgrams([5], 3)]).toEqual([]);
    const logits = new Float32Array([1, 1, 1, 1, 1]);
    processLogits(logits, [1, 2, 3, 1, 2], search({ no_repeat_ngram_size: 3 }), none);
    expect(Array.from(logits)).toEqual([1, 1, 1, Number.NEGATIVE_INFINITY, 1]);
  });

  it('handles a 200k-token sequence (no spread of the whole sequence into a call)', () => {
    const sequence = Array.from({ length: 200_000 }, (_, i) => i % 7);
    const logits = new Float32Array(8).fill(1);
    processLogits(
      logits,
      sequence,
      search({
        repetition_penalty: 2,
        no_repeat_ngram_size: 4,
        frequency_penalty: 0.001,
        presence_penalty: 0.5,
      }),
      none,
      100_000,
    );
    // Each id 0..6 occurs 100000/7 ≈ 14285-14286 times among the generated half.
    expect(logits[7]).toBe(1);
    expect(logits[0]).toBeCloseTo(0.5 - 14286 * 0.001 - 0.5, 3);
  });
});

describe('logprobs', () => {
  it('topLogprobs / tokenLogprob are the log-softmax of logits / temperature, best first', () => {
    const logits = [1, 3, 2, Number.NEGATIVE_INFINITY];
    const expected = referenceLogProbs([1, 3, 2]);
    expect(topLogprobs(logits, 2).map((e) => e.token)).toEqual([1, 2]);
    topLogprobs(logits, 3).forEach((e) => {
      expect(e.logprob).toBeCloseTo(expected[e.token]!, 6);
    });
    expect(tokenLogprob(logits, 3)).toBe(Number.NEGATIVE_INFINITY);
    const hot = referenceLogProbs([2, 6, 4]);
    expect(tokenLogprob(logits, 0, 0.5)).toBeCloseTo(hot[0]!, 6);
    expect(topLogprobs(logits, 0)).toEqual([]);
    expect(topLogprobs(logits, 10)).toHaveLength(4);
  });

  it('stepLogprobs uses temperature only when sampling, and the config vocabulary only', () => {
    const logits = new Float32Array([1, 3, 2, 50]); // id 3 is padding past vocab_size 3
    const greedy = stepLogprobs(logits, 1, 1, search({ temperature: 0.5 }), 3);
    expect(greedy.logprob).toBeCloseTo(referenceLogProbs([1, 3, 2])[1]!, 6);
    expect(greedy.top.map((e) => e.token)).toEqual([1]);
    const sampled = stepLogprobs(logits, 2, 0, search({ temperature: 0.5, do_sample: true, top_k: 0 }), 3);
    expect(sampled.logprob).toBeCloseTo(referenceLogProbs([2, 6, 4])[2]!, 6);
  });
});

describe('float16 logits', () => {
  it('halfToFloat decodes IEEE half-precision bit patterns', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x3555)).toBeCloseTo(0.333251953125, 12);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x0400)).toBe(2 ** -14);
    expect(halfToFloat(0x0000)).toBe(0);
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
    expect(halfToFloat(0x7c00)).toBe(Number.POSITIVE_INFINITY);
    expect(halfToFloat(0xfc00)).toBe(Number.NEGATIVE_INFINITY);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });

  it('a decoder whose logits output is float16 generates as the float32 one', async () => {
    const config = JSON.parse(decoder.files['genai_config.json'] as string);
    config.model.decoder.outputs.logits = 'logits_fp16';
    const folder = await writeModelFiles(join(tmp, 'fp16'), {
      ...decoder.files,
      'genai_config.json': JSON.stringify(config),
      'onnx/model.onnx': withFloat16Logits(decoder.files['onnx/model.onnx'] as Uint8Array, 'logits_fp16'),
    });
    const model = await Model.load(folder);
    try {
      const prompt = lm.promptIds('hello cat');
      const params = new GeneratorParams(model);
      params.setSearchOptions({ max_length: prompt.length + 8 });
      const generator = new Generator(model, params);
      generator.appendTokens(prompt);
      const logits = (await generator.getLogits()).data as Float32Array;
      expect(generator.getOutput('logits_fp16').type).toBe('float16');
      decoder.lastLogits(prompt).forEach((v, i) => {
        expect(Math.abs(logits[i]! - v)).toBeLessThanOrEqual(Math.abs(v) / 512 + 1e-3);
      });
      while (!generator.isDone()) await generator.generateNextToken();
      expect(generator.getSequence(0)).toEqual([...prompt, ...lm.greedyTail(prompt, 8)]);
    } finally {
      await model.close();
    }
  });

  it('readLogits reads a float16 tensor row as float32 values', () => {
    const tensor = new ort.Tensor('float16', new Uint16Array([0x3c00, 0xc000, 0x3800, 0x4200]), [1, 2, 2]);
    expect(Array.from(readLogits(tensor, 2, 2))).toEqual([0.5, 3]);
    const f32 = new ort.Tensor('float32', new Float32Array([1, 2, 3]), [1, 1, 3]);
    expect(Array.from(readLogits(f32, 1, 2))).toEqual([2, 3]);
  });
});

describe('Generator search options', () => {
  it('no_repeat_ngram_size: generation equals a cache-free reference that bans repeated n-grams', async () => {
    for (const n of [1, 2, 3]) await checkNgrams(n);
  });
});

async function checkNgrams(n: number): Promise<void> {
  const prompt = lm.promptIds('hello cat');
  const params = new GeneratorParams(lm.model);
  params.setSearchOptions({ max_length: prompt.length + 10, no_repeat_ngram_size: n });
  const generator = new Generator(lm.model, params);
  generator.appendTokens(prompt);
  while (!generator.isDone()) await generator.generateNextToken();

  const expected = [...prompt];
  const eos = new Set(decoder.eosTokenIds);
  for (let step = 0; step < 10; step++) {
    const logits = decoder.lastLogits(expected);
    // Every earlier occurrence of the last n - 1 tokens bans the token that followed it.
    const tail = expected.slice(expected.length - (n - 1));
    for (let i = 0; i + n <= expected.length; i++)
      if (expected.slice(i, i + n - 1).every((t, j) => t === tail[j]))
        logits[expected[i + n - 1]!] = -Infinity;
    const token = logits.indexOf(Math.max(...logits));
    if (eos.has(token)) break;
    expected.push(token);
  }
  expect(generator.getSequence(0)).toEqual(expected);
  // The rule changed something: plain greedy repeats here.
  if (n === 1) expect(expected).not.toEqual([...prompt, ...lm.greedyTail(prompt, 10)]);
}

describe('Generator search options (2)', () => {
  it('presence_penalty counts only generated tokens: a prompt token stays, a generated one is penalised', async () => {
    const prompt = lm.promptIds('hello cat');
    const a = prompt[1]!;
    const b = [...Array(decoder.shape.vocabSize).keys()].find((t) => !prompt.includes(t) && t > 3)!;
    const params = new GeneratorParams(lm.model);
    params.setSearchOptions({ max_length: prompt.length + 5, presence_penalty: 2 });
    const generator = new Generator(lm.model, params);
    generator.appendTokens(prompt);
    const favour = () => {
      const logits = new Float32Array(decoder.shape.vocabSize).fill(-100);
      logits[a] = 1;
      logits[b] = 0.5;
      return logits;
    };
    generator.setLogits(favour());
    await generator.generateNextToken();
    expect(generator.getNextTokens()).toEqual([a]); // a is in the prompt: not penalised
    generator.setLogits(favour());
    await generator.generateNextToken();
    expect(generator.getNextTokens()).toEqual([b]); // a was generated: 1 - 2 < 0.5
    expect(() => params.setSearchOptions({ frequency_penalty: 3 })).toThrow(/-2 to 2/);
    expect(() => params.setSearchOptions({ no_repeat_ngram_size: -1 })).toThrow(/0 or more/);
  });

  it('appendTokens takes a 200k-token continuation (no call-stack overflow)', async () => {
    const custom = await Model.load(lm.model.dir);
    try {
      (custom.config.model as { context_length: number }).context_length = 300_000;
      custom.config.search.max_length = 300_000;
      const generator = new Generator(custom, new GeneratorParams(custom));
      generator.appendTokens([1, 2, 3]);
      generator.appendTokens(Array.from({ length: 200_000 }, (_, i) => 4 + (i % 10)));
      expect(generator.tokenCount()).toBe(200_003);
    } finally {
      await custom.close();
    }
  });
});
