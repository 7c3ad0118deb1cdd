import type { Clock, LoggedModelStore } from '@flowline/core';
import type { Database, SqlAdapter } from '@flowline/db';
import type { Kysely } from 'kysely';

/** How model-version sources are checked (MLflow's server rule; see `source-validation.ts`). */
export interface SourcePolicy {
  /** The artifact URI of a run, to hold local sources against; throws for an unknown run. */
  runArtifactUri?: (runId: string) => Promise<string>;
  /** Sources must match this (MLflow's `MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX`). */
  sourcePattern?: RegExp;
  /**
   * The tracking store's logged models (MLflow 3), for `models:/<model_id>` sources: a version stores the
   * model's artifact location and run, and is listed in the model's `mlflow.modelVersions` tag.
   */
  loggedModels?: Pick<LoggedModelStore, 'getLoggedModel' | 'setLoggedModelTags'>;
}

/** What every registry area needs. */
export interface RegistryContext {
  db: Kysely<Database>;
  /** What differs between the dialects. */
  adapter: SqlAdapter;
  clock: Clock;
  sources: SourcePolicy;
}
