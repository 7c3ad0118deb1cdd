import {
  type DeleteTracesOptions,
  generateRunId,
  MlflowError,
  validateKey,
  validateLength,
} from '@flowline/core';
import type { StoreContext } from '../context.js';
import { experimentKey } from '../experiments.js';
import { requireRunRow } from '../runs.js';
import { chunk } from '../values.js';
import { truncate } from './json.js';
import { traceDb } from './tables.js';
import { MAX_TRACE_KEY_LENGTH, MAX_TRACE_VALUE_LENGTH, requireTraceRow } from './trace-rows.js';

/** MLflow's limit on `link_traces_to_run` (`_MAX_TRACES_TO_LINK`… as its handler checks). */
const MAX_TRACES_TO_LINK = 100;

/** `entity_associations` type names (MLflow's `EntityAssociationType`). */
export const ENTITY_TRACE = 'trace';
export const ENTITY_RUN = 'run';

function checkTagKey(key: unknown): string {
  if (key === undefined || key === null || key === '') {
    throw MlflowError.invalidParameterValue(`Missing value for required parameter 'key'.`);
  }
  if (typeof key === 'string') validateLength(key, MAX_TRACE_KEY_LENGTH, 'key');
  return validateKey('tag', key);
}

/** Sets a trace tag (MLflow's `set_trace_tag`); values over 8000 characters are cut, as its SQL store does. */
export async function setTraceTag(
  ctx: StoreContext,
  traceId: string,
  key: string,
  value: string,
): Promise<void> {
  const k = checkTagKey(key);
  const v = truncate(String(value ?? ''), MAX_TRACE_VALUE_LENGTH);
  await traceDb(ctx)
    .transaction()
    .execute(async (trx) => {
      const row = await requireTraceRow(trx, traceId);
      await trx
        .insertInto('trace_tags')
        .values({ request_id: row.request_id, key: k, value: v })
        .onConflict((oc) => oc.columns(['key', 'request_id']).doUpdateSet({ value: v }))
        .execute();
    });
}

/** Deletes a trace tag (MLflow's `delete_trace_tag`); a missing tag is RESOURCE_DOES_NOT_EXIST. */
export async function deleteTraceTag(ctx: StoreContext, traceId: string, key: string): Promise<void> {
  if (key === undefined || key === null || key === '') {
    throw MlflowError.invalidParameterValue(`Missing value for required parameter 'key'.`);
  }
  await traceDb(ctx)
    .transaction()
    .execute(async (trx) => {
      const row = await requireTraceRow(trx, traceId);
      const result = await trx
        .deleteFrom('trace_tags')
        .where('request_id', '=', row.request_id)
        .where('key', '=', key)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) {
        throw MlflowError.resourceDoesNotExist(
          `No trace tag with key '${key}' for trace with ID '${traceId}'.`,
        );
      }
    });
}

/**
 * Links traces to a run (MLflow's `link_traces_to_run`): one `entity_associations` row per trace, trace →
 * run, so a `run_id` search finds them. Linking twice is harmless.
 */
export async function linkTracesToRun(ctx: StoreContext, traceIds: string[], runId: string): Promise<void> {
  if (traceIds.length === 0) return;
  if (traceIds.length > MAX_TRACES_TO_LINK) {
    throw MlflowError.invalidParameterValue(
      `Cannot link more than ${MAX_TRACES_TO_LINK} traces to a run in a single request. Got ${traceIds.length} traces.`,
    );
  }
  const now = ctx.clock.now();
  await traceDb(ctx)
    .transaction()
    .execute(async (trx) => {
      const run = await requireRunRow(trx as never, runId);
      for (const id of [...new Set(traceIds)].sort()) {
        await requireTraceRow(trx, id);
        await trx
          .insertInto('entity_associations')
          .values({
            association_id: `a-${generateRunId()}`,
            source_type: ENTITY_TRACE,
            source_id: id,
            destination_type: ENTITY_RUN,
            destination_id: run.run_uuid,
            created_time: now,
          })
          .onConflict((oc) =>
            oc.columns(['source_type', 'source_id', 'destination_type', 'destination_id']).doNothing(),
          )
          .execute();
      }
    });
}

function checkDeleteOptions(options: DeleteTracesOptions): { ids: string[] | null; max: number | null } {
  const ids = options.traceIds && options.traceIds.length > 0 ? options.traceIds : null;
  const maxTimestamp = options.maxTimestampMillis ?? null;
  if (maxTimestamp === null && ids === null) {
    throw MlflowError.invalidParameterValue(
      'Either `max_timestamp_millis` or `trace_ids` must be specified.',
    );
  }
  if (maxTimestamp !== null && ids !== null) {
    throw MlflowError.invalidParameterValue(
      'Only one of `max_timestamp_millis` and `trace_ids` can be specified.',
    );
  }
  if (ids !== null && options.maxTraces !== undefined && options.maxTraces !== null) {
    throw MlflowError.invalidParameterValue("`max_traces` can't be specified if `trace_ids` is specified.");
  }
  const max = options.maxTraces ?? null;
  if (max !== null && (!Number.isInteger(max) || max <= 0)) {
    throw MlflowError.invalidParameterValue(`\`max_traces\` must be a positive integer, received ${max}`);
  }
  return { ids, max };
}

/**
 * Deletes traces of an experiment (MLflow's `_delete_traces`): those with `timestamp_ms ≤ maxTimestampMillis`,
 * oldest first and at most `maxTraces`, or the given ids. Tags, metadata, assessments and spans go with them
 * (the schema's cascades); returns how many traces were deleted.
 */
export async function deleteTraces(ctx: StoreContext, options: DeleteTracesOptions): Promise<number> {
  const { ids, max } = checkDeleteOptions(options);
  const key = experimentKey(String(options.experimentId ?? ''));
  if (key === null) return 0;
  return traceDb(ctx)
    .transaction()
    .execute(async (trx) => {
      let targets: string[];
      if (ids !== null) {
        targets = [];
        for (const part of chunk([...new Set(ids)], 500)) {
          const rows = await trx
            .selectFrom('trace_info')
            .select('request_id')
            .where('experiment_id', '=', key)
            .where('request_id', 'in', part)
            .execute();
          targets.push(...rows.map((r) => r.request_id));
        }
      } else {
        let query = trx
          .selectFrom('trace_info')
          .select('request_id')
          .where('experiment_id', '=', key)
          .where('timestamp_ms', '<=', options.maxTimestampMillis!)
          .orderBy('timestamp_ms', 'asc')
          .orderBy('request_id', 'asc');
        if (max !== null) query = query.limit(max);
        targets = (await query.execute()).map((r) => r.request_id);
      }
      for (const part of chunk(targets, 500)) {
        await trx
          .deleteFrom('entity_associations')
          .where('source_type', '=', ENTITY_TRACE)
          .where('source_id', 'in', part)
          .execute();
        await trx.deleteFrom('trace_info').where('request_id', 'in', part).execute();
      }
      return targets.length;
    });
}
