import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProject } from '../src/index.js';
import { fixture } from './helpers.js';
import { type KubernetesStandIn, startKubernetesStandIn } from './kubernetes-stand-in.js';

let work: string;
let store: SqlTrackingStore;
let standIn: KubernetesStandIn;
let config: Record<string, unknown>;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'flowline-k8s-'));
  store = await SqlTrackingStore.open('sqlite://');
  standIn = await startKubernetesStandIn(work);
  config = standIn.config;
});
afterAll(async () => {
  await standIn.close();
  await store.close();
  await rm(work, { recursive: true, force: true });
});

const options = (uri: string, entryPoint: string) => ({
  uri,
  entryPoint,
  store,
  trackingUri: 'http://tracking.example:5000',
  backend: 'kubernetes' as const,
  log: () => {},
});

describe('the kubernetes backend against a stand-in API server', () => {
  it('submits the template filled with image, command and MLFLOW_* variables, and follows it to FINISHED', async () => {
    const { dir, cleanup } = await fixture('tools');
    const run = await runProject({
      ...options(dir, 'show'),
      parameters: { value: 'hi there' },
      backendConfig: config,
    });
    expect(await run.wait()).toBe('FINISHED');
    const job = [...standIn.jobs.values()].find(
      (j) => j.body.metadata.labels['flowline/run-id'] === run.runId,
    )!;
    expect(job.body.metadata).toMatchObject({
      namespace: 'ml-jobs',
      name: `tools-${run.runId.slice(0, 12)}`,
    });
    const container = job.body.spec.template.spec.containers[0]!;
    expect(container.image).toBe('registry.example/trainer:v3');
    expect(container.command).toEqual(['/bin/sh', '-c', "node tool.js write 'hi there'"]);
    expect(Object.fromEntries(container.env.map((e) => [e.name, e.value]))).toMatchObject({
      KEEP_ME: '1',
      MLFLOW_RUN_ID: run.runId,
      MLFLOW_TRACKING_URI: 'http://tracking.example:5000',
      MLFLOW_EXPERIMENT_ID: '0',
    });
    const stored = await store.getRun(run.runId);
    expect(stored.info.status).toBe('FINISHED');
    expect(stored.data.tags).toContainEqual({ key: 'mlflow.project.backend', value: 'kubernetes' });
    await cleanup();
  });

  it('deletes the Job on cancel and ends KILLED', async () => {
    const { dir, cleanup } = await fixture('tools');
    const run = await runProject({ ...options(dir, 'sleep'), backendConfig: config });
    await new Promise((r) => setTimeout(r, 100));
    expect(await run.getStatus()).toBe('RUNNING');
    await run.cancel();
    expect(await run.wait()).toBe('KILLED');
    const job = [...standIn.jobs.values()].find(
      (j) => j.body.metadata.labels['flowline/run-id'] === run.runId,
    )!;
    expect(job.deleted).toBe(true);
    expect(standIn.requests.some((r) => r.startsWith('DELETE '))).toBe(true);
    await cleanup();
  });

  it('refuses an incomplete config and --build-image without a Docker engine, saying what to do', async () => {
    const { dir, cleanup } = await fixture('tools');
    await expect(
      runProject({
        ...options(dir, 'show'),
        parameters: { value: 'x' },
        backendConfig: { 'repository-uri': 'x' },
      }),
    ).rejects.toThrow(/needs 'kube-job-template-path'/);
    await expect(
      runProject({
        ...options(dir, 'show'),
        parameters: { value: 'x' },
        backendConfig: config,
        buildImage: true,
      }),
    ).rejects.toThrow(/Docker engine/);
    await cleanup();
  });
});
