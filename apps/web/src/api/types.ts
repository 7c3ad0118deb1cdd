/**
 * MLflow's JSON shapes, as the tracking server sends them (snake_case on the wire). Where the server declares
 * a response schema, the type is derived from it (type-only import: erased at build, so no server code
 * reaches the bundle); a change on the server that breaks the UI fails `tsc`.
 */
import type { RouteOutput } from '@flowline/server';

type Defined<T> = Exclude<T, undefined>;

/** A run as `runs/get` and `runs/search` return it. */
export type Run = RouteOutput<'GET /runs/get'>['run'];

/** One metric value (also one point of a sampled history, with `run_id`). */
export type Metric = Defined<RouteOutput<'GET /metrics/get-history-bulk-interval'>['metrics']>[number];

/** One point of a sampled history, with the run it belongs to. */
export type MetricWithRunId = Metric;

/** A key/value pair: params, tags. */
export type KeyValue = Defined<Run['data']['params']>[number];

/** An experiment as `experiments/search` returns it. */
export type Experiment = RouteOutput<'GET /experiments/get'>['experiment'];

/** One entry of `artifacts/list` (MLflow's `FileInfo`; no size for a directory). */
export type FileInfo = Defined<RouteOutput<'GET /artifacts/list'>['files']>[number];

/** A registered model (MLflow's `RegisteredModel`). */
export type RegisteredModel = RouteOutput<'GET /registered-models/get'>['registered_model'];

/** A version of a registered model (MLflow's `ModelVersion`). */
export type ModelVersion = RouteOutput<'GET /model-versions/get'>['model_version'];
