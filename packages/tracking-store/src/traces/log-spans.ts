import {
  MlflowError,
  SpanAttributeKey,
  type SpanRecord,
  TraceMetadataKey,
  TraceTagKey,
} from '@flowline/core';
import { sql } from 'kysely';
import type { StoreContext } from '../context.js';
import { requireExperimentRow } from '../experiments.js';
import { chunk } from '../values.js';
import { dumpJson, loadJson, truncate } from './json.js';
import { encodeSpanContent } from './span-content.js';
import { type TraceDb, traceDb } from './tables.js';
import { INFO_FINALIZED_KEY, MAX_PREVIEW_LENGTH } from './trace-info.js';
import { toTraceState, upsertKeyValues } from './trace-rows.js';

const NS_PER_MS = 1_000_000n;
const TOKEN_KEYS = [
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'cache_read_input_tokens',
  'cache_creation_input_tokens',
];
const COST_KEYS = ['input_cost', 'output_cost', 'total_cost'];

function checkSpan(span: SpanRecord): void {
  if (typeof span.traceId !== 'string' || span.traceId === '' || span.traceId.length > 50) {
    throw MlflowError.invalidParameterValue(`Invalid trace id ${JSON.stringify(span.traceId)} on a span.`);
  }
  if (typeof span.spanId !== 'string' || span.spanId === '' || span.spanId.length > 50) {
    throw MlflowError.invalidParameterValue(`Invalid span id ${JSON.stringify(span.spanId)} on a span.`);
  }
  if (typeof span.startTimeUnixNano !== 'bigint') {
    throw MlflowError.invalidParameterValue(`Span '${span.spanId}' has no start time.`);
  }
}

/** An attribute value as a tag value: strings as they are, anything else JSON-dumped (as MLflow). */
function tagValue(value: unknown): string {
  return typeof value === 'string' ? value : dumpJson(value);
}

function sumInto(total: Record<string, number>, value: unknown, keys: readonly string[]): boolean {
  const parsed = typeof value === 'string' ? loadJson(value) : value;
  if (parsed === null || typeof parsed !== 'object') return false;
  let found = false;
  for (const key of keys) {
    const n = Number((parsed as Record<string, unknown>)[key]);
    if (Number.isFinite(n) && (parsed as Record<string, unknown>)[key] !== undefined) {
      total[key] = (total[key] ?? 0) + n;
      found = true;
    }
  }
  return found;
}

/** Token usage and cost summed over every stored span of a trace that reports them. */
async function usageOfTrace(db: TraceDb, traceId: string): Promise<Record<string, string>> {
  const rows = await db
    .selectFrom('spans')
    .select('content')
    .where('trace_id', '=', traceId)
    .where((eb) =>
      eb.or([
        eb('content', 'like', `%${SpanAttributeKey.CHAT_USAGE}%`),
        eb('content', 'like', `%${SpanAttributeKey.LLM_COST}%`),
      ]),
    )
    .execute();
  const tokens: Record<string, number> = {};
  const cost: Record<string, number> = {};
  let hasTokens = false;
  let hasCost = false;
  for (const row of rows) {
    const attributes = (loadJson(row.content) as { attributes?: Record<string, unknown> }).attributes ?? {};
    hasTokens = sumInto(tokens, attributes[SpanAttributeKey.CHAT_USAGE], TOKEN_KEYS) || hasTokens;
    hasCost = sumInto(cost, attributes[SpanAttributeKey.LLM_COST], COST_KEYS) || hasCost;
  }
  const out: Record<string, string> = {};
  if (hasTokens) out[TraceMetadataKey.TOKEN_USAGE] = dumpJson(tokens);
  if (hasCost) out[TraceMetadataKey.COST] = dumpJson(cost);
  return out;
}

function spanRow(experimentId: number, span: SpanRecord) {
  const type = span.type ?? span.attributes[SpanAttributeKey.SPAN_TYPE];
  return {
    trace_id: span.traceId,
    experiment_id: experimentId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId ?? null,
    name: span.name,
    type: typeof type === 'string' ? truncate(type, 500) : null,
    status: span.status,
    start_time_unix_nano: span.startTimeUnixNano,
    end_time_unix_nano: span.endTimeUnixNano ?? null,
    content: encodeSpanContent(span),
  };
}

/**
 * Tags and metadata a batch of spans gives its trace: resource attributes as tags (kept if set), and
 * `mlflow.traceTag.*` as tags and `mlflow.traceMetadata.*` as metadata (these win).
 */
function tagsFromSpans(spans: SpanRecord[]): {
  resource: Record<string, string>;
  explicit: Record<string, string>;
  metadata: Record<string, string>;
} {
  const resource: Record<string, string> = {};
  const explicit: Record<string, string> = {};
  const metadata: Record<string, string> = {};
  for (const span of spans) {
    for (const [key, value] of Object.entries(span.resourceAttributes ?? {})) {
      if (key.startsWith('telemetry.sdk.') || key.startsWith('mlflow.')) continue;
      resource[key] = tagValue(value);
    }
    for (const [key, value] of Object.entries(span.attributes)) {
      if (
        key.startsWith(SpanAttributeKey.TRACE_TAG_PREFIX) &&
        key.length > SpanAttributeKey.TRACE_TAG_PREFIX.length
      ) {
        explicit[key.slice(SpanAttributeKey.TRACE_TAG_PREFIX.length)] = tagValue(value);
      } else if (
        key.startsWith(SpanAttributeKey.TRACE_METADATA_PREFIX) &&
        key.length > SpanAttributeKey.TRACE_METADATA_PREFIX.length
      ) {
        metadata[key.slice(SpanAttributeKey.TRACE_METADATA_PREFIX.length)] = tagValue(value);
      }
    }
  }
  return { resource, explicit, metadata };
}

async function logTraceSpans(
  ctx: StoreContext,
  trx: TraceDb,
  experimentId: number,
  traceId: string,
  spans: SpanRecord[],
): Promise<void> {
  const root = spans.findLast((s) => !s.parentSpanId);
  const rootState = root ? (root.status === 'ERROR' ? 'ERROR' : 'OK') : 'IN_PROGRESS';
  let minStart = spans[0]!.startTimeUnixNano;
  let maxEnd: bigint | null = null;
  for (const s of spans) {
    if (s.startTimeUnixNano < minStart) minStart = s.startTimeUnixNano;
    if (s.endTimeUnixNano !== undefined && (maxEnd === null || s.endTimeUnixNano > maxEnd))
      maxEnd = s.endTimeUnixNano;
  }
  // A concurrent logSpans may create the row between our look and our insert: insert-or-nothing, then lock.
  await trx
    .insertInto('trace_info')
    .values({
      request_id: traceId,
      experiment_id: experimentId,
      timestamp_ms: Number(minStart / NS_PER_MS),
      execution_time_ms: maxEnd === null ? null : Number((maxEnd - minStart) / NS_PER_MS),
      status: rootState,
      client_request_id: null,
      request_preview: null,
      response_preview: null,
    })
    .onConflict((oc) => oc.column('request_id').doNothing())
    .execute();
  const row = await ctx.adapter
    .forUpdate(trx.selectFrom('trace_info').selectAll().where('request_id', '=', traceId))
    .executeTakeFirstOrThrow();
  const finalized = await trx
    .selectFrom('trace_request_metadata')
    .select('value')
    .where('request_id', '=', traceId)
    .where('key', '=', INFO_FINALIZED_KEY)
    .executeTakeFirst();

  const ordered = [...spans].sort((a, b) => (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0));
  for (const part of chunk(ordered, 50)) {
    await trx
      .insertInto('spans')
      .values(part.map((s) => spanRow(row.experiment_id, s)))
      .onConflict((oc) =>
        oc.columns(['trace_id', 'span_id']).doUpdateSet((eb) => ({
          parent_span_id: eb.ref('excluded.parent_span_id'),
          name: eb.ref('excluded.name'),
          type: eb.ref('excluded.type'),
          status: eb.ref('excluded.status'),
          start_time_unix_nano: eb.ref('excluded.start_time_unix_nano'),
          end_time_unix_nano: eb.ref('excluded.end_time_unix_nano'),
          content: eb.ref('excluded.content'),
        })),
      )
      .execute();
  }

  const update: Record<string, unknown> = {};
  const state = toTraceState(row.status);
  if (root && (state === 'IN_PROGRESS' || state === 'STATE_UNSPECIFIED')) update.status = rootState;
  if (!finalized) {
    // Times cover every span stored so far (MLflow: start = min start // 1e6, duration = (max end − start) // 1e6).
    const range = await trx
      .selectFrom('spans')
      .select([
        sql<string>`cast(min(start_time_unix_nano) as text)`.as('start_ns'),
        sql<string | null>`cast(max(end_time_unix_nano) as text)`.as('end_ns'),
      ])
      .where('trace_id', '=', traceId)
      .executeTakeFirstOrThrow();
    let start = BigInt(range.start_ns);
    const existingStart = BigInt(Number(row.timestamp_ms)) * NS_PER_MS;
    if (existingStart / NS_PER_MS < start / NS_PER_MS) start = existingStart;
    update.timestamp_ms = Number(start / NS_PER_MS);
    update.execution_time_ms =
      range.end_ns === null ? null : Number((BigInt(range.end_ns) - start) / NS_PER_MS);
  }
  const inputs = root?.attributes[SpanAttributeKey.INPUTS];
  const outputs = root?.attributes[SpanAttributeKey.OUTPUTS];
  // Previews the root span gives explicitly win; otherwise they are its inputs and outputs, once.
  const requestPreview = root?.attributes[SpanAttributeKey.TRACE_REQUEST_PREVIEW];
  const responsePreview = root?.attributes[SpanAttributeKey.TRACE_RESPONSE_PREVIEW];
  if (requestPreview !== undefined)
    update.request_preview = truncate(tagValue(requestPreview), MAX_PREVIEW_LENGTH);
  else if (inputs !== undefined && row.request_preview === null) {
    update.request_preview = truncate(dumpJson(inputs), MAX_PREVIEW_LENGTH);
  }
  if (responsePreview !== undefined)
    update.response_preview = truncate(tagValue(responsePreview), MAX_PREVIEW_LENGTH);
  else if (outputs !== undefined && row.response_preview === null) {
    update.response_preview = truncate(dumpJson(outputs), MAX_PREVIEW_LENGTH);
  }
  if (Object.keys(update).length > 0) {
    await trx.updateTable('trace_info').set(update).where('request_id', '=', traceId).execute();
  }

  const { resource, explicit, metadata: explicitMetadata } = tagsFromSpans(spans);
  const derived: Record<string, string> = { ...resource };
  if (root) derived[TraceTagKey.TRACE_NAME] = root.name;
  await upsertKeyValues(trx, 'trace_tags', traceId, derived, false);
  await upsertKeyValues(trx, 'trace_tags', traceId, {
    ...explicit,
    [TraceTagKey.SPANS_LOCATION]: 'TRACKING_STORE',
  });
  const metadata: Record<string, string> = {};
  if (inputs !== undefined)
    metadata[TraceMetadataKey.INPUTS] = truncate(dumpJson(inputs), MAX_PREVIEW_LENGTH);
  if (outputs !== undefined)
    metadata[TraceMetadataKey.OUTPUTS] = truncate(dumpJson(outputs), MAX_PREVIEW_LENGTH);
  await upsertKeyValues(trx, 'trace_request_metadata', traceId, metadata, false);
  await upsertKeyValues(trx, 'trace_request_metadata', traceId, explicitMetadata);
  if (!finalized)
    await upsertKeyValues(trx, 'trace_request_metadata', traceId, await usageOfTrace(trx, traceId));
}

/**
 * Stores spans (MLflow's `log_spans`): each span's trace is created when missing (times from its spans,
 * `IN_PROGRESS` until the root span arrives, then the root's status with UNSET as OK), span rows are upserted
 * by (trace, span id), and the trace gets `mlflow.trace.spansLocation=TRACKING_STORE`, the summed token usage
 * and cost, `mlflow.traceTag.*` and resource attributes as tags, and its name, previews and inputs/outputs
 * from the root span where not already set. One transaction for the call.
 */
export async function logSpans(ctx: StoreContext, experimentId: string, spans: SpanRecord[]): Promise<void> {
  if (spans.length === 0) return;
  for (const span of spans) checkSpan(span);
  const byTrace = new Map<string, SpanRecord[]>();
  for (const span of spans) {
    const list = byTrace.get(span.traceId) ?? [];
    list.push(span);
    byTrace.set(span.traceId, list);
  }
  await traceDb(ctx)
    .transaction()
    .execute(async (trx) => {
      const experiment = await requireExperimentRow(trx as never, String(experimentId));
      for (const traceId of [...byTrace.keys()].sort()) {
        await logTraceSpans(ctx, trx, experiment.experiment_id, traceId, byTrace.get(traceId)!);
      }
    });
}
