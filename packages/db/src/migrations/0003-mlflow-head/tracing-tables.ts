import { opt, req, v } from './columns.js';
import { type TableSpec, types, workspaceColumn } from './table-spec.js';

// MLflow 3.10's tracing, evaluation and logged-model tables (revision 1b5f0d9ad7c1), in creation order.

const experimentFk = (name: string, onDelete?: 'cascade') => ({
  name,
  columns: ['experiment_id'],
  references: 'experiments',
  referencedColumns: ['experiment_id'],
  ...(onDelete ? { onDelete } : {}),
});

const traceFk = (name: string, column: string) => ({
  name,
  columns: [column],
  references: 'trace_info',
  referencedColumns: ['request_id'],
  onDelete: 'cascade' as const,
});

const modelFk = (name: string) => ({
  name,
  columns: ['model_id'],
  references: 'logged_models',
  referencedColumns: ['model_id'],
  onDelete: 'cascade' as const,
});

/** Tracing, evaluation and logged-model tables. */
export const TRACING_TABLES: readonly TableSpec[] = [
  {
    name: 'entity_associations',
    columns: [
      req('association_id', v(36)),
      req('source_type', v(36)),
      req('source_id', v(36)),
      req('destination_type', v(36)),
      req('destination_id', v(36)),
      opt('created_time', 'bigint'),
    ],
    primaryKey: {
      name: 'entity_associations_pk',
      columns: ['source_type', 'source_id', 'destination_type', 'destination_id'],
    },
    indexes: [
      { name: 'index_entity_associations_association_id', columns: ['association_id'] },
      {
        name: 'index_entity_associations_reverse_lookup',
        columns: ['destination_type', 'destination_id', 'source_type', 'source_id'],
      },
    ],
  },
  {
    name: 'evaluation_datasets',
    columns: [
      req('dataset_id', v(36)),
      req('name', v(255)),
      opt('schema', 'text'),
      opt('profile', 'text'),
      opt('digest', v(64)),
      opt('created_time', 'bigint'),
      opt('last_update_time', 'bigint'),
      opt('created_by', v(255)),
      opt('last_updated_by', v(255)),
      workspaceColumn,
    ],
    primaryKey: { name: 'evaluation_datasets_pk', columns: ['dataset_id'] },
    indexes: [
      { name: 'idx_evaluation_datasets_workspace', columns: ['workspace'] },
      { name: 'index_evaluation_datasets_created_time', columns: ['created_time'] },
      { name: 'index_evaluation_datasets_name', columns: ['name'] },
    ],
  },
  {
    name: 'evaluation_dataset_records',
    columns: [
      req('dataset_record_id', v(36)),
      req('dataset_id', v(36)),
      req('inputs', 'json'),
      opt('expectations', 'json'),
      opt('tags', 'json'),
      opt('source', 'json'),
      opt('source_id', v(36)),
      opt('source_type', v(255)),
      opt('created_time', 'bigint'),
      opt('last_update_time', 'bigint'),
      opt('created_by', v(255)),
      opt('last_updated_by', v(255)),
      req('input_hash', v(64)),
      opt('outputs', 'json'),
    ],
    primaryKey: { name: 'evaluation_dataset_records_pk', columns: ['dataset_record_id'] },
    foreignKeys: [
      {
        name: 'fk_evaluation_dataset_records_dataset_id',
        columns: ['dataset_id'],
        references: 'evaluation_datasets',
        referencedColumns: ['dataset_id'],
        onDelete: 'cascade',
      },
    ],
    uniques: [{ name: 'unique_dataset_input', columns: ['dataset_id', 'input_hash'] }],
    indexes: [{ name: 'index_evaluation_dataset_records_dataset_id', columns: ['dataset_id'] }],
  },
  {
    name: 'evaluation_dataset_tags',
    columns: [req('dataset_id', v(36)), req('key', v(255)), opt('value', v(5000))],
    primaryKey: { name: 'evaluation_dataset_tags_pk', columns: ['dataset_id', 'key'] },
    foreignKeys: [
      {
        name: 'fk_evaluation_dataset_tags_dataset_id',
        columns: ['dataset_id'],
        references: 'evaluation_datasets',
        referencedColumns: ['dataset_id'],
        onDelete: 'cascade',
      },
    ],
    indexes: [{ name: 'index_evaluation_dataset_tags_dataset_id', columns: ['dataset_id'] }],
  },
  {
    name: 'logged_models',
    columns: [
      req('model_id', v(36)),
      req('experiment_id', 'integer'),
      req('name', v(500)),
      req('artifact_location', v(1000)),
      req('creation_timestamp_ms', 'bigint'),
      req('last_updated_timestamp_ms', 'bigint'),
      req('status', 'integer'),
      opt('lifecycle_stage', v(32)),
      opt('model_type', v(500)),
      opt('source_run_id', v(32)),
      opt('status_message', v(1000)),
    ],
    primaryKey: { name: 'logged_models_pk', columns: ['model_id'] },
    foreignKeys: [experimentFk('fk_logged_models_experiment_id', 'cascade')],
    checks: [
      { name: 'logged_models_lifecycle_stage_check', expression: "lifecycle_stage in ('active', 'deleted')" },
    ],
  },
  {
    name: 'logged_model_metrics',
    columns: [
      req('model_id', v(36)),
      req('metric_name', v(500)),
      req('metric_timestamp_ms', 'bigint'),
      req('metric_step', 'bigint'),
      opt('metric_value', types.float),
      req('experiment_id', 'integer'),
      req('run_id', v(32)),
      opt('dataset_uuid', v(36)),
      opt('dataset_name', v(500)),
      opt('dataset_digest', v(36)),
    ],
    primaryKey: {
      name: 'logged_model_metrics_pk',
      columns: ['model_id', 'metric_name', 'metric_timestamp_ms', 'metric_step', 'run_id'],
    },
    foreignKeys: [
      experimentFk('fk_logged_model_metrics_experiment_id'),
      modelFk('fk_logged_model_metrics_model_id'),
      {
        name: 'fk_logged_model_metrics_run_id',
        columns: ['run_id'],
        references: 'runs',
        referencedColumns: ['run_uuid'],
        onDelete: 'cascade',
      },
    ],
    indexes: [{ name: 'index_logged_model_metrics_model_id', columns: ['model_id'] }],
  },
  {
    name: 'logged_model_params',
    columns: [
      req('model_id', v(36)),
      req('experiment_id', 'integer'),
      req('param_key', v(255)),
      req('param_value', 'text'),
    ],
    primaryKey: { name: 'logged_model_params_pk', columns: ['model_id', 'param_key'] },
    foreignKeys: [
      experimentFk('fk_logged_model_params_experiment_id'),
      modelFk('fk_logged_model_params_model_id'),
    ],
  },
  {
    name: 'logged_model_tags',
    columns: [
      req('model_id', v(36)),
      req('experiment_id', 'integer'),
      req('tag_key', v(255)),
      req('tag_value', 'text'),
    ],
    primaryKey: { name: 'logged_model_tags_pk', columns: ['model_id', 'tag_key'] },
    foreignKeys: [
      experimentFk('fk_logged_model_tags_experiment_id'),
      modelFk('fk_logged_model_tags_model_id'),
    ],
  },
  {
    name: 'scorers',
    columns: [req('experiment_id', 'integer'), req('scorer_name', v(256)), req('scorer_id', v(36))],
    primaryKey: { name: 'scorer_pk', columns: ['scorer_id'] },
    foreignKeys: [experimentFk('fk_scorers_experiment_id', 'cascade')],
    indexes: [
      {
        name: 'index_scorers_experiment_id_scorer_name',
        columns: ['experiment_id', 'scorer_name'],
        unique: true,
      },
    ],
  },
  {
    name: 'scorer_versions',
    columns: [
      req('scorer_id', v(36)),
      req('scorer_version', 'integer'),
      req('serialized_scorer', 'text'),
      opt('creation_time', 'bigint'),
    ],
    primaryKey: { name: 'scorer_version_pk', columns: ['scorer_id', 'scorer_version'] },
    foreignKeys: [
      {
        name: 'fk_scorer_versions_scorer_id',
        columns: ['scorer_id'],
        references: 'scorers',
        referencedColumns: ['scorer_id'],
        onDelete: 'cascade',
      },
    ],
    indexes: [{ name: 'index_scorer_versions_scorer_id', columns: ['scorer_id'] }],
  },
  {
    name: 'online_scoring_configs',
    columns: [
      req('online_scoring_config_id', v(36)),
      req('scorer_id', v(36)),
      req('sample_rate', types.float),
      req('experiment_id', 'integer'),
      opt('filter_string', 'text'),
    ],
    primaryKey: { name: 'online_scoring_config_pk', columns: ['online_scoring_config_id'] },
    foreignKeys: [
      {
        name: 'fk_online_scoring_configs_scorer_id',
        columns: ['scorer_id'],
        references: 'scorers',
        referencedColumns: ['scorer_id'],
        onDelete: 'cascade',
      },
      experimentFk('fk_online_scoring_configs_experiment_id'),
    ],
  },
  {
    name: 'trace_info',
    columns: [
      req('request_id', v(50)),
      req('experiment_id', 'integer'),
      req('timestamp_ms', 'bigint'),
      opt('execution_time_ms', 'bigint'),
      req('status', v(50)),
      opt('client_request_id', v(50)),
      opt('request_preview', v(1000)),
      opt('response_preview', v(1000)),
    ],
    primaryKey: { name: 'trace_info_pk', columns: ['request_id'] },
    foreignKeys: [experimentFk('fk_trace_info_experiment_id')],
    indexes: [
      { name: 'index_trace_info_experiment_id_timestamp_ms', columns: ['experiment_id', 'timestamp_ms'] },
    ],
  },
  {
    name: 'trace_tags',
    columns: [req('key', v(250)), opt('value', v(8000)), req('request_id', v(50))],
    primaryKey: { name: 'trace_tag_pk', columns: ['key', 'request_id'] },
    foreignKeys: [traceFk('fk_trace_tags_request_id', 'request_id')],
    indexes: [{ name: 'index_trace_tags_request_id', columns: ['request_id'] }],
  },
  {
    name: 'trace_request_metadata',
    columns: [req('key', v(250)), opt('value', v(8000)), req('request_id', v(50))],
    primaryKey: { name: 'trace_request_metadata_pk', columns: ['key', 'request_id'] },
    foreignKeys: [traceFk('fk_trace_request_metadata_request_id', 'request_id')],
    indexes: [{ name: 'index_trace_request_metadata_request_id', columns: ['request_id'] }],
  },
  {
    name: 'trace_metrics',
    columns: [req('request_id', v(50)), req('key', v(250)), opt('value', types.float)],
    primaryKey: { name: 'trace_metrics_pk', columns: ['request_id', 'key'] },
    foreignKeys: [traceFk('fk_trace_metrics_request_id', 'request_id')],
    indexes: [{ name: 'index_trace_metrics_request_id', columns: ['request_id'] }],
  },
  {
    name: 'assessments',
    columns: [
      req('assessment_id', v(50)),
      req('trace_id', v(50)),
      req('name', v(250)),
      req('assessment_type', v(20)),
      req('value', 'text'),
      opt('error', 'text'),
      req('created_timestamp', 'bigint'),
      req('last_updated_timestamp', 'bigint'),
      req('source_type', v(50)),
      opt('source_id', v(250)),
      opt('run_id', v(32)),
      opt('span_id', v(50)),
      opt('rationale', 'text'),
      opt('overrides', v(50)),
      req('valid', 'boolean'),
      opt('assessment_metadata', 'text'),
    ],
    primaryKey: { name: 'assessments_pk', columns: ['assessment_id'] },
    foreignKeys: [traceFk('fk_assessments_trace_id', 'trace_id')],
    indexes: [
      { name: 'index_assessments_assessment_type', columns: ['assessment_type'] },
      { name: 'index_assessments_last_updated_timestamp', columns: ['last_updated_timestamp'] },
      { name: 'index_assessments_run_id_created_timestamp', columns: ['run_id', 'created_timestamp'] },
      { name: 'index_assessments_trace_id_created_timestamp', columns: ['trace_id', 'created_timestamp'] },
    ],
  },
  {
    name: 'spans',
    columns: [
      req('trace_id', v(50)),
      req('experiment_id', 'integer'),
      req('span_id', v(50)),
      opt('parent_span_id', v(50)),
      opt('name', 'text'),
      opt('type', v(500)),
      req('status', v(50)),
      req('start_time_unix_nano', 'bigint'),
      opt('end_time_unix_nano', 'bigint'),
      opt('duration_ns', 'bigint', { generated: 'end_time_unix_nano - start_time_unix_nano' }),
      req('content', 'text'),
      opt('dimension_attributes', 'json'),
    ],
    primaryKey: { name: 'spans_pk', columns: ['trace_id', 'span_id'] },
    foreignKeys: [traceFk('fk_spans_trace_id', 'trace_id'), experimentFk('fk_spans_experiment_id')],
    indexes: [
      { name: 'index_spans_experiment_id', columns: ['experiment_id'] },
      { name: 'index_spans_experiment_id_duration', columns: ['experiment_id', 'duration_ns'] },
      { name: 'index_spans_experiment_id_status_type', columns: ['experiment_id', 'status', 'type'] },
      { name: 'index_spans_experiment_id_type_status', columns: ['experiment_id', 'type', 'status'] },
    ],
  },
  {
    name: 'span_metrics',
    columns: [req('trace_id', v(50)), req('span_id', v(50)), req('key', v(250)), opt('value', types.float)],
    primaryKey: { name: 'span_metrics_pk', columns: ['trace_id', 'span_id', 'key'] },
    foreignKeys: [
      {
        name: 'fk_span_metrics_span',
        columns: ['trace_id', 'span_id'],
        references: 'spans',
        referencedColumns: ['trace_id', 'span_id'],
        onDelete: 'cascade',
      },
    ],
    indexes: [{ name: 'index_span_metrics_trace_id_span_id', columns: ['trace_id', 'span_id'] }],
  },
];
