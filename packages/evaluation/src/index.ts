// @flowline/evaluation: MLflow's evaluate() for Flowline models and OpenAI-compatible endpoints.
export const EVALUATION_RESULTS_TABLE = 'eval_results_table.json';
