import { MlflowError } from '@flowline/core';
import type { Row } from './data.js';
import { classifierMetrics, type Label, labelList } from './metrics/classifier.js';
import { automatedReadabilityGrade, fleschKincaidGrade } from './metrics/readability.js';
import { regressorMetrics } from './metrics/regressor.js';
import { standardAggregations } from './metrics/stats.js';
import {
  exactMatch,
  type MetricValue,
  type RougeVariant,
  rougeScore,
  whitespaceTokenCount,
} from './metrics/text.js';
import { confusionMatrixPlot, precisionRecallCurvePlot, rocCurvePlot } from './plots/metric-plots.js';

/** The model types `evaluate` knows, with MLflow's names. */
export type ModelType = 'classifier' | 'regressor' | 'text' | 'question-answering' | 'text-summarization';

export const MODEL_TYPES: readonly ModelType[] = [
  'classifier',
  'regressor',
  'text',
  'question-answering',
  'text-summarization',
];

/** What a metric function sees: the predictions, the targets (when given), the feature rows and latencies. */
export interface MetricInput {
  predictions: unknown[];
  targets?: unknown[];
  rows: Row[];
}

/** A custom metric (MLflow's `make_metric`): per-row `scores` become `<name>/score`, aggregates `<name>/<agg>`. */
export interface CustomMetric {
  name: string;
  evaluate(input: MetricInput): MetricValue | Promise<MetricValue>;
}

/** A built-in extra metric by its MLflow name, or a custom one. */
export type ExtraMetric =
  | 'latency'
  | 'token_count'
  | 'exact_match'
  | 'flesch_kincaid_grade_level'
  | 'ari_grade_level'
  | RougeVariant
  | CustomMetric;

/** Metrics, per-row columns and images computed for one evaluation. */
export interface Computed {
  metrics: Record<string, number>;
  /** Per-row columns of the results table (`rouge1/v1/score`, `token_count`, `latency`, …). */
  columns: Record<string, unknown[]>;
  /** Image artifacts by file name. */
  images: Record<string, Buffer>;
}

/** A prediction's text: a string, or the text of an object with `content`, `text` or a chat choice. */
export function predictionText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as {
      content?: unknown;
      text?: unknown;
      choices?: Array<{ message?: { content?: unknown } }>;
    };
    const text = v.content ?? v.text ?? v.choices?.[0]?.message?.content;
    if (typeof text === 'string') return text;
  }
  return value === null || value === undefined ? '' : JSON.stringify(value);
}

/** Adds a metric value as MLflow names it: aggregates `<key>/<agg>`, or `<key>` when agg is the key's first segment. */
function addValue(out: Computed, key: string, column: string, value: MetricValue): void {
  if (value.scores) out.columns[column] = value.scores;
  for (const [agg, v] of Object.entries(value.aggregates ?? {}))
    out.metrics[agg === key.split('/')[0] ? key : `${key}/${agg}`] = v;
}

function scored(scores: number[]): MetricValue {
  return { scores, aggregates: standardAggregations(scores) };
}

function needTargets(name: string, targets: unknown[] | undefined): unknown[] {
  if (!targets)
    throw MlflowError.invalidParameterValue(
      `The ${name} metric needs targets: pass targets (a column name).`,
    );
  return targets;
}

/** One built-in text metric, keyed and named as MLflow logs it. */
function addBuiltin(
  out: Computed,
  name: Exclude<ExtraMetric, CustomMetric>,
  input: MetricInput,
  latency?: number[],
): void {
  const texts = input.predictions.map(predictionText);
  switch (name) {
    case 'token_count':
      // MLflow logs no aggregate for token_count: only the per-row column.
      out.columns.token_count = texts.map(whitespaceTokenCount);
      return;
    case 'flesch_kincaid_grade_level':
      addValue(out, `${name}/v1`, `${name}/v1/score`, scored(texts.map(fleschKincaidGrade)));
      return;
    case 'ari_grade_level':
      addValue(out, `${name}/v1`, `${name}/v1/score`, scored(texts.map(automatedReadabilityGrade)));
      return;
    case 'latency':
      if (latency) addValue(out, 'latency', 'latency', scored(latency));
      return;
    case 'exact_match': {
      const targets = needTargets(name, input.targets);
      addValue(out, 'exact_match/v1', '', {
        aggregates: { exact_match: exactMatch(texts, targets.map(predictionText)) },
      });
      return;
    }
    default: {
      const targets = needTargets(name, input.targets);
      const scores = texts.map((t, i) => rougeScore(name, t, predictionText(targets[i])));
      addValue(out, `${name}/v1`, `${name}/v1/score`, scored(scores));
    }
  }
}

/** A classifier prediction's label and, when given, its probabilities (a list in label order, or by label). */
function classification(value: unknown): {
  label: Label;
  probabilities?: number[] | Record<string, number>;
  probability?: number;
} {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    const label = (v.label ?? v.prediction ?? v.predicted_label) as Label;
    const probabilities = v.probabilities as number[] | Record<string, number> | undefined;
    const probability = typeof v.probability === 'number' ? v.probability : undefined;
    return {
      label,
      ...(probabilities ? { probabilities } : {}),
      ...(probability !== undefined ? { probability } : {}),
    };
  }
  return { label: value as Label };
}

function addClassifier(out: Computed, predictions: unknown[], targets: unknown[]): void {
  const parsed = predictions.map(classification);
  const keys = parsed.flatMap((p) =>
    p.probabilities && !Array.isArray(p.probabilities) ? Object.keys(p.probabilities) : [],
  );
  const labels = labelList([...(targets as Label[]), ...parsed.map((p) => p.label)]);
  for (const key of keys) if (!labels.some((l) => String(l) === key)) labels.push(key);
  const withProbabilities = parsed.every(
    (p) => p.probabilities || (p.probability !== undefined && labels.length === 2),
  );
  const probabilities = withProbabilities
    ? parsed.map((p) => {
        if (Array.isArray(p.probabilities)) return p.probabilities;
        if (p.probabilities)
          return labels.map((l) => (p.probabilities as Record<string, number>)[String(l)] ?? 0);
        return [1 - p.probability!, p.probability!];
      })
    : undefined;
  const result = classifierMetrics({
    targets: targets as Label[],
    predictions: parsed.map((p) => p.label),
    labels,
    ...(probabilities ? { probabilities } : {}),
  });
  Object.assign(out.metrics, result.metrics);
  out.images['confusion_matrix.png'] = confusionMatrixPlot(result.confusion);
  if (result.roc) out.images['roc_curve_plot.png'] = rocCurvePlot(result.roc);
  if (result.pr) out.images['precision_recall_curve_plot.png'] = precisionRecallCurvePlot(result.pr);
}

// MLflow's defaults per text model type, but toxicity (a Hugging Face classifier model, which Flowline
// cannot download; a custom metric can run one).
const READABILITY = ['flesch_kincaid_grade_level', 'ari_grade_level'] as const;
const TEXT_DEFAULTS: Record<string, Array<Exclude<ExtraMetric, CustomMetric>>> = {
  text: ['token_count', ...READABILITY],
  'question-answering': ['token_count', 'exact_match', ...READABILITY],
  'text-summarization': ['token_count', 'rouge1', 'rouge2', 'rougeL', 'rougeLsum', ...READABILITY],
};
/** Metrics computed from the predictions alone, so kept without targets. */
const NEEDS_NO_TARGETS = new Set<string>(['token_count', ...READABILITY]);

/** MLflow's default metrics of `modelType`, then the extra metrics, over one evaluation's predictions. */
export async function computeMetrics(
  modelType: ModelType | undefined,
  input: MetricInput,
  extraMetrics: ExtraMetric[],
  latency?: number[],
): Promise<Computed> {
  const out: Computed = { metrics: {}, columns: {}, images: {} };
  const { predictions, targets } = input;
  if (modelType === 'regressor')
    Object.assign(
      out.metrics,
      regressorMetrics(needTargets('regressor', targets).map(Number), predictions.map(Number)),
    );
  else if (modelType === 'classifier') addClassifier(out, predictions, needTargets('classifier', targets));
  else if (modelType) {
    for (const name of TEXT_DEFAULTS[modelType] ?? []) {
      // exact_match and ROUGE compare with targets: without them MLflow skips them.
      if (!NEEDS_NO_TARGETS.has(name) && !targets) continue;
      addBuiltin(out, name, input);
    }
  }
  for (const metric of extraMetrics) {
    if (typeof metric === 'string') addBuiltin(out, metric, input, latency);
    else addValue(out, metric.name, `${metric.name}/score`, await metric.evaluate(input));
  }
  return out;
}
