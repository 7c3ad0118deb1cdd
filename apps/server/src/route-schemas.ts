import type { Static } from '@sinclair/typebox';
import { ArtifactRequests, RegistryRequests, Requests, Responses, Untyped } from './schemas.js';

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
  'GET /artifacts/list': { input: ArtifactRequests.runPath, output: Untyped },
  'GET /registered-models/search': { input: RegistryRequests.search, output: Untyped },
  'GET /registered-models/get': { input: RegistryRequests.model, output: Untyped },
  'PATCH /registered-models/update': { input: RegistryRequests.updateModel, output: Untyped },
  'POST /registered-models/alias': { input: RegistryRequests.setAlias, output: Untyped },
  'DELETE /registered-models/alias': { input: RegistryRequests.alias, output: Untyped },
  'POST /registered-models/set-tag': { input: RegistryRequests.setModelTag, output: Untyped },
  'DELETE /registered-models/delete-tag': { input: RegistryRequests.deleteModelTag, output: Untyped },
  'GET /model-versions/search': { input: RegistryRequests.search, output: Untyped },
  'GET /model-versions/get': { input: RegistryRequests.version, output: Untyped },
  'PATCH /model-versions/update': { input: RegistryRequests.updateVersion, output: Untyped },
  'POST /model-versions/set-tag': { input: RegistryRequests.setVersionTag, output: Untyped },
  'DELETE /model-versions/delete-tag': { input: RegistryRequests.deleteVersionTag, output: Untyped },
  'POST /model-versions/transition-stage': { input: RegistryRequests.transitionStage, output: Untyped },
} as const;

/** An endpoint of `ROUTE_SCHEMAS`, as 'VERB /path'. */
export type RouteKey = keyof typeof ROUTE_SCHEMAS;
/** What an endpoint accepts (query string for GET, JSON body otherwise). */
export type RouteInput<K extends RouteKey> = Static<(typeof ROUTE_SCHEMAS)[K]['input']>;
/** What an endpoint answers (`unknown` where the route declares no response schema). */
export type RouteOutput<K extends RouteKey> = (typeof ROUTE_SCHEMAS)[K]['output'] extends typeof Untyped
  ? unknown
  : Static<(typeof ROUTE_SCHEMAS)[K]['output']>;
