import { SpanAttributeKey, type SpanRecord } from '@flowline/core';
import { sql, type Updateable } from 'kysely';
import type { StoreContext } from '../context.js';
import { requireExperimentRow } from '../experiments.js';
import { chunk, toNumber } from '../values.js';
import { loadJson } from './json.js';
import {
  allOverwriting,
  checkSpan,
  groupByTrace,
  newTraceRow,
  rootPreviews,
  spanRow,
  type TraceKeyValues,
  type TraceSpans,
  traceKeyValues,
  traceTimes,
  usageOf,
  usageOfStored,
} from './span-batch.js';
import { type TraceDb, type TraceInfoTable, traceDb } from './tables.js';
import { INFO_FINALIZED_KEY } from './trace-info.js';
import {
  type KeyValueRow,
  keyValueRowsOf,
  type TraceRow,
  toTraceState,
  upsertKeyValueRows,
} from './trace-rows.js';

// A call costs a fixed handful of statements whatever its number of traces: the database is asked only about
// the traces that already had rows; for those this call creates, everything follows from the spans in hand.

// Bound parameters per statement stay under both drivers' limits (trace_info 8 columns, spans 10).
const TRACE_CHUNK = 500;
const SPAN_CHUNK = 200;
const ID_CHUNK = 500;

/** Inserts the traces that do not exist yet (insert-or-nothing, as a concurrent call may create one first). */
async function createMissingTraces(
  trx: TraceDb,
  experimentId: number,
  traces: TraceSpans[],
): Promise<Set<string>> {
  const created = new Set<string>();
  for (const part of chunk(traces, TRACE_CHUNK)) {
    const rows = await trx
      .insertInto('trace_info')
      .values(part.map((t) => newTraceRow(experimentId, t)))
      .onConflict((oc) => oc.column('request_id').doNothing())
      .returning('request_id')
      .execute();
    for (const row of rows) created.add(row.request_id);
  }
  return created;
}

/** The traces' rows, locked until the transaction ends, in id order. */
async function lockTraceRows(ctx: StoreContext, trx: TraceDb, ids: string[]): Promise<Map<string, TraceRow>> {
  const rows = new Map<string, TraceRow>();
  for (const part of chunk(ids, ID_CHUNK)) {
    const query = trx
      .selectFrom('trace_info')
      .selectAll()
      .where('request_id', 'in', part)
      .orderBy('request_id');
    for (const row of await ctx.adapter.forUpdate(query).execute()) rows.set(row.request_id, row);
  }
  for (const id of ids)
    if (!rows.has(id)) throw new Error(`Trace '${id}' vanished while its spans were logged.`);
  return rows;
}

/** Those of the traces whose info a client finalized (startTrace): span logging leaves their times and usage. */
async function finalizedTraces(trx: TraceDb, ids: string[]): Promise<Set<string>> {
  const finalized = new Set<string>();
  for (const part of chunk(ids, ID_CHUNK)) {
    const rows = await trx
      .selectFrom('trace_request_metadata')
      .select('request_id')
      .where('request_id', 'in', part)
      .where('key', '=', INFO_FINALIZED_KEY)
      .execute();
    for (const row of rows) finalized.add(row.request_id);
  }
  return finalized;
}

async function upsertSpans(trx: TraceDb, traces: TraceSpans[], rows: Map<string, TraceRow>): Promise<void> {
  // Each trace's spans are written under the trace's experiment, in (trace, span id) order.
  const spanRows = traces.flatMap((t) => t.stored.map((s) => spanRow(rows.get(t.traceId)!.experiment_id, s)));
  for (const part of chunk(spanRows, SPAN_CHUNK)) {
    await trx
      .insertInto('spans')
      .values(part)
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
}

/** The time range of every stored span of each trace (MLflow derives the trace's times from all of them). */
async function storedTimeRanges(
  trx: TraceDb,
  ids: string[],
): Promise<Map<string, { startNs: bigint; endNs: bigint | null }>> {
  const ranges = new Map<string, { startNs: bigint; endNs: bigint | null }>();
  for (const part of chunk(ids, ID_CHUNK)) {
    const rows = await trx
      .selectFrom('spans')
      .select([
        'trace_id',
        sql<string>`cast(min(start_time_unix_nano) as text)`.as('start_ns'),
        sql<string | null>`cast(max(end_time_unix_nano) as text)`.as('end_ns'),
      ])
      .where('trace_id', 'in', part)
      .groupBy('trace_id')
      .execute();
    for (const r of rows) {
      ranges.set(r.trace_id, {
        startNs: BigInt(r.start_ns),
        endNs: r.end_ns === null ? null : BigInt(r.end_ns),
      });
    }
  }
  return ranges;
}

/** Token usage and cost summed over every stored span of each trace that reports them. */
async function storedUsage(trx: TraceDb, ids: string[]): Promise<Map<string, Record<string, string>>> {
  const attributes = new Map<string, Record<string, unknown>[]>(ids.map((id) => [id, []]));
  for (const part of chunk(ids, ID_CHUNK)) {
    const rows = await trx
      .selectFrom('spans')
      .select(['trace_id', 'content'])
      .where('trace_id', 'in', part)
      .where((eb) =>
        eb.or([
          eb('content', 'like', `%${SpanAttributeKey.CHAT_USAGE}%`),
          eb('content', 'like', `%${SpanAttributeKey.LLM_COST}%`),
        ]),
      )
      // Summed in span-id order, as spans in hand are, so the keys come out in one order.
      .orderBy('trace_id')
      .orderBy('span_id')
      .execute();
    for (const row of rows) {
      const content = loadJson(row.content) as { attributes?: Record<string, unknown> };
      attributes.get(row.trace_id)?.push(content.attributes ?? {});
    }
  }
  return new Map([...attributes].map(([id, list]) => [id, usageOf(list)]));
}

/** What a trace that existed before this call takes from its spans; only the columns whose value changes. */
function existingTraceUpdate(
  trace: TraceSpans,
  row: TraceRow,
  range: { startNs: bigint; endNs: bigint | null } | undefined,
): Updateable<TraceInfoTable> {
  const update: Updateable<TraceInfoTable> = {};
  const state = toTraceState(row.status);
  if (trace.root && (state === 'IN_PROGRESS' || state === 'STATE_UNSPECIFIED'))
    update.status = trace.rootState;
  if (range) {
    // Times cover every span stored so far.
    const times = traceTimes(range, Number(row.timestamp_ms));
    if (toNumber(row.timestamp_ms) !== times.timestamp_ms) update.timestamp_ms = times.timestamp_ms;
    if (toNumber(row.execution_time_ms) !== times.execution_time_ms)
      update.execution_time_ms = times.execution_time_ms;
  }
  const previews = rootPreviews(trace, row);
  if (previews.request_preview !== undefined && previews.request_preview !== row.request_preview)
    update.request_preview = previews.request_preview;
  if (previews.response_preview !== undefined && previews.response_preview !== row.response_preview)
    update.response_preview = previews.response_preview;
  return update;
}

/** Writes every trace's tags and metadata: one statement for the kept entries and one for the overwriting. */
async function upsertTraceKeyValues(trx: TraceDb, entries: Map<string, TraceKeyValues>): Promise<void> {
  const rows = (pick: (kv: TraceKeyValues) => Map<string, string>): KeyValueRow[] =>
    [...entries].flatMap(([id, kv]) => keyValueRowsOf(id, pick(kv)));
  await upsertKeyValueRows(
    trx,
    'trace_tags',
    rows((kv) => kv.keepTags),
    false,
  );
  await upsertKeyValueRows(
    trx,
    'trace_tags',
    rows((kv) => kv.overwriteTags),
    true,
  );
  await upsertKeyValueRows(
    trx,
    'trace_request_metadata',
    rows((kv) => kv.keepMetadata),
    false,
  );
  await upsertKeyValueRows(
    trx,
    'trace_request_metadata',
    rows((kv) => kv.overwriteMetadata),
    true,
  );
}

/**
 * Stores spans (MLflow's `log_spans`): each span's trace is created when missing (times from its spans,
 * `IN_PROGRESS` until the root span arrives, then the root's status with UNSET as OK), span rows are upserted
 * by (trace, span id), and the trace gets `mlflow.trace.spansLocation=TRACKING_STORE`, the summed token usage
 * and cost, `mlflow.traceTag.*` and resource attributes as tags, and its name, previews and inputs/outputs
 * from the root span where not already set. One transaction for the call, with a fixed number of statements
 * for all its traces.
 */
export async function logSpans(ctx: StoreContext, experimentId: string, spans: SpanRecord[]): Promise<void> {
  if (spans.length === 0) return;
  for (const span of spans) checkSpan(span);
  const traces = groupByTrace(spans);
  const ids = traces.map((t) => t.traceId);
  await traceDb(ctx)
    .transaction()
    .execute(async (trx) => {
      const experiment = await requireExperimentRow(trx as never, String(experimentId));
      const created = await createMissingTraces(trx, experiment.experiment_id, traces);
      const rows = await lockTraceRows(ctx, trx, ids);
      // A trace created here has no other spans, tags or metadata yet (they reference its row): only traces
      // that existed before are read back.
      const existing = ids.filter((id) => !created.has(id));
      const finalized = await finalizedTraces(trx, existing);
      await upsertSpans(trx, traces, rows);
      const open = existing.filter((id) => !finalized.has(id));
      const ranges = await storedTimeRanges(trx, open);
      const usage = await storedUsage(trx, open);

      const entries = new Map<string, TraceKeyValues>();
      for (const trace of traces) {
        const id = trace.traceId;
        if (created.has(id)) {
          entries.set(id, allOverwriting(traceKeyValues(trace, usageOfStored(trace))));
          continue;
        }
        const update = existingTraceUpdate(
          trace,
          rows.get(id)!,
          finalized.has(id) ? undefined : ranges.get(id),
        );
        if (Object.keys(update).length > 0) {
          await trx.updateTable('trace_info').set(update).where('request_id', '=', id).execute();
        }
        entries.set(id, traceKeyValues(trace, finalized.has(id) ? {} : (usage.get(id) ?? {})));
      }
      await upsertTraceKeyValues(trx, entries);
    });
}
