import { MlflowError, TRACE_STATES, type TraceInfo, type TraceState } from '@flowline/core';
import type { Selectable } from 'kysely';
import { chunk, toNumber } from '../values.js';
import { loadAssessments } from './assessments.js';
import { truncate } from './json.js';
import type { TraceDb, TraceInfoTable } from './tables.js';

/** A `trace_info` row. */
export type TraceRow = Selectable<TraceInfoTable>;

/** The DB limits of trace tag and metadata rows (VARCHAR(250) keys, VARCHAR(8000) values). */
export const MAX_TRACE_KEY_LENGTH = 250;
export const MAX_TRACE_VALUE_LENGTH = 8000;

/** MLflow's error for an unknown trace. */
export function traceNotFound(traceId: string): MlflowError {
  return MlflowError.resourceDoesNotExist(`Trace with ID '${traceId}' not found.`);
}

/** The trace row, or RESOURCE_DOES_NOT_EXIST. */
export async function requireTraceRow(db: TraceDb, traceId: string): Promise<TraceRow> {
  if (typeof traceId !== 'string' || traceId === '') {
    throw MlflowError.invalidParameterValue(`Missing value for required parameter 'trace_id'.`);
  }
  const row = await db
    .selectFrom('trace_info')
    .selectAll()
    .where('request_id', '=', traceId)
    .executeTakeFirst();
  if (!row) throw traceNotFound(traceId);
  return row;
}

/** A stored status as a `TraceState`; rows of MLflow 2 hold `TraceStatus` names, mapped alike. */
export function toTraceState(status: string): TraceState {
  if ((TRACE_STATES as readonly string[]).includes(status)) return status as TraceState;
  return 'STATE_UNSPECIFIED';
}

/** Checks a state given by a client (MLflow 2's `TRACE_STATUS_UNSPECIFIED` is `STATE_UNSPECIFIED`). */
export function checkTraceState(state: unknown, name = 'state'): TraceState {
  if (state === 'TRACE_STATUS_UNSPECIFIED') return 'STATE_UNSPECIFIED';
  if (typeof state !== 'string' || !(TRACE_STATES as readonly string[]).includes(state)) {
    throw MlflowError.invalidParameterValue(
      `Invalid value ${JSON.stringify(state)} for parameter '${name}' supplied: use one of ${TRACE_STATES.join(', ')}.`,
    );
  }
  return state as TraceState;
}

/** Tag or metadata entries with keys and values cut to the columns' sizes (of keys that cut alike, the last wins). */
export function cutKeyValues(entries: Record<string, string> | undefined): Map<string, string> {
  const byKey = new Map<string, string>();
  for (const [key, value] of Object.entries(entries ?? {})) {
    byKey.set(truncate(key, MAX_TRACE_KEY_LENGTH), truncate(String(value ?? ''), MAX_TRACE_VALUE_LENGTH));
  }
  return byKey;
}

/** A `trace_tags` or `trace_request_metadata` row. */
export interface KeyValueRow {
  request_id: string;
  key: string;
  value: string;
}

/** Rows of cut entries of one trace, in key order (a stable lock order for upserts). */
export function keyValueRowsOf(requestId: string, entries: ReadonlyMap<string, string>): KeyValueRow[] {
  return [...entries.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => ({ request_id: requestId, key, value }));
}

/** Tag or metadata entries cut to the columns' sizes, in key order (a stable lock order for upserts). */
export function keyValueRows(requestId: string, entries: Record<string, string> | undefined): KeyValueRow[] {
  return keyValueRowsOf(requestId, cutKeyValues(entries));
}

/**
 * Writes tag or metadata rows (of one or many traces, each (trace, key) once): `overwrite` replaces existing
 * values, otherwise existing keys are kept.
 */
export async function upsertKeyValueRows(
  db: TraceDb,
  table: 'trace_tags' | 'trace_request_metadata',
  rows: readonly KeyValueRow[],
  overwrite: boolean,
): Promise<void> {
  // 1000 rows × 3 columns stays under both drivers' bound-parameter limits.
  for (const part of chunk(rows, 1000)) {
    await db
      .insertInto(table)
      .values(part)
      .onConflict((oc) => {
        const target = oc.columns(['key', 'request_id']);
        return overwrite
          ? target.doUpdateSet((eb) => ({ value: eb.ref('excluded.value') }))
          : target.doNothing();
      })
      .execute();
  }
}

/** Writes tags or metadata: `overwrite` replaces existing values, otherwise existing keys are kept. */
export async function upsertKeyValues(
  db: TraceDb,
  table: 'trace_tags' | 'trace_request_metadata',
  requestId: string,
  entries: Record<string, string> | undefined,
  overwrite = true,
): Promise<void> {
  await upsertKeyValueRows(db, table, keyValueRows(requestId, entries), overwrite);
}

async function loadKeyValues(
  db: TraceDb,
  table: 'trace_tags' | 'trace_request_metadata',
  ids: string[],
): Promise<Map<string, Record<string, string>>> {
  const byTrace = new Map<string, Record<string, string>>();
  for (const part of chunk(ids, 500)) {
    const rows = await db
      .selectFrom(table)
      .select(['request_id', 'key', 'value'])
      .where('request_id', 'in', part)
      .orderBy('key')
      .execute();
    for (const r of rows) {
      const entries = byTrace.get(r.request_id) ?? {};
      entries[r.key] = r.value ?? '';
      byTrace.set(r.request_id, entries);
    }
  }
  return byTrace;
}

/** Trace rows to `TraceInfo`s, with tags, metadata and assessments loaded in a few queries. */
export async function hydrateTraces(db: TraceDb, rows: TraceRow[]): Promise<TraceInfo[]> {
  const ids = rows.map((r) => r.request_id);
  const [tags, metadata, assessments] = [
    await loadKeyValues(db, 'trace_tags', ids),
    await loadKeyValues(db, 'trace_request_metadata', ids),
    await loadAssessments(db, ids),
  ];
  return rows.map((row) => {
    const info: TraceInfo = {
      traceId: row.request_id,
      experimentId: String(row.experiment_id),
      requestTime: toNumber(row.timestamp_ms) ?? 0,
      state: toTraceState(row.status),
      traceMetadata: metadata.get(row.request_id) ?? {},
      tags: tags.get(row.request_id) ?? {},
      assessments: assessments.get(row.request_id) ?? [],
    };
    const duration = toNumber(row.execution_time_ms);
    if (duration !== null) info.executionDuration = duration;
    if (row.client_request_id !== null) info.clientRequestId = row.client_request_id;
    if (row.request_preview !== null) info.requestPreview = row.request_preview;
    if (row.response_preview !== null) info.responsePreview = row.response_preview;
    return info;
  });
}
