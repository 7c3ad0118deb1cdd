import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProject } from '../src/index.js';
import { fixture } from './helpers.js';

interface StoredJob {
  body: {
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    spec: {
      template: {
        spec: {
          containers: Array<{
            image: string;
            command: string[];
            env: Array<{ name: string; value: string }>;
          }>;
        };
      };
    };
  };
  polls: number;
  deleted: boolean;
}

/**
 * A stand-in for the Kubernetes API's Job endpoints (no cluster runs here): create, read status, delete.
 * A Job runs for one poll, then completes, or fails when its command contains `fail`, or stays active
 * when its command contains `sleep`.
 */
function kubernetesStandIn(): { server: Server; jobs: Map<string, StoredJob>; requests: string[] } {
  const jobs = new Map<string, StoredJob>();
  const requests: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url}`);
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      const create = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs$/.exec(req.url ?? '');
      const one = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs\/([^/?]+)(\/status)?/.exec(req.url ?? '');
      if (req.method === 'POST' && create) {
        const job = JSON.parse(body) as StoredJob['body'];
        jobs.set(job.metadata.name, { body: job, polls: 0, deleted: false });
        return send(201, { ...job, metadata: { ...job.metadata, uid: 'uid-1' }, status: {} });
      }
      if (one) {
        const stored = jobs.get(one[2]!);
        if (!stored) return send(404, { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 });
        if (req.method === 'DELETE') {
          stored.deleted = true;
          return send(200, { kind: 'Status', status: 'Success' });
        }
        stored.polls += 1;
        const command = stored.body.spec.template.spec.containers[0]!.command.join(' ');
        let status: Record<string, unknown> = { active: 1 };
        if (stored.polls > 1 && !command.includes('sleep')) {
          status = command.includes('fail')
            ? { failed: 1, conditions: [{ type: 'Failed', status: 'True' }] }
            : { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] };
        }
        return send(200, { ...stored.body, status });
      }
      send(404, { kind: 'Status', code: 404 });
    });
  });
  return { server, jobs, requests };
}

let work: string;
let store: SqlTrackingStore;
let standIn: ReturnType<typeof kubernetesStandIn>;
let config: Record<string, unknown>;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'flowline-k8s-'));
  store = await SqlTrackingStore.open('sqlite://');
  standIn = kubernetesStandIn();
  await new Promise<void>((r) => standIn.server.listen(0, '127.0.0.1', () => r()));
  const { port } = standIn.server.address() as AddressInfo;
  await writeFile(
    join(work, 'kubeconfig'),
    `apiVersion: v1
kind: Config
clusters:
- name: stand-in
  cluster:
    server: http://127.0.0.1:${port}
    # The stand-in speaks plain HTTP; the client refuses that unless told the cluster is not TLS-verified.
    insecure-skip-tls-verify: true
users:
- name: tester
  user:
    token: test-token
contexts:
- name: stand-in
  context:
    cluster: stand-in
    user: tester
current-context: stand-in
`,
  );
  await writeFile(
    join(work, 'job.yaml'),
    `apiVersion: batch/v1
kind: Job
metadata:
  name: replaced
  namespace: ml-jobs
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: trainer
        image: replaced
        env:
        - name: KEEP_ME
          value: "1"
`,
  );
  config = {
    'repository-uri': 'registry.example/trainer',
    'image-tag': 'v3',
    'kube-job-template-path': join(work, 'job.yaml'),
    'kube-config-path': join(work, 'kubeconfig'),
    'kube-context': 'stand-in',
    'poll-interval-ms': 20,
  };
});
afterAll(async () => {
  await new Promise<void>((r) => standIn.server.close(() => r()));
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

  it('reports a failed Job as FAILED', async () => {
    const { dir, cleanup } = await fixture('tools');
    const run = await runProject({ ...options(dir, 'fail'), backendConfig: config });
    expect(await run.wait()).toBe('FAILED');
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
