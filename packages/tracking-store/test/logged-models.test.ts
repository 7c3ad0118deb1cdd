import type { ModelScopedMetric } from '@flowline/core';
import { expectMlflowError, storeTargets, uniqueName } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlTrackingStore } from '../src/index.js';
import { openSteppingStore } from './test-databases.js';

// MLflow 3's logged-model store behaviours (tests/store/tracking/test_sqlalchemy_store.py, logged models):
// create, get, finalize, soft delete, tags, params, and metrics logged against a model.

for (const target of storeTargets()) {
  describe(`logged models on ${target.name}`, () => {
    let store: SqlTrackingStore;
    let close: () => Promise<void>;

    beforeAll(async () => {
      ({ store, close } = await openSteppingStore(target));
    });
    afterAll(() => close());

    const experiment = () => store.createExperiment({ name: uniqueName('models') });

    it('creates a pending model with MLflow’s id, artifact location, params and tags', async () => {
      const exp = await experiment();
      const run = await store.createRun({ experimentId: exp });
      const model = await store.createLoggedModel({
        experimentId: exp,
        name: 'classifier',
        modelType: 'sklearn',
        sourceRunId: run.info.runId,
        params: { lr: '0.01', depth: '3' },
        tags: { team: 'a' },
      });
      expect(model.modelId).toMatch(/^m-[0-9a-f]{32}$/);
      const experimentRow = await store.getExperiment(exp);
      expect(model).toMatchObject({
        experimentId: exp,
        name: 'classifier',
        artifactLocation: `${experimentRow.artifactLocation}/models/${model.modelId}/artifacts`,
        status: 'LOGGED_MODEL_PENDING',
        modelType: 'sklearn',
        sourceRunId: run.info.runId,
        params: { depth: '3', lr: '0.01' },
        tags: { team: 'a' },
        metrics: [],
      });
      expect(model.creationTimestamp).toBe(model.lastUpdatedTimestamp);
      expect(model.statusMessage).toBeUndefined();
      expect(await store.getLoggedModel(model.modelId)).toEqual(model);
    });

    it('generates a name when none is given, and refuses names MLflow refuses', async () => {
      const exp = await experiment();
      const model = await store.createLoggedModel({ experimentId: exp });
      expect(model.name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
      for (const name of ['a/b', 'a.b', 'a:b', 'a%b', `a'b`, 'a"b']) {
        await expectMlflowError(
          store.createLoggedModel({ experimentId: exp, name }),
          'INVALID_PARAMETER_VALUE',
          /Invalid model name/,
        );
      }
    });

    it('refuses a missing or deleted experiment', async () => {
      await expectMlflowError(
        store.createLoggedModel({ experimentId: '987654' }),
        'RESOURCE_DOES_NOT_EXIST',
        'No Experiment with id=987654 exists',
      );
      const exp = await experiment();
      await store.deleteExperiment(exp);
      await expectMlflowError(
        store.createLoggedModel({ experimentId: exp }),
        'INVALID_PARAMETER_VALUE',
        /must be in the 'active' state/,
      );
    });

    it('reports unknown models with MLflow’s message', async () => {
      const calls = [
        () => store.getLoggedModel('m-missing'),
        () => store.finalizeLoggedModel('m-missing', 'LOGGED_MODEL_READY'),
        () => store.deleteLoggedModel('m-missing'),
        () => store.setLoggedModelTags('m-missing', { a: 'b' }),
        () => store.deleteLoggedModelTag('m-missing', 'a'),
        () => store.logLoggedModelParams('m-missing', { a: 'b' }),
      ];
      for (const call of calls) {
        await expectMlflowError(
          call(),
          'RESOURCE_DOES_NOT_EXIST',
          "Logged model with ID 'm-missing' not found.",
        );
      }
    });

    it('finalizes a model, bumping its last-updated time', async () => {
      const exp = await experiment();
      const model = await store.createLoggedModel({ experimentId: exp });
      const ready = await store.finalizeLoggedModel(model.modelId, 'LOGGED_MODEL_READY');
      expect(ready.status).toBe('LOGGED_MODEL_READY');
      expect(ready.lastUpdatedTimestamp).toBeGreaterThan(model.lastUpdatedTimestamp);
      expect(ready.creationTimestamp).toBe(model.creationTimestamp);
      const failed = await store.finalizeLoggedModel(model.modelId, 'LOGGED_MODEL_UPLOAD_FAILED');
      expect(failed.status).toBe('LOGGED_MODEL_UPLOAD_FAILED');
      await expectMlflowError(
        store.finalizeLoggedModel(model.modelId, 'DONE' as never),
        'INVALID_PARAMETER_VALUE',
        /parameter 'status'/,
      );
    });

    it('soft-deletes: get and search no longer see the model, allowDeleted does', async () => {
      const exp = await experiment();
      const model = await store.createLoggedModel({ experimentId: exp });
      await store.deleteLoggedModel(model.modelId);
      await expectMlflowError(store.getLoggedModel(model.modelId), 'RESOURCE_DOES_NOT_EXIST');
      const deleted = await store.getLoggedModel(model.modelId, { allowDeleted: true });
      expect(deleted.modelId).toBe(model.modelId);
      expect(deleted.lastUpdatedTimestamp).toBeGreaterThan(model.lastUpdatedTimestamp);
      expect((await store.searchLoggedModels({ experimentIds: [exp] })).items).toEqual([]);
      await expectMlflowError(store.deleteLoggedModel(model.modelId), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('sets, overwrites and deletes tags without touching last-updated', async () => {
      const exp = await experiment();
      const model = await store.createLoggedModel({ experimentId: exp, tags: { a: '1' } });
      await store.setLoggedModelTags(model.modelId, { a: '2', b: '3' });
      const tagged = await store.getLoggedModel(model.modelId);
      expect(tagged.tags).toEqual({ a: '2', b: '3' });
      expect(tagged.lastUpdatedTimestamp).toBe(model.lastUpdatedTimestamp);
      await store.deleteLoggedModelTag(model.modelId, 'a');
      expect((await store.getLoggedModel(model.modelId)).tags).toEqual({ b: '3' });
      await expectMlflowError(
        store.deleteLoggedModelTag(model.modelId, 'a'),
        'RESOURCE_DOES_NOT_EXIST',
        `No tag with key 'a' found for model with ID '${model.modelId}'.`,
      );
    });

    it('logs params, which are immutable', async () => {
      const exp = await experiment();
      const model = await store.createLoggedModel({ experimentId: exp, params: { a: '1' } });
      await store.logLoggedModelParams(model.modelId, { a: '1', b: '2' });
      expect((await store.getLoggedModel(model.modelId)).params).toEqual({ a: '1', b: '2' });
      await expectMlflowError(
        store.logLoggedModelParams(model.modelId, { b: '3' }),
        'INVALID_PARAMETER_VALUE',
        /Changing param values is not allowed/,
      );
      await expectMlflowError(
        store.logLoggedModelParams(model.modelId, { '': 'x' }),
        'INVALID_PARAMETER_VALUE',
      );
    });

    it('writes model-scoped logBatch metrics to the run and to the model, with datasets', async () => {
      const exp = await experiment();
      const run = await store.createRun({ experimentId: exp });
      const model = await store.createLoggedModel({ experimentId: exp, sourceRunId: run.info.runId });
      const runId = run.info.runId;
      const point: ModelScopedMetric = {
        key: 'acc',
        value: 0.9,
        timestamp: 100,
        step: 1,
        modelId: model.modelId,
        datasetName: 'eval',
        datasetDigest: 'd1',
      };
      // The same point twice in one batch is stored once.
      const metrics: ModelScopedMetric[] = [
        point,
        { ...point },
        { key: 'loss', value: Number.POSITIVE_INFINITY, timestamp: 101, step: 0, modelId: model.modelId },
        { key: 'run_only', value: 1, timestamp: 102, step: 0 },
      ];
      await store.logBatch(runId, { metrics });
      const later: ModelScopedMetric = {
        key: 'acc',
        value: 0.95,
        timestamp: 200,
        step: 2,
        modelId: model.modelId,
      };
      await store.logMetric(runId, later);
      const got = await store.getLoggedModel(model.modelId);
      expect(got.metrics).toEqual([
        {
          key: 'acc',
          value: 0.9,
          timestamp: 100,
          step: 1,
          modelId: model.modelId,
          runId,
          datasetName: 'eval',
          datasetDigest: 'd1',
        },
        { key: 'acc', value: 0.95, timestamp: 200, step: 2, modelId: model.modelId, runId },
        {
          key: 'loss',
          value: Number.POSITIVE_INFINITY,
          timestamp: 101,
          step: 0,
          modelId: model.modelId,
          runId,
        },
      ]);
      const runData = (await store.getRun(runId)).data.metrics;
      expect(runData.map((m) => [m.key, m.value]).sort()).toEqual([
        ['acc', 0.95],
        ['loss', Number.POSITIVE_INFINITY],
        ['run_only', 1],
      ]);
      // Logging the same points again adds nothing.
      await store.logLoggedModelMetrics(runId, [
        { key: 'acc', value: 0.9, timestamp: 100, step: 1, modelId: model.modelId },
      ]);
      expect((await store.getLoggedModel(model.modelId)).metrics).toHaveLength(3);
    });

    it('refuses metrics for an unknown model before writing the run’s', async () => {
      const exp = await experiment();
      const run = await store.createRun({ experimentId: exp });
      const metrics: ModelScopedMetric[] = [{ key: 'x', value: 1, timestamp: 1, step: 0, modelId: 'm-nope' }];
      await expectMlflowError(
        store.logBatch(run.info.runId, { metrics }),
        'RESOURCE_DOES_NOT_EXIST',
        "Logged model with ID 'm-nope' not found.",
      );
      expect((await store.getRun(run.info.runId)).data.metrics).toEqual([]);
      await expectMlflowError(
        store.logLoggedModelMetrics('0123456789abcdef0123456789abcdef', []),
        'RESOURCE_DOES_NOT_EXIST',
      );
    });
  });
}
