import { type Kysely, sql } from 'kysely';

/** One table as the database itself reports it: what MLflow's Alembic and SQLAlchemy would reflect. */
export interface TableDescription {
  columns: unknown[];
  foreignKeys: unknown[];
  /** Named constraints (and, on SQLite, the number of checks), as declared. */
  constraints: unknown[];
  indexes: unknown[];
}

/** A database's schema, table by table, plus its triggers, routines and sequences. */
export interface SchemaDescription {
  tables: Record<string, TableDescription>;
  triggers: string[];
  routines: string[];
  sequences: string[];
}

/** Leaves out objects whose name matches (Flowline's own `flowline_*` tables and indexes, say). */
export interface DescribeOptions {
  ignore?: RegExp;
}

// biome-ignore lint/suspicious/noExplicitAny: catalogue queries read no table of a typed schema.
type AnyDatabase = Kysely<any>;

interface ForeignKeyRow {
  id: number;
  table: string;
  from: string;
  to: string;
  on_update: string;
  on_delete: string;
}

interface ForeignKey {
  table: string;
  from: string[];
  to: string[];
  onUpdate: string;
  onDelete: string;
}

const byJson = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));

async function describeSqliteTable(db: AnyDatabase, name: string, ddl: string, ignore?: RegExp) {
  const { rows: columns } = await sql<Record<string, unknown>>`
    select name, lower(type) as type, "notnull" as not_null, dflt_value as "default", pk, hidden
    from pragma_table_xinfo(${name}) order by cid`.execute(db);
  const { rows: keys } = await sql<ForeignKeyRow>`
    select id, seq, "table", "from", "to", on_update, on_delete
    from pragma_foreign_key_list(${name}) order by id, seq`.execute(db);
  const grouped = new Map<number, ForeignKey>();
  for (const k of keys) {
    const fk = grouped.get(k.id) ?? {
      table: k.table,
      from: [],
      to: [],
      onUpdate: k.on_update,
      onDelete: k.on_delete,
    };
    fk.from.push(k.from);
    fk.to.push(k.to);
    grouped.set(k.id, fk);
  }
  const { rows: indexList } = await sql<{ name: string; unique: number; origin: string; partial: number }>`
    select name, "unique", origin, partial from pragma_index_list(${name})`.execute(db);
  const indexes = [];
  for (const index of indexList) {
    if (ignore?.test(index.name)) continue;
    const { rows: parts } = await sql<{ name: string }>`
      select name from pragma_index_info(${index.name}) order by seqno`.execute(db);
    // Indexes behind primary keys and unique constraints are named by SQLite; describe them by what they cover.
    indexes.push({
      name: index.origin === 'c' ? index.name : index.origin,
      unique: index.unique,
      columns: parts.map((p) => p.name),
    });
  }
  const constraints = [...ddl.matchAll(/\bconstraint\s+"?(\w+)"?/gi)].map((m) => m[1]!.toLowerCase()).sort();
  const checks = [...ddl.matchAll(/\bcheck\s*\(/gi)].length;
  return {
    columns,
    foreignKeys: [...grouped.values()].sort(byJson),
    constraints: [...constraints, `checks: ${checks}`],
    indexes: indexes.sort(byJson),
  };
}

async function describeSqlite(db: AnyDatabase, ignore?: RegExp): Promise<SchemaDescription> {
  const { rows } = await sql<{ type: string; name: string; tbl_name: string; sql: string }>`
    select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_%' order by name`.execute(
    db,
  );
  const tables: Record<string, TableDescription> = {};
  for (const row of rows) {
    if (row.type !== 'table' || ignore?.test(row.name)) continue;
    tables[row.name] = await describeSqliteTable(db, row.name, row.sql, ignore);
  }
  const triggers = rows.filter((r) => r.type === 'trigger').map((r) => `${r.tbl_name}.${r.name}`);
  return { tables, triggers, routines: [], sequences: [] };
}

async function describePostgres(db: AnyDatabase, ignore?: RegExp): Promise<SchemaDescription> {
  const { rows: tableRows } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(db);
  const tables: Record<string, TableDescription> = {};
  for (const { name } of tableRows) {
    if (ignore?.test(name)) continue;
    const { rows: columns } = await sql`
      select column_name, data_type, character_maximum_length, numeric_precision, is_nullable, column_default,
             is_generated, generation_expression
      from information_schema.columns
      where table_schema = current_schema() and table_name = ${name} order by ordinal_position`.execute(db);
    const { rows: constraints } = await sql<{ name: string; type: string; definition: string }>`
      select c.conname as name, c.contype as type, pg_get_constraintdef(c.oid) as definition
      from pg_constraint c join pg_class t on t.oid = c.conrelid
      join pg_namespace n on n.oid = t.relnamespace
      where n.nspname = current_schema() and t.relname = ${name} order by c.conname`.execute(db);
    const { rows: indexes } = await sql<{ name: string; definition: string }>`
      select indexname as name, replace(indexdef, current_schema() || '.', '') as definition
      from pg_indexes where schemaname = current_schema() and tablename = ${name} order by indexname`.execute(
      db,
    );
    tables[name] = {
      columns,
      foreignKeys: constraints.filter((c) => c.type === 'f'),
      constraints: constraints.filter((c) => c.type !== 'f'),
      indexes: indexes.filter((i) => !ignore?.test(i.name)),
    };
  }
  const { rows: triggers } = await sql<{ name: string }>`
    select t.relname || '.' || g.tgname as name from pg_trigger g join pg_class t on t.oid = g.tgrelid
    join pg_namespace n on n.oid = t.relnamespace
    where n.nspname = current_schema() and not g.tgisinternal order by 1`.execute(db);
  const { rows: routines } = await sql<{ name: string }>`
    select p.proname as name from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = current_schema() order by 1`.execute(db);
  const { rows: sequences } = await sql<{ name: string }>`
    select sequence_name as name from information_schema.sequences
    where sequence_schema = current_schema() order by 1`.execute(db);
  return {
    tables,
    triggers: triggers.map((t) => t.name),
    routines: routines.map((r) => r.name),
    sequences: sequences.map((s) => s.name),
  };
}

/**
 * Describes a database's schema from its own catalogue (SQLite's pragmas and `sqlite_master`, Postgres's
 * information_schema and pg_catalog), so two databases can be compared table by table.
 */
export function describeSchema(
  db: AnyDatabase,
  dialect: 'sqlite' | 'postgres',
  options: DescribeOptions = {},
): Promise<SchemaDescription> {
  return dialect === 'sqlite' ? describeSqlite(db, options.ignore) : describePostgres(db, options.ignore);
}
