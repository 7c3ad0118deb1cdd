import type { SpanRecord } from '@flowline/core';
import { sql } from 'kysely';
import type { StoreContext } from '../context.js';
import { decodeSpanRow, type SpanRow } from './span-content.js';
import { traceDb } from './tables.js';
import { requireTraceRow } from './trace-rows.js';

/**
 * The spans stored for a trace (MLflow's `batch_get_traces` / `get_trace` span rows), sorted by start time;
 * empty for a trace whose spans live in artifacts. Times are read as text, so nanoseconds stay exact.
 */
export async function getTraceSpans(ctx: StoreContext, traceId: string): Promise<SpanRecord[]> {
  const db = traceDb(ctx);
  const trace = await requireTraceRow(db, traceId);
  const rows = await db
    .selectFrom('spans')
    .select([
      'trace_id',
      'span_id',
      'parent_span_id',
      'name',
      'type',
      'status',
      'content',
      sql<string>`cast(start_time_unix_nano as text)`.as('start_ns'),
      sql<string | null>`cast(end_time_unix_nano as text)`.as('end_ns'),
    ])
    .where('trace_id', '=', trace.request_id)
    .orderBy('start_time_unix_nano')
    .orderBy('span_id')
    .execute();
  return (rows as SpanRow[]).map(decodeSpanRow);
}
