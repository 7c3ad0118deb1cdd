import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** A Job as the stand-in keeps it: the body it was created with, how often it was read, whether deleted. */
export interface StoredJob {
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

/** A running stand-in, the backend config that points at it, and what it was asked. */
export interface KubernetesStandIn {
  jobs: Map<string, StoredJob>;
  requests: string[];
  /** MLflow's kubernetes backend config for the stand-in (kubeconfig and Job template in `dir`). */
  config: Record<string, unknown>;
  close(): Promise<void>;
}

/**
 * A stand-in for the Kubernetes API's Job endpoints on a loopback port (no cluster runs here): create,
 * read status, delete. A Job runs for one poll, then completes, or fails when its command contains
 * `fail`, or stays active when its command contains `sleep`. Writes its kubeconfig and a Job template
 * into `dir`.
 */
export async function startKubernetesStandIn(dir: string): Promise<KubernetesStandIn> {
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
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  await writeFile(
    join(dir, 'kubeconfig'),
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
    join(dir, 'job.yaml'),
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
  return {
    jobs,
    requests,
    config: {
      'repository-uri': 'registry.example/trainer',
      'image-tag': 'v3',
      'kube-job-template-path': join(dir, 'job.yaml'),
      'kube-config-path': join(dir, 'kubeconfig'),
      'kube-context': 'stand-in',
      'poll-interval-ms': 20,
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
