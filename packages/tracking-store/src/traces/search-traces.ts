import {
  type Page,
  queryFingerprint,
  type SearchTracesOptions,
  type TraceInfo,
  validateMaxResults,
} from '@flowline/core';
import type { StoreContext } from '../context.js';
import { searchExperimentPage } from '../search/experiment-page.js';
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
  return searchExperimentPage({
    experimentIds,
    maxResults,
    fingerprint,
    pageToken: options.pageToken,
    compile: (keys) =>
      compileTraceSearch(ctx, { experimentIds: keys, filter: options.filter, orderBy: options.orderBy }),
    hydrate: (rows) => hydrateTraces(traceDb(ctx), rows as TraceRow[]),
  });
}
