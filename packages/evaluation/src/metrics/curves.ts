/** Points of a curve over descending score thresholds, as sklearn's `roc_curve` / `precision_recall_curve`. */
export interface Curve {
  x: number[];
  y: number[];
}

/** Cumulative true and false positives at each distinct score, from the highest down. */
function cumulative(positive: boolean[], scores: number[]): { tps: number[]; fps: number[] } {
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0]);
  const tps: number[] = [];
  const fps: number[] = [];
  let tp = 0;
  let fp = 0;
  order.forEach(([score, i], k) => {
    if (positive[i]) tp++;
    else fp++;
    // Tied scores share one threshold: emit a point only after the last of them.
    if (k === order.length - 1 || order[k + 1]![0] !== score) {
      tps.push(tp);
      fps.push(fp);
    }
  });
  return { tps, fps };
}

/** The ROC curve: x = false positive rate, y = true positive rate, starting at (0, 0). */
export function rocCurve(positive: boolean[], scores: number[]): Curve {
  const { tps, fps } = cumulative(positive, scores);
  const p = tps.at(-1) ?? 0;
  const n = fps.at(-1) ?? 0;
  return { x: [0, ...fps.map((f) => (n ? f / n : 0))], y: [0, ...tps.map((t) => (p ? t / p : 0))] };
}

/** The precision-recall curve: x = recall, y = precision, from recall 0 (precision 1) upwards. */
export function precisionRecallCurve(positive: boolean[], scores: number[]): Curve {
  const { tps, fps } = cumulative(positive, scores);
  const p = tps.at(-1) ?? 0;
  return {
    x: [0, ...tps.map((t) => (p ? t / p : 0))],
    y: [1, ...tps.map((t, i) => (t + fps[i]! ? t / (t + fps[i]!) : 0))],
  };
}

/** The area under a curve by the trapezoid rule (sklearn's `auc`). */
export function trapezoidArea(curve: Curve): number {
  let area = 0;
  for (let i = 1; i < curve.x.length; i++)
    area += ((curve.x[i]! - curve.x[i - 1]!) * (curve.y[i]! + curve.y[i - 1]!)) / 2;
  return area;
}

/** Average precision, Σ (Rₖ − Rₖ₋₁)·Pₖ (sklearn's `average_precision_score`, not the trapezoid area). */
export function averagePrecision(curve: Curve): number {
  let ap = 0;
  for (let i = 1; i < curve.x.length; i++) ap += (curve.x[i]! - curve.x[i - 1]!) * curve.y[i]!;
  return ap;
}
