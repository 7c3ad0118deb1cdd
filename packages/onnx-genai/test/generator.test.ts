import { createTinyDecoder } from '@flowline/testkit';
import { describe, expect, it } from 'vitest';
import { Generator, GeneratorParams, generate, Model } from '../src/index.js';
import { useDecoder } from './helpers.js';

const decoder = createTinyDecoder({ seed: 5 });
const lm = useDecoder(decoder);
const { promptIds } = lm;

describe('Generator (greedy, growing KV cache)', () => {
  it('equals a reference loop that recomputes the whole sequence at every step, token for token', async () => {
    for (const text of ['hello cat', 'the mat is a world', 'xyz']) {
      const prompt = promptIds(text);
      const params = new GeneratorParams(lm.model);
      params.setSearchOptions({ max_length: prompt.length + 12 });
      const sequence = await generate(lm.model, params, prompt);
      expect(sequence.slice(0, prompt.length)).toEqual(prompt);
      expect(sequence.slice(prompt.length)).toEqual(decoder.greedy(prompt, 12));
    }
  });

  it('steps with appendTokens / generateNextToken / getNextTokens, and rewindTo then regenerate equals a fresh run', async () => {
    const prompt = promptIds('hello world');
    const params = new GeneratorParams(lm.model);
    params.setSearchOptions({ max_length: prompt.length + 8 });
    const generator = new Generator(lm.model, params);
    generator.appendTokens(prompt);
    const steps: number[] = [];
    while (!generator.isDone()) {
      await generator.generateNextToken();
      steps.push(generator.getNextTokens()[0]!);
    }
    expect(steps).toEqual(decoder.greedy(prompt, 8));
    expect(generator.getSequence()).toEqual([...prompt, ...steps]);
    await expect(generator.generateNextToken()).rejects.toThrow(/done/);

    generator.rewindTo(prompt.length + 3);
    while (!generator.isDone()) await generator.generateNextToken();
    expect(generator.getSequence()).toEqual([...prompt, ...steps]);

    // Rewind into the prompt, force other tokens, and continue: as if that had been the prompt.
    generator.rewindTo(2);
    const forced = [decoder.vocab.the!, decoder.vocab.cat!];
    generator.appendTokens(forced);
    for (let i = 0; i < 3; i++) await generator.generateNextToken();
    const base = [...prompt.slice(0, 2), ...forced];
    expect(generator.getSequence()).toEqual([...base, ...decoder.greedy(base, 3)]);
    expect(() => generator.rewindTo(999)).toThrow(/rewindTo needs a length/);
  });

  it('honours eos lists, min_length and max_length', async () => {
    const prompt = promptIds('hello cat');
    const free = decoder.greedy(prompt, 6);
    // Make the fourth generated token an eos: generation stops right after it.
    const eos = free[3]!;
    const custom = await Model.load(lm.model.dir);
    (custom.config.model as { eos_token_id: number[] }).eos_token_id = [12345, eos];
    const params = new GeneratorParams(custom);
    params.setSearchOptions({ max_length: prompt.length + 6 });
    const generator = new Generator(custom, params);
    generator.appendTokens(prompt);
    while (!generator.isDone()) await generator.generateNextToken();
    // As in ONNX Runtime GenAI, the final eos is the last step's token but not part of the sequence.
    expect(generator.getNextTokens()).toEqual([eos]);
    expect(generator.getSequence().slice(prompt.length)).toEqual(free.slice(0, free.indexOf(eos)));
    // With min_length past that point, eos is masked and a different token comes instead.
    params.setSearchOptions({ min_length: prompt.length + 6 });
    const longer = await generate(custom, params, prompt);
    expect(longer.length).toBe(prompt.length + 6);
    expect(longer.slice(prompt.length)).not.toContain(eos);
    await custom.close();
    expect(() => params.setSearchOptions({ max_length: 100000 })).toThrow(/context length/);
    expect(() => params.setSearchOptions({ beams: 2 } as never)).toThrow(/Unknown search option 'beams'/);
  });

  it('refuses an unknown execution provider and explains a provider it cannot start', async () => {
    await expect(Model.load(lm.model.dir, { providers: ['quantum'] })).rejects.toThrow(
      /Unknown execution provider 'quantum'/,
    );
    await expect(Model.load(lm.model.dir, { providers: ['dml'] })).rejects.toThrow(
      /Could not start the model .* \[dml\]/,
    );
    // onnxruntime-node from npm ships without the CUDA provider's libraries (their download is skipped).
    await expect(Model.load(lm.model.dir, { providers: ['CUDAExecutionProvider'] })).rejects.toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
      message: expect.stringMatching(/\[cuda\].*use CPU/),
    });
  });
});
