import { ASSESSMENT_SOURCE_TYPES, TRACE_STATES } from '@flowline/core';
import { type TSchema, type TUnsafe, Type } from '@sinclair/typebox';

// Request and response schemas of MLflow's trace endpoints (service.proto's v2 and v3 trace messages and
// assessments.proto). Requests are lenient where proto JSON is (enums by name or number, int64 as number or
// decimal string, unknown fields ignored); the checks MLflow makes with its own messages are the handlers'.
// Responses list every field the wire mappers in traces-wire.ts and traces-spans.ts write.

const Str = Type.String();
const Opt = <T extends TSchema>(schema: T) => Type.Optional(schema);
const Int64 = Type.Union([Type.Integer(), Type.String({ pattern: '^-?\\d+$' })]);
const EnumIn = Type.Union([Str, Type.Integer()]);
const StrMap = Type.Record(Str, Str);
const StringList = Type.Array(Str);
const KeyValueIn = Type.Object({ key: Opt(Str), value: Opt(Str) });
const StringEnum = <T extends string>(values: readonly T[]): TUnsafe<T> =>
  Type.Unsafe<T>({ type: 'string', enum: [...values] });

const TraceInfoIn = Type.Object({
  trace_id: Opt(Str),
  client_request_id: Opt(Str),
  trace_location: Opt(
    Type.Object({
      type: Opt(EnumIn),
      mlflow_experiment: Opt(Type.Object({ experiment_id: Opt(Str) })),
      inference_table: Opt(Type.Unknown()),
    }),
  ),
  request: Opt(Str),
  response: Opt(Str),
  request_preview: Opt(Str),
  response_preview: Opt(Str),
  request_time: Opt(Str),
  execution_duration: Opt(Str),
  state: Opt(EnumIn),
  trace_metadata: Opt(StrMap),
  assessments: Opt(Type.Array(Type.Unknown())),
  tags: Opt(StrMap),
});

const AssessmentIn = Type.Object({
  assessment_id: Opt(Str),
  assessment_name: Opt(Str),
  trace_id: Opt(Str),
  span_id: Opt(Str),
  source: Opt(Type.Object({ source_type: Opt(EnumIn), source_id: Opt(Str) })),
  create_time: Opt(Str),
  last_update_time: Opt(Str),
  feedback: Opt(
    Type.Object({
      value: Opt(Type.Unknown()),
      error: Opt(Type.Object({ error_code: Opt(Str), error_message: Opt(Str), stack_trace: Opt(Str) })),
    }),
  ),
  expectation: Opt(
    Type.Object({
      value: Opt(Type.Unknown()),
      serialized_value: Opt(Type.Object({ serialization_format: Opt(Str), value: Opt(Str) })),
    }),
  ),
  rationale: Opt(Str),
  metadata: Opt(StrMap),
  overrides: Opt(Str),
  valid: Opt(Type.Boolean()),
});

const DeleteTracesIn = Type.Object({
  experiment_id: Opt(Str),
  max_timestamp_millis: Opt(Int64),
  max_traces: Opt(Int64),
  request_ids: Opt(StringList),
});

/** Request schemas of the trace endpoints. */
export const TraceRequests = {
  /** `POST /traces`: v3's `{trace: {trace_info}}` under 3.0, v2's fields under 2.0 (one route, both bodies). */
  startTrace: Type.Object({
    trace: Opt(Type.Object({ trace_info: Opt(TraceInfoIn), spans: Opt(Type.Array(Type.Unknown())) })),
    experiment_id: Opt(Str),
    timestamp_ms: Opt(Int64),
    request_metadata: Opt(Type.Array(KeyValueIn)),
    tags: Opt(Type.Array(KeyValueIn)),
  }),
  endTrace: Type.Object({
    timestamp_ms: Opt(Int64),
    status: Opt(EnumIn),
    request_metadata: Opt(Type.Array(KeyValueIn)),
    tags: Opt(Type.Array(KeyValueIn)),
  }),
  none: Type.Object({}),
  // Python's requests writes a bool query value as "True", so booleans arrive in any case.
  getTrace: Type.Object({ trace_id: Opt(Str), allow_partial: Opt(Type.Union([Type.Boolean(), Str])) }),
  batchGet: Type.Object({ trace_ids: Opt(StringList) }),
  searchV3: Type.Object({
    locations: Opt(
      Type.Array(
        Type.Object({
          type: Opt(EnumIn),
          mlflow_experiment: Opt(Type.Object({ experiment_id: Opt(Str) })),
          inference_table: Opt(Type.Unknown()),
        }),
      ),
    ),
    filter: Opt(Str),
    max_results: Opt(Int64),
    order_by: Opt(StringList),
    page_token: Opt(Str),
  }),
  searchV2: Type.Object({
    experiment_ids: Opt(StringList),
    filter: Opt(Str),
    max_results: Opt(Int64),
    order_by: Opt(StringList),
    page_token: Opt(Str),
  }),
  deleteTraces: DeleteTracesIn,
  setTag: Type.Object({ key: Opt(Str), value: Opt(Str) }),
  deleteTag: Type.Object({ key: Opt(Str) }),
  linkToRun: Type.Object({ trace_ids: Opt(StringList), run_id: Opt(Str) }),
  linkPrompts: Type.Object({
    trace_id: Opt(Str),
    prompt_versions: Opt(
      Type.Array(Type.Object({ name: Opt(Str), version: Opt(Type.Union([Str, Type.Integer()])) })),
    ),
  }),
  createAssessment: Type.Object({ assessment: Opt(AssessmentIn) }),
  updateAssessment: Type.Object({ assessment: Opt(AssessmentIn), update_mask: Opt(Str) }),
};

/** An assessment's JSON (its feedback and expectation values are any JSON, so written as such). */
export const AssessmentOut = Type.Object({
  assessment_id: Str,
  assessment_name: Str,
  trace_id: Str,
  span_id: Opt(Str),
  source: Type.Object({ source_type: StringEnum(ASSESSMENT_SOURCE_TYPES), source_id: Opt(Str) }),
  create_time: Str,
  last_update_time: Str,
  feedback: Opt(
    Type.Object({
      value: Opt(Type.Unknown()),
      error: Opt(Type.Object({ error_code: Str, error_message: Opt(Str), stack_trace: Opt(Str) })),
    }),
  ),
  expectation: Opt(
    Type.Object({
      value: Opt(Type.Unknown()),
      serialized_value: Opt(Type.Object({ serialization_format: Str, value: Str })),
    }),
  ),
  rationale: Opt(Str),
  metadata: Opt(StrMap),
  overrides: Opt(Str),
  valid: Type.Boolean(),
});

const TraceInfoOut = Type.Object({
  trace_id: Str,
  client_request_id: Opt(Str),
  trace_location: Type.Object({
    type: Type.Literal('MLFLOW_EXPERIMENT'),
    mlflow_experiment: Type.Object({ experiment_id: Str }),
  }),
  request_preview: Opt(Str),
  response_preview: Opt(Str),
  request_time: Str,
  execution_duration: Opt(Str),
  state: StringEnum(TRACE_STATES),
  trace_metadata: Opt(StrMap),
  assessments: Opt(Type.Array(Type.Unknown())),
  tags: Opt(StrMap),
});

const KeyValueOut = Type.Object({ key: Str, value: Str });
const TraceInfoV2Out = Type.Object({
  request_id: Str,
  experiment_id: Str,
  timestamp_ms: Type.Integer(),
  execution_time_ms: Opt(Type.Integer()),
  status: StringEnum(['TRACE_STATUS_UNSPECIFIED', 'OK', 'ERROR', 'IN_PROGRESS'] as const),
  request_metadata: Opt(Type.Array(KeyValueOut)),
  tags: Opt(Type.Array(KeyValueOut)),
});

// Span times are int64 (fixed64) numbers beyond a double's precision: the serializer writes bigints exactly.
const Nanos = Type.Unsafe<bigint>({ type: 'integer' });
const Attributes = Opt(Type.Array(Type.Object({ key: Str, value: Type.Unknown() })));
const OtelSpanOut = Type.Object({
  trace_id: Str,
  span_id: Str,
  parent_span_id: Opt(Str),
  name: Opt(Str),
  start_time_unix_nano: Nanos,
  end_time_unix_nano: Opt(Nanos),
  attributes: Attributes,
  events: Opt(Type.Array(Type.Object({ time_unix_nano: Nanos, name: Str, attributes: Attributes }))),
  links: Opt(Type.Array(Type.Object({ trace_id: Str, span_id: Str, attributes: Attributes }))),
  status: Type.Object({ code: Opt(Str), message: Opt(Str) }),
});

const TraceOut = Type.Object({ trace_info: TraceInfoOut, spans: Opt(Type.Array(OtelSpanOut)) });

/** Response schemas of the trace endpoints. */
export const TraceResponses = {
  /** `POST /traces`: v3 answers `trace`, v2 `trace_info`. */
  startTrace: Type.Object({ trace: Opt(TraceOut), trace_info: Opt(TraceInfoV2Out) }),
  trace: Type.Object({ trace: TraceOut }),
  traces: Type.Object({ traces: Opt(Type.Array(TraceOut)) }),
  traceInfoV2: Type.Object({ trace_info: TraceInfoV2Out }),
  searchV3: Type.Object({ traces: Opt(Type.Array(TraceInfoOut)), next_page_token: Opt(Str) }),
  searchV2: Type.Object({ traces: Opt(Type.Array(TraceInfoV2Out)), next_page_token: Opt(Str) }),
  deleted: Type.Object({ traces_deleted: Type.Integer() }),
  assessment: Type.Object({ assessment: AssessmentOut }),
  empty: Type.Object({}),
};
