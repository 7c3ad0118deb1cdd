import type { Writable } from 'node:stream';
import type { ArtifactRepository, RunStatus } from '@flowline/core';
import type { ProjectSpec } from './project-spec.js';

/** What a backend needs to run one project run. */
export interface BackendRunRequest {
  runId: string;
  project: ProjectSpec;
  /** The full shell command, parameters already quoted. */
  command: string;
  /** Folder to run in. */
  cwd: string;
  /** Environment variables for the child (MLFLOW_RUN_ID and friends included). */
  env: Record<string, string>;
  /** Backend settings (MLflow's `--backend-config`). */
  config: Record<string, unknown>;
  /** Where the run's output goes as it happens. */
  stdout: Writable;
  stderr: Writable;
  /** The run's artifact repository, to keep the output log with the run. */
  artifacts?: ArtifactRepository;
  log: (line: string) => void;
}

/** A run in progress, as MLflow's `SubmittedRun`. */
export interface SubmittedRun {
  readonly runId: string;
  /** Resolves with the final status once the run ends. */
  wait(): Promise<RunStatus>;
  /** The current status. */
  getStatus(): Promise<RunStatus>;
  /** Stops the run; it ends KILLED. */
  cancel(): Promise<void>;
}

/** Somewhere project runs execute: this machine, a Kubernetes cluster, … */
export interface ProjectBackend {
  readonly name: string;
  run(request: BackendRunRequest): Promise<SubmittedRun>;
}
