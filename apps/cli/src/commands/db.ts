import { DEFAULT_STORE_URI, migrateToLatest, openDatabase, redactUri } from '@flowline/db';
import type { Command } from 'commander';
import { createOutput } from '../output.js';
import type { GlobalOptions } from './globals.js';

/**
 * `flowline db upgrade <url>`: applies pending migrations (creates MLflow's tables at MLflow's head revision, adopts
 * MLflow databases); reports the database's MLflow revision as `alembic_revision`.
 */
export function registerDb(program: Command): void {
  const db = program.command('db').description('Manage the metadata database.');
  db.command('upgrade')
    .description(
      'Bring a database to the current schema (safe to run again; existing MLflow databases are adopted in place).',
    )
    .argument(
      '[url]',
      'store URI: sqlite:///path.db or postgresql://…',
      process.env.MLFLOW_BACKEND_STORE_URI ?? DEFAULT_STORE_URI,
    )
    .action(async (url: string, _opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const database = await openDatabase(url);
      try {
        const report = await migrateToLatest(database.db, database.dialect);
        createOutput(g.json).result(
          { url: redactUri(url), applied: report.applied, alembic_revision: report.alembicRevision },
          () =>
            report.applied.length === 0
              ? `${redactUri(url)} is up to date.`
              : `Upgraded ${redactUri(url)}: applied ${report.applied.join(', ')}` +
                (report.adopted
                  ? ` (adopted MLflow database at revision ${report.alembicRevision})`
                  : report.alembicRevision
                    ? ` (MLflow schema revision ${report.alembicRevision})`
                    : ''),
        );
      } finally {
        await database.close();
      }
    });
}
