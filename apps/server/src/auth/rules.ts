import { type Access, type AuthUser, allows, type PermissionRules } from '@flowline/auth';
import { isMlflowError, MlflowError, type TrackingStore } from '@flowline/core';
import type { FastifyRequest } from 'fastify';
import { markNothingReadable } from '../routes/logged-models.js';
import { loggedModelStoreOf } from '../routes/logged-models-wire.js';
import { otlpExperimentId } from '../routes/otlp-traces.js';
import { traceStoreOf } from '../routes/traces-store.js';
import { graphqlGuard } from './graphql-guard.js';
import { listParam, optionalParam, requiredParam, runIdParam } from './request-params.js';

/** What a rule's check can reach. */
export interface RuleContext {
  request: FastifyRequest;
  user: AuthUser;
  rules: PermissionRules;
  tracking: TrackingStore;
  /** The experiment a run belongs to (cached: a run never changes experiment). */
  experimentOfRun(runId: string): Promise<string>;
  /** Whether GraphQL fields are checked one by one (`MLFLOW_SERVER_ENABLE_GRAPHQL_AUTH`, on by default). */
  graphqlFieldChecks: boolean;
}

/**
 * Who may call a route. `public`: anyone, unauthenticated. `authenticated`: any signed-in user (search
 * results are then filtered; `prepare` may narrow the request first). `admin`: admins only. `check`:
 * admins, and users for whom the check holds (MLflow's `validate_can_*`).
 */
export type Rule =
  | { kind: 'public' }
  | { kind: 'authenticated'; prepare?: (ctx: RuleContext) => Promise<void> }
  | { kind: 'admin' }
  | { kind: 'check'; on: Resource; access: Access; check: (ctx: RuleContext) => Promise<boolean> };

/**
 * What a check is about: its experiment (runs, traces and logged models follow theirs), registered model,
 * artifact path or user.
 */
export type Resource = 'experiment' | 'run' | 'trace' | 'logged-model' | 'model' | 'artifact-path' | 'self';

const PUBLIC: Rule = { kind: 'public' };
const SIGNED_IN: Rule = { kind: 'authenticated' };
const ADMIN: Rule = { kind: 'admin' };
const check = (on: Resource, access: Access, fn: (ctx: RuleContext) => Promise<boolean>): Rule => ({
  kind: 'check',
  on,
  access,
  check: fn,
});

async function onExperiment(ctx: RuleContext, experimentId: string, access: Access): Promise<boolean> {
  return allows(await ctx.rules.experiment(ctx.user, experimentId), access);
}

/** On the experiment named by a parameter (`experiment_id`; `fallback` when the handler has one). */
export const experiment = (access: Access, fallback?: string): Rule =>
  check('experiment', access, (ctx) => {
    const id =
      fallback === undefined
        ? requiredParam(ctx.request, 'experiment_id')
        : (optionalParam(ctx.request, 'experiment_id') ?? fallback);
    return onExperiment(ctx, id, access);
  });

/** On the experiment named by `experiment_name` (MLflow: 404 when there is none). */
export const experimentByName = (access: Access): Rule =>
  check('experiment', access, async (ctx) => {
    const name = requiredParam(ctx.request, 'experiment_name');
    const found = await ctx.tracking.getExperimentByName(name);
    if (!found) throw MlflowError.resourceDoesNotExist(`Could not find experiment with name ${name}`);
    return onExperiment(ctx, found.experimentId, access);
  });

/** On the experiment of the run named by `run_id` / `run_uuid`. */
export const run = (access: Access): Rule =>
  check('run', access, async (ctx) =>
    onExperiment(ctx, await ctx.experimentOfRun(runIdParam(ctx.request)), access),
  );

/** On the experiment of every run a repeated parameter names (MLflow refuses an empty list). */
export const everyRun = (access: Access, name: string): Rule =>
  check('run', access, async (ctx) => {
    const ids = listParam(ctx.request, name);
    if (ids.length === 0)
      throw MlflowError.invalidParameterValue(`Request must specify at least one ${name}.`);
    for (const id of ids) if (!(await onExperiment(ctx, await ctx.experimentOfRun(id), access))) return false;
    return true;
  });

/** On every experiment a repeated parameter names. */
export const everyExperiment = (access: Access, name: string): Rule =>
  check('experiment', access, async (ctx) => {
    const ids = listParam(ctx.request, name);
    if (ids.length === 0)
      throw MlflowError.invalidParameterValue(`Request must specify at least one ${name}.`);
    for (const id of ids) if (!(await onExperiment(ctx, id, access))) return false;
    return true;
  });

/** The experiment of a trace; null when there is no such trace (MLflow: no permission then). */
async function experimentOfTrace(ctx: RuleContext, traceId: string): Promise<string | null> {
  try {
    return (await traceStoreOf(ctx.tracking).getTraceInfo(traceId)).experimentId;
  } catch (e) {
    if (isMlflowError(e) && e.errorCode === 'RESOURCE_DOES_NOT_EXIST') return null;
    throw e;
  }
}

async function onTraces(ctx: RuleContext, traceIds: readonly string[], access: Access): Promise<boolean> {
  if (traceIds.length === 0) return false;
  for (const id of traceIds) {
    const experimentId = await experimentOfTrace(ctx, id);
    if (experimentId === null || !(await onExperiment(ctx, experimentId, access))) return false;
  }
  return true;
}

/** On the experiment of the trace a parameter names (`trace_id`, `request_id`; a path one too), as MLflow. */
export const trace = (access: Access, name: 'trace_id' | 'request_id'): Rule =>
  check('trace', access, async (ctx) => onTraces(ctx, [requiredParam(ctx.request, name)], access));

/** On the experiment of every trace a repeated parameter names (none, or an unknown one: refused). */
export const everyTrace = (access: Access, name: string): Rule =>
  check('trace', access, async (ctx) => onTraces(ctx, listParam(ctx.request, name), access));

const V3_URL = /^\/(?:api|ajax-api)\/3\.0\//;
const isV3 = (request: FastifyRequest) => V3_URL.test(request.routeOptions.url ?? request.url);

/** `POST /traces`: v2's StartTrace names `experiment_id`; v3's StartTraceV3 the trace's location. */
const startTrace: Rule = check('experiment', 'update', async (ctx) => {
  if (!isV3(ctx.request)) return onExperiment(ctx, requiredParam(ctx.request, 'experiment_id'), 'update');
  const body = ctx.request.body as
    | { trace?: { trace_info?: { trace_location?: { mlflow_experiment?: { experiment_id?: unknown } } } } }
    | undefined;
  const id = body?.trace?.trace_info?.trace_location?.mlflow_experiment?.experiment_id;
  // As MLflow's validate_can_start_trace_v3: no experiment, no permission.
  return typeof id === 'string' && id !== '' && onExperiment(ctx, id, 'update');
});

/** SearchTracesV3: read on every experiment its `locations` name (none: refused, as MLflow). */
const searchTracesV3: Rule = check('experiment', 'read', async (ctx) => {
  const locations = (ctx.request.body as { locations?: unknown } | undefined)?.locations;
  const ids = (Array.isArray(locations) ? locations : []).flatMap((l) => {
    const id = (l as { mlflow_experiment?: { experiment_id?: unknown } } | null)?.mlflow_experiment
      ?.experiment_id;
    return typeof id === 'string' && id !== '' ? [id] : [];
  });
  if (ids.length === 0) return false;
  for (const id of ids) if (!(await onExperiment(ctx, id, 'read'))) return false;
  return true;
});

/** LinkTracesToRun: update on the run's experiment and read on every trace's (MLflow's rule). */
const linkTracesToRun: Rule = check('run', 'update', async (ctx) => {
  let runExperiment: string;
  try {
    runExperiment = await ctx.experimentOfRun(requiredParam(ctx.request, 'run_id'));
  } catch (e) {
    if (isMlflowError(e) && e.errorCode === 'RESOURCE_DOES_NOT_EXIST') return false;
    throw e;
  }
  if (!(await onExperiment(ctx, runExperiment, 'update'))) return false;
  return onTraces(ctx, listParam(ctx.request, 'trace_ids'), 'read');
});

/**
 * On the experiment of the logged model the path's `model_id` names, as MLflow's `validate_can_*_logged_model`
 * (an unknown model is the store's 404, as there).
 */
export const loggedModel = (access: Access): Rule =>
  check('logged-model', access, async (ctx) => {
    const model = await loggedModelStoreOf(ctx.tracking).getLoggedModel(
      requiredParam(ctx.request, 'model_id'),
    );
    return onExperiment(ctx, model.experimentId, access);
  });

/**
 * SearchLoggedModels: any user, over the experiments they may read (MLflow filters the answer by them). A
 * search left with none answers no models.
 */
const searchLoggedModels: Rule = {
  kind: 'authenticated',
  prepare: async (ctx) => {
    const body = ctx.request.body as { experiment_ids?: unknown } | undefined;
    if (!body || !Array.isArray(body.experiment_ids) || body.experiment_ids.length === 0) return;
    await readableExperimentIds(ctx);
    if (Array.isArray(body.experiment_ids) && body.experiment_ids.length === 0)
      markNothingReadable(ctx.request);
  },
};

/** The logged models a log-metric (`model_id`) or log-batch (`metrics[].model_id`) body writes to. */
function metricModelIds(request: FastifyRequest): string[] {
  const body = request.body as { model_id?: unknown; metrics?: unknown } | undefined;
  const ids = new Set<string>();
  const add = (id: unknown) => typeof id === 'string' && id !== '' && ids.add(id);
  add(body?.model_id);
  if (Array.isArray(body?.metrics))
    for (const m of body.metrics) add((m as { model_id?: unknown })?.model_id);
  return [...ids];
}

/**
 * LogMetric / LogBatch: update on the run's experiment, and on the experiment of every logged model a
 * metric is written to (so a run's writer cannot add points to a model it may not edit).
 */
const logMetrics: Rule = check('run', 'update', async (ctx) => {
  if (!(await onExperiment(ctx, await ctx.experimentOfRun(runIdParam(ctx.request)), 'update'))) return false;
  for (const id of metricModelIds(ctx.request)) {
    const model = await loggedModelStoreOf(ctx.tracking).getLoggedModel(id);
    if (!(await onExperiment(ctx, model.experimentId, 'update'))) return false;
  }
  return true;
});

/** On the registered model named by `name` (its versions, aliases and tags follow it). */
export const model = (access: Access): Rule =>
  check('model', access, async (ctx) =>
    allows(await ctx.rules.registeredModel(ctx.user, requiredParam(ctx.request, 'name')), access),
  );

// Proxied artifact paths start with the experiment id (`<experiment_id>/<run_id>/artifacts/…`).
const EXPERIMENT_PREFIX = /^(\d+)\//;

/** The artifact proxy: on the experiment the path starts with, else `default_permission` (as MLflow). */
export const artifactPath = (access: Access): Rule =>
  check('artifact-path', access, async (ctx) => {
    const params = (ctx.request.params ?? {}) as Record<string, string>;
    const path = (params['*'] || optionalParam(ctx.request, 'path') || '').replace(/^\/+/, '');
    const match = EXPERIMENT_PREFIX.exec(path);
    if (match) return onExperiment(ctx, match[1]!, access);
    return allows(ctx.rules.defaultPermission, access);
  });

/** Narrows a search's `experiment_ids` to those the user may read, before the store sees them. */
async function readableExperimentIds(ctx: RuleContext): Promise<void> {
  const body = ctx.request.body as { experiment_ids?: unknown } | undefined;
  if (ctx.user.isAdmin || !body || !Array.isArray(body.experiment_ids)) return;
  const readable = await ctx.rules.readableExperiments(ctx.user);
  // Anything but a string is left for the schema to refuse.
  body.experiment_ids = body.experiment_ids.filter((id) => typeof id !== 'string' || readable(id));
}

const GRAPHQL: Rule = {
  kind: 'authenticated',
  prepare: async (ctx) => {
    if (ctx.graphqlFieldChecks && !ctx.user.isAdmin) ctx.request.graphqlGuard = graphqlGuard(ctx);
  },
};

/** Only about oneself (`username` is the caller), as MLflow's `username_is_sender`. */
export const self: Rule = check(
  'self',
  'manage',
  async (ctx) => requiredParam(ctx.request, 'username') === ctx.user.username,
);

/** The rule of every route, by `VERB path` with the API prefix (`/api/2.0`, `/ajax-api/3.0`, …) left off. */
export const ROUTE_RULES: Readonly<Record<string, Rule>> = {
  // The server itself and the web UI's files, as MLflow leaves /health and static files open.
  'GET /health': PUBLIC,
  'GET /version': PUBLIC,
  'GET /assets/*': PUBLIC,
  // The web UI's pages: signing in is what makes the browser ask for a password.
  'GET /*': SIGNED_IN,

  // Experiments (MLflow's BEFORE_REQUEST_HANDLERS).
  'POST /mlflow/experiments/create': SIGNED_IN,
  'GET /mlflow/experiments/get': experiment('read'),
  'GET /mlflow/experiments/get-by-name': experimentByName('read'),
  'GET /mlflow/experiments/search': SIGNED_IN,
  'POST /mlflow/experiments/search': SIGNED_IN,
  'GET /mlflow/experiments/list': SIGNED_IN,
  'POST /mlflow/experiments/delete': experiment('delete'),
  'POST /mlflow/experiments/restore': experiment('delete'),
  'POST /mlflow/experiments/update': experiment('update'),
  'POST /mlflow/experiments/set-experiment-tag': experiment('update'),
  'POST /mlflow/experiments/delete-experiment-tag': experiment('update'),
  'POST /mlflow/experiments/search-datasets': everyExperiment('read', 'experiment_ids'),

  // Runs follow their experiment. runs/create without an experiment goes to the default one ('0').
  'POST /mlflow/runs/create': experiment('update', '0'),
  'GET /mlflow/runs/get': run('read'),
  'POST /mlflow/runs/delete': run('delete'),
  'POST /mlflow/runs/restore': run('delete'),
  'POST /mlflow/runs/update': run('update'),
  'POST /mlflow/runs/log-metric': logMetrics,
  'POST /mlflow/runs/log-batch': logMetrics,
  'POST /mlflow/runs/log-model': run('update'),
  'POST /mlflow/runs/log-parameter': run('update'),
  'POST /mlflow/runs/log-inputs': run('update'),
  'POST /mlflow/runs/set-tag': run('update'),
  'POST /mlflow/runs/delete-tag': run('update'),
  'POST /mlflow/runs/create-promptlab-run': experiment('update'),
  // runs/search: any user, over the experiments they may read (MLflow's `filter_experiment_ids`).
  'POST /mlflow/runs/search': { kind: 'authenticated', prepare: readableExperimentIds },
  'GET /mlflow/metrics/get-history': run('read'),
  'GET /mlflow/metrics/get-history-bulk': everyRun('read', 'run_id'),
  'GET /mlflow/metrics/get-history-bulk-interval': everyRun('read', 'run_ids'),

  // Run artifacts.
  'GET /mlflow/artifacts/list': run('read'),
  'GET /get-artifact': run('read'),
  'GET /mlflow/get-artifact': run('read'),
  'POST /mlflow/upload-artifact': run('update'),

  // The artifact proxy (listing, download, upload, delete and multipart), by the path's experiment.
  'GET /mlflow-artifacts/artifacts': artifactPath('read'),
  'GET /mlflow-artifacts/artifacts/*': artifactPath('read'),
  'PUT /mlflow-artifacts/artifacts/*': artifactPath('update'),
  'DELETE /mlflow-artifacts/artifacts/*': artifactPath('manage'),
  'POST /mlflow-artifacts/mpu/create/*': artifactPath('update'),
  'POST /mlflow-artifacts/mpu/complete/*': artifactPath('update'),
  'POST /mlflow-artifacts/mpu/abort/*': artifactPath('update'),

  // The registry, by model name.
  'POST /mlflow/registered-models/create': SIGNED_IN,
  'GET /mlflow/registered-models/get': model('read'),
  'GET /mlflow/registered-models/search': SIGNED_IN,
  'POST /mlflow/registered-models/search': SIGNED_IN,
  'POST /mlflow/registered-models/rename': model('update'),
  'PATCH /mlflow/registered-models/update': model('update'),
  'DELETE /mlflow/registered-models/delete': model('delete'),
  'GET /mlflow/registered-models/get-latest-versions': model('read'),
  'POST /mlflow/registered-models/get-latest-versions': model('read'),
  'POST /mlflow/registered-models/set-tag': model('update'),
  'DELETE /mlflow/registered-models/delete-tag': model('update'),
  'POST /mlflow/registered-models/alias': model('update'),
  'DELETE /mlflow/registered-models/alias': model('delete'),
  'GET /mlflow/registered-models/alias': model('read'),
  'POST /mlflow/model-versions/create': model('update'),
  'GET /mlflow/model-versions/get': model('read'),
  'PATCH /mlflow/model-versions/update': model('update'),
  'DELETE /mlflow/model-versions/delete': model('delete'),
  'GET /mlflow/model-versions/search': SIGNED_IN,
  'POST /mlflow/model-versions/search': SIGNED_IN,
  'GET /mlflow/model-versions/get-download-uri': model('read'),
  'POST /mlflow/model-versions/transition-stage': model('update'),
  'POST /mlflow/model-versions/set-tag': model('update'),
  'DELETE /mlflow/model-versions/delete-tag': model('delete'),
  'GET /model-versions/get-artifact': model('read'),
  'GET /mlflow/model-versions/get-artifact': model('read'),

  // Traces follow their experiment, as MLflow's BEFORE_REQUEST_HANDLERS for the trace API. The v2 and v3
  // forms of one endpoint share a key where MLflow serves both (the rule tells them apart by prefix).
  'POST /mlflow/traces': startTrace,
  'POST /mlflow/traces/delete-traces': experiment('delete'),
  'GET /mlflow/traces/get': trace('read', 'trace_id'),
  'GET /mlflow/traces/batchGet': everyTrace('read', 'trace_ids'),
  'GET /mlflow/traces/:trace_id': trace('read', 'trace_id'),
  'POST /mlflow/traces/search': searchTracesV3,
  'PATCH /mlflow/traces/:trace_id/tags': trace('update', 'trace_id'),
  'DELETE /mlflow/traces/:trace_id/tags': trace('update', 'trace_id'),
  'POST /mlflow/traces/:trace_id/assessments': trace('update', 'trace_id'),
  'GET /mlflow/traces/:trace_id/assessments/:assessment_id': trace('read', 'trace_id'),
  'PATCH /mlflow/traces/:trace_id/assessments/:assessment_id': trace('update', 'trace_id'),
  'DELETE /mlflow/traces/:trace_id/assessments/:assessment_id': trace('update', 'trace_id'),
  'PATCH /mlflow/traces/:request_id': trace('update', 'request_id'),
  'GET /mlflow/traces/:request_id/info': trace('read', 'request_id'),
  'GET /mlflow/traces': everyExperiment('read', 'experiment_ids'),
  'PATCH /mlflow/traces/:request_id/tags': trace('update', 'request_id'),
  'DELETE /mlflow/traces/:request_id/tags': trace('update', 'request_id'),
  'POST /mlflow/traces/link-to-run': linkTracesToRun,
  'POST /mlflow/traces/link-prompts': trace('update', 'trace_id'),
  'GET /mlflow/get-trace-artifact': trace('read', 'request_id'),
  // Logged models follow their experiment, as MLflow's LOGGED_MODEL_BEFORE_REQUEST_HANDLERS; runs/outputs
  // writes to its run.
  'POST /mlflow/logged-models': experiment('update'),
  'POST /mlflow/logged-models/search': searchLoggedModels,
  'GET /mlflow/logged-models/:model_id': loggedModel('read'),
  'PATCH /mlflow/logged-models/:model_id': loggedModel('update'),
  'DELETE /mlflow/logged-models/:model_id': loggedModel('delete'),
  'PATCH /mlflow/logged-models/:model_id/tags': loggedModel('update'),
  'DELETE /mlflow/logged-models/:model_id/tags/:tag_key': loggedModel('delete'),
  'POST /mlflow/logged-models/:model_id/params': loggedModel('update'),
  'GET /mlflow/logged-models/:model_id/artifacts/directories': loggedModel('read'),
  'GET /mlflow/logged-models/:model_id/artifacts/files': loggedModel('read'),
  'POST /mlflow/runs/outputs': run('update'),
  // OTLP ingest writes spans into the experiment its x-mlflow-experiment-id header names.
  'POST /v1/traces': check('experiment', 'update', (ctx) =>
    onExperiment(ctx, otlpExperimentId(ctx.request.headers), 'update'),
  ),

  // GraphQL: any user; its protected fields are checked one by one (see graphql-guard.ts).
  'GET /graphql': GRAPHQL,
  'POST /graphql': GRAPHQL,

  // Users and permissions (MLflow's auth routes).
  'GET /signup': ADMIN,
  'POST /mlflow/users/create-ui': ADMIN,
  'POST /mlflow/users/create': ADMIN,
  'GET /mlflow/users/get': self,
  'GET /mlflow/users/list': ADMIN,
  'GET /mlflow/users/current': SIGNED_IN,
  'PATCH /mlflow/users/update-password': self,
  'PATCH /mlflow/users/update-admin': ADMIN,
  'DELETE /mlflow/users/delete': ADMIN,
  'POST /mlflow/experiments/permissions/create': experiment('manage'),
  'GET /mlflow/experiments/permissions/get': experiment('manage'),
  'PATCH /mlflow/experiments/permissions/update': experiment('manage'),
  'DELETE /mlflow/experiments/permissions/delete': experiment('manage'),
  'POST /mlflow/registered-models/permissions/create': model('manage'),
  'GET /mlflow/registered-models/permissions/get': model('manage'),
  'PATCH /mlflow/registered-models/permissions/update': model('manage'),
  'DELETE /mlflow/registered-models/permissions/delete': model('manage'),
};

const API_PREFIX = /^\/(?:api|ajax-api)\/[23]\.0(?=\/mlflow)/;

/** The `ROUTE_RULES` key of a registered route: HEAD as GET, the API prefix (2.0 or 3.0) left off. */
export function ruleKey(method: string, url: string): string {
  return `${method === 'HEAD' ? 'GET' : method} ${url.replace(API_PREFIX, '')}`;
}
