import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSteppingClock } from '@flowline/core';
import { expectMlflowError, storeTargets } from '@flowline/testkit';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { SqlRegistryStore } from '../src/index.js';

for (const target of storeTargets()) {
  describe(`SqlRegistryStore on ${target.name}`, () => {
    let registry: SqlRegistryStore;
    let tracking: SqlTrackingStore;
    let drop: () => Promise<void>;
    let runId: string;
    let counter = 0;
    const name = (prefix = 'model') => `${prefix}-${++counter}`;

    beforeAll(async () => {
      const database = await target.createDatabase();
      drop = database.drop;
      tracking = await SqlTrackingStore.open(database.uri, { defaultArtifactRoot: 'mlflow-artifacts:/' });
      // A clock that moves on at every reading, so "newest first" never depends on two writes' milliseconds.
      registry = await SqlRegistryStore.open(database.uri, {
        clock: createSteppingClock(Date.now()),
        sources: {
          runArtifactUri: async (id) => (await tracking.getRun(id)).info.artifactUri,
        },
      });
      const run = await tracking.createRun({});
      runId = run.info.runId;
    });
    afterAll(async () => {
      await registry.close();
      await tracking.close();
      await drop();
    });

    const version = (model: string, extra = {}) =>
      registry.createModelVersion({ name: model, source: `runs:/${runId}/model`, runId, ...extra });

    it('gives 20 concurrent creates the versions 1..20 exactly once', async () => {
      const n = name('concurrent');
      await registry.createRegisteredModel({ name: n });
      const created = await Promise.all(Array.from({ length: 20 }, () => version(n)));
      expect(created.map((v) => Number(v.version)).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
    });

    it("checks sources by MLflow's rule: local paths inside the run's artifacts, remote URIs without relative parts", async () => {
      const n = name();
      await registry.createRegisteredModel({ name: n });
      const folder = await mkdtemp(join(tmpdir(), 'registry-sources-'));
      onTestFinished(() => rm(folder, { recursive: true, force: true }));
      const experimentId = await tracking.createExperiment({ name: `local-${n}`, artifactLocation: folder });
      const local = await tracking.createRun({ experimentId });
      const dir = local.info.artifactUri.replace(/^file:\/\//, '');
      const accepted = [
        [dir, local.info.runId],
        [`file://${dir}/model`, local.info.runId],
        [`file://${dir}/.`, local.info.runId],
        [`${dir}/model/..`, local.info.runId],
        // Non-local URIs are stored as given, whatever run_id says (MLflow checks neither).
        ['mlflow-artifacts:/models', runId],
        ['mlflow-artifacts:/models/', runId],
        ['mlflow-artifacts:/models///', runId],
        ['mlflow-artifacts:/models/foo///bar', runId],
        ['mlflow-artifacts://host:9000/models', runId],
        ['mlflow-artifacts://host:9000/models/artifact/..../', runId],
        ['s3://bucket/model', undefined],
        [`runs:/${'0'.repeat(32)}/model`, runId],
        [`runs:/${runId}/model`, 'f'.repeat(32)],
        ['https://host/models/m', 'not-a-known-run'],
      ] as const;
      for (const [source, run] of accepted) {
        const created = await registry.createModelVersion({ name: n, source, runId: run });
        expect(created.source, source).toBe(source);
      }
      const remote =
        /If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri/;
      const localRule =
        /To use a local path as a model version source, the run_id request parameter has to be specified/;
      const refused: Array<[string, string | undefined, RegExp]> = [
        ['mlflow-artifacts://host:9000/models/../../../', runId, remote],
        ['http://host:9000/models/../../../', runId, remote],
        ['https://host/api/2.0/mlflow-artifacts/artifacts/../../../', runId, remote],
        ['s3a://my_bucket/api/2.0/mlflow-artifacts/artifacts/../../../', runId, remote],
        ['ftp://host:8888/api/2.0/mlflow-artifacts/artifacts/../../../', runId, remote],
        ['mlflow-artifacts://host:9000/models/..%2f..%2fartifacts', runId, remote],
        ['mlflow-artifacts://host:9000/models/%252e%252e/x', runId, remote],
        ['mlflow-artifacts://host:9000/models/artifact%00', runId, remote],
        [`dbfs:/${runId}/artifacts/a%3f/../../../../x`, runId, remote],
        ['s3://bucket/a;/../../x', runId, remote],
        ['s3://bucket/a#/../../x', runId, remote],
        ['mlflow-artifacts:models', runId, remote],
        ['s3://bucket/./model', runId, remote],
        [`runs:/${runId}/../x`, runId, remote],
        [dir, undefined, localRule],
        [`file://${dir}`, undefined, localRule],
        ['/tmp', local.info.runId, localRule],
        ['file:///tmp', undefined, localRule],
        [`${dir}/../../elsewhere`, local.info.runId, localRule],
        [`file://${dir}/..%2f..%2felsewhere`, local.info.runId, localRule],
        // A run whose artifacts are remote holds no local path.
        ['/tmp/model', runId, localRule],
      ];
      for (const [source, run, message] of refused) {
        await expectMlflowError(
          registry.createModelVersion({ name: n, source, runId: run }),
          'INVALID_PARAMETER_VALUE',
          message,
        );
      }
      await expectMlflowError(
        registry.createModelVersion({ name: n, source: '/tmp/model', runId: '0'.repeat(32) }),
        'RESOURCE_DOES_NOT_EXIST',
      );
      // MLflow answers a file: URI on another host with a 500 and this message, and its tests expect both.
      await expectMlflowError(
        registry.createModelVersion({ name: n, source: 'file://123.45.67.89/path', runId: local.info.runId }),
        'INTERNAL_ERROR',
        /is not a valid remote uri/,
      );
      // Prompt versions carry no model files, so their source is not checked (as MLflow).
      const prompt = await registry.createModelVersion({
        name: n,
        source: 'dummy-source',
        tags: [{ key: 'mlflow.prompt.is_prompt', value: 'true' }],
      });
      expect(prompt.source).toBe('dummy-source');
      expect(await registry.getModelVersionDownloadUri(n, '1')).toBe(dir);
      const count = (await registry.searchModelVersions({ filter: `name = '${n}'` })).items.length;
      expect(count).toBe(accepted.length + 1);
    });

    it("stores a models:/ source's own files as its download URI, as MLflow's copy of a version", async () => {
      const from = name('copy-from');
      const to = name('copy-to');
      await registry.createRegisteredModel({ name: from });
      await registry.createRegisteredModel({ name: to });
      await registry.createModelVersion({ name: from, source: 's3://bucket/models/first', runId });
      await registry.setRegisteredModelAlias(from, 'champion', '1');
      const copied = await registry.createModelVersion({ name: to, source: `models:/${from}/1`, runId });
      expect(copied.source).toBe(`models:/${from}/1`);
      expect(await registry.getModelVersionDownloadUri(to, copied.version)).toBe('s3://bucket/models/first');
      const byAlias = await registry.createModelVersion({ name: to, source: `models:/${from}@champion` });
      expect(await registry.getModelVersionDownloadUri(to, byAlias.version)).toBe('s3://bucket/models/first');
      await expectMlflowError(
        registry.createModelVersion({ name: to, source: `models:/${from}/9` }),
        'INVALID_PARAMETER_VALUE',
        /Unable to fetch model from model URI source artifact location/,
      );
    });

    it('sorts versions by last update, newest first, by default; deleting a version updates its model', async () => {
      const n = name('order');
      await registry.createRegisteredModel({ name: n });
      await version(n);
      await version(n);
      await version(n);
      await registry.updateModelVersion(n, '1', 'touched last');
      const found = await registry.searchModelVersions({ filter: `name = '${n}'` });
      expect(found.items.map((v) => v.version)).toEqual(['1', '3', '2']);
      const before = (await registry.getRegisteredModel(n)).lastUpdatedTimestamp;
      await registry.deleteModelVersion(n, '2');
      expect((await registry.getRegisteredModel(n)).lastUpdatedTimestamp).toBeGreaterThan(before!);
    });
  });
}
