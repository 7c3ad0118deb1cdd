import { openDatabase } from '@flowline/db';
import { expectMlflowError, SEEDED, storeTargets, uniqueName } from '@flowline/testkit';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlTrackingStore } from '../src/index.js';
import { mlflowDatabase, openSteppingStore, useCleanups } from './test-databases.js';

// MLflow 3's run inputs and outputs of logged models (sqlalchemy_store.py `log_inputs` models and
// `log_outputs`): rows of the `inputs` table, returned by get-run and search-runs as `inputs.modelInputs` and
// `outputs.modelOutputs`; and the same rows as MLflow writes them in its own database.

for (const target of storeTargets()) {
  describe(`run model inputs and outputs on ${target.name}`, () => {
    let store: SqlTrackingStore;
    let close: () => Promise<void>;

    beforeAll(async () => {
      ({ store, close } = await openSteppingStore(target));
    });
    afterAll(() => close());

    const setup = async () => {
      const experimentId = await store.createExperiment({ name: uniqueName('outputs') });
      const run = await store.createRun({ experimentId });
      const model = (name: string) =>
        store.createLoggedModel({ experimentId, name, sourceRunId: run.info.runId });
      return { experimentId, runId: run.info.runId, model };
    };

    it('records models a run produced at their steps, shown by getRun and searchRuns', async () => {
      const { experimentId, runId, model } = await setup();
      const first = await model('first');
      const second = await model('second');
      await store.logOutputs(runId, [{ modelId: second.modelId, step: 3 }]);
      await store.logOutputs(runId, [{ modelId: first.modelId, step: 0 }]);
      const run = await store.getRun(runId);
      expect(run.outputs).toEqual({
        modelOutputs: [
          { modelId: first.modelId, step: 0 },
          { modelId: second.modelId, step: 3 },
        ],
      });
      expect(run.inputs.modelInputs).toEqual([]);
      const found = await store.searchRuns({ experimentIds: [experimentId] });
      expect(found.items[0]!.outputs?.modelOutputs).toEqual(run.outputs?.modelOutputs);
    });

    it('moves a model logged again as an output to its new step, keeping one row', async () => {
      const { runId, model } = await setup();
      const m = await model('again');
      await store.logOutputs(runId, [{ modelId: m.modelId, step: 1 }]);
      await store.logOutputs(runId, [{ modelId: m.modelId, step: 5 }]);
      expect((await store.getRun(runId)).outputs?.modelOutputs).toEqual([{ modelId: m.modelId, step: 5 }]);
    });

    it('records models a run used through logInputs, beside its datasets, each once', async () => {
      const { runId, model } = await setup();
      const m = await model('used');
      const dataset = { name: 'train', digest: 'abc', sourceType: 'local', source: '/data' };
      await store.logInputs(runId, [{ dataset, tags: [] }], [{ modelId: m.modelId }, { modelId: m.modelId }]);
      await store.logInputs(runId, [], [{ modelId: m.modelId }]);
      const run = await store.getRun(runId);
      expect(run.inputs.modelInputs).toEqual([{ modelId: m.modelId }]);
      expect(run.inputs.datasetInputs.map((d) => d.dataset.name)).toEqual(['train']);
      expect(run.outputs).toEqual({ modelOutputs: [] });
    });

    it('keeps each run’s models apart', async () => {
      const { experimentId, runId, model } = await setup();
      const other = (await store.createRun({ experimentId })).info.runId;
      const m = await model('mine');
      await store.logOutputs(runId, [{ modelId: m.modelId, step: 2 }]);
      expect((await store.getRun(other)).outputs).toEqual({ modelOutputs: [] });
    });

    it('refuses unknown runs and models, deleted runs, missing ids and steps that are not integers', async () => {
      const { runId, model } = await setup();
      const m = await model('checked');
      const unknownModel = `m-${'0'.repeat(32)}`;
      await expectMlflowError(
        store.logOutputs('0'.repeat(32), [{ modelId: m.modelId, step: 0 }]),
        'RESOURCE_DOES_NOT_EXIST',
      );
      await expectMlflowError(
        store.logOutputs(runId, [{ modelId: unknownModel, step: 0 }]),
        'RESOURCE_DOES_NOT_EXIST',
        `Logged model with ID '${unknownModel}' not found.`,
      );
      await expectMlflowError(
        store.logInputs(runId, [], [{ modelId: unknownModel }]),
        'RESOURCE_DOES_NOT_EXIST',
      );
      await expectMlflowError(
        store.logOutputs(runId, [{ modelId: '', step: 0 }]),
        'INVALID_PARAMETER_VALUE',
        "Missing value for required parameter 'models[0].model_id'.",
      );
      await expectMlflowError(
        store.logOutputs(runId, [{ modelId: m.modelId, step: 1.5 }]),
        'INVALID_PARAMETER_VALUE',
      );
      // Nothing was written by the refused calls.
      expect((await store.getRun(runId)).outputs).toEqual({ modelOutputs: [] });
      expect((await store.getRun(runId)).inputs.modelInputs).toEqual([]);
      await store.logOutputs(runId, []);
      await store.deleteRun(runId);
      await expectMlflowError(
        store.logOutputs(runId, [{ modelId: m.modelId, step: 0 }]),
        'INVALID_PARAMETER_VALUE',
      );
    });
  });
}

const cleanups = useCleanups();

for (const target of storeTargets()) {
  describe(`run model inputs and outputs in an MLflow database on ${target.name}`, () => {
    it('are the rows MLflow writes, and rows MLflow wrote read back', async () => {
      const { uri } = await mlflowDatabase(target, cleanups);

      const store = await SqlTrackingStore.open(uri);
      cleanups.push(() => store.close());
      const ours = await store.createLoggedModel({ experimentId: SEEDED.experimentId, name: 'ours' });
      const theirs = await store.createLoggedModel({ experimentId: SEEDED.experimentId, name: 'theirs' });
      await store.logOutputs(SEEDED.runId, [{ modelId: ours.modelId, step: 4 }]);
      await store.logInputs(SEEDED.runId, [], [{ modelId: ours.modelId }]);

      const check = await openDatabase(uri);
      cleanups.push(() => check.close());
      // MLflow's log_outputs / log_inputs rows: uuid4().hex input ids and its exact type strings.
      await sql`insert into inputs (input_uuid, source_type, source_id, destination_type, destination_id, step)
        values (${'f'.repeat(32)}, 'RUN_OUTPUT', ${SEEDED.runId}, 'MODEL_OUTPUT', ${theirs.modelId}, 7),
               (${'e'.repeat(32)}, 'RUN_INPUT', ${SEEDED.runId}, 'MODEL_INPUT', ${theirs.modelId}, 0)`.execute(
        check.db,
      );
      const rows = await sql<Record<string, unknown>>`select source_type, source_id, destination_type,
        destination_id, cast(step as text) as step from inputs
        where source_type in ('RUN_INPUT', 'RUN_OUTPUT') and destination_id = ${ours.modelId}
        order by source_type`.execute(check.db);
      expect(rows.rows).toEqual([
        {
          source_type: 'RUN_INPUT',
          source_id: SEEDED.runId,
          destination_type: 'MODEL_INPUT',
          destination_id: ours.modelId,
          step: '0',
        },
        {
          source_type: 'RUN_OUTPUT',
          source_id: SEEDED.runId,
          destination_type: 'MODEL_OUTPUT',
          destination_id: ours.modelId,
          step: '4',
        },
      ]);
      const ids = await sql<{ input_uuid: string }>`select input_uuid from inputs
        where destination_id = ${ours.modelId}`.execute(check.db);
      for (const { input_uuid } of ids.rows) expect(input_uuid.length).toBeLessThanOrEqual(36);

      const run = await store.getRun(SEEDED.runId);
      const byStep = [
        { modelId: ours.modelId, step: 4 },
        { modelId: theirs.modelId, step: 7 },
      ];
      expect(run.outputs?.modelOutputs).toEqual(byStep);
      expect(run.inputs.modelInputs).toEqual(
        [{ modelId: ours.modelId }, { modelId: theirs.modelId }].sort((a, b) =>
          a.modelId.localeCompare(b.modelId),
        ),
      );
    });
  });
}
