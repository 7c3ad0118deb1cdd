import { expectMlflowError, storeTargets } from '@flowline/testkit';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveModelsUri, SqlRegistryStore } from '../src/index.js';

for (const target of storeTargets()) {
  describe(`SqlRegistryStore on ${target.name}`, () => {
    let registry: SqlRegistryStore;
    let tracking: SqlTrackingStore;
    let drop: () => Promise<void>;
    let runId: string;
    let runUri: string;
    let counter = 0;
    const name = (prefix = 'model') => `${prefix}-${++counter}`;

    beforeAll(async () => {
      const database = await target.createDatabase();
      drop = database.drop;
      tracking = await SqlTrackingStore.open(database.uri, { defaultArtifactRoot: 'mlflow-artifacts:/' });
      registry = await SqlRegistryStore.open(database.uri, {
        sources: {
          runArtifactUri: async (id) => (await tracking.getRun(id)).info.artifactUri,
          managedRoots: ['mlflow-artifacts:/registry'],
        },
      });
      const run = await tracking.createRun({});
      runId = run.info.runId;
      runUri = run.info.artifactUri;
    });
    afterAll(async () => {
      await registry.close();
      await tracking.close();
      await drop();
    });

    const version = (model: string, extra = {}) =>
      registry.createModelVersion({ name: model, source: `runs:/${runId}/model`, runId, ...extra });

    it('creates, reads, renames, describes and deletes registered models', async () => {
      const n = name();
      const created = await registry.createRegisteredModel({
        name: n,
        description: 'first',
        tags: [{ key: 'team', value: 'risk' }],
      });
      expect(created).toMatchObject({
        name: n,
        description: 'first',
        tags: [{ key: 'team', value: 'risk' }],
        latestVersions: [],
        aliases: [],
      });
      await expectMlflowError(
        registry.createRegisteredModel({ name: n }),
        'RESOURCE_ALREADY_EXISTS',
        /already exists/,
      );
      await version(n);
      const renamed = await registry.renameRegisteredModel(n, `${n}-renamed`);
      expect(renamed.latestVersions.map((v) => [v.name, v.version])).toEqual([[`${n}-renamed`, '1']]);
      await expectMlflowError(registry.getRegisteredModel(n), 'RESOURCE_DOES_NOT_EXIST', /not found/);
      expect((await registry.updateRegisteredModel(`${n}-renamed`, 'second')).description).toBe('second');
      await registry.deleteRegisteredModel(`${n}-renamed`);
      await expectMlflowError(registry.getRegisteredModel(`${n}-renamed`), 'RESOURCE_DOES_NOT_EXIST');
      await expectMlflowError(registry.createRegisteredModel({ name: '' }), 'INVALID_PARAMETER_VALUE');
    });

    it('numbers versions 1, 2, 3 and never reuses a deleted number', async () => {
      const n = name();
      await registry.createRegisteredModel({ name: n });
      expect((await version(n)).version).toBe('1');
      expect(
        (await version(n, { description: 'd', tags: [{ key: 'k', value: 'v' }], runLink: 'http://x' }))
          .version,
      ).toBe('2');
      await registry.deleteModelVersion(n, '2');
      await expectMlflowError(registry.getModelVersion(n, '2'), 'RESOURCE_DOES_NOT_EXIST');
      expect((await version(n)).version).toBe('3');
      await expectMlflowError(
        registry.createModelVersion({ name: 'no-such-model', source: `runs:/${runId}/m`, runId }),
        'RESOURCE_DOES_NOT_EXIST',
      );
      await expectMlflowError(registry.getModelVersion(n, 'abc'), 'INVALID_PARAMETER_VALUE');
    });

    it('gives 20 concurrent creates the versions 1..20 exactly once', async () => {
      const n = name('concurrent');
      await registry.createRegisteredModel({ name: n });
      const created = await Promise.all(Array.from({ length: 20 }, () => version(n)));
      expect(created.map((v) => Number(v.version)).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
    });

    it('moves versions through stages, archiving others on request, and reports the latest per stage', async () => {
      const n = name();
      await registry.createRegisteredModel({ name: n });
      for (let i = 0; i < 3; i++) await version(n);
      await registry.transitionModelVersionStage(n, '1', 'production');
      const v2 = await registry.transitionModelVersionStage(n, '2', 'Production', true);
      expect(v2.currentStage).toBe('Production');
      expect((await registry.getModelVersion(n, '1')).currentStage).toBe('Archived');
      await registry.transitionModelVersionStage(n, '3', 'staging');
      expect((await registry.getLatestVersions(n, ['Production', 'staging'])).map((v) => v.version)).toEqual([
        '2',
        '3',
      ]);
      expect((await registry.getLatestVersions(n)).map((v) => [v.currentStage, v.version])).toEqual([
        ['Staging', '3'],
        ['Production', '2'],
        ['Archived', '1'],
      ]);
      expect((await registry.getRegisteredModel(n)).latestVersions.map((v) => v.version).sort()).toEqual([
        '1',
        '2',
        '3',
      ]);
      await expectMlflowError(
        registry.transitionModelVersionStage(n, '3', 'Live'),
        'INVALID_PARAMETER_VALUE',
        /must be one of/,
      );
      await expectMlflowError(
        registry.transitionModelVersionStage(n, '3', 'Archived', true),
        'INVALID_PARAMETER_VALUE',
      );
    });

    it('sets, moves, reads and deletes aliases, refusing reserved names', async () => {
      const n = name();
      await registry.createRegisteredModel({ name: n });
      await version(n);
      await version(n);
      await registry.setRegisteredModelAlias(n, 'champion', '1');
      expect((await registry.getModelVersionByAlias(n, 'champion')).version).toBe('1');
      await registry.setRegisteredModelAlias(n, 'champion', '2');
      expect((await registry.getModelVersionByAlias(n, 'champion')).version).toBe('2');
      expect((await registry.getModelVersion(n, '2')).aliases).toEqual(['champion']);
      expect((await registry.getModelVersion(n, '1')).aliases).toEqual([]);
      expect((await registry.getRegisteredModel(n)).aliases).toEqual([{ alias: 'champion', version: '2' }]);
      for (const bad of ['latest', 'LATEST', 'v1', 'V12', 'has space', 'a/b']) {
        await expectMlflowError(registry.setRegisteredModelAlias(n, bad, '1'), 'INVALID_PARAMETER_VALUE');
      }
      await expectMlflowError(registry.setRegisteredModelAlias(n, 'x', '9'), 'RESOURCE_DOES_NOT_EXIST');
      await registry.deleteRegisteredModelAlias(n, 'champion');
      await expectMlflowError(registry.getModelVersionByAlias(n, 'champion'), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('sets and deletes model and version tags', async () => {
      const n = name();
      await registry.createRegisteredModel({ name: n });
      await version(n);
      await registry.setRegisteredModelTag(n, { key: 'k', value: 'v1' });
      await registry.setRegisteredModelTag(n, { key: 'k', value: 'v2' });
      expect((await registry.getRegisteredModel(n)).tags).toEqual([{ key: 'k', value: 'v2' }]);
      await registry.setModelVersionTag(n, '1', { key: 'validated', value: 'yes' });
      expect((await registry.getModelVersion(n, '1')).tags).toEqual([{ key: 'validated', value: 'yes' }]);
      await registry.deleteModelVersionTag(n, '1', 'validated');
      await registry.deleteRegisteredModelTag(n, 'k');
      await expectMlflowError(registry.deleteRegisteredModelTag(n, 'k'), 'RESOURCE_DOES_NOT_EXIST');
      await expectMlflowError(
        registry.setRegisteredModelTag(n, { key: 'big', value: 'x'.repeat(5001) }),
        'INVALID_PARAMETER_VALUE',
      );
    });

    it('searches models and versions with filters, orders and pages', async () => {
      const prefix = name('searchable');
      for (const suffix of ['a', 'b', 'c']) {
        await registry.createRegisteredModel({
          name: `${prefix}-${suffix}`,
          tags: [{ key: 'kind', value: suffix === 'b' ? 'tree' : 'linear' }],
        });
        await version(`${prefix}-${suffix}`);
      }
      await version(`${prefix}-a`);
      const linear = await registry.searchRegisteredModels({
        filter: `name LIKE '${prefix}-%' AND tags.kind = 'linear'`,
        orderBy: ['name DESC'],
      });
      expect(linear.items.map((m) => m.name)).toEqual([`${prefix}-c`, `${prefix}-a`]);
      const paged = await registry.searchRegisteredModels({
        filter: `name LIKE '${prefix}-%'`,
        maxResults: 2,
      });
      expect(paged.items).toHaveLength(2);
      const rest = await registry.searchRegisteredModels({
        filter: `name LIKE '${prefix}-%'`,
        maxResults: 2,
        pageToken: paged.nextPageToken,
      });
      expect(rest.items.map((m) => m.name)).toEqual([`${prefix}-c`]);
      const versions = await registry.searchModelVersions({
        filter: `name = '${prefix}-a' AND version_number > 1`,
      });
      expect(versions.items.map((v) => v.version)).toEqual(['2']);
      const byRun = await registry.searchModelVersions({
        filter: `run_id IN ('${runId}') AND name ILIKE '${prefix.toUpperCase()}-%'`,
      });
      expect(byRun.items.map((v) => `${v.name}/${v.version}`)).toEqual([
        `${prefix}-a/2`,
        `${prefix}-a/1`,
        `${prefix}-b/1`,
        `${prefix}-c/1`,
      ]);
      await expectMlflowError(
        registry.searchRegisteredModels({ filter: "owner = 'x'" }),
        'INVALID_PARAMETER_VALUE',
        /Invalid attribute key/,
      );
      await expectMlflowError(
        registry.searchModelVersions({ filter: "name = 'a' OR name = 'b'" }),
        'INVALID_PARAMETER_VALUE',
        /Invalid clause/,
      );
      await expectMlflowError(
        registry.searchRegisteredModels({ maxResults: 1001 }),
        'INVALID_PARAMETER_VALUE',
        /1000/,
      );
    });

    it('accepts only sources inside Flowline-managed artifacts, refusing traversal and outside paths', async () => {
      const n = name();
      await registry.createRegisteredModel({ name: n });
      expect((await registry.createModelVersion({ name: n, source: `${runUri}/model`, runId })).source).toBe(
        `${runUri}/model`,
      );
      expect(
        (await registry.createModelVersion({ name: n, source: 'mlflow-artifacts:/registry/copies/m1' }))
          .version,
      ).toBe('2');
      for (const source of [
        `${runUri}/../../other-run/artifacts`,
        `${runUri}/%2e%2e/%2e%2e/x`,
        `runs:/${runId}/../x`,
        '/etc/passwd',
        's3://someone-elses-bucket/model',
        `${runUri}/model\u0000`,
      ]) {
        await expectMlflowError(
          registry.createModelVersion({ name: n, source, runId }),
          'INVALID_PARAMETER_VALUE',
          /Invalid model version source/,
        );
      }
      await expectMlflowError(
        registry.createModelVersion({ name: n, source: '/tmp/model' }),
        'INVALID_PARAMETER_VALUE',
        /artifact location Flowline manages/,
      );
      await expectMlflowError(
        registry.createModelVersion({ name: n, source: `runs:/${'0'.repeat(32)}/m` }),
        'RESOURCE_DOES_NOT_EXIST',
      );
      expect(await registry.getModelVersionDownloadUri(n, '1')).toBe(`${runUri}/model`);
    });

    it('resolves models:/ URIs by version, stage, latest and alias, following a moved alias', async () => {
      const n = name('uri');
      await registry.createRegisteredModel({ name: n });
      await version(n);
      await version(n);
      await registry.transitionModelVersionStage(n, '1', 'Production');
      await registry.setRegisteredModelAlias(n, 'champion', '1');
      expect((await resolveModelsUri(`models:/${n}/2`, registry)).version.version).toBe('2');
      expect(await resolveModelsUri(`models:/${n}/production/MLmodel`, registry)).toMatchObject({
        version: { version: '1' },
        path: 'MLmodel',
      });
      expect((await resolveModelsUri(`models:/${n}/latest`, registry)).version.version).toBe('2');
      expect((await resolveModelsUri(`models:/${n}@champion`, registry)).version.version).toBe('1');
      await registry.setRegisteredModelAlias(n, 'champion', '2');
      expect((await resolveModelsUri(`models:/${n}@champion`, registry)).version.version).toBe('2');
      await expectMlflowError(
        resolveModelsUri(`models:/${n}/Staging`, registry),
        'RESOURCE_DOES_NOT_EXIST',
        /stage 'Staging'/,
      );
      await expect(resolveModelsUri('models:/', registry)).rejects.toThrow(/Invalid model URI/);
    });
  });
}
