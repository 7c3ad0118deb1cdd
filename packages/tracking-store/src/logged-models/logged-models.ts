import {
  appendToUriPath,
  type CreateLoggedModelInput,
  type GetLoggedModelOptions,
  generateRunId,
  generateRunName,
  type LoggedModel,
  type LoggedModelStatus,
  MlflowError,
  validateLength,
} from '@flowline/core';
import type { StoreContext } from '../context.js';
import { requireActiveExperiment, requireExperimentRow } from '../experiments.js';
import { hydrateModels, requireModelRow, statusNumber } from './model-rows.js';
import { type LoggedModelDb, loggedModelDb } from './tables.js';

// Characters MLflow refuses in a logged model's name (`_validate_logged_model_name`): the name is a path part.
const BAD_NAME_CHARACTERS = ['/', ':', '.', '%', '"', "'"];
/** Key columns of `logged_model_params` and `logged_model_tags` are VARCHAR(255). */
const MAX_KEY_LENGTH = 255;

function checkName(name: unknown): string | undefined {
  if (name === undefined || name === null || name === '') return undefined;
  if (typeof name !== 'string' || BAD_NAME_CHARACTERS.some((c) => name.includes(c))) {
    throw MlflowError.invalidParameterValue(
      `Invalid model name ${JSON.stringify(name)}: a model name must be a non-empty string without any of ` +
        `${BAD_NAME_CHARACTERS.join(' ')}.`,
    );
  }
  validateLength(name, 500, 'name');
  return name;
}

/** An optional string field: absent or empty is `null`; otherwise a string of at most `max` characters. */
export function optionalText(value: unknown, max: number, what: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') {
    throw MlflowError.invalidParameterValue(
      `Invalid value ${JSON.stringify(value)} for parameter '${what}'.`,
    );
  }
  validateLength(value, max, what);
  return value;
}

/** Checks `{key: value}` entries of params or tags: non-empty keys of at most 255 characters, string values. */
function checkEntries(entries: unknown, what: 'params' | 'tags'): [string, string][] {
  if (entries === undefined || entries === null) return [];
  if (typeof entries !== 'object' || Array.isArray(entries)) {
    throw MlflowError.invalidParameterValue(`'${what}' must be a map of keys to string values.`);
  }
  return Object.entries(entries as Record<string, unknown>).map(([key, value]) => {
    if (key === '') throw MlflowError.invalidParameterValue(`A ${what.slice(0, -1)} key must not be empty.`);
    validateLength(key, MAX_KEY_LENGTH, `${what.slice(0, -1)} key`);
    if (typeof value !== 'string') {
      throw MlflowError.invalidParameterValue(
        `The value of ${what.slice(0, -1)} '${key}' must be a string, got ${JSON.stringify(value)}.`,
      );
    }
    return [key, value];
  });
}

async function upsertTags(
  db: LoggedModelDb,
  modelId: string,
  experimentId: number,
  tags: [string, string][],
): Promise<void> {
  if (tags.length === 0) return;
  await db
    .insertInto('logged_model_tags')
    .values(
      tags.map(([key, value]) => ({
        model_id: modelId,
        experiment_id: experimentId,
        tag_key: key,
        tag_value: value,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['model_id', 'tag_key']).doUpdateSet((eb) => ({ tag_value: eb.ref('excluded.tag_value') })),
    )
    .execute();
}

/** Inserts params; an existing key with another value is refused, since params are immutable (as MLflow). */
async function insertParams(
  db: LoggedModelDb,
  modelId: string,
  experimentId: number,
  params: [string, string][],
): Promise<void> {
  if (params.length === 0) return;
  await db
    .insertInto('logged_model_params')
    .values(
      params.map(([key, value]) => ({
        model_id: modelId,
        experiment_id: experimentId,
        param_key: key,
        param_value: value,
      })),
    )
    .onConflict((oc) => oc.columns(['model_id', 'param_key']).doNothing())
    .execute();
  const stored = await db
    .selectFrom('logged_model_params')
    .select(['param_key', 'param_value'])
    .where('model_id', '=', modelId)
    .where(
      'param_key',
      'in',
      params.map(([key]) => key),
    )
    .execute();
  const storedBy = new Map(stored.map((s) => [s.param_key, s.param_value]));
  const changed = params.find(([key, value]) => storedBy.get(key) !== value);
  if (changed) {
    throw MlflowError.invalidParameterValue(
      `Changing param values is not allowed. Param with key='${changed[0]}' was already logged with ` +
        `value='${storedBy.get(changed[0])}' for model ID='${modelId}'. Attempted logging new value '${changed[1]}'.`,
    );
  }
}

/**
 * Creates a `LOGGED_MODEL_PENDING` model in an active experiment (MLflow's `create_logged_model`): id
 * `m-<32 hex>`, artifacts under `<experiment artifact location>/models/<id>/artifacts`, a generated name when
 * none is given.
 */
export async function createLoggedModel(
  ctx: StoreContext,
  input: CreateLoggedModelInput,
): Promise<LoggedModel> {
  const given = checkName(input?.name);
  if (input?.experimentId === undefined || input.experimentId === null || input.experimentId === '') {
    throw MlflowError.invalidParameterValue(`Missing value for required parameter 'experiment_id'.`);
  }
  const modelType = optionalText(input.modelType, 500, 'model_type');
  const sourceRunId = optionalText(input.sourceRunId, 32, 'source_run_id');
  const params = checkEntries(input.params, 'params');
  const tags = checkEntries(input.tags, 'tags');
  const modelId = `m-${generateRunId()}`;
  await loggedModelDb(ctx)
    .transaction()
    .execute(async (trx) => {
      const experiment = await requireExperimentRow(trx as never, String(input.experimentId));
      requireActiveExperiment(experiment);
      const now = ctx.clock.now();
      await trx
        .insertInto('logged_models')
        .values({
          model_id: modelId,
          experiment_id: experiment.experiment_id,
          name: given ?? generateRunName(),
          artifact_location: appendToUriPath(
            experiment.artifact_location ?? '',
            'models',
            modelId,
            'artifacts',
          ),
          creation_timestamp_ms: now,
          last_updated_timestamp_ms: now,
          status: statusNumber('LOGGED_MODEL_PENDING'),
          lifecycle_stage: 'active',
          model_type: modelType,
          source_run_id: sourceRunId,
          status_message: null,
        })
        .execute();
      await insertParams(trx, modelId, experiment.experiment_id, params);
      await upsertTags(trx, modelId, experiment.experiment_id, tags);
    });
  return getLoggedModel(ctx, modelId);
}

/** One model with its tags, params and metrics (MLflow's `get_logged_model`). */
export async function getLoggedModel(
  ctx: StoreContext,
  modelId: string,
  options: GetLoggedModelOptions = {},
): Promise<LoggedModel> {
  const db = loggedModelDb(ctx);
  const row = await requireModelRow(db, modelId, options.allowDeleted === true);
  const [model] = await hydrateModels(db, [row]);
  return model!;
}

/** Sets a model's status and bumps its last-updated time (MLflow's `finalize_logged_model`). */
export async function finalizeLoggedModel(
  ctx: StoreContext,
  modelId: string,
  status: LoggedModelStatus,
): Promise<LoggedModel> {
  const n = statusNumber(status);
  const db = loggedModelDb(ctx);
  await requireModelRow(db, modelId);
  await db
    .updateTable('logged_models')
    .set({ status: n, last_updated_timestamp_ms: ctx.clock.now() })
    .where('model_id', '=', modelId)
    .execute();
  return getLoggedModel(ctx, modelId);
}

/** Soft-deletes a model (MLflow's `delete_logged_model`: `lifecycle_stage = 'deleted'`, last-updated bumped). */
export async function deleteLoggedModel(ctx: StoreContext, modelId: string): Promise<void> {
  const db = loggedModelDb(ctx);
  await requireModelRow(db, modelId);
  await db
    .updateTable('logged_models')
    .set({ lifecycle_stage: 'deleted', last_updated_timestamp_ms: ctx.clock.now() })
    .where('model_id', '=', modelId)
    .execute();
}

/** Upserts model tags (MLflow's `set_logged_model_tags`, which leaves the last-updated time alone). */
export async function setLoggedModelTags(
  ctx: StoreContext,
  modelId: string,
  tags: Record<string, string>,
): Promise<void> {
  const entries = checkEntries(tags, 'tags');
  const db = loggedModelDb(ctx);
  const row = await requireModelRow(db, modelId);
  await upsertTags(db, modelId, row.experiment_id, entries);
}

/** Deletes a model tag; a missing one is `RESOURCE_DOES_NOT_EXIST` (MLflow's `delete_logged_model_tag`). */
export async function deleteLoggedModelTag(ctx: StoreContext, modelId: string, key: string): Promise<void> {
  const db = loggedModelDb(ctx);
  await requireModelRow(db, modelId);
  const result = await db
    .deleteFrom('logged_model_tags')
    .where('model_id', '=', modelId)
    .where('tag_key', '=', String(key))
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) {
    throw MlflowError.resourceDoesNotExist(`No tag with key '${key}' found for model with ID '${modelId}'.`);
  }
}

/** Logs params on a model (MLflow's `log_logged_model_params`); a changed value is refused. */
export async function logLoggedModelParams(
  ctx: StoreContext,
  modelId: string,
  params: Record<string, string>,
): Promise<void> {
  const entries = checkEntries(params, 'params');
  await loggedModelDb(ctx)
    .transaction()
    .execute(async (trx) => {
      const row = await requireModelRow(trx, modelId);
      await insertParams(trx, modelId, row.experiment_id, entries);
    });
}
