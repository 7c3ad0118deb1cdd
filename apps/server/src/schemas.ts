import { LifecycleStage, RunStatus } from '@flowline/core';
import { type TSchema, type TUnsafe, Type } from '@sinclair/typebox';

// Request and response schemas for MLflow's tracking API. Each wire shape is declared once, in core (the REST
// client reads it too): the response schemas' static types are exactly core's `Wire*` types, which
// `test/schemas.test.ts` checks, so handlers return core's mappers' output without casts. Requests are checked before the store is touched;
// responses are declared so fastify serialises them with a compiled serializer. Fields are optional where
// MLflow's proto makes them so; "required" checks that MLflow makes with its own message happen in the
// store's validation, so the message matches MLflow's ("Missing value for required parameter ...").

const Int64 = Type.Union([Type.Integer(), Type.String({ pattern: '^-?\\d+$' })]);
const Str = Type.String();
const KeyValue = Type.Object({ key: Type.Optional(Str), value: Type.Optional(Str) });
const KeyValueOut = Type.Object({ key: Str, value: Type.Optional(Str) });
const WireNumberOut = Type.Union([Type.Number(), Type.String()]);

/** A string of one of `values`, typed as their union (serialised as a plain string). */
const StringEnum = <T extends string>(values: Record<string, T>): TUnsafe<T> =>
  Type.Unsafe<T>({ type: 'string', enum: Object.values(values) });
const LifecycleStageOut = StringEnum(LifecycleStage);

/** Converts a required-looking field into an optional one, and lists it for the documentation. */
const Opt = <T extends TSchema>(schema: T) => Type.Optional(schema);

export const ExperimentOut = Type.Object({
  experiment_id: Str,
  name: Str,
  artifact_location: Opt(Str),
  lifecycle_stage: LifecycleStageOut,
  last_update_time: Opt(Type.Integer()),
  creation_time: Opt(Type.Integer()),
  tags: Opt(Type.Array(KeyValueOut)),
});

const MetricOut = Type.Object({
  key: Str,
  value: WireNumberOut,
  timestamp: Type.Integer(),
  step: Opt(Type.Integer()),
  run_id: Opt(Str),
});

export const RunInfoOut = Type.Object({
  run_id: Str,
  run_uuid: Str,
  run_name: Opt(Str),
  experiment_id: Str,
  user_id: Opt(Str),
  status: StringEnum(RunStatus),
  start_time: Opt(Type.Integer()),
  end_time: Opt(Type.Integer()),
  artifact_uri: Opt(Str),
  lifecycle_stage: LifecycleStageOut,
});

const DatasetOut = Type.Object({
  name: Str,
  digest: Str,
  source_type: Str,
  source: Str,
  schema: Opt(Str),
  profile: Opt(Str),
});

export const RunOut = Type.Object({
  info: RunInfoOut,
  data: Type.Object({
    metrics: Opt(Type.Array(MetricOut)),
    params: Opt(Type.Array(KeyValueOut)),
    tags: Opt(Type.Array(KeyValueOut)),
  }),
  inputs: Type.Object({
    dataset_inputs: Opt(Type.Array(Type.Object({ tags: Opt(Type.Array(KeyValueOut)), dataset: DatasetOut }))),
    // MLflow 3: the logged models a run used, and (below) those it produced.
    model_inputs: Opt(Type.Array(Type.Object({ model_id: Str }))),
  }),
  outputs: Opt(
    Type.Object({ model_outputs: Opt(Type.Array(Type.Object({ model_id: Str, step: Type.Integer() }))) }),
  ),
});

export const Empty = Type.Object({});

const ViewTypeIn = Type.Union([
  Type.Literal('ACTIVE_ONLY'),
  Type.Literal('DELETED_ONLY'),
  Type.Literal('ALL'),
  Type.Integer({ minimum: 1, maximum: 3 }),
]);
const StatusIn = Type.Union([
  Type.Literal(RunStatus.RUNNING),
  Type.Literal(RunStatus.SCHEDULED),
  Type.Literal(RunStatus.FINISHED),
  Type.Literal(RunStatus.FAILED),
  Type.Literal(RunStatus.KILLED),
  Type.Integer({ minimum: 1, maximum: 5 }),
]);
const StringList = Type.Array(Str);
// MLflow 3's metrics may belong to a logged model, computed on a dataset.
const ModelScopeIn = { model_id: Opt(Str), dataset_name: Opt(Str), dataset_digest: Opt(Str) };
const MetricIn = Type.Object({
  key: Opt(Str),
  value: Opt(Type.Unknown()),
  timestamp: Opt(Int64),
  step: Opt(Int64),
  ...ModelScopeIn,
});
const DatasetIn = Type.Object({
  name: Opt(Str),
  digest: Opt(Str),
  source_type: Opt(Str),
  source: Opt(Str),
  schema: Opt(Str),
  profile: Opt(Str),
});

/** Request schemas, by endpoint. */
export const Requests = {
  createExperiment: Type.Object({
    name: Opt(Str),
    artifact_location: Opt(Str),
    tags: Opt(Type.Array(KeyValue)),
  }),
  experimentId: Type.Object({ experiment_id: Opt(Str) }),
  getByName: Type.Object({ experiment_name: Opt(Str) }),
  searchExperiments: Type.Object({
    max_results: Opt(Int64),
    page_token: Opt(Str),
    filter: Opt(Str),
    order_by: Opt(StringList),
    view_type: Opt(ViewTypeIn),
  }),
  updateExperiment: Type.Object({ experiment_id: Opt(Str), new_name: Opt(Str) }),
  setExperimentTag: Type.Object({ experiment_id: Opt(Str), key: Opt(Str), value: Opt(Str) }),
  deleteExperimentTag: Type.Object({ experiment_id: Opt(Str), key: Opt(Str) }),
  createRun: Type.Object({
    experiment_id: Opt(Str),
    user_id: Opt(Str),
    run_name: Opt(Str),
    start_time: Opt(Int64),
    tags: Opt(Type.Array(KeyValue)),
  }),
  updateRun: Type.Object({
    run_id: Opt(Str),
    run_uuid: Opt(Str),
    status: Opt(StatusIn),
    end_time: Opt(Int64),
    run_name: Opt(Str),
  }),
  runId: Type.Object({ run_id: Opt(Str), run_uuid: Opt(Str) }),
  searchRuns: Type.Object({
    experiment_ids: Opt(StringList),
    filter: Opt(Str),
    run_view_type: Opt(ViewTypeIn),
    max_results: Opt(Int64),
    order_by: Opt(StringList),
    page_token: Opt(Str),
  }),
  logMetric: Type.Object({
    run_id: Opt(Str),
    run_uuid: Opt(Str),
    key: Opt(Str),
    value: Opt(Type.Unknown()),
    timestamp: Opt(Int64),
    step: Opt(Int64),
    ...ModelScopeIn,
  }),
  logParam: Type.Object({ run_id: Opt(Str), run_uuid: Opt(Str), key: Opt(Str), value: Opt(Str) }),
  setTag: Type.Object({ run_id: Opt(Str), run_uuid: Opt(Str), key: Opt(Str), value: Opt(Str) }),
  deleteTag: Type.Object({ run_id: Opt(Str), run_uuid: Opt(Str), key: Opt(Str) }),
  logBatch: Type.Object({
    run_id: Opt(Str),
    run_uuid: Opt(Str),
    metrics: Opt(Type.Array(MetricIn)),
    params: Opt(Type.Array(KeyValue)),
    tags: Opt(Type.Array(KeyValue)),
  }),
  logInputs: Type.Object({
    run_id: Opt(Str),
    datasets: Opt(Type.Array(Type.Object({ tags: Opt(Type.Array(KeyValue)), dataset: Opt(DatasetIn) }))),
    models: Opt(Type.Array(Type.Object({ model_id: Opt(Str) }))),
  }),
  logModel: Type.Object({ run_id: Opt(Str), model_json: Opt(Str) }),
  getHistory: Type.Object({
    run_id: Opt(Str),
    run_uuid: Opt(Str),
    metric_key: Opt(Str),
    page_token: Opt(Str),
    max_results: Opt(Int64),
  }),
  bulkInterval: Type.Object({
    run_ids: Opt(StringList),
    metric_key: Opt(Str),
    start_step: Opt(Int64),
    end_step: Opt(Int64),
    max_results: Opt(Int64),
  }),
  bulkHistory: Type.Object({ run_id: Opt(StringList), metric_key: Opt(Str), max_results: Opt(Int64) }),
  searchDatasets: Type.Object({ experiment_ids: Opt(StringList) }),
};

/** Response schemas, by endpoint. */
export const Responses = {
  createExperiment: Type.Object({ experiment_id: Str }),
  experiment: Type.Object({ experiment: ExperimentOut }),
  experiments: Type.Object({ experiments: Opt(Type.Array(ExperimentOut)), next_page_token: Opt(Str) }),
  run: Type.Object({ run: RunOut }),
  runInfo: Type.Object({ run_info: RunInfoOut }),
  runs: Type.Object({ runs: Opt(Type.Array(RunOut)), next_page_token: Opt(Str) }),
  metrics: Type.Object({ metrics: Opt(Type.Array(MetricOut)), next_page_token: Opt(Str) }),
  datasets: Type.Object({
    dataset_summaries: Opt(
      Type.Array(Type.Object({ experiment_id: Str, name: Str, digest: Str, context: Opt(Str) })),
    ),
  }),
  empty: Empty,
};

const OptStr = Opt(Str);
const Version = Opt(Type.Union([Str, Type.Integer()]));
const TagsIn = Opt(Type.Array(Type.Object({ key: OptStr, value: OptStr })));
const RegistrySearch = Type.Object({
  filter: OptStr,
  max_results: Opt(Type.Union([Type.Integer(), Str])),
  order_by: Opt(StringList),
  page_token: OptStr,
});

/** Request schemas of the model-registry endpoints (`registered-models/*`, `model-versions/*`). */
export const RegistryRequests = {
  createModel: Type.Object({ name: OptStr, tags: TagsIn, description: OptStr }),
  model: Type.Object({ name: OptStr }),
  renameModel: Type.Object({ name: OptStr, new_name: OptStr }),
  updateModel: Type.Object({ name: OptStr, description: OptStr }),
  search: RegistrySearch,
  latestVersions: Type.Object({ name: OptStr, stages: Opt(StringList) }),
  setModelTag: Type.Object({ name: OptStr, key: OptStr, value: OptStr }),
  deleteModelTag: Type.Object({ name: OptStr, key: OptStr }),
  setAlias: Type.Object({ name: OptStr, alias: OptStr, version: Version }),
  alias: Type.Object({ name: OptStr, alias: OptStr }),
  createVersion: Type.Object({
    name: OptStr,
    source: OptStr,
    run_id: OptStr,
    tags: TagsIn,
    run_link: OptStr,
    description: OptStr,
    model_id: OptStr,
  }),
  version: Type.Object({ name: OptStr, version: Version }),
  updateVersion: Type.Object({ name: OptStr, version: Version, description: OptStr }),
  transitionStage: Type.Object({
    name: OptStr,
    version: Version,
    stage: OptStr,
    archive_existing_versions: Opt(Type.Union([Type.Boolean(), Str])),
  }),
  setVersionTag: Type.Object({ name: OptStr, version: Version, key: OptStr, value: OptStr }),
  deleteVersionTag: Type.Object({ name: OptStr, version: Version, key: OptStr }),
};

/** Request schemas of the run-artifact endpoints (`artifacts/list`, `get-artifact`). */
export const ArtifactRequests = {
  runPath: Type.Object({ run_id: OptStr, run_uuid: OptStr, path: OptStr, page_token: OptStr }),
};

// Responses of the model registry, as MLflow's model_registry.proto. Every field the handlers send
// (`toWireModelVersion` / `toWireRegisteredModel` in core) is listed: fastify's serializer drops any other.
// Required are only the fields those mappers always set; the rest are omitted when unset, as MLflow.

/** A `ModelVersionTag` / `RegisteredModelTag`. */
const RegistryTagOut = Type.Object({ key: Str, value: Opt(Str) });

/** MLflow's `ModelVersion`. */
export const ModelVersionOut = Type.Object({
  name: Str,
  version: Str,
  creation_timestamp: Opt(Type.Integer()),
  last_updated_timestamp: Opt(Type.Integer()),
  user_id: Opt(Str),
  current_stage: Str,
  description: Opt(Str),
  source: Opt(Str),
  run_id: Opt(Str),
  status: Type.Union([
    Type.Literal('PENDING_REGISTRATION'),
    Type.Literal('FAILED_REGISTRATION'),
    Type.Literal('READY'),
  ]),
  status_message: Opt(Str),
  tags: Opt(Type.Array(RegistryTagOut)),
  run_link: Opt(Str),
  aliases: Opt(Type.Array(Str)),
  model_id: Opt(Str),
});

/** MLflow's `RegisteredModel`. */
export const RegisteredModelOut = Type.Object({
  name: Str,
  creation_timestamp: Opt(Type.Integer()),
  last_updated_timestamp: Opt(Type.Integer()),
  user_id: Opt(Str),
  description: Opt(Str),
  latest_versions: Opt(Type.Array(ModelVersionOut)),
  tags: Opt(Type.Array(RegistryTagOut)),
  aliases: Opt(Type.Array(Type.Object({ alias: Str, version: Str }))),
});

/** Response schemas of the model-registry endpoints. */
export const RegistryResponses = {
  model: Type.Object({ registered_model: RegisteredModelOut }),
  models: Type.Object({
    registered_models: Opt(Type.Array(RegisteredModelOut)),
    next_page_token: Opt(Str),
  }),
  version: Type.Object({ model_version: ModelVersionOut }),
  versions: Type.Object({ model_versions: Opt(Type.Array(ModelVersionOut)), next_page_token: Opt(Str) }),
  latestVersions: Type.Object({ model_versions: Opt(Type.Array(ModelVersionOut)) }),
  downloadUri: Type.Object({ artifact_uri: Str }),
  empty: Empty,
};

/** MLflow's `FileInfo`: one entry of `artifacts/list` (no size for a directory). */
export const FileInfoOut = Type.Object({ path: Str, is_dir: Type.Boolean(), file_size: Opt(Type.Integer()) });

/** Response schemas of the run-artifact endpoints (MLflow's `ListArtifacts.Response`). */
export const ArtifactResponses = {
  list: Type.Object({
    root_uri: Opt(Str),
    files: Opt(Type.Array(FileInfoOut)),
    next_page_token: Opt(Str),
  }),
};
