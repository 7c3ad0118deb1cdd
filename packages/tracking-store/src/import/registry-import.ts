import { join } from 'node:path';
import { isMlflowError, MlflowError } from '@flowline/core';
import { corrupt, listFolders, MetaFields, readKeyFiles, readMeta } from './file-store-files.js';
import type { ImportContext } from './import-context.js';

// The registry half of MLflow's file store (mlflow/store/model_registry/file_store.py):
//   models/<name>/meta.yaml, tags/<key>, aliases/<alias> (its file holds the version number),
//   models/<name>/version-<n>/meta.yaml and tags/<key>.

const STATUS_BY_NUMBER: Record<number, string> = {
  1: 'PENDING_REGISTRATION',
  2: 'FAILED_REGISTRATION',
  3: 'READY',
};
// MLflow's marker for a deleted version; the row stays so the number is never reused.
const DELETED_STAGE = 'Deleted_Internal';

interface VersionRow {
  name: string;
  version: number;
  creation_time: number | null;
  last_updated_time: number | null;
  description: string | null;
  user_id: string | null;
  current_stage: string;
  source: string | null;
  run_id: string | null;
  status: string;
  status_message: string | null;
  run_link: string | null;
  storage_location: string | null;
}

async function readVersion(dir: string, folder: string, name: string): Promise<VersionRow | null> {
  const meta = await readMeta(dir);
  if (!meta) return null;
  const f = new MetaFields(meta, join(dir, 'meta.yaml'));
  const fromFolder = Number(folder.slice('version-'.length));
  const version = f.int('version') ?? fromFolder;
  if (version !== fromFolder) throw corrupt(f.path, `it records version ${version} inside ${folder}`);
  if (version < 1 || version > 2_147_483_647)
    throw corrupt(f.path, `version ${version} is not a positive integer`);
  const status = f.meta.status;
  return {
    name,
    version,
    creation_time: f.int('creation_timestamp'),
    last_updated_time: f.int('last_updated_timestamp'),
    description: f.string('description'),
    user_id: f.string('user_id'),
    current_stage: f.string('current_stage') ?? 'None',
    source: f.string('source'),
    run_id: f.string('run_id'),
    status: (typeof status === 'number' ? STATUS_BY_NUMBER[status] : f.string('status')) ?? 'READY',
    status_message: f.string('status_message'),
    run_link: f.string('run_link'),
    storage_location: f.string('storage_location'),
  };
}

/**
 * Imports one registered model folder with its tags, versions (their tags, stages, sources, run ids) and
 * aliases, replacing what an earlier import wrote for that model name.
 */
export async function importRegisteredModel(
  ctx: ImportContext,
  dir: string,
  folder: string,
  seen: Map<string, string>,
): Promise<void> {
  const meta = await readMeta(dir);
  if (!meta) {
    ctx.warnings.push(`Skipped ${dir}: it has no meta.yaml, so it is not a registered model.`);
    return;
  }
  const f = new MetaFields(meta, join(dir, 'meta.yaml'));
  const name = f.string('name') ?? folder;
  if (name === '') throw corrupt(f.path, 'it has no model name');
  const twin = seen.get(name);
  if (twin) throw corrupt(dir, `registered model '${name}' is also in ${twin}`);
  seen.set(name, dir);

  const versions: Array<{ row: VersionRow; tags: Map<string, string> }> = [];
  for (const sub of (await listFolders(dir)).filter((n) => /^version-\d+$/.test(n))) {
    const row = await readVersion(join(dir, sub), sub, name);
    if (!row) {
      ctx.warnings.push(`Skipped ${join(dir, sub)}: it has no meta.yaml.`);
      continue;
    }
    versions.push({ row, tags: await readKeyFiles(join(dir, sub, 'tags')) });
  }
  versions.sort((a, b) => a.row.version - b.row.version);
  const tags = await readKeyFiles(join(dir, 'tags'));
  const live = new Set(
    versions.filter((v) => v.row.current_stage !== DELETED_STAGE).map((v) => v.row.version),
  );
  const aliases: Array<{ alias: string; version: number }> = [];
  for (const [alias, text] of await readKeyFiles(join(dir, 'aliases'))) {
    const version = Number(text.trim());
    if (!live.has(version)) {
      ctx.warnings.push(
        `Skipped alias '${alias}' of model '${name}': it points at version '${text.trim()}', which is not there.`,
      );
      continue;
    }
    aliases.push({ alias, version });
  }

  const { trx } = ctx;
  try {
    for (const table of [
      'model_version_tags',
      'registered_model_aliases',
      'model_versions',
      'registered_model_tags',
    ] as const)
      await trx.deleteFrom(table).where('name', '=', name).execute();
    await trx.deleteFrom('registered_models').where('name', '=', name).execute();
    await trx
      .insertInto('registered_models')
      .values({
        name,
        creation_time: f.int('creation_timestamp'),
        last_updated_time: f.int('last_updated_timestamp'),
        description: f.string('description'),
      })
      .execute();
    if (tags.size > 0)
      await trx
        .insertInto('registered_model_tags')
        .values([...tags].map(([key, value]) => ({ name, key, value })))
        .execute();
    for (const { row, tags: versionTags } of versions) {
      await trx.insertInto('model_versions').values(row).execute();
      if (versionTags.size > 0)
        await trx
          .insertInto('model_version_tags')
          .values([...versionTags].map(([key, value]) => ({ name, version: row.version, key, value })))
          .execute();
      ctx.counts.modelVersionTags += versionTags.size;
    }
    if (aliases.length > 0)
      await trx
        .insertInto('registered_model_aliases')
        .values(aliases.map((a) => ({ name, ...a })))
        .execute();
  } catch (error) {
    if (isMlflowError(error)) throw error;
    throw MlflowError.internal(
      `Could not write registered model '${name}' from ${dir}: ${(error as Error)?.message ?? error}`,
      { cause: error },
    );
  }
  ctx.counts.registeredModels++;
  ctx.counts.registeredModelTags += tags.size;
  ctx.counts.modelVersions += versions.length;
  ctx.counts.registeredModelAliases += aliases.length;
}
