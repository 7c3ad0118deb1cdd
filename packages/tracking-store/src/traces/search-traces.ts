import {
  decodePageToken,
  encodePageToken,
  type Page,
  queryFingerprint,
  type SearchTracesOptions,
  type TraceInfo,
  validateMaxResults,
} from '@flowline/core';
import type { StoreContext } from '../context.js';
import { experimentKey } from '../experiments.js';
import { compileTraceSearch } from '../search/trace-query.js';
import { traceDb } from './tables.js';
import { hydrateTraces, type TraceRow } from './trace-rows.js';

/** MLflow's trace search limits: 100 results by default; the store refuses more than 50000. */
export const DEFAULT_SEARCH_TRACES_RESULTS = 100;
export const MAX_SEARCH_TRACES_RESULTS = 50_000;

/**
 * Searches traces (MLflow's `search_traces`): filter and order-by grammar of `SearchTraceUtils`, offset page
 * tokens; a next token only when more traces follow.
 */
export async function searchTraces(
  ctx: StoreContext,
  options: SearchTracesOptions,
): Promise<Page<TraceInfo>> {
  const maxResults = validateMaxResults(
    options.maxResults,
    MAX_SEARCH_TRACES_RESULTS,
    DEFAULT_SEARCH_TRACES_RESULTS,
  );
  const experimentIds = (options.experimentIds ?? []).map(String);
  const fingerprint = queryFingerprint([
    'traces',
    experimentIds,
    options.filter ?? '',
    options.orderBy ?? [],
  ]);
  const offset = decodePageToken(options.pageToken, fingerprint);
  const keys = experimentIds.map(experimentKey).filter((k): k is number => k !== null);
  // Parse the filter and order even when there is nothing to search, so mistakes are reported.
  const query = compileTraceSearch(ctx, {
    experimentIds: keys.length > 0 ? keys : [-1],
    filter: options.filter,
    orderBy: options.orderBy,
  });
  if (keys.length === 0) return { items: [] };
  const rows = (await query
    .limit(maxResults + 1)
    .offset(offset)
    .execute()) as TraceRow[];
  const items = await hydrateTraces(traceDb(ctx), rows.slice(0, maxResults));
  return rows.length > maxResults
    ? { items, nextPageToken: encodePageToken(offset + maxResults, fingerprint) }
    : { items };
}
