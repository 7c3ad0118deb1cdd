import { createTinyDecoder } from '@flowline/testkit';
import { describe, expect, it } from 'vitest';
import { compileGuidance, Engine, GeneratorParams, Request, vocabularyOf } from '../src/index.js';
import { randomSchema, validate } from './guidance-helpers.js';
import { useDecoder } from './helpers.js';

// Constrained decoding end to end: a real ONNX decoder whose vocabulary has JSON's punctuation and
// digits, sampled with a seed through Engine and Request under a JSON-schema guidance, for random
// schemas; every answer must parse and validate.

describe('JSON-schema guidance on a real decoder with JSON symbols', () => {
  const decoder = createTinyDecoder({ layout: 'phi3', seed: 11, maxPositions: 256, symbols: true });
  const lm = useDecoder(decoder);

  it('the symbols decoder: decoding ids gives the concatenation of their vocabulary texts', () => {
    const vocabulary = vocabularyOf(lm.tokenizer, decoder.shape.vocabSize, decoder.eosTokenIds);
    const ids = ['##{', '##"', '##o', '##k', '##"', '##:', 't', '##r', '##u', '##e', '##,', '"', '##}'];
    const tokens = ids.map((t) => decoder.vocab[t]!);
    expect(lm.tokenizer.decode(tokens)).toBe('{"ok": true, "}');
    expect(tokens.map((id) => vocabulary.tokens[id]).join('')).toBe('{"ok": true, "}');
  });

  it('the symbols decoder: ONNX Runtime and the JS reference agree on its greedy continuation', async () => {
    const prompt = lm.promptIds('hello the cat');
    const params = new GeneratorParams(lm.model);
    params.setSearchOptions({ max_length: prompt.length + 12 });
    const request = new Request(params);
    request.addTokens(prompt);
    const engine = new Engine(lm.model);
    engine.addRequest(request);
    const tokens: number[] = [];
    while (engine.hasPendingRequests()) {
      await engine.step();
      tokens.push(...request.getNewTokens());
    }
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens).toEqual(lm.greedyTail(prompt, 12));
  });

  it('every sampled answer parses and validates, for 20 random schemas', async () => {
    const vocabulary = vocabularyOf(lm.tokenizer, decoder.shape.vocabSize, decoder.eosTokenIds);
    const engine = new Engine(lm.model, { max_batch_size: 4 });
    const prompt = lm.promptIds('hello the cat');
    const jobs = Array.from({ length: 20 }, (_, i) => {
      const schema = randomSchema(700 + i, { bounded: true });
      const params = new GeneratorParams(lm.model);
      params.setSearchOptions({
        max_length: prompt.length + 200,
        do_sample: true,
        top_k: 0,
        random_seed: 100 + i,
      });
      const guidance = compileGuidance('json_schema', JSON.stringify(schema), vocabulary);
      const request = new Request(params, { guidance });
      request.addTokens(prompt);
      engine.addRequest(request);
      return { schema, request, tokens: [] as number[] };
    });
    for (let step = 0; step < 1000 && engine.hasPendingRequests(); step++) {
      await engine.step();
      for (const job of jobs) job.tokens.push(...job.request.getNewTokens());
    }
    const answers = jobs.map((job) => {
      const text = lm.tokenizer.decode(job.tokens);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return { text, error: 'does not parse' };
      }
      return { text, error: validate(value, job.schema) ?? null };
    });
    expect(answers.filter((a) => a.error !== null)).toEqual([]);
    expect(jobs.every((job) => job.request.isDone())).toBe(true);
    // The sampling varies: not all answers to the same schema kind are one text.
    expect(new Set(answers.map((a) => a.text)).size).toBeGreaterThan(10);
  });
});
