import { describe, expect, it } from 'vitest';
import { BeamSearch, logSoftmax } from '../src/index.js';

const options = (lengthPenalty: number) => ({
  batch: 1,
  beams: 2,
  lengthPenalty,
  earlyStopping: true,
  returnSequences: 2,
  eos: new Set([0]),
  pad: 9,
});

describe('BeamSearch on known log-probabilities', () => {
  // Prompt [5, 5]; next-token log-probabilities: eos -1.0, token 1 -1.4, token 2 -1.6.
  const run = (lengthPenalty: number) => {
    const search = new BeamSearch(options(lengthPenalty));
    const prompt = [
      [5, 5],
      [5, 5],
    ];
    const row = Float32Array.of(-1.0, -1.4, -1.6);
    const step = search.step([row, row.slice()], prompt);
    expect(search.done).toBe(false);
    const next = step.sources.map((source, i) => [...prompt[source]!, step.tokens[i]!]);
    search.finish(next);
    return { step, results: search.results };
  };

  it('ends an eos continuation as a hypothesis and only the first beam expands on the first step', () => {
    const { step } = run(1);
    // The duplicate beam starts far behind, so both next beams come from row 0; eos is not among them.
    expect(step).toEqual({ sources: [0, 0], tokens: [1, 2] });
  });

  it('ranks hypotheses by sum / length ** length_penalty', () => {
    // penalty 1: [5,5] scores -1/2 = -0.5, [5,5,1] -1.4/3 ≈ -0.467, [5,5,2] -1.6/3 ≈ -0.533.
    expect(run(1).results).toEqual([
      [5, 5, 1],
      [5, 5],
    ]);
    // penalty 0: plain sums, so the short hypothesis wins.
    expect(run(0).results).toEqual([
      [5, 5],
      [5, 5, 1],
    ]);
  });

  it('settles an entry at `beams` hypotheses with early stopping, and pads it afterwards', () => {
    const search = new BeamSearch({ ...options(1), eos: new Set([0, 1]) });
    const row = Float32Array.of(-0.1, -0.2, -3);
    search.step(
      [row, row.slice()],
      [
        [5, 5],
        [5, 5],
      ],
    );
    expect(search.done).toBe(true);
    expect(search.entryDone(0)).toBe(true);
    const after = search.step(
      [row, row.slice()],
      [
        [5, 5, 2],
        [5, 5, 2],
      ],
    );
    expect(after).toEqual({ sources: [0, 1], tokens: [9, 9] });
  });

  it('logSoftmax normalises and keeps masked ids at -Infinity', () => {
    const values = logSoftmax(Float32Array.of(1, 2, Number.NEGATIVE_INFINITY, 3));
    const total = [...values].reduce((sum, v) => sum + Math.exp(v), 0);
    expect(total).toBeCloseTo(1, 6);
    expect(values[2]).toBe(Number.NEGATIVE_INFINITY);
    expect(values[3]! - values[1]!).toBeCloseTo(1, 6);
  });
});
