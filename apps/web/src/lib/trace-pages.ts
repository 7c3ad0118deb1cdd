import { searchTraces, type TraceInfoJson } from '../api/traces.js';
import { type Page, type PageQuery, type Pages, usePages } from './use-pages.js';

const searchTracePage = async (query: PageQuery): Promise<Page<TraceInfoJson>> => {
  const page = await searchTraces(query);
  return { items: page.traces, nextPageToken: page.nextPageToken };
};
const traceId = (trace: TraceInfoJson) => trace.trace_id;

/**
 * Loads the traces of a search page by page (see `usePages`), without traces already shown: offset page
 * tokens shift when traces arrive between two pages, so a trace can come back on the next page.
 */
export function useTracePages(
  experimentIds: readonly string[],
  filter: string,
  orderBy: string,
  pageSize = 100,
): Pages<TraceInfoJson> {
  return usePages(searchTracePage, experimentIds, filter, orderBy, { pageSize, idOf: traceId });
}
