import {
  MlflowError,
  type Page,
  type RegisteredModel,
  type RegistrySearchOptions,
  type RegistryTag,
  validateLength,
} from '@flowline/core';
import type { RegistryContext } from './context.js';
import { hydrateModels, requireModelRow } from './rows.js';
import { searchModelRows } from './search/registry-search.js';

function checkName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || name.trim() === '')
    throw MlflowError.invalidParameterValue(`Missing value for required parameter '${field}'.`);
  validateLength(name, 256, field);
  return name;
}

/** Checks a registry tag: key ≤ 250, value ≤ 5000 (MLflow's limits). */
export function checkTag(tag: RegistryTag): RegistryTag {
  if (!tag || typeof tag.key !== 'string' || tag.key === '')
    throw MlflowError.invalidParameterValue("Missing value for required parameter 'key'.");
  validateLength(tag.key, 250, 'key');
  const value = tag.value ?? '';
  validateLength(value, 5000, 'value');
  return { key: tag.key, value };
}

/** Reads one registered model. */
export async function getRegisteredModel(ctx: RegistryContext, name: string): Promise<RegisteredModel> {
  const row = await requireModelRow(ctx.db, name);
  return (await hydrateModels(ctx.db, [row]))[0]!;
}

/** Creates a registered model; a taken name is RESOURCE_ALREADY_EXISTS. */
export async function createRegisteredModel(
  ctx: RegistryContext,
  input: { name: string; description?: string; tags?: RegistryTag[] },
): Promise<RegisteredModel> {
  const name = checkName(input?.name);
  const tags = (input.tags ?? []).map(checkTag);
  const now = ctx.clock.now();
  try {
    await ctx.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('registered_models')
        .values({ name, creation_time: now, last_updated_time: now, description: input.description ?? '' })
        .execute();
      const unique = new Map(tags.map((t) => [t.key, t.value]));
      if (unique.size > 0) {
        await trx
          .insertInto('registered_model_tags')
          .values([...unique].map(([key, value]) => ({ name, key, value })))
          .execute();
      }
    });
  } catch (error) {
    if (ctx.adapter.isUniqueViolation(error))
      throw MlflowError.resourceAlreadyExists(`Registered Model (name=${name}) already exists.`, {
        cause: error,
      });
    throw error;
  }
  return getRegisteredModel(ctx, name);
}

/** Renames a registered model; its versions, tags and aliases follow (ON UPDATE CASCADE). */
export async function renameRegisteredModel(
  ctx: RegistryContext,
  name: string,
  newName: string,
): Promise<RegisteredModel> {
  const target = checkName(newName, 'new_name');
  await requireModelRow(ctx.db, name);
  try {
    await ctx.db
      .updateTable('registered_models')
      .set({ name: target, last_updated_time: ctx.clock.now() })
      .where('name', '=', name)
      .execute();
  } catch (error) {
    if (ctx.adapter.isUniqueViolation(error))
      throw MlflowError.resourceAlreadyExists(`Registered Model (name=${target}) already exists.`, {
        cause: error,
      });
    throw error;
  }
  return getRegisteredModel(ctx, target);
}

/** Sets a registered model's description. */
export async function updateRegisteredModel(
  ctx: RegistryContext,
  name: string,
  description: string,
): Promise<RegisteredModel> {
  await requireModelRow(ctx.db, name);
  await ctx.db
    .updateTable('registered_models')
    .set({ description: description ?? '', last_updated_time: ctx.clock.now() })
    .where('name', '=', name)
    .execute();
  return getRegisteredModel(ctx, name);
}

/** Deletes a registered model with all its versions, tags and aliases. */
export async function deleteRegisteredModel(ctx: RegistryContext, name: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await requireModelRow(trx, name);
    await trx.deleteFrom('registered_model_aliases').where('name', '=', name).execute();
    await trx.deleteFrom('model_version_tags').where('name', '=', name).execute();
    await trx.deleteFrom('model_versions').where('name', '=', name).execute();
    await trx.deleteFrom('registered_model_tags').where('name', '=', name).execute();
    await trx.deleteFrom('registered_models').where('name', '=', name).execute();
  });
}

/** Searches registered models with MLflow's filter and order grammar. */
export async function searchRegisteredModels(
  ctx: RegistryContext,
  options: RegistrySearchOptions = {},
): Promise<Page<RegisteredModel>> {
  const page = await searchModelRows(ctx, options);
  const items = await hydrateModels(ctx.db, page.items);
  return page.nextPageToken ? { items, nextPageToken: page.nextPageToken } : { items };
}

/** Sets (or replaces) a registered-model tag. */
export async function setRegisteredModelTag(
  ctx: RegistryContext,
  name: string,
  tag: RegistryTag,
): Promise<void> {
  const { key, value } = checkTag(tag);
  await requireModelRow(ctx.db, name);
  // Delete-then-insert in one transaction: the primary key differs between MLflow releases (with or
  // without the workspace column), so an ON CONFLICT target would not fit every database.
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('registered_model_tags').where('name', '=', name).where('key', '=', key).execute();
    await trx.insertInto('registered_model_tags').values({ name, key, value }).execute();
  });
}

/** Deletes a registered-model tag; a missing tag is RESOURCE_DOES_NOT_EXIST. */
export async function deleteRegisteredModelTag(
  ctx: RegistryContext,
  name: string,
  key: string,
): Promise<void> {
  await requireModelRow(ctx.db, name);
  const result = await ctx.db
    .deleteFrom('registered_model_tags')
    .where('name', '=', name)
    .where('key', '=', key)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) {
    throw MlflowError.resourceDoesNotExist(`No tag with name: ${key} in registered model ${name}.`);
  }
}
