import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Dataset, MlflowError, type TrackingStore } from '@flowline/core';
import { parse } from 'csv-parse/sync';

/** One dataset row: column name → value. */
export type Row = Record<string, unknown>;

/**
 * What `evaluate` reads: a CSV or JSONL file path, the rows themselves, or a dataset a run logged as an
 * input from a local file (`{ runId, name? }`: the one named, else the run's only one).
 */
export type EvaluationData = string | Row[] | { runId: string; name?: string };

/** Rows with their columns, and the MLflow dataset entity they are logged as. */
export interface LoadedData {
  rows: Row[];
  columns: string[];
  dataset: Dataset;
}

function parseCsv(text: string): Row[] {
  // Numbers become numbers (csv-parse's cast), as pandas' read_csv would read them.
  return parse(text, { columns: true, skip_empty_lines: true, cast: true, bom: true }) as Row[];
}

function parseJsonl(text: string, path: string): Row[] {
  return text
    .split('\n')
    .map((line, i) => [line.trim(), i + 1] as const)
    .filter(([line]) => line.length > 0)
    .map(([line, n]) => {
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch (cause) {
        throw MlflowError.invalidParameterValue(`Line ${n} of ${path} is not JSON.`, { cause });
      }
      if (row === null || typeof row !== 'object' || Array.isArray(row))
        throw MlflowError.invalidParameterValue(
          `Line ${n} of ${path} is not a JSON object (one row per line).`,
        );
      return row as Row;
    });
}

/** The column names of rows, in first-seen order. */
export function columnsOf(rows: Row[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

/** MLflow's column type of a value (its `mlflow_colspec` schema). */
function columnType(values: unknown[]): string {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.every((v) => typeof v === 'boolean')) return 'boolean';
  if (present.every((v) => typeof v === 'number' && Number.isInteger(v))) return 'long';
  if (present.every((v) => typeof v === 'number')) return 'double';
  if (present.every((v) => typeof v === 'string')) return 'string';
  return 'object';
}

/**
 * The dataset entity MLflow logs for evaluation data: `name`, an 8-hex `digest` of its content, the source
 * (`local` with the file URI, or `code` for in-memory rows), the `mlflow_colspec` schema and the
 * `{num_rows, num_elements}` profile.
 */
export function datasetOf(rows: Row[], columns: string[], name: string, path?: string): Dataset {
  const hash = createHash('md5');
  hash.update(JSON.stringify(columns));
  for (const row of rows) hash.update(JSON.stringify(columns.map((c) => row[c] ?? null)));
  const schema = {
    mlflow_colspec: columns.map((c) => ({
      type: columnType(rows.map((r) => r[c])),
      name: c,
      required: true,
    })),
  };
  return {
    name,
    digest: hash.digest('hex').slice(0, 8),
    sourceType: path ? 'local' : 'code',
    source: JSON.stringify(path ? { uri: pathToFileURL(resolve(path)).href } : { tags: {} }),
    schema: JSON.stringify(schema),
    profile: JSON.stringify({ num_rows: rows.length, num_elements: rows.length * columns.length }),
  };
}

/** Reads evaluation data: `.csv` as CSV with a header row, `.jsonl`/`.json` as one JSON object per line. */
export async function loadData(data: string | Row[], name?: string): Promise<LoadedData> {
  if (data === null || data === undefined)
    throw MlflowError.invalidParameterValue('The data argument cannot be None.');
  if (Array.isArray(data)) {
    const columns = columnsOf(data);
    return { rows: data, columns, dataset: datasetOf(data, columns, name ?? 'dataset') };
  }
  const text = await readFile(data, 'utf8').catch((cause: unknown) => {
    throw MlflowError.invalidParameterValue(`Cannot read the evaluation data '${data}'.`, { cause });
  });
  const ext = extname(data).toLowerCase();
  let rows: Row[];
  if (ext === '.csv') rows = parseCsv(text);
  else if (ext === '.jsonl' || ext === '.json' || ext === '.ndjson') rows = parseJsonl(text, data);
  else
    throw MlflowError.invalidParameterValue(
      `Cannot tell the format of '${data}': give a .csv (with a header row) or a .jsonl (one JSON object per line) file.`,
    );
  if (rows.length === 0)
    throw MlflowError.invalidParameterValue(`The evaluation data '${data}' has no rows.`);
  const columns = columnsOf(rows);
  return { rows, columns, dataset: datasetOf(rows, columns, name ?? basename(data, extname(data)), data) };
}

/** The local file of a dataset a run logged as an input (source type `local`, a `file:` URI). */
export async function runDatasetPath(
  store: Pick<TrackingStore, 'getRun'>,
  runId: string,
  name?: string,
): Promise<{ path: string; name: string }> {
  const run = await store.getRun(runId);
  const inputs = (run.inputs?.datasetInputs ?? []).filter((i) => !name || i.dataset.name === name);
  const names = [...new Set(inputs.map((i) => i.dataset.name))];
  if (names.length !== 1)
    throw MlflowError.invalidParameterValue(
      names.length === 0
        ? `Run ${runId} has no dataset input${name ? ` named '${name}'` : ''}.`
        : `Run ${runId} has several datasets (${names.join(', ')}): name the one to evaluate on.`,
    );
  const { dataset } = inputs.at(-1)!;
  let uri: unknown;
  try {
    uri = (JSON.parse(dataset.source) as { uri?: unknown }).uri;
  } catch {
    uri = undefined;
  }
  if (dataset.sourceType !== 'local' || typeof uri !== 'string' || !uri.startsWith('file:'))
    throw MlflowError.invalidParameterValue(
      `The dataset '${dataset.name}' of run ${runId} has a ${dataset.sourceType} source, not a local file: pass the data itself.`,
    );
  return { path: fileURLToPath(uri), name: dataset.name };
}
