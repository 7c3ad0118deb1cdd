import type { Clock } from '@flowline/core';
import type { Database, SqlDialectName } from '@flowline/db';
import type { Kysely } from 'kysely';

/** What every store area needs: the database, its dialect, the clock and the default artifact root. */
export interface StoreContext {
  db: Kysely<Database>;
  dialect: SqlDialectName;
  clock: Clock;
  artifactRoot: string;
}
