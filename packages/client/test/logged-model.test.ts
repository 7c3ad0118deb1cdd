import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localPathOf } from '@flowline/artifact-store';
import { loadModel } from '@flowline/model-format';
import { storeTargets } from '@flowline/testkit';
import type { SqlTrackingStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tracker } from '../src/index.js';

for (const target of storeTargets()) {
  describe(`Tracker.logModel as MLflow 3 (logged models) on ${target.name}`, () => {
    let dir: string;
    let drop: () => Promise<void>;
    let tracker: Tracker;
    let store: SqlTrackingStore;
    let experimentId: string;
    let code: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'flowline-client-logged-model-'));
      const database = await target.createDatabase();
      drop = database.drop;
      tracker = new Tracker({ trackingUri: database.uri, env: {} });
      store = (await tracker.store()) as SqlTrackingStore;
      experimentId = await store.createExperiment({ name: 'lm', artifactLocation: join(dir, 'artifacts') });
      code = join(dir, 'tripler.mjs');
      await writeFile(
        code,
        'export default class { predict(_c, rows) { return rows.map((r) => r.v * 3); } }',
      );
    });
    afterAll(async () => {
      await tracker.close();
      await drop();
      await rm(dir, { recursive: true, force: true });
    });

    it('creates a READY logged model with the run params and step-0 metrics, files at its own location and in the run', async () => {
      const run = await tracker.startRun({ experimentId });
      await tracker.logParams({ lr: 0.1, layers: 2 });
      await tracker.logMetric('acc', 0.9);
      await tracker.logMetric('acc-later', 0.5, { step: 7 });
      const info = await tracker.logModel({ code }, 'model', {
        modelType: 'regressor',
        params: { extra: 'x' },
      });
      await tracker.endRun();

      expect(info.modelId).toMatch(/^m-[0-9a-f]{32}$/);
      expect(info.modelUri).toBe(`models:/${info.modelId}`);
      expect(info.runModelUri).toBe(`runs:/${run.info.runId}/model`);
      const model = await store.getLoggedModel(info.modelId!);
      expect(model).toMatchObject({
        name: 'model',
        experimentId,
        sourceRunId: run.info.runId,
        status: 'LOGGED_MODEL_READY',
        modelType: 'regressor',
        params: { lr: '0.1', layers: '2', extra: 'x' },
      });
      expect(model.tags['mlflow.source.type']).toBe('LOCAL');
      expect(model.artifactLocation).toMatch(new RegExp(`/models/${info.modelId}/artifacts$`));
      // Run metrics at the model's step (0) are logged against it, others not.
      expect(model.metrics.map((m) => [m.key, m.value, m.runId])).toEqual([['acc', 0.9, run.info.runId]]);
      // The model is an output of the run at its step (MLflow 3's log_outputs), as get-run shows it.
      expect((await store.getRun(run.info.runId)).outputs?.modelOutputs).toEqual([
        { modelId: info.modelId, step: 0 },
      ]);
      const mlmodel = await readFile(join(localPathOf(model.artifactLocation), 'MLmodel'), 'utf8');
      expect(mlmodel).toContain(`model_id: ${info.modelId}`);
      // The run keeps its copy, so runs:/<run>/model still loads.
      const paths = (await tracker.listArtifacts('model', { runId: run.info.runId })).map((f) => f.path);
      expect(paths).toContain('model/MLmodel');
      for (const uri of [info.modelUri, info.runModelUri]) {
        const loaded = await loadModel(uri, { store });
        expect(await loaded.predict([{ v: 2 }])).toEqual([6]);
        await loaded.close();
      }
    });

    it('takes { name } and registers the version from models:/<model_id>', async () => {
      const run = await tracker.startRun({ experimentId });
      const info = await tracker.logModel({ code }, { name: 'named', registeredModelName: 'tripler' });
      await tracker.endRun();
      expect((await store.getLoggedModel(info.modelId!)).name).toBe('named');
      expect(info.registeredModelVersion).toMatchObject({
        name: 'tripler',
        version: '1',
        source: `models:/${info.modelId}`,
        runId: run.info.runId,
      });
      const registry = await tracker.registry();
      const loaded = await loadModel('models:/tripler/1', { store, registry });
      expect(await loaded.predict([{ v: 1 }])).toEqual([3]);
      await loaded.close();
    });

    it('downloads a logged model, a file inside it, and a registered version sourced from it', async () => {
      await tracker.startRun({ experimentId });
      const info = await tracker.logModel({ code }, { name: 'fetched', registeredModelName: 'fetched-reg' });
      await tracker.endRun();
      const whole = await tracker.downloadArtifacts({
        artifactUri: info.modelUri,
        dstPath: join(dir, 'whole'),
      });
      expect(await readFile(join(whole, 'MLmodel'), 'utf8')).toContain(`model_id: ${info.modelId}`);
      const file = await tracker.downloadArtifacts({
        artifactUri: `${info.modelUri}/MLmodel`,
        dstPath: join(dir, 'one-file'),
      });
      expect(file).toBe(join(dir, 'one-file', 'MLmodel'));
      const version = info.registeredModelVersion!.version;
      const viaRegistry = await tracker.downloadArtifacts({
        artifactUri: `models:/fetched-reg/${version}/MLmodel`,
        dstPath: join(dir, 'via-registry'),
      });
      expect(await readFile(viaRegistry, 'utf8')).toContain(`model_id: ${info.modelId}`);
      await expect(
        tracker.downloadArtifacts({ artifactUri: `models:/m-${'0'.repeat(32)}`, dstPath: join(dir, 'none') }),
      ).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    });

    it('logs a metric against a model with its dataset, and to the run as well', async () => {
      const run = await tracker.startRun({ experimentId });
      const { modelId } = await tracker.logModel({ code }, 'scored');
      await tracker.logMetric('rmse', 0.25, {
        step: 3,
        modelId,
        dataset: { name: 'holdout', digest: 'abc123' },
      });
      await tracker.flush();
      await tracker.endRun();
      const metric = (await store.getLoggedModel(modelId!)).metrics.find((m) => m.key === 'rmse');
      expect(metric).toMatchObject({
        value: 0.25,
        step: 3,
        modelId,
        runId: run.info.runId,
        datasetName: 'holdout',
        datasetDigest: 'abc123',
      });
      const runMetrics = (await store.getRun(run.info.runId)).data.metrics;
      expect(runMetrics.find((m) => m.key === 'rmse')?.value).toBe(0.25);
    });

    it('finalizes the logged model UPLOAD_FAILED when the model cannot be written', async () => {
      const run = await tracker.startRun({ experimentId });
      await expect(tracker.logModel({ code: join(dir, 'missing.mjs') }, 'broken')).rejects.toThrow();
      await tracker.endRun('FAILED');
      const page = await store.searchLoggedModels({
        experimentIds: [experimentId],
        filter: `source_run_id = '${run.info.runId}'`,
      });
      expect(page.items.map((m) => [m.name, m.status])).toEqual([['broken', 'LOGGED_MODEL_UPLOAD_FAILED']]);
    });
  });
}
