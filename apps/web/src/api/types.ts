/** MLflow's JSON shapes, as the tracking server sends them (snake_case on the wire). */

/** A key/value pair: params, tags. */
export interface KeyValue {
  key: string;
  value: string;
}

/** An experiment as `experiments/search` returns it. */
export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage?: string;
  creation_time?: number;
  last_update_time?: number;
  tags?: KeyValue[];
}

/** One metric value. */
export interface Metric {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
}

/** One point of a sampled history, with the run it belongs to. */
export interface MetricWithRunId extends Metric {
  run_id: string;
}

/** A run's identity and lifecycle. */
export interface RunInfo {
  run_id: string;
  run_name?: string;
  experiment_id: string;
  user_id?: string;
  status: string;
  start_time?: number;
  end_time?: number;
  artifact_uri?: string;
  lifecycle_stage?: string;
}

/** A dataset a run used. */
export interface DatasetInput {
  tags?: KeyValue[];
  dataset: {
    name: string;
    digest: string;
    source_type?: string;
    source?: string;
    schema?: string;
    profile?: string;
  };
}

/** A run as `runs/get` and `runs/search` return it. */
export interface Run {
  info: RunInfo;
  data: { metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] };
  inputs?: { dataset_inputs?: DatasetInput[] };
}

/** One entry of `artifacts/list`. */
export interface FileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

/** A registered model's alias. */
export interface Alias {
  alias: string;
  version: string;
}

/** A registered model. */
export interface RegisteredModel {
  name: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  description?: string;
  tags?: KeyValue[];
  aliases?: Alias[];
  latest_versions?: ModelVersion[];
}

/** A version of a registered model. */
export interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  current_stage?: string;
  description?: string;
  source?: string;
  run_id?: string;
  status?: string;
  tags?: KeyValue[];
  aliases?: string[];
}
