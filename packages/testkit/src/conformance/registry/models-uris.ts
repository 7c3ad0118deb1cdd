import { resolveModelsUri } from '@flowline/core';
import { describe, expect } from 'vitest';
import { expectMlflowError } from '../harness.js';
import type { SuiteTest } from '../skip.js';
import { type GetRegistry, newModel, newVersion } from './fixtures.js';

/** `models:/` URIs resolved through the store: by version, alias, stage and latest. */
export function modelsUriSuite(getStore: GetRegistry, test: SuiteTest): void {
  describe('models:/ URIs', () => {
    async function threeVersions(): Promise<string> {
      const store = getStore();
      const name = await newModel(store, { prefix: 'uri' });
      for (let i = 0; i < 3; i++) await newVersion(store, name);
      return name;
    }

    test('resolves models:/name/N to that version, with the path after it', async () => {
      const name = await threeVersions();
      const resolved = await resolveModelsUri(`models:/${name}/2/MLmodel`, getStore());
      expect(resolved.version).toMatchObject({ name, version: '2' });
      expect(resolved.path).toBe('MLmodel');
      await expectMlflowError(resolveModelsUri(`models:/${name}/9`, getStore()), 'RESOURCE_DOES_NOT_EXIST');
    });

    test('resolves models:/name@alias to the aliased version, following a moved alias', async () => {
      const name = await threeVersions();
      await getStore().setRegisteredModelAlias(name, 'champion', '1');
      expect((await resolveModelsUri(`models:/${name}@champion`, getStore())).version.version).toBe('1');
      await getStore().setRegisteredModelAlias(name, 'champion', '3');
      expect((await resolveModelsUri(`models:/${name}@champion`, getStore())).version.version).toBe('3');
      await expectMlflowError(
        resolveModelsUri(`models:/${name}@nobody`, getStore()),
        'RESOURCE_DOES_NOT_EXIST',
      );
    });

    test('resolves models:/name/Stage to the latest version in that stage', async () => {
      const name = await threeVersions();
      await getStore().transitionModelVersionStage(name, '1', 'Production');
      await getStore().transitionModelVersionStage(name, '2', 'Production');
      expect((await resolveModelsUri(`models:/${name}/Production`, getStore())).version.version).toBe('2');
      expect((await resolveModelsUri(`models:/${name}/production`, getStore())).version.version).toBe('2');
      await expectMlflowError(
        resolveModelsUri(`models:/${name}/Staging`, getStore()),
        'RESOURCE_DOES_NOT_EXIST',
        /stage 'Staging'/,
      );
    });

    test('resolves models:/name/latest to the highest version', async () => {
      const name = await threeVersions();
      await getStore().updateModelVersion(name, '1', 'updated last, still not the latest');
      expect((await resolveModelsUri(`models:/${name}/latest`, getStore())).version.version).toBe('3');
      await expectMlflowError(
        resolveModelsUri('models:/', getStore()),
        'INVALID_PARAMETER_VALUE',
        /Invalid model URI/,
      );
    });
  });
}
