import { MlflowError } from '@flowline/core';

/** numpy's float64 epsilon, sklearn's floor for |y| in MAPE. */
const EPSILON = 2.220446049250313e-16;

/**
 * MLflow's default regressor metrics (its `regressor.py`, computed as sklearn does): example_count,
 * mean_absolute_error, mean_squared_error, root_mean_squared_error, sum_on_target, mean_on_target, r2_score,
 * max_error, mean_absolute_percentage_error.
 */
export function regressorMetrics(targets: number[], predictions: number[]): Record<string, number> {
  const n = targets.length;
  if (n === 0 || predictions.length !== n)
    throw MlflowError.invalidParameterValue(
      `A regressor needs as many predictions as targets (got ${predictions.length} for ${n} rows).`,
    );
  let abs = 0;
  let sq = 0;
  let max = 0;
  let pct = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const y = targets[i]!;
    const err = y - predictions[i]!;
    abs += Math.abs(err);
    sq += err * err;
    max = Math.max(max, Math.abs(err));
    pct += Math.abs(err) / Math.max(Math.abs(y), EPSILON);
    sum += y;
  }
  const mean = sum / n;
  const total = targets.reduce((a, y) => a + (y - mean) ** 2, 0);
  // sklearn's r2_score with force_finite: a constant target scores 1 when predicted exactly, else 0.
  const r2 = total === 0 ? (sq === 0 ? 1 : 0) : 1 - sq / total;
  return {
    example_count: n,
    mean_absolute_error: abs / n,
    mean_squared_error: sq / n,
    root_mean_squared_error: Math.sqrt(sq / n),
    sum_on_target: sum,
    mean_on_target: mean,
    r2_score: r2,
    max_error: max,
    mean_absolute_percentage_error: pct / n,
  };
}
