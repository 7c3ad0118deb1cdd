// @flowline/evaluation: MLflow's evaluate() for Flowline models and OpenAI-compatible endpoints.
export type { Computed, CustomMetric, ExtraMetric, MetricInput, ModelType } from './builtin-metrics.js';
export { MODEL_TYPES, predictionText } from './builtin-metrics.js';
export type { EvaluationData, LoadedData, Row } from './data.js';
export { datasetOf, loadData } from './data.js';
export type { EvaluateOptions, EvaluationResult } from './evaluate.js';
export { evaluate } from './evaluate.js';
export type { JudgeOptions } from './judges/builtin-judges.js';
export {
  correctness,
  guidelines,
  makeJudge,
  relevanceToQuery,
  retrievalGroundedness,
  safety,
} from './judges/builtin-judges.js';
export type {
  JudgedRow,
  JudgeEvaluationOptions,
  JudgeEvaluationResult,
} from './judges/evaluate-judges.js';
export { aggregateFeedback, evaluateWithJudges, feedbackNumber } from './judges/evaluate-judges.js';
export type { Judge, JudgeFeedback, JudgeInput } from './judges/judge.js';
export { fillTemplate, parseVerdict, scorer, verdictResponseFormat } from './judges/judge.js';
export type { JudgedColumns } from './judges/judged-data.js';
export { judgedRowsOf, judgePredictFn } from './judges/judged-data.js';
export type { ResultsTable } from './log-results.js';
export { EVALUATION_RESULTS_TABLE, resultsTable } from './log-results.js';
export type { ClassifierInput, ClassifierResult, Label } from './metrics/classifier.js';
export { classifierMetrics, labelList } from './metrics/classifier.js';
export type { Curve } from './metrics/curves.js';
export { averagePrecision, precisionRecallCurve, rocCurve, trapezoidArea } from './metrics/curves.js';
export type { TextCounts } from './metrics/readability.js';
export { automatedReadabilityGrade, fleschKincaidGrade, textCounts } from './metrics/readability.js';
export { regressorMetrics } from './metrics/regressor.js';
export { percentile, standardAggregations } from './metrics/stats.js';
export type { MetricValue, RougeVariant } from './metrics/text.js';
export { exactMatch, rougeScore, rougeTokens, whitespaceTokenCount } from './metrics/text.js';
export type { ChatEndpoint, EvaluationModel, PredictFunction } from './model.js';
export { chatCompletion } from './model.js';
export { confusionMatrixPlot, precisionRecallCurvePlot, rocCurvePlot } from './plots/metric-plots.js';
