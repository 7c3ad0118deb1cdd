import type { SqlDialectName } from '@flowline/db';
import type { Kysely } from 'kysely';
import type { AuthDatabase } from '../database.js';

/** What every area of the SQL auth store needs. */
export interface AuthContext {
  db: Kysely<AuthDatabase>;
  dialect: SqlDialectName;
}

/** True for a unique or primary-key violation, as either driver reports it. */
export function isUniqueViolation(error: unknown): boolean {
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
