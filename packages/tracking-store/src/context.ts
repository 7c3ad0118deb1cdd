import type { Clock, ValueLengthPolicy } from '@flowline/core';
import type { Database, SqlAdapter } from '@flowline/db';
import type { Kysely } from 'kysely';

/** What every store area needs: the database, its dialect's adapter, the clock and the default artifact root. */
export interface StoreContext {
  db: Kysely<Database>;
  adapter: SqlAdapter;
  clock: Clock;
  artifactRoot: string;
  /** The working folder relative artifact locations resolve against (MLflow: the server's). */
  cwd: string;
  /** Whether over-long param and tag values are cut to their limit (MLflow's default) or refused. */
  values: ValueLengthPolicy;
}
