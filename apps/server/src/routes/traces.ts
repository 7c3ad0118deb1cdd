import type { AssessmentPatch, AssessmentUpdateField, TraceInfo } from '@flowline/core';
import { dumpMlflowJson, isMlflowError, MlflowError, TraceTagKey } from '@flowline/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { apiRoute, repeated } from '../api-route.js';
import { cappedIntOf, intOf, required } from '../inputs.js';
import { traceSpans } from './traces-data.js';
import { TraceRequests, TraceResponses } from './traces-schemas.js';
import { toOtelSpan } from './traces-spans.js';
import { traceStoreOf } from './traces-store.js';
import {
  fromWireAssessment,
  fromWireExpectation,
  fromWireFeedback,
  fromWireTraceInfo,
  mapOfPairs,
  toWireAssessment,
  toWireTraceInfo,
  toWireTraceInfoV2,
  traceStatusOf,
} from './traces-wire.js';

// MLflow's trace REST API. Each endpoint is served under the major version of its proto's `since`: the v3
// ones under /api/3.0 and /ajax-api/3.0, the v2 ones (and LinkTracesToRun) under 2.0. `POST /traces` and
// `POST /traces/delete-traces` exist under both, the first with a different body per version.

/** The search page size MLflow's handlers allow (`_assert_less_than_or_equal(…, 500)`). */
const MAX_SEARCH_RESULTS = 500;
/** How many traces one LinkTracesToRun call may name. */
const MAX_LINKED_TRACES = 100;

const traces = (request: FastifyRequest) => traceStoreOf(request.server.store);
const pathParam = (request: FastifyRequest, name: string): string =>
  required((request.params as Record<string, string | undefined>)[name], name);
/** A required message field, with MLflow's message when it is missing. */
function present<T>(value: T | undefined, name: string): T {
  if (value === undefined) required(undefined, name);
  return value as T;
}
/** A bool query parameter: `true`/`false` in any case (Python sends `True`), or 1/0; absent is false. */
function boolOf(value: boolean | string | undefined, name: string): boolean {
  if (value === undefined || typeof value === 'boolean') return value ?? false;
  if (/^(true|1)$/i.test(value)) return true;
  if (/^(false|0)$/i.test(value)) return false;
  throw MlflowError.invalidParameterValue(
    `Invalid value '${value}' for parameter '${name}': it must be true or false.`,
  );
}
/** Whether the request came in under a 3.0 prefix. */
const isV3Request = (request: FastifyRequest): boolean =>
  /^\/(?:api|ajax-api)\/3\.0\//.test(request.routeOptions.url ?? request.url);

async function traceWithSpans(server: FastifyInstance, info: TraceInfo, allowPartial: boolean) {
  const spans = await traceSpans(server, traceStoreOf(server.store), info, allowPartial);
  return { trace_info: toWireTraceInfo(info), spans: spans ? repeated(spans, toOtelSpan) : undefined };
}

/** A DELETE's `key`: the JSON body's, else the query string's (clients that send DELETE without a body). */
function deleteKey(input: { key?: string }, request: FastifyRequest): string {
  return required(input.key || (request.query as { key?: string } | undefined)?.key, 'key');
}

/** One page of a trace search, as both API versions ask for it (their answers differ in shape only). */
function searchPage(
  request: FastifyRequest,
  experimentIds: string[],
  input: { filter?: string; order_by?: string[]; max_results?: number | string; page_token?: string },
) {
  return traces(request).searchTraces({
    experimentIds,
    filter: input.filter || undefined,
    orderBy: input.order_by,
    maxResults: cappedIntOf(request, input.max_results, 'max_results', MAX_SEARCH_RESULTS),
    pageToken: input.page_token || undefined,
  });
}

/** SetTraceTag (v3 names the trace `trace_id`, v2 `request_id`). */
async function setTag(request: FastifyRequest, param: string, input: { key?: string; value?: string }) {
  await traces(request).setTraceTag(pathParam(request, param), required(input.key, 'key'), input.value ?? '');
  return {};
}

/** DeleteTraceTag, under either version's path parameter. */
async function deleteTag(request: FastifyRequest, param: string, input: { key?: string }) {
  await traces(request).deleteTraceTag(pathParam(request, param), deleteKey(input, request));
  return {};
}

/** Endpoints MLflow serves under both 2.0 and 3.0. */
export const sharedTraceRoutes = [
  apiRoute({
    method: 'POST',
    url: '/traces',
    schema: { request: TraceRequests.startTrace, response: TraceResponses.startTrace },
    handler: async (input, request) => {
      if (isV3Request(request)) {
        // StartTraceV3: the client made the trace; the store keeps it as given.
        const trace = present(input.trace, 'trace');
        const info = await traces(request).startTrace(fromWireTraceInfo(trace.trace_info));
        return { trace: { trace_info: toWireTraceInfo(info) } };
      }
      const info = await traces(request).startTraceV2({
        experimentId: required(input.experiment_id, 'experiment_id'),
        timestampMs: intOf(input.timestamp_ms, 'timestamp_ms') ?? Date.now(),
        requestMetadata: mapOfPairs(input.request_metadata, 'request_metadata'),
        tags: mapOfPairs(input.tags, 'tags'),
      });
      return { trace_info: toWireTraceInfoV2(info) };
    },
  }),

  apiRoute({
    method: 'POST',
    url: '/traces/delete-traces',
    schema: { request: TraceRequests.deleteTraces, response: TraceResponses.deleted },
    handler: async (input, request) => {
      const deleted = await traces(request).deleteTraces({
        experimentId: required(input.experiment_id, 'experiment_id'),
        maxTimestampMillis: intOf(input.max_timestamp_millis, 'max_timestamp_millis'),
        maxTraces: intOf(input.max_traces, 'max_traces'),
        traceIds: input.request_ids,
      });
      return { traces_deleted: deleted };
    },
  }),
];

const ASSESSMENT_FIELDS: readonly AssessmentUpdateField[] = [
  'assessment_name',
  'expectation',
  'feedback',
  'rationale',
  'metadata',
  'valid',
];

/** A FieldMask's JSON form (`"rationale,metadata"`, paths in lowerCamelCase or snake_case) as field names. */
function updateMaskOf(mask: string): AssessmentUpdateField[] {
  const paths = mask
    .split(',')
    .map((p) => p.trim().replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`))
    .filter((p) => p !== '');
  // As MLflow's handler: paths it does not know are ignored.
  return ASSESSMENT_FIELDS.filter((field) => paths.includes(field));
}

/** MLflow 3's trace endpoints (under 3.0 only). */
export const traceV3Routes = [
  apiRoute({
    method: 'GET',
    url: '/traces/get',
    schema: { request: TraceRequests.getTrace, response: TraceResponses.trace },
    handler: async (input, request) => {
      const info = await traces(request).getTraceInfo(required(input.trace_id, 'trace_id'));
      return {
        trace: await traceWithSpans(request.server, info, boolOf(input.allow_partial, 'allow_partial')),
      };
    },
  }),

  apiRoute({
    method: 'GET',
    url: '/traces/batchGet',
    schema: { request: TraceRequests.batchGet, response: TraceResponses.traces },
    handler: async (input, request) => {
      const ids = input.trace_ids ?? [];
      if (ids.length === 0) required(undefined, 'trace_ids');
      const infos = await traces(request).batchGetTraceInfos(ids);
      const found = [];
      for (const info of infos) {
        // As MLflow's store: a trace whose spans are not all stored yet is left out, not half answered.
        try {
          found.push(await traceWithSpans(request.server, info, false));
        } catch (e) {
          if (!isMlflowError(e) || e.errorCode !== 'RESOURCE_DOES_NOT_EXIST') throw e;
        }
      }
      return { traces: repeated(found) };
    },
  }),

  apiRoute({
    method: 'GET',
    url: '/traces/:trace_id',
    schema: { request: TraceRequests.none, response: TraceResponses.trace },
    handler: async (_input, request) => {
      const info = await traces(request).getTraceInfo(pathParam(request, 'trace_id'));
      return { trace: { trace_info: toWireTraceInfo(info) } };
    },
  }),

  apiRoute({
    method: 'POST',
    url: '/traces/search',
    schema: { request: TraceRequests.searchV3, response: TraceResponses.searchV3 },
    handler: async (input, request) => {
      const locations = input.locations ?? [];
      if (locations.length === 0) required(undefined, 'locations');
      const experimentIds = locations.flatMap((l) =>
        l.mlflow_experiment?.experiment_id ? [l.mlflow_experiment.experiment_id] : [],
      );
      if (experimentIds.length === 0) {
        throw MlflowError.invalidParameterValue(
          'This server searches traces in MLflow experiments only: give \'locations\' as [{"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": ...}}].',
        );
      }
      const page = await searchPage(request, experimentIds, input);
      return { traces: repeated(page.items, toWireTraceInfo), next_page_token: page.nextPageToken };
    },
  }),

  apiRoute({
    method: 'PATCH',
    url: '/traces/:trace_id/tags',
    schema: { request: TraceRequests.setTag, response: TraceResponses.empty },
    handler: (input, request) => setTag(request, 'trace_id', input),
  }),

  apiRoute({
    method: 'DELETE',
    url: '/traces/:trace_id/tags',
    schema: { request: TraceRequests.deleteTag, response: TraceResponses.empty },
    handler: (input, request) => deleteTag(request, 'trace_id', input),
  }),

  apiRoute({
    method: 'POST',
    url: '/traces/:trace_id/assessments',
    schema: { request: TraceRequests.createAssessment, response: TraceResponses.assessment },
    handler: async (input, request) => {
      const traceId = pathParam(request, 'trace_id');
      const created = await traces(request).createAssessment(fromWireAssessment(input.assessment, traceId));
      return { assessment: toWireAssessment(created) };
    },
  }),

  apiRoute({
    method: 'GET',
    url: '/traces/:trace_id/assessments/:assessment_id',
    schema: { request: TraceRequests.none, response: TraceResponses.assessment },
    handler: async (_input, request) => {
      const found = await traces(request).getAssessment(
        pathParam(request, 'trace_id'),
        pathParam(request, 'assessment_id'),
      );
      return { assessment: toWireAssessment(found) };
    },
  }),

  apiRoute({
    method: 'PATCH',
    url: '/traces/:trace_id/assessments/:assessment_id',
    schema: { request: TraceRequests.updateAssessment, response: TraceResponses.assessment },
    handler: async (input, request) => {
      const assessment = present(input.assessment, 'assessment');
      const mask = updateMaskOf(required(input.update_mask, 'update_mask'));
      const patch: AssessmentPatch = {};
      if (mask.includes('assessment_name'))
        patch.name = required(assessment.assessment_name, 'assessment.assessment_name');
      if (mask.includes('feedback') && assessment.feedback)
        patch.feedback = fromWireFeedback(assessment.feedback, 'assessment.feedback');
      if (mask.includes('expectation') && assessment.expectation)
        patch.expectation = fromWireExpectation(assessment.expectation, 'assessment.expectation');
      if (mask.includes('rationale')) patch.rationale = assessment.rationale;
      if (mask.includes('metadata')) patch.metadata = assessment.metadata ?? {};
      if (mask.includes('valid')) patch.valid = assessment.valid;
      const updated = await traces(request).updateAssessment(
        pathParam(request, 'trace_id'),
        pathParam(request, 'assessment_id'),
        patch,
        mask,
      );
      return { assessment: toWireAssessment(updated) };
    },
  }),

  apiRoute({
    method: 'DELETE',
    url: '/traces/:trace_id/assessments/:assessment_id',
    schema: { request: TraceRequests.none, response: TraceResponses.empty },
    handler: async (_input, request) => {
      await traces(request).deleteAssessment(
        pathParam(request, 'trace_id'),
        pathParam(request, 'assessment_id'),
      );
      return {};
    },
  }),
];

/** MLflow 2's trace endpoints, LinkTracesToRun and LinkPromptsToTrace (under 2.0 only). */
export const traceV2Routes = [
  apiRoute({
    method: 'PATCH',
    url: '/traces/:request_id',
    schema: { request: TraceRequests.endTrace, response: TraceResponses.traceInfoV2 },
    handler: async (input, request) => {
      const info = await traces(request).endTraceV2(pathParam(request, 'request_id'), {
        timestampMs: intOf(input.timestamp_ms, 'timestamp_ms') ?? Date.now(),
        status: present(traceStatusOf(input.status), 'status'),
        requestMetadata: mapOfPairs(input.request_metadata, 'request_metadata'),
        tags: mapOfPairs(input.tags, 'tags'),
      });
      return { trace_info: toWireTraceInfoV2(info) };
    },
  }),

  apiRoute({
    method: 'GET',
    url: '/traces/:request_id/info',
    schema: { request: TraceRequests.none, response: TraceResponses.traceInfoV2 },
    handler: async (_input, request) => {
      const info = await traces(request).getTraceInfo(pathParam(request, 'request_id'));
      return { trace_info: toWireTraceInfoV2(info) };
    },
  }),

  apiRoute({
    method: 'GET',
    url: '/traces',
    schema: { request: TraceRequests.searchV2, response: TraceResponses.searchV2 },
    handler: async (input, request) => {
      const experimentIds = input.experiment_ids ?? [];
      if (experimentIds.length === 0) required(undefined, 'experiment_ids');
      const page = await searchPage(request, experimentIds, input);
      return { traces: repeated(page.items, toWireTraceInfoV2), next_page_token: page.nextPageToken };
    },
  }),

  apiRoute({
    method: 'PATCH',
    url: '/traces/:request_id/tags',
    schema: { request: TraceRequests.setTag, response: TraceResponses.empty },
    handler: (input, request) => setTag(request, 'request_id', input),
  }),

  apiRoute({
    method: 'DELETE',
    url: '/traces/:request_id/tags',
    schema: { request: TraceRequests.deleteTag, response: TraceResponses.empty },
    handler: (input, request) => deleteTag(request, 'request_id', input),
  }),

  apiRoute({
    method: 'POST',
    url: '/traces/link-to-run',
    schema: { request: TraceRequests.linkToRun, response: TraceResponses.empty },
    handler: async (input, request) => {
      const ids = input.trace_ids ?? [];
      if (ids.length === 0) required(undefined, 'trace_ids');
      if (ids.length > MAX_LINKED_TRACES) {
        throw MlflowError.invalidParameterValue(
          `Cannot link more than ${MAX_LINKED_TRACES} traces to a run in a single request. Provided ${ids.length} traces.`,
        );
      }
      await traces(request).linkTracesToRun(ids, required(input.run_id, 'run_id'));
      return {};
    },
  }),

  apiRoute({
    method: 'POST',
    url: '/traces/link-prompts',
    schema: { request: TraceRequests.linkPrompts, response: TraceResponses.empty },
    handler: async (input, request) => {
      const traceId = required(input.trace_id, 'trace_id');
      const store = traces(request);
      const info = await store.getTraceInfo(traceId);
      // As MLflow: the trace's `mlflow.linkedPrompts` tag lists each prompt version once.
      const linked = linkedPromptsOf(info.tags[TraceTagKey.LINKED_PROMPTS]);
      for (const [i, ref] of (input.prompt_versions ?? []).entries()) {
        const name = required(ref.name, `prompt_versions[${i}].name`);
        const version = required(
          ref.version === undefined ? undefined : String(ref.version),
          `prompt_versions[${i}].version`,
        );
        if (!linked.some((p) => p.name === name && p.version === version)) linked.push({ name, version });
      }
      await store.setTraceTag(traceId, TraceTagKey.LINKED_PROMPTS, dumpMlflowJson(linked, { ascii: true }));
      return {};
    },
  }),
];

/** The prompt versions a trace's `mlflow.linkedPrompts` tag lists (none when absent or unreadable). */
function linkedPromptsOf(tag: string | undefined): { name: string; version: string }[] {
  if (!tag) return [];
  try {
    const parsed = JSON.parse(tag) as unknown;
    return Array.isArray(parsed)
      ? parsed
          .filter((p): p is { name: unknown; version: unknown } => typeof p === 'object' && p !== null)
          .map((p) => ({ name: String(p.name), version: String(p.version) }))
      : [];
  } catch {
    return [];
  }
}
