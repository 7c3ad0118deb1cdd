import type { TrackingStore } from '@flowline/core';
import { describe, expect } from 'vitest';
import { expectMlflowError, uniqueName } from './harness.js';
import type { SuiteTest } from './skip.js';

/** Experiments: create, get, rename, delete/restore, tags and search. */
export function experimentSuite(getStore: () => TrackingStore, test: SuiteTest): void {
  describe('experiments', () => {
    test('has MLflow default experiment 0 named Default', async () => {
      const exp = await getStore().getExperiment('0');
      expect(exp.name).toBe('Default');
      expect(exp.lifecycleStage).toBe('active');
      expect(exp.artifactLocation).toMatch(/\/0$/);
    });

    test('creates an experiment with tags, times and a default artifact location under the root', async () => {
      const store = getStore();
      const name = uniqueName();
      const before = Date.now();
      const id = await store.createExperiment({ name, tags: [{ key: 'team', value: 'vision' }] });
      expect(id).toMatch(/^\d+$/);
      const exp = await store.getExperiment(id);
      expect(exp).toMatchObject({
        experimentId: id,
        name,
        lifecycleStage: 'active',
        tags: [{ key: 'team', value: 'vision' }],
      });
      expect(exp.artifactLocation.endsWith(`/${id}`)).toBe(true);
      expect(exp.creationTime).toBeGreaterThanOrEqual(before - 1000);
      expect(exp.lastUpdateTime).toBe(exp.creationTime);
    });

    test('keeps an explicit artifact location and refuses runs:/ locations', async () => {
      const store = getStore();
      const id = await store.createExperiment({ name: uniqueName(), artifactLocation: 's3://bucket/path' });
      expect((await store.getExperiment(id)).artifactLocation).toBe('s3://bucket/path');
      await expectMlflowError(
        store.createExperiment({ name: uniqueName(), artifactLocation: 'runs:/abc/x' }),
        'INVALID_PARAMETER_VALUE',
      );
    });

    test('refuses a duplicate name, even of a deleted experiment', async () => {
      const store = getStore();
      const name = uniqueName();
      const id = await store.createExperiment({ name });
      await expectMlflowError(store.createExperiment({ name }), 'RESOURCE_ALREADY_EXISTS', /already exists/);
      await store.deleteExperiment(id);
      await expectMlflowError(store.createExperiment({ name }), 'RESOURCE_ALREADY_EXISTS');
    });

    test('refuses empty, blank and overlong names', async () => {
      const store = getStore();
      await expectMlflowError(
        store.createExperiment({ name: '' }),
        'INVALID_PARAMETER_VALUE',
        /Missing value/,
      );
      await expectMlflowError(store.createExperiment({ name: '   ' }), 'INVALID_PARAMETER_VALUE');
      await expectMlflowError(
        store.createExperiment({ name: 'x'.repeat(257) }),
        'INVALID_PARAMETER_VALUE',
        /256/,
      );
    });

    test('answers RESOURCE_DOES_NOT_EXIST for unknown and malformed ids', async () => {
      const store = getStore();
      await expectMlflowError(
        store.getExperiment('987654321'),
        'RESOURCE_DOES_NOT_EXIST',
        /No Experiment with id=987654321 exists/,
      );
      await expectMlflowError(store.getExperiment('not-a-number'), 'RESOURCE_DOES_NOT_EXIST');
      await expectMlflowError(store.getExperiment('99999999999999999999'), 'RESOURCE_DOES_NOT_EXIST');
    });

    test('gets by name, preferring an active experiment, and null when none', async () => {
      const store = getStore();
      const name = uniqueName();
      expect(await store.getExperimentByName(name)).toBeNull();
      const id = await store.createExperiment({ name });
      expect((await store.getExperimentByName(name))?.experimentId).toBe(id);
      await store.deleteExperiment(id);
      expect((await store.getExperimentByName(name))?.lifecycleStage).toBe('deleted');
    });

    test('renames an active experiment, refuses a deleted one and a taken name', async () => {
      const store = getStore();
      const id = await store.createExperiment({ name: uniqueName() });
      const newName = uniqueName('renamed');
      await store.renameExperiment(id, newName);
      expect((await store.getExperiment(id)).name).toBe(newName);
      const other = await store.createExperiment({ name: uniqueName() });
      await expectMlflowError(store.renameExperiment(other, newName), 'RESOURCE_ALREADY_EXISTS');
      await store.deleteExperiment(id);
      await expectMlflowError(store.renameExperiment(id, uniqueName()), 'INVALID_STATE', /non-active/);
    });

    test('soft-deletes an experiment with its runs and restores both', async () => {
      const store = getStore();
      const id = await store.createExperiment({ name: uniqueName() });
      const run = await store.createRun({ experimentId: id });
      await store.deleteExperiment(id);
      expect((await store.getExperiment(id)).lifecycleStage).toBe('deleted');
      expect((await store.getRun(run.info.runId)).info.lifecycleStage).toBe('deleted');
      await expectMlflowError(store.deleteExperiment(id), 'RESOURCE_DOES_NOT_EXIST');
      await expectMlflowError(
        store.createRun({ experimentId: id }),
        'INVALID_PARAMETER_VALUE',
        /must be in the 'active' state/,
      );
      await store.restoreExperiment(id);
      expect((await store.getExperiment(id)).lifecycleStage).toBe('active');
      expect((await store.getRun(run.info.runId)).info.lifecycleStage).toBe('active');
    });

    test('refuses to delete the default experiment', async () => {
      await expectMlflowError(
        getStore().deleteExperiment('0'),
        'INVALID_PARAMETER_VALUE',
        /default experiment/,
      );
      expect((await getStore().getExperiment('0')).lifecycleStage).toBe('active');
    });

    test('sets, replaces and deletes experiment tags', async () => {
      const store = getStore();
      const id = await store.createExperiment({ name: uniqueName() });
      await store.setExperimentTag(id, { key: 'k', value: 'v1' });
      await store.setExperimentTag(id, { key: 'k', value: 'v2' });
      await store.setExperimentTag(id, { key: 'mlflow.note.content', value: 'notes' });
      expect((await store.getExperiment(id)).tags).toEqual([
        { key: 'k', value: 'v2' },
        { key: 'mlflow.note.content', value: 'notes' },
      ]);
      await store.deleteExperimentTag(id, 'k');
      expect((await store.getExperiment(id)).tags.map((t) => t.key)).toEqual(['mlflow.note.content']);
      await expectMlflowError(store.deleteExperimentTag(id, 'k'), 'RESOURCE_DOES_NOT_EXIST');
      await expectMlflowError(
        store.setExperimentTag(id, { key: 'bad key!', value: 'x' }),
        'INVALID_PARAMETER_VALUE',
      );
      await expectMlflowError(
        store.setExperimentTag(id, { key: 'long', value: 'x'.repeat(5001) }),
        'INVALID_PARAMETER_VALUE',
        /5000/,
      );
    });

    describe('search', () => {
      test('filters by name, tags and times, orders, pages and honours view types', async () => {
        const store = getStore();
        const prefix = uniqueName('search');
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) {
          ids.push(
            await store.createExperiment({
              name: `${prefix}-${i}`,
              tags: [{ key: 'parity', value: i % 2 === 0 ? 'even' : 'odd' }],
            }),
          );
        }
        await store.deleteExperiment(ids[4]!);
        const like = await store.searchExperiments({
          filter: `name LIKE '${prefix}-%'`,
          orderBy: ['name ASC'],
        });
        expect(like.items.map((e) => e.name)).toEqual([0, 1, 2, 3].map((i) => `${prefix}-${i}`));
        const all = await store.searchExperiments({ filter: `name LIKE '${prefix}-%'`, viewType: 'ALL' });
        expect(all.items).toHaveLength(5);
        const deleted = await store.searchExperiments({
          filter: `name LIKE '${prefix}-%'`,
          viewType: 'DELETED_ONLY',
        });
        expect(deleted.items.map((e) => e.experimentId)).toEqual([ids[4]]);
        const even = await store.searchExperiments({
          filter: `name LIKE '${prefix}-%' AND tags.parity = 'even'`,
          orderBy: ['name DESC'],
        });
        expect(even.items.map((e) => e.name)).toEqual([`${prefix}-2`, `${prefix}-0`]);
        const ilike = await store.searchExperiments({ filter: `name ILIKE '${prefix.toUpperCase()}-%'` });
        expect(ilike.items).toHaveLength(4);
        const caseSensitive = await store.searchExperiments({
          filter: `name LIKE '${prefix.toUpperCase()}-%'`,
        });
        expect(caseSensitive.items).toHaveLength(0);
        const created = (await store.getExperiment(ids[0]!)).creationTime!;
        const newer = await store.searchExperiments({
          filter: `name LIKE '${prefix}-%' AND creation_time >= ${created}`,
        });
        expect(newer.items).toHaveLength(4);

        const pages: string[] = [];
        let token: string | undefined;
        do {
          const page = await store.searchExperiments({
            filter: `name LIKE '${prefix}-%'`,
            orderBy: ['name'],
            maxResults: 3,
            pageToken: token,
          });
          pages.push(...page.items.map((e) => e.name));
          token = page.nextPageToken;
        } while (token);
        expect(pages).toEqual([0, 1, 2, 3].map((i) => `${prefix}-${i}`));
      });

      test('orders by creation time, newest first, by default', async () => {
        const store = getStore();
        const prefix = uniqueName('order');
        const first = await store.createExperiment({ name: `${prefix}-a` });
        await new Promise((r) => setTimeout(r, 5));
        const second = await store.createExperiment({ name: `${prefix}-b` });
        const found = await store.searchExperiments({ filter: `name LIKE '${prefix}-%'` });
        expect(found.items.map((e) => e.experimentId)).toEqual([second, first]);
      });

      test('refuses bad filters, orders, tokens and max_results with INVALID_PARAMETER_VALUE', async () => {
        const store = getStore();
        await expectMlflowError(
          store.searchExperiments({ filter: "name = 'a' OR name = 'b'" }),
          'INVALID_PARAMETER_VALUE',
          /Invalid clause/,
        );
        await expectMlflowError(
          store.searchExperiments({ filter: 'metrics.x > 1' }),
          'INVALID_PARAMETER_VALUE',
          /entity type/,
        );
        await expectMlflowError(
          store.searchExperiments({ filter: "name > 'a'" }),
          'INVALID_PARAMETER_VALUE',
          /comparator/,
        );
        await expectMlflowError(
          store.searchExperiments({ filter: 'owner = 1' }),
          'INVALID_PARAMETER_VALUE',
          /Invalid attribute key/,
        );
        await expectMlflowError(store.searchExperiments({ orderBy: ['tags.x'] }), 'INVALID_PARAMETER_VALUE');
        await expectMlflowError(
          store.searchExperiments({ orderBy: ['name sideways'] }),
          'INVALID_PARAMETER_VALUE',
        );
        await expectMlflowError(
          store.searchExperiments({ pageToken: 'not a token' }),
          'INVALID_PARAMETER_VALUE',
          /page token/,
        );
        await expectMlflowError(
          store.searchExperiments({ maxResults: 0 }),
          'INVALID_PARAMETER_VALUE',
          /positive integer/,
        );
        await expectMlflowError(
          store.searchExperiments({ maxResults: 50_001 }),
          'INVALID_PARAMETER_VALUE',
          /50000/,
        );
      });
    });
  });
}
