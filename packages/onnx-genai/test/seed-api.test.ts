import { createTinyDecoder } from '@flowline/testkit';
import { describe, expect, it } from 'vitest';
import { Generator, GeneratorParams, Model, Tokenizer } from '../src/index.js';
import { referenceLogProbs, useDecoder } from './helpers.js';

const decoder = createTinyDecoder({ seed: 5 });
const lm = useDecoder(decoder);
const eos = new Set(decoder.eosTokenIds);

describe('the seed’s Python-style wrapper, line for line', () => {
  it('Model.load, new Tokenizer(model), setSearchOptions, params.inputIds = encode(text), await model.generate(params), decode', async () => {
    const model = await Model.load(lm.model.dir);
    try {
      const tokenizer = new Tokenizer(model);
      const text = tokenizer.applyChatTemplate(null, [{ role: 'user', content: 'hello cat' }], null, true);
      const params = new GeneratorParams(model);
      params.setSearchOptions({ max_length: 40, temperature: 0.2 });
      params.inputIds = tokenizer.encode(text);
      const out = await model.generate(params);

      const prompt = lm.tokenizer.encode(text);
      const tail = lm.greedyTail(prompt, 40 - prompt.length);
      expect(out).toHaveLength(1);
      expect(out[0]).toEqual([...prompt, ...tail]);
      expect(tokenizer.decode(out[0]!)).toBe(lm.tokenizer.decode([...prompt, ...tail]));
      expect(tokenizer.decode(out[0]!.slice(prompt.length))).toBe(lm.tokenizer.decode(tail));
    } finally {
      await model.close();
    }
  });

  it('a flat batch in params.inputIds gives one sequence per row, each as it would alone', async () => {
    const texts = ['hello cat', 'the mat is a world'];
    const rows = lm.tokenizer.encodeBatch(texts);
    const width = Math.max(...rows.map((r) => r.length));
    const pad = lm.model.config.model.pad_token_id;
    const flat = rows.flatMap((r) => [...r, ...Array<number>(width - r.length).fill(pad)]);
    const params = new GeneratorParams(lm.model);
    params.setSearchOptions({ max_length: width + 6, batch_size: 2 });
    params.inputIds = flat;
    const out = await lm.model.generate(params);
    expect(out).toHaveLength(2);
    for (const [i, row] of rows.entries()) {
      expect(out[i]!.slice(0, row.length)).toEqual(row);
      expect(out[i]!.slice(row.length)).toEqual(
        lm.greedyTail(row, width + 6 - row.length).slice(0, out[i]!.length - row.length),
      );
    }
    expect(lm.tokenizer.decodeBatch(out)).toEqual(out.map((r) => lm.tokenizer.decode(r)));
    await expect(lm.model.generate(new GeneratorParams(lm.model))).rejects.toThrow(/inputIds/);
  });

  it('the 0.3-0.5 loop: params.inputIds, new Generator, computeLogits + generateNextToken; the appendTokens loop too', async () => {
    const prompt = lm.promptIds('hello world');
    const params = new GeneratorParams(lm.model);
    params.setSearchOptions({ max_length: prompt.length + 8 });
    params.inputIds = prompt;
    const old = new Generator(lm.model, params);
    while (!old.isDone()) {
      await old.computeLogits();
      await old.generateNextToken();
    }
    const fresh = new Generator(lm.model, new GeneratorParams(lm.model));
    fresh.appendTokens(prompt);
    for (let i = 0; i < 8 && !fresh.isDone(); i++) await fresh.generateNextToken();
    expect(old.getSequence(0)).toEqual([...prompt, ...lm.greedyTail(prompt, 8)]);
    expect(fresh.getSequence(0).slice(0, old.getSequence(0).length)).toEqual(old.getSequence(0));
  });
});

describe('Generator: getLogits / setLogits, getOutput, tokenCount, getLogprobs', () => {
  it('getLogits gives the model’s next-token logits; setLogits decides the next token and the model continues from it', async () => {
    const prompt = lm.promptIds('hello cat');
    const params = new GeneratorParams(lm.model);
    params.setSearchOptions({ max_length: prompt.length + 5 });
    const generator = new Generator(lm.model, params);
    generator.appendTokens(prompt);
    expect(generator.tokenCount()).toBe(prompt.length);
    const logits = await generator.getLogits();
    expect(logits.dims).toEqual([1, 1, decoder.shape.vocabSize]);
    const reference = decoder.lastLogits(prompt);
    const got = logits.data as Float32Array;
    for (let i = 0; i < reference.length; i++) expect(got[i]).toBeCloseTo(reference[i]!, 4);
    expect(generator.getOutput('logits').dims).toEqual([1, prompt.length, decoder.shape.vocabSize]);
    expect(generator.getOutput('present.0.key').dims[2]).toBe(prompt.length);
    expect(() => generator.getOutput('nope')).toThrow(/no output 'nope'/);

    // Force a token the model would not choose: every logit very low but its.
    const greedy = decoder.greedy(prompt, 1)[0]!;
    const forced = [...Array(decoder.shape.vocabSize).keys()].find(
      (t) => t !== greedy && !eos.has(t) && t > 3,
    )!;
    const edited = new Float32Array(got.length).fill(-1e9);
    edited[forced] = 0;
    generator.setLogits(edited);
    await generator.generateNextToken();
    expect(generator.getNextTokens()).toEqual([forced]);
    expect(generator.tokenCount()).toBe(prompt.length + 1);
    await generator.generateNextToken();
    expect(generator.getSequence(0)).toEqual([...prompt, forced, ...decoder.greedy([...prompt, forced], 1)]);
    expect(() => generator.setLogits(new Float32Array(3).fill(0))).not.toThrow();
    expect(() => generator.setLogits([])).toThrow(/equal rows/);
  });

  it('tokenCount leaves out a final eos, as the sequence does', async () => {
    const prompt = lm.promptIds('hello cat');
    const free = decoder.greedy(prompt, 20);
    const params = new GeneratorParams(lm.model);
    params.setSearchOptions({ max_length: prompt.length + 20 });
    const generator = new Generator(lm.model, params);
    generator.appendTokens(prompt);
    while (!generator.isDone()) await generator.generateNextToken();
    expect(generator.tokenCount()).toBe(generator.getSequence(0).length);
    expect(generator.tokenCount()).toBe(prompt.length + free.filter((t) => !eos.has(t)).length);
  });

  it('getLogprobs reports the chosen token’s and the top k log-probabilities of the processed distribution', async () => {
    const prompt = lm.promptIds('the mat');
    const params = new GeneratorParams(lm.model);
    params.setSearchOptions({ max_length: prompt.length + 3 });
    const generator = new Generator(lm.model, params);
    generator.appendTokens(prompt);
    expect(() => generator.getLogprobs(2)).toThrow(/No token/);
    await generator.generateNextToken();
    const [step] = generator.getLogprobs(3);
    const expected = referenceLogProbs(decoder.lastLogits(prompt));
    expect(step!.token).toBe(generator.getNextTokens()[0]);
    expect(step!.top).toHaveLength(3);
    expect(step!.top[0]!.token).toBe(step!.token);
    expect(step!.logprob).toBeCloseTo(expected[step!.token]!, 4);
    const sorted = [...expected].sort((a, b) => b - a);
    step!.top.forEach((entry, i) => {
      expect(entry.logprob).toBeCloseTo(sorted[i]!, 4);
      expect(entry.logprob).toBeCloseTo(expected[entry.token]!, 4);
    });

    // Sampling at temperature 0.5: the distribution drawn from is softmax(logits / 0.5).
    const sampling = new GeneratorParams(lm.model);
    sampling.setSearchOptions({
      max_length: prompt.length + 3,
      do_sample: true,
      top_k: 0,
      temperature: 0.5,
      random_seed: 3,
    });
    const sampler = new Generator(lm.model, sampling);
    sampler.appendTokens(prompt);
    await sampler.generateNextToken();
    const [drawn] = sampler.getLogprobs(1);
    const hot = referenceLogProbs(decoder.lastLogits(prompt).map((v) => v / 0.5));
    expect(drawn!.logprob).toBeCloseTo(hot[drawn!.token]!, 4);
    expect(drawn!.top[0]!.logprob).toBeCloseTo(Math.max(...hot), 4);
  });
});
