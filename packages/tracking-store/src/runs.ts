import {
  appendToUriPath,
  type CreateRunInput,
  decodePageToken,
  encodePageToken,
  generateRunId,
  generateRunName,
  Limits,
  MlflowError,
  MlflowTags,
  type Page,
  queryFingerprint,
  type Run,
  type RunInfo,
  RunStatus,
  type SearchRunsOptions,
  stagesForViewType,
  type UpdateRunInput,
  ViewType,
  validateLength,
  validateMaxResults,
  validateRunId,
  validateTag,
} from '@flowline/core';
import type { Database } from '@flowline/db';
import type { Kysely, Transaction } from 'kysely';
import type { StoreContext } from './context.js';
import {
  DEFAULT_EXPERIMENT_ID,
  dedupeByKey,
  experimentKey,
  requireActiveExperiment,
  requireExperimentRow,
} from './experiments.js';
import { hydrateRuns, type RunRow } from './run-hydration.js';
import { compileRunSearch } from './search/compile-runs.js';

type Db = Kysely<Database> | Transaction<Database>;

function runNotFound(runId: string): MlflowError {
  return MlflowError.resourceDoesNotExist(`Run with id=${runId} not found`);
}

/** The run row, or RESOURCE_DOES_NOT_EXIST. */
export async function requireRunRow(db: Db, runId: string): Promise<RunRow> {
  const id = validateRunId(runId);
  const row = await db.selectFrom('runs').selectAll().where('run_uuid', '=', id).executeTakeFirst();
  if (!row) throw runNotFound(id);
  return row;
}

/** Throws MLflow's "must be in the 'active' state" error for a deleted run. */
export function requireActiveRun(row: RunRow): void {
  if (row.lifecycle_stage === 'deleted') {
    throw MlflowError.invalidParameterValue(
      `The run ${row.run_uuid} must be in the 'active' state. Current state is deleted. Restore the run first.`,
    );
  }
}

/** The active run row, or the matching MLflow error. */
export async function requireActiveRunRow(db: Db, runId: string): Promise<RunRow> {
  const row = await requireRunRow(db, runId);
  requireActiveRun(row);
  return row;
}

function checkStatus(status: unknown): RunStatus {
  if (typeof status !== 'string' || !(status in RunStatus)) {
    throw MlflowError.invalidParameterValue(
      `Invalid value ${JSON.stringify(status)} for parameter 'status' supplied: use one of ${Object.keys(RunStatus).join(', ')}.`,
    );
  }
  return status as RunStatus;
}

/** Creates a run in an active experiment, with MLflow's run-name rules and the `mlflow.runName` tag. */
export async function createRun(ctx: StoreContext, input: CreateRunInput): Promise<Run> {
  const experimentId = input.experimentId ? String(input.experimentId) : DEFAULT_EXPERIMENT_ID;
  const tags = (input.tags ?? []).map((t) => validateTag(t, ctx.values));
  const tagName = tags.find((t) => t.key === MlflowTags.runName)?.value;
  if (input.runName && tagName !== undefined && input.runName !== tagName) {
    throw MlflowError.invalidParameterValue(
      `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values ` +
        `(run_name='${input.runName}', mlflow.runName='${tagName}'). Give one of them, or the same value.`,
    );
  }
  const runName = input.runName || tagName || generateRunName();
  validateLength(runName, Limits.maxRunNameLength, 'run_name');
  const startTime = input.startTime ?? ctx.clock.now();
  if (!Number.isSafeInteger(startTime) || startTime < 0) {
    throw MlflowError.invalidParameterValue(
      `Invalid value ${startTime} for parameter 'start_time' supplied.`,
    );
  }
  const allTags = dedupeByKey(
    tagName === undefined ? [...tags, { key: MlflowTags.runName, value: runName }] : tags,
  );
  const runId = generateRunId();
  await ctx.db.transaction().execute(async (trx) => {
    const experiment = await requireExperimentRow(trx, experimentId);
    requireActiveExperiment(experiment);
    await trx
      .insertInto('runs')
      .values({
        run_uuid: runId,
        name: runName,
        source_type: 'UNKNOWN',
        source_name: '',
        entry_point_name: '',
        user_id: input.userId ?? '',
        status: 'RUNNING',
        start_time: startTime,
        end_time: null,
        source_version: '',
        lifecycle_stage: 'active',
        artifact_uri: appendToUriPath(experiment.artifact_location ?? '', runId, 'artifacts'),
        experiment_id: experiment.experiment_id,
        deleted_time: null,
      })
      .execute();
    await trx
      .insertInto('tags')
      .values(allTags.map((t) => ({ run_uuid: runId, key: t.key, value: t.value })))
      .execute();
  });
  return getRun(ctx, runId);
}

/** One run with its data and inputs (deleted runs included), or RESOURCE_DOES_NOT_EXIST. */
export async function getRun(ctx: StoreContext, runId: string): Promise<Run> {
  const row = await requireRunRow(ctx.db, runId);
  const [run] = await hydrateRuns(ctx.db, [row]);
  return run!;
}

/** Updates status, end time and name of an active run; the name is mirrored into `mlflow.runName`. */
export async function updateRunInfo(
  ctx: StoreContext,
  runId: string,
  update: UpdateRunInput,
): Promise<RunInfo> {
  const status =
    update.status === undefined || update.status === null ? undefined : checkStatus(update.status);
  if (
    update.endTime !== undefined &&
    update.endTime !== null &&
    (!Number.isSafeInteger(update.endTime) || update.endTime < 0)
  ) {
    throw MlflowError.invalidParameterValue(
      `Invalid value ${update.endTime} for parameter 'end_time' supplied.`,
    );
  }
  if (update.runName) validateLength(update.runName, Limits.maxRunNameLength, 'run_name');
  await ctx.db.transaction().execute(async (trx) => {
    const row = await requireActiveRunRow(trx, runId);
    const set: Partial<RunRow> = {};
    if (status) set.status = status;
    if (update.endTime !== undefined && update.endTime !== null) set.end_time = update.endTime;
    if (update.runName) set.name = update.runName;
    if (Object.keys(set).length > 0) {
      await trx.updateTable('runs').set(set).where('run_uuid', '=', row.run_uuid).execute();
    }
    if (update.runName)
      await upsertTags(trx, row.run_uuid, [{ key: MlflowTags.runName, value: update.runName }]);
  });
  return (await getRun(ctx, runId)).info;
}

/** Upserts run tags in key order (a stable lock order keeps concurrent writers from deadlocking). */
export async function upsertTags(
  trx: Db,
  runId: string,
  tags: { key: string; value: string }[],
): Promise<void> {
  if (tags.length === 0) return;
  await trx
    .insertInto('tags')
    .values(dedupeByKey(tags).map((t) => ({ run_uuid: runId, key: t.key, value: t.value })))
    .onConflict((oc) =>
      oc.columns(['key', 'run_uuid']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
    )
    .execute();
}

/** Soft-deletes a run, recording when (`deleted_time`), as MLflow does. */
export async function deleteRun(ctx: StoreContext, runId: string): Promise<void> {
  const row = await requireRunRow(ctx.db, runId);
  await ctx.db
    .updateTable('runs')
    .set({ lifecycle_stage: 'deleted', deleted_time: ctx.clock.now() })
    .where('run_uuid', '=', row.run_uuid)
    .execute();
}

/** Restores a soft-deleted run. */
export async function restoreRun(ctx: StoreContext, runId: string): Promise<void> {
  const row = await requireRunRow(ctx.db, runId);
  await ctx.db
    .updateTable('runs')
    .set({ lifecycle_stage: 'active', deleted_time: null })
    .where('run_uuid', '=', row.run_uuid)
    .execute();
}

/** Deletes a run tag; a missing tag is RESOURCE_DOES_NOT_EXIST. */
export async function deleteTag(ctx: StoreContext, runId: string, key: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const row = await requireActiveRunRow(trx, runId);
    const result = await trx
      .deleteFrom('tags')
      .where('run_uuid', '=', row.run_uuid)
      .where('key', '=', key)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) {
      throw MlflowError.resourceDoesNotExist(`No tag with name: ${key} in run with id ${row.run_uuid}`);
    }
  });
}

/** Searches runs with MLflow's filter grammar, ordering, view types and page tokens. */
export async function searchRuns(ctx: StoreContext, options: SearchRunsOptions): Promise<Page<Run>> {
  const maxResults = validateMaxResults(
    options.maxResults,
    Limits.maxSearchRunsResults,
    Limits.defaultSearchRunsResults,
  );
  const viewType = options.runViewType ?? ViewType.ACTIVE_ONLY;
  if (!(viewType in ViewType)) {
    throw MlflowError.invalidParameterValue(
      `Invalid run_view_type '${viewType}': use ACTIVE_ONLY, DELETED_ONLY or ALL.`,
    );
  }
  const experimentIds = (options.experimentIds ?? []).map(String);
  const fingerprint = queryFingerprint([
    'runs',
    experimentIds,
    options.filter ?? '',
    options.orderBy ?? [],
    viewType,
  ]);
  const offset = decodePageToken(options.pageToken, fingerprint);
  const keys = experimentIds.map(experimentKey).filter((k): k is number => k !== null);
  if (keys.length === 0) return { items: [] };
  const query = compileRunSearch(ctx, {
    experimentIds: keys,
    stages: stagesForViewType(viewType),
    filter: options.filter,
    orderBy: options.orderBy,
  });
  const rows = (await query
    .limit(maxResults + 1)
    .offset(offset)
    .execute()) as RunRow[];
  const items = await hydrateRuns(ctx.db, rows.slice(0, maxResults));
  return rows.length > maxResults
    ? { items, nextPageToken: encodePageToken(offset + maxResults, fingerprint) }
    : { items };
}
