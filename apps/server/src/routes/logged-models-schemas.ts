import { LOGGED_MODEL_STATUSES } from '@flowline/core';
import { type TSchema, type TUnsafe, Type } from '@sinclair/typebox';

// Request and response schemas of MLflow 3's logged-model endpoints (service.proto's `LoggedModel`
// messages). Requests are lenient where proto JSON is (enums by name or number, int64 as number or decimal
// string, unknown fields ignored); the checks MLflow's handlers make with their own messages are the
// handlers'. Responses list every field `toWireLoggedModel` writes (fastify drops any field not listed).

const Str = Type.String();
const Opt = <T extends TSchema>(schema: T) => Type.Optional(schema);
const Int64 = Type.Union([Type.Integer(), Type.String({ pattern: '^-?\\d+$' })]);
const KeyValueIn = Type.Array(Type.Object({ key: Opt(Str), value: Opt(Str) }));
const StringEnum = <T extends string>(values: readonly T[]): TUnsafe<T> =>
  Type.Unsafe<T>({ type: 'string', enum: [...values] });

/** Request schemas of the logged-model endpoints. */
export const LoggedModelRequests = {
  create: Type.Object({
    experiment_id: Opt(Str),
    name: Opt(Str),
    model_type: Opt(Str),
    source_run_id: Opt(Str),
    params: Opt(KeyValueIn),
    tags: Opt(KeyValueIn),
  }),
  finalize: Type.Object({ model_id: Opt(Str), status: Opt(Type.Union([Str, Type.Integer()])) }),
  // Python's requests writes a bool query value as "True", so it arrives in any case.
  get: Type.Object({ allow_deleted: Opt(Type.Union([Type.Boolean(), Str])) }),
  none: Type.Object({}),
  search: Type.Object({
    experiment_ids: Opt(Type.Array(Str)),
    filter: Opt(Str),
    datasets: Opt(Type.Array(Type.Object({ dataset_name: Opt(Str), dataset_digest: Opt(Str) }))),
    max_results: Opt(Int64),
    order_by: Opt(
      Type.Array(
        Type.Object({
          field_name: Opt(Str),
          ascending: Opt(Type.Boolean()),
          dataset_name: Opt(Str),
          dataset_digest: Opt(Str),
        }),
      ),
    ),
    page_token: Opt(Str),
  }),
  setTags: Type.Object({ model_id: Opt(Str), tags: Opt(KeyValueIn) }),
  logParams: Type.Object({ model_id: Opt(Str), params: Opt(KeyValueIn) }),
  listArtifacts: Type.Object({ artifact_directory_path: Opt(Str), page_token: Opt(Str) }),
  artifactFile: Type.Object({ artifact_file_path: Opt(Str) }),
  logOutputs: Type.Object({
    run_id: Opt(Str),
    models: Opt(Type.Array(Type.Object({ model_id: Opt(Str), step: Opt(Int64) }))),
  }),
};

const KeyValueOut = Type.Array(Type.Object({ key: Str, value: Str }));

/** A metric logged against a model: MLflow 3's `Metric` with its model, run and dataset. */
const ModelMetricOut = Type.Object({
  key: Str,
  value: Type.Union([Type.Number(), Str]),
  timestamp: Type.Integer(),
  step: Type.Integer(),
  dataset_name: Opt(Str),
  dataset_digest: Opt(Str),
  model_id: Str,
  run_id: Str,
});

/** MLflow's `LoggedModel` on the wire: `info` and `data`. */
export const LoggedModelOut = Type.Object({
  info: Type.Object({
    model_id: Str,
    experiment_id: Str,
    name: Str,
    creation_timestamp_ms: Type.Integer(),
    last_updated_timestamp_ms: Type.Integer(),
    artifact_uri: Str,
    status: StringEnum(LOGGED_MODEL_STATUSES),
    model_type: Opt(Str),
    source_run_id: Opt(Str),
    status_message: Opt(Str),
    tags: Opt(KeyValueOut),
  }),
  data: Type.Object({ params: Opt(KeyValueOut), metrics: Opt(Type.Array(ModelMetricOut)) }),
});

/** Response schemas of the logged-model endpoints. */
export const LoggedModelResponses = {
  model: Type.Object({ model: LoggedModelOut }),
  search: Type.Object({ models: Opt(Type.Array(LoggedModelOut)), next_page_token: Opt(Str) }),
  artifacts: Type.Object({
    root_uri: Opt(Str),
    files: Opt(
      Type.Array(Type.Object({ path: Str, is_dir: Type.Boolean(), file_size: Opt(Type.Integer()) })),
    ),
    next_page_token: Opt(Str),
  }),
  empty: Type.Object({}),
};
