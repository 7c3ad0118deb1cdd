import { importOptional } from '@flowline/core';
import { type Dialect, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import { compareWith } from '../comparison.js';
import { groupParents } from '../foreign-keys.js';
import type { SqlAdapter } from '../sql-adapter.js';

async function postgresDialect(connectionString: string, poolSize: number): Promise<Dialect> {
  const [{ PostgresDialect }, pgModule] = await Promise.all([
    import('kysely'),
    importOptional('pg', 'to open postgresql:// databases', () => import('pg')),
  ]);
  const pg = pgModule.default;
  // BIGINT columns (timestamps, steps) come back as strings by default; every value we store fits a double.
  const parseInt8 = (value: string) => Number(value);
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === 20 ? parseInt8 : pg.types.getTypeParser(oid, format as 'text'),
  };
  const pool = new pg.Pool({ connectionString, max: poolSize, types });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  return new PostgresDialect({ pool });
}

/** PostgreSQL through a `pg` pool (`postgresql://…`). */
export const postgresAdapter: SqlAdapter = {
  name: 'postgres',
  createDialect: (location, options) => postgresDialect(location.connectionString!, options.poolSize ?? 10),
  // Postgres's LIKE is case-sensitive and its default escape is the backslash, as MLflow's patterns use.
  compare: (column, comparator, value) =>
    compareWith(
      (col, op, pattern) =>
        op === 'LIKE' ? sql<SqlBool>`${col} like ${pattern}` : sql<SqlBool>`${col} ilike ${pattern}`,
      column,
      comparator,
      value,
    ),
  isUniqueViolation: (error) => (error as { code?: unknown } | null)?.code === '23505',
  // forUpdate() returns the same builder type with the clause added.
  forUpdate: <Q extends SelectQueryBuilder<any, any, any>>(query: Q) => query.forUpdate() as Q,
  tableUsingIndex: (table) => sql.table(table),
  async syncSerial(db, table, column) {
    // nextval() reads the counter (consuming one value); setval(…, false) then puts back the next id to hand
    // out: the one just read, or the one after the largest row, whichever is greater.
    await sql`
      with seq as (select pg_get_serial_sequence(${table}, ${column}) as name),
           next as (select nextval((select name from seq)) as n),
           top as (select coalesce(max(${sql.ref(column)}), 0) + 1 as m from ${sql.table(table)})
      select setval((select name from seq), greatest((select n from next), (select m from top)), false)
    `.execute(db);
  },
  toColumnValue(type, value) {
    if (value === null || value === undefined) return null;
    if (type === 'boolean')
      return typeof value === 'string' ? value === '1' || value === 'true' : Boolean(value);
    // node-postgres would send a JS array as a Postgres array: JSON goes as its text.
    if (type === 'json' && typeof value === 'object' && !Buffer.isBuffer(value)) return JSON.stringify(value);
    return value;
  },
  async foreignKeys(db) {
    const { rows } = await sql<{ child: string; parent: string }>`
      select c.relname as child, p.relname as parent
      from pg_constraint k
      join pg_class c on c.oid = k.conrelid
      join pg_class p on p.oid = k.confrelid
      join pg_namespace n on n.oid = c.relnamespace and n.nspname = current_schema()
      where k.contype = 'f'`.execute(db);
    return groupParents(rows);
  },
};
