import { searchRuns } from '../api/endpoints.js';
import type { Run } from '../api/types.js';
import { type Pages, usePages } from './use-pages.js';

/** Loads the runs of a search page by page (see `usePages`). */
export function useRunPages(
  experimentIds: readonly string[],
  filter: string,
  orderBy: string,
  pageSize = 100,
): Pages<Run> {
  return usePages(searchRuns, experimentIds, filter, orderBy, { pageSize });
}
