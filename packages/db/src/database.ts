import type { Generated } from 'kysely';

/** `experiments`: MLflow's experiment table. */
export interface ExperimentsTable {
  experiment_id: Generated<number>;
  name: string;
  artifact_location: string | null;
  lifecycle_stage: string | null;
  creation_time: number | null;
  last_update_time: number | null;
}

/** `experiment_tags`. */
export interface ExperimentTagsTable {
  key: string;
  value: string | null;
  experiment_id: number;
}

/** `runs`: MLflow's run table; the id column is `run_uuid`. */
export interface RunsTable {
  run_uuid: string;
  name: string | null;
  source_type: string | null;
  source_name: string | null;
  entry_point_name: string | null;
  user_id: string | null;
  status: string | null;
  start_time: number | null;
  end_time: number | null;
  source_version: string | null;
  lifecycle_stage: string | null;
  artifact_uri: string | null;
  experiment_id: number | null;
  deleted_time: number | null;
}

/** `metrics`: every logged point; NaN is stored as value 0 with `is_nan` set. */
export interface MetricsTable {
  key: string;
  value: number;
  timestamp: number;
  run_uuid: string;
  step: number;
  is_nan: number | boolean;
}

/** `latest_metrics`: one row per run and key, the point with the greatest (step, timestamp, value). */
export interface LatestMetricsTable {
  key: string;
  value: number;
  timestamp: number | null;
  step: number;
  is_nan: number | boolean;
  run_uuid: string;
}

/** `params`. */
export interface ParamsTable {
  key: string;
  value: string;
  run_uuid: string;
}

/** `tags` (run tags). */
export interface TagsTable {
  key: string;
  value: string | null;
  run_uuid: string;
}

/** `datasets`: unique per experiment, name and digest. */
export interface DatasetsTable {
  dataset_uuid: string;
  experiment_id: number;
  name: string;
  digest: string;
  dataset_source_type: string;
  dataset_source: string;
  dataset_schema: string | null;
  dataset_profile: string | null;
}

/** `inputs`: edges from a source (a dataset) to a destination (a run). */
export interface InputsTable {
  input_uuid: string;
  source_type: string;
  source_id: string;
  destination_type: string;
  destination_id: string;
  step: Generated<number>;
}

/** `input_tags`. */
export interface InputTagsTable {
  input_uuid: string;
  name: string;
  value: string;
}

/** `registered_models`. */
export interface RegisteredModelsTable {
  name: string;
  creation_time: number | null;
  last_updated_time: number | null;
  description: string | null;
}

/** `model_versions`. */
export interface ModelVersionsTable {
  name: string;
  version: number;
  creation_time: number | null;
  last_updated_time: number | null;
  description: string | null;
  user_id: string | null;
  current_stage: string | null;
  source: string | null;
  run_id: string | null;
  status: string | null;
  status_message: string | null;
  run_link: string | null;
  storage_location: string | null;
}

/** `registered_model_tags`. */
export interface RegisteredModelTagsTable {
  key: string;
  value: string | null;
  name: string;
}

/** `model_version_tags`. */
export interface ModelVersionTagsTable {
  key: string;
  value: string | null;
  name: string;
  version: number;
}

/** `registered_model_aliases`. */
export interface RegisteredModelAliasesTable {
  alias: string;
  version: number;
  name: string;
}

/** Every table Flowline reads and writes, named as in MLflow's schema. */
export interface Database {
  experiments: ExperimentsTable;
  experiment_tags: ExperimentTagsTable;
  runs: RunsTable;
  metrics: MetricsTable;
  latest_metrics: LatestMetricsTable;
  params: ParamsTable;
  tags: TagsTable;
  datasets: DatasetsTable;
  inputs: InputsTable;
  input_tags: InputTagsTable;
  registered_models: RegisteredModelsTable;
  model_versions: ModelVersionsTable;
  registered_model_tags: RegisteredModelTagsTable;
  model_version_tags: ModelVersionTagsTable;
  registered_model_aliases: RegisteredModelAliasesTable;
}
