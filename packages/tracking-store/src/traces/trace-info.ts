import {
  appendToUriPath,
  type EndTraceV2Input,
  generateRunId,
  MlflowError,
  type StartTraceInput,
  type StartTraceV2Input,
  type TraceInfo,
  TraceTagKey,
} from '@flowline/core';
import type { StoreContext } from '../context.js';
import { requireExperimentRow } from '../experiments.js';
import { chunk } from '../values.js';
import { truncate } from './json.js';
import { type TraceDb, traceDb } from './tables.js';
import { checkTraceState, hydrateTraces, requireTraceRow, upsertKeyValues } from './trace-rows.js';

/** MLflow 2.x and 3.x previews are VARCHAR(1000) (`TRACE_REQUEST_RESPONSE_PREVIEW_MAX_LENGTH_OSS`). */
export const MAX_PREVIEW_LENGTH = 1000;
const MAX_TRACE_ID_LENGTH = 50;

/** Set on traces whose info the client sent (MLflow's `start_trace`): span logging then leaves it as it is. */
export const INFO_FINALIZED_KEY = 'mlflow.trace.infoFinalized';

function checkTime(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw MlflowError.invalidParameterValue(
      `Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied.`,
    );
  }
  return value;
}

/** The `mlflow.artifactLocation` tag of a trace: `<experiment artifact location>/traces/<id>/artifacts`. */
async function artifactLocationTag(db: TraceDb, experimentId: string, traceId: string) {
  const experiment = await requireExperimentRow(db as never, String(experimentId));
  return {
    experiment,
    tag: appendToUriPath(experiment.artifact_location ?? '', 'traces', traceId, 'artifacts'),
  };
}

/**
 * Records a trace as the client made it (MLflow's `start_trace`, StartTraceV3): id, times, state, previews,
 * tags and metadata are kept, `mlflow.artifactLocation` is added, and a row `logSpans` made first is merged into.
 */
export async function startTrace(ctx: StoreContext, info: StartTraceInput): Promise<TraceInfo> {
  if (typeof info.traceId !== 'string' || info.traceId === '') {
    throw MlflowError.invalidParameterValue(`Missing value for required parameter 'trace_id'.`);
  }
  if (info.traceId.length > MAX_TRACE_ID_LENGTH) {
    throw MlflowError.invalidParameterValue(
      `'trace_id' exceeds the maximum length of ${MAX_TRACE_ID_LENGTH} characters (got ${info.traceId.length}).`,
    );
  }
  const requestTime = checkTime(info.requestTime, 'request_time');
  const duration =
    info.executionDuration === undefined || info.executionDuration === null
      ? null
      : checkTime(info.executionDuration, 'execution_duration');
  const state = checkTraceState(info.state ?? 'STATE_UNSPECIFIED');
  const columns = {
    timestamp_ms: requestTime,
    execution_time_ms: duration,
    status: state,
    client_request_id: info.clientRequestId ? truncate(info.clientRequestId, 50) : null,
    request_preview: info.requestPreview ? truncate(info.requestPreview, MAX_PREVIEW_LENGTH) : null,
    response_preview: info.responsePreview ? truncate(info.responsePreview, MAX_PREVIEW_LENGTH) : null,
  };
  await traceDb(ctx)
    .transaction()
    .execute(async (trx) => {
      const { experiment, tag } = await artifactLocationTag(trx, info.experimentId, info.traceId);
      const existing = await ctx.adapter
        .forUpdate(trx.selectFrom('trace_info').select('request_id').where('request_id', '=', info.traceId))
        .executeTakeFirst();
      if (existing) {
        // Spans came first (logSpans made the row): the client's info wins, previews only where it has them.
        const { request_preview, response_preview, client_request_id, ...rest } = columns;
        await trx
          .updateTable('trace_info')
          .set({
            ...rest,
            ...(client_request_id ? { client_request_id } : {}),
            ...(request_preview ? { request_preview } : {}),
            ...(response_preview ? { response_preview } : {}),
          })
          .where('request_id', '=', info.traceId)
          .execute();
      } else {
        await trx
          .insertInto('trace_info')
          .values({ request_id: info.traceId, experiment_id: experiment.experiment_id, ...columns })
          .execute();
      }
      await upsertKeyValues(trx, 'trace_tags', info.traceId, {
        ...info.tags,
        [TraceTagKey.ARTIFACT_LOCATION]: tag,
      });
      await upsertKeyValues(trx, 'trace_request_metadata', info.traceId, {
        ...info.traceMetadata,
        [INFO_FINALIZED_KEY]: 'true',
      });
    });
  return getTraceInfo(ctx, info.traceId);
}

/** Starts an `IN_PROGRESS` trace with a generated id (MLflow 2's `StartTrace`, `deprecated_start_trace_v2`). */
export async function startTraceV2(ctx: StoreContext, input: StartTraceV2Input): Promise<TraceInfo> {
  const timestamp = checkTime(input.timestampMs, 'timestamp_ms');
  const traceId = generateRunId();
  await traceDb(ctx)
    .transaction()
    .execute(async (trx) => {
      const { experiment, tag } = await artifactLocationTag(trx, input.experimentId, traceId);
      await trx
        .insertInto('trace_info')
        .values({
          request_id: traceId,
          experiment_id: experiment.experiment_id,
          timestamp_ms: timestamp,
          execution_time_ms: null,
          status: 'IN_PROGRESS',
          client_request_id: null,
          request_preview: null,
          response_preview: null,
        })
        .execute();
      await upsertKeyValues(trx, 'trace_tags', traceId, {
        ...input.tags,
        [TraceTagKey.ARTIFACT_LOCATION]: tag,
      });
      await upsertKeyValues(trx, 'trace_request_metadata', traceId, input.requestMetadata);
    });
  return getTraceInfo(ctx, traceId);
}

/** Ends a trace (MLflow 2's `EndTrace`): duration from its start, the given state, metadata and tags merged. */
export async function endTraceV2(
  ctx: StoreContext,
  traceId: string,
  input: EndTraceV2Input,
): Promise<TraceInfo> {
  const end = checkTime(input.timestampMs, 'timestamp_ms');
  const state = checkTraceState(input.status, 'status');
  await traceDb(ctx)
    .transaction()
    .execute(async (trx) => {
      const row = await requireTraceRow(trx, traceId);
      await trx
        .updateTable('trace_info')
        .set({ execution_time_ms: end - Number(row.timestamp_ms), status: state })
        .where('request_id', '=', row.request_id)
        .execute();
      await upsertKeyValues(trx, 'trace_tags', row.request_id, input.tags);
      await upsertKeyValues(trx, 'trace_request_metadata', row.request_id, input.requestMetadata);
    });
  return getTraceInfo(ctx, traceId);
}

/** One trace's info (MLflow's `get_trace_info`). */
export async function getTraceInfo(ctx: StoreContext, traceId: string): Promise<TraceInfo> {
  const db = traceDb(ctx);
  const row = await requireTraceRow(db, traceId);
  const [info] = await hydrateTraces(db, [row]);
  return info!;
}

/** The infos of the given traces that exist, in the order asked (MLflow's `batch_get_trace_infos`). */
export async function batchGetTraceInfos(ctx: StoreContext, traceIds: string[]): Promise<TraceInfo[]> {
  const db = traceDb(ctx);
  const unique = [...new Set(traceIds)];
  const rows = [];
  for (const part of chunk(unique, 500)) {
    rows.push(...(await db.selectFrom('trace_info').selectAll().where('request_id', 'in', part).execute()));
  }
  const byId = new Map((await hydrateTraces(db, rows)).map((t) => [t.traceId, t]));
  return unique.flatMap((id) => {
    const info = byId.get(id);
    return info ? [info] : [];
  });
}
