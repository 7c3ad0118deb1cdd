import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Secret, Service } from 'kubernetes-models/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runCli } from './helpers.js';

// Every manifest is checked against Kubernetes' published OpenAPI schemas through kubernetes-models'
// generated validators, then field by field for what Flowline relies on.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-cli-k8s-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const flowline = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: dir, env });

// biome-ignore lint/suspicious/noExplicitAny: a parsed manifest, read field by field below
type Loose = any;
type Doc = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [k: string]: Loose;
};

const MODELS: Record<string, new (data: Loose) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/Secret': Secret,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};

/** Parses a YAML stream and validates each object against its kind's schema. */
function validated(yaml: string): Doc[] {
  const docs = parseAllDocuments(yaml).map((d) => d.toJS() as Doc);
  for (const doc of docs) {
    const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
    expect(Model, `${doc.apiVersion} ${doc.kind}`).toBeDefined();
    new Model!(doc).validate();
  }
  return docs;
}
const byKind = (docs: Doc[], kind: string) => docs.find((d) => d.kind === kind)!;

describe('flowline deploy kubernetes server --dry-run', () => {
  it('renders N replicas with readiness on /health, a drain, a Service, a PDB and the Secret from the environment', async () => {
    await writeFile(join(dir, 'basic_auth.ini'), '[mlflow]\ndefault_permission = READ\n');
    const out = await flowline(
      ['deploy', 'kubernetes', 'server', '--dry-run', '--replicas', '3', '--namespace', 'ml', '--auth'],
      {
        MLFLOW_BACKEND_STORE_URI: 'postgresql://flowline:secret@db:5432/flowline',
        MLFLOW_ARTIFACTS_DESTINATION: 's3://models/artifacts',
        AWS_ACCESS_KEY_ID: 'AKIA',
        AWS_SECRET_ACCESS_KEY: 'shh',
        MLFLOW_AUTH_CONFIG_PATH: join(dir, 'basic_auth.ini'),
      },
    );
    expect(out.code).toBe(0);
    const docs = validated(out.stdout);
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'Secret/flowline-config',
      'Deployment/flowline',
      'Service/flowline',
      'PodDisruptionBudget/flowline',
    ]);
    for (const d of docs) expect(d.metadata.namespace).toBe('ml');
    const secret = byKind(docs, 'Secret');
    expect(secret.stringData).toEqual({
      'backend-store-uri': 'postgresql://flowline:secret@db:5432/flowline',
      'artifacts-destination': 's3://models/artifacts',
      'aws-access-key-id': 'AKIA',
      'aws-secret-access-key': 'shh',
      'basic_auth.ini': '[mlflow]\ndefault_permission = READ\n',
    });
    const deployment = byKind(docs, 'Deployment');
    expect(deployment.spec.replicas).toBe(3);
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(container.args).toEqual([
      'server',
      '--host',
      '0.0.0.0',
      '--port',
      '5000',
      '--app-name',
      'basic-auth',
    ]);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(container.lifecycle.preStop.exec.command).toEqual(['sleep', '5']);
    expect(pod.terminationGracePeriodSeconds).toBe(35);
    const env = Object.fromEntries(
      container.env.map((e: Loose) => [
        e.name,
        e.value ?? `${e.valueFrom.secretKeyRef.name}:${e.valueFrom.secretKeyRef.key}`,
      ]),
    );
    expect(env).toMatchObject({
      MLFLOW_BACKEND_STORE_URI: 'flowline-config:backend-store-uri',
      MLFLOW_ARTIFACTS_DESTINATION: 'flowline-config:artifacts-destination',
      AWS_SECRET_ACCESS_KEY: 'flowline-config:aws-secret-access-key',
      MLFLOW_AUTH_CONFIG_PATH: '/etc/flowline/auth/basic_auth.ini',
    });
    expect(pod.volumes.find((v: Loose) => v.name === 'auth').secret.secretName).toBe('flowline-config');
    expect(byKind(docs, 'Service').spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http' }]);
    expect(byKind(docs, 'PodDisruptionBudget').spec.minAvailable).toBe(1);
    // The validators are real: a wrong type is refused.
    expect(() =>
      new Deployment({ ...deployment, spec: { ...deployment.spec, replicas: 'three' } }).validate(),
    ).toThrow(/replicas/);
  });

  it('refers to an existing Secret when the environment holds no values', async () => {
    const out = await flowline([
      'deploy',
      'kubernetes',
      'server',
      '--dry-run',
      '--secret-name',
      'prod-config',
    ]);
    const docs = validated(out.stdout);
    expect(docs.map((d) => d.kind)).toEqual(['Deployment', 'Service', 'PodDisruptionBudget']);
    const env = byKind(docs, 'Deployment').spec.template.spec.containers[0].env;
    expect(env[0].valueFrom.secretKeyRef).toEqual({ name: 'prod-config', key: 'backend-store-uri' });
  });
});

describe('flowline deploy kubernetes model --dry-run', () => {
  it('renders a GPU Deployment autoscaled on the queue depth', async () => {
    const out = await flowline([
      'deploy',
      'kubernetes',
      'model',
      '--dry-run',
      '--name',
      'phi3',
      '--image',
      'registry.local/phi3:1',
      '--gpus',
      '1',
      '--autoscale',
      'queue',
      '--target',
      '6',
      '--max-replicas',
      '5',
      '--env',
      'FLOWLINE_SCORING_MAX_CONCURRENT_REQUESTS=16',
    ]);
    expect(out.code).toBe(0);
    const docs = validated(out.stdout);
    expect(docs.map((d) => d.kind)).toEqual(['Deployment', 'Service', 'HorizontalPodAutoscaler']);
    const deployment = byKind(docs, 'Deployment');
    // The autoscaler owns the replica count.
    expect(deployment.spec.replicas).toBeUndefined();
    const [container] = deployment.spec.template.spec.containers;
    expect(container.image).toBe('registry.local/phi3:1');
    expect(container.resources.limits['nvidia.com/gpu']).toBe(1);
    expect(container.readinessProbe.httpGet.path).toBe('/ping');
    expect(container.env).toEqual([{ name: 'FLOWLINE_SCORING_MAX_CONCURRENT_REQUESTS', value: '16' }]);
    const hpa = byKind(docs, 'HorizontalPodAutoscaler').spec;
    expect(hpa.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'phi3' });
    expect([hpa.minReplicas, hpa.maxReplicas]).toEqual([1, 5]);
    expect(hpa.metrics).toEqual([
      {
        type: 'Pods',
        pods: {
          metric: { name: 'flowline_scoring_queue_depth' },
          target: { type: 'AverageValue', averageValue: '6' },
        },
      },
    ]);
  });

  it('autoscales on CPU, and writes the manifests to a file', async () => {
    const file = join(dir, 'model.yaml');
    const out = await flowline([
      'deploy',
      'kubernetes',
      'model',
      '--dry-run',
      '-o',
      file,
      '--image',
      'm:1',
      '--autoscale',
      'cpu',
    ]);
    expect(out.code).toBe(0);
    const hpa = byKind(validated(await readFile(file, 'utf8')), 'HorizontalPodAutoscaler');
    expect(hpa.spec.metrics[0].resource).toEqual({
      name: 'cpu',
      target: { type: 'Utilization', averageUtilization: 70 },
    });
  });

  it('refuses what cannot work, saying why', async () => {
    const noImage = await flowline(['deploy', 'kubernetes', 'model', '--dry-run']);
    expect(noImage.code).toBe(2);
    expect(noImage.stderr).toMatch(/--image/);
    const range = await flowline([
      'deploy',
      'kubernetes',
      'model',
      '--dry-run',
      '--image',
      'm:1',
      '--autoscale',
      'cpu',
      '--min-replicas',
      '5',
      '--max-replicas',
      '2',
    ]);
    expect(range.code).toBe(2);
    expect(range.stderr).toMatch(/--min-replicas \(5\) is more than --max-replicas \(2\)/);
  });
});

describe('flowline deploy kubernetes without --dry-run', () => {
  it('applies the manifests with kubectl apply -f -', async () => {
    // kubectl stands in as a script recording its arguments and stdin (no cluster is reachable here).
    const record = join(dir, 'kubectl-call.json');
    const kubectl = join(dir, 'kubectl');
    await writeFile(
      kubectl,
      `#!${process.execPath}\nlet input = '';\nprocess.stdin.on('data', (d) => (input += d));\nprocess.stdin.on('end', () => require('node:fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify({ args: process.argv.slice(2), input })));\n`,
    );
    await chmod(kubectl, 0o755);
    const out = await flowline(
      ['--json', 'deploy', 'kubernetes', 'model', '--image', 'm:1', '--namespace', 'ml'],
      {
        FLOWLINE_KUBECTL: kubectl,
      },
    );
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ applied: ['Deployment/flowline', 'Service/flowline'] });
    const call = JSON.parse(await readFile(record, 'utf8'));
    expect(call.args).toEqual(['apply', '-f', '-', '--namespace', 'ml']);
    expect(validated(call.input).map((d) => d.kind)).toEqual(['Deployment', 'Service']);
  });

  it('says so when kubectl is missing, and exits "unavailable"', async () => {
    const out = await flowline(['deploy', 'kubernetes', 'server'], { FLOWLINE_KUBECTL: join(dir, 'nope') });
    expect(out.code).toBe(5);
    expect(out.stderr).toMatch(/is not installed, so nothing was applied.*--dry-run/);
  });
});
