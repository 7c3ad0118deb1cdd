import { opt, req, v } from './columns.js';
import { type TableSpec, types, workspaceColumn } from './table-spec.js';

// MLflow 3.10's workspace, job, webhook and AI Gateway tables (revision 1b5f0d9ad7c1), in creation order.

const endpointFk = (name: string) => ({
  name,
  columns: ['endpoint_id'],
  references: 'endpoints',
  referencedColumns: ['endpoint_id'],
  onDelete: 'cascade' as const,
});

const audit = [
  opt('created_by', v(255)),
  req('created_at', 'bigint'),
  opt('last_updated_by', v(255)),
  req('last_updated_at', 'bigint'),
];

/** Workspace, job, webhook and gateway tables. */
export const PLATFORM_TABLES: readonly TableSpec[] = [
  {
    name: 'workspaces',
    columns: [req('name', v(63)), opt('description', 'text'), opt('default_artifact_root', 'text')],
    primaryKey: { name: 'workspaces_pk', columns: ['name'] },
  },
  {
    name: 'jobs',
    columns: [
      req('id', v(36)),
      req('creation_time', 'bigint'),
      req('job_name', v(500)),
      req('params', 'text'),
      opt('timeout', types.float),
      req('status', 'integer'),
      opt('result', 'text'),
      req('retry_count', 'integer'),
      req('last_update_time', 'bigint'),
      workspaceColumn,
    ],
    primaryKey: { name: 'jobs_pk', columns: ['id'] },
    indexes: [
      {
        name: 'index_jobs_name_status_creation_time',
        columns: ['job_name', 'workspace', 'status', 'creation_time'],
      },
    ],
  },
  {
    name: 'webhooks',
    columns: [
      req('webhook_id', v(256)),
      req('name', v(256)),
      opt('description', v(1000)),
      req('url', v(500)),
      req('status', v(20), { default: "'ACTIVE'" }),
      opt('secret', v(1000)),
      opt('creation_timestamp', 'bigint'),
      opt('last_updated_timestamp', 'bigint'),
      opt('deleted_timestamp', 'bigint'),
      workspaceColumn,
    ],
    primaryKey: { name: 'webhook_pk', columns: ['webhook_id'] },
    indexes: [
      { name: 'idx_webhooks_name', columns: ['name'] },
      { name: 'idx_webhooks_status', columns: ['status'] },
      { name: 'idx_webhooks_workspace', columns: ['workspace'] },
    ],
  },
  {
    name: 'webhook_events',
    columns: [req('webhook_id', v(256)), req('entity', v(50)), req('action', v(50))],
    primaryKey: { name: 'webhook_event_pk', columns: ['webhook_id', 'entity', 'action'] },
    // Unnamed in MLflow: Postgres calls it webhook_events_webhook_id_fkey.
    foreignKeys: [
      {
        columns: ['webhook_id'],
        references: 'webhooks',
        referencedColumns: ['webhook_id'],
        onDelete: 'cascade',
      },
    ],
    indexes: [
      { name: 'idx_webhook_events_action', columns: ['action'] },
      { name: 'idx_webhook_events_entity', columns: ['entity'] },
      { name: 'idx_webhook_events_entity_action', columns: ['entity', 'action'] },
    ],
  },
  {
    name: 'secrets',
    columns: [
      req('secret_id', v(36)),
      req('secret_name', v(255)),
      req('encrypted_value', types.blob),
      req('wrapped_dek', types.blob),
      req('kek_version', 'integer'),
      req('masked_value', v(500)),
      opt('provider', v(64)),
      opt('auth_config', 'text'),
      opt('description', 'text'),
      ...audit,
      workspaceColumn,
    ],
    primaryKey: { name: 'secrets_pk', columns: ['secret_id'] },
    uniques: [{ name: 'uq_secrets_workspace_secret_name', columns: ['workspace', 'secret_name'] }],
    indexes: [{ name: 'idx_secrets_workspace', columns: ['workspace'] }],
  },
  {
    name: 'model_definitions',
    columns: [
      req('model_definition_id', v(36)),
      req('name', v(255)),
      opt('secret_id', v(36)),
      req('provider', v(64)),
      req('model_name', v(256)),
      ...audit,
      workspaceColumn,
    ],
    primaryKey: { name: 'model_definitions_pk', columns: ['model_definition_id'] },
    foreignKeys: [
      {
        name: 'fk_model_definitions_secret_id',
        columns: ['secret_id'],
        references: 'secrets',
        referencedColumns: ['secret_id'],
        onDelete: 'set null',
      },
    ],
    uniques: [{ name: 'uq_model_definitions_workspace_name', columns: ['workspace', 'name'] }],
    indexes: [
      { name: 'idx_model_definitions_workspace', columns: ['workspace'] },
      { name: 'index_model_definitions_provider', columns: ['provider'] },
      { name: 'index_model_definitions_secret_id', columns: ['secret_id'] },
    ],
  },
  {
    name: 'endpoints',
    columns: [
      req('endpoint_id', v(36)),
      opt('name', v(255)),
      ...audit,
      opt('routing_strategy', v(64)),
      opt('fallback_config_json', 'text'),
      opt('experiment_id', 'integer'),
      req('usage_tracking', 'boolean', { default: types.falseDefault }),
      workspaceColumn,
    ],
    primaryKey: { name: 'endpoints_pk', columns: ['endpoint_id'] },
    foreignKeys: [
      {
        name: 'fk_endpoints_experiment_id',
        columns: ['experiment_id'],
        references: 'experiments',
        referencedColumns: ['experiment_id'],
        onDelete: 'set null',
      },
    ],
    uniques: [{ name: 'uq_endpoints_workspace_name', columns: ['workspace', 'name'] }],
    indexes: [{ name: 'idx_endpoints_workspace', columns: ['workspace'] }],
  },
  {
    name: 'endpoint_bindings',
    columns: [
      req('endpoint_id', v(36)),
      req('resource_type', v(50)),
      req('resource_id', v(255)),
      req('created_at', 'bigint'),
      opt('created_by', v(255)),
      req('last_updated_at', 'bigint'),
      opt('last_updated_by', v(255)),
      opt('display_name', v(255)),
    ],
    primaryKey: { name: 'endpoint_bindings_pk', columns: ['endpoint_id', 'resource_type', 'resource_id'] },
    foreignKeys: [endpointFk('fk_endpoint_bindings_endpoint_id')],
  },
  {
    name: 'endpoint_model_mappings',
    columns: [
      req('mapping_id', v(36)),
      req('endpoint_id', v(36)),
      req('model_definition_id', v(36)),
      req('weight', types.float),
      opt('created_by', v(255)),
      req('created_at', 'bigint'),
      req('linkage_type', v(64), { default: "'PRIMARY'" }),
      opt('fallback_order', 'integer'),
    ],
    primaryKey: { name: 'endpoint_model_mappings_pk', columns: ['mapping_id'] },
    foreignKeys: [
      endpointFk('fk_endpoint_model_mappings_endpoint_id'),
      {
        name: 'fk_endpoint_model_mappings_model_definition_id',
        columns: ['model_definition_id'],
        references: 'model_definitions',
        referencedColumns: ['model_definition_id'],
      },
    ],
    indexes: [
      { name: 'index_endpoint_model_mappings_endpoint_id', columns: ['endpoint_id'] },
      { name: 'index_endpoint_model_mappings_model_definition_id', columns: ['model_definition_id'] },
      {
        name: 'unique_endpoint_model_linkage_mapping',
        columns: ['endpoint_id', 'model_definition_id', 'linkage_type'],
        unique: true,
      },
    ],
  },
  {
    name: 'endpoint_tags',
    columns: [req('key', v(250)), opt('value', v(5000)), req('endpoint_id', v(36))],
    primaryKey: { name: 'endpoint_tag_pk', columns: ['key', 'endpoint_id'] },
    foreignKeys: [endpointFk('fk_endpoint_tags_endpoint_id')],
    indexes: [{ name: 'index_endpoint_tags_endpoint_id', columns: ['endpoint_id'] }],
  },
];
