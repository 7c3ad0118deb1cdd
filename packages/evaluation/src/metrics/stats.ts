/** The aggregates MLflow's `standard_aggregations` computes over per-row scores: mean, variance (population), p90. */
export function standardAggregations(scores: number[]): { mean: number; variance: number; p90: number } {
  const values = scores.filter((v) => Number.isFinite(v));
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, variance, p90: percentile(values, 90) };
}

/** numpy's `percentile` with linear interpolation. */
export function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = (q / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}
