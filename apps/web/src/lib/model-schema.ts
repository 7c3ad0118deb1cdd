/**
 * What a model version's page shows of its `MLmodel`: the signature (through `summarizeMlmodel`) and the
 * input example MLflow saved beside it (`saved_input_example_info.artifact_path`), read as a table when it
 * is a DataFrame (pandas `split` orient, `dataframe_split`, `dataframe_records` or a list of records) and as
 * JSON otherwise (tensors, `inputs`, strings).
 */
import { parse as parseYaml } from 'yaml';
import { type MlmodelSummary, summarizeMlmodel } from './preview.js';

/** An `MLmodel` as the version page shows it. */
export interface ModelSchema {
  summary: MlmodelSummary;
  /** The input example's file, relative to the model's folder, when MLflow saved one. */
  inputExamplePath?: string;
}

/** Reads an `MLmodel` (YAML); throws when it is not YAML. */
export function readModelSchema(mlmodel: string): ModelSchema {
  const doc = (parseYaml(mlmodel) ?? {}) as Record<string, unknown>;
  const info = doc.saved_input_example_info as { artifact_path?: unknown } | undefined;
  const path = typeof info?.artifact_path === 'string' ? info.artifact_path : undefined;
  return { summary: summarizeMlmodel(mlmodel), inputExamplePath: path };
}

/** An input example: rows under named columns, or JSON to show as it is. */
export type InputExample =
  | { kind: 'table'; columns: string[]; rows: unknown[][] }
  | { kind: 'json'; text: string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function fromSplit(v: Record<string, unknown>): InputExample | undefined {
  if (!Array.isArray(v.data)) return undefined;
  const rows = v.data.map((r) => (Array.isArray(r) ? r : [r]));
  const width = Math.max(0, ...rows.map((r) => r.length));
  const columns = Array.isArray(v.columns)
    ? v.columns.map(String)
    : Array.from({ length: width }, (_, i) => String(i));
  return { kind: 'table', columns, rows };
}

function fromRecords(records: unknown[]): InputExample | undefined {
  if (records.length === 0 || !records.every(isObject)) return undefined;
  const columns: string[] = [];
  for (const r of records) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  return { kind: 'table', columns, rows: records.map((r) => columns.map((c) => r[c])) };
}

/** Reads an input example file's text (MLflow writes JSON); text that is not JSON is shown as it is. */
export function readInputExample(text: string): InputExample {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'json', text };
  }
  let table: InputExample | undefined;
  if (Array.isArray(value)) table = fromRecords(value);
  else if (isObject(value)) {
    if (isObject(value.dataframe_split)) table = fromSplit(value.dataframe_split);
    else if (Array.isArray(value.dataframe_records)) table = fromRecords(value.dataframe_records);
    else if ('columns' in value || 'index' in value) table = fromSplit(value);
  }
  return table ?? { kind: 'json', text: JSON.stringify(value, null, 2) };
}

/** One cell of an input example table: strings as they are, anything else as JSON. */
export function exampleCell(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value);
}

/** What an `MLmodel` at `path` can be registered from: its logged model (`model_id`), else its run's folder. */
export function registerSourceOf(
  mlmodel: string,
  path: string,
  ownerId: string,
): { source: string; runId?: string; modelId?: string } | undefined {
  let doc: Record<string, unknown>;
  try {
    doc = (parseYaml(mlmodel) ?? {}) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const runId = typeof doc.run_id === 'string' && doc.run_id ? doc.run_id : undefined;
  // MLflow 3 registers a logged model by its id, wherever its files were opened from.
  if (typeof doc.model_id === 'string' && doc.model_id)
    return { source: `models:/${doc.model_id}`, modelId: doc.model_id, runId };
  // A run's model folder (MLflow 2's log_model): only when the browser shows that run's artifacts.
  if (runId !== ownerId) return undefined;
  const dir = path.split('/').slice(0, -1).join('/');
  return { source: dir ? `runs:/${runId}/${dir}` : `runs:/${runId}`, runId };
}
