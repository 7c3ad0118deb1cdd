import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient, Tracker } from '@flowline/client';
import { SqlRegistryStore } from '@flowline/registry';
import { storeTargets } from '@flowline/testkit';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, createArtifactAccess } from '../src/index.js';

for (const target of storeTargets()) {
  describe(`registry client against a real server on ${target.name}`, () => {
    let url: string;
    let close: () => Promise<void>;
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'flowline-registry-e2e-'));
      const database = await target.createDatabase();
      const tracking = await SqlTrackingStore.open(database.uri, {
        defaultArtifactRoot: 'mlflow-artifacts:/',
      });
      const registry = await SqlRegistryStore.open(database.uri, {
        sources: { runArtifactUri: async (id) => (await tracking.getRun(id)).info.artifactUri },
      });
      const app = await buildServer({
        store: tracking,
        registry,
        artifacts: createArtifactAccess(join(dir, 'dest')),
      });
      url = await app.listen({ host: '127.0.0.1', port: 0 });
      close = async () => {
        await app.close();
        await registry.close();
        await tracking.close();
        await database.drop();
        await rm(dir, { recursive: true, force: true });
      };
    });
    afterAll(async () => close());

    it('gives 20 parallel create-model-version calls the versions 1..20 exactly once', async () => {
      const client = new RegistryClient(url, { maxRetries: 0 });
      const tracker = new Tracker({ trackingUri: url, env: {} });
      const run = await tracker.startRun();
      await tracker.endRun();
      await client.createRegisteredModel({ name: 'parallel' });
      const versions = await Promise.all(
        Array.from({ length: 20 }, () =>
          client.createModelVersion({
            name: 'parallel',
            source: `runs:/${run.info.runId}/model`,
            runId: run.info.runId,
          }),
        ),
      );
      expect(versions.map((v) => Number(v.version)).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      await tracker.close();
    });

    it('registers a logged model, moves an alias, and downloads through models:/ URIs', async () => {
      const tracker = new Tracker({ trackingUri: url, env: {} });
      const first = await tracker.startRun();
      await tracker.logText('weights v1', 'model/weights.txt');
      await tracker.endRun();
      const second = await tracker.startRun();
      await tracker.logText('weights v2', 'model/weights.txt');
      await tracker.endRun();
      const v1 = await tracker.registerModel(`runs:/${first.info.runId}/model`, 'classifier', {
        tags: { stage: 'test' },
      });
      const v2 = await tracker.registerModel(`runs:/${second.info.runId}/model`, 'classifier');
      expect([v1.version, v2.version]).toEqual(['1', '2']);
      const client = new RegistryClient(url);
      await client.setRegisteredModelAlias('classifier', 'champion', '1');
      const read = async (uri: string) =>
        readFile(
          await tracker.downloadArtifacts({ artifactUri: uri, dstPath: await mkdtemp(join(dir, 'dl-')) }),
          'utf8',
        );
      expect(await read('models:/classifier@champion/weights.txt')).toBe('weights v1');
      await client.setRegisteredModelAlias('classifier', 'champion', '2');
      expect(await read('models:/classifier@champion/weights.txt')).toBe('weights v2');
      expect(await read('models:/classifier/1/weights.txt')).toBe('weights v1');
      expect(await read('models:/classifier/latest/weights.txt')).toBe('weights v2');
      await client.transitionModelVersionStage('classifier', '1', 'Production');
      expect(await read('models:/classifier/Production/weights.txt')).toBe('weights v1');
      expect((await client.getRegisteredModel('classifier')).aliases).toEqual([
        { alias: 'champion', version: '2' },
      ]);
      // Newest update first, as MLflow: version 1 moved to Production last.
      expect(
        (await client.searchModelVersions({ filter: "name = 'classifier'" })).items.map((v) => v.version),
      ).toEqual(['1', '2']);
      await tracker.close();
    });
  });
}
