import { userInfo } from 'node:os';
import { basename } from 'node:path';
import {
  type Experiment,
  MlflowError,
  MlflowTags,
  type Run,
  type RunTag,
  type TrackingStore,
} from '@flowline/core';
import type { StartRunOptions } from './tracker-options.js';

/** Finds an experiment by id, or by name creating it (as `mlflow.set_experiment`); refuses a deleted one. */
export async function findOrCreateExperiment(
  store: TrackingStore,
  nameOrOptions: string | { name?: string; experimentId?: string },
): Promise<Experiment> {
  const { name, experimentId } =
    typeof nameOrOptions === 'string' ? { name: nameOrOptions, experimentId: undefined } : nameOrOptions;
  let experiment: Experiment;
  if (experimentId !== undefined) {
    experiment = await store.getExperiment(experimentId);
  } else if (name) {
    const found = await store.getExperimentByName(name);
    experiment = found ?? (await store.getExperiment(await store.createExperiment({ name })));
  } else {
    throw MlflowError.invalidParameterValue('setExperiment needs an experiment name or an experimentId.');
  }
  if (experiment.lifecycleStage === 'deleted') {
    throw MlflowError.invalidParameterValue(
      `Cannot set a deleted experiment '${experiment.name}' as the active experiment. Restore it first ` +
        `(flowline experiments restore -x ${experiment.experimentId}) or use another name.`,
    );
  }
  return experiment;
}

/** What `startRun` needs from its tracker: the active run, the environment, the active experiment. */
export interface RunStartContext {
  active: Run | undefined;
  env: NodeJS.ProcessEnv;
  experimentId(): Promise<string>;
}

/**
 * Starts (or resumes) a run as `mlflow.start_run`: a second run while one is active needs `nested: true`;
 * with no explicit run and `MLFLOW_RUN_ID` set, that run is resumed (as inside `flowline run`).
 */
export async function startOrResumeRun(
  store: TrackingStore,
  options: StartRunOptions,
  { active, env, experimentId }: RunStartContext,
): Promise<Run> {
  const resumeId = options.runId ?? (active ? undefined : env.MLFLOW_RUN_ID || undefined);
  if (active && !options.nested && !options.runId) {
    throw MlflowError.invalidParameterValue(
      `Run with UUID ${active.info.runId} is already active. To start a nested run, pass nested: true; ` +
        'or end the active run first with endRun().',
    );
  }
  if (resumeId) {
    const run = await store.getRun(resumeId);
    if (run.info.lifecycleStage === 'deleted') {
      throw MlflowError.invalidParameterValue(
        `Cannot resume run ${resumeId}: it is deleted. Restore it first.`,
      );
    }
    if (run.info.status !== 'RUNNING') await store.updateRunInfo(resumeId, { status: 'RUNNING' });
    return store.getRun(resumeId);
  }
  const parentRunId = options.parentRunId ?? (options.nested ? active?.info.runId : undefined);
  const tags: RunTag[] = Object.entries({
    [MlflowTags.user]: safeUser(),
    [MlflowTags.sourceName]: process.argv[1] ? basename(process.argv[1]) : 'node',
    [MlflowTags.sourceType]: 'LOCAL',
    ...(parentRunId ? { [MlflowTags.parentRunId]: parentRunId } : {}),
    ...(options.description ? { [MlflowTags.noteContent]: options.description } : {}),
    ...options.tags,
  }).map(([key, value]) => ({ key, value }));
  return store.createRun({
    experimentId: options.experimentId ?? (await experimentId()),
    runName: options.runName,
    userId: safeUser(),
    tags,
  });
}

/** The experiment runs go to when none was set: MLFLOW_EXPERIMENT_NAME (by name), MLFLOW_EXPERIMENT_ID, else 0. */
export function experimentFromEnv(env: NodeJS.ProcessEnv): { name: string } | { id: string } {
  if (env.MLFLOW_EXPERIMENT_NAME) return { name: env.MLFLOW_EXPERIMENT_NAME };
  return { id: env.MLFLOW_EXPERIMENT_ID || '0' };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
