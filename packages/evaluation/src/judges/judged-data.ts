import { MlflowError } from '@flowline/core';
import type { Row } from '../data.js';
import { type EvaluationModel, openModel } from '../model.js';
import type { JudgedRow } from './evaluate-judges.js';

/** Which columns of a table hold what a judge looks at (MLflow 3's eval-item fields). */
export interface JudgedColumns {
  /** The question or request (default: `inputs` when there is one, else every other column as an object). */
  inputs?: string;
  /** The answer already given; omit when a model computes it. */
  outputs?: string;
  /** The expected answer, judged as `expectations.expected_response` (a row's own `expectations` object wins). */
  targets?: string;
  /** Retrieved documents for groundedness (default: `context` when there is one). */
  context?: string;
}

function pick(row: Row, column: string, what: string, index: number): unknown {
  if (!(column in row))
    throw MlflowError.invalidParameterValue(`Row ${index + 1} has no '${column}' column (the ${what}).`);
  return row[column];
}

/**
 * The rows `evaluateWithJudges` takes, from a table such as a CSV or JSONL file: `inputs`, `outputs`,
 * `expectations` (a row's own object, or `{ expected_response }` from the targets column) and `context`.
 */
export function judgedRowsOf(rows: Row[], columns: JudgedColumns = {}): JudgedRow[] {
  return rows.map((row, i) => {
    const contextColumn = columns.context ?? ('context' in row ? 'context' : undefined);
    const used = new Set(
      [columns.outputs, columns.targets, contextColumn, 'expectations'].filter((c) => c !== undefined),
    );
    const inputsColumn = columns.inputs ?? ('inputs' in row ? 'inputs' : undefined);
    const inputs =
      inputsColumn === undefined
        ? Object.fromEntries(Object.entries(row).filter(([k]) => !used.has(k)))
        : pick(row, inputsColumn, 'inputs', i);
    const own = row.expectations;
    const expectations =
      own && typeof own === 'object' && !Array.isArray(own)
        ? (own as Record<string, unknown>)
        : columns.targets !== undefined
          ? { expected_response: pick(row, columns.targets, 'expected answer', i) }
          : undefined;
    return {
      inputs,
      ...(columns.outputs !== undefined ? { outputs: pick(row, columns.outputs, 'outputs', i) } : {}),
      ...(expectations ? { expectations } : {}),
      ...(contextColumn !== undefined ? { context: pick(row, contextColumn, 'context', i) } : {}),
    };
  });
}

/**
 * A `predictFn` for `evaluateWithJudges` over any evaluation model (a model URI, a function of rows, or a
 * chat endpoint): each row's inputs (an object as the row, anything else as `{ inputs }`) is one call.
 */
export async function judgePredictFn(
  model: EvaluationModel,
  loadContext: (uri: string) => Promise<import('@flowline/model-format').LoadModelContext> = async () => ({}),
): Promise<{ predictFn: (inputs: unknown) => Promise<unknown>; close(): Promise<void> }> {
  const runner = await openModel(model, loadContext);
  return {
    predictFn: async (inputs) => {
      const row =
        inputs && typeof inputs === 'object' && !Array.isArray(inputs) ? (inputs as Row) : { inputs };
      return (await runner.predict([row]))[0];
    },
    close: () => runner.close(),
  };
}
