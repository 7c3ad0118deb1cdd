import {
  appendToUriPath,
  decodePageToken,
  type Experiment,
  type ExperimentTag,
  encodePageToken,
  Limits,
  MlflowError,
  type Page,
  queryFingerprint,
  type SearchExperimentsOptions,
  stagesForViewType,
  ViewType,
  validateArtifactLocation,
  validateExperimentName,
  validateExperimentTag,
  validateMaxResults,
} from '@flowline/core';
import type { Database } from '@flowline/db';
import type { Kysely, Selectable } from 'kysely';
import type { StoreContext } from './context.js';
import { compileExperimentSearch } from './search/compile-experiments.js';
import { toNumber } from './values.js';

type ExperimentRow = Selectable<Database['experiments']>;
type Db = Kysely<Database>;

/** MLflow's default experiment: id 0, named `Default`. */
export const DEFAULT_EXPERIMENT_ID = '0';

/** The integer id behind an experiment id string, or null when it cannot name a stored experiment. */
export function experimentKey(experimentId: string): number | null {
  if (!/^\d{1,10}$/.test(experimentId)) return null;
  const n = Number(experimentId);
  return n <= 2_147_483_647 ? n : null;
}

function notFound(experimentId: string): MlflowError {
  return MlflowError.resourceDoesNotExist(`No Experiment with id=${experimentId} exists`);
}

async function loadTags(db: Db, ids: number[]): Promise<Map<number, ExperimentTag[]>> {
  const byId = new Map<number, ExperimentTag[]>();
  if (ids.length === 0) return byId;
  const rows = await db
    .selectFrom('experiment_tags')
    .select(['experiment_id', 'key', 'value'])
    .where('experiment_id', 'in', ids)
    .orderBy('key')
    .execute();
  for (const r of rows) {
    const list = byId.get(r.experiment_id) ?? [];
    list.push({ key: r.key, value: r.value ?? '' });
    byId.set(r.experiment_id, list);
  }
  return byId;
}

function toExperiment(row: ExperimentRow, tags: ExperimentTag[]): Experiment {
  return {
    experimentId: String(row.experiment_id),
    name: row.name,
    artifactLocation: row.artifact_location ?? '',
    lifecycleStage: row.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
    creationTime: toNumber(row.creation_time),
    lastUpdateTime: toNumber(row.last_update_time),
    tags,
  };
}

/** Rows to experiments, with their tags loaded in one query. */
export async function hydrateExperiments(db: Db, rows: ExperimentRow[]): Promise<Experiment[]> {
  const tags = await loadTags(
    db,
    rows.map((r) => r.experiment_id),
  );
  return rows.map((r) => toExperiment(r, tags.get(r.experiment_id) ?? []));
}

/** The experiment row, or RESOURCE_DOES_NOT_EXIST. */
export async function requireExperimentRow(db: Db, experimentId: string): Promise<ExperimentRow> {
  const key = experimentKey(experimentId);
  if (key === null) throw notFound(experimentId);
  const row = await db
    .selectFrom('experiments')
    .selectAll()
    .where('experiment_id', '=', key)
    .executeTakeFirst();
  if (!row) throw notFound(experimentId);
  return row;
}

/** Throws MLflow's "must be in the 'active' state" error for a deleted experiment. */
export function requireActiveExperiment(row: ExperimentRow): void {
  if (row.lifecycle_stage === 'deleted') {
    throw MlflowError.invalidParameterValue(
      `The experiment ${row.experiment_id} must be in the 'active' state. Current state is deleted.`,
    );
  }
}

/** Creates the default experiment (id 0, `Default`) when the database has none, as MLflow's store does. */
export async function ensureDefaultExperiment(ctx: StoreContext): Promise<void> {
  const existing = await ctx.db
    .selectFrom('experiments')
    .select('experiment_id')
    .where('experiment_id', '=', 0)
    .executeTakeFirst();
  if (existing) return;
  const now = ctx.clock.now();
  await ctx.db
    .insertInto('experiments')
    .values({
      experiment_id: 0,
      name: 'Default',
      artifact_location: appendToUriPath(ctx.artifactRoot, DEFAULT_EXPERIMENT_ID),
      lifecycle_stage: 'active',
      creation_time: now,
      last_update_time: now,
    })
    // Two processes opening a new database at once both try; one insert is enough.
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Creates an experiment; its artifact location defaults to `<artifact root>/<id>`. */
export async function createExperiment(
  ctx: StoreContext,
  input: { name: string; artifactLocation?: string; tags?: ExperimentTag[] },
): Promise<string> {
  const name = validateExperimentName(input?.name);
  const location = input.artifactLocation ? validateArtifactLocation(input.artifactLocation, ctx.cwd) : null;
  const tags = (input.tags ?? []).map(validateExperimentTag);
  const now = ctx.clock.now();
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('experiments')
        .select('experiment_id')
        .where('name', '=', name)
        .executeTakeFirst();
      if (existing) throw alreadyExists(name);
      const { experiment_id: id } = await trx
        .insertInto('experiments')
        .values({
          name,
          artifact_location: location,
          lifecycle_stage: 'active',
          creation_time: now,
          last_update_time: now,
        })
        .returning('experiment_id')
        .executeTakeFirstOrThrow();
      if (!location) {
        await trx
          .updateTable('experiments')
          .set({ artifact_location: appendToUriPath(ctx.artifactRoot, String(id)) })
          .where('experiment_id', '=', id)
          .execute();
      }
      if (tags.length > 0) {
        await trx
          .insertInto('experiment_tags')
          .values(dedupeByKey(tags).map((t) => ({ experiment_id: id, key: t.key, value: t.value })))
          .execute();
      }
      return String(id);
    });
  } catch (error) {
    if (ctx.adapter.isUniqueViolation(error)) throw alreadyExists(name, error);
    throw error;
  }
}

function alreadyExists(name: string, cause?: unknown): MlflowError {
  return MlflowError.resourceAlreadyExists(
    `Experiment(name=${name}) already exists. Choose another name, or restore the deleted experiment of that name.`,
    { cause },
  );
}

/** Keeps the last value for each key, in key order (also avoids double upserts of one row). */
export function dedupeByKey<T extends { key: string }>(items: readonly T[]): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) byKey.set(item.key, item);
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** One experiment with its tags (deleted ones included), or RESOURCE_DOES_NOT_EXIST. */
export async function getExperiment(ctx: StoreContext, experimentId: string): Promise<Experiment> {
  const row = await requireExperimentRow(ctx.db, String(experimentId));
  const [experiment] = await hydrateExperiments(ctx.db, [row]);
  return experiment!;
}

/** The experiment of that name, preferring an active one over a deleted one; null when none. */
export async function getExperimentByName(ctx: StoreContext, name: string): Promise<Experiment | null> {
  const rows = await ctx.db.selectFrom('experiments').selectAll().where('name', '=', name).execute();
  const row = rows.find((r) => r.lifecycle_stage !== 'deleted') ?? rows[0];
  if (!row) return null;
  const [experiment] = await hydrateExperiments(ctx.db, [row]);
  return experiment!;
}

/** Searches experiments with MLflow's filter and order grammar, a page at a time. */
export async function searchExperiments(
  ctx: StoreContext,
  options: SearchExperimentsOptions = {},
): Promise<Page<Experiment>> {
  const maxResults = validateMaxResults(
    options.maxResults,
    Limits.maxSearchExperimentsResults,
    Limits.defaultSearchExperimentsResults,
  );
  const viewType = options.viewType ?? ViewType.ACTIVE_ONLY;
  const fingerprint = queryFingerprint([
    'experiments',
    options.filter ?? '',
    options.orderBy ?? [],
    viewType,
  ]);
  const offset = decodePageToken(options.pageToken, fingerprint);
  const query = compileExperimentSearch(ctx, {
    filter: options.filter,
    orderBy: options.orderBy,
    stages: stagesForViewType(viewType),
  });
  const rows = (await query
    .limit(maxResults + 1)
    .offset(offset)
    .execute()) as ExperimentRow[];
  const page = rows.slice(0, maxResults);
  const items = await hydrateExperiments(ctx.db, page);
  return rows.length > maxResults
    ? { items, nextPageToken: encodePageToken(offset + maxResults, fingerprint) }
    : { items };
}

/** Renames an active experiment; a deleted one gives INVALID_STATE as in MLflow. */
export async function renameExperiment(
  ctx: StoreContext,
  experimentId: string,
  newName: string,
): Promise<void> {
  const name = validateExperimentName(newName);
  const row = await requireExperimentRow(ctx.db, experimentId);
  if (row.lifecycle_stage === 'deleted') {
    throw MlflowError.invalidState('Cannot rename a non-active experiment. Restore it first.');
  }
  try {
    await ctx.db
      .updateTable('experiments')
      .set({ name, last_update_time: ctx.clock.now() })
      .where('experiment_id', '=', row.experiment_id)
      .execute();
  } catch (error) {
    if (ctx.adapter.isUniqueViolation(error)) throw alreadyExists(name, error);
    throw error;
  }
}

/** Soft-deletes an active experiment and its runs (MLflow's SQL store does both). */
export async function deleteExperiment(ctx: StoreContext, experimentId: string): Promise<void> {
  const row = await requireExperimentRow(ctx.db, experimentId);
  if (row.lifecycle_stage === 'deleted') throw notFound(experimentId);
  if (row.experiment_id === 0) {
    throw MlflowError.invalidParameterValue(
      'Cannot delete the default experiment (id 0). Runs need somewhere to go when no experiment is named.',
    );
  }
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('experiments')
      .set({ lifecycle_stage: 'deleted', last_update_time: now })
      .where('experiment_id', '=', row.experiment_id)
      .execute();
    await trx
      .updateTable('runs')
      .set({ lifecycle_stage: 'deleted', deleted_time: now })
      .where('experiment_id', '=', row.experiment_id)
      .where('lifecycle_stage', '=', 'active')
      .execute();
  });
}

/** Restores a deleted experiment and all of its runs, as MLflow's SQL store does. */
export async function restoreExperiment(ctx: StoreContext, experimentId: string): Promise<void> {
  const row = await requireExperimentRow(ctx.db, experimentId);
  if (row.lifecycle_stage !== 'deleted') {
    throw MlflowError.invalidParameterValue(
      `Cannot restore experiment ${experimentId}: it is not deleted (its state is active).`,
    );
  }
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('experiments')
      .set({ lifecycle_stage: 'active', last_update_time: now })
      .where('experiment_id', '=', row.experiment_id)
      .execute();
    await trx
      .updateTable('runs')
      .set({ lifecycle_stage: 'active', deleted_time: null })
      .where('experiment_id', '=', row.experiment_id)
      .execute();
  });
}

/** Sets (or replaces) an experiment tag on an active experiment. */
export async function setExperimentTag(
  ctx: StoreContext,
  experimentId: string,
  tag: ExperimentTag,
): Promise<void> {
  const { key, value } = validateExperimentTag(tag);
  const row = await requireExperimentRow(ctx.db, experimentId);
  requireActiveExperiment(row);
  await ctx.db
    .insertInto('experiment_tags')
    .values({ experiment_id: row.experiment_id, key, value })
    .onConflict((oc) => oc.columns(['key', 'experiment_id']).doUpdateSet({ value }))
    .execute();
}

/** Deletes an experiment tag; a missing tag is RESOURCE_DOES_NOT_EXIST. */
export async function deleteExperimentTag(
  ctx: StoreContext,
  experimentId: string,
  key: string,
): Promise<void> {
  const row = await requireExperimentRow(ctx.db, experimentId);
  requireActiveExperiment(row);
  const result = await ctx.db
    .deleteFrom('experiment_tags')
    .where('experiment_id', '=', row.experiment_id)
    .where('key', '=', key)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) {
    throw MlflowError.resourceDoesNotExist(`No tag with name: ${key} in experiment with id ${experimentId}`);
  }
}
