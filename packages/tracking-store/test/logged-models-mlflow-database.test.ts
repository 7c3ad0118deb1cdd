import type { ModelScopedMetric } from '@flowline/core';
import { openDatabase } from '@flowline/db';
import { describeSchema, SEEDED, SEEDED_ALEMBIC_REVISION, storeTargets } from '@flowline/testkit';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { SqlTrackingStore } from '../src/index.js';
import { mlflowDatabase, schemasAfterWriting, useCleanups } from './test-databases.js';

// Logged models written by Flowline land in MLflow's own tables under MLflow's own DDL (the 3.10 schema
// fixtures), leave the schema as MLflow made it, and hold the values MLflow's SqlAlchemyStore reads: the status
// as its enum number, lifecycle_stage, and the experiment id on every child row.

const cleanups = useCleanups();

async function writeModels(store: SqlTrackingStore, experimentId: string, runId: string) {
  const kept = await store.createLoggedModel({
    experimentId,
    name: 'kept',
    modelType: 'sklearn',
    sourceRunId: runId,
    params: { alpha: '0.5' },
    tags: { 'mlflow.source.type': 'LOCAL' },
  });
  await store.logLoggedModelParams(kept.modelId, { l1: '0.1' });
  await store.setLoggedModelTags(kept.modelId, { note: 'x' });
  await store.finalizeLoggedModel(kept.modelId, 'LOGGED_MODEL_READY');
  const metrics: ModelScopedMetric[] = [
    {
      key: 'rmse',
      value: Number.NaN,
      timestamp: 7,
      step: 1,
      modelId: kept.modelId,
      datasetName: 'd',
      datasetDigest: 'abc',
    },
  ];
  await store.logBatch(runId, { metrics });
  const gone = await store.createLoggedModel({ experimentId, name: 'gone' });
  await store.deleteLoggedModel(gone.modelId);
  return { kept, gone };
}

for (const target of storeTargets()) {
  describe(`logged models in an MLflow database on ${target.name}`, () => {
    it('are written under MLflow’s DDL, leaving its schema unchanged, in the columns MLflow reads', async () => {
      const { uri, schema } = await mlflowDatabase(target, cleanups);

      const store = await SqlTrackingStore.open(uri);
      cleanups.push(() => store.close());
      expect(store.migration).toMatchObject({ alembicRevision: SEEDED_ALEMBIC_REVISION });
      // The seeded run is finished but active, so metrics may still be logged to it.
      const { kept, gone } = await writeModels(store, SEEDED.experimentId, SEEDED.runId);

      const check = await openDatabase(uri);
      cleanups.push(() => check.close());
      expect(await describeSchema(check.db, check.dialect, { ignore: /^flowline_/ })).toEqual(schema);
      const db = check.db;
      const models = await sql<Record<string, unknown>>`select model_id, experiment_id, name, status,
        lifecycle_stage, model_type, source_run_id, artifact_location from logged_models order by name`.execute(
        db,
      );
      const experiment = await store.getExperiment(SEEDED.experimentId);
      expect(models.rows).toEqual([
        {
          model_id: gone.modelId,
          experiment_id: Number(SEEDED.experimentId),
          name: 'gone',
          status: 1,
          lifecycle_stage: 'deleted',
          model_type: null,
          source_run_id: null,
          artifact_location: `${experiment.artifactLocation}/models/${gone.modelId}/artifacts`,
        },
        {
          model_id: kept.modelId,
          experiment_id: Number(SEEDED.experimentId),
          name: 'kept',
          status: 2,
          lifecycle_stage: 'active',
          model_type: 'sklearn',
          source_run_id: SEEDED.runId,
          artifact_location: `${experiment.artifactLocation}/models/${kept.modelId}/artifacts`,
        },
      ]);
      const params = await sql<Record<string, unknown>>`select model_id, experiment_id, param_key, param_value
        from logged_model_params order by param_key`.execute(db);
      expect(params.rows).toEqual([
        { model_id: kept.modelId, experiment_id: 1, param_key: 'alpha', param_value: '0.5' },
        { model_id: kept.modelId, experiment_id: 1, param_key: 'l1', param_value: '0.1' },
      ]);
      const tags = await sql<{
        tag_key: string;
      }>`select tag_key from logged_model_tags order by tag_key`.execute(db);
      expect(tags.rows.map((r) => r.tag_key)).toEqual(['mlflow.source.type', 'note']);
      const metrics = await sql<
        Record<string, unknown>
      >`select model_id, metric_name, metric_value, experiment_id,
        run_id, dataset_name, dataset_digest, cast(metric_timestamp_ms as text) as ts, cast(metric_step as text) as step
        from logged_model_metrics`.execute(db);
      expect(metrics.rows).toEqual([
        {
          model_id: kept.modelId,
          metric_name: 'rmse',
          metric_value: 0,
          experiment_id: 1,
          run_id: SEEDED.runId,
          dataset_name: 'd',
          dataset_digest: 'abc',
          ts: '7',
          step: '1',
        },
      ]);
    });

    it('keep a Flowline database identical to MLflow’s schema', async () => {
      const { ours, theirs } = await schemasAfterWriting(target, cleanups, (store, runId) =>
        writeModels(store, '0', runId),
      );
      expect(ours).toEqual(theirs);
    });
  });
}
