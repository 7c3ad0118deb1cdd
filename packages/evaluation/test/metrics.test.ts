import { describe, expect, it } from 'vitest';
import {
  automatedReadabilityGrade,
  averagePrecision,
  classifierMetrics,
  exactMatch,
  fleschKincaidGrade,
  labelList,
  percentile,
  precisionRecallCurve,
  regressorMetrics,
  rocCurve,
  rougeScore,
  standardAggregations,
  textCounts,
  trapezoidArea,
  whitespaceTokenCount,
} from '../src/index.js';

describe('classifier metrics', () => {
  // A 2×2 case worked by hand: true 0 → predicted 0,1,0; true 1 → predicted 1,0,1.
  const targets = [0, 0, 1, 1, 1, 0];
  const predictions = [0, 1, 1, 0, 1, 0];
  const positive = [0.1, 0.6, 0.8, 0.4, 0.9, 0.3];

  it('computes the binary scores from the confusion matrix, for the last label', () => {
    const { metrics, confusion, labels } = classifierMetrics({ targets, predictions });
    expect(labels).toEqual([0, 1]);
    expect(confusion).toEqual([
      [2, 1],
      [1, 2],
    ]);
    expect(metrics).toEqual({
      example_count: 6,
      accuracy_score: 4 / 6,
      true_negatives: 2,
      false_positives: 1,
      false_negatives: 1,
      true_positives: 2,
      precision_score: 2 / 3,
      recall_score: 2 / 3,
      f1_score: 2 / 3,
    });
  });

  it('adds log_loss, roc_auc and precision_recall_auc when probabilities are given', () => {
    const { metrics, roc, pr } = classifierMetrics({
      targets,
      predictions,
      probabilities: positive.map((p) => [1 - p, p]),
    });
    // log loss: the mean of −ln p(true label).
    const pTrue = [0.9, 0.4, 0.8, 0.4, 0.9, 0.7];
    expect(metrics.log_loss).toBeCloseTo(-pTrue.reduce((a, p) => a + Math.log(p), 0) / 6, 12);
    // AUC as the share of (positive, negative) pairs ranked right: 0.8 and 0.9 beat all 3 negatives, 0.4 beats 2.
    expect(metrics.roc_auc).toBeCloseTo(8 / 9, 12);
    // AP: positives at ranks 1, 2 and 4 of the scores sorted down → precisions 1, 1, 3/4, each worth recall 1/3.
    expect(metrics.precision_recall_auc).toBeCloseTo((1 + 1 + 3 / 4) / 3, 12);
    expect(roc?.x[0]).toBe(0);
    expect(roc?.x.at(-1)).toBe(1);
    expect(pr?.x.at(-1)).toBe(1);
  });

  it('averages the scores by support for more than two labels', () => {
    // cat: 2 rows (1 right), dog: 1 row (right), fish: 1 row (predicted cat).
    const { metrics, labels } = classifierMetrics({
      targets: ['cat', 'cat', 'dog', 'fish'],
      predictions: ['cat', 'dog', 'dog', 'cat'],
    });
    expect(labels).toEqual(['cat', 'dog', 'fish']);
    // precision: cat 1/2, dog 1/2, fish 0; recall: cat 1/2, dog 1, fish 0; weights 2, 1, 1.
    expect(metrics.precision_score).toBeCloseTo((2 * 0.5 + 0.5 + 0) / 4, 12);
    expect(metrics.recall_score).toBeCloseTo((2 * 0.5 + 1 + 0) / 4, 12);
    expect(metrics.f1_score).toBeCloseTo((2 * 0.5 + (2 * 0.5 * 1) / 1.5 + 0) / 4, 12);
    expect(metrics.accuracy_score).toBe(0.5);
    expect(metrics.true_positives).toBeUndefined();
  });

  it('refuses a dataset with a single label, with MLflow message', () => {
    expect(() => classifierMetrics({ targets: [1, 1], predictions: [1, 1] })).toThrow(
      /at least two unique labels, but only 1 unique labels were found/,
    );
  });

  it('sorts labels numerically or as text', () => {
    expect(labelList([10, 2, 1, 2])).toEqual([1, 2, 10]);
    expect(labelList(['b', 'a', 'b'])).toEqual(['a', 'b']);
  });
});

describe('curves', () => {
  it('gives tied scores one point', () => {
    const curve = rocCurve([true, false, true, false], [0.5, 0.5, 0.9, 0.1]);
    expect(curve.x).toEqual([0, 0, 0.5, 1]);
    expect(curve.y).toEqual([0, 0.5, 1, 1]);
    expect(trapezoidArea(curve)).toBeCloseTo(0.875, 12);
    const pr = precisionRecallCurve([true, false, true, false], [0.5, 0.5, 0.9, 0.1]);
    expect(averagePrecision(pr)).toBeCloseTo(0.5 * 1 + 0.5 * (2 / 3), 12);
  });
});

describe('regressor metrics', () => {
  it("matches sklearn's documented example", () => {
    const m = regressorMetrics([3, -0.5, 2, 7], [2.5, 0, 2, 8]);
    expect(m.example_count).toBe(4);
    expect(m.mean_absolute_error).toBeCloseTo(0.5, 12);
    expect(m.mean_squared_error).toBeCloseTo(0.375, 12);
    expect(m.root_mean_squared_error).toBeCloseTo(Math.sqrt(0.375), 12);
    // r2 = 1 − SSres/SStot: SSres = 1.5, mean 2.875, SStot = 29.1875.
    expect(m.r2_score).toBeCloseTo(1 - 1.5 / 29.1875, 12);
    expect(m.max_error).toBe(1);
    expect(m.mean_absolute_percentage_error).toBeCloseTo((0.5 / 3 + 0.5 / 0.5 + 0 + 1 / 7) / 4, 12);
    expect(m.sum_on_target).toBe(11.5);
    expect(m.mean_on_target).toBe(2.875);
  });

  it('scores a constant target as sklearn does', () => {
    expect(regressorMetrics([2, 2], [2, 2]).r2_score).toBe(1);
    expect(regressorMetrics([2, 2], [1, 3]).r2_score).toBe(0);
  });
});

describe('text metrics', () => {
  it('computes ROUGE F-measures on lower-cased word tokens', () => {
    // 3 candidate unigrams all in the 6 of the reference: P = 1, R = 1/2.
    expect(rougeScore('rouge1', 'The cat sat', 'the cat sat on the mat')).toBeCloseTo(2 / 3, 12);
    // 2 candidate bigrams, 5 reference bigrams, both shared: P = 1, R = 2/5.
    expect(rougeScore('rouge2', 'The cat sat', 'the cat sat on the mat')).toBeCloseTo((2 * 0.4) / 1.4, 12);
    // LCS "police the gunman" = 3 of 4 tokens each side.
    expect(rougeScore('rougeL', 'police kill the gunman', 'police killed the gunman')).toBeCloseTo(0.75, 12);
    expect(rougeScore('rouge1', '', 'anything')).toBe(0);
  });

  it('counts whitespace tokens and exact matches', () => {
    expect(whitespaceTokenCount('  two\twords\n')).toBe(2);
    expect(exactMatch(['a', 'b', 'c', 'd'], ['a', 'x', 'c', 'y'])).toBe(0.5);
  });

  it("aggregates as MLflow's standard aggregations (population variance, linear p90)", () => {
    const a = standardAggregations([1, 2, 3, 4]);
    expect(a.mean).toBe(2.5);
    expect(a.variance).toBe(1.25);
    // rank 0.9 × 3 = 2.7 → 3 + 0.7 × (4 − 3).
    expect(a.p90).toBeCloseTo(3.7, 12);
    expect(percentile([5], 90)).toBe(5);
  });
});

describe('readability grades', () => {
  const text = 'The cat sat on the mat. It was a sunny day and the cat was happy.';

  it('counts words, sentences, characters and syllables as textstat does', () => {
    // 6 + 10 words; sun-ny and hap-py have two syllables, every other word one; 18 + 32 visible characters.
    expect(textCounts(text)).toEqual({ words: 16, sentences: 2, characters: 50, syllables: 18 });
    // Sentences of two words or fewer are not counted (at least one is).
    expect(textCounts('Yes. No. The cat sat down.').sentences).toBe(1);
    expect(textCounts('').words).toBe(0);
  });

  it('grades Flesch-Kincaid and ARI from those counts, to one decimal', () => {
    // 0.39·(16/2) + 11.8·(18/16) − 15.59 = 0.805; 4.71·(50/16) + 0.5·(16/2) − 21.43 = −2.71125.
    expect(fleschKincaidGrade(text)).toBe(0.8);
    expect(automatedReadabilityGrade(text)).toBe(-2.7);
    expect(fleschKincaidGrade('')).toBe(0);
    expect(automatedReadabilityGrade('  ')).toBe(0);
  });
});
