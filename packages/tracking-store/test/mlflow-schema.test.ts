import {
  MIGRATION_TABLE,
  MLFLOW_HEAD_REVISION,
  migrateToLatest,
  migrationsFor,
  type OpenDatabase,
  openDatabase,
} from '@flowline/db';
import {
  createMlflowSchema,
  createTestDatabase,
  describeSchema,
  type SchemaDescription,
  SEEDED_ALEMBIC_REVISION,
  storeTargets,
} from '@flowline/testkit';
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A Flowline database must be one MLflow cannot tell from its own at MLFLOW_HEAD_REVISION: the fixtures restate
// MLflow's schema at that revision, and both databases are compared as their catalogues report them.
// Flowline's `flowline_*` tables and indexes are the only extras (MLflow ignores tables it does not know).
const FLOWLINE_OWN = /^flowline_/;

async function emptyDatabase(target: ReturnType<typeof storeTargets>[number]) {
  return target.name === 'postgres' ? createTestDatabase({ template: false }) : target.createDatabase();
}

async function revision(database: OpenDatabase): Promise<string[]> {
  const { rows } = await sql<{ version_num: string }>`select version_num from alembic_version`.execute(
    database.db,
  );
  return rows.map((r) => r.version_num);
}

/** Migrates with the first `count` migrations only, as an older Flowline did. */
async function migrateLikeOlderFlowline(database: OpenDatabase, count: number): Promise<void> {
  const all = migrationsFor(database.dialect);
  const older = Object.fromEntries(Object.entries(all).slice(0, count));
  const migrator = new Migrator({
    db: database.db,
    provider: { getMigrations: async () => older },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: 'flowline_migration_lock',
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}

for (const target of storeTargets()) {
  describe(`MLflow schema on ${target.name}`, () => {
    const drops: Array<() => Promise<void>> = [];
    const opened: OpenDatabase[] = [];
    let reference: SchemaDescription;
    let ours: OpenDatabase;
    let schema: SchemaDescription;

    async function open() {
      const database = await emptyDatabase(target);
      drops.push(database.drop);
      const handle = await openDatabase(database.uri);
      opened.push(handle);
      return handle;
    }

    beforeAll(async () => {
      const theirs = await open();
      await createMlflowSchema(theirs.db, theirs.dialect);
      reference = await describeSchema(theirs.db, theirs.dialect);
      ours = await open();
      await migrateToLatest(ours.db, ours.dialect);
      schema = await describeSchema(ours.db, ours.dialect, { ignore: FLOWLINE_OWN });
    });

    afterAll(async () => {
      for (const handle of opened) await handle.close();
      for (const drop of drops) await drop();
    });

    it('has every MLflow table and no other but its own', () => {
      expect(Object.keys(reference.tables).length).toBeGreaterThan(40);
      expect(Object.keys(schema.tables)).toEqual(Object.keys(reference.tables));
    });

    it.each([
      'alembic_version',
      'experiments',
      'runs',
      'metrics',
      'latest_metrics',
      'params',
      'tags',
      'experiment_tags',
      'datasets',
      'inputs',
      'input_tags',
      'registered_models',
      'model_versions',
      'registered_model_tags',
      'model_version_tags',
      'registered_model_aliases',
      'trace_info',
      'trace_tags',
      'trace_request_metadata',
      'trace_metrics',
      'assessments',
      'spans',
      'span_metrics',
      'logged_models',
      'logged_model_metrics',
      'logged_model_params',
      'logged_model_tags',
      'entity_associations',
      'evaluation_datasets',
      'evaluation_dataset_records',
      'evaluation_dataset_tags',
      'scorers',
      'scorer_versions',
      'online_scoring_configs',
      'jobs',
      'webhooks',
      'webhook_events',
      'secrets',
      'endpoints',
      'endpoint_bindings',
      'endpoint_model_mappings',
      'endpoint_tags',
      'model_definitions',
      'workspaces',
    ])('creates %s as MLflow does: columns, keys, constraints, indexes', (table) => {
      expect(reference.tables[table]).toBeDefined();
      expect(schema.tables[table]).toEqual(reference.tables[table]);
    });

    it("has MLflow's triggers, functions and sequences", () => {
      expect(schema.triggers).toEqual(reference.triggers);
      expect(schema.routines).toEqual(reference.routines);
      expect(schema.sequences).toEqual(reference.sequences);
    });

    it('records the head revision, so MLflow has nothing to migrate', async () => {
      expect(MLFLOW_HEAD_REVISION).toBe(SEEDED_ALEMBIC_REVISION);
      expect(await revision(ours)).toEqual([MLFLOW_HEAD_REVISION]);
      const { rows } = await sql`select name, description from workspaces`.execute(ours.db);
      expect(rows).toEqual([{ name: 'default', description: 'Default workspace for legacy resources' }]);
    });

    it('is idempotent: migrating again applies nothing and keeps the revision', async () => {
      const report = await migrateToLatest(ours.db, ours.dialect);
      expect(report).toMatchObject({ applied: [], alembicRevision: MLFLOW_HEAD_REVISION, adopted: false });
    });

    it('completes and stamps a database an older Flowline created, keeping its rows', async () => {
      const older = await open();
      await migrateLikeOlderFlowline(older, 2);
      const db = older.db;
      await db.insertInto('experiments').values({ name: 'old', lifecycle_stage: 'active' }).execute();
      const { experiment_id } = await db
        .selectFrom('experiments')
        .select('experiment_id')
        .where('name', '=', 'old')
        .executeTakeFirstOrThrow();
      const run = { run_uuid: 'a'.repeat(32), experiment_id, lifecycle_stage: 'active', status: 'RUNNING' };
      await db.insertInto('runs').values(run).execute();
      await db.insertInto('experiment_tags').values({ key: 'k', value: 'v', experiment_id }).execute();
      await db.insertInto('params').values({ key: 'p', value: '1', run_uuid: run.run_uuid }).execute();
      await db.insertInto('tags').values({ key: 't', value: 'x', run_uuid: run.run_uuid }).execute();
      const metric = { key: 'm', value: 0.5, timestamp: 1, step: 0, is_nan: false, run_uuid: run.run_uuid };
      const stored = older.dialect === 'sqlite' ? { ...metric, is_nan: 0 } : metric;
      await db.insertInto('metrics').values(stored).execute();
      await db.insertInto('latest_metrics').values(stored).execute();

      const report = await migrateToLatest(db, older.dialect);
      expect(report).toMatchObject({ applied: ['0003-mlflow-head'], alembicRevision: MLFLOW_HEAD_REVISION });
      expect(await describeSchema(db, older.dialect, { ignore: FLOWLINE_OWN })).toEqual(reference);
      for (const table of ['runs', 'experiment_tags', 'params', 'tags', 'metrics', 'latest_metrics']) {
        const row = await db
          .selectFrom(table as 'runs')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow();
        expect(Number(row.n), table).toBe(1);
      }
      // The rebuilt tables still enforce their keys.
      await expect(
        db
          .insertInto('params')
          .values({ key: 'q', value: '1', run_uuid: 'f'.repeat(32) })
          .execute(),
      ).rejects.toThrow(/foreign key/i);
      // Flowline's own search indexes came through the rebuild.
      const own = await describeSchema(db, older.dialect);
      expect(JSON.stringify(own.tables.params?.indexes)).toContain('flowline_params_key_value');
    });
  });
}
