import type { FileStoreImport } from '@flowline/tracking-store';
import type { Command } from 'commander';
import { createOutput, table } from '../output.js';
import { countProgress } from '../progress.js';
import type { GlobalOptions } from './globals.js';

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function importJson(result: FileStoreImport): unknown {
  return {
    source: result.source,
    target: result.target,
    counts: Object.fromEntries(Object.entries(result.counts).map(([k, v]) => [snake(k), v])),
    renumbered_experiments: result.renumberedExperiments.map((e) => ({
      name: e.name,
      file_store_id: e.fileStoreId,
      experiment_id: e.experimentId,
    })),
    warnings: result.warnings,
  };
}

function importText(result: FileStoreImport): string {
  const rows = Object.entries(result.counts).map(([k, v]) => [snake(k), v]);
  const lines = [`Imported ${result.source} into ${result.target}:`, table(['table', 'rows'], rows)];
  if (result.renumberedExperiments.length > 0) {
    lines.push("Experiments whose file-store ids do not fit Flowline's integer ids got new ones:");
    for (const e of result.renumberedExperiments)
      lines.push(`  ${e.fileStoreId} -> ${e.experimentId}  ${e.name}`);
  }
  lines.push(`Artifacts stay where they are. Serve it: flowline server --backend-store-uri ${result.target}`);
  return lines.join('\n');
}

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
      'store URI: sqlite:///path.db or postgresql://… (default: $MLFLOW_BACKEND_STORE_URI or sqlite:///mlflow.db)',
    )
    .action(async (given: string | undefined, _opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { DEFAULT_STORE_URI, openDatabase, redactUri } = await import('@flowline/db');
      const url = given ?? process.env.MLFLOW_BACKEND_STORE_URI ?? DEFAULT_STORE_URI;
      const database = await openDatabase(url);
      try {
        const report = await database.migrate();
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

  db.command('import-filestore')
    .description(
      "Import an MLflow file store (./mlruns) into a database, as MLflow's migrate-filestore: experiments " +
        '(deleted ones too), runs with params, tags, metric history and dataset inputs, and the model registry. ' +
        'Artifacts stay where they are. One transaction: a failure changes nothing; running it again is safe.',
    )
    .argument(
      '<dir>',
      'the file store folder (what mlflow server --backend-store-uri pointed at), or a file: URI',
    )
    .requiredOption('--to <uri>', 'the database to import into: sqlite:///flowline.db or postgresql://…')
    .action(async (dir: string, opts: { to: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const progress = countProgress('importing', !g.json && process.stderr.isTTY === true);
      const { importFileStore } = await import('@flowline/tracking-store');
      let result: FileStoreImport;
      try {
        result = await importFileStore(dir, opts.to, {
          onProgress: (done, total) => progress.update(done, total),
        });
      } finally {
        progress.stop();
      }
      if (!g.json) for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
      createOutput(g.json).result(importJson(result), () => importText(result));
    });

  db.command('copy')
    .description(
      'Copy every row of one database into another, SQLite and Postgres either way (a single machine moving to a team server): ' +
        'the target is brought to the current schema and must hold no data; one transaction, so a failure changes nothing. Artifacts stay where they are.',
    )
    .requiredOption('--from <uri>', 'the database to copy: sqlite:///mlflow.db or postgresql://…')
    .requiredOption('--to <uri>', 'the empty database to copy into')
    .action(async (opts: { from: string; to: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { copyDatabase, openDatabase, redactUri } = await import('@flowline/db');
      const source = await openDatabase(opts.from);
      try {
        const target = await openDatabase(opts.to);
        const progress = countProgress('copying rows', !g.json && process.stderr.isTTY === true);
        try {
          const result = await copyDatabase(source, target, {
            onProgress: (done, total) => progress.update(done, total),
          });
          progress.stop();
          const copied = result.tables.filter((t) => t.rows > 0);
          createOutput(g.json).result(
            {
              from: redactUri(opts.from),
              to: redactUri(opts.to),
              rows: result.rows,
              tables: Object.fromEntries(result.tables.map((t) => [t.table, t.rows])),
            },
            () =>
              [
                `Copied ${result.rows} rows from ${redactUri(opts.from)} to ${redactUri(opts.to)}:`,
                table(
                  ['table', 'rows'],
                  copied.map((t) => [t.table, t.rows]),
                ),
                `Artifacts stay where they are. Serve it: flowline server --backend-store-uri ${redactUri(opts.to)}`,
              ].join('\n'),
          );
        } finally {
          progress.stop();
          await target.close();
        }
      } finally {
        await source.close();
      }
    });
}
