import { storeTargets } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardedRoutes } from '../src/index.js';
import { type AuthServer, authServer, basic, type Role } from './auth/auth-server.js';
import { call } from './helpers.js';

// Who may call the trace API under basic auth, as MLflow's BEFORE_REQUEST_HANDLERS decide it: traces follow
// their experiment (read to read, edit to write, manage to delete), an unknown trace is no permission, and
// a search needs read on every experiment it names.

const V3 = '/api/3.0/mlflow';
const V2 = '/api/2.0/mlflow';
let counter = 0;
const newTraceId = () => `tr-${(++counter).toString(16).padStart(32, 'a')}`;

for (const target of storeTargets()) {
  describe(`trace permissions (${target.name})`, () => {
    let server: AuthServer;
    let experimentId: string;
    let runId: string;
    const as = (
      role: Role | undefined,
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      url: string,
      body?: unknown,
    ) => call(server.app, method, url, body, role ? basic(role) : {});
    const startBody = (traceId: string, experiment = experimentId) => ({
      trace: {
        trace_info: {
          trace_id: traceId,
          trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experiment } },
          request_time: '2025-01-01T00:00:00Z',
          state: 'OK',
        },
      },
    });
    const start = async () => {
      const traceId = newTraceId();
      const res = await as('admin', 'POST', `${V3}/traces`, startBody(traceId));
      expect(res.status, res.text).toBe(200);
      return traceId;
    };

    beforeAll(async () => {
      server = await authServer(target);
      experimentId = await server.tracking.createExperiment({ name: 'guarded-traces' });
      runId = (await server.tracking.createRun({ experimentId })).info.runId;
      await server.grantRoles({ experimentId });
    });
    afterAll(async () => server?.close());

    it('has a rule for every trace route', () => {
      const traceRoutes = guardedRoutes(server.app).filter((r) => /traces|trace-artifact/.test(r.url));
      expect(traceRoutes.length).toBeGreaterThan(40);
      expect(traceRoutes.filter((r) => !r.rule).map((r) => `${r.method} ${r.url}`)).toEqual([]);
    });

    it('lets editors start traces (v3 by the trace location, v2 by experiment_id), not readers', async () => {
      expect((await as(undefined, 'POST', `${V3}/traces`, startBody(newTraceId()))).status).toBe(401);
      expect((await as('read', 'POST', `${V3}/traces`, startBody(newTraceId()))).status).toBe(403);
      expect((await as('edit', 'POST', `${V3}/traces`, startBody(newTraceId()))).status).toBe(200);
      // No experiment named: no permission, as MLflow's validate_can_start_trace_v3.
      const nowhere = { trace: { trace_info: { trace_id: newTraceId() } } };
      expect((await as('edit', 'POST', `${V3}/traces`, nowhere)).status).toBe(403);
      const v2 = { experiment_id: experimentId };
      expect((await as('read', 'POST', `${V2}/traces`, v2)).status).toBe(403);
      expect((await as('edit', 'POST', `${V2}/traces`, v2)).status).toBe(200);
    });

    it('lets readers read a trace, and nobody without permission; an unknown trace is refused', async () => {
      const traceId = await start();
      for (const url of [
        `${V3}/traces/${traceId}`,
        `${V3}/traces/get?trace_id=${traceId}`,
        `${V3}/traces/batchGet?trace_ids=${traceId}`,
        `${V2}/traces/${traceId}/info`,
      ]) {
        expect((await as('read', 'GET', url)).status, url).toBe(200);
        expect((await as('none', 'GET', url)).status, url).toBe(403);
      }
      const unknown = `${V3}/traces/tr-${'0'.repeat(32)}`;
      expect((await as('manage', 'GET', unknown)).status).toBe(403);
      expect((await as('admin', 'GET', unknown)).status).toBe(404);
    });

    it('lets editors tag, end and assess a trace, not readers', async () => {
      const traceId = await start();
      const writes: [method: 'PATCH' | 'DELETE' | 'POST', url: string, body: unknown][] = [
        ['PATCH', `${V3}/traces/${traceId}/tags`, { key: 'k', value: 'v' }],
        ['DELETE', `${V3}/traces/${traceId}/tags`, { key: 'k' }],
        ['PATCH', `${V2}/traces/${traceId}/tags`, { key: 'k', value: 'v' }],
        ['DELETE', `${V2}/traces/${traceId}/tags`, { key: 'k' }],
        [
          'POST',
          `${V2}/traces/link-prompts`,
          { trace_id: traceId, prompt_versions: [{ name: 'p', version: '1' }] },
        ],
        [
          'POST',
          `${V3}/traces/${traceId}/assessments`,
          {
            assessment: {
              assessment_name: 'ok',
              source: { source_type: 'HUMAN', source_id: 'edit' },
              feedback: { value: 1 },
            },
          },
        ],
      ];
      for (const [method, url, body] of writes) {
        expect((await as('read', method, url, body)).status, `${method} ${url}`).toBe(403);
        expect((await as('edit', method, url, body)).status, `${method} ${url}`).toBe(200);
      }
      const assessment = (await as('read', 'GET', `${V3}/traces/${traceId}`)).body.trace.trace_info
        .assessments[0];
      const url = `${V3}/traces/${traceId}/assessments/${assessment.assessment_id}`;
      expect((await as('read', 'GET', url)).status).toBe(200);
      expect((await as('none', 'GET', url)).status).toBe(403);
      expect((await as('read', 'DELETE', url)).status).toBe(403);
      expect((await as('edit', 'DELETE', url)).status).toBe(200);

      const v2 = await as('edit', 'POST', `${V2}/traces`, { experiment_id: experimentId });
      const end = `${V2}/traces/${v2.body.trace_info.request_id}`;
      expect((await as('read', 'PATCH', end, { status: 'OK' })).status).toBe(403);
      expect((await as('edit', 'PATCH', end, { status: 'OK' })).status).toBe(200);
    });

    it('searches only experiments the caller may read', async () => {
      const other = await server.tracking.createExperiment({ name: 'guarded-other' });
      await server.grantRoles({ experimentId: other });
      await server.auth.updateExperimentPermission(other, 'read', 'NO_PERMISSIONS');
      const locations = (ids: string[]) =>
        ids.map((id) => ({ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: id } }));
      const search = (role: Role, ids: string[]) =>
        as(role, 'POST', `${V3}/traces/search`, { locations: locations(ids) });
      expect((await search('read', [experimentId])).status).toBe(200);
      expect((await search('read', [experimentId, other])).status).toBe(403);
      expect((await search('none', [experimentId])).status).toBe(403);
      expect((await as('read', 'GET', `${V2}/traces?experiment_ids=${experimentId}`)).status).toBe(200);
      expect((await as('none', 'GET', `${V2}/traces?experiment_ids=${experimentId}`)).status).toBe(403);
    });

    it('deletes traces only for managers, and links them to runs for editors', async () => {
      const traceId = await start();
      const body = { experiment_id: experimentId, request_ids: [traceId] };
      expect((await as('edit', 'POST', `${V3}/traces/delete-traces`, body)).status).toBe(403);
      expect((await as('manage', 'POST', `${V2}/traces/delete-traces`, body)).status).toBe(200);
      const linked = await start();
      const link = { trace_ids: [linked], run_id: runId };
      expect((await as('read', 'POST', `${V2}/traces/link-to-run`, link)).status).toBe(403);
      expect((await as('edit', 'POST', `${V2}/traces/link-to-run`, link)).status).toBe(200);
    });

    it('lets readers download span data', async () => {
      const traceId = await start();
      const url = `/ajax-api/2.0/mlflow/get-trace-artifact?request_id=${traceId}`;
      expect((await as('none', 'GET', url)).status).toBe(403);
      // The reader passes the check; the trace has no span data yet, so the download itself is a 404.
      expect((await as('read', 'GET', url)).status).not.toBe(403);
    });
  });
}
