import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openDatabase } from '@flowline/db';
import {
  countRows,
  expectMlflowError,
  type MlflowFileStoreFixture,
  storeTargets,
  writeMlflowFileStore,
} from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { importFileStore, SqlTrackingStore } from '../../src/index.js';

let dir: string;
let fixture: MlflowFileStoreFixture;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-filestore-'));
  fixture = await writeMlflowFileStore(join(dir, 'mlruns'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rowCounts(uri: string): Promise<Record<string, number>> {
  const database = await openDatabase(uri);
  try {
    return await countRows(database.db);
  } finally {
    await database.close();
  }
}

/** Rows in MLflow's tables, Alembic's bookkeeping aside. */
async function dataRows(uri: string): Promise<number> {
  const { alembic_version: _, ...counts } = await rowCounts(uri);
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

for (const target of storeTargets()) {
  describe(`importFileStore into ${target.name}`, () => {
    const fresh = async () => {
      const database = await target.createDatabase();
      onTestFinished(() => database.drop());
      return database.uri;
    };
    const open = async (uri: string) => {
      const store = await SqlTrackingStore.open(uri);
      onTestFinished(() => store.close());
      return store;
    };

    it('imports experiments, deleted ones too, with tags, artifact locations and times', async () => {
      const uri = await fresh();
      const result = await importFileStore(fixture.root, uri);
      expect(result.source).toBe(fixture.root);
      expect(result.counts).toMatchObject({ experiments: 5, experimentTags: 3, runs: 5 });
      const store = await open(uri);

      const fraud = await store.getExperiment('1');
      expect(fraud).toEqual({
        experimentId: '1',
        name: 'fraud-detection',
        artifactLocation: pathToFileURL(join(fixture.root, '1')).href,
        lifecycleStage: 'active',
        creationTime: 1_700_000_001_000,
        lastUpdateTime: 1_700_000_001_500,
        tags: [
          { key: 'mlflow.note.content', value: 'Fraud models\n\nTrained weekly.' },
          { key: 'team', value: 'risk' },
        ],
      });
      expect((await store.getExperiment('0')).name).toBe('Default');
      const old = await store.getExperiment('2');
      expect(old).toMatchObject({ name: 'old-experiment', lifecycleStage: 'deleted' });
      expect(old.tags).toEqual([{ key: 'reason', value: 'superseded' }]);

      // 18-digit file-store ids do not fit Flowline's integer ids: they are numbered after the largest (2).
      const big = await store.getExperimentByName('big-id');
      const twin = result.renumberedExperiments.find((e) => e.fileStoreId === fixture.trashedTwinId)!;
      expect(result.renumberedExperiments).toEqual([
        { name: twin.name, fileStoreId: fixture.trashedTwinId, experimentId: '3' },
        { name: 'big-id', fileStoreId: fixture.bigExperimentId, experimentId: '4' },
      ]);
      expect(big?.experimentId).toBe('4');
      // A deleted experiment named like a live one keeps its data under a suffixed name.
      expect(twin.name).toBe(`fraud-detection (file store id ${fixture.trashedTwinId})`);
      expect(await store.getExperiment('3')).toMatchObject({ name: twin.name, lifecycleStage: 'deleted' });
      expect(result.warnings.some((w) => w.includes(twin.name))).toBe(true);
      // Experiments created afterwards get the next id.
      expect(await store.createExperiment({ name: 'after-import' })).toBe('5');
    });

    it('imports runs with info, params, tags, full metric history (NaN, inf, keys with /) and inputs', async () => {
      const uri = await fresh();
      await importFileStore(fixture.root, uri);
      const store = await open(uri);

      const run = await store.getRun(fixture.runs.baseline);
      expect(run.info).toEqual({
        runId: fixture.runs.baseline,
        runName: 'baseline',
        experimentId: '1',
        userId: 'alice',
        status: 'FINISHED',
        startTime: 1_700_000_002_000,
        endTime: 1_700_000_009_000,
        artifactUri: pathToFileURL(join(fixture.root, '1', fixture.runs.baseline, 'artifacts')).href,
        lifecycleStage: 'active',
      });
      expect(run.data.params).toEqual([
        { key: 'lr', value: '0.01' },
        { key: 'model/depth', value: '6' },
      ]);
      expect(run.data.tags).toEqual([
        { key: 'mlflow.runName', value: 'baseline' },
        { key: 'mlflow.source.type', value: 'LOCAL' },
        { key: 'mlflow.user', value: 'alice' },
        { key: 'team/owner', value: 'bob' },
      ]);
      expect(run.data.metrics).toEqual([
        { key: 'a/b', value: Number.NaN, timestamp: 1_700_000_004_000, step: 1 },
        { key: 'acc', value: Number.POSITIVE_INFINITY, timestamp: 1_700_000_004_000, step: 1 },
        { key: 'loss', value: 0.25, timestamp: 1_700_000_005_000, step: 2 },
      ]);
      const loss = await store.getMetricHistory(fixture.runs.baseline, 'loss');
      expect(loss.items.map((m) => [m.step, m.value])).toEqual([
        [0, 0.9],
        [1, 0.5],
        [2, 0.25],
      ]);
      const nested = await store.getMetricHistory(fixture.runs.baseline, 'a/b');
      expect(nested.items.map((m) => m.value)).toEqual([1, Number.NaN]);
      expect(run.inputs.datasetInputs).toEqual([
        {
          dataset: {
            name: 'transactions',
            digest: '3f2a9c1d',
            sourceType: 's3',
            source: '{"uri": "s3://bucket/transactions.parquet"}',
            schema:
              '{"mlflow_colspec": [{"type": "double", "name": "amount", "required": true}, {"type": "long", ' +
              '"name": "merchant_id", "required": true}, {"type": "string", "name": "country", "required": false}]}',
            profile: '{"num_rows": 1000, "num_elements": 3000}',
          },
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
        },
      ]);
      expect(await store.searchDatasets(['1'])).toEqual([
        { experimentId: '1', name: 'transactions', digest: '3f2a9c1d', context: 'training' },
      ]);

      const failed = await store.getRun(fixture.runs.failed);
      expect(failed.info).toMatchObject({ runName: 'yes', status: 'FAILED', lifecycleStage: 'deleted' });
      const running = await store.getRun(fixture.runs.big);
      expect(running.info).toMatchObject({ status: 'RUNNING', endTime: null, experimentId: '4' });
      const deleted = await store.searchRuns({ experimentIds: ['1'], runViewType: 'DELETED_ONLY' });
      expect(deleted.items.map((r) => r.info.runId)).toEqual([fixture.runs.failed]);
      expect((await store.getRun(fixture.runs.old)).info).toMatchObject({
        status: 'KILLED',
        experimentId: '2',
      });
      // Artifacts are left where they are.
      expect(
        await readFile(join(fixture.root, '1', fixture.runs.baseline, 'artifacts/model/MLmodel'), 'utf8'),
      ).toMatch(/artifact_path/);
    });

    it('writes the registry tables, and says what it counted', async () => {
      const uri = await fresh();
      const result = await importFileStore(fixture.root, uri);
      expect(result.counts).toEqual({
        experiments: 5,
        experimentTags: 3,
        runs: 5,
        params: 4,
        tags: 6,
        metrics: 8,
        latestMetrics: 4,
        datasets: 1,
        inputs: 1,
        inputTags: 1,
        registeredModels: 2,
        registeredModelTags: 1,
        modelVersions: 3,
        modelVersionTags: 1,
        registeredModelAliases: 1,
      });
      expect(await rowCounts(uri)).toMatchObject({
        registered_models: 2,
        model_versions: 3,
        registered_model_tags: 1,
        model_version_tags: 1,
        registered_model_aliases: 1,
        metrics: 8,
        latest_metrics: 4,
      });
    });

    it('is idempotent: a second import leaves the same rows', async () => {
      const uri = await fresh();
      const first = await importFileStore(fixture.root, uri);
      const before = await rowCounts(uri);
      const snapshot = async () => {
        const store = await SqlTrackingStore.open(uri);
        try {
          const experiments = await store.searchExperiments({ viewType: 'ALL', maxResults: 100 });
          const runs = await store.searchRuns({
            experimentIds: experiments.items.map((e) => e.experimentId),
            runViewType: 'ALL',
          });
          return { experiments: experiments.items, runs: runs.items };
        } finally {
          await store.close();
        }
      };
      const data = await snapshot();
      const second = await importFileStore(fixture.root, uri);
      expect(second.counts).toEqual(first.counts);
      expect(second.renumberedExperiments).toEqual(first.renumberedExperiments);
      expect(await rowCounts(uri)).toEqual(before);
      expect(await snapshot()).toEqual(data);
    });

    it('changes nothing when a meta.yaml in the middle is broken', async () => {
      const broken = join(dir, `broken-${target.name}`);
      const copy = await writeMlflowFileStore(broken);
      onTestFinished(() => rm(broken, { recursive: true, force: true }));
      await writeFile(join(broken, '1', copy.runs.failed, 'meta.yaml'), 'run_id: [unclosed\nstatus: 3\n');
      const uri = await fresh();
      await expect(importFileStore(broken, uri)).rejects.toMatchObject({
        errorCode: 'DATA_LOSS',
        message: expect.stringMatching(/^Cannot import .*: it is not valid YAML \(line \d+: /),
      });
      await expect(importFileStore(broken, uri)).rejects.toThrow(
        join(broken, '1', copy.runs.failed, 'meta.yaml'),
      );
      expect(await dataRows(uri)).toBe(0);

      // A database holding an earlier import keeps it unchanged too.
      await importFileStore(fixture.root, uri);
      const imported = await rowCounts(uri);
      await writeFile(join(broken, 'models', 'fraud-model', 'version-2', 'meta.yaml'), 'version: two\n');
      await writeFile(
        join(broken, '1', copy.runs.failed, 'meta.yaml'),
        await readFile(join(fixture.root, '1', fixture.runs.failed, 'meta.yaml')),
      );
      await expectMlflowError(
        importFileStore(broken, uri),
        'DATA_LOSS',
        /'version' should be a whole number/,
      );
      expect(await rowCounts(uri)).toEqual(imported);
    });

    it('refuses what is not a file store, and conflicts with other data', async () => {
      const uri = await fresh();
      await expectMlflowError(
        importFileStore(join(dir, 'missing'), uri),
        'RESOURCE_DOES_NOT_EXIST',
        /No such folder/,
      );
      await expectMlflowError(
        importFileStore(tmpdir(), uri),
        'INVALID_PARAMETER_VALUE',
        /not an MLflow file store/,
      );
      // The folder above mlruns works too, as with MLflow's migrate-filestore.
      expect((await importFileStore(dir, uri)).source).toBe(fixture.root);

      const other = await fresh();
      const store = await open(other);
      await store.createExperiment({ name: 'someone-else' });
      await expectMlflowError(
        importFileStore(pathToFileURL(fixture.root).href, other),
        'RESOURCE_ALREADY_EXISTS',
        /experiment 1 is 'someone-else', but the file store's experiment 1 is 'fraud-detection'/,
      );
      expect((await rowCounts(other)).runs).toBe(0);
    });
  });
}
