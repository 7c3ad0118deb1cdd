import { type Kysely, sql } from 'kysely';
import type { SqlDialectName } from './dialect.js';

/**
 * After experiments were inserted with explicit ids (an import keeps MLflow's ids), makes the next id the
 * database generates come after the largest one. Postgres's `serial` keeps its own counter, which explicit
 * inserts do not move; SQLite's integer key already continues from the largest row. The counter only moves
 * forward, so ids that were handed out before are never reused.
 */
export async function syncExperimentIdSequence(db: Kysely<any>, dialect: SqlDialectName): Promise<void> {
  if (dialect !== 'postgres') return;
  // nextval() reads the counter (consuming one value); setval(…, false) then puts back the next id to hand
  // out: the one just read, or the one after the largest row, whichever is greater.
  await sql`
    with seq as (select pg_get_serial_sequence('experiments', 'experiment_id') as name),
         next as (select nextval((select name from seq)) as n),
         top as (select coalesce(max(experiment_id), 0) + 1 as m from experiments)
    select setval((select name from seq), greatest((select n from next), (select m from top)), false)
  `.execute(db);
}
