import { describe, expect, it } from 'vitest';
import {
  cellText,
  classifyColumns,
  evaluationTables,
  filterRows,
  parseEvalTable,
  scoreView,
  sortRows,
  tableMetrics,
  tablePrefix,
} from '../src/lib/evaluation.js';

// As evaluateWithJudges logs it: inputs, outputs, expectations, then <judge>/value and <judge>/rationale.
const judged = parseEvalTable({
  columns: [
    'inputs',
    'outputs',
    'expectations',
    'correctness/value',
    'correctness/rationale',
    'safety/value',
  ],
  data: [
    [
      { question: 'What is MLflow?' },
      'A platform',
      { expected: 'An ML platform' },
      'yes',
      'Close enough',
      true,
    ],
    [{ question: '2+2?' }, '5', { expected: '4' }, 'no', 'Wrong sum', true],
    [{ question: 'Capital of France?' }, 'Paris', null, 'yes', 'Right', false],
  ],
});

// As MLflow 2's LLM evaluate writes it: feature columns, ground truth, outputs, per-row metric columns.
const mlflowStyle = parseEvalTable({
  columns: [
    'context',
    'question',
    'ground_truth',
    'outputs',
    'token_count',
    'toxicity/v1/score',
    'answer_similarity/v1/score',
    'answer_similarity/v1/justification',
    'notes',
  ],
  data: [['ctx', 'q1', 'gt1', 'out1', 12, 0.01, 4, 'similar', 'n']],
});

const roles = (table: ReturnType<typeof parseEvalTable>) =>
  Object.fromEntries(classifyColumns(table).map((c) => [c.name, c.role]));

describe('parseEvalTable', () => {
  it("reads pandas' split orientation, padding short rows with null", () => {
    const t = parseEvalTable({ columns: ['a', 'b'], data: [[1, 2], [3]], index: [0, 1] });
    expect(t).toEqual({
      columns: ['a', 'b'],
      rows: [
        [1, 2],
        [3, null],
      ],
    });
  });

  it('reads a list of row objects, columns in order of first appearance', () => {
    const t = parseEvalTable([{ a: 1 }, { b: 'x', a: 2 }]);
    expect(t).toEqual({
      columns: ['a', 'b'],
      rows: [
        [1, null],
        [2, 'x'],
      ],
    });
  });

  it('refuses anything else, saying what a table looks like', () => {
    expect(() => parseEvalTable({ columns: ['a'] })).toThrow(/split orientation/);
    expect(() => parseEvalTable({ columns: ['a'], data: [1, 2] })).toThrow(/columns/);
    expect(() => parseEvalTable('text')).toThrow();
  });
});

describe('classifyColumns', () => {
  it("classifies our judge table and pairs each judge's value with its rationale", () => {
    const cols = classifyColumns(judged);
    expect(roles(judged)).toEqual({
      inputs: 'input',
      outputs: 'output',
      expectations: 'expectation',
      'correctness/value': 'score',
      'correctness/rationale': 'rationale',
      'safety/value': 'score',
    });
    expect(cols[3]).toMatchObject({ metric: 'correctness', rationale: 4 });
    expect(cols[4]).toMatchObject({ metric: 'correctness' });
    expect(cols[5]!.rationale).toBeUndefined();
  });

  it('classifies an MLflow-style table: features are inputs, numeric columns after the outputs are scores', () => {
    expect(roles(mlflowStyle)).toEqual({
      context: 'input',
      question: 'input',
      ground_truth: 'expectation',
      outputs: 'output',
      token_count: 'score',
      'toxicity/v1/score': 'score',
      'answer_similarity/v1/score': 'score',
      'answer_similarity/v1/justification': 'rationale',
      notes: 'other',
    });
    const similarity = classifyColumns(mlflowStyle)[6]!;
    expect(similarity).toMatchObject({ metric: 'answer_similarity/v1', rationale: 7 });
  });

  it('keeps numeric feature columns before the outputs as inputs, and ids out of the inputs', () => {
    const t = parseEvalTable({
      columns: ['x1', 'x2', 'target', 'outputs', 'trace_id'],
      data: [[1, 2, 0, 1, 't']],
    });
    expect(roles(t)).toEqual({
      x1: 'input',
      x2: 'input',
      target: 'expectation',
      outputs: 'output',
      trace_id: 'other',
    });
  });
});

describe('evaluationTables and tablePrefix', () => {
  it('lists the tables of mlflow.loggedArtifacts and the root *eval_results_table.json files once', () => {
    const tag = JSON.stringify([
      { path: 'eval_results_table.json', type: 'table' },
      { path: 'tables/extra.json', type: 'table' },
      { path: 'plot.png', type: 'image' },
    ]);
    expect(
      evaluationTables(tag, ['eval_results_table.json', 'val_eval_results_table.json', 'model']),
    ).toEqual(['eval_results_table.json', 'tables/extra.json', 'val_eval_results_table.json']);
    expect(evaluationTables('not json', ['eval_results_table.json'])).toEqual(['eval_results_table.json']);
    expect(evaluationTables(undefined, [])).toEqual([]);
  });

  it("takes the metric prefix from a table's file name", () => {
    expect(tablePrefix('val_eval_results_table.json')).toBe('val_');
    expect(tablePrefix('eval_results_table.json')).toBe('');
    expect(tablePrefix('tables/extra.json')).toBe('');
  });
});

describe('tableMetrics', () => {
  const metrics = [
    { key: 'correctness/mean', value: 0.67, step: 0 },
    { key: 'val_exact_match/v1', value: 0.5, step: 0 },
    { key: 'loss', value: 0.1, step: 12 },
    { key: 'accuracy_score', value: 0.9, step: 0 },
  ];
  const tables = ['eval_results_table.json', 'val_eval_results_table.json'];

  it("gives a prefixed table its prefix's step-0 metrics", () => {
    expect(tableMetrics(metrics, tables[1]!, tables).map((m) => m.key)).toEqual(['val_exact_match/v1']);
  });

  it("gives an unprefixed table the step-0 metrics no other table's prefix claims", () => {
    expect(tableMetrics(metrics, tables[0]!, tables).map((m) => m.key)).toEqual([
      'accuracy_score',
      'correctness/mean',
    ]);
  });
});

describe('cells and scores', () => {
  it('writes cells on one line: strings as they are, objects as JSON, null as nothing', () => {
    expect(cellText('a\nb')).toBe('a\nb');
    expect(cellText({ q: 'x', n: [1, 2] })).toBe('{"q":"x","n":[1,2]}');
    expect(cellText(null)).toBe('');
    expect(cellText(3)).toBe('3');
  });

  it('shows yes/no and booleans as pass/fail, numbers rounded, other text as text', () => {
    expect(scoreView('yes')).toEqual({ kind: 'pass', text: 'yes', number: 1 });
    expect(scoreView(false)).toEqual({ kind: 'fail', text: 'false', number: 0 });
    expect(scoreView('No')).toMatchObject({ kind: 'fail' });
    expect(scoreView(0.123456)).toEqual({ kind: 'number', text: '0.1235', number: 0.123456 });
    expect(scoreView(4)).toMatchObject({ kind: 'number', text: '4' });
    expect(scoreView('partly')).toEqual({ kind: 'text', text: 'partly' });
    expect(scoreView(null)).toEqual({ kind: 'empty', text: '' });
  });
});

describe('filterRows and sortRows', () => {
  it('keeps rows with a cell containing the search, ignoring case, inside objects too', () => {
    expect(filterRows(judged, '')).toEqual([0, 1, 2]);
    expect(filterRows(judged, 'wrong')).toEqual([1]);
    expect(filterRows(judged, 'FRANCE')).toEqual([2]);
    expect(filterRows(judged, 'nothing like it')).toEqual([]);
  });

  it('sorts by a score (pass above fail when descending), empty cells last either way', () => {
    const t = parseEvalTable({ columns: ['s'], data: [['no'], [null], ['yes'], [0.5]] });
    expect(sortRows(t, [0, 1, 2, 3], 0)).toEqual([0, 3, 2, 1]);
    expect(sortRows(t, [0, 1, 2, 3], 0, true)).toEqual([2, 3, 0, 1]);
  });

  it('sorts text columns alphabetically and keeps the original order among equals', () => {
    expect(sortRows(judged, [0, 1, 2], 1)).toEqual([1, 0, 2]);
    expect(sortRows(judged, [0, 1, 2], 3)).toEqual([1, 0, 2]);
  });
});
