import {
  type CreateModelVersionInput,
  MlflowError,
  MODEL_STAGES,
  type ModelStage,
  type ModelVersion,
  type Page,
  parseModelsUri,
  type RegistrySearchOptions,
  type RegistryTag,
  validateLength,
} from '@flowline/core';
import type { RegistryContext } from './context.js';
import { loggedModelSource, recordModelVersion } from './logged-model-source.js';
import { checkTag } from './models.js';
import { DELETED_STAGE, hydrateVersions, parseVersion, requireModelRow, requireVersionRow } from './rows.js';
import { searchVersionRows } from './search/registry-search.js';
import { validateSource } from './source-validation.js';

/** The canonical stage for a name given in any case; others are refused. */
export function canonicalStage(stage: string): ModelStage {
  const found = MODEL_STAGES.find((s) => s.toLowerCase() === String(stage ?? '').toLowerCase());
  if (!found)
    throw MlflowError.invalidParameterValue(
      `Invalid Model Version stage: ${stage}. Value must be one of ${MODEL_STAGES.join(', ')}.`,
    );
  return found;
}

/** Reads one live version. */
export async function getModelVersion(
  ctx: RegistryContext,
  name: string,
  version: string,
): Promise<ModelVersion> {
  const row = await requireVersionRow(ctx.db, name, version);
  return (await hydrateVersions(ctx.db, [row]))[0]!;
}

/**
 * Creates the next version of a registered model (1, 2, 3…: numbers are never reused, even after a delete).
 * Concurrent creates each get their own number: they take turns on the model row (a row lock on Postgres,
 * SQLite's write lock), and a collision on either database retries with the next number.
 */
export async function createModelVersion(
  ctx: RegistryContext,
  input: CreateModelVersionInput,
): Promise<ModelVersion> {
  const name = input?.name;
  // MLflow checks no source for a prompt version (tagged mlflow.prompt.is_prompt).
  const isPrompt = (input.tags ?? []).some((t) => t?.key === 'mlflow.prompt.is_prompt');
  if (!isPrompt) await validateSource(input.source, input.runId || undefined, ctx.sources);
  validateLength(input.source, 500, 'source');
  // A `models:/<model_id>` source (MLflow 3) stores the logged model's files and run, as MLflow's SQL store does.
  const logged = await loggedModelSource(ctx.sources, input.source, input.modelId);
  const storageLocation = logged?.storageLocation ?? (await storageLocationFor(ctx, input.source));
  const runId = input.runId || logged?.runId;
  const version = await insertVersion(ctx, { ...input, runId, storageLocation });
  // After the insert, outside its retries: listing the version on its logged model must not make another.
  if (logged) await recordModelVersion(ctx.sources, logged.modelId, name, version);
  return getModelVersion(ctx, name, String(version));
}

/** Inserts the next version number of `input.name` with its tags, retrying on a number collision. */
async function insertVersion(
  ctx: RegistryContext,
  input: CreateModelVersionInput & { storageLocation: string },
): Promise<number> {
  const { name, runId, storageLocation } = input;
  const tags = (input.tags ?? []).map(checkTag);
  for (let attempt = 0; ; attempt++) {
    try {
      const version = await ctx.db.transaction().execute(async (trx) => {
        // Concurrent creates for one model take turns on its row.
        await ctx.adapter
          .forUpdate(trx.selectFrom('registered_models').select('name').where('name', '=', name))
          .execute();
        await requireModelRow(trx, name);
        const { max } = await trx
          .selectFrom('model_versions')
          .select((eb) => eb.fn.max('version').as('max'))
          .where('name', '=', name)
          .executeTakeFirstOrThrow();
        const next = Number(max ?? 0) + 1;
        const now = ctx.clock.now();
        await trx
          .insertInto('model_versions')
          .values({
            name,
            version: next,
            creation_time: now,
            last_updated_time: now,
            description: input.description ?? '',
            user_id: input.userId ?? '',
            current_stage: 'None',
            source: input.source,
            run_id: runId ?? '',
            status: 'READY',
            status_message: null,
            run_link: input.runLink ?? '',
            storage_location: storageLocation,
          })
          .execute();
        const unique = new Map(tags.map((t) => [t.key, t.value]));
        if (unique.size > 0) {
          await trx
            .insertInto('model_version_tags')
            .values([...unique].map(([key, value]) => ({ name, version: next, key, value })))
            .execute();
        }
        await trx
          .updateTable('registered_models')
          .set({ last_updated_time: now })
          .where('name', '=', name)
          .execute();
        return next;
      });
      return version;
    } catch (error) {
      if (ctx.adapter.isUniqueViolation(error) && attempt < 20) {
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
        continue;
      }
      throw error;
    }
  }
}

/**
 * Where a new version's files are: its source, except that a `models:/` source (MLflow's copy of a version
 * to another model) stores the files' own location, as MLflow's SQL store does, so downloads skip the hop.
 */
async function storageLocationFor(ctx: RegistryContext, source: string): Promise<string> {
  if (!/^models:/i.test(source)) return source;
  try {
    const uri = parseModelsUri(source);
    let version: ModelVersion | undefined;
    if ('version' in uri) version = await getModelVersion(ctx, uri.name, uri.version);
    else if ('alias' in uri) version = await getVersionByAlias(ctx, uri.name, uri.alias);
    else if ('stage' in uri) version = (await getLatestVersions(ctx, uri.name, [uri.stage]))[0];
    else version = (await searchModelVersions(ctx, { filter: nameFilter(uri.name), maxResults: 1 })).items[0];
    if (!version) throw MlflowError.resourceDoesNotExist(`No model version matches '${source}'.`);
    const base = await getDownloadUri(ctx, version.name, version.version);
    return uri.path ? `${base.replace(/\/+$/, '')}/${uri.path}` : base;
  } catch (error) {
    // MLflow's wording; its status is a 500, but a source naming no version is the caller's mistake.
    throw MlflowError.invalidParameterValue(
      `Unable to fetch model from model URI source artifact location '${source}'.Error: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

function nameFilter(name: string): string {
  return `name = '${name.replaceAll("'", "''")}'`;
}

/** Sets a version's description. */
export async function updateModelVersion(
  ctx: RegistryContext,
  name: string,
  version: string,
  description: string,
): Promise<ModelVersion> {
  const row = await requireVersionRow(ctx.db, name, version);
  await ctx.db
    .updateTable('model_versions')
    .set({ description: description ?? '', last_updated_time: ctx.clock.now() })
    .where('name', '=', name)
    .where('version', '=', row.version)
    .execute();
  return getModelVersion(ctx, name, version);
}

/** Deletes a version: its tags and aliases go, and its number stays taken (MLflow marks it deleted). */
export async function deleteModelVersion(ctx: RegistryContext, name: string, version: string): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const row = await requireVersionRow(trx, name, version);
    await trx
      .deleteFrom('registered_model_aliases')
      .where('name', '=', name)
      .where('version', '=', row.version)
      .execute();
    await trx
      .deleteFrom('model_version_tags')
      .where('name', '=', name)
      .where('version', '=', row.version)
      .execute();
    await trx
      .updateTable('model_versions')
      .set({
        current_stage: DELETED_STAGE,
        source: 'REDACTED-SOURCE-PATH',
        run_id: 'REDACTED-RUN-ID',
        run_link: 'REDACTED-RUN-LINK',
        description: null,
        user_id: null,
        status_message: null,
        last_updated_time: now,
      })
      .where('name', '=', name)
      .where('version', '=', row.version)
      .execute();
    // As MLflow: deleting a version counts as an update of its model.
    await trx
      .updateTable('registered_models')
      .set({ last_updated_time: now })
      .where('name', '=', name)
      .execute();
  });
}

/** Searches versions with MLflow's filter and order grammar. */
export async function searchModelVersions(
  ctx: RegistryContext,
  options: RegistrySearchOptions = {},
): Promise<Page<ModelVersion>> {
  const page = await searchVersionRows(ctx, options);
  const items = await hydrateVersions(ctx.db, page.items);
  return page.nextPageToken ? { items, nextPageToken: page.nextPageToken } : { items };
}

/** Moves a version to a stage; `archiveExistingVersions` archives the others in Staging/Production. */
export async function transitionStage(
  ctx: RegistryContext,
  name: string,
  version: string,
  stage: string,
  archiveExistingVersions = false,
): Promise<ModelVersion> {
  const target = canonicalStage(stage);
  if (archiveExistingVersions && target !== 'Staging' && target !== 'Production') {
    throw MlflowError.invalidParameterValue(
      `archive_existing_versions can only be used with Staging or Production, not ${target}.`,
    );
  }
  await ctx.db.transaction().execute(async (trx) => {
    const row = await requireVersionRow(trx, name, version);
    const now = ctx.clock.now();
    if (archiveExistingVersions) {
      await trx
        .updateTable('model_versions')
        .set({ current_stage: 'Archived', last_updated_time: now })
        .where('name', '=', name)
        .where('current_stage', '=', target)
        .where('version', '!=', row.version)
        .execute();
    }
    await trx
      .updateTable('model_versions')
      .set({ current_stage: target, last_updated_time: now })
      .where('name', '=', name)
      .where('version', '=', row.version)
      .execute();
    await trx
      .updateTable('registered_models')
      .set({ last_updated_time: now })
      .where('name', '=', name)
      .execute();
  });
  return getModelVersion(ctx, name, version);
}

/** The latest version in each asked stage (all four when none are asked), in stage order. */
export async function getLatestVersions(
  ctx: RegistryContext,
  name: string,
  stages?: string[],
): Promise<ModelVersion[]> {
  await requireModelRow(ctx.db, name);
  const wanted = stages && stages.length > 0 ? stages.map(canonicalStage) : [...MODEL_STAGES];
  const rows = await ctx.db
    .selectFrom('model_versions')
    .selectAll()
    .where('name', '=', name)
    .where('current_stage', 'in', wanted)
    .orderBy('version', 'desc')
    .execute();
  const picked = wanted
    .map((stage) => rows.find((r) => r.current_stage === stage))
    .filter((r) => r !== undefined);
  return hydrateVersions(ctx.db, picked);
}

/** Sets (or replaces) a version tag. */
export async function setModelVersionTag(
  ctx: RegistryContext,
  name: string,
  version: string,
  tag: RegistryTag,
): Promise<void> {
  const { key, value } = checkTag(tag);
  const row = await requireVersionRow(ctx.db, name, version);
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('model_version_tags')
      .where('name', '=', name)
      .where('version', '=', row.version)
      .where('key', '=', key)
      .execute();
    await trx.insertInto('model_version_tags').values({ name, version: row.version, key, value }).execute();
  });
}

/** Deletes a version tag; a missing tag is RESOURCE_DOES_NOT_EXIST. */
export async function deleteModelVersionTag(
  ctx: RegistryContext,
  name: string,
  version: string,
  key: string,
): Promise<void> {
  const row = await requireVersionRow(ctx.db, name, version);
  const result = await ctx.db
    .deleteFrom('model_version_tags')
    .where('name', '=', name)
    .where('version', '=', row.version)
    .where('key', '=', key)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0)
    throw MlflowError.resourceDoesNotExist(`No tag with name: ${key} in model version ${name}/${version}.`);
}

const ALIAS = /^[\w-]*$/;

/** Checks an alias as MLflow does: word characters and '-', ≤ 255, not `latest`, not `v<digits>`. */
export function checkAlias(alias: string): string {
  if (typeof alias !== 'string' || alias === '')
    throw MlflowError.invalidParameterValue("Missing value for required parameter 'alias'.");
  if (!ALIAS.test(alias) || alias.length > 255) {
    throw MlflowError.invalidParameterValue(
      `Invalid alias name '${alias}': use letters, digits, '_' and '-' (at most 255 characters).`,
    );
  }
  if (alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias)) {
    throw MlflowError.invalidParameterValue(
      `'${alias}' is a reserved alias name (latest and v<number> refer to versions already).`,
    );
  }
  return alias;
}

/** Points an alias at a version, moving it atomically if it pointed elsewhere. */
export async function setAlias(
  ctx: RegistryContext,
  name: string,
  alias: string,
  version: string,
): Promise<void> {
  checkAlias(alias);
  await ctx.db.transaction().execute(async (trx) => {
    const row = await requireVersionRow(trx, name, version);
    await trx
      .deleteFrom('registered_model_aliases')
      .where('name', '=', name)
      .where('alias', '=', alias)
      .execute();
    await trx.insertInto('registered_model_aliases').values({ name, alias, version: row.version }).execute();
    await trx
      .updateTable('registered_models')
      .set({ last_updated_time: ctx.clock.now() })
      .where('name', '=', name)
      .execute();
  });
}

/** Removes an alias. */
export async function deleteAlias(ctx: RegistryContext, name: string, alias: string): Promise<void> {
  checkAlias(alias);
  await requireModelRow(ctx.db, name);
  await ctx.db
    .deleteFrom('registered_model_aliases')
    .where('name', '=', name)
    .where('alias', '=', alias)
    .execute();
}

/** The version an alias points at. */
export async function getVersionByAlias(
  ctx: RegistryContext,
  name: string,
  alias: string,
): Promise<ModelVersion> {
  await requireModelRow(ctx.db, name);
  const row = await ctx.db
    .selectFrom('registered_model_aliases')
    .select('version')
    .where('name', '=', name)
    .where('alias', '=', alias)
    .executeTakeFirst();
  if (!row)
    throw MlflowError.resourceDoesNotExist(`Registered model alias ${alias} not found for model ${name}.`);
  return getModelVersion(ctx, name, String(row.version));
}

/** Where a version's files are (MLflow's get-download-uri): its storage location, else its source. */
export async function getDownloadUri(ctx: RegistryContext, name: string, version: string): Promise<string> {
  const row = await requireVersionRow(ctx.db, name, String(parseVersion(version)));
  return row.storage_location || row.source || '';
}
