import { expectMlflowError, storeTargets } from '@flowline/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { SqlTrackingStore } from '../src/index.js';

// MLflow's store cuts over-long param (6000) and tag (8000) values unless MLFLOW_TRUNCATE_LONG_VALUES is
// false, when it refuses them with "'Param value' exceeds the maximum length of 6000 characters".
for (const target of storeTargets()) {
  describe(`value length limits on ${target.name}`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      delete process.env.MLFLOW_TRUNCATE_LONG_VALUES;
      for (const c of cleanups.splice(0)) await c();
    });
    const open = async (options: { truncateLongValues?: boolean } = {}) => {
      const database = await target.createDatabase();
      const store = await SqlTrackingStore.open(database.uri, {
        defaultArtifactRoot: '/tmp/limits',
        ...options,
      });
      cleanups.push(async () => {
        await store.close();
        await database.drop();
      });
      return store;
    };

    it('refuses over-long values, writing nothing, when truncation is off', async () => {
      const store = await open({ truncateLongValues: false });
      const { info } = await store.createRun({});
      await expectMlflowError(
        store.logBatch(info.runId, {
          params: [
            { key: 'ok', value: 'fine' },
            { key: 'big', value: 'x'.repeat(6001) },
          ],
        }),
        'INVALID_PARAMETER_VALUE',
        "'Param value' exceeds the maximum length of 6000 characters",
      );
      await expectMlflowError(
        store.setTag(info.runId, { key: 'big', value: 'x'.repeat(8001) }),
        'INVALID_PARAMETER_VALUE',
        /exceeds the maximum length of 8000 characters/,
      );
      expect((await store.getRun(info.runId)).data.params).toEqual([]);
    });

    it('reads MLFLOW_TRUNCATE_LONG_VALUES when the option is not given', async () => {
      process.env.MLFLOW_TRUNCATE_LONG_VALUES = 'false';
      const strict = await open();
      const run = await strict.createRun({});
      await expectMlflowError(
        strict.logParam(run.info.runId, { key: 'big', value: 'x'.repeat(6001) }),
        'INVALID_PARAMETER_VALUE',
      );
      process.env.MLFLOW_TRUNCATE_LONG_VALUES = 'true';
      const lenient = await open();
      const other = await lenient.createRun({ tags: [{ key: 'note', value: 'n'.repeat(9000) }] });
      await lenient.logParam(other.info.runId, { key: 'big', value: 'x'.repeat(7000) });
      const stored = await lenient.getRun(other.info.runId);
      expect(stored.data.params[0]?.value).toHaveLength(6000);
      expect(stored.data.tags.find((t) => t.key === 'note')?.value).toHaveLength(8000);
    });
  });
}
