import {
  createSteppingClock,
  type LoggedModel,
  type ModelScopedMetric,
  type SearchLoggedModelsOptions,
} from '@flowline/core';
import { expectMlflowError, storeTargets, uniqueName } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLoggedModelFilter, SqlTrackingStore } from '../src/index.js';

// MLflow 3's logged-model search (mlflow/utils/search_logged_model_utils.py and the SQL store's
// search_logged_models): attribute, metric, param and tag filters, datasets, order_by and paging.

describe('parseLoggedModelFilter', () => {
  it('maps MLflow’s aliases and entity prefixes', () => {
    expect(
      parseLoggedModelFilter(
        "creation_time > 5 AND attributes.name LIKE 'a%' AND metrics.`my acc` >= 0.5 AND params.lr = '0.1' AND tags.t != 'x'",
      ),
    ).toEqual([
      { type: 'attribute', key: 'creation_timestamp_ms', comparator: '>', value: 5 },
      { type: 'attribute', key: 'name', comparator: 'LIKE', value: 'a%' },
      { type: 'metric', key: 'my acc', comparator: '>=', value: 0.5 },
      { type: 'param', key: 'lr', comparator: '=', value: '0.1' },
      { type: 'tag', key: 't', comparator: '!=', value: 'x' },
    ]);
    expect(parseLoggedModelFilter("status = 'READY'")).toEqual([
      { type: 'attribute', key: 'status', comparator: '=', value: 2 },
    ]);
  });

  it('refuses what MLflow refuses', () => {
    const refused: [string, RegExp][] = [
      ["name = 'a' OR name = 'b'", /Expected a list of comparisons separated by 'AND'/],
      ["name IN ('a')", /Invalid filter string/],
      ["runs.x = 'a'", /Invalid entity type: runs/],
      ["colour = 'red'", /Invalid attribute name: colour/],
      ["metrics.acc LIKE 'a'", /Invalid comparison operator 'LIKE'/],
      ["name > 'a'", /Invalid comparison operator '>'/],
      ["metrics.acc > 'high'", /Invalid numeric value/],
    ];
    for (const [filter, message] of refused) {
      expect(() => parseLoggedModelFilter(filter), filter).toThrow(message);
    }
  });
});

for (const target of storeTargets()) {
  describe(`logged-model search on ${target.name}`, () => {
    let store: SqlTrackingStore;
    let drop: () => Promise<void>;
    let exp: string;
    let other: string;
    let runId: string;
    const models = {} as Record<'alpha' | 'beta' | 'gamma' | 'delta', LoggedModel>;

    const ids = (items: LoggedModel[]) => items.map((m) => m.name);

    beforeAll(async () => {
      const database = await target.createDatabase();
      drop = database.drop;
      store = await SqlTrackingStore.open(database.uri, {
        defaultArtifactRoot: '/tmp/flowline-artifacts',
        clock: createSteppingClock(1_700_000_000_000, 1000),
      });
      exp = await store.createExperiment({ name: uniqueName('search-models') });
      other = await store.createExperiment({ name: uniqueName('search-models-other') });
      runId = (await store.createRun({ experimentId: exp })).info.runId;
      // Created in this order, so creation times rise: alpha < beta < gamma < delta.
      models.alpha = await store.createLoggedModel({
        experimentId: exp,
        name: 'alpha',
        modelType: 'agent',
        params: { lr: '0.1' },
        tags: { team: 'red' },
      });
      models.beta = await store.createLoggedModel({
        experimentId: exp,
        name: 'beta',
        params: { lr: '0.2' },
        tags: { team: 'blue' },
        sourceRunId: runId,
      });
      models.gamma = await store.createLoggedModel({ experimentId: exp, name: 'gamma' });
      models.delta = await store.createLoggedModel({ experimentId: other, name: 'delta' });
      await store.finalizeLoggedModel(models.beta.modelId, 'LOGGED_MODEL_READY');
      const metrics: ModelScopedMetric[] = [
        // alpha: acc 0.5 then 0.9 on eval; beta: acc 0.7 on eval/d2 and 0.95 on train.
        {
          key: 'acc',
          value: 0.5,
          timestamp: 1,
          step: 0,
          modelId: models.alpha.modelId,
          datasetName: 'eval',
          datasetDigest: 'd1',
        },
        {
          key: 'acc',
          value: 0.9,
          timestamp: 2,
          step: 1,
          modelId: models.alpha.modelId,
          datasetName: 'eval',
          datasetDigest: 'd1',
        },
        {
          key: 'acc',
          value: 0.7,
          timestamp: 3,
          step: 0,
          modelId: models.beta.modelId,
          datasetName: 'eval',
          datasetDigest: 'd2',
        },
        {
          key: 'acc',
          value: 0.95,
          timestamp: 4,
          step: 0,
          modelId: models.beta.modelId,
          datasetName: 'train',
        },
      ];
      await store.logBatch(runId, { metrics });
    });
    afterAll(async () => {
      await store.close();
      await drop();
    });

    const search = async (filter?: string, extra: Partial<SearchLoggedModelsOptions> = {}) =>
      ids((await store.searchLoggedModels({ experimentIds: [exp], filter, ...extra })).items);

    it('lists active models of the experiments, newest first, with their data', async () => {
      expect(await search()).toEqual(['gamma', 'beta', 'alpha']);
      const both = await store.searchLoggedModels({ experimentIds: [exp, other] });
      expect(ids(both.items)).toEqual(['delta', 'gamma', 'beta', 'alpha']);
      const beta = both.items.find((m) => m.name === 'beta')!;
      expect(beta).toMatchObject({
        status: 'LOGGED_MODEL_READY',
        params: { lr: '0.2' },
        tags: { team: 'blue' },
      });
      expect(beta.metrics).toHaveLength(2);
      expect((await store.searchLoggedModels({ experimentIds: [] })).items).toEqual([]);
      expect((await store.searchLoggedModels({ experimentIds: ['424242'] })).items).toEqual([]);
    });

    it('filters on attributes', async () => {
      expect(await search("name = 'beta'")).toEqual(['beta']);
      expect(await search("name != 'beta'")).toEqual(['gamma', 'alpha']);
      expect(await search("name LIKE '%a'")).toEqual(['gamma', 'beta', 'alpha']);
      expect(await search("name LIKE 'A%'")).toEqual([]);
      expect(await search("name ILIKE 'A%'")).toEqual(['alpha']);
      expect(await search("model_type = 'agent'")).toEqual(['alpha']);
      expect(await search(`model_id = '${models.gamma.modelId}'`)).toEqual(['gamma']);
      expect(await search(`source_run_id = '${runId}'`)).toEqual(['beta']);
      expect(await search("status = 'LOGGED_MODEL_READY'")).toEqual(['beta']);
      expect(await search("status != 'LOGGED_MODEL_READY'")).toEqual(['gamma', 'alpha']);
      expect(await search(`creation_time > ${models.alpha.creationTimestamp}`)).toEqual(['gamma', 'beta']);
      expect(await search(`creation_timestamp_ms <= ${models.alpha.creationTimestamp}`)).toEqual(['alpha']);
      expect(await search(`last_updated_timestamp > ${models.gamma.lastUpdatedTimestamp}`)).toEqual(['beta']);
    });

    it('filters on params, tags and any point of a metric, joined by AND', async () => {
      expect(await search("params.lr = '0.1'")).toEqual(['alpha']);
      expect(await search("params.lr LIKE '0.%'")).toEqual(['beta', 'alpha']);
      expect(await search("tags.team = 'blue'")).toEqual(['beta']);
      expect(await search("tags.team != 'blue'")).toEqual(['alpha']);
      expect(await search('metrics.acc > 0.8')).toEqual(['beta', 'alpha']);
      // Any point matches, not only the latest: alpha's earlier 0.5.
      expect(await search('metrics.acc < 0.6')).toEqual(['alpha']);
      expect(await search("metrics.acc > 0.8 AND tags.team = 'red'")).toEqual(['alpha']);
      expect(await search('metrics.missing > 0')).toEqual([]);
    });

    it('keeps metrics of the given datasets', async () => {
      expect(await search('metrics.acc > 0.8', { datasets: [{ datasetName: 'eval' }] })).toEqual(['alpha']);
      expect(await search('metrics.acc > 0.8', { datasets: [{ datasetName: 'train' }] })).toEqual(['beta']);
      expect(await search(undefined, { datasets: [{ datasetName: 'eval' }] })).toEqual(['beta', 'alpha']);
      expect(await search(undefined, { datasets: [{ datasetName: 'eval', datasetDigest: 'd2' }] })).toEqual([
        'beta',
      ]);
      expect(
        await search(undefined, {
          datasets: [{ datasetName: 'train' }, { datasetName: 'eval', datasetDigest: 'd1' }],
        }),
      ).toEqual(['beta', 'alpha']);
      await expectMlflowError(
        store.searchLoggedModels({ experimentIds: [exp], datasets: [{ datasetName: '' }] }),
        'INVALID_PARAMETER_VALUE',
        '`dataset_name` in the `datasets` clause must be specified.',
      );
    });

    it('orders by attributes and by a metric’s latest value, missing values last', async () => {
      expect(await search(undefined, { orderBy: [{ fieldName: 'name' }] })).toEqual([
        'alpha',
        'beta',
        'gamma',
      ]);
      expect(await search(undefined, { orderBy: [{ fieldName: 'creation_time', ascending: true }] })).toEqual(
        ['alpha', 'beta', 'gamma'],
      );
      // Latest acc: alpha 0.9 (step 1), beta 0.95 (timestamp 4); gamma has none.
      expect(await search(undefined, { orderBy: [{ fieldName: 'metrics.acc', ascending: false }] })).toEqual([
        'beta',
        'alpha',
        'gamma',
      ]);
      expect(await search(undefined, { orderBy: [{ fieldName: 'metrics.acc' }] })).toEqual([
        'alpha',
        'beta',
        'gamma',
      ]);
      // On eval only, beta's latest is 0.7.
      expect(
        await search(undefined, {
          orderBy: [{ fieldName: 'metrics.acc', ascending: false, datasetName: 'eval' }],
        }),
      ).toEqual(['alpha', 'beta', 'gamma']);
      // Ties on model_type (null for beta and gamma) fall back to newest first.
      expect(await search(undefined, { orderBy: [{ fieldName: 'model_type' }] })).toEqual([
        'alpha',
        'gamma',
        'beta',
      ]);
      await expectMlflowError(
        store.searchLoggedModels({ experimentIds: [exp], orderBy: [{ fieldName: 'colour' }] }),
        'INVALID_PARAMETER_VALUE',
        'Invalid order by field name: colour',
      );
      await expectMlflowError(
        store.searchLoggedModels({ experimentIds: [exp], orderBy: [{ fieldName: 'params.lr' }] }),
        'INVALID_PARAMETER_VALUE',
        'Invalid order by field name: params.lr. Only metrics are supported.',
      );
    });

    it('pages with tokens bound to the query', async () => {
      const first = await store.searchLoggedModels({ experimentIds: [exp], maxResults: 2 });
      expect(ids(first.items)).toEqual(['gamma', 'beta']);
      expect(first.nextPageToken).toBeDefined();
      const second = await store.searchLoggedModels({
        experimentIds: [exp],
        maxResults: 2,
        pageToken: first.nextPageToken,
      });
      expect(ids(second.items)).toEqual(['alpha']);
      expect(second.nextPageToken).toBeUndefined();
      await expectMlflowError(
        store.searchLoggedModels({
          experimentIds: [exp],
          filter: "name = 'x'",
          pageToken: first.nextPageToken,
        }),
        'INVALID_PARAMETER_VALUE',
        /different search/,
      );
      await expectMlflowError(
        store.searchLoggedModels({ experimentIds: [exp], pageToken: 'not a token' }),
        'INVALID_PARAMETER_VALUE',
      );
      await expectMlflowError(
        store.searchLoggedModels({ experimentIds: [exp], maxResults: 0 }),
        'INVALID_PARAMETER_VALUE',
        /max_results/,
      );
    });

    it('reports a bad filter even with no experiment to search', async () => {
      await expectMlflowError(
        store.searchLoggedModels({ experimentIds: [], filter: 'name = ' }),
        'INVALID_PARAMETER_VALUE',
        /Invalid filter string/,
      );
    });
  });
}
