import { type ColumnDataType, type Expression, type Kysely, sql } from 'kysely';
import type { SqlDialectName } from './dialect.js';

/** One column as the database reports it. */
export interface ColumnInfo {
  name: string;
  /** Declared type, lower-cased, without spaces around parentheses (e.g. `varchar(250)`, `bigint`). */
  type: string;
  notNull: boolean;
  /** Position in the primary key, 0 when not part of it. */
  primaryKeyPosition: number;
  hasDefault: boolean;
}

/** True when the table exists. */
export async function hasTable(db: Kysely<any>, table: string): Promise<boolean> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  return tables.some((t) => t.name === table);
}

function normalizeType(type: string): string {
  const t = type
    .toLowerCase()
    .replace(/\s*\(\s*/g, '(')
    .replace(/\s*\)/g, ')')
    .trim();
  return t.replace(/^character varying/, 'varchar');
}

/** The columns of a table, in order, with their primary-key positions. */
export async function listColumns(
  db: Kysely<any>,
  dialect: SqlDialectName,
  table: string,
): Promise<ColumnInfo[]> {
  if (dialect === 'sqlite') {
    const { rows } = await sql<{
      name: string;
      type: string;
      notnull: number;
      pk: number;
      dflt_value: string | null;
    }>`select name, type, "notnull", pk, dflt_value from pragma_table_info(${table})`.execute(db);
    return rows.map((r) => ({
      name: r.name,
      type: normalizeType(r.type),
      // SQLite's INTEGER PRIMARY KEY is implicitly NOT NULL; report what was declared.
      notNull: r.notnull === 1,
      primaryKeyPosition: r.pk,
      hasDefault: r.dflt_value !== null,
    }));
  }
  const { rows } = await sql<{
    name: string;
    type: string;
    not_null: boolean;
    pk_pos: number | null;
    has_default: boolean;
  }>`
    select a.attname as name,
           format_type(a.atttypid, a.atttypmod) as type,
           a.attnotnull as not_null,
           array_position(con.conkey, a.attnum) as pk_pos,
           a.atthasdef as has_default
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join pg_namespace n on n.oid = c.relnamespace and n.nspname = current_schema()
    left join pg_constraint con on con.conrelid = c.oid and con.contype = 'p'
    where c.relname = ${table} and a.attnum > 0 and not a.attisdropped
    order by a.attnum`.execute(db);
  return rows.map((r) => ({
    name: r.name,
    type: normalizeType(r.type),
    notNull: r.not_null,
    primaryKeyPosition: r.pk_pos ?? 0,
    hasDefault: r.has_default,
  }));
}

/** The columns of a table the database computes itself (generated columns), which take no inserted value. */
export async function generatedColumns(
  db: Kysely<any>,
  dialect: SqlDialectName,
  table: string,
): Promise<Set<string>> {
  const { rows } =
    dialect === 'sqlite'
      ? await sql<{
          name: string;
        }>`select name from pragma_table_xinfo(${table}) where hidden in (2, 3)`.execute(db)
      : await sql<{ name: string }>`
          select column_name as name from information_schema.columns
          where table_schema = current_schema() and table_name = ${table} and is_generated = 'ALWAYS'`.execute(
          db,
        );
  return new Set(rows.map((r) => r.name));
}

/** Adds each listed column that a table lacks: `[table, column, type, default or null]`. */
export async function addMissingColumns(
  db: Kysely<any>,
  dialect: SqlDialectName,
  columns: ReadonlyArray<[string, string, ColumnDataType | Expression<unknown>, string | null]>,
): Promise<void> {
  for (const [table, column, type, defaultValue] of columns) {
    const existing = await listColumns(db, dialect, table);
    if (existing.length === 0 || existing.some((c) => c.name === column)) continue;
    await db.schema
      .alterTable(table)
      .addColumn(column, type, (c) =>
        defaultValue === null ? c : c.notNull().defaultTo(sql.raw(`'${defaultValue}'`)),
      )
      .execute();
  }
}
