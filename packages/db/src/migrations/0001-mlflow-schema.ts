import { type ColumnDefinitionBuilder, type Kysely, type Migration, sql } from 'kysely';
import type { SqlDialectName } from '../dialect.js';
import { addMissingColumns, hasTable } from '../introspect.js';

// MLflow's tracking and registry tables, column for column as MLflow's own schema snapshots define them
// (tests/db/schemas/{sqlite,postgresql}.sql in MLflow's repository). Every statement is "if not exists",
// so the same migration creates a fresh database and adopts an existing MLflow database unchanged.

const v = (n: number) => sql`varchar(${sql.raw(String(n))})`;
const notNull = (c: ColumnDefinitionBuilder) => c.notNull();

async function createTracking(db: Kysely<any>, dialect: SqlDialectName): Promise<void> {
  const float = dialect === 'postgres' ? 'double precision' : 'float';
  const zeroDefault = dialect === 'postgres' ? sql`'0'::bigint` : sql`'0'`;
  const workspaceDefault = dialect === 'postgres' ? sql`'default'::character varying` : sql`'default'`;
  const lifecycleCheck = (col: string) => sql`${sql.ref(col)} in ('active', 'deleted')`;

  await db.schema
    .createTable('experiments')
    .ifNotExists()
    .addColumn('experiment_id', dialect === 'postgres' ? 'serial' : 'integer', notNull)
    .addColumn('name', v(256), notNull)
    .addColumn('artifact_location', v(256))
    .addColumn('lifecycle_stage', v(32))
    .addColumn('creation_time', 'bigint')
    .addColumn('last_update_time', 'bigint')
    .addColumn('workspace', v(63), (c) => c.notNull().defaultTo(workspaceDefault))
    .addPrimaryKeyConstraint('experiment_pk', ['experiment_id'])
    .addUniqueConstraint('uq_experiments_workspace_name', ['workspace', 'name'])
    .addCheckConstraint('experiments_lifecycle_stage', lifecycleCheck('lifecycle_stage'))
    .execute();

  await db.schema
    .createTable('experiment_tags')
    .ifNotExists()
    .addColumn('key', v(250), notNull)
    .addColumn('value', v(5000))
    .addColumn('experiment_id', 'integer', notNull)
    .addPrimaryKeyConstraint('experiment_tag_pk', ['key', 'experiment_id'])
    .addForeignKeyConstraint('experiment_tags_experiment_id_fkey', ['experiment_id'], 'experiments', [
      'experiment_id',
    ])
    .execute();

  await db.schema
    .createTable('runs')
    .ifNotExists()
    .addColumn('run_uuid', v(32), notNull)
    .addColumn('name', v(250))
    .addColumn('source_type', v(20))
    .addColumn('source_name', v(500))
    .addColumn('entry_point_name', v(50))
    .addColumn('user_id', v(256))
    .addColumn('status', v(9))
    .addColumn('start_time', 'bigint')
    .addColumn('end_time', 'bigint')
    .addColumn('source_version', v(50))
    .addColumn('lifecycle_stage', v(20))
    .addColumn('artifact_uri', v(200))
    .addColumn('experiment_id', 'integer')
    .addColumn('deleted_time', 'bigint')
    .addPrimaryKeyConstraint('run_pk', ['run_uuid'])
    .addForeignKeyConstraint('runs_experiment_id_fkey', ['experiment_id'], 'experiments', ['experiment_id'])
    .addCheckConstraint('runs_lifecycle_stage', lifecycleCheck('lifecycle_stage'))
    .addCheckConstraint('source_type', sql`source_type in ('NOTEBOOK', 'JOB', 'LOCAL', 'UNKNOWN', 'PROJECT')`)
    .addCheckConstraint(
      'runs_status_check',
      sql`status in ('SCHEDULED', 'FAILED', 'FINISHED', 'RUNNING', 'KILLED')`,
    )
    .execute();

  const isNanCheck = dialect === 'sqlite' ? sql`is_nan in (0, 1)` : null;
  let metrics = db.schema
    .createTable('metrics')
    .ifNotExists()
    .addColumn('key', v(250), notNull)
    .addColumn('value', sql.raw(float), notNull)
    .addColumn('timestamp', 'bigint', notNull)
    .addColumn('run_uuid', v(32), notNull)
    .addColumn('step', 'bigint', (c) => c.notNull().defaultTo(zeroDefault))
    .addColumn('is_nan', 'boolean', (c) =>
      c.notNull().defaultTo(dialect === 'postgres' ? sql`false` : sql`'0'`),
    )
    .addPrimaryKeyConstraint('metric_pk', ['key', 'timestamp', 'step', 'run_uuid', 'value', 'is_nan'])
    .addForeignKeyConstraint('metrics_run_uuid_fkey', ['run_uuid'], 'runs', ['run_uuid']);
  if (isNanCheck) metrics = metrics.addCheckConstraint('metrics_is_nan_check', isNanCheck);
  await metrics.execute();

  let latest = db.schema
    .createTable('latest_metrics')
    .ifNotExists()
    .addColumn('key', v(250), notNull)
    .addColumn('value', sql.raw(float), notNull)
    .addColumn('timestamp', 'bigint')
    .addColumn('step', 'bigint', notNull)
    .addColumn('is_nan', 'boolean', notNull)
    .addColumn('run_uuid', v(32), notNull)
    .addPrimaryKeyConstraint('latest_metric_pk', ['key', 'run_uuid'])
    .addForeignKeyConstraint('latest_metrics_run_uuid_fkey', ['run_uuid'], 'runs', ['run_uuid']);
  if (isNanCheck) latest = latest.addCheckConstraint('latest_metrics_is_nan_check', isNanCheck);
  await latest.execute();

  await db.schema
    .createTable('params')
    .ifNotExists()
    .addColumn('key', v(250), notNull)
    .addColumn('value', v(8000), notNull)
    .addColumn('run_uuid', v(32), notNull)
    .addPrimaryKeyConstraint('param_pk', ['key', 'run_uuid'])
    .addForeignKeyConstraint('params_run_uuid_fkey', ['run_uuid'], 'runs', ['run_uuid'])
    .execute();

  await db.schema
    .createTable('tags')
    .ifNotExists()
    .addColumn('key', v(250), notNull)
    .addColumn('value', v(8000))
    .addColumn('run_uuid', v(32), notNull)
    .addPrimaryKeyConstraint('tag_pk', ['key', 'run_uuid'])
    .addForeignKeyConstraint('tags_run_uuid_fkey', ['run_uuid'], 'runs', ['run_uuid'])
    .execute();

  await db.schema
    .createTable('datasets')
    .ifNotExists()
    .addColumn('dataset_uuid', v(36), notNull)
    .addColumn('experiment_id', 'integer', notNull)
    .addColumn('name', v(500), notNull)
    .addColumn('digest', v(36), notNull)
    .addColumn('dataset_source_type', v(36), notNull)
    .addColumn('dataset_source', 'text', notNull)
    .addColumn('dataset_schema', 'text')
    .addColumn('dataset_profile', 'text')
    .addPrimaryKeyConstraint('dataset_pk', ['experiment_id', 'name', 'digest'])
    .addForeignKeyConstraint(
      'fk_datasets_experiment_id_experiments',
      ['experiment_id'],
      'experiments',
      ['experiment_id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();

  await db.schema
    .createTable('inputs')
    .ifNotExists()
    .addColumn('input_uuid', v(36), notNull)
    .addColumn('source_type', v(36), notNull)
    .addColumn('source_id', v(36), notNull)
    .addColumn('destination_type', v(36), notNull)
    .addColumn('destination_id', v(36), notNull)
    .addColumn('step', 'bigint', (c) => c.notNull().defaultTo(zeroDefault))
    .addPrimaryKeyConstraint('inputs_pk', ['source_type', 'source_id', 'destination_type', 'destination_id'])
    .execute();

  await db.schema
    .createTable('input_tags')
    .ifNotExists()
    .addColumn('input_uuid', v(36), notNull)
    .addColumn('name', v(255), notNull)
    .addColumn('value', v(500), notNull)
    .addPrimaryKeyConstraint('input_tags_pk', ['input_uuid', 'name'])
    .execute();
}

async function createRegistry(db: Kysely<any>, dialect: SqlDialectName): Promise<void> {
  const workspace = (c: ColumnDefinitionBuilder) =>
    c.notNull().defaultTo(dialect === 'postgres' ? sql`'default'::character varying` : sql`'default'`);

  await db.schema
    .createTable('registered_models')
    .ifNotExists()
    .addColumn('name', v(256), notNull)
    .addColumn('creation_time', 'bigint')
    .addColumn('last_updated_time', 'bigint')
    .addColumn('description', v(5000))
    .addColumn('workspace', v(63), workspace)
    .addPrimaryKeyConstraint('registered_model_pk', ['workspace', 'name'])
    .execute();

  await db.schema
    .createTable('model_versions')
    .ifNotExists()
    .addColumn('name', v(256), notNull)
    .addColumn('version', 'integer', notNull)
    .addColumn('creation_time', 'bigint')
    .addColumn('last_updated_time', 'bigint')
    .addColumn('description', v(5000))
    .addColumn('user_id', v(256))
    .addColumn('current_stage', v(20))
    .addColumn('source', v(500))
    .addColumn('run_id', v(32))
    .addColumn('status', v(20))
    .addColumn('status_message', v(500))
    .addColumn('run_link', v(500))
    .addColumn('storage_location', v(500))
    .addColumn('workspace', v(63), workspace)
    .addPrimaryKeyConstraint('model_version_pk', ['workspace', 'name', 'version'])
    .addForeignKeyConstraint(
      'fk_model_versions_registered_models',
      ['workspace', 'name'],
      'registered_models',
      ['workspace', 'name'],
      (fk) => fk.onUpdate('cascade'),
    )
    .execute();

  await db.schema
    .createTable('registered_model_aliases')
    .ifNotExists()
    .addColumn('alias', v(256), notNull)
    .addColumn('version', 'integer', notNull)
    .addColumn('name', v(256), notNull)
    .addColumn('workspace', v(63), workspace)
    .addPrimaryKeyConstraint('registered_model_alias_pk', ['workspace', 'name', 'alias'])
    .addForeignKeyConstraint(
      'fk_registered_model_aliases_registered_models',
      ['workspace', 'name'],
      'registered_models',
      ['workspace', 'name'],
      (fk) => fk.onDelete('cascade').onUpdate('cascade'),
    )
    .execute();

  await db.schema
    .createTable('registered_model_tags')
    .ifNotExists()
    .addColumn('key', v(250), notNull)
    .addColumn('value', v(5000))
    .addColumn('name', v(256), notNull)
    .addColumn('workspace', v(63), workspace)
    .addPrimaryKeyConstraint('registered_model_tag_pk', ['workspace', 'key', 'name'])
    .addForeignKeyConstraint(
      'fk_registered_model_tags_registered_models',
      ['workspace', 'name'],
      'registered_models',
      ['workspace', 'name'],
      (fk) => fk.onUpdate('cascade'),
    )
    .execute();

  await db.schema
    .createTable('model_version_tags')
    .ifNotExists()
    .addColumn('key', v(250), notNull)
    .addColumn('value', 'text')
    .addColumn('name', v(256), notNull)
    .addColumn('version', 'integer', notNull)
    .addColumn('workspace', v(63), workspace)
    .addPrimaryKeyConstraint('model_version_tag_pk', ['workspace', 'key', 'name', 'version'])
    .addForeignKeyConstraint(
      'fk_model_version_tags_model_versions',
      ['workspace', 'name', 'version'],
      'model_versions',
      ['workspace', 'name', 'version'],
      (fk) => fk.onUpdate('cascade'),
    )
    .execute();
}

// MLflow's own indexes on these tables (same names), so a Flowline database matches an MLflow one.
const MLFLOW_INDEXES: ReadonlyArray<[string, string, string[]]> = [
  [
    'index_runs_experiment_id_lifecycle_stage_start_time',
    'runs',
    ['experiment_id', 'lifecycle_stage', 'start_time'],
  ],
  ['index_latest_metrics_run_uuid', 'latest_metrics', ['run_uuid']],
  ['index_metrics_run_uuid', 'metrics', ['run_uuid']],
  ['index_metrics_run_uuid_key_step', 'metrics', ['run_uuid', 'key', 'step']],
  ['index_params_run_uuid', 'params', ['run_uuid']],
  ['index_tags_run_uuid', 'tags', ['run_uuid']],
  ['index_datasets_dataset_uuid', 'datasets', ['dataset_uuid']],
  ['index_datasets_experiment_id_dataset_source_type', 'datasets', ['experiment_id', 'dataset_source_type']],
  [
    'index_inputs_destination_type_destination_id_source_type',
    'inputs',
    ['destination_type', 'destination_id', 'source_type'],
  ],
  ['index_inputs_input_uuid', 'inputs', ['input_uuid']],
  ['index_inputs_source_id', 'inputs', ['source_id']],
  ['index_model_versions_current_stage', 'model_versions', ['current_stage']],
  ['index_model_versions_run_id', 'model_versions', ['run_id']],
];

/** Creates MLflow's tracking and registry tables, or brings an existing MLflow database up to them. */
export function mlflowSchemaMigration(dialect: SqlDialectName): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      const adopting = await hasTable(db, 'runs');
      await createTracking(db, dialect);
      await createRegistry(db, dialect);
      if (adopting) {
        // Databases from older MLflow releases lack columns added since; add them (nullable or defaulted),
        // so no row is touched. `workspace` columns are left to MLflow's own upgrade: Flowline never needs them.
        await addMissingColumns(db, dialect, [
          ['runs', 'name', v(250), null],
          ['runs', 'deleted_time', 'bigint', null],
          ['inputs', 'step', 'bigint', '0'],
          ['model_versions', 'storage_location', v(500), null],
          ['model_versions', 'run_link', v(500), null],
        ]);
      }
      for (const [name, table, columns] of MLFLOW_INDEXES) {
        await db.schema.createIndex(name).ifNotExists().on(table).columns(columns).execute();
      }
    },
  };
}
