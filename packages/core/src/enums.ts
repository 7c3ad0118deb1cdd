/** A run's status, with MLflow's names and proto numbers. */
export const RunStatus = {
  RUNNING: 'RUNNING',
  SCHEDULED: 'SCHEDULED',
  FINISHED: 'FINISHED',
  FAILED: 'FAILED',
  KILLED: 'KILLED',
} as const;
/** One of MLflow's run statuses. */
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

/** Proto numbers of run statuses (MLflow's `RunStatus` enum). */
export const RUN_STATUS_NUMBERS: Readonly<Record<RunStatus, number>> = {
  RUNNING: 1,
  SCHEDULED: 2,
  FINISHED: 3,
  FAILED: 4,
  KILLED: 5,
};

/** True once a run with this status has ended (MLflow's terminated statuses). */
export function isTerminalStatus(status: RunStatus): boolean {
  return status === 'FINISHED' || status === 'FAILED' || status === 'KILLED';
}

/** Whether an experiment or run is live or soft-deleted. */
export const LifecycleStage = { ACTIVE: 'active', DELETED: 'deleted' } as const;
/** `active` or `deleted`. */
export type LifecycleStage = (typeof LifecycleStage)[keyof typeof LifecycleStage];

/** Which lifecycle stages a search returns, as MLflow's `ViewType`. */
export const ViewType = { ACTIVE_ONLY: 'ACTIVE_ONLY', DELETED_ONLY: 'DELETED_ONLY', ALL: 'ALL' } as const;
/** One of MLflow's view types. */
export type ViewType = (typeof ViewType)[keyof typeof ViewType];

/** Proto numbers of view types. */
export const VIEW_TYPE_NUMBERS: Readonly<Record<ViewType, number>> = {
  ACTIVE_ONLY: 1,
  DELETED_ONLY: 2,
  ALL: 3,
};

/** The lifecycle stages a view type selects. */
export function stagesForViewType(viewType: ViewType): LifecycleStage[] {
  if (viewType === 'ACTIVE_ONLY') return ['active'];
  if (viewType === 'DELETED_ONLY') return ['deleted'];
  return ['active', 'deleted'];
}

/** Where a run's code came from (MLflow's `SourceType`). */
export const SourceType = {
  NOTEBOOK: 'NOTEBOOK',
  JOB: 'JOB',
  PROJECT: 'PROJECT',
  LOCAL: 'LOCAL',
  UNKNOWN: 'UNKNOWN',
} as const;
/** One of MLflow's source types. */
export type SourceType = (typeof SourceType)[keyof typeof SourceType];
