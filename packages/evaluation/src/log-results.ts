import type { Tracker } from '@flowline/client';
import type { Dataset } from '@flowline/core';
import type { Computed } from './builtin-metrics.js';
import type { Row } from './data.js';
import type { EvaluationResult } from './evaluate.js';

/** The file name of the per-row results table, as MLflow's `log_eval_table` writes it. */
export const EVALUATION_RESULTS_TABLE = 'eval_results_table.json';

/** A table as MLflow's `log_table` stores it (pandas `to_json(orient="split")`). */
export interface ResultsTable {
  columns: string[];
  data: unknown[][];
}

/** The run tag listing a run's tables, a JSON list of `{path, type}` (MLflow's `mlflow.loggedArtifacts`). */
const LOGGED_ARTIFACTS_TAG = 'mlflow.loggedArtifacts';

/** What one evaluation logs. */
export interface EvaluationRecord {
  computed: Computed;
  rows: Row[];
  features: string[];
  targets: unknown[] | undefined;
  predictions: unknown[];
  targetName: string;
  predictionName: string;
  dataset: Dataset;
  prefix: string;
  runId: string | undefined;
  experimentId: string | undefined;
}

/** The results table: feature columns, the target, the outputs, then each metric's per-row column. */
export function resultsTable(record: EvaluationRecord): ResultsTable {
  const { rows, features, targets, predictions, computed } = record;
  const perRow = Object.entries(computed.columns);
  const columns = [
    ...features,
    ...(targets ? [record.targetName] : []),
    record.predictionName,
    ...perRow.map(([name]) => name),
  ];
  const data = rows.map((row, i) => [
    ...features.map((c) => row[c] ?? null),
    ...(targets ? [targets[i] ?? null] : []),
    predictions[i] ?? null,
    ...perRow.map(([, values]) => values[i] ?? null),
  ]);
  return { columns, data };
}

async function appendLoggedTable(tracker: Tracker, runId: string, path: string): Promise<void> {
  const store = await tracker.store();
  const run = await store.getRun(runId);
  const current = run.data.tags.find((t) => t.key === LOGGED_ARTIFACTS_TAG)?.value;
  let list: Array<{ path: string; type: string }> = [];
  try {
    list = current ? JSON.parse(current) : [];
  } catch {
    list = [];
  }
  if (list.some((entry) => entry.path === path)) return;
  list.push({ path, type: 'table' });
  await store.setTag(runId, { key: LOGGED_ARTIFACTS_TAG, value: JSON.stringify(list) });
}

/**
 * Runs `fn` with the run to log to: `runId`, else the tracker's active run, else a new run (in
 * `experimentId`) that is ended afterwards, FINISHED or FAILED.
 */
export async function inEvaluationRun<T>(
  tracker: Tracker,
  runId: string | undefined,
  experimentId: string | undefined,
  fn: (runId: string) => Promise<T>,
): Promise<T> {
  const explicit = runId ?? tracker.activeRun()?.info.runId;
  const id = explicit ?? (await tracker.startRun(experimentId ? { experimentId } : {})).info.runId;
  try {
    const result = await fn(id);
    if (!explicit) await tracker.endRun('FINISHED');
    return result;
  } catch (error) {
    if (!explicit) await tracker.endRun('FAILED');
    throw error;
  }
}

/** Logs a results table as `eval_results_table.json` (with a prefix) and lists it in `mlflow.loggedArtifacts`. */
export async function logResultsTable(
  tracker: Tracker,
  runId: string,
  table: ResultsTable,
  prefix = '',
): Promise<string> {
  const file = `${prefix}${EVALUATION_RESULTS_TABLE}`;
  await tracker.logDict(table, file, { runId });
  await appendLoggedTable(tracker, runId, file);
  return `runs:/${runId}/${file}`;
}

/** Logs an evaluation to its run (metrics, images, table, dataset input); starts and ends a run when none is given. */
export async function logEvaluation(tracker: Tracker, record: EvaluationRecord): Promise<EvaluationResult> {
  return inEvaluationRun(tracker, record.runId, record.experimentId, async (runId) => {
    const { prefix, computed } = record;
    const metrics = Object.fromEntries(
      Object.entries(computed.metrics).map(([k, v]) => [`${prefix}${k}`, v]),
    );
    await tracker.logMetrics(metrics, { runId, step: 0 });
    await tracker.flush();
    const artifacts: Record<string, string> = {};
    for (const [file, png] of Object.entries(computed.images)) {
      await tracker.logImage(png, `${prefix}${file}`, { runId });
      artifacts[`${prefix}${file.replace(/\.png$/, '')}`] = `runs:/${runId}/${prefix}${file}`;
    }
    const tables: Record<string, ResultsTable> = {};
    if (Object.keys(computed.columns).length > 0) {
      const table = resultsTable(record);
      artifacts[`${prefix}eval_results_table`] = await logResultsTable(tracker, runId, table, prefix);
      tables.eval_results_table = table;
    }
    // As MLflow's evaluate: the dataset input carries a context tag only with a metric prefix.
    const tags = prefix ? [{ key: 'mlflow.data.context', value: prefix }] : [];
    await (await tracker.store()).logInputs(runId, [{ dataset: record.dataset, tags }]);
    return { runId, metrics, artifacts, tables };
  });
}
