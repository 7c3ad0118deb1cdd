import { MlflowError } from '@flowline/core';
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { adapterFor } from './adapters/adapter-for.js';
import type { SqlDialectName } from './dialect.js';
import { hasTable } from './introspect.js';
import { mlflowSchemaMigration } from './migrations/0001-mlflow-schema.js';
import { searchIndexesMigration } from './migrations/0002-search-indexes.js';
import { mlflowHeadMigration } from './migrations/0003-mlflow-head.js';

/**
 * The MLflow (Alembic) revision whose schema a database Flowline creates has, and which it records in
 * `alembic_version`: the head of MLflow 3.10, so MLflow 3.10 opens the database with nothing to migrate and a
 * newer MLflow upgrades it from there as it would its own.
 */
export const MLFLOW_HEAD_REVISION = '1b5f0d9ad7c1';

/**
 * Kysely's bookkeeping tables, named for Flowline so they sit beside MLflow's `alembic_version`. MLflow ignores
 * tables it does not know, so these (and Flowline's `flowline_*` indexes) do not disturb it.
 */
export const MIGRATION_TABLE = 'flowline_migration';
/** The table Kysely's migrator locks while it migrates. */
export const MIGRATION_LOCK_TABLE = 'flowline_migration_lock';

/** The migration chain, in order; never edit a released entry, add a new one. */
export function migrationsFor(dialect: SqlDialectName): Record<string, Migration> {
  return {
    '0001-mlflow-schema': mlflowSchemaMigration(dialect),
    '0002-search-indexes': searchIndexesMigration,
    '0003-mlflow-head': mlflowHeadMigration(dialect),
  };
}

/** What `migrateToLatest` did. */
export interface MigrationReport {
  /** Migrations applied by this call, in order. */
  applied: string[];
  /**
   * The MLflow (Alembic) revision in `alembic_version` after this call: `MLFLOW_HEAD_REVISION` for a database
   * Flowline created, an adopted MLflow database's own revision (left as MLflow wrote it) otherwise.
   */
  alembicRevision: string | null;
  /** True when this call adopted a database MLflow created (it had MLflow's revision before Flowline ran). */
  adopted?: boolean;
}

async function appliedMigrations(db: Kysely<any>): Promise<string[]> {
  if (!(await hasTable(db, MIGRATION_TABLE))) return [];
  const rows = await db.selectFrom(MIGRATION_TABLE).select('name').orderBy('name').execute();
  return rows.map((r) => String(r.name));
}

async function alembicRevision(db: Kysely<any>): Promise<string | null> {
  if (!(await hasTable(db, 'alembic_version'))) return null;
  const { rows } = await sql<{ version_num: string }>`select version_num from alembic_version`.execute(db);
  return rows[0]?.version_num ?? null;
}

/** Names of migrations this database has but this code does not know: it was written by a newer Flowline. */
export async function unknownMigrations(db: Kysely<any>, dialect: SqlDialectName): Promise<string[]> {
  const known = new Set(Object.keys(migrationsFor(dialect)));
  return (await appliedMigrations(db)).filter((name) => !known.has(name));
}

/** Migrations that this code has and the database has not applied yet. */
export async function pendingMigrations(db: Kysely<any>, dialect: SqlDialectName): Promise<string[]> {
  const done = new Set(await appliedMigrations(db));
  return Object.keys(migrationsFor(dialect)).filter((name) => !done.has(name));
}

function refuseNewer(unknown: string[]): void {
  if (unknown.length === 0) return;
  throw MlflowError.invalidState(
    `This database was upgraded by a newer Flowline (it has migration ${unknown.join(', ')}, which this ` +
      'version does not know). Upgrade Flowline to open it; nothing was changed.',
  );
}

/**
 * Checks, without changing anything, that a database needs no migration (for stores opened with
 * `migrate: false`): `INVALID_STATE` naming `flowline db upgrade` when it does, or when a newer Flowline wrote it.
 */
export async function checkSchema(database: {
  db: Kysely<any>;
  dialect: SqlDialectName;
}): Promise<MigrationReport> {
  const { db, dialect } = database;
  refuseNewer(await unknownMigrations(db, dialect));
  const pending = await pendingMigrations(db, dialect);
  if (pending.length > 0) {
    throw MlflowError.invalidState(
      `The database schema is out of date (pending: ${pending.join(', ')}). Run 'flowline db upgrade <uri>' first.`,
    );
  }
  return { applied: [], alembicRevision: await alembicRevision(db) };
}

/**
 * Brings a database to the latest schema: creates MLflow's tables in an empty database and stamps it with
 * `MLFLOW_HEAD_REVISION` (an older Flowline database is completed and stamped the same way), adopts an MLflow
 * database (recognised by `alembic_version`) without touching a row or its revision, and refuses a database
 * whose schema is newer than this code.
 */
export async function migrateToLatest(db: Kysely<any>, dialect: SqlDialectName): Promise<MigrationReport> {
  refuseNewer(await unknownMigrations(db, dialect));
  const adopted =
    (await alembicRevision(db)) !== null &&
    (await pendingMigrations(db, dialect)).includes('0001-mlflow-schema');
  const provider: MigrationProvider = { getMigrations: async () => migrationsFor(dialect) };
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  const applied: string[] = [];
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    applied.push(...(results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName));
    if (!error) break;
    // SQLite has no migration lock: another process migrating the same file at the same moment makes our
    // bookkeeping insert collide (Postgres's lock prevents that). Every step is idempotent, so try again from
    // where the database now is.
    if (adapterFor(dialect).isUniqueViolation(error) && attempt < 10) {
      await new Promise((r) => setTimeout(r, 20 * attempt));
      continue;
    }
    throw MlflowError.internal(`Database migration failed: ${(error as Error).message ?? String(error)}`, {
      cause: error,
    });
  }
  return { applied, alembicRevision: await alembicRevision(db), adopted };
}
