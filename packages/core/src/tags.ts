/** MLflow's reserved tag keys that Flowline reads or writes. */
export const MlflowTags = {
  runName: 'mlflow.runName',
  user: 'mlflow.user',
  parentRunId: 'mlflow.parentRunId',
  noteContent: 'mlflow.note.content',
  sourceName: 'mlflow.source.name',
  sourceType: 'mlflow.source.type',
  sourceGitCommit: 'mlflow.source.git.commit',
  sourceGitBranch: 'mlflow.source.git.branch',
  sourceGitRepoUrl: 'mlflow.source.git.repoURL',
  logModelHistory: 'mlflow.log-model.history',
  datasetContext: 'mlflow.data.context',
  projectEntryPoint: 'mlflow.project.entryPoint',
  projectEnv: 'mlflow.project.env',
  projectBackend: 'mlflow.project.backend',
} as const;
