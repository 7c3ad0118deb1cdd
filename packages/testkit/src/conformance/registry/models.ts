import { describe, expect } from 'vitest';
import { expectMlflowError } from '../harness.js';
import type { SuiteTest } from '../skip.js';
import { type GetRegistry, newModel, newVersion } from './fixtures.js';

/** Registered models: create, read, rename, update, delete, tags. */
export function registeredModelSuite(getStore: GetRegistry, test: SuiteTest): void {
  describe('registered models', () => {
    test('creates a registered model with description and tags, and reads it back', async () => {
      const store = getStore();
      const name = await newModel(store, {
        description: 'scores risk',
        tags: [{ key: 'team', value: 'risk' }],
      });
      const model = await store.getRegisteredModel(name);
      expect(model).toMatchObject({
        name,
        description: 'scores risk',
        tags: [{ key: 'team', value: 'risk' }],
        latestVersions: [],
        aliases: [],
      });
      expect(model.creationTimestamp).toEqual(expect.any(Number));
      expect(model.lastUpdatedTimestamp).toBeGreaterThanOrEqual(model.creationTimestamp!);
    });

    test('refuses a second model of the same name with RESOURCE_ALREADY_EXISTS', async () => {
      const store = getStore();
      const name = await newModel(store);
      await expectMlflowError(
        store.createRegisteredModel({ name }),
        'RESOURCE_ALREADY_EXISTS',
        /already exists/,
      );
    });

    test('refuses an empty model name with INVALID_PARAMETER_VALUE', async () => {
      await expectMlflowError(getStore().createRegisteredModel({ name: '' }), 'INVALID_PARAMETER_VALUE');
    });

    test('answers every call on an unknown model with RESOURCE_DOES_NOT_EXIST', async () => {
      const store = getStore();
      const missing = `missing-${Date.now().toString(36)}`;
      await expectMlflowError(store.getRegisteredModel(missing), 'RESOURCE_DOES_NOT_EXIST', /not found/);
      await expectMlflowError(store.updateRegisteredModel(missing, 'd'), 'RESOURCE_DOES_NOT_EXIST');
      await expectMlflowError(
        store.renameRegisteredModel(missing, `${missing}-2`),
        'RESOURCE_DOES_NOT_EXIST',
      );
      await expectMlflowError(store.deleteRegisteredModel(missing), 'RESOURCE_DOES_NOT_EXIST');
      await expectMlflowError(
        store.setRegisteredModelTag(missing, { key: 'k', value: 'v' }),
        'RESOURCE_DOES_NOT_EXIST',
      );
      await expectMlflowError(
        store.createModelVersion({ name: missing, source: 's3://bucket/m' }),
        'RESOURCE_DOES_NOT_EXIST',
      );
    });

    test('renames a model, carrying its versions, and frees the old name', async () => {
      const store = getStore();
      const name = await newModel(store);
      await newVersion(store, name);
      const renamed = await store.renameRegisteredModel(name, `${name}-renamed`);
      expect(renamed.name).toBe(`${name}-renamed`);
      expect(renamed.latestVersions.map((v) => [v.name, v.version])).toEqual([[`${name}-renamed`, '1']]);
      expect((await store.getModelVersion(`${name}-renamed`, '1')).name).toBe(`${name}-renamed`);
      await expectMlflowError(store.getRegisteredModel(name), 'RESOURCE_DOES_NOT_EXIST');
      await store.createRegisteredModel({ name });
    });

    test('refuses renaming onto an existing model with RESOURCE_ALREADY_EXISTS', async () => {
      const store = getStore();
      const a = await newModel(store);
      const b = await newModel(store);
      await expectMlflowError(store.renameRegisteredModel(a, b), 'RESOURCE_ALREADY_EXISTS');
      expect((await store.getRegisteredModel(a)).name).toBe(a);
    });

    test('updates the description of a model', async () => {
      const store = getStore();
      const name = await newModel(store, { description: 'first' });
      expect((await store.updateRegisteredModel(name, 'second')).description).toBe('second');
      expect((await store.getRegisteredModel(name)).description).toBe('second');
    });

    test('deletes a model together with its versions', async () => {
      const store = getStore();
      const name = await newModel(store);
      await newVersion(store, name);
      await store.deleteRegisteredModel(name);
      await expectMlflowError(store.getRegisteredModel(name), 'RESOURCE_DOES_NOT_EXIST');
      await expectMlflowError(store.getModelVersion(name, '1'), 'RESOURCE_DOES_NOT_EXIST');
    });

    test('sets, overwrites and deletes registered-model tags', async () => {
      const store = getStore();
      const name = await newModel(store);
      await store.setRegisteredModelTag(name, { key: 'k', value: 'v1' });
      await store.setRegisteredModelTag(name, { key: 'k', value: 'v2' });
      await store.setRegisteredModelTag(name, { key: 'other', value: 'x' });
      const tags = (await store.getRegisteredModel(name)).tags;
      expect([...tags].sort((x, y) => x.key.localeCompare(y.key))).toEqual([
        { key: 'k', value: 'v2' },
        { key: 'other', value: 'x' },
      ]);
      await store.deleteRegisteredModelTag(name, 'k');
      expect((await store.getRegisteredModel(name)).tags).toEqual([{ key: 'other', value: 'x' }]);
      await expectMlflowError(store.deleteRegisteredModelTag(name, 'k'), 'RESOURCE_DOES_NOT_EXIST');
    });

    test('refuses a registered-model tag value over 5000 characters with INVALID_PARAMETER_VALUE', async () => {
      const store = getStore();
      const name = await newModel(store);
      await expectMlflowError(
        store.setRegisteredModelTag(name, { key: 'big', value: 'x'.repeat(5001) }),
        'INVALID_PARAMETER_VALUE',
      );
    });
  });
}
