import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  expectMlflowError,
  type MlflowFileStoreFixture,
  storeTargets,
  writeMlflowFileStore,
} from '@flowline/testkit';
import { importFileStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlRegistryStore } from '../src/index.js';

// The registry half of an MLflow file store (models/<name>/…), imported by tracking-store's importFileStore,
// read back through the registry's own API.
for (const target of storeTargets()) {
  describe(`a file store's model registry imported into ${target.name}`, () => {
    let dir: string;
    let fixture: MlflowFileStoreFixture;
    let registry: SqlRegistryStore;
    let drop: () => Promise<void>;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'flowline-filestore-registry-'));
      fixture = await writeMlflowFileStore(join(dir, 'mlruns'));
      const database = await target.createDatabase();
      drop = database.drop;
      await importFileStore(fixture.root, database.uri);
      // Importing again must not duplicate versions, tags or aliases.
      await importFileStore(fixture.root, database.uri);
      registry = await SqlRegistryStore.open(database.uri);
    });
    afterAll(async () => {
      await registry?.close();
      await drop?.();
      await rm(dir, { recursive: true, force: true });
    });

    it('keeps the model with its description, times, tags and alias', async () => {
      const model = await registry.getRegisteredModel('fraud-model');
      expect(model).toMatchObject({
        name: 'fraud-model',
        creationTimestamp: 1_700_000_040_000,
        lastUpdatedTimestamp: 1_700_000_049_000,
        description: 'Detects fraud.\nSecond paragraph.',
        tags: [{ key: 'team', value: 'risk' }],
        aliases: [{ alias: 'champion', version: '2' }],
      });
      expect(model.latestVersions.map((v) => [v.version, v.currentStage])).toEqual([
        ['1', 'Archived'],
        ['2', 'Production'],
      ]);
      expect(await registry.getRegisteredModel('empty-model')).toMatchObject({
        description: '',
        latestVersions: [],
      });
    });

    it('keeps versions with stages, sources, run ids, status and tags; deleted ones stay deleted', async () => {
      const source = pathToFileURL(join(fixture.root, '1', fixture.runs.baseline, 'artifacts', 'model')).href;
      expect(await registry.getModelVersion('fraud-model', '1')).toEqual({
        name: 'fraud-model',
        version: '1',
        creationTimestamp: 1_700_000_041_000,
        lastUpdatedTimestamp: 1_700_000_046_000,
        userId: '',
        currentStage: 'Archived',
        description: '',
        source,
        runId: fixture.runs.baseline,
        status: 'READY',
        statusMessage: '',
        runLink: '',
        tags: [{ key: 'validated', value: 'true' }],
        aliases: [],
      });
      expect(await registry.getModelVersionByAlias('fraud-model', 'champion')).toMatchObject({
        version: '2',
        currentStage: 'Production',
        aliases: ['champion'],
      });
      expect(await registry.getModelVersionDownloadUri('fraud-model', '2')).toBe(source);
      await expectMlflowError(registry.getModelVersion('fraud-model', '3'), 'RESOURCE_DOES_NOT_EXIST');
      const all = await registry.searchModelVersions({ filter: "name = 'fraud-model'" });
      expect(all.items.map((v) => v.version).sort()).toEqual(['1', '2']);
      // The next version is numbered after the deleted one, as MLflow never reuses a number.
      const next = await registry.createModelVersion({ name: 'fraud-model', source: 's3://bucket/model' });
      expect(next.version).toBe('4');
    });
  });
}
