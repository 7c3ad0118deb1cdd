import { allows, EDIT, MANAGE, NO_PERMISSIONS, type Permission, READ } from '@flowline/auth';
import { storeTargets } from '@flowline/testkit';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAuth } from '../../src/auth/auth-plugin.js';
import type { Rule } from '../../src/auth/rules.js';
import { type GuardedRoute, guardedRoutes } from '../../src/index.js';
import { loggedModelStoreOf } from '../../src/routes/logged-models-wire.js';
import { call } from '../helpers.js';
import { type AuthServer, authServer, basic, ROLES, type Role, send } from './auth-server.js';

// Every registered route × {anonymous, no permission, READ, EDIT, MANAGE, admin}, generated from the route
// table the auth layer saw, so a route added later is in the matrix (and fails it without a rule). The
// answers are MLflow's: 401 without credentials (its WWW-Authenticate header), 403 "Permission denied"
// when the caller's permission lacks what the route needs, and the route's own answer otherwise.

const LEVEL: Record<Exclude<Role, 'admin'>, Permission> = {
  none: NO_PERMISSIONS,
  read: READ,
  edit: EDIT,
  manage: MANAGE,
};

/** Whether a role passes a rule (admins pass every check; `self` routes here name the 'read' user). */
function passes(rule: Rule, role: Role): boolean {
  if (rule.kind === 'public' || rule.kind === 'authenticated' || role === 'admin') return true;
  if (rule.kind === 'admin') return false;
  if (rule.on === 'self') return role === 'read';
  return allows(LEVEL[role], rule.access);
}

interface Fixture {
  experimentId: string;
  experimentName: string;
  runId: string;
  model: string;
  traceId: string;
  assessmentId: string;
  loggedModelId: string;
}

const traceIdFor = (n: number) => `tr-${n.toString(16).padStart(32, '0')}`;

let counter = 0;
async function fixture(server: AuthServer): Promise<Fixture> {
  counter += 1;
  const experimentName = `matrix-${counter}`;
  const experimentId = await server.tracking.createExperiment({ name: experimentName });
  const run = await server.tracking.createRun({ experimentId });
  const model = `model-${counter}`;
  await server.registry.createRegisteredModel({ name: model });
  await server.registry.createModelVersion({
    name: model,
    source: `${run.info.artifactUri}/model`,
    runId: run.info.runId,
  });
  const trace = await server.tracking.startTrace({
    traceId: traceIdFor(counter),
    experimentId,
    requestTime: 1,
    state: 'OK',
  });
  const assessment = await server.tracking.createAssessment({
    traceId: trace.traceId,
    name: 'matrix',
    source: { sourceType: 'HUMAN', sourceId: 'matrix' },
    feedback: { value: 1 },
  });
  const loggedModel = await loggedModelStoreOf(server.tracking).createLoggedModel({
    experimentId,
    name: `logged-${counter}`,
    sourceRunId: run.info.runId,
    tags: { k: 'v' },
  });
  await server.grantRoles({ experimentId, model });
  return {
    experimentId,
    experimentName,
    runId: run.info.runId,
    model,
    traceId: trace.traceId,
    assessmentId: assessment.assessmentId,
    loggedModelId: loggedModel.modelId,
  };
}

/** A request for a route, aimed at the fixture's resources. */
function requestFor(
  route: GuardedRoute,
  f: Fixture,
): { method: string; url: string; payload?: unknown; headers?: Record<string, string> } {
  const artifact = `${f.experimentId}/${f.runId}/artifacts/file.txt`;
  const selfRoute = route.rule?.kind === 'check' && route.rule.on === 'self';
  const params: Record<string, unknown> = {
    experiment_id: f.experimentId,
    experiment_ids: [f.experimentId],
    experiment_name: f.experimentName,
    run_id: f.runId,
    run_ids: [f.runId],
    name: f.model,
    new_name: `${f.model}-renamed`,
    version: '1',
    key: 'k',
    value: 'v',
    path: route.url.endsWith('/mlflow-artifacts/artifacts')
      ? `${f.experimentId}/${f.runId}/artifacts`
      : 'file.txt',
    metric_key: 'm',
    username: selfRoute ? 'read' : 'nobody',
    password: 'password-for-read',
    permission: 'READ',
    max_results: 10,
    // Traces: the fixture's trace (v2 names it request_id), its experiment as a v3 location, a new trace to start.
    trace_id: f.traceId,
    trace_ids: [f.traceId],
    request_id: f.traceId,
    request_ids: [f.traceId],
    locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: f.experimentId } }],
    trace: {
      trace_info: {
        trace_id: traceIdFor(++counter),
        trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: f.experimentId } },
        request_time: '2025-01-01T00:00:00Z',
        state: 'OK',
      },
    },
    assessment: {
      assessment_name: 'matrix',
      source: { source_type: 'HUMAN', source_id: 'matrix' },
      feedback: { value: 2 },
    },
    update_mask: 'feedback',
    // Logged models: the fixture's model fills the path; finalize names a status, runs/outputs the model.
    ...(route.url.includes('/logged-models/') ? { status: 'LOGGED_MODEL_READY' } : {}),
    models: [{ model_id: f.loggedModelId, step: 0 }],
    artifact_file_path: 'file.txt',
  };
  const url = route.url
    .replace(':trace_id', f.traceId)
    .replace(':request_id', f.traceId)
    .replace(':assessment_id', f.assessmentId)
    .replace(':model_id', f.loggedModelId)
    .replace(':tag_key', 'k')
    .replace('*', route.url.startsWith('/assets') ? 'x.js' : route.url === '/*' ? 'some/page' : artifact);
  if (route.method === 'GET' || route.method === 'HEAD') {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(params))
      for (const item of Array.isArray(v) ? v : [v]) query.append(k, String(item));
    if (url === '/graphql' || url.endsWith('/metrics/get-history-bulk')) query.set('run_id', f.runId);
    if (url === '/graphql') query.set('query', '{ test(inputString: "x") { output } }');
    return { method: route.method, url: `${url}?${query}` };
  }
  if (url === '/graphql')
    return { method: route.method, url, payload: { query: '{ test(inputString: "x") { output } }' } };
  // OTLP ingest names its experiment in a header.
  if (url === '/v1/traces') {
    return { method: route.method, url, payload: {}, headers: { 'x-mlflow-experiment-id': f.experimentId } };
  }
  // Raw-body routes (uploads) take their arguments from the query string.
  const query = new URLSearchParams({ run_uuid: f.runId, path: 'file.txt' });
  return { method: route.method, url: `${url}?${query}`, payload: params };
}

for (const target of storeTargets()) {
  describe(`the auth matrix (${target.name})`, () => {
    let server: AuthServer;
    let url: string;
    beforeAll(async () => {
      server = await authServer(target);
      url = await server.app.listen({ host: '127.0.0.1', port: 0 });
    });
    afterAll(async () => server?.close());

    it('has a rule for every route the server registered', () => {
      const routes = guardedRoutes(server.app);
      expect(routes.length).toBeGreaterThan(150);
      expect(routes.filter((r) => !r.rule).map((r) => `${r.method} ${r.url}`)).toEqual([]);
    });

    it('answers every route × role as MLflow does', { timeout: 600_000 }, async () => {
      // HEAD answers carry no body to compare; each has a GET twin under the same rule.
      const routes = guardedRoutes(server.app).filter((r) => r.method !== 'HEAD');
      const wrong: string[] = [];
      let answered200 = 0;
      for (const route of routes) {
        const rule = route.rule!;
        for (const role of [undefined, ...ROLES]) {
          // Fresh resources for each caller: an allowed delete or rename must not change the next one's answer.
          const request = requestFor(route, await fixture(server));
          const res = await send(url, request.method, request.url, request.payload, {
            ...request.headers,
            ...(role ? basic(role) : {}),
          });
          const who = role ?? 'anonymous';
          const allowed = role === undefined ? rule.kind === 'public' : passes(rule, role);
          const expected = allowed ? 'allowed' : role === undefined ? '401' : '403';
          const got =
            res.status === 401 && res.headers['www-authenticate'] === 'Basic realm="mlflow"'
              ? '401'
              : res.status === 403 && res.text === 'Permission denied'
                ? '403'
                : // 501 (no multipart here) and 503 (no web UI built) are the routes' own answers.
                  (res.status >= 500 && res.status !== 501 && res.status !== 503) ||
                    res.status === 401 ||
                    res.status === 403
                  ? `HTTP ${res.status} ${res.text.slice(0, 120)}`
                  : 'allowed';
          if (res.status === 200) answered200 += 1;
          if (got !== expected)
            wrong.push(`${route.method} ${route.url} as ${who}: expected ${expected}, got ${got}`);
        }
      }
      expect(wrong).toEqual([]);
      // The requests are real ones: most allowed calls succeed outright, not only "not refused".
      console.info(`auth matrix: ${routes.length} routes, ${answered200} answers 200`);
      expect(answered200).toBeGreaterThan(routes.length * 2);
    });
  });
}

describe('a route nobody declared a rule for', () => {
  it('is refused for everyone, admins included, with a message naming the route', async () => {
    const target = storeTargets()[0]!;
    const server = await authServer(target);
    try {
      const app = Fastify();
      app.decorate('store', server.tracking);
      await registerAuth(app, {
        store: server.auth,
        config: { defaultPermission: 'READ', authCacheTtlSeconds: 30, authCacheMaxSize: 10 },
      });
      app.get('/api/2.0/mlflow/brand-new/route', async () => ({ ok: true }));
      await app.ready();
      expect(
        guardedRoutes(app).find((r) => r.url === '/api/2.0/mlflow/brand-new/route')?.rule,
      ).toBeUndefined();
      const anonymous = await call(app, 'GET', '/api/2.0/mlflow/brand-new/route');
      expect(anonymous.status).toBe(401);
      const admin = await call(app, 'GET', '/api/2.0/mlflow/brand-new/route', undefined, basic('admin'));
      expect(admin.status).toBe(403);
      expect(admin.text).toBe(
        'GET /api/2.0/mlflow/brand-new/route has no permission rule, so this server refuses it for everyone. Declare one in apps/server/src/auth/rules.ts (ROUTE_RULES).',
      );
      await app.close();
    } finally {
      await server.close();
    }
  });
});
