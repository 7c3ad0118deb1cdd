import {
  ASSESSMENT_SOURCE_TYPES,
  type Assessment,
  type AssessmentSourceType,
  type CreateAssessmentInput,
  dumpMlflowJson,
  type Expectation,
  type Feedback,
  MlflowError,
  type StartTraceInput,
  TRACE_STATES,
  type TraceInfo,
  type TraceState,
} from '@flowline/core';
import { required } from '../inputs.js';

// MLflow's trace wire shapes (service.proto's TraceInfoV3 / TraceInfo and assessments.proto), as its
// `message_to_json` writes them: field names kept, unset fields and empty lists and maps left out, enums by
// name, int64 as JSON numbers, Timestamp as RFC 3339 and Duration as seconds with an `s`.

/** A Timestamp as protobuf's JSON mapping writes it: UTC, with no fraction or exactly 3 digits for ms. */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** A Duration as protobuf's JSON mapping writes it (`1.500s`, `2s`). */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  const seconds = Math.floor(abs / 1000);
  const rest = abs % 1000;
  return rest === 0 ? `${sign}${seconds}s` : `${sign}${seconds}.${String(rest).padStart(3, '0')}s`;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/** Unix ms of a Timestamp in JSON form (any fraction length, any offset), as protobuf parses it. */
export function parseTimestamp(value: unknown, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !RFC3339.test(value)) {
    throw MlflowError.invalidParameterValue(
      `Invalid value ${JSON.stringify(value)} for parameter '${name}': it must be an RFC 3339 timestamp such as "2025-06-15T14:07:41.282Z".`,
    );
  }
  // Date keeps milliseconds; protobuf's ToMilliseconds floors the nanoseconds the same way.
  const fraction = /\.(\d+)/.exec(value)?.[1] ?? '';
  const base = Date.parse(value.replace(/\.\d+/, ''));
  if (Number.isNaN(base)) {
    throw MlflowError.invalidParameterValue(`Invalid value "${value}" for parameter '${name}': not a date.`);
  }
  return base + Number(fraction.padEnd(3, '0').slice(0, 3));
}

const DURATION = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;

/** Milliseconds of a Duration in JSON form (`"1.5s"`, `"0.100s"`), floored as protobuf's ToMilliseconds. */
export function parseDuration(value: unknown, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const match = typeof value === 'string' ? DURATION.exec(value) : null;
  // JavaScript writes tiny numbers in exponent form, so the TS SDK's `${ms / 1000}s` can be "5e-7s".
  const exponent = typeof value === 'string' && /^-?\d+(\.\d+)?e[+-]?\d+s$/i.test(value);
  if (exponent) return Math.trunc(Number((value as string).slice(0, -1)) * 1000);
  if (!match) {
    throw MlflowError.invalidParameterValue(
      `Invalid value ${JSON.stringify(value)} for parameter '${name}': it must be a duration in seconds such as "1.500s".`,
    );
  }
  const ms = Number(match[2]) * 1000 + Number((match[3] ?? '').padEnd(3, '0').slice(0, 3));
  return match[1] ? -ms : ms;
}

/** An enum field given by name or proto number. */
function enumOf<T extends string>(values: readonly T[], value: unknown, name: string): T | undefined {
  if (value === undefined || value === '') return undefined;
  const found = typeof value === 'number' ? values[value] : values.find((v) => v === value);
  if (found === undefined) {
    throw MlflowError.invalidParameterValue(
      `Invalid value ${JSON.stringify(value)} for parameter '${name}': it must be one of ${values.join(', ')}.`,
    );
  }
  return found;
}

/** A v3 `state`, by name or number. */
export const traceStateOf = (value: unknown, name = 'state'): TraceState | undefined =>
  enumOf(TRACE_STATES, value, name);

/** MLflow 2's `TraceStatus` names, in proto order; they map one to one onto `TraceState`. */
const TRACE_STATUSES = ['TRACE_STATUS_UNSPECIFIED', 'OK', 'ERROR', 'IN_PROGRESS'] as const;
type TraceStatus = (typeof TRACE_STATUSES)[number];

/** A v2 `status` (name or number) as a state. */
export function traceStatusOf(value: unknown, name = 'status'): TraceState | undefined {
  const status = enumOf(TRACE_STATUSES, value, name);
  return status === undefined ? undefined : TRACE_STATES[TRACE_STATUSES.indexOf(status)];
}

const truncate = (text: string, max: number) => (text.length > max ? text.slice(0, max) : text);
const limitMap = (map: Record<string, string>, keyMax: number, valueMax: number) =>
  Object.fromEntries(Object.entries(map).map(([k, v]) => [truncate(k, keyMax), truncate(v, valueMax)]));
const nonEmptyMap = (map: Record<string, string>) => (Object.keys(map).length > 0 ? map : undefined);

// MLflow's TraceInfo.to_proto truncates what it sends (MAX_CHARS_IN_TRACE_INFO_METADATA and _TAGS_VALUE).
const metadataOut = (map: Record<string, string>) => nonEmptyMap(limitMap(map, 250, 250));
const tagsOut = (map: Record<string, string>) => nonEmptyMap(limitMap(map, 250, 4096));

/** MLflow's `TraceInfoV3` JSON. */
export interface WireTraceInfo {
  trace_id: string;
  client_request_id?: string;
  trace_location: { type: 'MLFLOW_EXPERIMENT'; mlflow_experiment: { experiment_id: string } };
  request_preview?: string;
  response_preview?: string;
  request_time: string;
  execution_duration?: string;
  state: TraceState;
  trace_metadata?: Record<string, string>;
  assessments?: WireAssessment[];
  tags?: Record<string, string>;
}

/** A trace info as MLflow 3's `TraceInfoV3` JSON. */
export function toWireTraceInfo(info: TraceInfo): WireTraceInfo {
  return {
    trace_id: info.traceId,
    client_request_id: info.clientRequestId,
    trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: info.experimentId } },
    request_preview: info.requestPreview,
    response_preview: info.responsePreview,
    request_time: formatTimestamp(info.requestTime),
    execution_duration:
      info.executionDuration === undefined ? undefined : formatDuration(info.executionDuration),
    state: info.state,
    trace_metadata: metadataOut(info.traceMetadata),
    assessments: info.assessments.length > 0 ? info.assessments.map(toWireAssessment) : undefined,
    tags: tagsOut(info.tags),
  };
}

/** MLflow 2's `TraceInfo` JSON. */
export interface WireTraceInfoV2 {
  request_id: string;
  experiment_id: string;
  timestamp_ms: number;
  execution_time_ms?: number;
  status: TraceStatus;
  request_metadata?: { key: string; value: string }[];
  tags?: { key: string; value: string }[];
}

const pairs = (map: Record<string, string> | undefined) =>
  map ? Object.entries(map).map(([key, value]) => ({ key, value })) : undefined;

/** A trace info as MLflow 2's `TraceInfo` JSON (`TraceInfoV2.from_v3`). */
export function toWireTraceInfoV2(info: TraceInfo): WireTraceInfoV2 {
  return {
    request_id: info.traceId,
    experiment_id: info.experimentId,
    timestamp_ms: info.requestTime,
    execution_time_ms: info.executionDuration,
    status: TRACE_STATUSES[TRACE_STATES.indexOf(info.state)] ?? 'TRACE_STATUS_UNSPECIFIED',
    request_metadata: pairs(metadataOut(info.traceMetadata)),
    tags: pairs(tagsOut(info.tags)),
  };
}

/** A `[{key, value}]` list as a map (later keys win, as MLflow's dict building). */
export function mapOfPairs(
  list: readonly { key?: string; value?: string }[] | undefined,
  name: string,
): Record<string, string> | undefined {
  if (list === undefined) return undefined;
  const out: Record<string, string> = {};
  list.forEach((pair, i) => {
    out[required(pair.key, `${name}[${i}].key`)] = pair.value ?? '';
  });
  return out;
}

/** What a v3 `trace_info` carries on the wire. */
export interface TraceInfoIn {
  trace_id?: string;
  client_request_id?: string;
  trace_location?: {
    type?: string | number;
    mlflow_experiment?: { experiment_id?: string };
    inference_table?: unknown;
  };
  request_preview?: string;
  response_preview?: string;
  request_time?: string;
  execution_duration?: string;
  state?: string | number;
  trace_metadata?: Record<string, string>;
  tags?: Record<string, string>;
}

/** The store's input for a v3 `trace_info` (MLflow's `TraceInfo.from_proto`). */
export function fromWireTraceInfo(wire: TraceInfoIn | undefined): StartTraceInput {
  const at = 'trace.trace_info';
  if (wire === undefined) required(undefined, at);
  const info = wire as TraceInfoIn;
  const location = info.trace_location;
  const type = location?.type ?? (location?.mlflow_experiment ? 'MLFLOW_EXPERIMENT' : undefined);
  if (type !== 'MLFLOW_EXPERIMENT' && type !== 1) {
    throw MlflowError.invalidParameterValue(
      `This server keeps traces in MLflow experiments only: '${at}.trace_location' must be {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": ...}}, got ${JSON.stringify(location ?? null)}.`,
    );
  }
  return {
    traceId: required(info.trace_id, `${at}.trace_id`),
    experimentId: required(
      location?.mlflow_experiment?.experiment_id,
      `${at}.trace_location.mlflow_experiment.experiment_id`,
    ),
    clientRequestId: info.client_request_id,
    requestPreview: info.request_preview,
    responsePreview: info.response_preview,
    requestTime: parseTimestamp(info.request_time, `${at}.request_time`) ?? 0,
    executionDuration: parseDuration(info.execution_duration, `${at}.execution_duration`),
    state: traceStateOf(info.state, `${at}.state`) ?? 'STATE_UNSPECIFIED',
    traceMetadata: info.trace_metadata,
    tags: info.tags,
  };
}

/** MLflow's `Assessment` JSON. */
export interface WireAssessment {
  assessment_id: string;
  assessment_name: string;
  trace_id: string;
  span_id?: string;
  source: { source_type: AssessmentSourceType; source_id?: string };
  create_time: string;
  last_update_time: string;
  feedback?: {
    value?: unknown;
    error?: { error_code: string; error_message?: string; stack_trace?: string };
  };
  expectation?: { value?: unknown; serialized_value?: { serialization_format: string; value: string } };
  rationale?: string;
  metadata?: Record<string, string>;
  overrides?: string;
  valid: boolean;
}

const isPrimitive = (v: unknown) => ['string', 'number', 'boolean'].includes(typeof v);

function expectationOut(expectation: Expectation): WireAssessment['expectation'] {
  // As MLflow's Expectation.to_proto: primitives as a Value, anything else as `json.dumps` (ASCII) JSON.
  return isPrimitive(expectation.value)
    ? { value: expectation.value }
    : {
        serialized_value: {
          serialization_format: 'JSON_FORMAT',
          value: dumpMlflowJson(expectation.value, { ascii: true }),
        },
      };
}

/** An assessment as MLflow's `Assessment` JSON. */
export function toWireAssessment(a: Assessment): WireAssessment {
  return {
    assessment_id: a.assessmentId,
    assessment_name: a.name,
    trace_id: a.traceId,
    span_id: a.spanId,
    source: { source_type: a.source.sourceType, source_id: a.source.sourceId || undefined },
    create_time: formatTimestamp(a.createTime),
    last_update_time: formatTimestamp(a.lastUpdateTime),
    feedback: a.feedback
      ? {
          value: a.feedback.value ?? undefined,
          error: a.feedback.error
            ? {
                error_code: a.feedback.error.errorCode,
                error_message: a.feedback.error.errorMessage,
                stack_trace: a.feedback.error.stackTrace,
              }
            : undefined,
        }
      : undefined,
    expectation: a.expectation ? expectationOut(a.expectation) : undefined,
    rationale: a.rationale,
    metadata: nonEmptyMap(a.metadata),
    overrides: a.overrides || undefined,
    valid: a.valid,
  };
}

/** What an `assessment` carries on the wire. */
export interface AssessmentIn {
  assessment_id?: string;
  assessment_name?: string;
  trace_id?: string;
  span_id?: string;
  source?: { source_type?: string | number; source_id?: string };
  create_time?: string;
  last_update_time?: string;
  feedback?: {
    value?: unknown;
    error?: { error_code?: string; error_message?: string; stack_trace?: string };
  };
  expectation?: { value?: unknown; serialized_value?: { serialization_format?: string; value?: string } };
  rationale?: string;
  metadata?: Record<string, string>;
  overrides?: string;
  valid?: boolean;
}

/** A wire feedback as the store's (MLflow: a feedback needs a value or an error). */
export function fromWireFeedback(wire: NonNullable<AssessmentIn['feedback']>, at: string): Feedback {
  const error = wire.error
    ? {
        errorCode: required(wire.error.error_code, `${at}.error.error_code`),
        errorMessage: wire.error.error_message,
        stackTrace: wire.error.stack_trace,
      }
    : undefined;
  if (wire.value === undefined && !error) {
    throw MlflowError.invalidParameterValue(`Either '${at}.value' or '${at}.error' must be provided.`);
  }
  return { value: wire.value ?? null, ...(error ? { error } : {}) };
}

/** A wire expectation as the store's: its value, or its JSON `serialized_value` decoded. */
export function fromWireExpectation(wire: NonNullable<AssessmentIn['expectation']>, at: string): Expectation {
  const serialized = wire.serialized_value;
  if (serialized !== undefined) {
    if (serialized.serialization_format !== 'JSON_FORMAT') {
      throw MlflowError.invalidParameterValue(
        `Unknown expectation serialization format ${JSON.stringify(serialized.serialization_format ?? null)} in '${at}.serialized_value': only JSON_FORMAT is supported.`,
      );
    }
    try {
      return { value: JSON.parse(serialized.value ?? 'null') };
    } catch (cause) {
      throw MlflowError.invalidParameterValue(`'${at}.serialized_value.value' is not valid JSON.`, { cause });
    }
  }
  if (wire.value === undefined) {
    throw MlflowError.invalidParameterValue(
      `Either '${at}.value' or '${at}.serialized_value' must be provided.`,
    );
  }
  return { value: wire.value };
}

/** The run an assessment was made in, as MLflow reads it from its metadata. */
const SOURCE_RUN_KEY = 'mlflow.assessment.sourceRunId';

/** The store's input for `CreateAssessment` (the path's trace id wins over the body's, as MLflow). */
export function fromWireAssessment(wire: AssessmentIn | undefined, traceId: string): CreateAssessmentInput {
  if (wire === undefined) required(undefined, 'assessment');
  const a = wire as AssessmentIn;
  const hasFeedback = a.feedback !== undefined;
  if (hasFeedback === (a.expectation !== undefined)) {
    throw MlflowError.invalidParameterValue(
      "An assessment must have exactly one of 'assessment.feedback' and 'assessment.expectation'.",
    );
  }
  const sourceType = enumOf(ASSESSMENT_SOURCE_TYPES, a.source?.source_type, 'assessment.source.source_type');
  return {
    assessmentId: a.assessment_id || undefined,
    traceId,
    name: required(a.assessment_name, 'assessment.assessment_name'),
    source: { sourceType: sourceType ?? 'SOURCE_TYPE_UNSPECIFIED', sourceId: a.source?.source_id ?? '' },
    spanId: a.span_id || undefined,
    runId: a.metadata?.[SOURCE_RUN_KEY] || undefined,
    createTime: parseTimestamp(a.create_time, 'assessment.create_time'),
    lastUpdateTime: parseTimestamp(a.last_update_time, 'assessment.last_update_time'),
    ...(a.feedback ? { feedback: fromWireFeedback(a.feedback, 'assessment.feedback') } : {}),
    ...(a.expectation ? { expectation: fromWireExpectation(a.expectation, 'assessment.expectation') } : {}),
    rationale: a.rationale,
    metadata: a.metadata,
    overrides: a.overrides || undefined,
    valid: a.valid,
  };
}
