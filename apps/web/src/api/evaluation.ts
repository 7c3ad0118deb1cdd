import { type EvalTable, evaluationTables, LOGGED_ARTIFACTS_TAG, parseEvalTable } from '../lib/evaluation.js';
import { artifactUrl, fetchServed } from './client.js';
import { listArtifacts, searchRuns, tagOf } from './endpoints.js';
import type { Run } from './types.js';

/** A run's evaluation tables: those its `mlflow.loggedArtifacts` tag lists and the root results tables. */
export async function listEvaluationTables(run: Run): Promise<string[]> {
  const root = await listArtifacts(run.info.run_id).catch(() => []);
  const files = root.filter((f) => !f.is_dir).map((f) => f.path ?? '');
  return evaluationTables(tagOf(run.data.tags, LOGGED_ARTIFACTS_TAG), files);
}

/** Downloads and parses one results table of a run. */
export async function loadEvaluationTable(
  runId: string,
  path: string,
  signal?: AbortSignal,
): Promise<EvalTable> {
  const res = await fetchServed(artifactUrl(runId, path), path, signal);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not JSON.`);
  }
  return parseEvalTable(json);
}

/**
 * The other runs of an experiment to compare an evaluation with, newest first (up to 200): those whose
 * `mlflow.loggedArtifacts` lists a table first, then the rest (a results table may sit at the root untagged).
 */
export async function comparableRuns(
  experimentId: string,
  runId: string,
  signal?: AbortSignal,
): Promise<{ withTables: Run[]; others: Run[] }> {
  const page = await searchRuns(
    { experimentIds: [experimentId], orderBy: ['attributes.start_time DESC'], maxResults: 200 },
    signal,
  );
  const runs = page.items.filter((r) => r.info.run_id !== runId);
  const tagged = (r: Run) => evaluationTables(tagOf(r.data.tags, LOGGED_ARTIFACTS_TAG), []).length > 0;
  return { withTables: runs.filter(tagged), others: runs.filter((r) => !tagged(r)) };
}
