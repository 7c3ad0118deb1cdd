import { describe, expect } from 'vitest';
import { expectMlflowError } from '../harness.js';
import type { SuiteTest } from '../skip.js';
import { fakeRunId, type GetRegistry, newModel, newVersion } from './fixtures.js';

/** Model versions: numbering, fields, updates, deletes, tags and download URIs. */
export function modelVersionSuite(getStore: GetRegistry, test: SuiteTest): void {
  describe('model versions', () => {
    test('numbers versions 1, 2, 3 per model and never reuses a deleted number', async () => {
      const store = getStore();
      const name = await newModel(store);
      expect((await newVersion(store, name)).version).toBe('1');
      expect((await newVersion(store, name)).version).toBe('2');
      await store.deleteModelVersion(name, '2');
      expect((await newVersion(store, name)).version).toBe('3');
      const other = await newModel(store);
      expect((await newVersion(store, other)).version).toBe('1');
    });

    test('creates a READY version in stage None with its source, run id, description and tags', async () => {
      const store = getStore();
      const name = await newModel(store);
      const runId = fakeRunId();
      const created = await store.createModelVersion({
        name,
        source: 's3://flowline-conformance/exact/source',
        runId,
        description: 'first cut',
        tags: [{ key: 'validated', value: 'no' }],
      });
      expect(created).toMatchObject({
        name,
        version: '1',
        source: 's3://flowline-conformance/exact/source',
        runId,
        description: 'first cut',
        currentStage: 'None',
        status: 'READY',
        tags: [{ key: 'validated', value: 'no' }],
        aliases: [],
      });
      expect(await store.getModelVersion(name, '1')).toEqual(created);
      expect((await store.getRegisteredModel(name)).latestVersions.map((v) => v.version)).toEqual(['1']);
    });

    test('answers an unknown version with RESOURCE_DOES_NOT_EXIST and a non-numeric one with INVALID_PARAMETER_VALUE', async () => {
      const store = getStore();
      const name = await newModel(store);
      await expectMlflowError(store.getModelVersion(name, '7'), 'RESOURCE_DOES_NOT_EXIST');
      await expectMlflowError(store.updateModelVersion(name, '7', 'd'), 'RESOURCE_DOES_NOT_EXIST');
      await expectMlflowError(store.deleteModelVersion(name, '7'), 'RESOURCE_DOES_NOT_EXIST');
      await expectMlflowError(store.getModelVersion(name, 'abc'), 'INVALID_PARAMETER_VALUE');
    });

    test('updates the description of a version', async () => {
      const store = getStore();
      const name = await newModel(store);
      await newVersion(store, name, { description: 'before' });
      expect((await store.updateModelVersion(name, '1', 'after')).description).toBe('after');
      expect((await store.getModelVersion(name, '1')).description).toBe('after');
    });

    test('deletes one version and keeps the others', async () => {
      const store = getStore();
      const name = await newModel(store);
      await newVersion(store, name);
      await newVersion(store, name);
      await store.deleteModelVersion(name, '1');
      await expectMlflowError(store.getModelVersion(name, '1'), 'RESOURCE_DOES_NOT_EXIST');
      expect((await store.getModelVersion(name, '2')).version).toBe('2');
      const found = await store.searchModelVersions({ filter: `name = '${name}'` });
      expect(found.items.map((v) => v.version)).toEqual(['2']);
    });

    test('sets, overwrites and deletes model-version tags', async () => {
      const store = getStore();
      const name = await newModel(store);
      await newVersion(store, name);
      await store.setModelVersionTag(name, '1', { key: 'validated', value: 'no' });
      await store.setModelVersionTag(name, '1', { key: 'validated', value: 'yes' });
      expect((await store.getModelVersion(name, '1')).tags).toEqual([{ key: 'validated', value: 'yes' }]);
      await store.deleteModelVersionTag(name, '1', 'validated');
      expect((await store.getModelVersion(name, '1')).tags).toEqual([]);
      await expectMlflowError(store.deleteModelVersionTag(name, '1', 'validated'), 'RESOURCE_DOES_NOT_EXIST');
      await expectMlflowError(
        store.setModelVersionTag(name, '9', { key: 'k', value: 'v' }),
        'RESOURCE_DOES_NOT_EXIST',
      );
    });

    test('gives a remote source as the download URI of its version', async () => {
      const store = getStore();
      const name = await newModel(store);
      await store.createModelVersion({ name, source: 's3://flowline-conformance/download/here' });
      expect(await store.getModelVersionDownloadUri(name, '1')).toBe(
        's3://flowline-conformance/download/here',
      );
      await expectMlflowError(store.getModelVersionDownloadUri(name, '2'), 'RESOURCE_DOES_NOT_EXIST');
    });
  });
}
