import { MlflowError } from '@flowline/core';
import { type Kysely, sql } from 'kysely';
import { type ColumnInfo, generatedColumns, listColumns } from './introspect.js';
import { checkSchema, MIGRATION_LOCK_TABLE, MIGRATION_TABLE } from './migrate.js';
import type { OpenDatabase } from './open-database.js';

/** What `copyDatabase` reports: rows copied per table, in the order they were written. */
export interface DatabaseCopy {
  tables: Array<{ table: string; rows: number }>;
  rows: number;
}

/** Bookkeeping each database keeps for itself: never copied. */
const OWN_TABLES = new Set([MIGRATION_TABLE, MIGRATION_LOCK_TABLE, 'alembic_version']);
/** Rows a fresh schema already holds (MLflow's default workspace); the source's replace them. */
const SEEDED_TABLES = new Set(['workspaces']);

/** Tables ordered so that every table comes after those its foreign keys reference. */
function parentsFirst(tables: string[], parents: Map<string, Set<string>>): string[] {
  const ordered: string[] = [];
  const placed = new Set<string>();
  const visit = (table: string, path: Set<string>) => {
    if (placed.has(table) || path.has(table)) return;
    path.add(table);
    for (const parent of parents.get(table) ?? []) if (tables.includes(parent)) visit(parent, path);
    placed.add(table);
    ordered.push(table);
  };
  for (const table of [...tables].sort()) visit(table, new Set());
  return ordered;
}

async function userTables(database: OpenDatabase): Promise<string[]> {
  const tables = await database.db.introspection.getTables();
  return tables.map((t) => t.name).filter((name) => !OWN_TABLES.has(name));
}

async function count(db: Kysely<any>, table: string): Promise<number> {
  const row = await db.selectFrom(table).select(sql<number>`count(*)`.as('n')).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Reads a table in primary-key order, `size` rows at a time (keyset paging, so each page is one index range). */
async function* pages(db: Kysely<any>, table: string, key: string[], size: number): AsyncGenerator<any[]> {
  let after: unknown[] | undefined;
  let offset = 0;
  for (;;) {
    let query = db.selectFrom(table).selectAll();
    if (key.length > 0) {
      if (after)
        query = query.where(sql<boolean>`(${sql.join(key.map((k) => sql.ref(k)))}) > (${sql.join(after)})`);
      for (const k of key) query = query.orderBy(sql.ref(k), 'asc');
    } else query = query.offset(offset);
    const rows = await query.limit(size).execute();
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < size) return;
    after = key.map((k) => rows.at(-1)![k]);
    offset += rows.length;
  }
}

/**
 * Copies every row of one Flowline/MLflow database into another, of either dialect (SQLite ↔ Postgres), as
 * moving from a single machine to a team server needs: both are at the current schema (the target is
 * migrated here; the source must be, or `flowline db upgrade` it first), the target holds no data yet, and
 * everything is written in one transaction, so a failure leaves the target as it was. Tables go parents first;
 * values are bound as the target's dialect wants them, and Postgres's id counters are moved past the copied ids.
 */
export async function copyDatabase(
  source: OpenDatabase,
  target: OpenDatabase,
  options: { onProgress?: (done: number, total: number) => void } = {},
): Promise<DatabaseCopy> {
  await checkSchema(source);
  await target.migrate();
  const tables = await userTables(source);
  const present = new Set(await userTables(target));
  const missing = tables.filter((t) => !present.has(t));
  if (missing.length > 0)
    throw MlflowError.invalidState(`The target has no table ${missing.join(', ')}: is it the same schema?`);
  for (const table of tables) {
    if (SEEDED_TABLES.has(table)) continue;
    const rows = await count(target.db as Kysely<any>, table);
    if (rows > 0)
      throw MlflowError.invalidState(
        `The target already holds data (${rows} rows in ${table}): copy into an empty database.`,
      );
  }
  const ordered = parentsFirst(tables, await source.adapter.foreignKeys(source.db));
  const from = source.db as Kysely<any>;
  let total = 0;
  for (const table of ordered) total += await count(from, table);
  const report: DatabaseCopy = { tables: [], rows: 0 };
  await (target.db as Kysely<any>).transaction().execute(async (trx) => {
    for (const table of [...ordered].reverse())
      if (SEEDED_TABLES.has(table)) await trx.deleteFrom(table).execute();
    for (const table of ordered) {
      const columns: ColumnInfo[] = await listColumns(trx, target.dialect, table);
      const types = new Map(columns.map((c) => [c.name, c.type]));
      const computed = await generatedColumns(trx, target.dialect, table);
      const key = columns
        .filter((c) => c.primaryKeyPosition > 0)
        .sort((a, b) => a.primaryKeyPosition - b.primaryKeyPosition)
        .map((c) => c.name);
      // Both SQLite and Postgres bind at most tens of thousands of parameters per statement.
      const size = Math.max(1, Math.floor(20_000 / Math.max(1, columns.length)));
      let copied = 0;
      for await (const rows of pages(from, table, key, size)) {
        const values = rows.map((row) =>
          Object.fromEntries(
            Object.entries(row)
              .filter(([column]) => !computed.has(column))
              .map(([column, value]) => [
                column,
                target.adapter.toColumnValue(types.get(column) ?? '', value),
              ]),
          ),
        );
        await trx.insertInto(table).values(values).execute();
        copied += rows.length;
        options.onProgress?.(report.rows + copied, total);
      }
      for (const column of columns)
        if (column.primaryKeyPosition > 0 && column.hasDefault && /int/.test(column.type))
          await target.adapter.syncSerial(trx, table, column.name);
      report.tables.push({ table, rows: copied });
      report.rows += copied;
    }
  });
  return report;
}
