import { storeTargets } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedModelStoreOf } from '../src/routes/logged-models-wire.js';
import { type AuthServer, authServer, basic, send } from './auth/auth-server.js';

// Who may do what with logged models under basic auth, as MLflow's auth app decides it: a model follows
// its experiment, and a search shows only the models of experiments the caller may read.

const API = '/api/2.0/mlflow';

for (const target of storeTargets()) {
  describe(`logged models under basic auth (${target.name})`, () => {
    let server: AuthServer;
    let url: string;
    let readable: string;
    let hidden: string;
    let hiddenModel: string;

    beforeAll(async () => {
      // Nobody may read an experiment unless granted.
      server = await authServer(target, { defaultPermission: 'NO_PERMISSIONS' });
      url = await server.app.listen({ host: '127.0.0.1', port: 0 });
      readable = await server.tracking.createExperiment({ name: 'readable' });
      hidden = await server.tracking.createExperiment({ name: 'hidden' });
      await server.auth.createExperimentPermission(readable, 'read', 'READ');
      const models = loggedModelStoreOf(server.tracking);
      await models.createLoggedModel({ experimentId: readable, name: 'seen' });
      hiddenModel = (await models.createLoggedModel({ experimentId: hidden, name: 'unseen' })).modelId;
    });
    afterAll(async () => server?.close());

    it('searches only the experiments the caller may read', async () => {
      const both = await send(
        url,
        'POST',
        `${API}/logged-models/search`,
        { experiment_ids: [readable, hidden] },
        basic('read'),
      );
      expect(both.status, both.text).toBe(200);
      expect(both.body.models.map((m: { info: { name: string } }) => m.info.name)).toEqual(['seen']);

      const none = await send(
        url,
        'POST',
        `${API}/logged-models/search`,
        { experiment_ids: [hidden] },
        basic('read'),
      );
      expect(none.status, none.text).toBe(200);
      expect(none.body).toEqual({});

      const missing = await send(url, 'POST', `${API}/logged-models/search`, {}, basic('read'));
      expect(missing.status).toBe(400);

      const admin = await send(
        url,
        'POST',
        `${API}/logged-models/search`,
        { experiment_ids: [hidden] },
        basic('admin'),
      );
      expect(admin.body.models).toHaveLength(1);
    });

    it('lets a run write metrics only to models whose experiment the caller may edit', async () => {
      const own = await server.tracking.createExperiment({ name: 'own' });
      await server.auth.createExperimentPermission(own, 'edit', 'EDIT');
      await server.auth.createExperimentPermission(readable, 'edit', 'READ');
      const runId = (await server.tracking.createRun({ experimentId: own })).info.runId;
      const models = loggedModelStoreOf(server.tracking);
      const mine = (await models.createLoggedModel({ experimentId: own })).modelId;
      const theirs = (await models.createLoggedModel({ experimentId: readable })).modelId;
      const metric = (modelId: string) => ({
        key: 'acc',
        value: 1,
        timestamp: 1,
        step: 0,
        model_id: modelId,
      });

      const ok = await send(
        url,
        'POST',
        `${API}/runs/log-metric`,
        { run_id: runId, ...metric(mine) },
        basic('edit'),
      );
      expect(ok.status, ok.text).toBe(200);
      const single = await send(
        url,
        'POST',
        `${API}/runs/log-metric`,
        { run_id: runId, ...metric(theirs) },
        basic('edit'),
      );
      expect(single.status).toBe(403);
      const batch = await send(
        url,
        'POST',
        `${API}/runs/log-batch`,
        { run_id: runId, metrics: [metric(mine), metric(theirs)] },
        basic('edit'),
      );
      expect(batch.status).toBe(403);
      expect((await models.getLoggedModel(theirs)).metrics).toEqual([]);
    });

    it("checks a model's experiment, and answers 404 for an unknown model", async () => {
      const get = await send(url, 'GET', `${API}/logged-models/${hiddenModel}`, undefined, basic('read'));
      expect(get.status).toBe(403);
      const create = await send(
        url,
        'POST',
        `${API}/logged-models`,
        { experiment_id: readable },
        basic('read'),
      );
      expect(create.status).toBe(403);
      const unknown = await send(
        url,
        'GET',
        `${API}/logged-models/m-${'5'.repeat(32)}`,
        undefined,
        basic('read'),
      );
      expect(unknown.status).toBe(404);
      expect(unknown.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    });
  });
}
