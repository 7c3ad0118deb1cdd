import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { importOptional, MlflowError, type RunStatus } from '@flowline/core';
import { parse } from 'yaml';
import type { BackendRunRequest, ProjectBackend, SubmittedRun } from '../../backend.js';

/** MLflow's Kubernetes backend config (`--backend-config` JSON), keys as MLflow spells them. */
export interface KubernetesBackendConfig {
  'kube-context'?: string;
  /** The image to run: the project's image, built and pushed beforehand (or by `--build-image`). */
  'repository-uri': string;
  'image-tag'?: string;
  /** A Job manifest (YAML) to fill with the image and command. */
  'kube-job-template-path': string;
  /** A kubeconfig file (default: `KUBECONFIG` or `~/.kube/config`). */
  'kube-config-path'?: string;
  /** How often to poll the Job's status, in milliseconds (default 2000). */
  'poll-interval-ms'?: number;
}

/** The pieces of a Job manifest this backend reads and fills. */
interface JobManifest {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: {
    template?: {
      spec?: {
        containers?: Array<{
          name?: string;
          image?: string;
          command?: string[];
          args?: string[];
          env?: Array<{ name: string; value: string }>;
        }>;
      };
    };
  };
}

function configOf(raw: Record<string, unknown>): KubernetesBackendConfig {
  for (const key of ['repository-uri', 'kube-job-template-path']) {
    if (typeof raw[key] !== 'string' || raw[key] === '') {
      throw MlflowError.invalidParameterValue(
        `The kubernetes backend config needs '${key}' (see MLflow's kubernetes_config.json).`,
      );
    }
  }
  return raw as unknown as KubernetesBackendConfig;
}

function dnsName(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'project'
  );
}

/** Builds the Job: the template with a unique name, the image, the command and the MLFLOW_* variables. */
export function buildJob(
  template: JobManifest,
  request: BackendRunRequest,
  image: string,
): { job: JobManifest; name: string; namespace: string } {
  const job = structuredClone(template);
  if (job.kind !== undefined && job.kind !== 'Job') {
    throw MlflowError.invalidParameterValue(`The job template must be a Kubernetes Job, not ${job.kind}.`);
  }
  const container = job.spec?.template?.spec?.containers?.[0];
  if (!container)
    throw MlflowError.invalidParameterValue('The job template needs spec.template.spec.containers[0].');
  const name = `${dnsName(request.project.name)}-${request.runId.slice(0, 12)}`;
  const namespace = job.metadata?.namespace ?? 'default';
  job.apiVersion ??= 'batch/v1';
  job.kind = 'Job';
  job.metadata = {
    ...job.metadata,
    name,
    namespace,
    labels: { ...job.metadata?.labels, 'flowline/run-id': request.runId },
  };
  container.image = image;
  container.command = ['/bin/sh', '-c', request.command];
  const forwarded = Object.entries(request.env).filter(([k]) => k.startsWith('MLFLOW_'));
  container.env = [
    ...(container.env ?? []).filter((e) => !e.name.startsWith('MLFLOW_')),
    ...forwarded.map(([n, value]) => ({ name: n, value })),
  ];
  return { job, name, namespace };
}

/** Builds and pushes the project image with Docker, for `--build-image`. */
export async function buildImage(projectDir: string, image: string): Promise<void> {
  const docker = promisify(execFile);
  try {
    await docker('docker', ['info'], { timeout: 15_000 });
  } catch (cause) {
    throw MlflowError.invalidParameterValue(
      'Building the image needs a running Docker engine, and none answers here (docker info failed). Build and push the image elsewhere, then run without --build-image.',
      { cause },
    );
  }
  await docker('docker', ['build', '-t', image, projectDir], { maxBuffer: 64 * 1024 * 1024 });
  await docker('docker', ['push', image], { maxBuffer: 64 * 1024 * 1024 });
}

const TERMINAL: readonly RunStatus[] = ['FINISHED', 'FAILED', 'KILLED'];

class KubernetesSubmittedRun implements SubmittedRun {
  readonly runId: string;
  #status: RunStatus = 'SCHEDULED';
  #done: Promise<RunStatus>;
  #cancel: () => Promise<void>;
  #cancelled = false;

  constructor(
    runId: string,
    poll: () => Promise<RunStatus>,
    intervalMs: number,
    cancel: () => Promise<void>,
  ) {
    this.runId = runId;
    this.#cancel = cancel;
    this.#done = (async () => {
      for (;;) {
        if (this.#cancelled) {
          this.#status = 'KILLED';
          return this.#status;
        }
        const status = await poll();
        if (!this.#cancelled) this.#status = status;
        if (TERMINAL.includes(this.#status)) return this.#status;
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    })();
  }

  wait(): Promise<RunStatus> {
    return this.#done;
  }

  async getStatus(): Promise<RunStatus> {
    return this.#status;
  }

  async cancel(): Promise<void> {
    // A Job that already ended keeps its status (as the local backend does): there is nothing to stop.
    if (this.#cancelled || TERMINAL.includes(this.#status)) return;
    this.#cancelled = true;
    await this.#cancel();
    this.#status = 'KILLED';
    await this.#done;
  }
}

/**
 * Runs the project as a Kubernetes Job (MLflow's backend config: a Job template filled with the image and
 * command), submitted with `@kubernetes/client-node` (loaded on first use) and followed until it ends.
 */
export class KubernetesProjectBackend implements ProjectBackend {
  readonly name = 'kubernetes';

  async run(request: BackendRunRequest): Promise<SubmittedRun> {
    const config = configOf(request.config);
    const template = parse(await readFile(config['kube-job-template-path'], 'utf8')) as JobManifest;
    const image = config['image-tag']
      ? `${config['repository-uri']}:${config['image-tag']}`
      : config['repository-uri'];
    const { job, name, namespace } = buildJob(template, request, image);
    const k8s = await importOptional(
      '@kubernetes/client-node',
      'for the kubernetes backend',
      () => import('@kubernetes/client-node'),
    );
    const kc = new k8s.KubeConfig();
    if (config['kube-config-path']) kc.loadFromFile(config['kube-config-path']);
    else kc.loadFromDefault();
    if (config['kube-context']) kc.setCurrentContext(config['kube-context']);
    const batch = kc.makeApiClient(k8s.BatchV1Api);
    try {
      await batch.createNamespacedJob({ namespace, body: job as never });
    } catch (cause) {
      throw MlflowError.invalidParameterValue(
        `Submitting Job ${namespace}/${name} failed: ${(cause as Error).message}`,
        { cause },
      );
    }
    request.log(
      `=== Submitted Kubernetes Job ${namespace}/${name} (image ${image}) for run ${request.runId} ===`,
    );
    const poll = async (): Promise<RunStatus> => {
      const current = await batch.readNamespacedJobStatus({ name, namespace });
      const status = current.status ?? {};
      const conditions = status.conditions ?? [];
      if (conditions.some((c) => c.type === 'Complete' && c.status === 'True') || (status.succeeded ?? 0) > 0)
        return 'FINISHED';
      if (conditions.some((c) => c.type === 'Failed' && c.status === 'True')) return 'FAILED';
      return (status.active ?? 0) > 0 ? 'RUNNING' : 'SCHEDULED';
    };
    const cancel = async () => {
      await batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' });
    };
    return new KubernetesSubmittedRun(request.runId, poll, config['poll-interval-ms'] ?? 2000, cancel);
  }
}
