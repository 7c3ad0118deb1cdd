export type { BackendRunRequest, ProjectBackend, SubmittedRun } from './backend.js';
export type { KubernetesBackendConfig } from './backends/kubernetes/kubernetes-project-backend.js';
export { buildJob, KubernetesProjectBackend } from './backends/kubernetes/kubernetes-project-backend.js';
export { LocalProjectBackend, OUTPUT_ARTIFACT } from './backends/local/local-project-backend.js';
export type { EnvManager, PreparedEnvironment } from './environments/environment.js';
export { cacheRoot, chooseEnvManager, prepareEnvironment } from './environments/environment.js';
export type { FetchedProject } from './fetch-project.js';
export { fetchProject, isGitUri } from './fetch-project.js';
export type { ResolvedCommand } from './parameters.js';
export { resolveCommand } from './parameters.js';
export type {
  EntryPoint,
  EnvironmentSpec,
  ParameterSpec,
  ParameterType,
  ProjectSpec,
} from './project-spec.js';
export { loadProject, quote, RUNNABLE_EXTENSIONS, resolveEntryPoint } from './project-spec.js';
export type { ProjectRun, RunProjectOptions } from './run-project.js';
export { runProject } from './run-project.js';
