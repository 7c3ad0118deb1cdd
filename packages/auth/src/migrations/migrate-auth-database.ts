import { MlflowError } from '@flowline/core';
import { hasTable, type SqlDialectName } from '@flowline/db';
import { type Kysely, sql } from 'kysely';
import { ALEMBIC_STEPS } from './alembic-steps.js';

/** The auth revision a database Flowline creates is at: MLflow 3.10's auth head. */
export const AUTH_HEAD_REVISION: string = ALEMBIC_STEPS.at(-1)!.revision;

/** What `migrateAuthDatabase` found and did. */
export interface AuthMigrationReport {
  /** The revision before this call (null for a new database). */
  from: string | null;
  /** The revision now recorded in `alembic_version`. */
  revision: string;
  /** Revisions applied by this call, oldest first. */
  applied: string[];
}

async function currentRevision(db: Kysely<unknown>): Promise<string | null> {
  if (!(await hasTable(db, 'alembic_version'))) return null;
  const { rows } = await sql<{ version_num: string }>`select version_num from alembic_version`.execute(db);
  return rows[0]?.version_num ?? null;
}

/**
 * Brings an auth database to MLflow 3.10's auth schema as MLflow's `migrate_if_needed` would: a new one
 * gets every revision and `alembic_version` at the head; an MLflow one at the head is left exactly as it
 * is; an older MLflow one gets only the revisions it lacks. A revision Flowline does not know (a newer
 * MLflow's) is refused rather than guessed at.
 */
export async function migrateAuthDatabase(
  db: Kysely<unknown>,
  dialect: SqlDialectName,
): Promise<AuthMigrationReport> {
  const from = await currentRevision(db);
  if (from === null && (await hasTable(db, 'users')))
    throw MlflowError.invalidParameterValue(
      'The auth database has a users table but no alembic_version: it is not an MLflow auth database. ' +
        'Point database_uri in the auth config (MLFLOW_AUTH_CONFIG_PATH) at a new file or at MLflow’s basic_auth.db.',
    );
  const position = from === null ? -1 : ALEMBIC_STEPS.findIndex((s) => s.revision === from);
  if (from !== null && position < 0)
    throw MlflowError.invalidParameterValue(
      `The auth database is at revision ${from}, which Flowline does not know (a newer MLflow upgraded it); ` +
        `Flowline reads MLflow's auth schema up to ${AUTH_HEAD_REVISION} (MLflow 3.10). Use a copy made before the upgrade.`,
    );
  const pending = ALEMBIC_STEPS.slice(position + 1);
  if (pending.length === 0) return { from, revision: from as string, applied: [] };
  try {
    await db.transaction().execute(async (trx) => {
      if (from === null)
        await sql
          .raw(
            'CREATE TABLE alembic_version (\n\tversion_num VARCHAR(32) NOT NULL,\n\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)',
          )
          .execute(trx);
      for (const step of pending) await step.apply(trx, dialect);
      await sql`delete from alembic_version`.execute(trx);
      await sql`insert into alembic_version (version_num) values (${AUTH_HEAD_REVISION})`.execute(trx);
    });
  } catch (error) {
    // Another worker starting at the same moment may have migrated it first.
    if ((await currentRevision(db).catch(() => null)) === AUTH_HEAD_REVISION)
      return { from, revision: AUTH_HEAD_REVISION, applied: [] };
    throw error;
  }
  return { from, revision: AUTH_HEAD_REVISION, applied: pending.map((s) => s.revision) };
}
