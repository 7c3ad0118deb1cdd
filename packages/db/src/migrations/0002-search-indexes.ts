import type { Kysely, Migration } from 'kysely';

// Flowline's own indexes: search filters and orders look rows up by (key, value) across runs, which MLflow's
// run-keyed indexes cannot serve. Names start with `flowline_` so they never clash with MLflow's.
const INDEXES: ReadonlyArray<[string, string, string[]]> = [
  ['flowline_latest_metrics_key_value', 'latest_metrics', ['key', 'value', 'run_uuid']],
  ['flowline_params_key_value', 'params', ['key', 'run_uuid']],
  ['flowline_tags_key_value', 'tags', ['key', 'run_uuid']],
  ['flowline_runs_experiment_start_time', 'runs', ['experiment_id', 'start_time', 'run_uuid']],
  ['flowline_experiment_tags_experiment', 'experiment_tags', ['experiment_id']],
  ['flowline_input_tags_input', 'input_tags', ['input_uuid']],
];

/** Adds the indexes that search needs beyond MLflow's own. */
export const searchIndexesMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    for (const [name, table, columns] of INDEXES) {
      await db.schema.createIndex(name).ifNotExists().on(table).columns(columns).execute();
    }
  },
  async down(db: Kysely<any>): Promise<void> {
    for (const [name] of INDEXES) await db.schema.dropIndex(name).ifExists().execute();
  },
};
