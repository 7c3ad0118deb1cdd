import { LoggedModelTagKey } from '@flowline/core';
import { expectMlflowError, storeTargets } from '@flowline/testkit';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlRegistryStore } from '../src/index.js';

for (const target of storeTargets()) {
  describe(`model versions from logged models (models:/<model_id>) on ${target.name}`, () => {
    let tracking: SqlTrackingStore;
    let registry: SqlRegistryStore;
    let drop: () => Promise<void>;
    let runId: string;
    let experimentId: string;

    beforeAll(async () => {
      const database = await target.createDatabase();
      drop = database.drop;
      tracking = await SqlTrackingStore.open(database.uri, { defaultArtifactRoot: 'mlflow-artifacts:/' });
      registry = await SqlRegistryStore.create(tracking.database, {
        sources: {
          runArtifactUri: async (id) => (await tracking.getRun(id)).info.artifactUri,
          loggedModels: tracking,
        },
      });
      experimentId = await tracking.createExperiment({ name: 'logged-sources' });
      runId = (await tracking.createRun({ experimentId })).info.runId;
    });
    afterAll(async () => {
      await registry.close();
      await tracking.close();
      await drop();
    });

    const loggedModel = () => tracking.createLoggedModel({ experimentId, name: 'model', sourceRunId: runId });

    it("stores the logged model's artifact location and run, and lists each version in mlflow.modelVersions", async () => {
      const model = await loggedModel();
      await registry.createRegisteredModel({ name: 'model' });
      const first = await registry.createModelVersion({ name: 'model', source: `models:/${model.modelId}` });
      expect(first).toMatchObject({
        version: '1',
        source: `models:/${model.modelId}`,
        runId,
        modelId: model.modelId,
      });
      // Read back, the version names its logged model (MLflow 3's ModelVersion.model_id).
      expect((await registry.getModelVersion('model', '1')).modelId).toBe(model.modelId);
      expect(await registry.getModelVersionDownloadUri('model', '1')).toBe(model.artifactLocation);
      expect(model.artifactLocation).toMatch(new RegExp(`/models/${model.modelId}/artifacts$`));
      const tag = async () =>
        (await tracking.getLoggedModel(model.modelId)).tags[LoggedModelTagKey.MODEL_VERSIONS];
      // MLflow's exact form (Python's json.dumps), as its own tests assert it.
      expect(await tag()).toBe('[{"name": "model", "version": 1}]');
      await registry.createModelVersion({ name: 'model', source: `models:/${model.modelId}` });
      expect(await tag()).toBe('[{"name": "model", "version": 1}, {"name": "model", "version": 2}]');
    });

    it('keeps an explicit run id, and writes non-ASCII names as Python does', async () => {
      const model = await loggedModel();
      const other = (await tracking.createRun({ experimentId })).info.runId;
      await registry.createRegisteredModel({ name: 'modèle' });
      const version = await registry.createModelVersion({
        name: 'modèle',
        source: `models:/${model.modelId}`,
        runId: other,
      });
      expect(version.runId).toBe(other);
      expect((await tracking.getLoggedModel(model.modelId)).tags[LoggedModelTagKey.MODEL_VERSIONS]).toBe(
        '[{"name": "mod\\u00e8le", "version": 1}]',
      );
    });

    it('refuses a model id that names no logged model, creating no version', async () => {
      await registry.createRegisteredModel({ name: 'ghost' });
      await expectMlflowError(
        registry.createModelVersion({ name: 'ghost', source: `models:/m-${'0'.repeat(32)}` }),
        'RESOURCE_DOES_NOT_EXIST',
      );
      expect((await registry.searchModelVersions({ filter: "name = 'ghost'" })).items).toEqual([]);
    });

    it('without the tracking store keeps the source as its own storage location', async () => {
      const model = await loggedModel();
      const bare = await SqlRegistryStore.create(tracking.database);
      await bare.createRegisteredModel({ name: 'bare' });
      await bare.createModelVersion({ name: 'bare', source: `models:/${model.modelId}` });
      expect(await bare.getModelVersionDownloadUri('bare', '1')).toBe(`models:/${model.modelId}`);
      expect((await tracking.getLoggedModel(model.modelId)).tags).not.toHaveProperty(
        LoggedModelTagKey.MODEL_VERSIONS,
      );
      await bare.close();
    });
  });
}
