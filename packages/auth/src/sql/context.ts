import type { SqlAdapter } from '@flowline/db';
import type { Kysely } from 'kysely';
import type { AuthDatabase } from '../database.js';

/** What every area of the SQL auth store needs. */
export interface AuthContext {
  db: Kysely<AuthDatabase>;
  /** What differs between the dialects (unique violations, among others). */
  adapter: SqlAdapter;
}
