import { storeTargets } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, createArtifactAccess } from '../src/index.js';
import { call } from './helpers.js';
import { type StoreServer, storeServer } from './store-server.js';

const PROMPTLAB = '/ajax-api/2.0/mlflow/runs/create-promptlab-run';

const FULL = {
  run_name: 'my_run_name',
  prompt_template: 'my_prompt_template',
  prompt_parameters: [{ key: 'my_key', value: 'my_value' }],
  model_route: 'my_route',
  model_parameters: [{ key: 'temperature', value: '0.1' }],
  model_input: 'my_input',
  model_output: 'my_output',
  model_output_parameters: [{ key: 'latency', value: '100' }],
  mlflow_version: '1.0.0',
  user_id: 'username',
  start_time: 456,
};

for (const target of storeTargets()) {
  for (const proxy of [false, true]) {
    describe(`runs/create-promptlab-run (${target.name}, ${proxy ? 'proxied' : 'local'} artifacts)`, () => {
      let server: StoreServer;
      let experimentId: string;
      beforeAll(async () => {
        server = await storeServer(target, { proxy });
        experimentId = await server.tracking.createExperiment({ name: 'log inputs test' });
      });
      afterAll(async () => server.close());

      it('creates a finished run with params, tags and the eval table (test_create_promptlab_run_handler_returns_expected_results)', async () => {
        const res = await call(server.app, 'POST', PROMPTLAB, { ...FULL, experiment_id: experimentId });
        expect(res.status).toBe(200);
        const { info, data } = res.body.run;
        expect(info).toMatchObject({
          run_name: 'my_run_name',
          experiment_id: experimentId,
          user_id: 'username',
          status: 'FINISHED',
          start_time: 456,
          end_time: expect.any(Number),
        });
        expect(data.params).toEqual(
          expect.arrayContaining([
            { key: 'model_route', value: 'my_route' },
            { key: 'prompt_template', value: 'my_prompt_template' },
            { key: 'temperature', value: '0.1' },
          ]),
        );
        expect(data.params).toHaveLength(3);
        expect(data.tags).toEqual(
          expect.arrayContaining([
            {
              key: 'mlflow.loggedArtifacts',
              value: '[{"path": "eval_results_table.json", "type": "table"}]',
            },
            { key: 'mlflow.runSourceType', value: 'PROMPT_ENGINEERING' },
          ]),
        );
        const history = JSON.parse(
          data.tags.find((t: { key: string }) => t.key === 'mlflow.log-model.history').value,
        );
        expect(history).toEqual([
          expect.objectContaining({ artifact_path: 'model', run_id: info.run_id, flavors: {} }),
        ]);

        const file = (path: string) =>
          call(server.app, 'GET', `/get-artifact?run_id=${info.run_id}&path=${path}`);
        const table = await file('eval_results_table.json');
        expect(table.text).toBe(
          '{"columns": ["my_key", "prompt", "output", "latency"], "data": [["my_value", "my_input", "my_output", "100"]]}',
        );
        const mlmodel = (await file('model/MLmodel')).text;
        expect(mlmodel).toMatch(/loader_module: mlflow\.prompt\.promptlab_model/);
        expect(mlmodel).toMatch(/parameters_path: parameters\.yaml/);
        expect(mlmodel).toContain(`run_id: ${info.run_id}`);
        expect(mlmodel).toContain('"name": "my_key"');
        const parameters = JSON.parse((await file('model/parameters.yaml')).text);
        expect(parameters).toEqual({
          model_parameters: { temperature: '0.1' },
          model_route: 'my_route',
          prompt_parameters: { my_key: 'my_value' },
          prompt_template: 'my_prompt_template',
        });
      });

      it('takes tags, defaults user_id to "unknown" and start_time to now, and writes non-string values as Python would', async () => {
        const before = Date.now();
        const res = await call(server.app, 'POST', PROMPTLAB, {
          experiment_id: experimentId,
          prompt_template: 't {{ a }}',
          prompt_parameters: [{ key: 'a', value: 1 }],
          model_route: 'r',
          model_parameters: [{ key: 'stream', value: true }],
          model_input: 'in',
          mlflow_version: '2.9.0',
          tags: [{ key: 'team', value: 'ml' }],
        });
        expect(res.status).toBe(200);
        const { info, data } = res.body.run;
        expect(info.user_id).toBe('unknown');
        expect(info.start_time).toBeGreaterThanOrEqual(before);
        expect(data.tags).toContainEqual({ key: 'team', value: 'ml' });
        expect(data.params).toContainEqual({ key: 'stream', value: 'True' });
        const table = await call(
          server.app,
          'GET',
          `/get-artifact?run_id=${info.run_id}&path=eval_results_table.json`,
        );
        expect(table.body).toEqual({ columns: ['a', 'prompt', 'output'], data: [['1', 'in', null]] });
      });

      it("refuses incomplete requests with MLflow's messages (test_create_promptlab_run_handler_rejects_invalid_requests)", async () => {
        const steps: Array<[Record<string, unknown>, string]> = [
          [{}, 'experiment_id'],
          [{ experiment_id: '123' }, 'prompt_template'],
          [{ experiment_id: '123', prompt_template: 'my_prompt_template' }, 'prompt_parameters'],
          [
            {
              experiment_id: '123',
              prompt_template: 'p',
              prompt_parameters: [{ key: 'my_key', value: 'v' }],
            },
            'model_route',
          ],
          [
            {
              experiment_id: '123',
              prompt_template: 'p',
              prompt_parameters: [{ key: 'k', value: 'v' }],
              model_route: 'my_route',
            },
            'model_input',
          ],
          [
            {
              experiment_id: '123',
              prompt_template: 'p',
              prompt_parameters: [{ key: 'k', value: 'v' }],
              model_route: 'my_route',
              model_input: 'my_input',
            },
            'mlflow_version',
          ],
          [{ experiment_id: '123', prompt_template: 'p', prompt_parameters: [] }, 'prompt_parameters'],
        ];
        for (const [body, field] of steps) {
          const res = await call(server.app, 'POST', PROMPTLAB, body);
          expect(res.status, field).toBe(400);
          expect(res.body).toEqual({
            error_code: 'INVALID_PARAMETER_VALUE',
            message: `CreatePromptlabRun request must specify ${field}.`,
          });
        }
        const unknownExperiment = await call(server.app, 'POST', PROMPTLAB, {
          ...FULL,
          experiment_id: '999999',
        });
        expect(unknownExperiment.status).toBe(404);
        const form = await call(server.app, 'POST', PROMPTLAB, 'experiment_id=1', {
          'content-type': 'application/x-www-form-urlencoded',
        });
        expect(form.status).toBe(400);
      });

      it('is served under /ajax-api only, as in MLflow', async () => {
        const res = await call(server.app, 'POST', '/api/2.0/mlflow/runs/create-promptlab-run', FULL);
        expect(res).toMatchObject({ status: 404, body: { error_code: 'ENDPOINT_NOT_FOUND' } });
      });
    });
  }
}

describe('runs/create-promptlab-run when its artifacts cannot be written', () => {
  it('keeps the run and marks it FAILED, as MLflow does', async () => {
    const [target] = storeTargets();
    const server = await storeServer(target!, { proxy: true });
    try {
      // A proxied run root on a server that stopped serving artifacts: the artifact writes fail.
      const bare = await buildServer({
        store: server.tracking,
        artifacts: createArtifactAccess(null),
        webRoot: null,
      });
      const res = await call(bare, 'POST', PROMPTLAB, { ...FULL, experiment_id: '0' });
      await bare.close();
      expect(res.status).toBe(200);
      expect(res.body.run.info.status).toBe('FAILED');
      expect(res.body.run.data.params).toContainEqual({ key: 'model_route', value: 'my_route' });
    } finally {
      await server.close();
    }
  });
});
