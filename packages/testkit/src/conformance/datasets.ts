import type { DatasetInput, TrackingStore } from '@flowline/core';
import { describe, expect } from 'vitest';
import { expectMlflowError, uniqueName } from './harness.js';
import type { SuiteTest } from './skip.js';

function input(name: string, digest: string, context?: string): DatasetInput {
  return {
    dataset: {
      name,
      digest,
      sourceType: 'local',
      source: `{"uri": "/data/${name}.csv"}`,
      schema: '{"mlflow_colspec": []}',
    },
    tags: context ? [{ key: 'mlflow.data.context', value: context }] : [],
  };
}

/** Dataset inputs: recorded on runs, deduplicated per experiment, summarised by searchDatasets. */
export function datasetSuite(getStore: () => TrackingStore, test: SuiteTest): void {
  describe('datasets', () => {
    test('records dataset inputs with their tags and deduplicates repeated links', async () => {
      const store = getStore();
      const expId = await store.createExperiment({ name: uniqueName() });
      const run = await store.createRun({ experimentId: expId });
      await store.logInputs(run.info.runId, [
        input('train', 'd1', 'training'),
        input('train', 'd1', 'training'),
      ]);
      await store.logInputs(run.info.runId, [
        input('train', 'd1', 'ignored'),
        input('eval', 'd2', 'evaluation'),
      ]);
      const inputs = (await store.getRun(run.info.runId)).inputs.datasetInputs;
      expect(inputs.map((i) => i.dataset.name)).toEqual(['eval', 'train']);
      const train = inputs.find((i) => i.dataset.name === 'train')!;
      expect(train.tags).toEqual([{ key: 'mlflow.data.context', value: 'training' }]);
      expect(train.dataset).toMatchObject({
        digest: 'd1',
        sourceType: 'local',
        source: '{"uri": "/data/train.csv"}',
      });
    });

    test('stores a dataset once per experiment and summarises it per context', async () => {
      const store = getStore();
      const expId = await store.createExperiment({ name: uniqueName() });
      const r1 = await store.createRun({ experimentId: expId });
      const r2 = await store.createRun({ experimentId: expId });
      await store.logInputs(r1.info.runId, [input('shared', 'abc', 'training')]);
      await store.logInputs(r2.info.runId, [input('shared', 'abc', 'training')]);
      await store.logInputs(r2.info.runId, [input('other', 'def')]);
      const summaries = await store.searchDatasets([expId]);
      expect(summaries).toEqual([
        { experimentId: expId, name: 'other', digest: 'def' },
        { experimentId: expId, name: 'shared', digest: 'abc', context: 'training' },
      ]);
      await expectMlflowError(store.searchDatasets([]), 'INVALID_PARAMETER_VALUE', /at least one/);
      await expectMlflowError(
        store.searchDatasets(Array.from({ length: 21 }, (_, i) => String(i))),
        'INVALID_PARAMETER_VALUE',
        /20/,
      );
    });

    test('validates datasets and refuses inputs on deleted runs', async () => {
      const store = getStore();
      const expId = await store.createExperiment({ name: uniqueName() });
      const run = await store.createRun({ experimentId: expId });
      await expectMlflowError(
        store.logInputs(run.info.runId, [input('n', 'x'.repeat(37))]),
        'INVALID_PARAMETER_VALUE',
        /36/,
      );
      await expectMlflowError(
        store.logInputs(run.info.runId, [
          { dataset: { name: 'n', digest: 'd', sourceType: 's' } as never, tags: [] },
        ]),
        'INVALID_PARAMETER_VALUE',
        /source/,
      );
      await store.deleteRun(run.info.runId);
      await expectMlflowError(
        store.logInputs(run.info.runId, [input('n', 'd')]),
        'INVALID_PARAMETER_VALUE',
        /active/,
      );
    });
  });
}
