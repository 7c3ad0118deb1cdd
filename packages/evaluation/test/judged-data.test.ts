import { describe, expect, it } from 'vitest';
import { judgedRowsOf, judgePredictFn } from '../src/index.js';

describe('judgedRowsOf', () => {
  it('reads inputs, outputs, targets as expected_response, and context by column', () => {
    const rows = judgedRowsOf(
      [
        { question: 'capital of France?', answer: 'Paris', truth: 'Paris', docs: 'Paris is the capital.' },
        { question: '2+2?', answer: '5', truth: '4', docs: '' },
      ],
      { inputs: 'question', outputs: 'answer', targets: 'truth', context: 'docs' },
    );
    expect(rows).toEqual([
      {
        inputs: 'capital of France?',
        outputs: 'Paris',
        expectations: { expected_response: 'Paris' },
        context: 'Paris is the capital.',
      },
      { inputs: '2+2?', outputs: '5', expectations: { expected_response: '4' }, context: '' },
    ]);
  });

  it('defaults: the inputs column, a context column, a row’s own expectations object', () => {
    const [row] = judgedRowsOf([
      { inputs: { q: 'hi' }, context: ['doc'], expectations: { expected_facts: ['a', 'b'] }, extra: 1 },
    ]);
    expect(row).toEqual({
      inputs: { q: 'hi' },
      context: ['doc'],
      expectations: { expected_facts: ['a', 'b'] },
    });
  });

  it('without an inputs column, the inputs are every column not otherwise used', () => {
    const [row] = judgedRowsOf([{ city: 'Oslo', year: 2020, answer: 'cold', truth: 'cold' }], {
      outputs: 'answer',
      targets: 'truth',
    });
    expect(row!.inputs).toEqual({ city: 'Oslo', year: 2020 });
    expect(row!.outputs).toBe('cold');
  });

  it('names the row and column a table lacks', () => {
    expect(() => judgedRowsOf([{ q: 'a', out: 'b' }, { q: 'c' }], { inputs: 'q', outputs: 'out' })).toThrow(
      /Row 2 has no 'out' column/,
    );
  });
});

describe('judgePredictFn', () => {
  it('calls a JS model with one row per call: objects as the row, anything else as { inputs }', async () => {
    const seen: unknown[] = [];
    const { predictFn, close } = await judgePredictFn((rows) => {
      seen.push(...rows);
      return rows.map((r) => `echo:${JSON.stringify(r)}`);
    });
    expect(await predictFn({ q: 'x' })).toBe('echo:{"q":"x"}');
    expect(await predictFn('plain')).toBe('echo:{"inputs":"plain"}');
    expect(seen).toEqual([{ q: 'x' }, { inputs: 'plain' }]);
    await close();
  });
});
