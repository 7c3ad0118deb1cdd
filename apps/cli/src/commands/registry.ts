import {
  type ModelVersion,
  type RegisteredModel,
  type RegistryStore,
  toWireModelVersion,
  toWireRegisteredModel,
} from '@flowline/core';
import type { Command } from 'commander';
import { createOutput, formatTime, table } from '../output.js';
import { openTracking, openTrackingRegistry } from '../tracking.js';
import type { GlobalOptions } from './globals.js';

async function withRegistry<T>(g: GlobalOptions, fn: (registry: RegistryStore) => Promise<T>): Promise<T> {
  const tracking = await openTracking(g);
  try {
    const registry = await openTrackingRegistry(tracking);
    try {
      return await fn(registry);
    } finally {
      await registry.close();
    }
  } finally {
    await tracking.store.close();
  }
}

function versionsTable(versions: ModelVersion[]): string {
  return table(
    ['Name', 'Version', 'Stage', 'Aliases', 'Source', 'Created'],
    versions.map((v) => [
      v.name,
      v.version,
      v.currentStage,
      v.aliases.join(', '),
      v.source,
      formatTime(v.creationTimestamp),
    ]),
  );
}

function describeModel(m: RegisteredModel): string {
  const head = `${m.name}${m.description ? ` — ${m.description}` : ''}\n  created ${formatTime(m.creationTimestamp)}, updated ${formatTime(m.lastUpdatedTimestamp)}`;
  const aliases =
    m.aliases.length > 0
      ? `\n  aliases: ${m.aliases.map((a) => `${a.alias} → v${a.version}`).join(', ')}`
      : '';
  const tags = m.tags.length > 0 ? `\n  tags: ${m.tags.map((t) => `${t.key}=${t.value}`).join(', ')}` : '';
  return `${head}${aliases}${tags}\n\nLatest versions:\n${versionsTable(m.latestVersions)}`;
}

/** `flowline registered-models …` and `flowline model-versions …`: the model registry from the command line. */
export function registerRegistry(program: Command): void {
  const models = program
    .command('registered-models')
    .description('Create, list, describe, rename, tag, alias and delete registered models.');
  models
    .command('create')
    .description('Create a registered model.')
    .requiredOption('-n, --name <name>', 'model name')
    .option('-d, --description <text>', 'description')
    .action(async (opts: { name: string; description?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const m = await withRegistry(g, (r) =>
        r.createRegisteredModel({ name: opts.name, description: opts.description }),
      );
      createOutput(g.json).result(
        { registered_model: toWireRegisteredModel(m) },
        () => `Created registered model '${m.name}'.`,
      );
    });
  models
    .command('list')
    .description('List registered models.')
    .option('--filter <filter>', 'MLflow filter, e.g. "name LIKE \'fraud%\'"')
    .action(async (opts: { filter?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const all = await withRegistry(g, async (r) => {
        const out: RegisteredModel[] = [];
        let pageToken: string | undefined;
        do {
          const page = await r.searchRegisteredModels({ filter: opts.filter, maxResults: 1000, pageToken });
          out.push(...page.items);
          pageToken = page.nextPageToken;
        } while (pageToken);
        return out;
      });
      createOutput(g.json).result({ registered_models: all.map(toWireRegisteredModel) }, () =>
        table(
          ['Name', 'Latest versions', 'Aliases', 'Updated'],
          all.map((m) => [
            m.name,
            m.latestVersions.map((v) => `v${v.version} (${v.currentStage})`).join(', '),
            m.aliases.map((a) => `${a.alias}→v${a.version}`).join(', '),
            formatTime(m.lastUpdatedTimestamp),
          ]),
        ),
      );
    });
  models
    .command('describe')
    .description('Show a registered model: description, aliases, tags and latest versions.')
    .requiredOption('-n, --name <name>', 'model name')
    .action(async (opts: { name: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const m = await withRegistry(g, (r) => r.getRegisteredModel(opts.name));
      createOutput(g.json).result({ registered_model: toWireRegisteredModel(m) }, () => describeModel(m));
    });
  models
    .command('rename')
    .description('Rename a registered model; its versions follow.')
    .requiredOption('-n, --name <name>', 'current name')
    .requiredOption('--new-name <name>', 'new name')
    .action(async (opts: { name: string; newName: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const m = await withRegistry(g, (r) => r.renameRegisteredModel(opts.name, opts.newName));
      createOutput(g.json).result(
        { registered_model: toWireRegisteredModel(m) },
        () => `Renamed '${opts.name}' to '${m.name}'.`,
      );
    });
  models
    .command('delete')
    .description('Delete a registered model and all its versions.')
    .requiredOption('-n, --name <name>', 'model name')
    .action(async (opts: { name: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await withRegistry(g, (r) => r.deleteRegisteredModel(opts.name));
      createOutput(g.json).result(
        { name: opts.name, deleted: true },
        () => `Deleted registered model '${opts.name}'.`,
      );
    });
  models
    .command('set-tag')
    .description('Set a tag on a registered model.')
    .requiredOption('-n, --name <name>', 'model name')
    .requiredOption('-k, --key <key>', 'tag key')
    .requiredOption('-v, --value <value>', 'tag value')
    .action(async (opts: { name: string; key: string; value: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await withRegistry(g, (r) => r.setRegisteredModelTag(opts.name, { key: opts.key, value: opts.value }));
      createOutput(g.json).result(
        { name: opts.name, key: opts.key, value: opts.value },
        () => `Tagged '${opts.name}' ${opts.key}=${opts.value}.`,
      );
    });
  models
    .command('set-alias')
    .description('Point an alias at a version (moves it if it pointed elsewhere).')
    .requiredOption('-n, --name <name>', 'model name')
    .requiredOption('-a, --alias <alias>', 'alias, e.g. champion')
    .requiredOption('-v, --version <version>', 'version number')
    .action(async (opts: { name: string; alias: string; version: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await withRegistry(g, (r) => r.setRegisteredModelAlias(opts.name, opts.alias, opts.version));
      createOutput(g.json).result(
        { name: opts.name, alias: opts.alias, version: opts.version },
        () => `models:/${opts.name}@${opts.alias} → version ${opts.version}`,
      );
    });
  models
    .command('delete-alias')
    .description('Remove an alias.')
    .requiredOption('-n, --name <name>', 'model name')
    .requiredOption('-a, --alias <alias>', 'alias')
    .action(async (opts: { name: string; alias: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await withRegistry(g, (r) => r.deleteRegisteredModelAlias(opts.name, opts.alias));
      createOutput(g.json).result(
        { name: opts.name, alias: opts.alias, deleted: true },
        () => `Removed alias '${opts.alias}' of '${opts.name}'.`,
      );
    });

  const versions = program
    .command('model-versions')
    .description('Create, list, describe, stage and delete model versions.');
  versions
    .command('create')
    .description('Register a new version of a model from a source (e.g. runs:/<run_id>/model).')
    .requiredOption('-n, --name <name>', 'registered model')
    .requiredOption(
      '-s, --source <uri>',
      'where the model is: runs:/<run_id>/<path>, or a path inside a run’s artifacts',
    )
    .option('--run-id <id>', 'the run that produced it')
    .option('-d, --description <text>', 'description')
    .action(
      async (opts: { name: string; source: string; runId?: string; description?: string }, cmd: Command) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        const runId = opts.runId ?? /^runs:\/\/?([^/]+)/.exec(opts.source)?.[1];
        const v = await withRegistry(g, (r) =>
          r.createModelVersion({
            name: opts.name,
            source: opts.source,
            runId,
            description: opts.description,
          }),
        );
        createOutput(g.json).result(
          { model_version: toWireModelVersion(v) },
          () => `Created version ${v.version} of '${v.name}'.`,
        );
      },
    );
  versions
    .command('list')
    .description('List model versions.')
    .option('-n, --name <name>', 'only this model')
    .option('--filter <filter>', 'MLflow filter, e.g. "run_id = \'…\'"')
    .action(async (opts: { name?: string; filter?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const filter =
        [opts.name ? `name = '${opts.name.replaceAll("'", "''")}'` : '', opts.filter ?? '']
          .filter(Boolean)
          .join(' AND ') || undefined;
      const page = await withRegistry(g, (r) => r.searchModelVersions({ filter, maxResults: 10_000 }));
      createOutput(g.json).result({ model_versions: page.items.map(toWireModelVersion) }, () =>
        versionsTable(page.items),
      );
    });
  versions
    .command('describe')
    .description('Show one version.')
    .requiredOption('-n, --name <name>', 'registered model')
    .requiredOption('-v, --version <version>', 'version number')
    .action(async (opts: { name: string; version: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const v = await withRegistry(g, (r) => r.getModelVersion(opts.name, opts.version));
      createOutput(g.json).result({ model_version: toWireModelVersion(v) }, () => versionsTable([v]));
    });
  versions
    .command('transition')
    .description('Move a version to a stage (None, Staging, Production, Archived).')
    .requiredOption('-n, --name <name>', 'registered model')
    .requiredOption('-v, --version <version>', 'version number')
    .requiredOption('-s, --stage <stage>', 'target stage')
    .option('--archive-existing-versions', 'archive the versions already in that stage', false)
    .action(
      async (
        opts: { name: string; version: string; stage: string; archiveExistingVersions: boolean },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        const v = await withRegistry(g, (r) =>
          r.transitionModelVersionStage(opts.name, opts.version, opts.stage, opts.archiveExistingVersions),
        );
        createOutput(g.json).result(
          { model_version: toWireModelVersion(v) },
          () => `Version ${v.version} of '${v.name}' is now in ${v.currentStage}.`,
        );
      },
    );
  versions
    .command('delete')
    .description('Delete a version (its number is not reused).')
    .requiredOption('-n, --name <name>', 'registered model')
    .requiredOption('-v, --version <version>', 'version number')
    .action(async (opts: { name: string; version: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await withRegistry(g, (r) => r.deleteModelVersion(opts.name, opts.version));
      createOutput(g.json).result(
        { name: opts.name, version: opts.version, deleted: true },
        () => `Deleted version ${opts.version} of '${opts.name}'.`,
      );
    });
}
