import { MlflowError } from '@flowline/core';
import { averagePrecision, type Curve, precisionRecallCurve, rocCurve, trapezoidArea } from './curves.js';

/** A class label as a dataset holds it. */
export type Label = string | number | boolean;

/** What the classifier metrics are computed from. */
export interface ClassifierInput {
  targets: Label[];
  predictions: Label[];
  /** Per row, the probability of each label of `labels` (in that order), when the model gives them. */
  probabilities?: number[][];
  /** The label list (default: the sorted unique targets and predictions, as MLflow). */
  labels?: Label[];
}

/** The metrics and what the plots are drawn from. */
export interface ClassifierResult {
  metrics: Record<string, number>;
  labels: Label[];
  /** Rows: true label, columns: predicted label (counts), in `labels` order. */
  confusion: number[][];
  /** Binary with probabilities: the ROC and precision-recall curves of the positive (last) label. */
  roc?: Curve;
  pr?: Curve;
}

/** The sorted unique labels (numbers numerically, anything else as text), as MLflow's `label_list`. */
export function labelList(values: Label[]): Label[] {
  const unique = [...new Map(values.map((v) => [String(v), v])).values()];
  const numeric = unique.every((v) => typeof v === 'number');
  return unique.sort((a, b) =>
    numeric ? (a as number) - (b as number) : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0,
  );
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
const f1 = (p: number, r: number) => (p + r === 0 ? 0 : (2 * p * r) / (p + r));

/** The mean negative log-likelihood of the true labels, with sklearn's clipping and row normalization. */
function logLoss(truth: number[], probabilities: number[][]): number {
  let sum = 0;
  truth.forEach((t, i) => {
    const row = probabilities[i]!;
    const total = row.reduce((a, b) => a + b, 0) || 1;
    const p = Math.min(Math.max((row[t] ?? 0) / total, 1e-15), 1 - 1e-15);
    sum -= Math.log(p);
  });
  return sum / truth.length;
}

/**
 * MLflow's default classifier metrics (its `classifier.py`, computed as sklearn does). Binary: the four
 * confusion counts, example_count, accuracy_score, recall_score, precision_score, f1_score for the last
 * label, and with probabilities log_loss, roc_auc and precision_recall_auc (average precision).
 * Multiclass: the same scores averaged over labels weighted by support, log_loss, and a one-vs-rest
 * roc_auc weighted by prevalence.
 */
export function classifierMetrics(input: ClassifierInput): ClassifierResult {
  const { targets, predictions, probabilities } = input;
  if (targets.length === 0 || predictions.length !== targets.length)
    throw MlflowError.invalidParameterValue(
      `A classifier needs as many predictions as targets (got ${predictions.length} for ${targets.length} rows).`,
    );
  const labels = input.labels ?? labelList([...targets, ...predictions]);
  if (labels.length < 2)
    throw MlflowError.invalidParameterValue(
      'Evaluation dataset for classification must contain at least two unique labels, but only ' +
        `${labels.length} unique labels were found.`,
    );
  const index = new Map(labels.map((l, i) => [String(l), i]));
  const truth = targets.map((t) => index.get(String(t)) ?? -1);
  const guess = predictions.map((p) => index.get(String(p)) ?? -1);
  const confusion = labels.map(() => labels.map(() => 0));
  truth.forEach((t, i) => {
    if (t >= 0 && guess[i]! >= 0) confusion[t]![guess[i]!]!++;
  });
  const n = targets.length;
  const correct = truth.filter((t, i) => t === guess[i]).length;
  const perClass = labels.map((_, k) => {
    const tp = confusion[k]![k]!;
    const predicted = confusion.reduce((a, row) => a + row[k]!, 0);
    const support = confusion[k]!.reduce((a, b) => a + b, 0);
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    return { precision, recall, f1: f1(precision, recall), support };
  });
  const metrics: Record<string, number> = { example_count: n, accuracy_score: correct / n };
  const result: ClassifierResult = { metrics, labels, confusion };
  if (labels.length === 2) {
    const [[tn, fp], [fn, tp]] = confusion as [[number, number], [number, number]];
    Object.assign(metrics, {
      true_negatives: tn,
      false_positives: fp,
      false_negatives: fn,
      true_positives: tp,
    });
    const pos = perClass[1]!;
    Object.assign(metrics, { recall_score: pos.recall, precision_score: pos.precision, f1_score: pos.f1 });
    if (probabilities) {
      const positive = truth.map((t) => t === 1);
      const scores = probabilities.map((row) => row[1] ?? 0);
      result.roc = rocCurve(positive, scores);
      result.pr = precisionRecallCurve(positive, scores);
      metrics.log_loss = logLoss(truth, probabilities);
      metrics.roc_auc = trapezoidArea(result.roc);
      metrics.precision_recall_auc = averagePrecision(result.pr);
    }
    return result;
  }
  const total = perClass.reduce((a, c) => a + c.support, 0);
  const weighted = (key: 'precision' | 'recall' | 'f1') =>
    perClass.reduce((a, c) => a + c[key] * c.support, 0) / total;
  Object.assign(metrics, {
    recall_score: weighted('recall'),
    precision_score: weighted('precision'),
    f1_score: weighted('f1'),
  });
  if (probabilities) {
    metrics.log_loss = logLoss(truth, probabilities);
    let auc = 0;
    labels.forEach((_, k) => {
      const curve = rocCurve(
        truth.map((t) => t === k),
        probabilities.map((row) => row[k] ?? 0),
      );
      auc += trapezoidArea(curve) * perClass[k]!.support;
    });
    metrics.roc_auc = auc / total;
  }
  return result;
}
