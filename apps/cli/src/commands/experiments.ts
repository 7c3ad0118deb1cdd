import { type Experiment, toWireExperiment, type ViewType } from '@flowline/core';
import { type Command, Option } from 'commander';
import { createOutput, formatTime, table } from '../output.js';
import { withStore } from '../tracking.js';
import type { GlobalOptions } from './globals.js';

const VIEWS: Record<string, ViewType> = {
  active_only: 'ACTIVE_ONLY',
  deleted_only: 'DELETED_ONLY',
  all: 'ALL',
};

function viewOption(): Option {
  return new Option('-v, --view <view>', 'which experiments to show')
    .choices(Object.keys(VIEWS))
    .default('active_only');
}

/** `flowline experiments create|search|rename|delete|restore`, as MLflow's CLI. */
export function registerExperiments(program: Command): void {
  const experiments = program
    .command('experiments')
    .description('Create, list, rename, delete and restore experiments.');

  experiments
    .command('create')
    .description('Create an experiment.')
    .requiredOption('-n, --experiment-name <name>', 'name of the new experiment')
    .option(
      '-l, --artifact-location <uri>',
      'where its runs store artifacts (default: under the server artifact root)',
    )
    .action(async (opts: { experimentName: string; artifactLocation?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const id = await withStore(g, (store) =>
        store.createExperiment({ name: opts.experimentName, artifactLocation: opts.artifactLocation }),
      );
      createOutput(g.json).result(
        { experiment_id: id },
        () => `Created experiment '${opts.experimentName}' with id ${id}`,
      );
    });

  experiments
    .command('search')
    .description('List experiments.')
    .addOption(viewOption())
    .option('--filter <filter>', 'MLflow filter, e.g. "name LIKE \'fraud%\'"')
    .action(async (opts: { view: string; filter?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const all: Experiment[] = [];
      await withStore(g, async (store) => {
        let pageToken: string | undefined;
        do {
          const page = await store.searchExperiments({
            viewType: VIEWS[opts.view],
            filter: opts.filter,
            pageToken,
            maxResults: 1000,
          });
          all.push(...page.items);
          pageToken = page.nextPageToken;
        } while (pageToken);
      });
      createOutput(g.json).result({ experiments: all.map(toWireExperiment) }, () =>
        table(
          ['Experiment Id', 'Name', 'Artifact Location', 'Stage', 'Created'],
          all.map((e) => [
            e.experimentId,
            e.name,
            e.artifactLocation,
            e.lifecycleStage,
            formatTime(e.creationTime),
          ]),
        ),
      );
    });

  experiments
    .command('rename')
    .description('Rename an active experiment.')
    .requiredOption('-x, --experiment-id <id>', 'experiment to rename')
    .requiredOption('--new-name <name>', 'its new name')
    .action(async (opts: { experimentId: string; newName: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await withStore(g, (store) => store.renameExperiment(opts.experimentId, opts.newName));
      createOutput(g.json).result(
        { experiment_id: opts.experimentId, name: opts.newName },
        () => `Experiment ${opts.experimentId} is now named '${opts.newName}'`,
      );
    });

  for (const [name, verb] of [
    ['delete', 'Delete (soft) an experiment and its runs; restore undoes it.'],
    ['restore', 'Restore a deleted experiment and its runs.'],
  ] as const) {
    experiments
      .command(name)
      .description(verb)
      .requiredOption('-x, --experiment-id <id>', 'experiment id')
      .action(async (opts: { experimentId: string }, cmd: Command) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        await withStore(g, (store) =>
          name === 'delete'
            ? store.deleteExperiment(opts.experimentId)
            : store.restoreExperiment(opts.experimentId),
        );
        createOutput(g.json).result(
          { experiment_id: opts.experimentId, [name === 'delete' ? 'deleted' : 'restored']: true },
          () =>
            name === 'delete'
              ? `Experiment with id ${opts.experimentId} has been deleted.`
              : `Experiment with id ${opts.experimentId} has been restored.`,
        );
      });
  }
}
