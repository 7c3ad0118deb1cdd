import { describe, expect } from 'vitest';
import { expectMlflowError } from '../harness.js';
import type { SuiteTest } from '../skip.js';
import { type GetRegistry, newModel, newVersion } from './fixtures.js';

async function modelWithVersions(getStore: GetRegistry, count: number): Promise<string> {
  const store = getStore();
  const name = await newModel(store);
  for (let i = 0; i < count; i++) await newVersion(store, name);
  return name;
}

/** Stages (transition, archive_existing_versions, latest per stage) and aliases. */
export function stageAndAliasSuite(getStore: GetRegistry, test: SuiteTest): void {
  describe('stages', () => {
    test('transitions a version to a stage given in any case, stored in canonical spelling', async () => {
      const name = await modelWithVersions(getStore, 1);
      const moved = await getStore().transitionModelVersionStage(name, '1', 'sTaGiNg');
      expect(moved.currentStage).toBe('Staging');
      expect((await getStore().getModelVersion(name, '1')).currentStage).toBe('Staging');
    });

    test('archives the other versions in the target stage when archive_existing_versions is true', async () => {
      const store = getStore();
      const name = await modelWithVersions(getStore, 3);
      await store.transitionModelVersionStage(name, '1', 'Production');
      await store.transitionModelVersionStage(name, '2', 'Staging');
      await store.transitionModelVersionStage(name, '3', 'Production', true);
      expect((await store.getModelVersion(name, '1')).currentStage).toBe('Archived');
      // Only the target stage is archived.
      expect((await store.getModelVersion(name, '2')).currentStage).toBe('Staging');
      expect((await store.getModelVersion(name, '3')).currentStage).toBe('Production');
    });

    test('keeps the other versions in the target stage when archive_existing_versions is false', async () => {
      const store = getStore();
      const name = await modelWithVersions(getStore, 2);
      await store.transitionModelVersionStage(name, '1', 'Production');
      await store.transitionModelVersionStage(name, '2', 'Production', false);
      expect((await store.getModelVersion(name, '1')).currentStage).toBe('Production');
      expect((await store.getModelVersion(name, '2')).currentStage).toBe('Production');
    });

    test('refuses an unknown stage, and archive_existing_versions into Archived or None, with INVALID_PARAMETER_VALUE', async () => {
      const store = getStore();
      const name = await modelWithVersions(getStore, 1);
      await expectMlflowError(
        store.transitionModelVersionStage(name, '1', 'Live'),
        'INVALID_PARAMETER_VALUE',
        /must be one of/,
      );
      await expectMlflowError(
        store.transitionModelVersionStage(name, '1', 'Archived', true),
        'INVALID_PARAMETER_VALUE',
      );
      await expectMlflowError(
        store.transitionModelVersionStage(name, '1', 'None', true),
        'INVALID_PARAMETER_VALUE',
      );
      await expectMlflowError(
        store.transitionModelVersionStage(name, '9', 'Staging'),
        'RESOURCE_DOES_NOT_EXIST',
      );
    });

    test('reports the latest version in each stage, or in the stages asked for', async () => {
      const store = getStore();
      const name = await modelWithVersions(getStore, 4);
      await store.transitionModelVersionStage(name, '1', 'Production');
      await store.transitionModelVersionStage(name, '2', 'Production');
      await store.transitionModelVersionStage(name, '3', 'Staging');
      const latest = await store.getLatestVersions(name);
      expect(latest.map((v) => [v.currentStage, v.version]).sort()).toEqual([
        ['None', '4'],
        ['Production', '2'],
        ['Staging', '3'],
      ]);
      const asked = await store.getLatestVersions(name, ['production']);
      expect(asked.map((v) => v.version)).toEqual(['2']);
      expect((await store.getRegisteredModel(name)).latestVersions.map((v) => v.version).sort()).toEqual([
        '2',
        '3',
        '4',
      ]);
      await expectMlflowError(store.getLatestVersions(`${name}-missing`), 'RESOURCE_DOES_NOT_EXIST');
    });
  });

  describe('aliases', () => {
    test('sets an alias, reads its version by it, and moves it to another version', async () => {
      const store = getStore();
      const name = await modelWithVersions(getStore, 2);
      await store.setRegisteredModelAlias(name, 'champion', '1');
      expect((await store.getModelVersionByAlias(name, 'champion')).version).toBe('1');
      await store.setRegisteredModelAlias(name, 'champion', '2');
      expect((await store.getModelVersionByAlias(name, 'champion')).version).toBe('2');
    });

    test('lists aliases on their version and on the model', async () => {
      const store = getStore();
      const name = await modelWithVersions(getStore, 2);
      await store.setRegisteredModelAlias(name, 'champion', '2');
      await store.setRegisteredModelAlias(name, 'challenger', '1');
      expect((await store.getModelVersion(name, '2')).aliases).toEqual(['champion']);
      expect((await store.getModelVersion(name, '1')).aliases).toEqual(['challenger']);
      const aliases = (await store.getRegisteredModel(name)).aliases;
      expect([...aliases].sort((a, b) => a.alias.localeCompare(b.alias))).toEqual([
        { alias: 'challenger', version: '1' },
        { alias: 'champion', version: '2' },
      ]);
    });

    test('deletes an alias; reading by it then answers RESOURCE_DOES_NOT_EXIST', async () => {
      const store = getStore();
      const name = await modelWithVersions(getStore, 1);
      await store.setRegisteredModelAlias(name, 'champion', '1');
      await store.deleteRegisteredModelAlias(name, 'champion');
      await expectMlflowError(store.getModelVersionByAlias(name, 'champion'), 'RESOURCE_DOES_NOT_EXIST');
      expect((await store.getModelVersion(name, '1')).aliases).toEqual([]);
    });

    test('drops the aliases of a deleted version', async () => {
      const store = getStore();
      const name = await modelWithVersions(getStore, 1);
      await store.setRegisteredModelAlias(name, 'champion', '1');
      await store.deleteModelVersion(name, '1');
      await expectMlflowError(store.getModelVersionByAlias(name, 'champion'), 'RESOURCE_DOES_NOT_EXIST');
      expect((await store.getRegisteredModel(name)).aliases).toEqual([]);
    });

    test('refuses reserved or malformed alias names with INVALID_PARAMETER_VALUE', async () => {
      const store = getStore();
      const name = await modelWithVersions(getStore, 1);
      for (const bad of ['latest', 'LATEST', 'v1', 'V12', 'has space', 'a/b']) {
        await expectMlflowError(store.setRegisteredModelAlias(name, bad, '1'), 'INVALID_PARAMETER_VALUE');
      }
    });

    test('refuses an alias to a missing version with RESOURCE_DOES_NOT_EXIST', async () => {
      const store = getStore();
      const name = await modelWithVersions(getStore, 1);
      await expectMlflowError(
        store.setRegisteredModelAlias(name, 'champion', '9'),
        'RESOURCE_DOES_NOT_EXIST',
      );
    });
  });
}
