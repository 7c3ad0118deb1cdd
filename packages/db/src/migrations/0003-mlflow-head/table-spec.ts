import type { SqlDialectName } from '../../dialect.js';

// A table as MLflow's schema snapshot lists it, written once and rendered for either dialect, so SQLite and
// Postgres get the same names, column order, constraints and indexes. Migration data: never edit a table a
// released migration creates; describe the change in a new migration.

/** A column type: the same word in both dialects, or one per dialect. */
export type ColumnType = string | { sqlite: string; postgres: string };

/** One column. `default` and `generated` are SQL text. */
export interface ColumnSpec {
  name: string;
  type: ColumnType;
  notNull?: boolean;
  default?: ColumnType;
  /** A stored generated column's expression. */
  generated?: string;
}

/** A foreign key; unnamed keys get the database's own name (Postgres: `<table>_<column>_fkey`), as in MLflow. */
export interface ForeignKeySpec {
  name?: string;
  columns: string[];
  references: string;
  referencedColumns: string[];
  onDelete?: 'cascade' | 'set null';
  onUpdate?: 'cascade';
}

/** A table with its constraints (in MLflow's order) and indexes. */
export interface TableSpec {
  name: string;
  columns: ColumnSpec[];
  primaryKey: { name: string; columns: string[] };
  foreignKeys?: ForeignKeySpec[];
  uniques?: Array<{ name: string; columns: string[] }>;
  /** Check constraints; an unnamed one stays unnamed on SQLite, as MLflow's are. */
  checks?: Array<{ name?: string; expression: string }>;
  /** Constraints in the order the table lists them (default: foreign keys, uniques, checks). */
  order?: Array<'foreignKeys' | 'uniques' | 'checks'>;
  indexes?: Array<{ name: string; columns: string[]; unique?: boolean }>;
}

/** MLflow's column types by dialect. */
export const types = {
  varchar: (n: number): string => `varchar(${n})`,
  float: { sqlite: 'float', postgres: 'double precision' },
  blob: { sqlite: 'blob', postgres: 'bytea' },
  falseDefault: { sqlite: "'0'", postgres: 'false' },
} as const;

/** The `workspace` column MLflow 3.10 adds to its scoped tables. */
export const workspaceColumn: ColumnSpec = {
  name: 'workspace',
  type: types.varchar(63),
  notNull: true,
  default: "'default'",
};

function pick(value: ColumnType, dialect: SqlDialectName): string {
  return typeof value === 'string' ? value : value[dialect];
}

const list = (names: string[]) => names.join(', ');

function column(c: ColumnSpec, dialect: SqlDialectName): string {
  let text = `${c.name} ${pick(c.type, dialect)}`;
  if (c.generated) text += ` generated always as (${c.generated}) stored`;
  if (c.default !== undefined) text += ` default ${pick(c.default, dialect)}`;
  if (c.notNull) text += ' not null';
  return text;
}

function foreignKey(fk: ForeignKeySpec): string {
  let text = `${fk.name ? `constraint ${fk.name} ` : ''}foreign key (${list(fk.columns)}) references ${fk.references} (${list(fk.referencedColumns)})`;
  if (fk.onDelete) text += ` on delete ${fk.onDelete}`;
  if (fk.onUpdate) text += ` on update ${fk.onUpdate}`;
  return text;
}

/** `create table if not exists` for one table, in the given dialect; `as` names a rebuild's new table instead. */
export function createTableSql(table: TableSpec, dialect: SqlDialectName, as?: string): string {
  const parts = table.columns.map((c) => column(c, dialect));
  parts.push(`constraint ${table.primaryKey.name} primary key (${list(table.primaryKey.columns)})`);
  const groups = {
    foreignKeys: (table.foreignKeys ?? []).map(foreignKey),
    uniques: (table.uniques ?? []).map((u) => `constraint ${u.name} unique (${list(u.columns)})`),
    checks: (table.checks ?? []).map(
      (c) => `${c.name ? `constraint ${c.name} ` : ''}check (${c.expression})`,
    ),
  };
  for (const group of table.order ?? ['foreignKeys', 'uniques', 'checks']) parts.push(...groups[group]);
  const head = as === undefined ? `create table if not exists ${table.name}` : `create table ${as}`;
  return `${head} (\n  ${parts.join(',\n  ')}\n)`;
}

/** `create index if not exists` for each of a table's indexes. */
export function createIndexSql(table: TableSpec): string[] {
  return (table.indexes ?? []).map(
    (i) =>
      `create ${i.unique ? 'unique ' : ''}index if not exists ${i.name} on ${table.name} (${list(i.columns)})`,
  );
}
