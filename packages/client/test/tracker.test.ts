import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, Tracker } from '../src/index.js';

let dir: string;
let uri: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-client-'));
  uri = `sqlite:///${join(dir, 'mlflow.db')}`;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Tracker in-process against a store URI', () => {
  it('creates the experiment by name, logs params, metrics and tags, and ends the run FINISHED', async () => {
    const tracker = new Tracker({ trackingUri: uri, env: {} });
    const experiment = await tracker.setExperiment('client-demo');
    const run = await tracker.startRun({ runName: 'first', description: 'hello' });
    await tracker.logParams({ lr: 0.01, layers: 3, fast: true });
    await tracker.logMetric('loss', 0.5, { step: 1 });
    await tracker.logMetrics({ loss: 0.25, acc: 0.9 }, { step: 2 });
    await tracker.setTags({ team: 'ml' });
    await tracker.logInput(
      { name: 'iris', digest: 'd1', sourceType: 'local', source: '/data' },
      { context: 'training' },
    );
    await tracker.endRun();
    const store = await tracker.store();
    const stored = await store.getRun(run.info.runId);
    expect(stored.info).toMatchObject({
      experimentId: experiment.experimentId,
      runName: 'first',
      status: 'FINISHED',
    });
    expect(stored.info.endTime).toEqual(expect.any(Number));
    expect(stored.data.params).toEqual([
      { key: 'fast', value: 'true' },
      { key: 'layers', value: '3' },
      { key: 'lr', value: '0.01' },
    ]);
    expect((await store.getMetricHistory(run.info.runId, 'loss')).items.map((m) => m.value)).toEqual([
      0.5, 0.25,
    ]);
    const tags = Object.fromEntries(stored.data.tags.map((t) => [t.key, t.value]));
    expect(tags).toMatchObject({ team: 'ml', 'mlflow.note.content': 'hello', 'mlflow.source.type': 'LOCAL' });
    expect(tags['mlflow.user']).toEqual(expect.any(String));
    expect(stored.inputs.datasetInputs[0]!.tags).toEqual([{ key: 'mlflow.data.context', value: 'training' }]);
    expect(tracker.activeRun()).toBeUndefined();
    await tracker.close();
  });

  it('nests runs only when asked, tagging the parent', async () => {
    const tracker = new Tracker({ trackingUri: uri, env: {} });
    const parent = await tracker.startRun({ runName: 'parent' });
    await expect(tracker.startRun()).rejects.toThrow(/already active.*nested: true/);
    const child = await tracker.startRun({ nested: true, runName: 'child' });
    expect(child.data.tags).toContainEqual({ key: 'mlflow.parentRunId', value: parent.info.runId });
    await tracker.endRun();
    expect(tracker.activeRun()?.info.runId).toBe(parent.info.runId);
    await tracker.endRun();
    await tracker.close();
  });

  it('withRun ends FINISHED on success and FAILED on a throw, sending buffered metrics either way', async () => {
    const tracker = new Tracker({ trackingUri: uri, env: {} });
    const okId = await tracker.withRun(async (run) => {
      await tracker.logMetric('m', 1);
      return run.info.runId;
    });
    let failedId = '';
    await expect(
      tracker.withRun(async (run) => {
        failedId = run.info.runId;
        await tracker.logMetric('m', 2);
        throw new Error('training diverged');
      }),
    ).rejects.toThrow('training diverged');
    const store = await tracker.store();
    expect((await store.getRun(okId)).info.status).toBe('FINISHED');
    const failed = await store.getRun(failedId);
    expect(failed.info.status).toBe('FAILED');
    expect(failed.data.metrics).toEqual([expect.objectContaining({ key: 'm', value: 2 })]);
    await tracker.close();
  });

  it('honours MLFLOW_EXPERIMENT_NAME, MLFLOW_EXPERIMENT_ID and MLFLOW_RUN_ID', async () => {
    const byName = new Tracker({ trackingUri: uri, env: { MLFLOW_EXPERIMENT_NAME: 'from-env' } });
    const run = await byName.startRun();
    const store = await byName.store();
    const experiment = await store.getExperimentByName('from-env');
    expect(run.info.experimentId).toBe(experiment!.experimentId);
    await byName.endRun('KILLED');
    await byName.close();

    const resumed = new Tracker({ trackingUri: uri, env: { MLFLOW_RUN_ID: run.info.runId } });
    const again = await resumed.startRun();
    expect(again.info.runId).toBe(run.info.runId);
    expect(again.info.status).toBe('RUNNING');
    await resumed.logParam('resumed', 'yes');
    await resumed.endRun();
    await resumed.close();

    const byId = new Tracker({ trackingUri: uri, env: { MLFLOW_EXPERIMENT_ID: experiment!.experimentId } });
    expect((await byId.startRun()).info.experimentId).toBe(experiment!.experimentId);
    await byId.endRun();
    await byId.close();
  });

  it('starts a run on first log when none is active, as MLflow does', async () => {
    const tracker = new Tracker({ trackingUri: uri, env: {} });
    await tracker.logParam('auto', 1);
    expect(tracker.activeRun()).toBeDefined();
    await tracker.endRun();
    await tracker.close();
  });

  it('refuses a deleted experiment and explains how to restore it', async () => {
    const tracker = new Tracker({ trackingUri: uri, env: {} });
    const store = await tracker.store();
    const id = await store.createExperiment({ name: 'deleted-one' });
    await store.deleteExperiment(id);
    await expect(tracker.setExperiment('deleted-one')).rejects.toThrow(/deleted.*restore/i);
    await tracker.close();
  });

  it('surfaces metric validation errors at the call', async () => {
    const tracker = new Tracker({ trackingUri: uri, env: {} });
    await expect(tracker.logMetric('bad key!', 1)).rejects.toThrow(/Invalid metric name/);
    await tracker.endRun();
    await tracker.close();
  });

  it('refuses unknown tracking URIs with what to use instead', async () => {
    await expect(openStore('ftp://x')).rejects.toThrow(/http\(s\):\/\/.*sqlite/);
    await expect(openStore('./mlruns')).rejects.toThrow(/Unsupported tracking URI/);
  });
});
