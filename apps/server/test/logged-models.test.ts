import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { storeTargets } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './helpers.js';
import { type StoreServer, storeServer } from './store-server.js';

// MLflow 3's logged-model REST API on a real server and store (SQLite, and Postgres when
// TEST_POSTGRES_URL is set), called as MLflow's Python client calls it, with MLflow's answers and errors.

const API = '/api/2.0/mlflow';
const AJAX = '/ajax-api/2.0/mlflow';
const nameOf = (m: { info: { name: string } }) => m.info.name;
const MISSING = (name: string) =>
  `Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`;

for (const target of storeTargets()) {
  describe(`the logged-model API (${target.name})`, () => {
    let server: StoreServer;
    let experimentId: string;
    let runId: string;
    const app = () => server.app;
    const create = async (body: Record<string, unknown> = {}) => {
      const res = await call(app(), 'POST', `${API}/logged-models`, { experiment_id: experimentId, ...body });
      expect(res.status, res.text).toBe(200);
      return res.body.model;
    };

    beforeAll(async () => {
      server = await storeServer(target, { proxy: true });
      experimentId = await server.tracking.createExperiment({ name: 'logged-models' });
      runId = (await server.tracking.createRun({ experimentId })).info.runId;
    });
    afterAll(async () => server?.close());

    describe('CreateLoggedModel and GetLoggedModel', () => {
      it('creates a pending model under the experiment, with its params and tags', async () => {
        const model = await create({
          name: 'classifier',
          model_type: 'agent',
          source_run_id: runId,
          params: [{ key: 'lr', value: '0.1' }],
          tags: [{ key: 'team', value: 'ml' }],
        });
        const id: string = model.info.model_id;
        expect(id).toMatch(/^m-[0-9a-f]{32}$/);
        expect(model.info).toMatchObject({
          experiment_id: experimentId,
          name: 'classifier',
          model_type: 'agent',
          source_run_id: runId,
          status: 'LOGGED_MODEL_PENDING',
          tags: [{ key: 'team', value: 'ml' }],
        });
        expect(model.info.artifact_uri).toMatch(new RegExp(`/models/${id}/artifacts$`));
        expect(model.info.creation_timestamp_ms).toBe(model.info.last_updated_timestamp_ms);
        expect(model.data).toEqual({ params: [{ key: 'lr', value: '0.1' }] });

        for (const prefix of [API, AJAX]) {
          const got = await call(app(), 'GET', `${prefix}/logged-models/${id}`);
          expect(got.status, got.text).toBe(200);
          expect(got.body).toEqual({ model });
        }
      });

      it('names a model when none is given, and leaves unset fields out', async () => {
        const model = await create({ name: '' });
        expect(model.info.name).toMatch(/\S/);
        expect(model.info).not.toHaveProperty('model_type');
        expect(model.info).not.toHaveProperty('source_run_id');
        expect(model.info).not.toHaveProperty('tags');
        expect(model.data).toEqual({});
      });

      it('refuses a missing experiment and answers 404 for unknown ones', async () => {
        const missing = await call(app(), 'POST', `${API}/logged-models`, { name: 'x' });
        expect(missing.status).toBe(400);
        expect(missing.body.error_code).toBe('INVALID_PARAMETER_VALUE');
        expect(missing.body.message).toContain("'experiment_id'");
        const wrongType = await call(app(), 'POST', `${API}/logged-models`, { experiment_id: 1 });
        expect(wrongType.status).toBe(400);
        expect(wrongType.body.error_code).toBe('INVALID_PARAMETER_VALUE');
        const unknown = await call(app(), 'POST', `${API}/logged-models`, { experiment_id: '987654' });
        expect(unknown.status).toBe(404);
        expect(unknown.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');

        const none = await call(app(), 'GET', `${API}/logged-models/m-${'0'.repeat(32)}`);
        expect(none.status).toBe(404);
        expect(none.body).toEqual({
          error_code: 'RESOURCE_DOES_NOT_EXIST',
          message: `Logged model with ID 'm-${'0'.repeat(32)}' not found.`,
        });
      });
    });

    describe('FinalizeLoggedModel', () => {
      it('sets the status by enum name or number', async () => {
        const { info } = await create();
        const ready = await call(app(), 'PATCH', `${API}/logged-models/${info.model_id}`, {
          model_id: info.model_id,
          status: 'LOGGED_MODEL_READY',
        });
        expect(ready.status, ready.text).toBe(200);
        expect(ready.body.model.info.status).toBe('LOGGED_MODEL_READY');
        expect(ready.body.model.info.last_updated_timestamp_ms).toBeGreaterThanOrEqual(
          info.last_updated_timestamp_ms,
        );
        const failed = await call(app(), 'PATCH', `${API}/logged-models/${info.model_id}`, { status: 3 });
        expect(failed.body.model.info.status).toBe('LOGGED_MODEL_UPLOAD_FAILED');
      });

      it('refuses a missing or unknown status, and unknown models', async () => {
        const { info } = await create();
        const url = `${API}/logged-models/${info.model_id}`;
        const missing = await call(app(), 'PATCH', url, {});
        expect(missing.status).toBe(400);
        expect(missing.body.message).toBe(MISSING('status'));
        const number = await call(app(), 'PATCH', url, { status: 9 });
        expect(number.body).toEqual({
          error_code: 'INVALID_PARAMETER_VALUE',
          message: 'Unknown model status: 9',
        });
        const name = await call(app(), 'PATCH', url, { status: 'DONE' });
        expect(name.status).toBe(400);
        expect(name.body.message).toContain("parameter 'status'");
        const unknown = await call(app(), 'PATCH', `${API}/logged-models/m-${'1'.repeat(32)}`, {
          status: 'LOGGED_MODEL_READY',
        });
        expect(unknown.status).toBe(404);
      });
    });

    describe('DeleteLoggedModel', () => {
      it('soft-deletes: get answers 404 unless allow_deleted=true', async () => {
        const { info } = await create();
        const url = `${API}/logged-models/${info.model_id}`;
        const deleted = await call(app(), 'DELETE', url);
        expect(deleted.status, deleted.text).toBe(200);
        expect(deleted.body).toEqual({});
        expect((await call(app(), 'GET', url)).status).toBe(404);
        const allowed = await call(app(), 'GET', `${url}?allow_deleted=True`);
        expect(allowed.status, allowed.text).toBe(200);
        expect(allowed.body.model.info.model_id).toBe(info.model_id);
        expect((await call(app(), 'DELETE', `${API}/logged-models/m-${'2'.repeat(32)}`)).status).toBe(404);
      });
    });

    describe('tags and params', () => {
      it('sets and deletes tags, and logs params', async () => {
        const { info } = await create({ tags: [{ key: 'a', value: '1' }] });
        const url = `${API}/logged-models/${info.model_id}`;
        const set = await call(app(), 'PATCH', `${url}/tags`, {
          tags: [
            { key: 'a', value: '2' },
            { key: 'b', value: '3' },
          ],
        });
        expect(set.status, set.text).toBe(200);
        expect(set.body).toEqual({});
        const logged = await call(app(), 'POST', `${url}/params`, {
          model_id: info.model_id,
          params: [{ key: 'epochs', value: '5' }],
        });
        expect(logged.status, logged.text).toBe(200);
        expect(logged.body).toEqual({});
        const removed = await call(app(), 'DELETE', `${url}/tags/a`);
        expect(removed.status, removed.text).toBe(200);

        const { model } = (await call(app(), 'GET', url)).body;
        expect(model.info.tags).toEqual([{ key: 'b', value: '3' }]);
        expect(model.data.params).toEqual([{ key: 'epochs', value: '5' }]);

        const again = await call(app(), 'DELETE', `${url}/tags/a`);
        expect(again.status).toBe(404);
        expect(again.body).toEqual({
          error_code: 'RESOURCE_DOES_NOT_EXIST',
          message: `No tag with key 'a' found for model with ID '${info.model_id}'.`,
        });
        const keyless = await call(app(), 'PATCH', `${url}/tags`, { tags: [{ value: 'x' }] });
        expect(keyless.status).toBe(400);
        const unknown = await call(app(), 'PATCH', `${API}/logged-models/m-${'3'.repeat(32)}/tags`, {
          tags: [{ key: 'k', value: 'v' }],
        });
        expect(unknown.status).toBe(404);
      });
    });

    describe('SearchLoggedModels', () => {
      let searchExperiment: string;
      beforeAll(async () => {
        searchExperiment = await server.tracking.createExperiment({ name: 'logged-models-search' });
        for (const [name, lr] of [
          ['alpha', '0.1'],
          ['beta', '0.2'],
          ['gamma', '0.3'],
        ] as const) {
          await create({ experiment_id: searchExperiment, name, params: [{ key: 'lr', value: lr }] });
        }
      });
      const search = (body: Record<string, unknown>) =>
        call(app(), 'POST', `${API}/logged-models/search`, { experiment_ids: [searchExperiment], ...body });

      it('filters, orders and pages', async () => {
        const byParam = await search({ filter: "params.lr = '0.2'" });
        expect(byParam.status, byParam.text).toBe(200);
        expect(byParam.body.models.map(nameOf)).toEqual(['beta']);

        const ordered = await search({ order_by: [{ field_name: 'name', ascending: false }] });
        expect(ordered.body.models.map(nameOf)).toEqual(['gamma', 'beta', 'alpha']);

        const first = await search({ order_by: [{ field_name: 'name' }], max_results: 2 });
        expect(first.body.models.map(nameOf)).toEqual(['alpha', 'beta']);
        expect(first.body.next_page_token).toEqual(expect.any(String));
        const second = await search({
          order_by: [{ field_name: 'name' }],
          max_results: 2,
          page_token: first.body.next_page_token,
        });
        expect(second.body.models.map(nameOf)).toEqual(['gamma']);
        expect(second.body).not.toHaveProperty('next_page_token');

        const none = await search({ filter: "name = 'nothing'" });
        expect(none.body).toEqual({});
      });

      it('refuses missing experiment ids and bad filters', async () => {
        const missing = await call(app(), 'POST', `${API}/logged-models/search`, {});
        expect(missing.status).toBe(400);
        expect(missing.body.message).toBe(MISSING('experiment_ids'));
        const bad = await search({ filter: 'name = "a" OR name = "b"' });
        expect(bad.status).toBe(400);
        expect(bad.body.error_code).toBe('INVALID_PARAMETER_VALUE');
        const order = await search({ order_by: [{ field_name: 'nope' }] });
        expect(order.status).toBe(400);
        expect(order.body.error_code).toBe('INVALID_PARAMETER_VALUE');
      });
    });

    describe('artifacts', () => {
      it('lists directories and sends files from the model artifact location', async () => {
        const { info } = await create();
        // The proxy keeps `mlflow-artifacts:/<path>` under its destination folder.
        const root = join(server.dir, 'proxy', info.artifact_uri.replace(/^mlflow-artifacts:\/*/, ''));
        const files: [string, string][] = [
          ['MLmodel', 'flavors: {}\n'],
          ['data/model.bin', 'abc'],
        ];
        for (const [path, text] of files) {
          await mkdir(dirname(join(root, path)), { recursive: true });
          await writeFile(join(root, path), text);
        }
        const url = `${API}/logged-models/${info.model_id}/artifacts/directories`;
        const top = await call(app(), 'GET', url);
        expect(top.status, top.text).toBe(200);
        expect(top.body).toEqual({
          root_uri: info.artifact_uri,
          files: [
            { path: 'MLmodel', is_dir: false, file_size: 12 },
            { path: 'data', is_dir: true },
          ],
        });
        const inner = await call(app(), 'GET', `${url}?artifact_directory_path=data`);
        expect(inner.body.files).toEqual([{ path: 'data/model.bin', is_dir: false, file_size: 3 }]);
        const unsafe = await call(app(), 'GET', `${url}?artifact_directory_path=../x`);
        expect(unsafe.status).toBe(400);

        const filesUrl = `${AJAX}/logged-models/${info.model_id}/artifacts/files`;
        const file = await call(app(), 'GET', `${filesUrl}?artifact_file_path=MLmodel`);
        expect(file.status).toBe(200);
        expect(file.text).toBe('flavors: {}\n');
        const noPath = await call(app(), 'GET', filesUrl);
        expect(noPath.status).toBe(400);
        expect(noPath.body).toEqual({
          error_code: 'BAD_REQUEST',
          message: 'Request must include the "artifact_file_path" query parameter.',
        });
        expect((await call(app(), 'GET', `${filesUrl}?artifact_file_path=../../x`)).status).toBe(400);
        // Served under the web UI's prefix only, as MLflow.
        expect(
          (await call(app(), 'GET', `${API}/logged-models/${info.model_id}/artifacts/files`)).status,
        ).toBe(404);
      });
    });

    describe('metrics logged against a model', () => {
      it('log-metric and log-batch write model_id points to the run and to the model', async () => {
        const { info } = await create({ source_run_id: runId });
        const one = await call(app(), 'POST', `${API}/runs/log-metric`, {
          run_id: runId,
          key: 'acc',
          value: 0.9,
          timestamp: 1000,
          step: 1,
          model_id: info.model_id,
          dataset_name: 'eval',
          dataset_digest: 'abc123',
        });
        expect(one.status, one.text).toBe(200);
        const batch = await call(app(), 'POST', `${API}/runs/log-batch`, {
          run_id: runId,
          metrics: [
            { key: 'loss', value: 0.5, timestamp: 2000, step: 2, model_id: info.model_id },
            { key: 'run-only', value: 1, timestamp: 2000, step: 2 },
          ],
        });
        expect(batch.status, batch.text).toBe(200);

        const { model } = (await call(app(), 'GET', `${API}/logged-models/${info.model_id}`)).body;
        const byKey = Object.fromEntries(model.data.metrics.map((m: { key: string }) => [m.key, m]));
        expect(Object.keys(byKey).sort()).toEqual(['acc', 'loss']);
        expect(byKey.acc).toEqual({
          key: 'acc',
          value: 0.9,
          timestamp: 1000,
          step: 1,
          dataset_name: 'eval',
          dataset_digest: 'abc123',
          model_id: info.model_id,
          run_id: runId,
        });
        expect(byKey.loss).toEqual({
          key: 'loss',
          value: 0.5,
          timestamp: 2000,
          step: 2,
          model_id: info.model_id,
          run_id: runId,
        });
        // The run keeps every point as before.
        const run = (await server.tracking.getRun(runId)).data.metrics.map((m) => m.key).sort();
        expect(run).toEqual(expect.arrayContaining(['acc', 'loss', 'run-only']));

        const unknown = await call(app(), 'POST', `${API}/runs/log-metric`, {
          run_id: runId,
          key: 'acc',
          value: 1,
          timestamp: 3000,
          model_id: `m-${'4'.repeat(32)}`,
        });
        expect(unknown.status).toBe(404);
        expect(unknown.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
      });
    });

    describe('LogOutputs', () => {
      it('refuses a missing run or model id', async () => {
        const noRun = await call(app(), 'POST', `${API}/runs/outputs`, { models: [] });
        expect(noRun.status).toBe(400);
        expect(noRun.body.message).toBe(MISSING('run_id'));
        const noModel = await call(app(), 'POST', `${API}/runs/outputs`, {
          run_id: runId,
          models: [{ step: 1 }],
        });
        expect(noModel.status).toBe(400);
        expect(noModel.body.message).toBe(MISSING('models[0].model_id'));
      });
    });
  });
}
