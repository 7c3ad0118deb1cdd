import {
  MlflowError,
  type ModelStage,
  type ModelVersion,
  parseLoggedModelUri,
  type RegisteredModel,
} from '@flowline/core';
import type { Database } from '@flowline/db';
import type { Kysely, Selectable, Transaction } from 'kysely';

/** A row of `model_versions`. */
export type VersionRow = Selectable<Database['model_versions']>;
/** A row of `registered_models`. */
export type ModelRow = Selectable<Database['registered_models']>;
/** A handle or a transaction. */
export type Db = Kysely<Database> | Transaction<Database>;

/** MLflow's marker for a deleted version: the row stays so its number is never reused. */
export const DELETED_STAGE = 'Deleted_Internal';

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** The registered model row, or RESOURCE_DOES_NOT_EXIST in MLflow's words. */
export async function requireModelRow(db: Db, name: string): Promise<ModelRow> {
  if (typeof name !== 'string' || name === '')
    throw MlflowError.invalidParameterValue("Missing value for required parameter 'name'.");
  const row = await db
    .selectFrom('registered_models')
    .selectAll()
    .where('name', '=', name)
    .executeTakeFirst();
  if (!row) throw MlflowError.resourceDoesNotExist(`Registered Model with name=${name} not found`);
  return row;
}

/** The live version row, or RESOURCE_DOES_NOT_EXIST. */
export async function requireVersionRow(db: Db, name: string, version: string): Promise<VersionRow> {
  const number = parseVersion(version);
  const row = await db
    .selectFrom('model_versions')
    .selectAll()
    .where('name', '=', name)
    .where('version', '=', number)
    .where('current_stage', '!=', DELETED_STAGE)
    .executeTakeFirst();
  if (!row)
    throw MlflowError.resourceDoesNotExist(`Model Version (name=${name}, version=${version}) not found`);
  return row;
}

/** A version number from the wire, which must parse as a positive integer. */
export function parseVersion(version: string | number): number {
  const text = String(version ?? '').trim();
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 2_147_483_647) {
    throw MlflowError.invalidParameterValue(`Parameter 'version' must be an integer, got '${version}'.`);
  }
  return Number(text);
}

/** Versions with their tags and aliases, in one query each. */
export async function hydrateVersions(db: Db, rows: VersionRow[]): Promise<ModelVersion[]> {
  if (rows.length === 0) return [];
  const names = [...new Set(rows.map((r) => r.name))];
  const [tags, aliases] = await Promise.all([
    db
      .selectFrom('model_version_tags')
      .select(['name', 'version', 'key', 'value'])
      .where('name', 'in', names)
      .orderBy('key')
      .execute(),
    db
      .selectFrom('registered_model_aliases')
      .select(['name', 'version', 'alias'])
      .where('name', 'in', names)
      .orderBy('alias')
      .execute(),
  ]);
  return rows.map((r) => ({
    ...modelIdOf(r.source),
    name: r.name,
    version: String(r.version),
    creationTimestamp: num(r.creation_time),
    lastUpdatedTimestamp: num(r.last_updated_time),
    userId: r.user_id ?? '',
    currentStage: (r.current_stage ?? 'None') as ModelStage,
    description: r.description ?? '',
    source: r.source ?? '',
    runId: r.run_id ?? '',
    status: (r.status ?? 'READY') as ModelVersion['status'],
    statusMessage: r.status_message ?? '',
    runLink: r.run_link ?? '',
    tags: tags
      .filter((t) => t.name === r.name && Number(t.version) === Number(r.version))
      .map((t) => ({ key: t.key, value: t.value ?? '' })),
    aliases: aliases
      .filter((a) => a.name === r.name && Number(a.version) === Number(r.version))
      .map((a) => a.alias),
  }));
}

/** A version made from an MLflow 3 logged model names it, as MLflow's `ModelVersion.model_id`. */
function modelIdOf(source: string | null): { modelId?: string } {
  const logged = source ? parseLoggedModelUri(source) : null;
  return logged ? { modelId: logged.modelId } : {};
}

/** Registered models with tags, aliases and the latest version per stage. */
export async function hydrateModels(db: Db, rows: ModelRow[]): Promise<RegisteredModel[]> {
  if (rows.length === 0) return [];
  const names = rows.map((r) => r.name);
  const [tags, aliases, versions] = await Promise.all([
    db
      .selectFrom('registered_model_tags')
      .select(['name', 'key', 'value'])
      .where('name', 'in', names)
      .orderBy('key')
      .execute(),
    db
      .selectFrom('registered_model_aliases')
      .select(['name', 'alias', 'version'])
      .where('name', 'in', names)
      .orderBy('alias')
      .execute(),
    db
      .selectFrom('model_versions')
      .selectAll()
      .where('name', 'in', names)
      .where('current_stage', '!=', DELETED_STAGE)
      .execute(),
  ]);
  const latest = new Map<string, VersionRow>();
  for (const v of versions) {
    const key = `${v.name}\u0000${v.current_stage ?? 'None'}`;
    const current = latest.get(key);
    if (!current || Number(v.version) > Number(current.version)) latest.set(key, v);
  }
  const latestRows = [...latest.values()].sort((a, b) => Number(a.version) - Number(b.version));
  const latestVersions = await hydrateVersions(db, latestRows);
  return rows.map((r) => ({
    name: r.name,
    creationTimestamp: num(r.creation_time),
    lastUpdatedTimestamp: num(r.last_updated_time),
    description: r.description ?? '',
    latestVersions: latestVersions.filter((v) => v.name === r.name),
    tags: tags.filter((t) => t.name === r.name).map((t) => ({ key: t.key, value: t.value ?? '' })),
    aliases: aliases
      .filter((a) => a.name === r.name)
      .map((a) => ({ alias: a.alias, version: String(a.version) })),
  }));
}
