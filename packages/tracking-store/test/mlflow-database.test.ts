import { openDatabase } from '@flowline/db';
import {
  countRows,
  describeSchema,
  expectMlflowError,
  SEEDED,
  SEEDED_2X_ALEMBIC_REVISION,
  SEEDED_ALEMBIC_REVISION,
  storeTargets,
} from '@flowline/testkit';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { SqlTrackingStore } from '../src/index.js';
import { emptyDatabase, mlflowDatabase, useCleanups } from './test-databases.js';

const cleanups = useCleanups();

async function alembicRows(uri: string): Promise<string[]> {
  const raw = await openDatabase(uri);
  const { rows } = await sql<{ version_num: string }>`select version_num from alembic_version`.execute(
    raw.db,
  );
  await raw.close();
  return rows.map((r) => r.version_num);
}

async function open(uri: string, options = {}) {
  const store = await SqlTrackingStore.open(uri, options);
  cleanups.push(() => store.close());
  return store;
}

for (const target of storeTargets()) {
  describe(`an existing MLflow database on ${target.name}`, () => {
    it('opens unchanged and serves its experiments, runs, metrics and datasets', async () => {
      const { uri, before } = await mlflowDatabase(target.name, cleanups);
      const store = await open(uri);
      expect(store.migration).toMatchObject({ alembicRevision: SEEDED_ALEMBIC_REVISION, adopted: true });
      expect((await store.getExperiment('0')).artifactLocation).toBe('mlflow-artifacts:/0');
      const exp = await store.getExperimentByName('fraud-detection');
      expect(exp).toMatchObject({
        experimentId: SEEDED.experimentId,
        tags: [{ key: 'mlflow.note.content', value: 'notes' }],
      });

      const run = await store.getRun(SEEDED.runId);
      expect(run.info).toMatchObject({
        runName: 'brave-owl-42',
        status: 'FINISHED',
        userId: 'alice',
        endTime: 1_700_000_009_000,
      });
      const latest = Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value]));
      expect(latest.auc).toBe(0.87);
      expect(latest.loss).toBeNaN();
      expect(latest.grad).toBe(Number.POSITIVE_INFINITY);
      expect(run.data.params).toEqual([
        { key: 'learning_rate', value: '0.01' },
        { key: 'model', value: 'xgboost' },
      ]);
      expect(run.inputs.datasetInputs[0]).toMatchObject({
        dataset: { name: 'transactions', digest: 'a1b2c3d4' },
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
      });
      // Runs written by MLflow ≤ 1.29 have no name column value; the tag names them.
      expect((await store.getRun(SEEDED.oldRunId)).info.runName).toBe('ancient-run');

      const found = await store.searchRuns({
        experimentIds: [SEEDED.experimentId],
        filter: "metrics.auc > 0.8 AND params.model = 'xgboost' AND dataset.context = 'training'",
      });
      expect(found.items.map((r) => r.info.runId)).toEqual([SEEDED.runId]);
      expect((await store.getMetricHistory(SEEDED.runId, 'auc')).items.map((m) => m.value)).toEqual([
        0.81, 0.87,
      ]);

      const raw = await openDatabase(uri);
      const after = await countRows(raw.db);
      await raw.close();
      expect(after).toEqual(before);
    });

    it("leaves an MLflow database at the head revision as MLflow made it, but for Flowline's own indexes", async () => {
      const { uri, schema } = await mlflowDatabase(target.name, cleanups);
      await open(uri);
      const raw = await openDatabase(uri);
      const after = await describeSchema(raw.db, raw.dialect, { ignore: /^flowline_/ });
      await raw.close();
      expect(after).toEqual(schema);
      expect(await alembicRows(uri)).toEqual([SEEDED_ALEMBIC_REVISION]);
    });

    it('keeps working for new writes next to MLflow rows', async () => {
      const { uri } = await mlflowDatabase(target.name, cleanups);
      const store = await open(uri);
      const id = await store.createExperiment({ name: 'added-by-flowline' });
      expect(Number(id)).toBeGreaterThan(1);
      await store.logBatch(SEEDED.runId, {
        metrics: [{ key: 'auc', value: 0.9, timestamp: 1_700_000_005_000, step: 2 }],
      });
      expect((await store.getRun(SEEDED.runId)).data.metrics.find((m) => m.key === 'auc')?.value).toBe(0.9);
      await expectMlflowError(
        store.logParam(SEEDED.runId, { key: 'model', value: 'lightgbm' }),
        'INVALID_PARAMETER_VALUE',
        /Changing param values/,
      );
    });
  });
}

describe('migrations', () => {
  it('brings an older MLflow 2.x database to the current schema without losing a row', async () => {
    const { uri, before } = await mlflowDatabase('sqlite', cleanups, '2x');
    const store = await open(uri);
    expect(store.migration).toMatchObject({
      applied: ['0001-mlflow-schema', '0002-search-indexes', '0003-mlflow-head'],
      alembicRevision: SEEDED_2X_ALEMBIC_REVISION,
      adopted: true,
    });
    const run = await store.getRun(SEEDED.runId);
    expect(run.data.params).toHaveLength(2);
    await store.deleteRun(SEEDED.runId);
    await store.restoreRun(SEEDED.runId);
    const raw = await openDatabase(uri);
    const after = await countRows(raw.db);
    const columns = await sql<{ name: string }>`select name from pragma_table_info('runs')`.execute(raw.db);
    await raw.close();
    expect(columns.rows.map((c) => c.name)).toContain('deleted_time');
    const { registered_model_aliases: created, ...rest } = after;
    expect(created).toBe(0);
    expect(rest).toEqual(before);
    // Flowline never claims a revision whose schema it did not create: MLflow upgrades the database itself.
    expect(await alembicRows(uri)).toEqual([SEEDED_2X_ALEMBIC_REVISION]);
    const check = await openDatabase(uri);
    const tables = (await check.db.introspection.getTables()).map((t) => t.name);
    await check.close();
    expect(tables).not.toContain('trace_info');
  });

  for (const target of storeTargets()) {
    it(`refuses a ${target.name} database upgraded by a newer Flowline and changes nothing`, async () => {
      const database = await emptyDatabase(target.name, cleanups);
      (await SqlTrackingStore.open(database.uri)).close();
      const raw = await openDatabase(database.uri);
      await sql`insert into flowline_migration (name, timestamp) values ('9999-from-the-future', '2030-01-01T00:00:00.000Z')`.execute(
        raw.db,
      );
      const before = await countRows(raw.db);
      await raw.close();
      await expectMlflowError(
        SqlTrackingStore.open(database.uri),
        'INVALID_STATE',
        /newer Flowline.*9999-from-the-future/,
      );
      const check = await openDatabase(database.uri);
      expect(await countRows(check.db)).toEqual(before);
      await check.close();
    });
  }

  it('with migrate: false, refuses a database that needs migrating and names the command', async () => {
    const database = await emptyDatabase('sqlite', cleanups);
    await expectMlflowError(
      SqlTrackingStore.open(database.uri, { migrate: false }),
      'INVALID_STATE',
      /flowline db upgrade/,
    );
    const store = await open(database.uri);
    expect(store.migration.applied).toHaveLength(3);
    const again = await open(database.uri, { migrate: false });
    expect((await again.getExperiment('0')).name).toBe('Default');
  });

  it('opens the same new SQLite file from two stores at once', async () => {
    const database = await emptyDatabase('sqlite', cleanups);
    const [a, b] = await Promise.all([open(database.uri), open(database.uri)]);
    const id = await a.createExperiment({ name: 'shared' });
    expect((await b.getExperiment(id)).name).toBe('shared');
  });
});
