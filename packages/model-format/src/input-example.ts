import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SavedInputExampleInfo } from './mlmodel.js';

/** Rows of records in pandas' `split` orient: `{columns, data}`. */
function toSplit(rows: Array<Record<string, unknown>>): { columns: string[]; data: unknown[][] } {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return { columns, data: rows.map((r) => columns.map((c) => r[c] ?? null)) };
}

function isRecords(value: unknown): value is Array<Record<string, unknown>> {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))
  );
}

/**
 * Saves an input example as MLflow does: `input_example.json` (a table in pandas `split` orient, or the raw
 * value) and `serving_input_example.json` (the request body `/invocations` takes). Returns the MLmodel info.
 */
export async function saveInputExample(dir: string, example: unknown): Promise<SavedInputExampleInfo> {
  if (isRecords(example)) {
    const split = toSplit(example);
    await writeFile(join(dir, 'input_example.json'), JSON.stringify(split));
    await writeFile(
      join(dir, 'serving_input_example.json'),
      JSON.stringify({ dataframe_split: split }, null, 2),
    );
    return {
      artifact_path: 'input_example.json',
      type: 'dataframe',
      pandas_orient: 'split',
      serving_input_path: 'serving_input_example.json',
    };
  }
  await writeFile(join(dir, 'input_example.json'), JSON.stringify(example));
  await writeFile(join(dir, 'serving_input_example.json'), JSON.stringify({ inputs: example }, null, 2));
  return {
    artifact_path: 'input_example.json',
    type: 'json_object',
    serving_input_path: 'serving_input_example.json',
  };
}
