import { readFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import {
  type ArtifactRepository,
  MlflowError,
  MlflowTags,
  type RunStatus,
  type TrackingStore,
} from '@flowline/core';
import type { ProjectBackend, SubmittedRun } from './backend.js';
import { buildImage, KubernetesProjectBackend } from './backends/kubernetes/kubernetes-project-backend.js';
import { LocalProjectBackend } from './backends/local/local-project-backend.js';
import {
  chooseEnvManager,
  type EnvManager,
  pathWith,
  prepareEnvironment,
} from './environments/environment.js';
import { fetchProject } from './fetch-project.js';
import { resolveCommand } from './parameters.js';
import { loadProject, resolveEntryPoint } from './project-spec.js';

/** Everything `flowline run` takes, with MLflow's names. */
export interface RunProjectOptions {
  uri: string;
  entryPoint?: string;
  parameters?: Record<string, string>;
  version?: string;
  experimentName?: string;
  experimentId?: string;
  runName?: string;
  envManager?: string;
  backend?: 'local' | 'kubernetes' | ProjectBackend;
  /** Backend settings: an object, or a path to a JSON file (MLflow's `--backend-config`). */
  backendConfig?: Record<string, unknown> | string;
  buildImage?: boolean;
  /** Where runs are recorded, and the URI the child process gets as MLFLOW_TRACKING_URI. */
  store: TrackingStore;
  trackingUri: string;
  /** Opens a run's artifact repository (to keep the output log); optional. */
  openArtifacts?: (artifactUri: string) => Promise<ArtifactRepository>;
  stdout?: Writable;
  stderr?: Writable;
  log?: (line: string) => void;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** A submitted project run; `wait()` (and `cancel()`, which waits) records the final status on the run and cleans up. */
export interface ProjectRun extends SubmittedRun {
  readonly experimentId: string;
}

async function experimentFor(
  store: TrackingStore,
  options: RunProjectOptions,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  if (options.experimentName && options.experimentId) {
    throw MlflowError.invalidParameterValue('Give --experiment-name or --experiment-id, not both.');
  }
  if (options.experimentId) return (await store.getExperiment(options.experimentId)).experimentId;
  const name = options.experimentName ?? env.MLFLOW_EXPERIMENT_NAME;
  if (name) {
    const found = await store.getExperimentByName(name);
    if (found?.lifecycleStage === 'deleted')
      throw MlflowError.invalidParameterValue(
        `Experiment '${name}' is deleted; restore it or use another name.`,
      );
    return found?.experimentId ?? (await store.createExperiment({ name }));
  }
  return env.MLFLOW_EXPERIMENT_ID ?? '0';
}

async function backendConfig(value: RunProjectOptions['backendConfig']): Promise<Record<string, unknown>> {
  if (value === undefined) return {};
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(await readFile(value, 'utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw MlflowError.invalidParameterValue(
      `Could not read the backend config ${value} as JSON: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/**
 * Runs an MLflow project (MLflow's `mlflow run`): fetches it, checks and quotes its parameters, prepares its
 * environment, records a run (params and MLflow's project tags) and starts it on a backend. The child
 * gets MLFLOW_RUN_ID, MLFLOW_TRACKING_URI and MLFLOW_EXPERIMENT_ID, so the client SDK logs to the same run,
 * and FLOWLINE_FLUSH_METRICS_ON_EXIT=true (unless set), so metrics it buffered survive a cancel.
 */
export async function runProject(options: RunProjectOptions): Promise<ProjectRun> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const fetched = await fetchProject(options.uri, { version: options.version, cwd: options.cwd });
  try {
    const project = await loadProject(fetched.dir);
    const entry = await resolveEntryPoint(project, options.entryPoint ?? 'main');
    const { command, params } = resolveCommand(entry, options.parameters ?? {}, options.cwd ?? process.cwd());
    const backend: ProjectBackend =
      typeof options.backend === 'object'
        ? options.backend
        : options.backend === 'kubernetes'
          ? new KubernetesProjectBackend()
          : new LocalProjectBackend();
    const manager: EnvManager =
      backend.name === 'kubernetes' ? 'local' : await chooseEnvManager(project, options.envManager);
    const config = await backendConfig(options.backendConfig);
    if (options.buildImage) {
      if (backend.name !== 'kubernetes')
        throw MlflowError.invalidParameterValue('--build-image applies to the kubernetes backend.');
      const image = String(config['repository-uri'] ?? '');
      await buildImage(fetched.dir, config['image-tag'] ? `${image}:${config['image-tag']}` : image);
    }
    const prepared =
      backend.name === 'kubernetes'
        ? { manager, env: {}, path: [] }
        : await prepareEnvironment(project, manager, log);

    const store = options.store;
    const experimentId = await experimentFor(store, options, env);
    const tags: Record<string, string> = {
      [MlflowTags.sourceName]: fetched.sourceName,
      [MlflowTags.sourceType]: 'PROJECT',
      [MlflowTags.projectEntryPoint]: entry.name,
      [MlflowTags.projectEnv]: manager,
      [MlflowTags.projectBackend]: backend.name,
      ...(fetched.gitCommit ? { [MlflowTags.sourceGitCommit]: fetched.gitCommit } : {}),
      ...(fetched.gitRepoUrl
        ? { [MlflowTags.sourceGitRepoUrl]: fetched.gitRepoUrl, 'mlflow.gitRepoURL': fetched.gitRepoUrl }
        : {}),
      ...(fetched.gitBranch
        ? { [MlflowTags.sourceGitBranch]: fetched.gitBranch, 'mlflow.gitBranchName': fetched.gitBranch }
        : {}),
    };
    const run = await store.createRun({
      experimentId,
      runName: options.runName,
      userId: env.USER ?? env.LOGNAME ?? '',
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    });
    const runId = run.info.runId;
    const entries = Object.entries(params).map(([key, value]) => ({ key, value }));
    for (let i = 0; i < entries.length; i += 100)
      await store.logBatch(runId, { params: entries.slice(i, i + 100) });
    const artifacts = options.openArtifacts
      ? await options.openArtifacts(run.info.artifactUri).catch(() => undefined)
      : undefined;

    const childEnv: Record<string, string> = {
      ...(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<
        string,
        string
      >),
      ...prepared.env,
      PATH: pathWith(prepared, env.PATH),
      MLFLOW_RUN_ID: runId,
      MLFLOW_TRACKING_URI: options.trackingUri,
      MLFLOW_EXPERIMENT_ID: experimentId,
      // cancel() stops the child with SIGTERM; the client's exit-time flush keeps its buffered metrics.
      FLOWLINE_FLUSH_METRICS_ON_EXIT: env.FLOWLINE_FLUSH_METRICS_ON_EXIT ?? 'true',
    };
    delete childEnv.MLFLOW_EXPERIMENT_NAME;
    const submitted = await backend.run({
      runId,
      project,
      command,
      cwd: fetched.dir,
      env: childEnv,
      config,
      stdout: options.stdout ?? process.stdout,
      stderr: options.stderr ?? process.stderr,
      artifacts,
      log,
    });

    let finished: Promise<RunStatus> | undefined;
    const projectRun: ProjectRun = {
      runId,
      experimentId,
      getStatus: () => submitted.getStatus(),
      // The tracked run is marked KILLED by cancel() itself, not only once someone waits. A failure to
      // record it is wait()'s to report (callers such as a signal handler do not await cancel()).
      async cancel() {
        await submitted.cancel();
        await projectRun.wait().catch(() => {});
      },
      wait() {
        finished ??= (async () => {
          try {
            const status = await submitted.wait();
            await store.updateRunInfo(runId, { status, endTime: Date.now() });
            log(
              `=== Run (ID '${runId}') ${status === 'FINISHED' ? 'succeeded' : status === 'KILLED' ? 'was killed' : 'failed'} ===`,
            );
            return status;
          } finally {
            await fetched.cleanup();
          }
        })();
        return finished;
      },
    };
    return projectRun;
  } catch (error) {
    await fetched.cleanup();
    throw error;
  }
}
