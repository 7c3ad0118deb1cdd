import { type Kysely, sql } from 'kysely';
import { createTableSql } from './table-spec.js';
import { SQLITE_TRACKING_TABLES } from './tracking-tables.js';

// 0001 named every foreign key and check on SQLite (`runs_experiment_id_fkey`, `metrics_is_nan_check`, …);
// MLflow's SQLite tables leave those unnamed, and SQLite cannot rename a constraint, so the six tables are
// rebuilt in MLflow's form: new table, rows copied as they are, old table dropped, new one renamed, the
// table's indexes (MLflow's and Flowline's) created again. One transaction, so a crash leaves the old tables.
const FLOWLINE_CONSTRAINT_NAME = /constraint\s+"?\w+_(fkey|check)"?\s/i;

async function tablesToRebuild(db: Kysely<any>): Promise<typeof SQLITE_TRACKING_TABLES> {
  const { rows } = await sql<{ name: string; sql: string }>`
    select name, sql from sqlite_master where type = 'table'`.execute(db);
  const stale = new Set(rows.filter((r) => FLOWLINE_CONSTRAINT_NAME.test(r.sql ?? '')).map((r) => r.name));
  return SQLITE_TRACKING_TABLES.filter((t) => stale.has(t.name));
}

/** Rebuilds the tracking tables whose SQLite constraints still carry 0001's names; a no-op once aligned. */
export async function alignSqliteTrackingTables(db: Kysely<any>): Promise<void> {
  if ((await tablesToRebuild(db)).length === 0) return;
  // Dropping a table that others reference must not cascade or fail: turn foreign keys off (only possible
  // outside a transaction) for the rebuild; the copied rows are the same rows, so every reference still holds.
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await sql`begin immediate`.execute(db);
    try {
      // Checked again under the write lock: another process may have rebuilt them meanwhile.
      for (const table of await tablesToRebuild(db)) {
        const temporary = `flowline_rebuild_${table.name}`;
        const { rows: indexes } = await sql<{ sql: string }>`
          select sql from sqlite_master
          where type = 'index' and tbl_name = ${table.name} and sql is not null`.execute(db);
        const columns = table.columns.map((c) => c.name).join(', ');
        await sql.raw(`drop table if exists ${temporary}`).execute(db);
        await sql.raw(createTableSql(table, 'sqlite', temporary)).execute(db);
        await sql
          .raw(`insert into ${temporary} (${columns}) select ${columns} from ${table.name}`)
          .execute(db);
        await sql.raw(`drop table ${table.name}`).execute(db);
        await sql.raw(`alter table ${temporary} rename to ${table.name}`).execute(db);
        for (const index of indexes) await sql.raw(index.sql).execute(db);
      }
      await sql`commit`.execute(db);
    } catch (error) {
      await sql`rollback`.execute(db);
      throw error;
    }
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}
