import type { TrackingStore } from '@flowline/core';
import { describe, expect } from 'vitest';
import { expectMlflowError, uniqueName } from './harness.js';
import type { SuiteTest } from './skip.js';

/** Runs: create, get, update, delete/restore, names and tags. */
export function runSuite(getStore: () => TrackingStore, test: SuiteTest): void {
  describe('runs', () => {
    test('creates a RUNNING run with a 32-hex id, a generated name and its artifact URI', async () => {
      const store = getStore();
      const expId = await store.createExperiment({ name: uniqueName() });
      const exp = await store.getExperiment(expId);
      const run = await store.createRun({
        experimentId: expId,
        userId: 'alice',
        startTime: 1_700_000_000_000,
      });
      expect(run.info.runId).toMatch(/^[0-9a-f]{32}$/);
      expect(run.info).toMatchObject({
        experimentId: expId,
        userId: 'alice',
        status: 'RUNNING',
        startTime: 1_700_000_000_000,
        endTime: null,
        lifecycleStage: 'active',
        artifactUri: `${exp.artifactLocation}/${run.info.runId}/artifacts`,
      });
      expect(run.info.runName).toMatch(/^[a-z]+-[a-z]+-\d{1,4}$/);
      expect(run.info.runName.length).toBeLessThanOrEqual(20);
      expect(run.data.tags).toContainEqual({ key: 'mlflow.runName', value: run.info.runName });
    });

    test('takes the name from run_name or the mlflow.runName tag, and refuses them differing', async () => {
      const store = getStore();
      const expId = await store.createExperiment({ name: uniqueName() });
      const a = await store.createRun({ experimentId: expId, runName: 'alpha' });
      expect(a.info.runName).toBe('alpha');
      expect(a.data.tags).toContainEqual({ key: 'mlflow.runName', value: 'alpha' });
      const b = await store.createRun({
        experimentId: expId,
        tags: [{ key: 'mlflow.runName', value: 'beta' }],
      });
      expect(b.info.runName).toBe('beta');
      await expectMlflowError(
        store.createRun({ experimentId: expId, runName: 'x', tags: [{ key: 'mlflow.runName', value: 'y' }] }),
        'INVALID_PARAMETER_VALUE',
        /different values/,
      );
    });

    test('puts a run without experiment into the default experiment', async () => {
      const run = await getStore().createRun({});
      expect(run.info.experimentId).toBe('0');
    });

    test('refuses runs in missing experiments and answers unknown runs with RESOURCE_DOES_NOT_EXIST', async () => {
      const store = getStore();
      await expectMlflowError(store.createRun({ experimentId: '424242424' }), 'RESOURCE_DOES_NOT_EXIST');
      await expectMlflowError(
        store.getRun('0123456789abcdef0123456789abcdef'),
        'RESOURCE_DOES_NOT_EXIST',
        /Run with id=0123456789abcdef0123456789abcdef not found/,
      );
      await expectMlflowError(store.getRun('../etc/passwd'), 'INVALID_PARAMETER_VALUE');
    });

    test('updates status, end time and name, mirroring the name into mlflow.runName', async () => {
      const store = getStore();
      const run = await store.createRun({
        experimentId: await store.createExperiment({ name: uniqueName() }),
      });
      const info = await store.updateRunInfo(run.info.runId, {
        status: 'FINISHED',
        endTime: 1_800_000_000_000,
        runName: 'renamed',
      });
      expect(info).toMatchObject({ status: 'FINISHED', endTime: 1_800_000_000_000, runName: 'renamed' });
      expect((await store.getRun(run.info.runId)).data.tags).toContainEqual({
        key: 'mlflow.runName',
        value: 'renamed',
      });
      await expectMlflowError(
        store.updateRunInfo(run.info.runId, { status: 'DONE' as never }),
        'INVALID_PARAMETER_VALUE',
        /status/,
      );
    });

    test('renames the run when the mlflow.runName tag is set', async () => {
      const store = getStore();
      const run = await store.createRun({
        experimentId: await store.createExperiment({ name: uniqueName() }),
      });
      await store.setTag(run.info.runId, { key: 'mlflow.runName', value: 'from-tag' });
      expect((await store.getRun(run.info.runId)).info.runName).toBe('from-tag');
    });

    test('soft-deletes and restores a run; a deleted run refuses writes', async () => {
      const store = getStore();
      const run = await store.createRun({
        experimentId: await store.createExperiment({ name: uniqueName() }),
      });
      const id = run.info.runId;
      await store.deleteRun(id);
      expect((await store.getRun(id)).info.lifecycleStage).toBe('deleted');
      const inactive = /must be in the 'active' state/;
      await expectMlflowError(
        store.logParam(id, { key: 'p', value: '1' }),
        'INVALID_PARAMETER_VALUE',
        inactive,
      );
      await expectMlflowError(
        store.logMetric(id, { key: 'm', value: 1, timestamp: 1, step: 0 }),
        'INVALID_PARAMETER_VALUE',
        inactive,
      );
      await expectMlflowError(
        store.setTag(id, { key: 't', value: '1' }),
        'INVALID_PARAMETER_VALUE',
        inactive,
      );
      await expectMlflowError(
        store.updateRunInfo(id, { status: 'FINISHED' }),
        'INVALID_PARAMETER_VALUE',
        inactive,
      );
      await store.restoreRun(id);
      await store.logParam(id, { key: 'p', value: '1' });
      expect((await store.getRun(id)).data.params).toEqual([{ key: 'p', value: '1' }]);
    });

    test('sets and deletes tags; deleting a missing tag is RESOURCE_DOES_NOT_EXIST', async () => {
      const store = getStore();
      const run = await store.createRun({
        experimentId: await store.createExperiment({ name: uniqueName() }),
      });
      await store.setTag(run.info.runId, { key: 'stage', value: 'a' });
      await store.setTag(run.info.runId, { key: 'stage', value: 'b' });
      expect((await store.getRun(run.info.runId)).data.tags).toContainEqual({ key: 'stage', value: 'b' });
      await store.deleteTag(run.info.runId, 'stage');
      expect((await store.getRun(run.info.runId)).data.tags.map((t) => t.key)).not.toContain('stage');
      await expectMlflowError(
        store.deleteTag(run.info.runId, 'stage'),
        'RESOURCE_DOES_NOT_EXIST',
        /No tag with name: stage/,
      );
    });

    test('records nested runs through mlflow.parentRunId', async () => {
      const store = getStore();
      const expId = await store.createExperiment({ name: uniqueName() });
      const parent = await store.createRun({ experimentId: expId, runName: 'parent' });
      const child = await store.createRun({
        experimentId: expId,
        tags: [{ key: 'mlflow.parentRunId', value: parent.info.runId }],
      });
      const found = await store.searchRuns({
        experimentIds: [expId],
        filter: `tags.mlflow.parentRunId = '${parent.info.runId}'`,
      });
      expect(found.items.map((r) => r.info.runId)).toEqual([child.info.runId]);
    });
  });
}
