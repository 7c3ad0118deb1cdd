import { readFile } from 'node:fs/promises';
import { type Kysely, sql } from 'kysely';

/** Which MLflow layout to build: the current one, or an older 2.x one (SQLite only). */
export type MlflowSchemaVariant = 'current' | '2x';

/** The tables MLflow and Flowline share (tracking and registry). */
export const SHARED_TABLES = [
  'experiments',
  'experiment_tags',
  'runs',
  'metrics',
  'latest_metrics',
  'params',
  'tags',
  'datasets',
  'inputs',
  'input_tags',
  'registered_models',
  'model_versions',
  'registered_model_tags',
  'model_version_tags',
  'registered_model_aliases',
] as const;

/**
 * The Alembic revision of the `current` fixtures: MLflow 3.10's head, the schema `sqlite.sql` and
 * `postgresql.sql` restate (and, today, `MLFLOW_HEAD_REVISION`, which a Flowline database is stamped with).
 */
export const SEEDED_ALEMBIC_REVISION = '1b5f0d9ad7c1';

/** A 2.x revision for the `2x` fixture (its layout is a simplified 2.x one); adoption must leave it as it is. */
export const SEEDED_2X_ALEMBIC_REVISION = '7f2a7d5fae7d';

/** Creates MLflow's tables (all of them, at `SEEDED_ALEMBIC_REVISION`, for `current`) from the schema fixtures. */
export async function createMlflowSchema(
  db: Kysely<any>,
  dialect: 'sqlite' | 'postgres',
  variant: MlflowSchemaVariant = 'current',
): Promise<void> {
  const file = dialect === 'postgres' ? 'postgresql.sql' : variant === '2x' ? 'sqlite-2x.sql' : 'sqlite.sql';
  const text = await readFile(new URL(`../fixtures/mlflow-schema/${file}`, import.meta.url), 'utf8');
  for (const statement of text.split(/\n;\n/)) {
    if (statement.trim() !== '') await sql.raw(statement).execute(db);
  }
}

/** Ids of the rows `seedMlflowRows` writes. */
export const SEEDED = {
  experimentId: '1',
  runId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  oldRunId: 'ffffffffffffffffffffffffffffffff',
} as const;

/**
 * Inserts rows the way MLflow's SQL store writes them: the default experiment, an experiment with a tag,
 * a finished run with params, tags, metric history (NaN as 0 + is_nan, +Inf as max double), latest
 * metrics, a dataset input, a run with no name column value (MLflow ≤ 1.29), and the Alembic revision.
 */
export async function seedMlflowRows(
  db: Kysely<any>,
  dialect: 'sqlite' | 'postgres',
  variant: MlflowSchemaVariant = 'current',
): Promise<void> {
  const t = true;
  const f = false;
  const bool = (b: boolean) => (b ? 1 : 0);
  const revision = variant === '2x' ? SEEDED_2X_ALEMBIC_REVISION : SEEDED_ALEMBIC_REVISION;
  await db.insertInto('alembic_version').values({ version_num: revision }).execute();
  await db
    .insertInto('experiments')
    .values([
      {
        experiment_id: 0,
        name: 'Default',
        artifact_location: 'mlflow-artifacts:/0',
        lifecycle_stage: 'active',
        creation_time: 1_700_000_000_000,
        last_update_time: 1_700_000_000_000,
      },
      {
        experiment_id: 1,
        name: 'fraud-detection',
        artifact_location: 'mlflow-artifacts:/1',
        lifecycle_stage: 'active',
        creation_time: 1_700_000_001_000,
        last_update_time: 1_700_000_001_000,
      },
    ])
    .execute();
  // MLflow assigns ids after 0 from the sequence; inserting 1 by hand must move it on, as MLflow's inserts would.
  if (dialect === 'postgres') {
    await sql`select setval(pg_get_serial_sequence('experiments', 'experiment_id'), 1)`.execute(db);
  }
  await db
    .insertInto('experiment_tags')
    .values({ key: 'mlflow.note.content', value: 'notes', experiment_id: 1 })
    .execute();
  const run = (run_uuid: string, name: string | null, status: string, start: number, end: number | null) => ({
    run_uuid,
    name,
    source_type: 'UNKNOWN',
    source_name: '',
    entry_point_name: '',
    user_id: 'alice',
    status,
    start_time: start,
    end_time: end,
    source_version: '',
    lifecycle_stage: 'active',
    artifact_uri: `mlflow-artifacts:/1/${run_uuid}/artifacts`,
    experiment_id: 1,
    ...(variant === 'current' ? { deleted_time: null } : {}),
  });
  await db
    .insertInto('runs')
    .values([
      run(SEEDED.runId, 'brave-owl-42', 'FINISHED', 1_700_000_002_000, 1_700_000_009_000),
      run(SEEDED.oldRunId, '', 'FAILED', 1_600_000_000_000, 1_600_000_001_000),
    ])
    .execute();
  await db
    .insertInto('tags')
    .values([
      { key: 'mlflow.runName', value: 'brave-owl-42', run_uuid: SEEDED.runId },
      { key: 'mlflow.user', value: 'alice', run_uuid: SEEDED.runId },
      { key: 'mlflow.runName', value: 'ancient-run', run_uuid: SEEDED.oldRunId },
    ])
    .execute();
  await db
    .insertInto('params')
    .values([
      { key: 'learning_rate', value: '0.01', run_uuid: SEEDED.runId },
      { key: 'model', value: 'xgboost', run_uuid: SEEDED.runId },
    ])
    .execute();
  const metric = (key: string, value: number, timestamp: number, step: number, isNan: boolean) => ({
    key,
    value,
    timestamp,
    step,
    is_nan: bool(isNan),
    run_uuid: SEEDED.runId,
  });
  await db
    .insertInto('metrics')
    .values([
      metric('auc', 0.81, 1_700_000_003_000, 0, f),
      metric('auc', 0.87, 1_700_000_004_000, 1, f),
      metric('loss', 0, 1_700_000_003_000, 0, t),
      metric('grad', 1.7976931348623157e308, 1_700_000_003_000, 0, f),
    ])
    .execute();
  await db
    .insertInto('latest_metrics')
    .values([
      metric('auc', 0.87, 1_700_000_004_000, 1, f),
      metric('loss', 0, 1_700_000_003_000, 0, t),
      metric('grad', 1.7976931348623157e308, 1_700_000_003_000, 0, f),
    ])
    .execute();
  await db
    .insertInto('datasets')
    .values({
      dataset_uuid: '0d5c2f4e-1111-4222-8333-944455556666',
      experiment_id: 1,
      name: 'transactions',
      digest: 'a1b2c3d4',
      dataset_source_type: 'local',
      dataset_source: '{"uri": "/data/tx.parquet"}',
      dataset_schema: null,
      dataset_profile: '{"num_rows": 10}',
    })
    .execute();
  await db
    .insertInto('inputs')
    .values({
      input_uuid: '7e7e7e7e-1111-4222-8333-944455556666',
      source_type: 'DATASET',
      source_id: '0d5c2f4e-1111-4222-8333-944455556666',
      destination_type: 'RUN',
      destination_id: SEEDED.runId,
    })
    .execute();
  await db
    .insertInto('input_tags')
    .values({
      input_uuid: '7e7e7e7e-1111-4222-8333-944455556666',
      name: 'mlflow.data.context',
      value: 'training',
    })
    .execute();
  await db
    .insertInto('registered_models')
    .values({
      name: 'fraud',
      creation_time: 1_700_000_010_000,
      last_updated_time: 1_700_000_010_000,
      description: 'd',
    })
    .execute();
  await db
    .insertInto('model_versions')
    .values({
      name: 'fraud',
      version: 1,
      creation_time: 1_700_000_010_000,
      last_updated_time: 1_700_000_010_000,
      description: '',
      user_id: 'alice',
      current_stage: 'Production',
      source: `mlflow-artifacts:/1/${SEEDED.runId}/artifacts/model`,
      run_id: SEEDED.runId,
      status: 'READY',
      status_message: null,
      run_link: '',
      storage_location: null,
    })
    .execute();
}

/** Row counts of the shared tables that exist, to show that opening a database lost nothing. */
export async function countRows(db: Kysely<any>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const tables = new Set((await db.introspection.getTables()).map((t) => t.name));
  for (const table of [...SHARED_TABLES, 'alembic_version']) {
    if (!tables.has(table)) continue;
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}
