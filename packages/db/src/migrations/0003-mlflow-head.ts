import { type Kysely, type Migration, sql } from 'kysely';
import type { SqlDialectName } from '../dialect.js';
import { hasTable } from '../introspect.js';
import { PLATFORM_TABLES } from './0003-mlflow-head/platform-tables.js';
import { alignSqliteTrackingTables } from './0003-mlflow-head/sqlite-rebuild.js';
import { createIndexSql, createTableSql } from './0003-mlflow-head/table-spec.js';
import { TRACING_TABLES } from './0003-mlflow-head/tracing-tables.js';

// Completes a Flowline-created database to MLflow 3.10's schema (Alembic head 1b5f0d9ad7c1) and records that
// revision in `alembic_version`, so MLflow opens it as its own with nothing to migrate (its store compares
// `alembic_version` with its head and otherwise runs its migrations from there). The schema follows MLflow's
// snapshot at that revision: every table, column, type, default, key, check, index and the secrets trigger.
// Flowline's own `flowline_*` tables and indexes stay beside them; MLflow ignores tables it does not know.
//
// An adopted MLflow database keeps its revision, rows and tables: Flowline never claims a revision whose
// schema it did not create, and MLflow upgrades an older one itself.

/** The revision this migration brings a Flowline database to (fixed: a later head is a later migration). */
const REVISION = '1b5f0d9ad7c1';

// 0001 created these with MLflow's names, but MLflow only adds them after 3.10 (its later migrations create
// them and would fail on finding them). Flowline keeps the lookups under its own names.
const LATER_MLFLOW_INDEXES: ReadonlyArray<[string, string, string, string[]]> = [
  [
    'index_runs_experiment_id_lifecycle_stage_start_time',
    'flowline_runs_experiment_stage_start_time',
    'runs',
    ['experiment_id', 'lifecycle_stage', 'start_time'],
  ],
  [
    'index_metrics_run_uuid_key_step',
    'flowline_metrics_run_key_step',
    'metrics',
    ['run_uuid', 'key', 'step'],
  ],
  ['index_inputs_source_id', 'flowline_inputs_source_id', 'inputs', ['source_id']],
  ['index_model_versions_run_id', 'flowline_model_versions_run_id', 'model_versions', ['run_id']],
  [
    'index_model_versions_current_stage',
    'flowline_model_versions_current_stage',
    'model_versions',
    ['current_stage'],
  ],
];

// MLflow 3.10's indexes on the tables 0001 created that 0001 lacks.
const WORKSPACE_INDEXES: ReadonlyArray<[string, string, string[]]> = [
  ['idx_experiments_workspace', 'experiments', ['workspace']],
  ['idx_experiments_workspace_creation_time', 'experiments', ['workspace', 'creation_time']],
  ['idx_registered_models_workspace', 'registered_models', ['workspace']],
];

const IMMUTABLE_SECRET = 'secret_id and secret_name are immutable (used as AAD in encryption)';

async function mlflowRevision(db: Kysely<any>): Promise<string | null> {
  if (!(await hasTable(db, 'alembic_version'))) return null;
  const { rows } = await sql<{ version_num: string }>`select version_num from alembic_version`.execute(db);
  return rows[0]?.version_num ?? null;
}

async function renameLaterIndexes(db: Kysely<any>): Promise<void> {
  for (const [mlflowName, ownName, table, columns] of LATER_MLFLOW_INDEXES) {
    await db.schema.dropIndex(mlflowName).ifExists().execute();
    await db.schema.createIndex(ownName).ifNotExists().on(table).columns(columns).execute();
  }
}

// MLflow guards a secret's id and name (its encryption's associated data) with a trigger on both dialects.
async function createSecretsTrigger(db: Kysely<any>, dialect: SqlDialectName): Promise<void> {
  if (dialect === 'sqlite') {
    await sql
      .raw(
        `create trigger if not exists prevent_secrets_aad_mutation before update on secrets for each row
         when old.secret_id != new.secret_id or old.secret_name != new.secret_name
         begin select raise(abort, '${IMMUTABLE_SECRET}'); end`,
      )
      .execute(db);
    return;
  }
  await sql
    .raw(
      `create or replace function prevent_secrets_aad_mutation() returns trigger language plpgsql as $$
       begin
         if old.secret_id != new.secret_id or old.secret_name != new.secret_name then
           raise exception '${IMMUTABLE_SECRET}';
         end if;
         return new;
       end;
       $$`,
    )
    .execute(db);
  await sql`drop trigger if exists prevent_secrets_aad_mutation on secrets`.execute(db);
  await sql`create trigger prevent_secrets_aad_mutation before update on secrets for each row
            execute function prevent_secrets_aad_mutation()`.execute(db);
}

/** Brings a Flowline database to MLflow's head schema and stamps `alembic_version`; adopted ones keep theirs. */
export function mlflowHeadMigration(dialect: SqlDialectName): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      // The bulk-history sampler pins this index by name on SQLite, so every database has it, adopted ones too.
      await db.schema
        .createIndex('flowline_metrics_run_key_step')
        .ifNotExists()
        .on('metrics')
        .columns(['run_uuid', 'key', 'step'])
        .execute();
      const revision = await mlflowRevision(db);
      if (revision !== null) {
        // MLflow's database. At exactly this revision its schema is known: any LATER_MLFLOW_INDEXES are the
        // ones 0001 added on adoption, which MLflow's next upgrade would trip over.
        if (revision === REVISION) await renameLaterIndexes(db);
        return;
      }
      if (dialect === 'sqlite') await alignSqliteTrackingTables(db);
      await renameLaterIndexes(db);
      for (const [name, table, columns] of WORKSPACE_INDEXES) {
        await db.schema.createIndex(name).ifNotExists().on(table).columns(columns).execute();
      }
      for (const table of [...PLATFORM_TABLES, ...TRACING_TABLES]) {
        await sql.raw(createTableSql(table, dialect)).execute(db);
        for (const statement of createIndexSql(table)) await sql.raw(statement).execute(db);
      }
      await createSecretsTrigger(db, dialect);
      // MLflow's workspace migration creates the default workspace row; so does this one.
      await sql`insert into workspaces (name, description)
                select 'default', 'Default workspace for legacy resources'
                where not exists (select 1 from workspaces where name = 'default')`.execute(db);
      // Alembic's own table, as Alembic creates it.
      await sql`create table if not exists alembic_version (
                  version_num varchar(32) not null,
                  constraint alembic_version_pkc primary key (version_num))`.execute(db);
      await sql`insert into alembic_version (version_num)
                select ${sql.lit(REVISION)} where not exists (select 1 from alembic_version)`.execute(db);
    },
  };
}
