import { describe, expect, it } from 'vitest';
import { parseEvalTable } from '../src/lib/evaluation.js';
import { compareAggregates, joinColumns, joinTables } from '../src/lib/evaluation-compare.js';

const columns = ['inputs', 'outputs', 'correctness/value', 'correctness/rationale'];
const before = parseEvalTable({
  columns,
  data: [
    [{ q: 'a', lang: 'en' }, 'A1', 'yes', 'fine'],
    [{ q: 'b' }, 'B1', 'no', 'wrong'],
    [{ q: 'c' }, 'C1', 'yes', 'ok'],
  ],
});

describe('joinTables', () => {
  it('joins rows on equal inputs whatever their order, and marks changed scores and one-sided rows', () => {
    const after = parseEvalTable({
      columns,
      data: [
        [{ q: 'b' }, 'B2', 'yes', 'right now'],
        [{ q: 'd' }, 'D2', 'yes', 'new'],
        // The same inputs with the object's keys in another order.
        [{ lang: 'en', q: 'a' }, 'A2', 'yes', 'fine'],
      ],
    });
    expect(joinTables(before, after)).toEqual([
      { left: 0, right: 2, side: 'both', changed: [] },
      { left: 1, right: 0, side: 'both', changed: ['correctness/value'] },
      { left: 2, side: 'left', changed: [] },
      { right: 1, side: 'right', changed: [] },
    ]);
  });

  it('pairs repeated inputs first with first, the extra one left over', () => {
    const left = parseEvalTable({
      columns: ['inputs', 's/value'],
      data: [
        ['x', 1],
        ['x', 2],
        ['x', 3],
      ],
    });
    const right = parseEvalTable({
      columns: ['inputs', 's/value'],
      data: [
        ['x', 1],
        ['x', 5],
      ],
    });
    expect(joinTables(left, right)).toEqual([
      { left: 0, right: 0, side: 'both', changed: [] },
      { left: 1, right: 1, side: 'both', changed: ['s/value'] },
      { left: 2, side: 'left', changed: [] },
    ]);
  });

  it('joins on the input columns both tables have, and compares only scores both have', () => {
    const left = parseEvalTable({
      columns: ['question', 'context', 'outputs', 'token_count', 'exact/score'],
      data: [
        ['q1', 'c1', 'o', 3, 1],
        ['q2', 'c2', 'o', 4, 0],
      ],
    });
    const right = parseEvalTable({
      columns: ['question', 'outputs', 'token_count', 'judge/value'],
      data: [
        ['q2', 'p', 9, 'yes'],
        ['q1', 'p', 3, 'no'],
      ],
    });
    expect(joinColumns(left, right)).toEqual({
      keys: ['question'],
      scores: ['token_count', 'exact/score', 'judge/value'],
      outputs: ['outputs'],
      rationales: {},
    });
    expect(joinColumns(before, before).rationales).toEqual({ 'correctness/value': 'correctness/rationale' });
    expect(joinTables(left, right)).toEqual([
      { left: 0, right: 1, side: 'both', changed: [] },
      { left: 1, right: 0, side: 'both', changed: ['token_count'] },
    ]);
  });

  it('pairs rows by position when the tables share no input column', () => {
    const left = parseEvalTable({
      columns: ['a', 'outputs'],
      data: [
        [1, 'x'],
        [2, 'y'],
      ],
    });
    const right = parseEvalTable({ columns: ['b', 'outputs'], data: [[3, 'x']] });
    expect(joinTables(left, right).map((r) => r.side)).toEqual(['both', 'left']);
  });
});

describe('compareAggregates', () => {
  it('lists every aggregate of either side with the change where both have it', () => {
    const diff = compareAggregates(
      [
        { key: 'correctness/mean', value: 0.5 },
        { key: 'old/mean', value: 1 },
      ],
      [
        { key: 'correctness/mean', value: 0.75 },
        { key: 'new/mean', value: 0.2 },
      ],
    );
    expect(diff).toEqual([
      { key: 'correctness/mean', left: 0.5, right: 0.75, delta: 0.25 },
      { key: 'new/mean', left: undefined, right: 0.2 },
      { key: 'old/mean', left: 1, right: undefined },
    ]);
  });

  it("gives no change where a side holds MLflow's NaN string", () => {
    expect(compareAggregates([{ key: 'm', value: 'NaN' }], [{ key: 'm', value: 1 }])).toEqual([
      { key: 'm', left: 'NaN', right: 1 },
    ]);
  });
});
