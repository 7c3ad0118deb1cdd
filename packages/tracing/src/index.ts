// @flowline/tracing: MLflow 3 traces on OpenTelemetry's JS API.
export const MLFLOW_TRACE_SCHEMA_VERSION = '3';
