import { readFile, writeFile } from 'node:fs/promises';
import { MlflowError } from '@flowline/core';
import { type Command, Option } from 'commander';
import { keyValue, wholeNumber } from '../arguments.js';
import {
  type Manifest,
  modelManifests,
  SERVER_SECRET_KEYS,
  type ServerSecretKey,
  serverManifests,
  toYamlStream,
} from '../deploy/kubernetes.js';
import { runExternal } from '../external-command.js';
import { createOutput } from '../output.js';
import { VERSION } from '../version.js';
import type { GlobalOptions } from './globals.js';

interface Common {
  name: string;
  namespace?: string;
  image?: string;
  replicas: number;
  cpu: string;
  memory: string;
  drainSeconds: number;
  preStopSeconds: number;
  dryRun?: boolean;
  output?: string;
}

/** Secret values from the environment: the same variables the server reads (never from flags, so no shell history). */
const SECRET_FROM_ENV: Record<ServerSecretKey, string> = {
  'backend-store-uri': 'MLFLOW_BACKEND_STORE_URI',
  'artifacts-destination': 'MLFLOW_ARTIFACTS_DESTINATION',
  'aws-access-key-id': 'AWS_ACCESS_KEY_ID',
  'aws-secret-access-key': 'AWS_SECRET_ACCESS_KEY',
  'mlflow-s3-endpoint-url': 'MLFLOW_S3_ENDPOINT_URL',
  'basic_auth.ini': 'MLFLOW_AUTH_CONFIG_PATH',
};

function common(command: Command, defaults: { replicas: number; cpu: string; memory: string }): Command {
  return command
    .option('--name <name>', 'name of the Deployment, Service and the rest', 'flowline')
    .option('--namespace <namespace>', 'namespace of every object (default: kubectl’s current one)')
    .option('--replicas <n>', 'pods', wholeNumber('--replicas'), defaults.replicas)
    .option('--cpu <quantity>', 'CPU each pod requests', defaults.cpu)
    .option('--memory <quantity>', 'memory each pod requests (and is limited to)', defaults.memory)
    .option(
      '--drain-seconds <n>',
      'how long a stopping pod may take to finish in-flight requests',
      wholeNumber('--drain-seconds'),
      30,
    )
    .option(
      '--pre-stop-seconds <n>',
      'how long a stopping pod waits, out of rotation, before SIGTERM',
      wholeNumber('--pre-stop-seconds', 0),
      5,
    )
    .option('--dry-run', 'print the manifests (YAML) instead of applying them with kubectl')
    .option('-o, --output <file>', 'with --dry-run, write the manifests to this file');
}

/** Prints or writes the manifests (`--dry-run`), or applies them with `kubectl apply -f -`. */
async function deliver(manifests: Manifest[], opts: Common, g: GlobalOptions): Promise<void> {
  const yaml = await toYamlStream(manifests);
  if (opts.dryRun) {
    if (opts.output) {
      await writeFile(opts.output, yaml);
      createOutput(g.json).result(
        { file: opts.output, objects: manifests.map(describe) },
        () => `Wrote ${manifests.length} objects to ${opts.output}.`,
      );
    } else if (g.json) process.stdout.write(`${JSON.stringify(manifests, null, 2)}\n`);
    else process.stdout.write(yaml);
    return;
  }
  const kubectl = process.env.FLOWLINE_KUBECTL ?? 'kubectl';
  const args = ['apply', '-f', '-', ...(opts.namespace ? ['--namespace', opts.namespace] : [])];
  const code = await runExternal(kubectl, args, { input: yaml, quiet: g.json }).catch(
    (error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT'
        ? new MlflowError(
            'TEMPORARILY_UNAVAILABLE',
            `${kubectl} is not installed, so nothing was applied. Install kubectl and point it at the cluster, or print the manifests with --dry-run and apply them another way.`,
          )
        : error;
    },
  );
  if (code !== 0)
    throw new MlflowError(
      'TEMPORARILY_UNAVAILABLE',
      `kubectl apply failed (exit ${code}); its output above says why.`,
    );
  createOutput(g.json).result(
    { applied: manifests.map(describe) },
    () => `Applied ${manifests.length} objects.`,
  );
}

const describe = (m: Manifest) => `${m.kind}/${m.metadata.name}`;

/** `flowline deploy kubernetes server|model`: the manifests of a tracking server or a served model. */
export function registerDeploy(program: Command): void {
  const kubernetes = program
    .command('deploy')
    .description('Deploy Flowline to a cluster.')
    .command('kubernetes')
    .description(
      'Kubernetes manifests for the tracking server (replicas on Postgres and S3) or a served model (with autoscaling): applied with kubectl, or printed with --dry-run.',
    );

  common(
    kubernetes
      .command('server')
      .description(
        'The tracking server: a Deployment (readiness on /health, which checks the database; a preStop drain), a Service, a PodDisruptionBudget and a Secret. Secret values come from MLFLOW_BACKEND_STORE_URI, MLFLOW_ARTIFACTS_DESTINATION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, MLFLOW_S3_ENDPOINT_URL and the file at MLFLOW_AUTH_CONFIG_PATH when set; otherwise the Secret must exist.',
      ),
    { replicas: 2, cpu: '500m', memory: '512Mi' },
  )
    .option(
      '--image <image>',
      'the tracking server image (the repository’s Dockerfile)',
      `flowline/server:${VERSION}`,
    )
    .option('--secret-name <name>', 'the Secret with the configuration (default: <name>-config)')
    .option('--auth', "turn on MLflow's basic auth (the Secret's basic_auth.ini key holds its configuration)")
    .action(async (opts: Common & { secretName?: string; auth?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const secret: Partial<Record<ServerSecretKey, string>> = {};
      for (const key of SERVER_SECRET_KEYS) {
        const value = process.env[SECRET_FROM_ENV[key]];
        if (!value) continue;
        secret[key] = key === 'basic_auth.ini' ? await readConfig(value) : value;
      }
      if (opts.auth && !secret['basic_auth.ini'])
        process.stderr.write(
          'note: --auth expects the Secret to hold basic_auth.ini (set MLFLOW_AUTH_CONFIG_PATH to put yours in).\n',
        );
      const manifests = serverManifests({
        name: opts.name,
        namespace: opts.namespace,
        image: opts.image ?? `flowline/server:${VERSION}`,
        replicas: opts.replicas,
        secretName: opts.secretName ?? `${opts.name}-config`,
        secret,
        auth: opts.auth === true,
        resources: { cpu: opts.cpu, memory: opts.memory },
        drainSeconds: opts.drainSeconds,
        preStopSeconds: opts.preStopSeconds,
      });
      await deliver(manifests, opts, g);
    });

  common(
    kubernetes
      .command('model')
      .description(
        'A served model: a Deployment of the image flowline models build-docker made, a Service, and a HorizontalPodAutoscaler on CPU or on the engine’s queue depth.',
      ),
    { replicas: 1, cpu: '1', memory: '2Gi' },
  )
    .requiredOption('--image <image>', 'the image flowline models build-docker built')
    .option('--gpus <n>', 'GPUs each pod gets (nvidia.com/gpu)', wholeNumber('--gpus', 0), 0)
    .addOption(
      new Option(
        '--autoscale <metric>',
        'scale between --min-replicas and --max-replicas on cpu or queue',
      ).choices(['cpu', 'queue']),
    )
    .option('--min-replicas <n>', 'with --autoscale', wholeNumber('--min-replicas'), 1)
    .option('--max-replicas <n>', 'with --autoscale', wholeNumber('--max-replicas'), 4)
    .option(
      '--target <n>',
      'with --autoscale: CPU percent (default 70), or waiting requests per pod (default 4)',
      wholeNumber('--target'),
    )
    .option(
      '--env <NAME=value>',
      'a FLOWLINE_SCORING_* setting for the server (repeatable)',
      keyValue('--env'),
    )
    .action(
      async (
        opts: Common & {
          image: string;
          gpus: number;
          autoscale?: 'cpu' | 'queue';
          minReplicas: number;
          maxReplicas: number;
          target?: number;
          env?: Record<string, string>;
        },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        if (opts.autoscale && opts.minReplicas > opts.maxReplicas)
          throw MlflowError.invalidParameterValue(
            `--min-replicas (${opts.minReplicas}) is more than --max-replicas (${opts.maxReplicas}).`,
          );
        const autoscale = opts.autoscale
          ? {
              min: opts.minReplicas,
              max: opts.maxReplicas,
              ...(opts.autoscale === 'cpu'
                ? { cpuPercent: opts.target ?? 70 }
                : { queueDepth: opts.target ?? 4 }),
            }
          : undefined;
        const manifests = modelManifests({
          name: opts.name,
          namespace: opts.namespace,
          image: opts.image,
          replicas: opts.replicas,
          resources: { cpu: opts.cpu, memory: opts.memory, gpus: opts.gpus },
          ...(autoscale ? { autoscale } : {}),
          env: opts.env ?? {},
          drainSeconds: opts.drainSeconds,
          preStopSeconds: opts.preStopSeconds,
        });
        await deliver(manifests, opts, g);
      },
    );
}

async function readConfig(path: string): Promise<string> {
  return readFile(path, 'utf8').catch((cause: unknown) => {
    throw MlflowError.invalidParameterValue(`Cannot read MLFLOW_AUTH_CONFIG_PATH (${path}).`, { cause });
  });
}
