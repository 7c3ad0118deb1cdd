import { storeTargets } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthServer, authServer, basic, send } from './auth-server.js';

// MLflow's permission semantics with default_permission = NO_PERMISSIONS: creators get MANAGE, others see
// nothing unless granted; searches list only what the caller may read; registry permissions are keyed by
// model name, move with a rename and go with a delete.

for (const target of storeTargets()) {
  describe(`permission semantics (${target.name})`, () => {
    let server: AuthServer;
    let url: string;
    const as = (user: string) => basic(user);
    const api = (user: string, method: string, path: string, payload?: unknown) =>
      send(url, method, `/api/2.0/mlflow${path}`, payload, as(user));

    beforeAll(async () => {
      server = await authServer(target, { defaultPermission: 'NO_PERMISSIONS' });
      url = await server.app.listen({ host: '127.0.0.1', port: 0 });
    });
    afterAll(async () => server?.close());

    const createExperiment = async (user: string, name: string) => {
      const res = await api(user, 'POST', '/experiments/create', { name });
      expect(res.status).toBe(200);
      return res.body.experiment_id as string;
    };

    it('filters experiment searches, refilling pages and keeping the tokens working', async () => {
      const mine: string[] = [];
      for (let i = 0; i < 3; i++) {
        mine.push(await createExperiment('edit', `edit-exp-${i}`));
        await createExperiment('manage', `manage-exp-${i}`);
      }
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const res = await api('edit', 'POST', '/experiments/search', {
          max_results: 2,
          ...(token ? { page_token: token } : {}),
        });
        expect(res.status).toBe(200);
        const ids = ((res.body.experiments ?? []) as Array<{ experiment_id: string }>).map(
          (e) => e.experiment_id,
        );
        expect(ids.length).toBeLessThanOrEqual(2);
        seen.push(...ids);
        token = res.body.next_page_token;
        pages += 1;
      } while (token && pages < 10);
      expect(seen.sort()).toEqual([...mine].sort());
      // A full first page although the store's first two rows were not all readable.
      const first = await api('edit', 'GET', '/experiments/search?max_results=2');
      expect(first.body.experiments).toHaveLength(2);
      // The legacy list route too, and the admin sees everything.
      const listed = await api('edit', 'GET', '/experiments/list');
      expect(
        ((listed.body.experiments ?? []) as Array<{ experiment_id: string }>)
          .map((e) => e.experiment_id)
          .sort(),
      ).toEqual([...mine].sort());
      const all = await api('admin', 'POST', '/experiments/search', { max_results: 100 });
      expect(all.body.experiments.length).toBeGreaterThanOrEqual(7);
      // Someone with nothing readable gets MLflow's empty answer.
      expect((await api('none', 'POST', '/experiments/search', { max_results: 100 })).body).toEqual({});
    });

    it('searches runs only in experiments the caller may read', async () => {
      const e1 = await createExperiment('edit', 'runs-edit');
      const e2 = await createExperiment('manage', 'runs-manage');
      for (const [user, experiment_id] of [
        ['edit', e1],
        ['manage', e2],
      ] as const)
        expect((await api(user, 'POST', '/runs/create', { experiment_id })).status).toBe(200);
      const res = await api('edit', 'POST', '/runs/search', { experiment_ids: [e1, e2] });
      expect(res.body.runs.map((r: { info: { experiment_id: string } }) => r.info.experiment_id)).toEqual([
        e1,
      ]);
      expect((await api('none', 'POST', '/runs/search', { experiment_ids: [e1, e2] })).body).toEqual({});
      // Granting READ opens the other experiment's runs to the search, but not to writes.
      await api('manage', 'POST', '/experiments/permissions/create', {
        experiment_id: e2,
        username: 'edit',
        permission: 'READ',
      });
      const both = await api('edit', 'POST', '/runs/search', { experiment_ids: [e1, e2] });
      expect(both.body.runs).toHaveLength(2);
      const other = both.body.runs.find(
        (r: { info: { experiment_id: string } }) => r.info.experiment_id === e2,
      );
      expect(
        (await api('edit', 'POST', '/runs/set-tag', { run_id: other.info.run_id, key: 'k', value: 'v' }))
          .status,
      ).toBe(403);
    });

    it('gives a model’s creator MANAGE, filters model and version searches, and keys permissions by name', async () => {
      const experiment_id = await createExperiment('edit', 'models-exp');
      const run = await api('edit', 'POST', '/runs/create', { experiment_id });
      const source = `${run.body.run.info.artifact_uri}/model`;
      for (const [user, name] of [
        ['edit', 'alpha'],
        ['edit', 'beta'],
        ['manage', 'gamma'],
      ] as const) {
        expect((await api(user, 'POST', '/registered-models/create', { name })).status).toBe(200);
        const version = await api(user, 'POST', '/model-versions/create', {
          name,
          source,
          run_id: run.body.run.info.run_id,
        });
        expect(version.status, version.text).toBe(200);
      }
      const models = await api('edit', 'GET', '/registered-models/search?max_results=1');
      expect(models.body.registered_models.map((m: { name: string }) => m.name)).toEqual(['alpha']);
      const page2 = await api(
        'edit',
        'GET',
        `/registered-models/search?max_results=1&page_token=${encodeURIComponent(models.body.next_page_token)}`,
      );
      expect(page2.body.registered_models.map((m: { name: string }) => m.name)).toEqual(['beta']);
      // Only unreadable models lie beyond: the last page is MLflow's empty answer.
      const page3 = await api(
        'edit',
        'GET',
        `/registered-models/search?max_results=1&page_token=${encodeURIComponent(page2.body.next_page_token)}`,
      );
      expect(page3.body).toEqual({});
      const versions = await api('edit', 'GET', '/model-versions/search');
      expect([...new Set(versions.body.model_versions.map((v: { name: string }) => v.name))].sort()).toEqual([
        'alpha',
        'beta',
      ]);

      // A rename carries every user's permission to the new name.
      await api('edit', 'POST', '/registered-models/permissions/create', {
        name: 'alpha',
        username: 'read',
        permission: 'READ',
      });
      expect((await api('read', 'GET', '/registered-models/get?name=alpha')).status).toBe(200);
      expect(
        (await api('edit', 'POST', '/registered-models/rename', { name: 'alpha', new_name: 'alpha2' }))
          .status,
      ).toBe(200);
      expect((await api('read', 'GET', '/registered-models/get?name=alpha2')).status).toBe(200);
      expect(
        (await api('edit', 'GET', '/registered-models/permissions/get?name=alpha2&username=read')).body,
      ).toEqual({
        registered_model_permission: { name: 'alpha2', user_id: expect.any(Number), permission: 'READ' },
      });
      expect(
        (await api('admin', 'GET', '/registered-models/permissions/get?name=alpha&username=read')).status,
      ).toBe(404);

      // A delete removes them, so a new model of that name starts with its own creator only.
      expect((await api('edit', 'DELETE', '/registered-models/delete', { name: 'alpha2' })).status).toBe(200);
      expect((await api('manage', 'POST', '/registered-models/create', { name: 'alpha2' })).status).toBe(200);
      expect((await api('read', 'GET', '/registered-models/get?name=alpha2')).status).toBe(403);
      expect((await api('edit', 'GET', '/registered-models/get?name=alpha2')).status).toBe(403);
      expect((await api('manage', 'GET', '/registered-models/get?name=alpha2')).status).toBe(200);
    });

    it('checks artifact proxy paths against their experiment', async () => {
      const experiment_id = await createExperiment('edit', 'artifacts-exp');
      const run = await api('edit', 'POST', '/runs/create', { experiment_id });
      const path = `/api/2.0/mlflow-artifacts/artifacts/${experiment_id}/${run.body.run.info.run_id}/artifacts/a.txt`;
      const put = (user: string) =>
        fetch(url + path, {
          method: 'PUT',
          headers: { ...as(user), 'content-type': 'text/plain' },
          body: 'hello',
        });
      expect((await put('read')).status).toBe(403);
      expect((await put('edit')).status).toBe(200);
      expect((await fetch(url + path, { headers: as('read') })).status).toBe(403);
      await api('edit', 'POST', '/experiments/permissions/create', {
        experiment_id,
        username: 'read',
        permission: 'READ',
      });
      const got = await fetch(url + path, { headers: as('read') });
      expect(got.status).toBe(200);
      expect(await got.text()).toBe('hello');
      // Deleting needs MANAGE, as MLflow's proxy check.
      await api('edit', 'POST', '/experiments/permissions/create', {
        experiment_id,
        username: 'manage',
        permission: 'EDIT',
      });
      expect((await fetch(url + path, { method: 'DELETE', headers: as('manage') })).status).toBe(403);
      expect((await fetch(url + path, { method: 'DELETE', headers: as('edit') })).status).toBe(200);
    });

    it("checks GraphQL's protected fields one by one", async () => {
      const experiment_id = await createExperiment('manage', 'graphql-exp');
      const run = await api('manage', 'POST', '/runs/create', { experiment_id });
      const runId = run.body.run.info.run_id as string;
      const graphql = (user: string, query: string) => send(url, 'POST', '/graphql', { query }, as(user));
      const getRun = `{ mlflowGetRun(input: {runId: "${runId}"}) { run { info { runId } } } }`;
      expect((await graphql('edit', getRun)).body).toEqual({ data: { mlflowGetRun: null }, errors: null });
      expect((await graphql('manage', getRun)).body.data.mlflowGetRun.run.info.runId).toBe(runId);
      const search = `{ mlflowSearchRuns(input: {experimentIds: ["${experiment_id}"]}) { runs { info { runId } } } }`;
      expect((await graphql('edit', search)).body.data.mlflowSearchRuns).toBeNull();
      expect((await graphql('admin', search)).body.data.mlflowSearchRuns.runs).toHaveLength(1);
      expect((await send(url, 'POST', '/graphql', { query: getRun })).status).toBe(401);
    });

    it('serves /signup to admins, whose form creates a user', async () => {
      expect((await send(url, 'GET', '/signup', undefined, as('edit'))).status).toBe(403);
      const page = await send(url, 'GET', '/signup', undefined, as('admin'));
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      const token = /name="csrf_token" value="([^"]+)"/.exec(page.text)?.[1];
      expect(token).toBeDefined();
      const submit = (fields: Record<string, string>) =>
        fetch(`${url}/api/2.0/mlflow/users/create-ui`, {
          method: 'POST',
          headers: { ...as('admin'), 'content-type': 'application/x-www-form-urlencoded', origin: url },
          body: new URLSearchParams(fields).toString(),
        });
      const forged = await submit({ csrf_token: 'nope', username: 'frank', password: 'frank-password-1' });
      expect(forged.status).toBe(400);
      const ok = await submit({ csrf_token: token!, username: 'frank', password: 'frank-password-1' });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('Successfully signed up user: frank');
      expect(
        (
          await send(
            url,
            'GET',
            '/api/2.0/mlflow/users/get?username=frank',
            undefined,
            basic('frank', 'frank-password-1'),
          )
        ).status,
      ).toBe(200);
      const taken = await submit({ csrf_token: token!, username: 'frank', password: 'frank-password-1' });
      expect(await taken.text()).toContain('Username has already been taken: frank');
      // users/current tells the web UI who is signed in and what users without a row may do.
      const current = await send(
        url,
        'GET',
        '/ajax-api/2.0/mlflow/users/current',
        undefined,
        basic('frank', 'frank-password-1'),
      );
      expect(current.body).toMatchObject({
        user: { username: 'frank', is_admin: false },
        default_permission: 'NO_PERMISSIONS',
      });
    });
  });
}
