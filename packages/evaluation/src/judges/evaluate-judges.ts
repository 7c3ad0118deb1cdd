import type { Tracker } from '@flowline/client';
import type { Dataset, TraceStore } from '@flowline/core';
import { inEvaluationRun, logResultsTable, type ResultsTable } from '../log-results.js';
import type { Judge, JudgeFeedback, JudgeInput } from './judge.js';

/** One row of a judged evaluation (MLflow 3's eval item); `traceId` names the trace the outputs came from. */
export interface JudgedRow extends JudgeInput {
  traceId?: string;
}

/** Options of `evaluateWithJudges`, after MLflow 3's `mlflow.genai.evaluate`. */
export interface JudgeEvaluationOptions {
  data: JudgedRow[];
  /**
   * Computes each row's outputs from its inputs. Each call is traced (a `predict` span, MLflow's
   * `predict_fn` tracing), and the trace gets the row's assessments once tracing exports to the store.
   */
  predictFn?: (inputs: unknown) => unknown;
  scorers: Judge[];
  tracker?: Tracker;
  trackingUri?: string;
  runId?: string;
  experimentId?: string;
  /** How many rows are judged at once (default 4). */
  concurrency?: number;
  /** The dataset the rows came from, logged to the run as an input (as `evaluate` logs its data). */
  dataset?: Dataset;
}

/** What `evaluateWithJudges` returns: the aggregates, and each row with its feedback. */
export interface JudgeEvaluationResult {
  runId: string;
  metrics: Record<string, number>;
  rows: Array<JudgedRow & { feedback: JudgeFeedback[] }>;
  table: ResultsTable;
  /** How many feedbacks were recorded as assessments on traces. */
  assessments: number;
}

/** A feedback value as a number for aggregation, as MLflow: booleans and numbers as they are, yes/no as 1/0. */
export function feedbackNumber(value: JudgeFeedback['value']): number | undefined {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (v === 'yes') return 1;
    if (v === 'no') return 0;
  }
  return undefined;
}

/** MLflow's default aggregation: `<name>/mean` over every feedback with a numeric value. */
export function aggregateFeedback(feedback: JudgeFeedback[]): Record<string, number> {
  const byName = new Map<string, number[]>();
  for (const f of feedback) {
    const n = feedbackNumber(f.value);
    if (n === undefined || f.error) continue;
    byName.set(f.name, [...(byName.get(f.name) ?? []), n]);
  }
  return Object.fromEntries(
    [...byName].map(([name, values]) => [`${name}/mean`, values.reduce((a, b) => a + b, 0) / values.length]),
  );
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function traceStoreOf(
  store: unknown,
): Pick<TraceStore, 'createAssessment' | 'linkTracesToRun' | 'getTraceInfo'> | undefined {
  const s = store as Partial<TraceStore>;
  return typeof s.createAssessment === 'function' &&
    typeof s.linkTracesToRun === 'function' &&
    typeof s.getTraceInfo === 'function'
    ? (s as TraceStore)
    : undefined;
}

function judgedTable(rows: JudgeEvaluationResult['rows'], names: string[]): ResultsTable {
  const columns = [
    'inputs',
    'outputs',
    'expectations',
    ...names.flatMap((n) => [`${n}/value`, `${n}/rationale`]),
  ];
  const data = rows.map((row) => [
    row.inputs ?? null,
    row.outputs ?? null,
    row.expectations ?? null,
    ...names.flatMap((n) => {
      const f = row.feedback.find((x) => x.name === n);
      return [f?.value ?? null, f?.error ?? f?.rationale ?? null];
    }),
  ]);
  return { columns, data };
}

/** Each row with its outputs (given, or from a traced `predictFn` call) and every scorer's feedback. */
async function judgeRows(options: JudgeEvaluationOptions): Promise<JudgeEvaluationResult['rows']> {
  const { predictFn } = options;
  const { withSpan } = await import('@flowline/client');
  const rows = await mapLimited(options.data, options.concurrency ?? 4, async (row) => {
    let judged: JudgedRow = row;
    if (predictFn) {
      judged = await withSpan({ name: 'predict' }, async (span) => {
        span.setInputs(row.inputs);
        const outputs = await predictFn(row.inputs);
        span.setOutputs(outputs);
        return { ...row, outputs, traceId: span.traceId };
      });
    }
    const feedback = await Promise.all(options.scorers.map((s) => s.judge(judged)));
    return { ...judged, feedback };
  });
  if (predictFn) await (await import('@flowline/client')).flushTracing();
  return rows;
}

/** The rows whose trace is in the store (a `predictFn` trace is there only when tracing exports to it). */
async function storedTraces(
  traces: Pick<TraceStore, 'getTraceInfo'>,
  rows: JudgeEvaluationResult['rows'],
): Promise<JudgeEvaluationResult['rows']> {
  const found: JudgeEvaluationResult['rows'] = [];
  for (const row of rows) {
    if (!row.traceId) continue;
    const exists = await traces.getTraceInfo(row.traceId).then(
      () => true,
      () => false,
    );
    if (exists) found.push(row);
  }
  return found;
}

/**
 * Judges rows as MLflow 3's `mlflow.genai.evaluate`: each row's outputs (given, or from `predictFn`) go to
 * every scorer; the aggregates `<name>/mean` (yes = 1, no = 0) are logged to the run with the results table,
 * and when a row names its trace, each feedback is recorded on it as an assessment (source `LLM_JUDGE` or
 * `CODE`, with `mlflow.assessment.sourceRunId`) and the trace is linked to the run.
 */
export async function evaluateWithJudges(options: JudgeEvaluationOptions): Promise<JudgeEvaluationResult> {
  const owned = !options.tracker;
  const tracker =
    options.tracker ??
    new (await import('@flowline/client')).Tracker(
      options.trackingUri ? { trackingUri: options.trackingUri } : {},
    );
  try {
    return await inEvaluationRun(tracker, options.runId, options.experimentId, async (runId) => {
      // Inside the run, so the predictions' traces name it as their source run.
      const rows = await judgeRows(options);
      const metrics = aggregateFeedback(rows.flatMap((r) => r.feedback));
      const table = judgedTable(
        rows,
        options.scorers.map((s) => s.name),
      );
      await tracker.logMetrics(metrics, { runId, step: 0 });
      await tracker.flush();
      await logResultsTable(tracker, runId, table);
      if (options.dataset)
        await (await tracker.store()).logInputs(runId, [{ dataset: options.dataset, tags: [] }]);
      const traces = traceStoreOf(await tracker.store());
      let assessments = 0;
      const traced = traces ? await storedTraces(traces, rows) : [];
      if (traces && traced.length > 0) {
        for (const row of traced)
          for (const f of row.feedback) {
            await traces.createAssessment({
              traceId: row.traceId!,
              name: f.name,
              source: { sourceType: f.source === 'code' ? 'CODE' : 'LLM_JUDGE', sourceId: f.source },
              feedback: f.error
                ? { value: null, error: { errorCode: 'SCORER_ERROR', errorMessage: f.error } }
                : { value: f.value },
              ...(f.rationale ? { rationale: f.rationale } : {}),
              runId,
              metadata: { 'mlflow.assessment.sourceRunId': runId },
            });
            assessments++;
          }
        const ids = [...new Set(traced.map((r) => r.traceId!))];
        for (let i = 0; i < ids.length; i += 100) await traces.linkTracesToRun(ids.slice(i, i + 100), runId);
      }
      return { runId, metrics, rows, table, assessments };
    });
  } finally {
    if (owned) await tracker.close();
  }
}
