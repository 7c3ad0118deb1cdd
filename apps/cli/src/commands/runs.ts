import { type Run, toWireRun, type ViewType } from '@flowline/core';
import { type Command, Option } from 'commander';
import { wholeNumber } from '../arguments.js';
import { createOutput, formatTime, table } from '../output.js';
import { withStore } from '../tracking.js';
import type { GlobalOptions } from './globals.js';

const VIEWS: Record<string, ViewType> = {
  active_only: 'ACTIVE_ONLY',
  deleted_only: 'DELETED_ONLY',
  all: 'ALL',
};

function duration(run: Run): string {
  if (run.info.startTime === null || run.info.endTime === null) return '';
  const s = Math.round((run.info.endTime - run.info.startTime) / 1000);
  return s < 60
    ? `${s}s`
    : s < 3600
      ? `${Math.floor(s / 60)}m ${s % 60}s`
      : `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

function describe(run: Run): string {
  const lines = [
    `Run ${run.info.runId} (${run.info.runName})`,
    `  experiment: ${run.info.experimentId}   status: ${run.info.status}   stage: ${run.info.lifecycleStage}`,
    `  started: ${formatTime(run.info.startTime)}   ended: ${formatTime(run.info.endTime) || '-'}   duration: ${duration(run) || '-'}`,
    `  artifacts: ${run.info.artifactUri}`,
  ];
  const section = (title: string, rows: string[][]) => {
    if (rows.length > 0) lines.push('', `${title}:`, table(['Key', 'Value'], rows));
  };
  section(
    'Params',
    run.data.params.map((p) => [p.key, p.value]),
  );
  section(
    'Metrics (latest)',
    run.data.metrics.map((m) => [m.key, `${m.value} (step ${m.step})`]),
  );
  section(
    'Tags',
    run.data.tags.map((t) => [t.key, t.value]),
  );
  section(
    'Datasets',
    run.inputs.datasetInputs.map((d) => [
      `${d.dataset.name} (${d.dataset.digest})`,
      d.tags.map((t) => `${t.key}=${t.value}`).join(', '),
    ]),
  );
  return lines.join('\n');
}

/** `flowline runs list|describe|delete|restore`, as MLflow's CLI. */
export function registerRuns(program: Command): void {
  const runs = program.command('runs').description('List, describe, delete and restore runs.');

  runs
    .command('list')
    .description('List the runs of an experiment, newest first.')
    .requiredOption('--experiment-id <id>', 'experiment whose runs to list')
    .addOption(
      new Option('-v, --view <view>', 'which runs to show')
        .choices(Object.keys(VIEWS))
        .default('active_only'),
    )
    .option('--filter <filter>', 'MLflow filter, e.g. "metrics.acc > 0.9"')
    .option('--order-by <clause...>', "order, e.g. 'metrics.acc DESC'")
    .option('--max-results <n>', 'stop after this many runs', wholeNumber('--max-results'))
    .action(
      async (
        opts: {
          experimentId: string;
          view: string;
          filter?: string;
          orderBy?: string[];
          maxResults?: number;
        },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        const all: Run[] = [];
        await withStore(g, async (store) => {
          await store.getExperiment(opts.experimentId);
          let pageToken: string | undefined;
          do {
            const remaining =
              opts.maxResults === undefined ? 1000 : Math.min(1000, opts.maxResults - all.length);
            if (remaining <= 0) break;
            const page = await store.searchRuns({
              experimentIds: [opts.experimentId],
              runViewType: VIEWS[opts.view],
              filter: opts.filter,
              orderBy: opts.orderBy,
              maxResults: remaining,
              pageToken,
            });
            all.push(...page.items);
            pageToken = page.nextPageToken;
          } while (pageToken);
        });
        createOutput(g.json).result({ runs: all.map(toWireRun) }, () =>
          table(
            ['Date', 'Name', 'ID', 'Status', 'Duration'],
            all.map((r) => [
              formatTime(r.info.startTime),
              r.info.runName,
              r.info.runId,
              r.info.status,
              duration(r),
            ]),
          ),
        );
      },
    );

  runs
    .command('describe')
    .description('Show a run: info, params, latest metrics, tags and datasets.')
    .requiredOption('--run-id <id>', 'run to show')
    .action(async (opts: { runId: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const run = await withStore(g, (store) => store.getRun(opts.runId));
      createOutput(g.json).result({ run: toWireRun(run) }, () => describe(run));
    });

  for (const name of ['delete', 'restore'] as const) {
    runs
      .command(name)
      .description(name === 'delete' ? 'Delete (soft) a run; restore undoes it.' : 'Restore a deleted run.')
      .requiredOption('--run-id <id>', 'run id')
      .action(async (opts: { runId: string }, cmd: Command) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        await withStore(g, (store) =>
          name === 'delete' ? store.deleteRun(opts.runId) : store.restoreRun(opts.runId),
        );
        createOutput(g.json).result(
          { run_id: opts.runId, [name === 'delete' ? 'deleted' : 'restored']: true },
          () => `Run with id ${opts.runId} has been ${name === 'delete' ? 'deleted' : 'restored'}.`,
        );
      });
  }
}
