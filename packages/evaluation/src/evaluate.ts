import type { Tracker } from '@flowline/client';
import { MlflowError } from '@flowline/core';
import {
  type Computed,
  computeMetrics,
  type ExtraMetric,
  MODEL_TYPES,
  type ModelType,
} from './builtin-metrics.js';
import { type EvaluationData, type LoadedData, loadData, type Row, runDatasetPath } from './data.js';
import { logEvaluation, type ResultsTable } from './log-results.js';
import { type EvaluationModel, type ModelRunner, openModel } from './model.js';

/** Options of `evaluate`, after MLflow's `mlflow.evaluate`. */
export interface EvaluateOptions {
  /** A model URI, a function of the feature rows, or an OpenAI-compatible endpoint; omit with `predictions`. */
  model?: EvaluationModel;
  /** A `.csv` or `.jsonl` file, or the rows. */
  data: EvaluationData;
  /** Which default metrics to compute; without one, `extraMetrics` must be given. */
  modelType?: ModelType;
  /** The column holding the true values (required for classifier and regressor). */
  targets?: string;
  /** The column already holding the predictions, when there is no model to call. */
  predictions?: string;
  /** Metrics beyond the defaults: `latency`, `token_count`, `exact_match`, `rouge1`…, or custom ones. */
  extraMetrics?: ExtraMetric[];
  /** Only `default` (MLflow's default evaluator) exists. */
  evaluators?: string[];
  /** Prepended to every metric and artifact name (MLflow's `evaluator_config["metric_prefix"]`). */
  metricPrefix?: string;
  /** The dataset's name as logged (default: the file name, or `dataset`). */
  datasetName?: string;
  /** Log to this run (default: the tracker's active run, else a new run that is ended afterwards). */
  runId?: string;
  /** Where to log (default: a tracker on `trackingUri` or `MLFLOW_TRACKING_URI`). */
  tracker?: Tracker;
  trackingUri?: string;
  /** The experiment of a newly started run. */
  experimentId?: string;
  /** How a model URI is loaded (default: through the tracker's store, registry and artifact repositories). */
  loadModelContext?: import('@flowline/model-format').LoadModelContext;
}

/** What `evaluate` returns (MLflow's `EvaluationResult`). */
export interface EvaluationResult {
  runId: string;
  metrics: Record<string, number>;
  /** Artifact name → its `runs:/` URI. */
  artifacts: Record<string, string>;
  /** The results table by name (`eval_results_table`), when some metric has per-row scores. */
  tables: Record<string, ResultsTable>;
}

function checkOptions(options: EvaluateOptions): void {
  const { modelType, targets, model, predictions } = options;
  if (options.data === null || options.data === undefined)
    throw MlflowError.invalidParameterValue('The data argument cannot be None.');
  if (modelType !== undefined && !MODEL_TYPES.includes(modelType))
    throw MlflowError.invalidParameterValue(
      `Unknown model type '${modelType}': use one of ${MODEL_TYPES.join(', ')}.`,
    );
  if ((modelType === 'regressor' || modelType === 'classifier') && !targets)
    throw MlflowError.invalidParameterValue(
      `The targets argument must be specified for ${modelType} models.`,
    );
  if (modelType === undefined && !options.extraMetrics?.length)
    throw MlflowError.invalidParameterValue(
      'The extra_metrics argument must be specified model_type is None.',
    );
  if (model === undefined && !predictions)
    throw MlflowError.invalidParameterValue(
      'Either a model or set of predictions must be specified in order to use the default evaluator.',
    );
  const unknown = (options.evaluators ?? []).filter((e) => e !== 'default');
  if (unknown.length > 0)
    throw MlflowError.invalidParameterValue(
      `Unknown evaluators ${unknown.join(', ')}: only 'default' exists.`,
    );
}

/** Calls the model over the feature rows; per row (timing each, in seconds) when latency is wanted. */
async function predictAll(
  runner: ModelRunner,
  rows: Row[],
  timed: boolean,
): Promise<{ predictions: unknown[]; latency?: number[] }> {
  if (!timed && !runner.perRow) return { predictions: await runner.predict(rows) };
  const predictions: unknown[] = [];
  const latency: number[] = [];
  for (const row of rows) {
    const start = performance.now();
    predictions.push(...(await runner.predict([row])));
    latency.push((performance.now() - start) / 1000);
  }
  return { predictions, ...(timed ? { latency } : {}) };
}

async function defaultTracker(options: EvaluateOptions): Promise<{ tracker: Tracker; owned: boolean }> {
  if (options.tracker) return { tracker: options.tracker, owned: false };
  const { Tracker } = await import('@flowline/client');
  return {
    tracker: new Tracker(options.trackingUri ? { trackingUri: options.trackingUri } : {}),
    owned: true,
  };
}

/**
 * Evaluates a model over a dataset as MLflow's `mlflow.evaluate` with its default evaluator: the default
 * metrics of `modelType` (and `extraMetrics`) logged to a run under MLflow's names, the classifier plots
 * as PNG artifacts, the per-row results table as `eval_results_table.json`, and the dataset as a run input.
 */
export async function evaluate(options: EvaluateOptions): Promise<EvaluationResult> {
  checkOptions(options);
  const { tracker, owned } = await defaultTracker(options);
  try {
    const data = await readData(options, tracker);
    const excluded = new Set([options.targets, options.predictions].filter(Boolean));
    const features = data.columns.filter((c) => !excluded.has(c));
    const rows = data.rows.map((r) => Object.fromEntries(features.map((c) => [c, r[c]])));
    const targets = options.targets ? data.rows.map((r) => r[options.targets!]) : undefined;
    if (targets && data.rows.some((r) => !(options.targets! in r)))
      throw MlflowError.invalidParameterValue(
        `The targets column '${options.targets}' is missing from the data.`,
      );
    const extra = options.extraMetrics ?? [];
    let predictions: unknown[];
    let latency: number[] | undefined;
    if (options.model === undefined) {
      predictions = data.rows.map((r) => r[options.predictions!]);
    } else {
      const runner = await openModel(
        options.model,
        async (uri) => options.loadModelContext ?? (await loadContext(tracker, uri)),
      );
      try {
        ({ predictions, latency } = await predictAll(runner, rows, extra.includes('latency')));
      } finally {
        await runner.close();
      }
    }
    const input = { predictions, rows, ...(targets ? { targets } : {}) };
    const computed: Computed = await computeMetrics(options.modelType, input, extra, latency);
    return await logEvaluation(tracker, {
      computed,
      rows,
      features,
      targets,
      predictions,
      targetName: options.targets ?? 'target',
      predictionName: options.predictions ?? 'outputs',
      dataset: data.dataset,
      prefix: options.metricPrefix ?? '',
      runId: options.runId,
      experimentId: options.experimentId,
    });
  } finally {
    if (owned) await tracker.close();
  }
}

/** The evaluation data: a file, rows, or the local file a run logged as its dataset. */
async function readData(options: EvaluateOptions, tracker: Tracker): Promise<LoadedData> {
  const { data } = options;
  if (typeof data === 'string' || Array.isArray(data)) return loadData(data, options.datasetName);
  const found = await runDatasetPath(await tracker.store(), data.runId, data.name);
  return loadData(found.path, options.datasetName ?? found.name);
}

/** How a model URI loads through the tracker: its store (runs:/, models:/<id>), registry and artifact repositories. */
async function loadContext(
  tracker: Tracker,
  uri: string,
): Promise<import('@flowline/model-format').LoadModelContext> {
  const store = await tracker.store();
  const { openArtifactRepository } = await import('@flowline/client');
  const trackingUri = tracker.getTrackingUri();
  // Only registered models need the registry (a separate package for SQL stores): open it just for them.
  const registered = uri.startsWith('models:') && !/^models:\/+m-[0-9a-f]+\/?$/.test(uri);
  const registry = registered ? await tracker.registry() : undefined;
  return {
    store,
    registry,
    openRepository: (uri) => openArtifactRepository(uri, { store, trackingUri, registry }),
  };
}
