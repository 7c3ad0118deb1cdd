import type { Database } from '@flowline/db';
import type { Kysely, Transaction } from 'kysely';
import type { StoreContext } from '../context.js';

// MLflow 3's logged-model tables, as migration 0003 creates them (MLflow's `dbmodels/models.py`). `@flowline/db`'s
// `Database` type does not list them yet, so the logged-model store declares the columns it reads and writes here.

/** `logged_models`: one row per model; `status` is the `LoggedModelStatus` enum number. */
export interface LoggedModelsTable {
  model_id: string;
  experiment_id: number;
  name: string;
  artifact_location: string;
  creation_timestamp_ms: number | string;
  last_updated_timestamp_ms: number | string;
  status: number;
  lifecycle_stage: string | null;
  model_type: string | null;
  source_run_id: string | null;
  status_message: string | null;
}

/** `logged_model_metrics`: every point logged against a model, with the run and dataset it came from. */
export interface LoggedModelMetricsTable {
  model_id: string;
  metric_name: string;
  metric_timestamp_ms: number | string;
  metric_step: number | string;
  metric_value: number | null;
  experiment_id: number;
  run_id: string;
  dataset_uuid: string | null;
  dataset_name: string | null;
  dataset_digest: string | null;
}

/** `logged_model_params`. */
export interface LoggedModelParamsTable {
  model_id: string;
  experiment_id: number;
  param_key: string;
  param_value: string;
}

/** `logged_model_tags`. */
export interface LoggedModelTagsTable {
  model_id: string;
  experiment_id: number;
  tag_key: string;
  tag_value: string;
}

/** The tracking tables plus the logged-model ones. */
export interface LoggedModelDatabase extends Database {
  logged_models: LoggedModelsTable;
  logged_model_metrics: LoggedModelMetricsTable;
  logged_model_params: LoggedModelParamsTable;
  logged_model_tags: LoggedModelTagsTable;
}

/** A handle or transaction on the logged-model tables. */
export type LoggedModelDb = Kysely<LoggedModelDatabase> | Transaction<LoggedModelDatabase>;

/** The store's database, typed with the logged-model tables. */
export function loggedModelDb(ctx: StoreContext): Kysely<LoggedModelDatabase> {
  return ctx.db as unknown as Kysely<LoggedModelDatabase>;
}
