import type { Static, TSchema } from '@sinclair/typebox';
import { type ApiRoute, verbsOf } from '../api-route.js';
import { experimentRoutes } from './experiments.js';
import { loggedModelRoutes } from './logged-models.js';
import { ajaxMetricRoutes, metricRoutes } from './metrics.js';
import { promptlabRoutes } from './promptlab.js';
import { registryRoutes } from './registry.js';
import { runArtifactRoutes } from './run-artifacts.js';
import { runRoutes } from './runs.js';
import { sharedTraceRoutes, traceV2Routes, traceV3Routes } from './traces.js';

/** The API prefixes MLflow serves: the public API and the one its web UI calls. */
export const API_PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'] as const;
/** The prefix of MLflow's web-UI API, where a few endpoints live only. */
export const AJAX_PREFIX = '/ajax-api/2.0/mlflow';
/**
 * MLflow 3's API prefixes. MLflow serves each endpoint under the major version of its proto's `since`, so
 * only the endpoints new in 3.0 (the v3 trace API) live here.
 */
export const API_V3_PREFIXES = ['/api/3.0/mlflow', '/ajax-api/3.0/mlflow'] as const;
/** The 3.0 prefix of MLflow's web-UI API. */
export const AJAX_V3_PREFIX = '/ajax-api/3.0/mlflow';
/** Where the artifact proxy is mounted, as in MLflow. */
export const ARTIFACT_PREFIXES = ['/api/2.0/mlflow-artifacts', '/ajax-api/2.0/mlflow-artifacts'] as const;

/**
 * The areas of MLflow's REST API, as data: each area's routes and the prefixes it is served under. The
 * server registers each as an encapsulated plugin per prefix; `RouteKey` and `ROUTE_SCHEMAS` are read from
 * this same table, so there is no second list of routes to keep in step.
 */
export const API_AREAS = {
  experiments: { routes: experimentRoutes, prefixes: API_PREFIXES },
  runs: { routes: runRoutes, prefixes: API_PREFIXES },
  metrics: { routes: metricRoutes, prefixes: API_PREFIXES },
  ajaxMetrics: { routes: ajaxMetricRoutes, prefixes: [AJAX_PREFIX] },
  artifacts: { routes: runArtifactRoutes, prefixes: API_PREFIXES },
  registry: { routes: registryRoutes, prefixes: API_PREFIXES },
  promptlab: { routes: promptlabRoutes, prefixes: [AJAX_PREFIX] },
  // Traces: `POST /traces` and `delete-traces` are both MLflow 2 and 3 endpoints (see traces.ts).
  traces: { routes: sharedTraceRoutes, prefixes: [...API_PREFIXES, ...API_V3_PREFIXES] },
  tracesV3: { routes: traceV3Routes, prefixes: API_V3_PREFIXES },
  tracesV2: { routes: traceV2Routes, prefixes: API_PREFIXES },
  // MLflow 3's logged models and runs/outputs: their proto says `since 2.0`, so they live under 2.0.
  loggedModels: { routes: loggedModelRoutes, prefixes: API_PREFIXES },
} as const;

type AreaRoute = (typeof API_AREAS)[keyof typeof API_AREAS]['routes'][number];
type KeyOf<R> = R extends ApiRoute<infer V, infer U, TSchema, TSchema> ? `${V} ${U}` : never;
type RouteAt<K extends string> = AreaRoute extends infer R
  ? R extends ApiRoute<infer V, infer U, TSchema, TSchema>
    ? K extends `${V} ${U}`
      ? R
      : never
    : never
  : never;

/** An endpoint of the tracking API, as 'VERB /path' under the API prefixes. */
export type RouteKey = KeyOf<AreaRoute>;
/** What an endpoint accepts (query string for GET, JSON body otherwise): its request schema's type. */
export type RouteInput<K extends RouteKey> =
  RouteAt<K> extends ApiRoute<infer _V, infer _U, infer I, TSchema> ? Static<I> : never;
/** What an endpoint answers: its response schema's type. */
export type RouteOutput<K extends RouteKey> =
  RouteAt<K> extends ApiRoute<infer _V, infer _U, TSchema, infer O> ? Static<O> : never;

/** Each endpoint's schemas by 'VERB /path', read from `API_AREAS` (the objects its routes are registered with). */
export const ROUTE_SCHEMAS: Readonly<Record<RouteKey, { input: TSchema; output: TSchema }>> =
  Object.fromEntries(
    Object.values(API_AREAS).flatMap((area) =>
      (area.routes as readonly ApiRoute[]).flatMap((route) =>
        verbsOf(route).map((verb) => [
          `${verb} ${route.url}`,
          { input: route.schema.request, output: route.schema.response },
        ]),
      ),
    ),
  ) as Record<RouteKey, { input: TSchema; output: TSchema }>;
