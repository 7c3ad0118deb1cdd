import {
  generateUuid,
  type LoggedModelInput,
  type LoggedModelOutput,
  MlflowError,
  validateLength,
} from '@flowline/core';
import type { Database } from '@flowline/db';
import type { Kysely, Transaction } from 'kysely';
import type { StoreContext } from './context.js';
import { requireModelsExist } from './logged-models/model-metrics.js';
import type { LoggedModelDb } from './logged-models/tables.js';
import { requireActiveRunRow } from './runs.js';
import { chunk, toNumber } from './values.js';

// MLflow 3 keeps a run's model inputs and outputs in the `inputs` table, beside its dataset inputs: a model
// the run used is `RUN_INPUT <run id> → MODEL_INPUT <model id>` (step 0), one it produced is
// `RUN_OUTPUT <run id> → MODEL_OUTPUT <model id>` with the step it was logged at (`sqlalchemy_store.py`'s
// `log_inputs` / `log_outputs`). These are MLflow's exact strings, so either side reads the other's rows.

/** `inputs.source_type` / `destination_type` of a model a run used. */
export const MODEL_INPUT_EDGE = { source: 'RUN_INPUT', destination: 'MODEL_INPUT' } as const;
/** `inputs.source_type` / `destination_type` of a model a run produced. */
export const MODEL_OUTPUT_EDGE = { source: 'RUN_OUTPUT', destination: 'MODEL_OUTPUT' } as const;

// `inputs.destination_id` is VARCHAR(36), as long as a model id (`m-` and 32 hex digits) can be and more.
const MAX_MODEL_ID_LENGTH = 36;

type Db = Kysely<Database> | Transaction<Database>;

function modelIdOf(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '') {
    throw MlflowError.invalidParameterValue(`Missing value for required parameter '${where}.model_id'.`);
  }
  validateLength(value, MAX_MODEL_ID_LENGTH, `${where}.model_id`);
  return value;
}

function stepOf(value: unknown, where: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw MlflowError.invalidParameterValue(
      `Invalid value ${JSON.stringify(value)} for parameter '${where}.step' supplied: it must be an integer.`,
    );
  }
  return value;
}

/** Refuses ids of models that do not exist, through the logged-model store's check. */
function checkModelIds(db: Db, ids: readonly string[]): Promise<void> {
  return requireModelsExist(db as unknown as LoggedModelDb, ids);
}

function listOf<T>(value: unknown, what: string): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw MlflowError.invalidParameterValue(`'${what}' must be a list.`);
  return value as T[];
}

/**
 * Records logged models as outputs of an active run, each at its step (MLflow 3's `log_outputs`). The models
 * must exist. Logging a model again as an output of the same run moves it to the new step: the table keeps
 * one row per run and model, and MLflow's insert of a second one would be refused.
 */
export async function logOutputs(
  ctx: StoreContext,
  runId: string,
  models: LoggedModelOutput[],
): Promise<void> {
  const outputs = new Map<string, number>();
  listOf<LoggedModelOutput>(models, 'models').forEach((m, i) => {
    outputs.set(modelIdOf(m?.modelId, `models[${i}]`), stepOf(m?.step, `models[${i}]`));
  });
  await ctx.db.transaction().execute(async (trx) => {
    const run = await requireActiveRunRow(trx, runId);
    if (outputs.size === 0) return;
    await checkModelIds(trx, [...outputs.keys()]);
    for (const [modelId, step] of outputs) {
      await trx
        .insertInto('inputs')
        .values({
          input_uuid: generateUuid(),
          source_type: MODEL_OUTPUT_EDGE.source,
          source_id: run.run_uuid,
          destination_type: MODEL_OUTPUT_EDGE.destination,
          destination_id: modelId,
          step,
        })
        .onConflict((oc) =>
          oc
            .columns(['source_type', 'source_id', 'destination_type', 'destination_id'])
            .doUpdateSet({ step }),
        )
        .execute();
    }
  });
}

/** Checks the models a `logInputs` call names (MLflow 3's `LogInputs.models`) before anything is written. */
export async function checkModelInputs(ctx: StoreContext, models: unknown): Promise<string[]> {
  const ids = [
    ...new Set(
      listOf<LoggedModelInput>(models, 'models').map((m, i) => modelIdOf(m?.modelId, `models[${i}]`)),
    ),
  ];
  if (ids.length > 0) await checkModelIds(ctx.db, ids);
  return ids;
}

/** Records logged models an active run used (MLflow 3's `log_inputs` models); a repeated one is kept once. */
export async function logModelInputs(ctx: StoreContext, runId: string, modelIds: string[]): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const run = await requireActiveRunRow(trx, runId);
    for (const modelId of modelIds) {
      await trx
        .insertInto('inputs')
        .values({
          input_uuid: generateUuid(),
          source_type: MODEL_INPUT_EDGE.source,
          source_id: run.run_uuid,
          destination_type: MODEL_INPUT_EDGE.destination,
          destination_id: modelId,
        })
        .onConflict((oc) =>
          oc.columns(['source_type', 'source_id', 'destination_type', 'destination_id']).doNothing(),
        )
        .execute();
    }
  });
}

/** The model inputs and outputs of some runs, by run id. */
export interface RunModels {
  inputs: Map<string, LoggedModelInput[]>;
  outputs: Map<string, LoggedModelOutput[]>;
}

/** Loads the model inputs and outputs of these runs (one query per 900 runs), ordered by step and model id. */
export async function loadRunModels(db: Db, runIds: readonly string[]): Promise<RunModels> {
  const found: RunModels = { inputs: new Map(), outputs: new Map() };
  for (const part of chunk(runIds, 900)) {
    const rows = await db
      .selectFrom('inputs')
      .select(['source_type', 'source_id', 'destination_type', 'destination_id', 'step'])
      .where('source_id', 'in', part)
      .where((eb) =>
        eb.or([
          eb.and([
            eb('source_type', '=', MODEL_INPUT_EDGE.source),
            eb('destination_type', '=', MODEL_INPUT_EDGE.destination),
          ]),
          eb.and([
            eb('source_type', '=', MODEL_OUTPUT_EDGE.source),
            eb('destination_type', '=', MODEL_OUTPUT_EDGE.destination),
          ]),
        ]),
      )
      .orderBy('step')
      .orderBy('destination_id')
      .execute();
    for (const row of rows) {
      if (row.source_type === MODEL_INPUT_EDGE.source) {
        push(found.inputs, row.source_id, { modelId: row.destination_id });
      } else {
        push(found.outputs, row.source_id, { modelId: row.destination_id, step: toNumber(row.step) ?? 0 });
      }
    }
  }
  return found;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
