import type { TrackingStore } from '@flowline/core';
import { beforeAll, describe, expect } from 'vitest';
import { expectMlflowError, uniqueName } from './harness.js';
import type { SuiteTest } from './skip.js';

interface Fixture {
  expId: string;
  ids: Record<string, string>;
}

async function build(store: TrackingStore): Promise<Fixture> {
  const expId = await store.createExperiment({ name: uniqueName('search-runs') });
  const ids: Record<string, string> = {};
  const specs = [
    { name: 'alpha', start: 1000, acc: 0.9, model: 'CNN', tag: 'prod' },
    { name: 'beta', start: 2000, acc: 0.7, model: 'cnn-small', tag: 'dev' },
    { name: 'gamma', start: 3000, acc: Number.NaN, model: 'tree', tag: null },
    { name: 'delta', start: 4000, acc: null, model: null, tag: 'dev' },
  ];
  for (const s of specs) {
    const run = await store.createRun({ experimentId: expId, runName: s.name, startTime: s.start });
    ids[s.name] = run.info.runId;
    await store.logBatch(run.info.runId, {
      metrics:
        s.acc === null
          ? []
          : [
              { key: 'acc', value: s.acc, timestamp: s.start, step: 0 },
              { key: 'f1 score', value: 1, timestamp: 1, step: 0 },
            ],
      params: s.model === null ? [] : [{ key: 'model', value: s.model }],
      tags: s.tag === null ? [] : [{ key: 'env', value: s.tag }],
    });
  }
  await store.updateRunInfo(ids.alpha!, { status: 'FINISHED', endTime: 5000 });
  await store.logInputs(ids.beta!, [
    {
      dataset: { name: 'mnist', digest: 'abc123', sourceType: 'local', source: '/d' },
      tags: [{ key: 'mlflow.data.context', value: 'training' }],
    },
  ]);
  const hidden = await store.createRun({ experimentId: expId, runName: 'deleted-one', startTime: 500 });
  ids.deleted = hidden.info.runId;
  await store.deleteRun(hidden.info.runId);
  return { expId, ids };
}

/** Run search: MLflow's filter grammar, ordering, view types, paging and hostile input. */
export function searchRunsSuite(getStore: () => TrackingStore, test: SuiteTest): void {
  describe('search runs', () => {
    let fx: Fixture;
    beforeAll(async () => {
      fx = await build(getStore());
    });
    const names = async (
      filter?: string,
      orderBy?: string[],
      runViewType?: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL',
    ) => {
      const page = await getStore().searchRuns({ experimentIds: [fx.expId], filter, orderBy, runViewType });
      return page.items.map((r) => r.info.runName);
    };

    test('orders by start_time DESC by default and hides deleted runs', async () => {
      expect(await names()).toEqual(['delta', 'gamma', 'beta', 'alpha']);
      expect(await names(undefined, undefined, 'DELETED_ONLY')).toEqual(['deleted-one']);
      expect(await names(undefined, undefined, 'ALL')).toHaveLength(5);
    });

    test('filters metrics numerically; NaN and missing values never match comparisons', async () => {
      expect(await names('metrics.acc > 0.8')).toEqual(['alpha']);
      expect(await names('metric.acc >= 0.7', ['metrics.acc ASC'])).toEqual(['beta', 'alpha']);
      expect(await names('metrics.acc = 0')).toEqual([]);
      expect((await names('metrics.acc != 0.9')).sort()).toEqual(['beta', 'gamma']);
      expect(await names('metrics.`f1 score` = 1 AND metrics.acc < 1e0')).toEqual(['beta', 'alpha']);
    });

    test('filters params and tags with =, !=, LIKE (case-sensitive) and ILIKE', async () => {
      expect(await names("params.model = 'CNN'")).toEqual(['alpha']);
      expect(await names("params.model LIKE 'cnn%'")).toEqual(['beta']);
      expect(await names("params.model ILIKE 'cnn%'")).toEqual(['beta', 'alpha']);
      expect(await names("params.model != 'tree'")).toEqual(['beta', 'alpha']);
      expect(await names('tags.env = "dev"')).toEqual(['delta', 'beta']);
      expect(await names("tags.`env` LIKE '_ev'")).toEqual(['delta', 'beta']);
      expect(await names('tags.env IS NULL')).toEqual(['gamma']);
      expect(await names('params.model IS NOT NULL AND tags.env IS NOT NULL')).toEqual(['beta', 'alpha']);
    });

    test('filters attributes, with aliases, IN lists and numeric times', async () => {
      expect(await names("attributes.status = 'FINISHED'")).toEqual(['alpha']);
      expect(await names("run_name = 'gamma'")).toEqual(['gamma']);
      expect(await names("attributes.`run name` LIKE '%ta'")).toEqual(['delta', 'beta']);
      expect(await names('attributes.start_time >= 2000 AND created < 4000')).toEqual(['gamma', 'beta']);
      expect(await names('end_time > 0')).toEqual(['alpha']);
      expect(await names(`attributes.run_id IN ('${fx.ids.alpha}', '${fx.ids.gamma}')`)).toEqual([
        'gamma',
        'alpha',
      ]);
      expect(await names(`run_id NOT IN ('${fx.ids.alpha}')`)).toEqual(['delta', 'gamma', 'beta']);
    });

    test('filters on datasets by name, digest and context', async () => {
      expect(await names("dataset.name = 'mnist'")).toEqual(['beta']);
      expect(await names("datasets.digest IN ('abc123', 'zzz')")).toEqual(['beta']);
      expect(await names("dataset.context = 'training'")).toEqual(['beta']);
      expect(await names("dataset.context = 'evaluation'")).toEqual([]);
    });

    test('orders by metrics with NaN then missing values last in both directions', async () => {
      expect(await names(undefined, ['metrics.acc DESC'])).toEqual(['alpha', 'beta', 'gamma', 'delta']);
      expect(await names(undefined, ['metrics.acc ASC'])).toEqual(['beta', 'alpha', 'gamma', 'delta']);
    });

    test('orders by params, tags and attributes, with several keys', async () => {
      expect(await names(undefined, ['params.model'])).toEqual(['alpha', 'beta', 'gamma', 'delta']);
      expect(await names(undefined, ['tags.env DESC', 'attributes.start_time ASC'])).toEqual([
        'alpha',
        'beta',
        'delta',
        'gamma',
      ]);
      expect(await names(undefined, ['attributes.run_name'])).toEqual(['alpha', 'beta', 'delta', 'gamma']);
      expect(await names(undefined, ['start_time asc'])).toEqual(['alpha', 'beta', 'gamma', 'delta']);
    });

    test('pages with stable, opaque tokens and refuses a token reused for another search', async () => {
      const store = getStore();
      const expId = await store.createExperiment({ name: uniqueName('paging') });
      for (let i = 0; i < 25; i++)
        await store.createRun({ experimentId: expId, runName: `r${i}`, startTime: i });
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await store.searchRuns({ experimentIds: [expId], maxResults: 10, pageToken: token });
        seen.push(...page.items.map((r) => r.info.runName));
        token = page.nextPageToken;
        pages++;
        if (token) {
          await expectMlflowError(
            store.searchRuns({
              experimentIds: [expId],
              maxResults: 10,
              pageToken: token,
              filter: "tags.x = 'y'",
            }),
            'INVALID_PARAMETER_VALUE',
            /different search/,
          );
        }
      } while (token);
      expect(pages).toBe(3);
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `r${24 - i}`));
    });

    test('searches several experiments at once and ignores unknown ones', async () => {
      const store = getStore();
      const other = await store.createExperiment({ name: uniqueName() });
      await store.createRun({ experimentId: other, runName: 'elsewhere', startTime: 10 });
      const page = await store.searchRuns({ experimentIds: [fx.expId, other, '999999999', 'x'] });
      expect(page.items.map((r) => r.info.runName)).toContain('elsewhere');
      expect(page.items).toHaveLength(5);
      expect((await store.searchRuns({ experimentIds: [] })).items).toEqual([]);
    });

    test('returns full runs: params, tags, latest metrics and inputs', async () => {
      const [beta] = (await getStore().searchRuns({ experimentIds: [fx.expId], filter: "run_name = 'beta'" }))
        .items;
      expect(beta!.data.params).toEqual([{ key: 'model', value: 'cnn-small' }]);
      expect(beta!.data.metrics.map((m) => m.key)).toEqual(['acc', 'f1 score']);
      expect(beta!.inputs.datasetInputs[0]!.dataset.name).toBe('mnist');
    });

    test('refuses bad filters with a message that points at the problem', async () => {
      const store = getStore();
      const bad = async (filter: string, message?: RegExp) =>
        expectMlflowError(
          store.searchRuns({ experimentIds: [fx.expId], filter }),
          'INVALID_PARAMETER_VALUE',
          message,
        );
      await bad("params.model = 'a' OR params.model = 'b'", /Invalid clause/);
      await bad("(params.model = 'a')", /Invalid clause/);
      await bad("params.model = 'a'; DROP TABLE runs", /unexpected character ';'/);
      await bad("params.model = 'a' -- comment", /unexpected character|Invalid clause/);
      await bad('metrics.acc > "high"', /numeric/);
      await bad('params.model = 5', /quoted string/);
      await bad("metrics.acc LIKE '1%'", /comparator/);
      await bad("foo.bar = 'x'", /Invalid entity type 'foo'/);
      await bad("attributes.color = 'red'", /Invalid attribute key 'color'/);
      await bad("status IN ('RUNNING')", /run_id/);
      await bad('run_id IN ()', /empty list/);
      await bad("params.model = 'unterminated", /unterminated/);
      await bad('metrics.acc >', /expected a value/);
      await bad("params.model = 'a' AND", /Invalid clause/);
      await bad('metrics.acc 5', /comparator/);
      await bad(`params.model = '${'x'.repeat(200_000)}'`, /too long/);
      await expectMlflowError(
        store.searchRuns({ experimentIds: [fx.expId], orderBy: ['metrics.acc sideways'] }),
        'INVALID_PARAMETER_VALUE',
        /ordering key/,
      );
      await expectMlflowError(
        store.searchRuns({ experimentIds: [fx.expId], orderBy: ['metrics.acc', 'metric.acc DESC'] }),
        'INVALID_PARAMETER_VALUE',
        /duplicate/,
      );
      await expectMlflowError(
        store.searchRuns({ experimentIds: [fx.expId], maxResults: 50_001 }),
        'INVALID_PARAMETER_VALUE',
        /Invalid value 50001 for parameter 'max_results' supplied/,
      );
    });

    test('treats hostile strings as plain values: quotes, SQL, comments and unicode', async () => {
      const store = getStore();
      const expId = await store.createExperiment({ name: uniqueName('hostile') });
      const run = await store.createRun({ experimentId: expId });
      const values = [
        "it's",
        "'; DROP TABLE runs; --",
        'a"b',
        '100% _sure_',
        'ünïcødé ✓ 日本',
        '/* x */ OR 1=1',
      ];
      await store.logBatch(run.info.runId, { params: values.map((value, i) => ({ key: `p${i}`, value })) });
      for (const [i, value] of values.entries()) {
        const quoted = `'${value.replaceAll("'", "''")}'`;
        const found = await store.searchRuns({ experimentIds: [expId], filter: `params.p${i} = ${quoted}` });
        expect(
          found.items.map((r) => r.info.runId),
          value,
        ).toEqual([run.info.runId]);
      }
      const literal = await store.searchRuns({
        experimentIds: [expId],
        filter: "params.p3 LIKE '100\\% \\_sure\\_'",
      });
      expect(literal.items).toHaveLength(1);
      const notLiteral = await store.searchRuns({
        experimentIds: [expId],
        filter: "params.p3 LIKE '100\\% x%'",
      });
      expect(notLiteral.items).toHaveLength(0);
      expect(
        (await store.searchRuns({ experimentIds: [expId], filter: "params.`p4` ILIKE '%日本'" })).items,
      ).toHaveLength(1);
      // The tables are all still there.
      expect((await store.getRun(run.info.runId)).data.params).toHaveLength(values.length);
    });
  });
}
