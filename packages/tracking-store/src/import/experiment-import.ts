import { join } from 'node:path';
import { MlflowError } from '@flowline/core';
import type { Database } from '@flowline/db';
import type { Transaction } from 'kysely';
import { experimentKey } from '../experiments.js';
import { corrupt, listFolders, MetaFields, readKeyFiles, readMeta, stableUuid } from './file-store-files.js';
import type { ImportContext } from './import-context.js';

/** An experiment folder of the file store: `<root>/<id>`, or `<root>/.trash/<id>` once deleted. */
export interface ExperimentFolder {
  path: string;
  /** The folder name, which is the experiment's id in the file store. */
  id: string;
  trashed: boolean;
  /** Names of the run folders inside. */
  runs: string[];
}

/** An experiment read from its folder, and the id it gets in the database. */
export interface PlannedExperiment {
  folder: ExperimentFolder;
  name: string;
  artifactLocation: string | null;
  lifecycleStage: 'active' | 'deleted';
  creationTime: number | null;
  lastUpdateTime: number | null;
  tags: Map<string, string>;
  /** The database id: the file store's own when it fits Flowline's integer ids (see `assignExperimentIds`). */
  targetId: number;
}

// Postgres's varchar(256) (`experiments.name`): a renamed duplicate must still fit.
const MAX_NAME = 256;

/** Reads every experiment folder's meta.yaml and tags; folders MLflow itself would ignore are skipped. */
export async function readExperiments(
  folders: ExperimentFolder[],
  warnings: string[],
): Promise<PlannedExperiment[]> {
  const out: PlannedExperiment[] = [];
  for (const folder of folders) {
    const meta = await readMeta(folder.path);
    if (!meta) {
      warnings.push(`Skipped ${folder.path}: it has no meta.yaml, so it is not an experiment.`);
      continue;
    }
    const path = join(folder.path, 'meta.yaml');
    const f = new MetaFields(meta, path);
    const recordedId = f.string('experiment_id');
    if (recordedId !== null && recordedId !== folder.id) {
      // MLflow's file store ignores such an experiment (and its runs) with the same warning.
      warnings.push(
        `Skipped ${folder.path}: its meta.yaml records experiment id '${recordedId}', not '${folder.id}', so MLflow ignores it too.`,
      );
      continue;
    }
    const name = f.string('name');
    if (!name) throw corrupt(path, 'it has no experiment name');
    const stage = folder.trashed ? 'deleted' : (f.string('lifecycle_stage') ?? 'active');
    if (stage !== 'active' && stage !== 'deleted')
      throw corrupt(path, `lifecycle_stage should be 'active' or 'deleted', got '${stage}'`);
    out.push({
      folder,
      name,
      artifactLocation: f.string('artifact_location'),
      lifecycleStage: stage,
      creationTime: f.int('creation_time'),
      lastUpdateTime: f.int('last_update_time'),
      tags: await readKeyFiles(join(folder.path, 'tags')),
      targetId: -1,
    });
  }
  renameDuplicates(out, warnings);
  return out;
}

/**
 * The database has one experiment per name, the file store may not: a deleted experiment can share its
 * name with a live one created after it. Live experiments keep their names; later duplicates get the file
 * store id appended.
 */
function renameDuplicates(experiments: PlannedExperiment[], warnings: string[]): void {
  const taken = new Set<string>();
  const ordered = [...experiments].sort((a, b) => Number(a.folder.trashed) - Number(b.folder.trashed));
  for (const exp of ordered) {
    if (taken.has(exp.name)) {
      const suffix = ` (file store id ${exp.folder.id})`;
      const renamed = exp.name.slice(0, MAX_NAME - suffix.length) + suffix;
      warnings.push(
        `Experiment ${exp.folder.id} ('${exp.name}', ${exp.lifecycleStage}) is imported as '${renamed}': another experiment has its name.`,
      );
      exp.name = renamed;
    }
    taken.add(exp.name);
  }
}

function conflict(detail: string): MlflowError {
  return MlflowError.resourceAlreadyExists(
    `Cannot import the file store: ${detail}. Import into a new database (such as sqlite:///flowline.db), ` +
      'or rename one of the experiments first; nothing was imported.',
  );
}

/**
 * Chooses each experiment's database id. An id that fits Flowline's integer ids (0, and the small ids a SQL
 * store hands out) is kept; MLflow's file store makes up 18-digit ids, which do not fit, so those are matched
 * by name to an experiment this import wrote before (importing again changes nothing) or numbered after the
 * largest id in use. An id or name already used by a different experiment in the database is a conflict,
 * except the `Default` experiment 0 that every Flowline database starts with.
 */
export async function assignExperimentIds(
  trx: Transaction<Database>,
  experiments: PlannedExperiment[],
): Promise<void> {
  const existing = await trx.selectFrom('experiments').select(['experiment_id', 'name']).execute();
  const nameOf = new Map(existing.map((e) => [Number(e.experiment_id), e.name]));
  const idOf = new Map(existing.map((e) => [e.name, Number(e.experiment_id)]));
  const claimed = new Map<number, PlannedExperiment>();
  const liveIds = new Set(experiments.filter((e) => !e.folder.trashed).map((e) => e.folder.id));
  const renumbered: PlannedExperiment[] = [];
  for (const exp of experiments) {
    // A deleted experiment whose id a live one uses again (restore would refuse it) needs a new id.
    const key = exp.folder.trashed && liveIds.has(exp.folder.id) ? null : experimentKey(exp.folder.id);
    if (key === null) {
      renumbered.push(exp);
      continue;
    }
    const current = nameOf.get(key);
    if (current !== undefined && current !== exp.name && key !== 0)
      throw conflict(
        `the database's experiment ${key} is '${current}', but the file store's experiment ${key} is '${exp.name}'`,
      );
    const holder = idOf.get(exp.name);
    if (holder !== undefined && holder !== key)
      throw conflict(`the database already has an experiment named '${exp.name}' (id ${holder})`);
    exp.targetId = key;
    claimed.set(key, exp);
  }
  let next = Math.max(0, ...nameOf.keys(), ...claimed.keys()) + 1;
  renumbered.sort(
    (a, b) => (a.creationTime ?? 0) - (b.creationTime ?? 0) || (a.folder.id < b.folder.id ? -1 : 1),
  );
  for (const exp of renumbered) {
    const holder = idOf.get(exp.name);
    if (holder !== undefined && claimed.has(holder))
      throw conflict(
        `the name '${exp.name}' is used by the database's experiment ${holder} and by another one`,
      );
    exp.targetId = holder ?? next++;
    claimed.set(exp.targetId, exp);
  }
}

/** Writes the experiment row (inserted, or updated from an earlier import) and replaces its tags. */
export async function writeExperiment(ctx: ImportContext, exp: PlannedExperiment): Promise<void> {
  await ctx.trx
    .insertInto('experiments')
    .values({
      experiment_id: exp.targetId,
      name: exp.name,
      artifact_location: exp.artifactLocation,
      lifecycle_stage: exp.lifecycleStage,
      creation_time: exp.creationTime,
      last_update_time: exp.lastUpdateTime,
    })
    .onConflict((oc) =>
      oc.column('experiment_id').doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'),
        artifact_location: eb.ref('excluded.artifact_location'),
        lifecycle_stage: eb.ref('excluded.lifecycle_stage'),
        creation_time: eb.ref('excluded.creation_time'),
        last_update_time: eb.ref('excluded.last_update_time'),
      })),
    )
    .execute();
  await ctx.trx.deleteFrom('experiment_tags').where('experiment_id', '=', exp.targetId).execute();
  if (exp.tags.size > 0) {
    await ctx.trx
      .insertInto('experiment_tags')
      .values([...exp.tags].map(([key, value]) => ({ experiment_id: exp.targetId, key, value })))
      .execute();
  }
  ctx.counts.experiments++;
  ctx.counts.experimentTags += exp.tags.size;
}

/**
 * Writes the experiment's datasets (`<experiment>/datasets/<id>/meta.yaml`) and answers, per dataset folder,
 * its `dataset_uuid` for the runs' inputs. Ids derive from the experiment and folder, so they are stable.
 */
export async function writeDatasets(
  ctx: ImportContext,
  exp: PlannedExperiment,
): Promise<Map<string, string>> {
  const byFolder = new Map<string, string>();
  const root = join(exp.folder.path, 'datasets');
  for (const dir of await listFolders(root)) {
    const meta = await readMeta(join(root, dir));
    if (!meta) {
      ctx.warnings.push(`Skipped ${join(root, dir)}: it has no meta.yaml.`);
      continue;
    }
    const path = join(root, dir, 'meta.yaml');
    const f = new MetaFields(meta, path);
    const name = f.string('name');
    const digest = f.string('digest');
    if (!name || digest === null) throw corrupt(path, 'a dataset needs a name and a digest');
    const row = await ctx.trx
      .insertInto('datasets')
      .values({
        dataset_uuid: stableUuid(`dataset/${exp.targetId}/${dir}`),
        experiment_id: exp.targetId,
        name,
        digest,
        dataset_source_type: f.string('source_type') ?? '',
        dataset_source: f.string('source') ?? '',
        dataset_schema: f.string('schema'),
        dataset_profile: f.string('profile'),
      })
      .onConflict((oc) =>
        oc.columns(['experiment_id', 'name', 'digest']).doUpdateSet((eb) => ({
          dataset_source_type: eb.ref('excluded.dataset_source_type'),
          dataset_source: eb.ref('excluded.dataset_source'),
          dataset_schema: eb.ref('excluded.dataset_schema'),
          dataset_profile: eb.ref('excluded.dataset_profile'),
        })),
      )
      .returning('dataset_uuid')
      .executeTakeFirstOrThrow();
    if (![...byFolder.values()].includes(row.dataset_uuid)) ctx.counts.datasets++;
    byFolder.set(dir, row.dataset_uuid);
  }
  return byFolder;
}
