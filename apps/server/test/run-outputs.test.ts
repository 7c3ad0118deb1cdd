import { TrackingClient } from '@flowline/client';
import type { WireRun } from '@flowline/core';
import { storeTargets } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StoreServer, storeServer } from './store-server.js';

// MLflow 3's run outputs and model inputs over REST on a loopback server, as MLflow's Python client sends
// them (`log_model` inside a run calls LogOutputs; `log_inputs(models=…)` calls LogInputs with `models`):
// runs/outputs answers 200 and get-run shows `outputs.model_outputs` and `inputs.model_inputs`.

const API = '/api/2.0/mlflow';

/** The answers these tests read: an empty body, an error, or search-runs' runs. */
interface Answer {
  error_code?: string;
  message?: string;
  runs?: WireRun[];
}

for (const target of storeTargets()) {
  describe(`run outputs over REST (${target.name})`, () => {
    let server: StoreServer;
    let url: string;
    let experimentId: string;

    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${url}${API}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Answer };
    };
    const getRun = async (runId: string) => {
      const res = await fetch(`${url}${API}/runs/get?run_id=${runId}`);
      expect(res.status).toBe(200);
      return ((await res.json()) as { run: WireRun }).run;
    };
    const setup = async (name: string) => {
      const runId = (await server.tracking.createRun({ experimentId })).info.runId;
      const model = await server.tracking.createLoggedModel({ experimentId, name, sourceRunId: runId });
      return { runId, modelId: model.modelId };
    };

    beforeAll(async () => {
      server = await storeServer(target, { proxy: true });
      url = await server.app.listen({ host: '127.0.0.1', port: 0 });
      experimentId = await server.tracking.createExperiment({ name: 'run-outputs' });
    });
    afterAll(async () => server?.close());

    it('records a run output (200) and get-run and search show it as MLflow’s JSON', async () => {
      const { runId, modelId } = await setup('produced');
      const logged = await post('/runs/outputs', {
        run_id: runId,
        models: [{ model_id: modelId, step: '2' }],
      });
      expect(logged).toEqual({ status: 200, body: {} });
      const run = await getRun(runId);
      expect(run.outputs).toEqual({ model_outputs: [{ model_id: modelId, step: 2 }] });
      expect(run.inputs).toEqual({});
      const search = await post('/runs/search', { experiment_ids: [experimentId] });
      const found = search.body.runs?.find((r) => r.info.run_id === runId);
      expect(found?.outputs).toEqual(run.outputs);
    });

    it('answers get-run with an empty outputs object for a run without models', async () => {
      const runId = (await server.tracking.createRun({ experimentId })).info.runId;
      const run = await getRun(runId);
      expect(run.outputs).toEqual({});
    });

    it('records model inputs sent with log-inputs, beside datasets', async () => {
      const { runId, modelId } = await setup('used');
      const logged = await post('/runs/log-inputs', {
        run_id: runId,
        datasets: [{ dataset: { name: 'd', digest: 'x', source_type: 'local', source: '/d' } }],
        models: [{ model_id: modelId }],
      });
      expect(logged).toEqual({ status: 200, body: {} });
      const run = await getRun(runId);
      expect(run.inputs.model_inputs).toEqual([{ model_id: modelId }]);
      expect(run.inputs.dataset_inputs?.map((i) => i.dataset.name)).toEqual(['d']);
    });

    it('answers unknown runs and models 404 and a missing model id 400, in MLflow’s words', async () => {
      const { runId, modelId } = await setup('refused');
      const unknownRun = await post('/runs/outputs', {
        run_id: '0'.repeat(32),
        models: [{ model_id: modelId, step: 0 }],
      });
      expect(unknownRun.status).toBe(404);
      expect(unknownRun.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
      const unknownModel = `m-${'0'.repeat(32)}`;
      const noModel = await post('/runs/outputs', {
        run_id: runId,
        models: [{ model_id: unknownModel, step: 0 }],
      });
      expect(noModel.status).toBe(404);
      expect(noModel.body).toEqual({
        error_code: 'RESOURCE_DOES_NOT_EXIST',
        message: `Logged model with ID '${unknownModel}' not found.`,
      });
      const noInputModel = await post('/runs/log-inputs', {
        run_id: runId,
        models: [{ model_id: unknownModel }],
      });
      expect(noInputModel.status).toBe(404);
      const missing = await post('/runs/log-inputs', { run_id: runId, models: [{}] });
      expect(missing.status).toBe(400);
      expect(missing.body.message).toContain("'models[0].model_id'");
      expect((await getRun(runId)).outputs).toEqual({});
    });

    it('round-trips through TrackingClient: logOutputs, logInputs with models, getRun', async () => {
      const { runId, modelId } = await setup('client');
      const client = new TrackingClient(url, { maxRetries: 0 });
      await client.logOutputs(runId, [{ modelId, step: 4 }]);
      await client.logInputs(runId, [], [{ modelId }]);
      const run = await client.getRun(runId);
      expect(run.outputs).toEqual({ modelOutputs: [{ modelId, step: 4 }] });
      expect(run.inputs.modelInputs).toEqual([{ modelId }]);
      expect(run).toEqual(await server.tracking.getRun(runId));
    });
  });
}
