import type { SqlDialectName } from '../dialect.js';
import { postgresAdapter } from './postgres/postgres-adapter.js';
import type { SqlAdapter } from './sql-adapter.js';
import { sqliteAdapter } from './sqlite/sqlite-adapter.js';

const ADAPTERS: Record<SqlDialectName, SqlAdapter> = { sqlite: sqliteAdapter, postgres: postgresAdapter };

/** The adapter for a dialect. */
export function adapterFor(dialect: SqlDialectName): SqlAdapter {
  return ADAPTERS[dialect];
}
