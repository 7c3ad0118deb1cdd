import type { RegistryStore } from '@flowline/core';
import { describe, expect } from 'vitest';
import { expectMlflowError, uniqueName } from '../harness.js';
import type { SuiteTest } from '../skip.js';
import { fakeRunId, type GetRegistry, newVersion } from './fixtures.js';

/** Three models `<prefix>-a|b|c` (b tagged kind=tree, the others linear), `-a` with two versions. */
async function family(store: RegistryStore, runId = fakeRunId()): Promise<{ prefix: string; runId: string }> {
  const prefix = uniqueName('family');
  for (const suffix of ['a', 'b', 'c']) {
    const name = `${prefix}-${suffix}`;
    await store.createRegisteredModel({
      name,
      tags: [{ key: 'kind', value: suffix === 'b' ? 'tree' : 'linear' }],
    });
    await newVersion(store, name, { runId });
  }
  await newVersion(store, `${prefix}-a`, { runId });
  return { prefix, runId };
}

const names = (page: { items: Array<{ name: string }> }) => page.items.map((m) => m.name);
const versions = (page: { items: Array<{ name: string; version: string }> }) =>
  page.items.map((v) => `${v.name}/${v.version}`);

/** search_registered_models and search_model_versions: filters, order_by, paging and refusals. */
export function registrySearchSuite(getStore: GetRegistry, test: SuiteTest): void {
  describe('registry search', () => {
    test('searches registered models by name LIKE and tag, in name order by default', async () => {
      const store = getStore();
      const { prefix } = await family(store);
      expect(names(await store.searchRegisteredModels({ filter: `name LIKE '${prefix}-%'` }))).toEqual([
        `${prefix}-a`,
        `${prefix}-b`,
        `${prefix}-c`,
      ]);
      const linear = await store.searchRegisteredModels({
        filter: `name LIKE '${prefix}-%' AND tags.kind = 'linear'`,
      });
      expect(names(linear)).toEqual([`${prefix}-a`, `${prefix}-c`]);
      const exact = await store.searchRegisteredModels({ filter: `name = '${prefix}-b'` });
      expect(names(exact)).toEqual([`${prefix}-b`]);
    });

    test("tells prompts from models as MLflow 3's client asks: the prompt tag != 'true' matches untagged models", async () => {
      const store = getStore();
      const { prefix } = await family(store);
      await store.createRegisteredModel({
        name: `${prefix}-prompt`,
        tags: [{ key: 'mlflow.prompt.is_prompt', value: 'true' }],
      });
      const filter = (clause: string) => `name LIKE '${prefix}-%' AND ${clause}`;
      const models = [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`];
      // MLflow 3's search_registered_models adds this clause to every call.
      expect(
        names(
          await store.searchRegisteredModels({ filter: filter("tag.`mlflow.prompt.is_prompt` != 'true'") }),
        ),
      ).toEqual(models);
      expect(
        names(
          await store.searchRegisteredModels({ filter: filter("tags.`mlflow.prompt.is_prompt` = 'false'") }),
        ),
      ).toEqual(models);
      expect(
        names(
          await store.searchRegisteredModels({ filter: filter("tags.`mlflow.prompt.is_prompt` = 'true'") }),
        ),
      ).toEqual([`${prefix}-prompt`]);
      // Any other tag still needs the tag to match.
      expect(names(await store.searchRegisteredModels({ filter: filter("tags.kind != 'tree'") }))).toEqual([
        `${prefix}-a`,
        `${prefix}-c`,
      ]);
    });

    test('orders registered models by order_by name DESC', async () => {
      const store = getStore();
      const { prefix } = await family(store);
      const found = await store.searchRegisteredModels({
        filter: `name LIKE '${prefix}-%'`,
        orderBy: ['name DESC'],
      });
      expect(names(found)).toEqual([`${prefix}-c`, `${prefix}-b`, `${prefix}-a`]);
    });

    test('pages registered models with max_results and page_token', async () => {
      const store = getStore();
      const { prefix } = await family(store);
      const filter = `name LIKE '${prefix}-%'`;
      const first = await store.searchRegisteredModels({ filter, maxResults: 2 });
      expect(names(first)).toEqual([`${prefix}-a`, `${prefix}-b`]);
      expect(first.nextPageToken).toEqual(expect.any(String));
      const rest = await store.searchRegisteredModels({
        filter,
        maxResults: 2,
        pageToken: first.nextPageToken,
      });
      expect(names(rest)).toEqual([`${prefix}-c`]);
      expect(rest.nextPageToken ?? '').toBe('');
    });

    test('searches model versions by name, version_number, run_id IN and name ILIKE', async () => {
      const store = getStore();
      const { prefix, runId } = await family(store);
      const byNumber = await store.searchModelVersions({
        filter: `name = '${prefix}-a' AND version_number > 1`,
      });
      expect(versions(byNumber)).toEqual([`${prefix}-a/2`]);
      const byRun = await store.searchModelVersions({
        filter: `run_id IN ('${runId}') AND name ILIKE '${prefix.toUpperCase()}-%'`,
        orderBy: ['name ASC', 'version_number DESC'],
      });
      expect(versions(byRun)).toEqual([`${prefix}-a/2`, `${prefix}-a/1`, `${prefix}-b/1`, `${prefix}-c/1`]);
    });

    test('orders model versions by last update, newest first, by default', async () => {
      const store = getStore();
      const { prefix } = await family(store);
      await store.updateModelVersion(`${prefix}-b`, '1', 'touched last');
      const found = await store.searchModelVersions({ filter: `name LIKE '${prefix}-%'` });
      expect(versions(found)).toEqual([`${prefix}-b/1`, `${prefix}-a/2`, `${prefix}-c/1`, `${prefix}-a/1`]);
    });

    test('pages model versions with max_results and page_token', async () => {
      const store = getStore();
      const { prefix } = await family(store);
      const options = {
        filter: `name LIKE '${prefix}-%'`,
        orderBy: ['name', 'version_number'],
        maxResults: 3,
      };
      const first = await store.searchModelVersions(options);
      expect(versions(first)).toEqual([`${prefix}-a/1`, `${prefix}-a/2`, `${prefix}-b/1`]);
      const rest = await store.searchModelVersions({ ...options, pageToken: first.nextPageToken });
      expect(versions(rest)).toEqual([`${prefix}-c/1`]);
      expect(rest.nextPageToken ?? '').toBe('');
    });

    test('refuses unknown filter attributes, OR clauses and max_results above 1000 with INVALID_PARAMETER_VALUE', async () => {
      const store = getStore();
      await expectMlflowError(
        store.searchRegisteredModels({ filter: "owner = 'x'" }),
        'INVALID_PARAMETER_VALUE',
        /Invalid attribute key/,
      );
      await expectMlflowError(
        store.searchModelVersions({ filter: "name = 'a' OR name = 'b'" }),
        'INVALID_PARAMETER_VALUE',
        /Invalid clause/,
      );
      await expectMlflowError(
        store.searchRegisteredModels({ maxResults: 1001 }),
        'INVALID_PARAMETER_VALUE',
        /max_results/,
      );
      await expectMlflowError(
        store.searchRegisteredModels({ orderBy: ['owner'] }),
        'INVALID_PARAMETER_VALUE',
      );
    });
  });
}
