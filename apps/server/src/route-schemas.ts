import type { Static } from '@sinclair/typebox';
import {
  ArtifactRequests,
  ArtifactResponses,
  RegistryRequests,
  RegistryResponses,
  Requests,
  Responses,
} from './schemas.js';

/**
 * The request and response schemas of the endpoints clients type their calls from (the web UI), by
 * 'VERB /path' under the API prefixes: the very objects the routes are registered with, which
 * `test/route-schemas.test.ts` checks. Add an entry when a client starts calling another endpoint.
 */
export const ROUTE_SCHEMAS = {
  'POST /experiments/search': { input: Requests.searchExperiments, output: Responses.experiments },
  'POST /experiments/create': { input: Requests.createExperiment, output: Responses.createExperiment },
  'POST /experiments/update': { input: Requests.updateExperiment, output: Responses.empty },
  'POST /experiments/delete': { input: Requests.experimentId, output: Responses.empty },
  'GET /experiments/get': { input: Requests.experimentId, output: Responses.experiment },
  'POST /runs/search': { input: Requests.searchRuns, output: Responses.runs },
  'GET /runs/get': { input: Requests.runId, output: Responses.run },
  'POST /runs/set-tag': { input: Requests.setTag, output: Responses.empty },
  'GET /metrics/get-history-bulk-interval': { input: Requests.bulkInterval, output: Responses.metrics },
  'GET /artifacts/list': { input: ArtifactRequests.runPath, output: ArtifactResponses.list },
  'GET /registered-models/search': { input: RegistryRequests.search, output: RegistryResponses.models },
  'GET /registered-models/get': { input: RegistryRequests.model, output: RegistryResponses.model },
  'PATCH /registered-models/update': { input: RegistryRequests.updateModel, output: RegistryResponses.model },
  'POST /registered-models/alias': { input: RegistryRequests.setAlias, output: RegistryResponses.empty },
  'DELETE /registered-models/alias': { input: RegistryRequests.alias, output: RegistryResponses.empty },
  'POST /registered-models/set-tag': { input: RegistryRequests.setModelTag, output: RegistryResponses.empty },
  'DELETE /registered-models/delete-tag': {
    input: RegistryRequests.deleteModelTag,
    output: RegistryResponses.empty,
  },
  'GET /model-versions/search': { input: RegistryRequests.search, output: RegistryResponses.versions },
  'GET /model-versions/get': { input: RegistryRequests.version, output: RegistryResponses.version },
  'PATCH /model-versions/update': {
    input: RegistryRequests.updateVersion,
    output: RegistryResponses.version,
  },
  'POST /model-versions/set-tag': { input: RegistryRequests.setVersionTag, output: RegistryResponses.empty },
  'DELETE /model-versions/delete-tag': {
    input: RegistryRequests.deleteVersionTag,
    output: RegistryResponses.empty,
  },
  'POST /model-versions/transition-stage': {
    input: RegistryRequests.transitionStage,
    output: RegistryResponses.version,
  },
} as const;

/** An endpoint of `ROUTE_SCHEMAS`, as 'VERB /path'. */
export type RouteKey = keyof typeof ROUTE_SCHEMAS;
/** What an endpoint accepts (query string for GET, JSON body otherwise). */
export type RouteInput<K extends RouteKey> = Static<(typeof ROUTE_SCHEMAS)[K]['input']>;
/** What an endpoint answers: the static type of its response schema. */
export type RouteOutput<K extends RouteKey> = Static<(typeof ROUTE_SCHEMAS)[K]['output']>;
